/* Integration: processes and sockets — one child per connection, 20
 * concurrent clients with byte-exact bodies, no zombies, the listener owned
 * by the parent alone, and a clean exit (0) on SIGTERM / SIGINT that frees
 * the port. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

#define CONCURRENT 20
#define MAX_INODES 64

static char *big;

static int group_setup(void **state)
{
	(void)state;
	big = malloc(BIG_LEN);
	if (!big)
		return -1;
	harness_fill(big, BIG_LEN, BIG_SEED);
	return fixture_standard_site(&suite_fx);
}

static int group_teardown(void **state)
{
	(void)state;
	fixture_destroy(&suite_fx);
	free(big);
	return 0;
}

static void expect_big(struct client *c)
{
	struct http_reply r;

	assert_rc_ok(client_read_reply(c, &r, false));
	assert_int_equal(r.status, 200);
	assert_body(&r, big, BIG_LEN);
	reply_free(&r);
}

/* ---- children ------------------------------------------------------------ */

static void twenty_concurrent_clients(void **state)
{
	struct client c[CONCURRENT];
	int i, zombies = -1;

	(void)state;
	/* All connected and all asking before any response is read. */
	for (i = 0; i < CONCURRENT; i++)
		assert_rc_ok(client_connect(&c[i], suite_srv.port));
	for (i = 0; i < CONCURRENT; i++)
		assert_rc_ok(client_send_request(&c[i], "GET", "/big.bin", NULL));
	for (i = 0; i < CONCURRENT; i++)
		expect_big(&c[i]);
	/* Keep-alive: each connection still has its own child. */
	assert_int_equal(harness_wait_children(suite_srv.pid, CONCURRENT,
					       HARNESS_WAIT_MS), 0);
	for (i = 0; i < CONCURRENT; i++)
		client_close(&c[i]);
	/* Reaped, not left as zombies. */
	assert_int_equal(harness_wait_children(suite_srv.pid, 0, HARNESS_WAIT_MS), 0);
	assert_int_equal(harness_children(suite_srv.pid, &zombies), 0);
	assert_int_equal(zombies, 0);
}

static void no_zombies_after_many_short_connections(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 30; i++) {
		struct http_reply r;

		assert_rc_ok(client_get(suite_srv.port, "/hello.txt", &r));
		assert_int_equal(r.status, 200);
		reply_free(&r);
	}
	assert_int_equal(harness_wait_children(suite_srv.pid, 0, HARNESS_WAIT_MS), 0);
}

/* Clients that hang up with a reset in the middle of a big response must
 * not hurt the server: children gone, next client served. */
static void clients_resetting_mid_response(void **state)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct http_reply r;
	struct client c;
	int i;

	(void)state;
	for (i = 0; i < 5; i++) {
		assert_rc_ok(client_connect(&c, suite_srv.port));
		assert_rc_ok(client_send_request(&c, "GET", "/big.bin", NULL));
		/* Wait for the first bytes, then reset. */
		assert_rc_ok(client_read_reply(&c, &r, true));
		reply_free(&r);
		setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		client_close(&c);
	}
	assert_int_equal(harness_wait_children(suite_srv.pid, 0, HARNESS_WAIT_MS), 0);
	assert_rc_ok(client_get(suite_srv.port, "/big.bin", &r));
	assert_int_equal(r.status, 200);
	assert_body(&r, big, BIG_LEN);
	reply_free(&r);
}

/* A client that sends half a request and then shuts its side: the child
 * must notice the EOF and go away rather than wait forever. */
static void half_request_then_eof_ends_child(void **state)
{
	struct client c;
	size_t extra = 0;

	(void)state;
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_str(&c, "GET /hello.txt HTTP/1.1\r\nHo"));
	assert_int_equal(shutdown(c.fd, SHUT_WR), 0);
	assert_int_equal(client_wait_close(&c, HARNESS_WAIT_MS, &extra), 1);
	client_close(&c);
	assert_int_equal(harness_wait_children(suite_srv.pid, 0, HARNESS_WAIT_MS), 0);
}

/* Well past python's listen backlog of 5: every client is served. */
static void hundred_simultaneous_connections(void **state)
{
	enum { N = 100 };
	struct client *c = calloc(N, sizeof(*c));
	int i;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < N; i++)
		assert_rc_ok(client_connect(&c[i], suite_srv.port));
	for (i = 0; i < N; i++)
		assert_rc_ok(client_send_request(&c[i], "GET", "/p5.txt",
						 "Connection: close\r\n"));
	for (i = 0; i < N; i++) {
		struct http_reply r;

		assert_rc_ok(client_read_reply(&c[i], &r, false));
		assert_int_equal(r.status, 200);
		assert_body_str(&r, pipe_body(5));
		reply_free(&r);
		client_close(&c[i]);
	}
	free(c);
	assert_int_equal(harness_wait_children(suite_srv.pid, 0, HARNESS_WAIT_MS), 0);
}

