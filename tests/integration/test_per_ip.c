/* Integration: --max-per-ip. Past the cap, a client address is answered
 * 503 with Retry-After by the parent itself (no fork: the children are
 * still exactly the cap), while another address is served; 0 turns the
 * cap off. 127.0.0.2 is loopback too on Linux: a client socket bound to
 * it is "another address". */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

#define CAP 3

static void start(const char *cap)
{
	const char *extra[] = {"--max-per-ip", cap, "--trace", NULL};
	assert_int_equal(harness_start(&suite_srv, suite_fx.root, extra), 0);
}

/* A client on 127.0.0.1:port whose own address is from (bound first). */
static void connect_from(struct client *c, const char *from, int port)
{
	struct sockaddr_in me = {.sin_family = AF_INET};
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	memset(c, 0, sizeof(*c));
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	assert_int_equal(inet_pton(AF_INET, from, &me.sin_addr), 1);
	assert_int_equal(inet_pton(AF_INET, "127.0.0.1", &to.sin_addr), 1);
	assert_int_equal(bind(c->fd, (struct sockaddr *)&me, sizeof(me)), 0);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&to, sizeof(to)), 0);
}

static void expect_hello(struct client *c)
{
	struct http_reply r;
	assert_rc_ok(client_send_request(c, "GET", "/hello.txt", NULL));
	assert_rc_ok(client_read_reply(c, &r, false));
	assert_int_equal(r.status, 200);
	assert_body_str(&r, HELLO_BODY);
	reply_free(&r);
}

/* The parent's answer, before any request byte was sent. */
static void expect_refused_by_parent(struct client *c)
{
	struct http_reply r;
	assert_rc_ok(client_read_reply(c, &r, false));
	assert_int_equal(r.status, 503);
	assert_header(&r, "Retry-After", "1");
	assert_header(&r, "Connection", "close");
	assert_contains(r.body, r.body_len, "Too many connections from this address");
	reply_free(&r);
	assert_int_equal(client_wait_close(c, HARNESS_WAIT_MS, NULL), 1);
}

static void cap_answered_503_by_parent_other_address_served(void **state)
{
	struct client held[CAP], over, other;
	int zombies = -1;
	(void)state;
	start("3");
	for (int i = 0; i < CAP; i++) {
		assert_rc_ok(client_connect(&held[i], suite_srv.port));
		expect_hello(&held[i]); /* keep-alive: the child stays */
	}
	assert_int_equal(harness_wait_children(suite_srv.pid, CAP, HARNESS_WAIT_MS), 0);
	for (int i = 0; i < 2; i++) {
		assert_rc_ok(client_connect(&over, suite_srv.port));
		expect_refused_by_parent(&over);
		client_close(&over);
	}
	/* Never forked for them: exactly the cap of children, none more. */
	assert_int_equal(harness_children(suite_srv.pid, &zombies), CAP);
	assert_int_equal(zombies, 0);
	connect_from(&other, "127.0.0.2", suite_srv.port);
	expect_hello(&other);
	assert_int_equal(harness_wait_children(suite_srv.pid, CAP + 1, HARNESS_WAIT_MS), 0);
	/* The trace shows the accepts that forked: CAP from .1, one from .2. */
	assert_int_equal(harness_wait_stderr_match(&suite_srv,
						   "remote=127\\.0\\.0\\.2:[0-9]+ -> child [0-9]+$",
						   NULL, 0, HARNESS_WAIT_MS),
			 0);
	client_close(&other);
	/* A slot freed is a slot for the address again. */
	client_close(&held[0]);
	assert_int_equal(harness_wait_children(suite_srv.pid, CAP - 1, HARNESS_WAIT_MS), 0);
	assert_rc_ok(client_connect(&over, suite_srv.port));
	expect_hello(&over);
	client_close(&over);
	for (int i = 1; i < CAP; i++)
		client_close(&held[i]);
}

static void zero_turns_the_cap_off(void **state)
{
	struct client c[8];
	(void)state;
	start("0");
	for (int i = 0; i < 8; i++) {
		assert_rc_ok(client_connect(&c[i], suite_srv.port));
		expect_hello(&c[i]);
	}
	assert_int_equal(harness_wait_children(suite_srv.pid, 8, HARNESS_WAIT_MS), 0);
	for (int i = 0; i < 8; i++)
		client_close(&c[i]);
}

/* The global cap still comes first, with its own message. */
static void max_clients_below_per_ip_cap(void **state)
{
	const char *extra[] = {"--max-per-ip", "10", "--max-clients", "2", NULL};
	struct client c[2], over;
	struct http_reply r;
	(void)state;
	assert_int_equal(harness_start(&suite_srv, suite_fx.root, extra), 0);
	for (int i = 0; i < 2; i++) {
		assert_rc_ok(client_connect(&c[i], suite_srv.port));
		expect_hello(&c[i]);
	}
	assert_rc_ok(client_connect(&over, suite_srv.port));
	assert_rc_ok(client_read_reply(&over, &r, false));
	assert_int_equal(r.status, 503);
	assert_contains(r.body, r.body_len, "Too many clients");
	reply_free(&r);
	client_close(&over);
	for (int i = 0; i < 2; i++)
		client_close(&c[i]);
}

#define T(f) cmocka_unit_test_teardown(f, suite_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(cap_answered_503_by_parent_other_address_served),
		T(zero_turns_the_cap_off),
		T(max_clients_below_per_ip_cap),
	};
	return cmocka_run_group_tests(tests, suite_group_setup, suite_group_teardown);
}
