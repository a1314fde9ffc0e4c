/* Integration: capacity under the default limits -- 500 simultaneous
 * downloads all complete byte-exact; with 200 stalled connections open a
 * normal client still gets its 200; with 2,000 idle connections a new
 * client gets its answer (200 or 503 with Retry-After) and the parent
 * never forks past --max-clients. Every client is 127.0.0.1, so the
 * per-address cap is off here (test_per_ip covers it). Times here only
 * bound the waiting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define DOWNLOADS 500
#define STALLED 200
#define IDLE 2000
#define WAIT_MS 30000
/* Forking 1024 children of a sanitizer build on a loaded machine. */
#define FORK_ALL_MS 180000

static struct fixture fx;
static char *big;

static int group_setup(void **state)
{
	(void)state;
	/* thousands of sockets in this one test process */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	big = malloc(BIG_LEN);
	if (!big || fixture_standard_site(&fx) < 0)
		return -1;
	harness_fill(big, BIG_LEN, BIG_SEED);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(big);
	fixture_destroy(&fx);
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A non-blocking connection to 127.0.0.1:port; -1 when the system says
 * no (then the test says how far it got). */
static int open_conn(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait until fd is writable (connected) and send all of s. */
static int send_when_connected(int fd, const char *s)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	if (poll(&p, 1, WAIT_MS) != 1)
		return -1;
	size_t len = strlen(s);
	return send(fd, s, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

struct download {
	int fd;
	char *data;
	size_t len, cap;
	bool done;
};

/* Read every connection to EOF, all at once, by poll. */
static void read_all_to_eof(struct download *d, int n)
{
	struct pollfd *p = calloc((size_t)n, sizeof(*p));
	assert_non_null(p);
	long long deadline = now_ms() + WAIT_MS;
	int left = n;
	while (left > 0 && now_ms() < deadline) {
		int np = 0;
		for (int i = 0; i < n; i++)
			if (!d[i].done)
				p[np++] = (struct pollfd){.fd = d[i].fd, .events = POLLIN};
		assert_true(poll(p, (nfds_t)np, 1000) >= 0);
		for (int i = 0; i < n; i++) {
			if (d[i].done)
				continue;
			if (d[i].cap - d[i].len < 65536) {
				d[i].cap = d[i].cap * 2 + 65536;
				d[i].data = realloc(d[i].data, d[i].cap);
				assert_non_null(d[i].data);
			}
			ssize_t r = recv(d[i].fd, d[i].data + d[i].len, d[i].cap - d[i].len, 0);
			if (r > 0) {
				d[i].len += (size_t)r;
			} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
				d[i].done = true;
				left--;
			}
		}
	}
	free(p);
	assert_int_equal(left, 0);
}

static void five_hundred_simultaneous_downloads(void **state)
{
	(void)state;
	struct test_server s;
	assert_int_equal(harness_start(&s, fx.root, (const char *[]){"--quiet", "--max-per-ip", "0", NULL}), 0);
	struct download *d = calloc(DOWNLOADS, sizeof(*d));
	assert_non_null(d);
	for (int i = 0; i < DOWNLOADS; i++) {
		d[i].fd = open_conn(s.port);
		assert_true(d[i].fd >= 0);
	}
	for (int i = 0; i < DOWNLOADS; i++)
		assert_int_equal(send_when_connected(d[i].fd, "GET /big.bin HTTP/1.1\r\nHost: x\r\n"
							      "Connection: close\r\n\r\n"),
				 0);
	read_all_to_eof(d, DOWNLOADS);
	for (int i = 0; i < DOWNLOADS; i++) {
		if (d[i].len < 12 || memcmp(d[i].data, "HTTP/1.1 200", 12) != 0)
			fail_msg("download %d: '%.40s'", i, d[i].len ? d[i].data : "(nothing)");
		char *body = memmem(d[i].data, d[i].len, "\r\n\r\n", 4);
		assert_non_null(body);
		body += 4;
		assert_int_equal(d[i].len - (size_t)(body - d[i].data), BIG_LEN);
		assert_memory_equal(body, big, BIG_LEN);
		close(d[i].fd);
		free(d[i].data);
	}
	free(d);
	assert_int_equal(harness_wait_children(s.pid, 0, WAIT_MS), 0);
	assert_int_equal(harness_stop(&s), 0);
}

static void normal_client_served_beside_stalled_ones(void **state)
{
	(void)state;
	struct test_server s;
	assert_int_equal(harness_start(&s, fx.root, (const char *[]){"--quiet", "--max-per-ip", "0", NULL}), 0);
	int fds[STALLED];
	for (int i = 0; i < STALLED; i++) {
		fds[i] = open_conn(s.port);
		assert_true(fds[i] >= 0);
		/* half a request head, never finished */
		assert_int_equal(send_when_connected(fds[i], "GET /hello.txt HTTP/1.1\r\nHo"), 0);
	}
	assert_int_equal(harness_wait_children(s.pid, STALLED, WAIT_MS), 0);
	struct http_reply r;
	assert_int_equal(client_get(s.port, "/hello.txt", &r), CLIENT_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, HELLO_BODY);
	reply_free(&r);
	for (int i = 0; i < STALLED; i++)
		close(fds[i]);
	assert_int_equal(harness_wait_children(s.pid, 0, WAIT_MS), 0);
	assert_int_equal(harness_stop(&s), 0);
}

static void two_thousand_idle_connections_never_block_a_new_client(void **state)
{
	(void)state;
	struct test_server s;
	/* A header timeout longer than the forks take, even under a
	 * sanitizer on a busy machine: the children must all still be there
	 * when the new client comes. */
	assert_int_equal(harness_start(&s, fx.root,
				       (const char *[]){"--quiet", "--max-per-ip", "0",
							"--header-timeout", "300", NULL}),
			 0);
	int *fds = malloc(IDLE * sizeof(*fds));
	assert_non_null(fds);
	for (int i = 0; i < IDLE; i++) {
		fds[i] = open_conn(s.port);
		if (fds[i] < 0)
			fail_msg("could not open idle connection %d: %s", i, strerror(errno));
	}
	/* the parent forks for the first 1024 (the default cap), whose
	 * children wait on their idle connections, and answers every later
	 * one 503 itself: once the cap is full, the new client is answered,
	 * not queued behind the idle ones */
	if (harness_wait_children(s.pid, 1024, FORK_ALL_MS) < 0) {
		for (int i = 0; i < IDLE; i++)
			close(fds[i]);
		free(fds);
		fail_msg("the parent did not fork up to the cap");
	}
	struct http_reply r;
	assert_int_equal(client_get(s.port, "/hello.txt", &r), CLIENT_OK);
	assert_int_equal(r.status, 503);
	assert_header(&r, "Retry-After", "1");
	reply_free(&r);
	int zombies;
	int kids = harness_children(s.pid, &zombies);
	assert_true(kids <= 1024);
	for (int i = 0; i < IDLE; i++)
		close(fds[i]);
	free(fds);
	assert_int_equal(harness_wait_children(s.pid, 0, WAIT_MS), 0);
	assert_int_equal(harness_stop(&s), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(five_hundred_simultaneous_downloads),
		cmocka_unit_test(normal_client_served_beside_stalled_ones),
		cmocka_unit_test(two_thousand_idle_connections_never_block_a_new_client),
	};
	return cmocka_run_group_tests_name("capacity", tests, group_setup, group_teardown);
}