/* ---- socket ownership (what `ss -tnp` shows) ------------------------------- */

struct tcp_socks {
	unsigned long listen;		/* inode of the LISTEN socket on port */
	unsigned long conn[MAX_INODES];	/* ESTABLISHED with local port = port */
	size_t nconn;
};

static void scan_tcp_table(const char *file, int port, struct tcp_socks *t)
{
	char line[512];
	FILE *f = fopen(file, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char local[128], remote[128];
		unsigned st, lport;
		unsigned long inode;
		char *colon;

		if (sscanf(line, " %*s %127s %127s %x %*s %*s %*s %*s %*s %lu",
			   local, remote, &st, &inode) != 4)
			continue;
		colon = strrchr(local, ':');
		if (!colon || sscanf(colon + 1, "%x", &lport) != 1 ||
		    (int)lport != port)
			continue;
		if (st == 0x0A)
			t->listen = inode;
		else if (st == 0x01 && t->nconn < MAX_INODES)
			t->conn[t->nconn++] = inode;
	}
	fclose(f);
}

/* Which of inodes pid holds open; bit i set when it holds inodes[i]. */
static unsigned long long held_by(pid_t pid, const unsigned long *inodes,
				  size_t n)
{
	char dir[64], path[384], link[128];
	unsigned long long mask = 0;
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		unsigned long ino;
		ssize_t len;
		size_t i;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &ino) != 1)
			continue;
		for (i = 0; i < n; i++)
			if (inodes[i] == ino)
				mask |= 1ull << i;
	}
	closedir(d);
	return mask;
}

static int child_pids(pid_t parent, pid_t *out, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		char path[300], buf[512], *p;
		long ppid;
		int fd;
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		p = strrchr(buf, ')');
		if (p && sscanf(p + 1, " %*c %ld", &ppid) == 1 && ppid == parent)
			out[n++] = (pid_t)atoi(e->d_name);
	}
	closedir(d);
	return n;
}

/* The parent holds the listener and no connection; each child holds exactly
 * one connection and not the listener; each connection has one owner. */
static bool ownership_ok(int want_conns, char *why, size_t size)
{
	struct tcp_socks t = { 0 };
	pid_t kids[MAX_INODES];
	unsigned long listen[1];
	unsigned long long seen = 0;
	int nkids, i;

	scan_tcp_table("/proc/net/tcp", suite_srv.port, &t);
	scan_tcp_table("/proc/net/tcp6", suite_srv.port, &t);
	listen[0] = t.listen;
	if (!t.listen || (int)t.nconn != want_conns) {
		snprintf(why, size, "listener inode %lu, %zu connections",
			 t.listen, t.nconn);
		return false;
	}
	if (held_by(suite_srv.pid, listen, 1) != 1 || held_by(suite_srv.pid, t.conn, t.nconn)) {
		snprintf(why, size, "parent does not hold exactly the listener");
		return false;
	}
	nkids = child_pids(suite_srv.pid, kids, MAX_INODES);
	if (nkids != want_conns) {
		snprintf(why, size, "%d children", nkids);
		return false;
	}
	for (i = 0; i < nkids; i++) {
		unsigned long long m = held_by(kids[i], t.conn, t.nconn);

		if (held_by(kids[i], listen, 1)) {
			snprintf(why, size, "child %d holds the listener", (int)kids[i]);
			return false;
		}
		if (m == 0 || (m & (m - 1)) || (m & seen)) {
			snprintf(why, size, "child %d holds connections %#llx",
				 (int)kids[i], m);
			return false;
		}
		seen |= m;
	}
	return true;
}

static void assert_ownership(int want_conns)
{
	char why[128] = "";
	int tries;

	/* The parent closes its copy right after fork(): allow it a moment. */
	for (tries = 0; tries < HARNESS_WAIT_MS / 5; tries++) {
		if (ownership_ok(want_conns, why, sizeof(why)))
			return;
		harness_pump(5);
	}
	fail_msg("socket ownership with %d clients: %s", want_conns, why);
}

static void one_child_per_connection(void **state)
{
	struct client c[3];
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct http_reply r;

		assert_rc_ok(client_connect(&c[i], suite_srv.port));
		assert_rc_ok(client_send_request(&c[i], "GET", "/hello.txt", NULL));
		assert_rc_ok(client_read_reply(&c[i], &r, false));
		assert_int_equal(r.status, 200);
		reply_free(&r);
	}
	assert_int_equal(harness_wait_children(suite_srv.pid, 3, HARNESS_WAIT_MS), 0);
	assert_ownership(3);
	client_close(&c[1]);
	assert_int_equal(harness_wait_children(suite_srv.pid, 2, HARNESS_WAIT_MS), 0);
	assert_ownership(2);
	client_close(&c[0]);
	client_close(&c[2]);
	assert_int_equal(harness_wait_children(suite_srv.pid, 0, HARNESS_WAIT_MS), 0);
	assert_ownership(0);
}

