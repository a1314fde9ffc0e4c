/* Integration: the send deadline. A client that asks for a 50 MiB file
 * with a 64 KiB receive buffer and never reads, and one that reads a byte
 * every tick, are both dropped (their child exits) within the documented
 * bound -- no byte for --send-timeout S, or under 1 KiB/s over S seconds:
 * at most 2 S -- while a normal client beside them is served. Small S
 * keeps the suite short; times here only bound the waiting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define BIG50_LEN ((off_t)50 << 20)
#define SEND_TIMEOUT_S 2
#define SEND_TIMEOUT_ARG "2"
/* The documented bound, and the slack of a loaded test machine. */
#define DROP_BOUND_MS (2 * SEND_TIMEOUT_S * 1000 + HARNESS_WAIT_MS)
#define TICK_MS 50

static struct fixture fx;
static struct test_server srv;

static int group_setup(void **state)
{
	char path[512];
	(void)state;
	if (fixture_create(&fx) < 0 || fixture_write_str(&fx, "hello.txt", HELLO_BODY) < 0)
		return -1;
	/* Sparse: 50 MiB of file that costs no disk. */
	int fd = open(fixture_path(&fx, "big50m.bin", path, sizeof(path)),
		      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	int rc = ftruncate(fd, BIG50_LEN);
	close(fd);
	return rc;
}

static int group_teardown(void **state)
{
	(void)state;
	fixture_destroy(&fx);
	return 0;
}

static int setup(void **state)
{
	static const char *extra[] = {"--send-timeout", SEND_TIMEOUT_ARG, "--trace", NULL};
	(void)state;
	return harness_start(&srv, fx.root, extra);
}

static int teardown(void **state)
{
	(void)state;
	harness_close_clients();
	return harness_stop(&srv) == 0 ? 0 : -1;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A connected socket whose receive buffer is rcvbuf bytes, the request
 * for the 50 MiB file sent. */
static int ask_for_big_file(int rcvbuf)
{
	static const char req[] = "GET /big50m.bin HTTP/1.1\r\nHost: x\r\n\r\n";
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)), 0);
	sa.sin_port = htons((uint16_t)srv.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL), (ssize_t)sizeof(req) - 1);
	return fd;
}

static void normal_client_served(void)
{
	struct http_reply r;
	assert_rc_ok(client_get(srv.port, "/hello.txt", &r));
	assert_int_equal(r.status, 200);
	assert_body_str(&r, HELLO_BODY);
	reply_free(&r);
}

/* The child that served the slow client says why it went. */
static void expect_drop_traced(void)
{
	assert_int_equal(harness_wait_stderr_match(&srv,
						   "^\\[trace\\] child [0-9]+: dropped 127\\.0\\.0\\.1: "
						   "took no byte for 2 s, or under 1024 bytes/s$",
						   NULL, 0, DROP_BOUND_MS),
			 0);
}

/* The client's own kernel has the connection closed (the server's
 * reset arrived), even with bytes still unread in its buffer. */
static void expect_closed(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	long long deadline = now_ms() + HARNESS_WAIT_MS;
	do {
		assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
		if (ti.tcpi_state == TCP_CLOSE || ti.tcpi_state == TCP_CLOSE_WAIT)
			return;
		harness_pump(TICK_MS);
	} while (now_ms() < deadline);
	fail_msg("the dropped client's connection is still open (state %u)", ti.tcpi_state);
}

static void never_reading_client_dropped(void **state)
{
	(void)state;
	int fd = ask_for_big_file(64 * 1024);
	assert_int_equal(harness_wait_children(srv.pid, 1, HARNESS_WAIT_MS), 0);
	normal_client_served();
	/* Still connected, never reading: its child must go anyway. */
	assert_int_equal(harness_wait_children(srv.pid, 0, DROP_BOUND_MS), 0);
	expect_drop_traced();
	expect_closed(fd);
	close(fd);
	normal_client_served();
}

/* Reads one byte per tick until the server has no child left; the
 * bytes it got, or -1 if the bound passed first. */
static long long read_a_byte_per_tick(int fd, long long bound_ms)
{
	long long deadline = now_ms() + bound_ms, got = 0;
	while (now_ms() < deadline) {
		char c;
		if (harness_children(srv.pid, NULL) == 0)
			return got;
		(void)poll(NULL, 0, TICK_MS); /* the reader's pace, not a sync */
		if (recv(fd, &c, 1, MSG_DONTWAIT) == 1)
			got++;
	}
	return -1;
}

static void byte_per_tick_reader_dropped(void **state)
{
	(void)state;
	int fd = ask_for_big_file(4096);
	assert_int_equal(harness_wait_children(srv.pid, 1, HARNESS_WAIT_MS), 0);
	normal_client_served();
	long long got = read_a_byte_per_tick(fd, DROP_BOUND_MS);
	if (got < 0)
		fail_msg("a reader of %d bytes/s was still served after %d ms", 1000 / TICK_MS,
			 DROP_BOUND_MS);
	assert_true(got < BIG50_LEN);
	expect_drop_traced();
	expect_closed(fd);
	close(fd);
	normal_client_served();
}

/* A client that reads at full speed gets all 50 MiB: the deadline only
 * ever catches the slow. */
static void fast_reader_gets_everything(void **state)
{
	(void)state;
	struct client c;
	struct http_reply r;
	assert_rc_ok(client_connect(&c, srv.port));
	assert_rc_ok(client_send_request(&c, "GET", "/big50m.bin", "Connection: close\r\n"));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, (size_t)BIG50_LEN);
	reply_free(&r);
	client_close(&c);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(never_reading_client_dropped),
		T(byte_per_tick_reader_dropped),
		T(fast_reader_gets_everything),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
