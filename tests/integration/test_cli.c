/* Integration: the command line —
 *   httpd-lite [-p PORT] [-b ADDRESS] [-d DIRECTORY] [PORT]
 * --help and --version, the start-up banner for each way of giving the
 * options, and bad arguments (exit 2, or 1 for a port in use) reported in
 * exactly one line on stderr. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

#ifndef HTTPD_LITE_VERSION
#define HTTPD_LITE_VERSION "0.1.0"
#endif

/* A run that should fail at once gets this long before it counts as hung. */
#define RUN_MS 3000

/* ---- --help / --version ------------------------------------------------------ */

static void help_exits_0_with_usage_on_stdout(void **state)
{
	const char *args[] = { "--help", NULL };
	struct run_result r;

	(void)state;
	assert_int_equal(harness_run_server(args, NULL, RUN_MS, &r), 0);
	assert_int_equal(r.exit_code, 0);
	assert_true(harness_match(r.out.data, "[Uu]sage"));
	assert_contains(r.out.data, r.out.len, "--port");
	assert_contains(r.out.data, r.out.len, "--bind");
	assert_contains(r.out.data, r.out.len, "--directory");
	assert_contains(r.out.data, r.out.len, "--version");
	assert_int_equal(r.err.len, 0);
	run_result_free(&r);
}

static void version_exits_0(void **state)
{
	const char *args[] = { "--version", NULL };
	struct run_result r;

	(void)state;
	assert_int_equal(harness_run_server(args, NULL, RUN_MS, &r), 0);
	assert_int_equal(r.exit_code, 0);
	/* The first line is the contract (`--version | head -1`); build
	 * details may follow on later lines. */
	assert_true(strncmp(r.out.data, "httpd-lite " HTTPD_LITE_VERSION "\n",
			    strlen("httpd-lite " HTTPD_LITE_VERSION "\n")) == 0);
	assert_int_equal(r.err.len, 0);
	run_result_free(&r);
}

/* ---- bad arguments ------------------------------------------------------------ */

/* Runs the server with args; it must exit with code at once, print one
 * line on stderr and no banner. */
static void expect_refusal(const char *const args[], int code)
{
	struct run_result r;
	char shown[1024] = "";
	size_t i, n = 0;

	for (i = 0; args[i] && n < sizeof(shown); i++)
		n += (size_t)snprintf(shown + n, sizeof(shown) - n, " '%s'",
				      args[i]);
	assert_int_equal(harness_run_server(args, NULL, RUN_MS, &r), 0);
	if (r.timed_out || r.exit_code != code)
		fail_msg("httpd-lite%s: %s, exit %d, want %d; stderr:\n%s", shown,
			 r.timed_out ? "still running after 3 s" : "exited",
			 r.exit_code, code, r.err.data);
	if (r.err.len < 2 || memchr(r.err.data, '\n', r.err.len) !=
				     r.err.data + r.err.len - 1)
		fail_msg("httpd-lite%s: want one line on stderr, got:\n%s",
			 shown, r.err.data);
	assert_false(harness_contains(r.out.data, r.out.len, "Serving HTTP"));
	run_result_free(&r);
}

static void bad_ports_exit_2(void **state)
{
	static const char *const ports[] = { "70000", "65536", "abc", "-1",
					     "80x", "" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		const char *dash_p[] = { "-b", "127.0.0.1", "-d", suite_fx.root,
					 "-p", ports[i], NULL };
		const char *long_p[] = { "-b", "127.0.0.1", "-d", suite_fx.root,
					 "--port", ports[i], NULL };
		const char *positional[] = { "-b", "127.0.0.1", "-d", suite_fx.root,
					     ports[i], NULL };

		expect_refusal(dash_p, 2);
		expect_refusal(long_p, 2);
		if (ports[i][0] != '-')	/* "-1" would read as an option */
			expect_refusal(positional, 2);
	}
}

