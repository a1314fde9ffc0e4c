/* What the server says at start-up: python's line unchanged, then the
 * URLs a person can open (localhost and every interface when bound to a
 * wildcard, the address alone otherwise) and whether other machines can
 * connect; and -p 0, where the kernel picks the port and the real one is
 * printed everywhere (start-up line, URLs, --trace, the SIGUSR1 table).
 * Each test learns the port from the start-up line, as a script would. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static struct fixture fx;

static int group_setup(void **state)
{
	(void)state;
	return fixture_standard_site(&fx);
}

static int group_teardown(void **state)
{
	(void)state;
	fixture_destroy(&fx);
	return 0;
}

/* Start with argv (the binary and -d are added) and wait until stdout
 * holds `lines` lines; the port from the start-up line. */
static int start_announced(struct test_server *s, const char *const *args, int lines)
{
	const char *argv[32] = {"httpd-lite", "-d", fx.root};
	size_t n = 3;
	for (size_t i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (harness_spawn(s, argv, NULL) < 0)
		return -1;
	for (int waited = 0; waited < HARNESS_WAIT_MS; waited += 20) {
		int have = 0;
		for (const char *p = s->out.data; p && (p = strchr(p, '\n')); p++)
			have++;
		if (have >= lines)
			break;
		harness_pump(20);
	}
	int port = 0;
	if (!s->out.data || sscanf(s->out.data, "Serving HTTP on %*s port %d ", &port) != 1)
		return -1;
	s->port = port;
	return port;
}

static void get_hello(int port)
{
	struct http_reply r;
	assert_rc_ok(client_get(port, "/hello.txt", &r));
	assert_int_equal(r.status, 200);
	assert_body_str(&r, HELLO_BODY);
	reply_free(&r);
}

static void port_zero_on_loopback_prints_the_real_port(void **state)
{
	(void)state;
	struct test_server s;
	/* -q silences the access log only: the URLs are still printed. */
	static const char *const args[] = {"-b", "127.0.0.1", "-p", "0", "-q", NULL};
	int port = start_announced(&s, args, 2);
	assert_true(port > 0);
	char want[256];
	snprintf(want, sizeof(want),
		 "Serving HTTP on 127.0.0.1 port %d (http://127.0.0.1:%d/) ...\n"
		 "  http://127.0.0.1:%d/\n",
		 port, port, port);
	assert_string_equal(s.out.data, want); /* loopback: not reachable, not said */
	get_hello(port);
	assert_int_equal(harness_stop(&s), 0);
}

static void positional_port_zero(void **state)
{
	(void)state;
	struct test_server s;
	static const char *const args[] = {"-b", "127.0.0.1", "0", NULL};
	int port = start_announced(&s, args, 2);
	assert_true(port > 0);
	get_hello(port);
	assert_int_equal(harness_stop(&s), 0);
}

/* Bound to every address: localhost first, then one line per interface
 * address, each with the real port and the interface's name, and the
 * line that says other machines can connect. */
static void wildcard_lists_localhost_and_interfaces(void **state)
{
	(void)state;
	struct test_server s;
	static const char *const args[] = {"-p", "0", NULL};
	int port = start_announced(&s, args, 3);
	assert_true(port > 0);
	char want[128];
	snprintf(want, sizeof(want), "Serving HTTP on :: port %d (http://[::]:%d/) ...\n"
				     "  http://localhost:%d/\n", port, port, port);
	assert_memory_equal(s.out.data, want, strlen(want));
	const char *line = s.out.data + strlen(want);
	char re[160];
	snprintf(re, sizeof(re),
		 "^  http://([0-9.]+|\\[[0-9a-f:]+\\]):%d/  \\([^()]+\\)$", port);
	for (;;) {
		const char *nl = strchr(line, '\n');
		assert_non_null(nl);
		char one[256];
		snprintf(one, sizeof(one), "%.*s", (int)(nl - line), line);
		if (strncmp(one, "Reachable", 9) == 0) {
			assert_string_equal(one, "Reachable from the network: other machines can connect.");
			assert_string_equal(nl + 1, "");
			break;
		}
		if (!harness_match(one, re))
			fail_msg("unexpected line \"%s\"", one);
		/* neither loopback nor link-local: localhost covers the one,
		 * a browser cannot open the other */
		assert_null(strstr(one, "127.0.0.1"));
		assert_null(strstr(one, "[::1]"));
		assert_null(strstr(one, "[fe80:"));
		line = nl + 1;
	}
	get_hello(port);
	assert_int_equal(harness_stop(&s), 0);
}

/* ---- in a network namespace of our own ------------------------------ */

/* A namespace with a veth pair (some kernels have no dummy interfaces),
 * "v0" holding 198.51.100.7 and 2001:db8::7 (documentation addresses,
 * never routed), "v1" up without an address: the server inside it must
 * name exactly those two. Nothing is ever sent to them. Needs root
 * (CAP_SYS_ADMIN) and iproute2: skipped otherwise. */
static char netns[32];

static int ip_cmd(const char *const args[])
{
	const char *argv[16] = {"ip"};
	size_t n = 1;
	for (size_t i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	struct run_result r;
	int rc = harness_run(argv, NULL, HARNESS_WAIT_MS, &r);
	rc = rc == 0 && r.exit_code == 0 ? 0 : -1;
	run_result_free(&r);
	return rc;
}

static bool make_netns(void)
{
	snprintf(netns, sizeof(netns), "httpd-lite-%d", (int)getpid());
	if (ip_cmd((const char *[]){"netns", "add", netns, NULL}) < 0)
		return false;
	return ip_cmd((const char *[]){"-n", netns, "link", "add", "v0", "type", "veth", "peer",
				       "name", "v1", NULL}) == 0 &&
	       ip_cmd((const char *[]){"-n", netns, "addr", "add", "198.51.100.7/24", "dev", "v0",
				       NULL}) == 0 &&
	       ip_cmd((const char *[]){"-n", netns, "addr", "add", "2001:db8::7/64", "dev", "v0",
				       "nodad", NULL}) == 0 &&
	       ip_cmd((const char *[]){"-n", netns, "link", "set", "v0", "up", NULL}) == 0 &&
	       ip_cmd((const char *[]){"-n", netns, "link", "set", "v1", "up", NULL}) == 0 &&
	       ip_cmd((const char *[]){"-n", netns, "link", "set", "lo", "up", NULL}) == 0;
}

static int drop_netns(void **state)
{
	(void)state;
	if (netns[0])
		(void)ip_cmd((const char *[]){"netns", "del", netns, NULL});
	netns[0] = '\0';
	return 0;
}

/* The server's stdout inside the namespace: started with extra, stopped
 * by SIGINT once it has had time to print its start-up lines. */
static char *announce_in_netns(const char *const extra[])
{
	const char *argv[24] = {"ip", "netns", "exec", netns, "timeout", "-s", "INT", "2",
				harness_bin(), "-d", fx.root};
	size_t n = 11;
	for (size_t i = 0; extra[i] && n < 23; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	struct run_result r;
	if (harness_run(argv, NULL, HARNESS_WAIT_MS, &r) < 0)
		return NULL;
	char *out = strndup(r.out.data ? r.out.data : "", r.out.len);
	run_result_free(&r);
	return out;
}

static void namespace_interfaces_are_named(void **state)
{
	(void)state;
	if (!make_netns())
		skip();
	char *out = announce_in_netns((const char *[]){"-p", "8123", NULL});
	assert_non_null(out);
	const char *want = "Serving HTTP on :: port 8123 (http://[::]:8123/) ...\n"
			   "  http://localhost:8123/\n"
			   "  http://198.51.100.7:8123/  (v0)\n"
			   "  http://[2001:db8::7]:8123/  (v0)\n"
			   "Reachable from the network: other machines can connect.\n";
	if (strncmp(out, want, strlen(want)) != 0)
		fail_msg("the server said:\n%s", out);
	free(out);
	out = announce_in_netns((const char *[]){"-p", "8123", "-b", "198.51.100.7", NULL});
	assert_non_null(out);
	want = "Serving HTTP on 198.51.100.7 port 8123 (http://198.51.100.7:8123/) ...\n"
	       "  http://198.51.100.7:8123/\n"
	       "Reachable from the network: other machines can connect.\n";
	if (strncmp(out, want, strlen(want)) != 0)
		fail_msg("the server said:\n%s", out);
	free(out);
}

/* --trace names the port in its listening line; SIGUSR1's table heads
 * with it. */
static void trace_and_status_show_the_real_port(void **state)
{
	(void)state;
	struct test_server s;
	static const char *const args[] = {"-b", "127.0.0.1", "-p", "0", "--trace", NULL};
	int port = start_announced(&s, args, 2);
	assert_true(port > 0);
	char re[128];
	snprintf(re, sizeof(re), "^\\[trace\\] listening fd=[0-9]+ on 127\\.0\\.0\\.1:%d ", port);
	assert_int_equal(harness_wait_stderr_match(&s, re, NULL, 0, HARNESS_WAIT_MS), 0);
	assert_int_equal(kill(s.pid, SIGUSR1), 0);
	snprintf(re, sizeof(re), "^0 live children \\(max [0-9]+\\), listening on 127\\.0\\.0\\.1:%d$",
		 port);
	assert_int_equal(harness_wait_stderr_match(&s, re, NULL, 0, HARNESS_WAIT_MS), 0);
	assert_int_equal(harness_stop(&s), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(port_zero_on_loopback_prints_the_real_port),
		cmocka_unit_test(positional_port_zero),
		cmocka_unit_test(wildcard_lists_localhost_and_interfaces),
		cmocka_unit_test_teardown(namespace_interfaces_are_named, drop_netns),
		cmocka_unit_test(trace_and_status_show_the_real_port),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