/* ---- shutdown ---------------------------------------------------------------- */

/* bind(2) on 127.0.0.1:port, with or without SO_REUSEADDR. */
static int try_bind(int port, bool reuse)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port) };
	int one = 1, rc;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (reuse)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	rc = bind(fd, (struct sockaddr *)&a, sizeof(a));
	if (rc < 0)
		fprintf(stderr, "bind 127.0.0.1:%d: %s\n", port, strerror(errno));
	close(fd);
	return rc;
}

/* With no client there is nothing to wait for: exit 0 well within the
 * children's grace, and the port is free for a plain bind. */
static void sigterm_idle_exits_0_and_frees_port(void **state)
{
	int port;

	(void)state;
	suite_start(NULL);
	port = suite_srv.port;
	assert_int_equal(harness_stop_signal(&suite_srv, SIGTERM, 4000), 0);
	assert_int_equal(try_bind(port, false), 0);
}

static void sigint_exits_0(void **state)
{
	int port;

	(void)state;
	suite_start(NULL);
	port = suite_srv.port;
	assert_int_equal(harness_stop_signal(&suite_srv, SIGINT, 4000), 0);
	assert_int_equal(try_bind(port, false), 0);
}

/* After traffic (TIME_WAIT sockets on the port), a new server can start on
 * the same port straight away. */
static void restart_on_same_port_after_traffic(void **state)
{
	char portstr[16];
	const char *argv[] = { "httpd-lite", "-b", "127.0.0.1", "-p", portstr,
			       "-d", suite_fx.root, NULL };
	int i, port;

	(void)state;
	suite_start(NULL);
	for (i = 0; i < 5; i++) {
		struct http_reply r;

		assert_rc_ok(client_get(suite_srv.port, "/hello.txt", &r));
		reply_free(&r);
	}
	port = suite_srv.port;
	snprintf(portstr, sizeof(portstr), "%d", port);
	assert_int_equal(harness_wait_children(suite_srv.pid, 0, HARNESS_WAIT_MS), 0);
	assert_int_equal(harness_stop(&suite_srv), 0);
	assert_int_equal(try_bind(port, true), 0);
	assert_int_equal(harness_spawn_on(&suite_srv, argv, port, false), 0);
	assert_int_equal(harness_stop(&suite_srv), 0);
}

/* 1 once connect() is refused: the listener is closed. Non-blocking with
 * a short bound: a listener that is open but never accepts (full backlog)
 * would otherwise stall connect() for minutes of SYN retries. */
static int listener_closed(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int err = 0, rc;
	socklen_t len = sizeof(err);

	if (fd < 0)
		return 0;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = connect(fd, (struct sockaddr *)&a, sizeof(a));
	if (rc < 0 && errno == EINPROGRESS) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };

		if (poll(&p, 1, 100) == 1 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0)
			errno = err;
		else
			errno = ETIMEDOUT;
	}
	close(fd);
	return rc < 0 && errno == ECONNREFUSED;
}

/* An idle keep-alive client during SIGTERM: the listener closes at once,
 * the server exits 0 within its grace, and the client's connection ends
 * (no child outlives the server). */
static void sigterm_with_idle_keep_alive_client(void **state)
{
	struct http_reply r;
	struct client c;
	size_t extra = 0;
	int tries, port;

	(void)state;
	suite_start(NULL);
	port = suite_srv.port;
	assert_rc_ok(client_connect(&c, port));
	assert_rc_ok(client_send_request(&c, "GET", "/hello.txt", NULL));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 200);
	reply_free(&r);
	assert_int_equal(harness_wait_children(suite_srv.pid, 1, HARNESS_WAIT_MS), 0);
	assert_int_equal(kill(suite_srv.pid, SIGTERM), 0);
	for (tries = 0; tries < 300 && !listener_closed(port); tries++)
		harness_pump(5);
	assert_true(listener_closed(port));
	assert_int_equal(harness_wait_exit(&suite_srv, HARNESS_STOP_MS), 0);
	assert_int_equal(client_wait_close(&c, 2000, &extra), 1);
	assert_int_equal(extra, 0);
	client_close(&c);
	assert_int_equal(harness_stop(&suite_srv), 0);
	assert_int_equal(try_bind(port, true), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, suite_setup, suite_teardown)
#define C(f) cmocka_unit_test_teardown(f, suite_cleanup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(twenty_concurrent_clients),
		T(no_zombies_after_many_short_connections),
		T(clients_resetting_mid_response),
		T(half_request_then_eof_ends_child),
		T(hundred_simultaneous_connections),
		T(one_child_per_connection),
		C(sigterm_idle_exits_0_and_frees_port),
		C(sigint_exits_0),
		C(restart_on_same_port_after_traffic),
		C(sigterm_with_idle_keep_alive_client),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