static void bad_directories_exit_2(void **state)
{
	char file[512], missing[512];
	const char *args_file[] = { "-b", "127.0.0.1", "-p", "1", "-d", file, NULL };
	const char *args_missing[] = { "-b", "127.0.0.1", "-p", "1", "-d", missing,
				       NULL };
	const char *args_long[] = { "-b", "127.0.0.1", "-p", "1", "--directory",
				    missing, NULL };
	int port = harness_free_port();
	char portstr[16];

	(void)state;
	snprintf(portstr, sizeof(portstr), "%d", port);
	args_file[3] = args_missing[3] = args_long[3] = portstr;
	fixture_path(&suite_fx, "hello.txt", file, sizeof(file));
	fixture_path(&suite_fx, "no/such/dir", missing, sizeof(missing));
	expect_refusal(args_file, 2);
	expect_refusal(args_missing, 2);
	expect_refusal(args_long, 2);
}

static void bad_bind_addresses_exit_2(void **state)
{
	static const char *const addrs[] = { "999.1.1.1", "nonsense", "::g",
					     "1.2.3.4.5" };
	char portstr[16];
	size_t i;

	(void)state;
	snprintf(portstr, sizeof(portstr), "%d", harness_free_port());
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		const char *args[] = { "-b", addrs[i], "-p", portstr, "-d",
				       suite_fx.root, NULL };
		const char *args_long[] = { "--bind", addrs[i], "-p", portstr,
					    "-d", suite_fx.root, NULL };

		expect_refusal(args, 2);
		expect_refusal(args_long, 2);
	}
}

static void unknown_option_exits_2(void **state)
{
	const char *args[] = { "--no-such-option", NULL };
	const char *missing_value[] = { "-b", "127.0.0.1", "-d", suite_fx.root, "-p",
					NULL };
	struct run_result r;

	(void)state;
	assert_int_equal(harness_run_server(args, NULL, RUN_MS, &r), 0);
	assert_int_equal(r.exit_code, 2);
	assert_true(r.err.len > 0);
	run_result_free(&r);
	assert_int_equal(harness_run_server(missing_value, NULL, RUN_MS, &r), 0);
	assert_int_equal(r.exit_code, 2);
	assert_true(r.err.len > 0);
	run_result_free(&r);
}

static void port_in_use_exits_1(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	char portstr[16];
	const char *args[] = { "-b", "127.0.0.1", "-p", portstr, "-d", suite_fx.root,
			       NULL };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	(void)state;
	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	snprintf(portstr, sizeof(portstr), "%d", ntohs(a.sin_port));
	expect_refusal(args, 1);
	close(fd);
}

/* An address that parses but is not this host's: bind() fails at run time,
 * which is exit 1, not a usage error. */
static void unassigned_bind_address_exits_1(void **state)
{
	char portstr[16];
	const char *args[] = { "-b", "192.0.2.1", "-p", portstr, "-d", suite_fx.root,
			       NULL };

	(void)state;
	snprintf(portstr, sizeof(portstr), "%d", harness_free_port());
	expect_refusal(args, 1);
}

/* ---- ways to start ------------------------------------------------------------ */

/* Spawn with args (argv[0] excluded) in cwd, expect banner, GET hello. */
static void start_and_get(const char *const args[], const char *cwd,
			  const char *banner, const char *addr, int port)
{
	const char *argv[32] = { "httpd-lite" };
	struct http_reply r;
	struct client c;
	size_t i;

	for (i = 0; args[i] && i < 30; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	assert_int_equal(harness_spawn(&suite_srv, argv, cwd), 0);
	suite_srv.port = port;
	assert_int_equal(harness_wait_banner(&suite_srv, banner, HARNESS_WAIT_MS), 0);
	assert_rc_ok(client_connect_addr(&c, addr, port));
	assert_rc_ok(client_send_request(&c, "GET", "/hello.txt",
					 "Connection: close\r\n"));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 200);
	assert_body_str(&r, HELLO_BODY);
	reply_free(&r);
	client_close(&c);
	assert_int_equal(harness_stop(&suite_srv), 0);
}

static void banner_for(char *buf, size_t size, const char *host, int port)
{
	bool v6 = strchr(host, ':') != NULL;

	snprintf(buf, size, "Serving HTTP on %s port %d (http://%s%s%s:%d/) ...",
		 host, port, v6 ? "[" : "", host, v6 ? "]" : "", port);
}

static void positional_port(void **state)
{
	int port = harness_free_port();
	char portstr[16], banner[160];
	const char *args[] = { "-b", "127.0.0.1", "-d", suite_fx.root, portstr, NULL };

	(void)state;
	snprintf(portstr, sizeof(portstr), "%d", port);
	banner_for(banner, sizeof(banner), "127.0.0.1", port);
	start_and_get(args, NULL, banner, "127.0.0.1", port);
}

static void long_options(void **state)
{
	int port = harness_free_port();
	char portstr[16], banner[160];
	const char *args[] = { "--bind", "127.0.0.1", "--port", portstr,
			       "--directory", suite_fx.root, NULL };

	(void)state;
	snprintf(portstr, sizeof(portstr), "%d", port);
	banner_for(banner, sizeof(banner), "127.0.0.1", port);
	start_and_get(args, NULL, banner, "127.0.0.1", port);
}

static void long_options_with_equals(void **state)
{
	int port = harness_free_port();
	char p[32], d[512], banner[160];
	const char *args[] = { "--bind=127.0.0.1", p, d, NULL };

	(void)state;
	snprintf(p, sizeof(p), "--port=%d", port);
	snprintf(d, sizeof(d), "--directory=%s", suite_fx.root);
	banner_for(banner, sizeof(banner), "127.0.0.1", port);
	start_and_get(args, NULL, banner, "127.0.0.1", port);
}

static void directory_defaults_to_cwd(void **state)
{
	int port = harness_free_port();
	char portstr[16], banner[160];
	const char *args[] = { "-b", "127.0.0.1", "-p", portstr, NULL };

	(void)state;
	snprintf(portstr, sizeof(portstr), "%d", port);
	banner_for(banner, sizeof(banner), "127.0.0.1", port);
	start_and_get(args, suite_fx.root, banner, "127.0.0.1", port);
}

static bool ipv6_loopback_available(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	a.sin6_addr = in6addr_loopback;
	ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

/* No -b: all interfaces, dual-stack — `::` reaching IPv4 clients too, or
 * 0.0.0.0 where IPv6 is unavailable. */
static void default_bind_is_dual_stack(void **state)
{
	int port = harness_free_port();
	char portstr[16], banner[160];
	const char *args[] = { "-p", portstr, "-d", suite_fx.root, NULL };
	bool v6 = ipv6_loopback_available();

	(void)state;
	snprintf(portstr, sizeof(portstr), "%d", port);
	banner_for(banner, sizeof(banner), v6 ? "::" : "0.0.0.0", port);
	start_and_get(args, NULL, banner, "127.0.0.1", port);
	if (v6)
		start_and_get(args, NULL, banner, "::1", port);
}

static void bind_ipv6_loopback(void **state)
{
	int port = harness_free_port();
	char portstr[16], banner[160];
	const char *args[] = { "-b", "::1", "-p", portstr, "-d", suite_fx.root, NULL };

	(void)state;
	if (!ipv6_loopback_available())
		skip();
	snprintf(portstr, sizeof(portstr), "%d", port);
	banner_for(banner, sizeof(banner), "::1", port);
	start_and_get(args, NULL, banner, "::1", port);
}

/* Only when nothing else uses 8000 on loopback right now. */
static void port_defaults_to_8000(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(8000) };
	const char *args[] = { "-b", "127.0.0.1", "-d", suite_fx.root, NULL };
	char banner[160];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc;

	(void)state;
	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = bind(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	if (rc < 0)
		skip();
	banner_for(banner, sizeof(banner), "127.0.0.1", 8000);
	start_and_get(args, NULL, banner, "127.0.0.1", 8000);
}

#define C(f) cmocka_unit_test_teardown(f, suite_cleanup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		C(help_exits_0_with_usage_on_stdout),
		C(version_exits_0),
		C(bad_ports_exit_2),
		C(bad_directories_exit_2),
		C(bad_bind_addresses_exit_2),
		C(unknown_option_exits_2),
		C(port_in_use_exits_1),
		C(unassigned_bind_address_exits_1),
		C(positional_port),
		C(long_options),
		C(long_options_with_equals),
		C(directory_defaults_to_cwd),
		C(default_bind_is_dual_stack),
		C(bind_ipv6_loopback),
		C(port_defaults_to_8000),
	};

	return cmocka_run_group_tests(tests, suite_group_setup, suite_group_teardown);
}
