/* Integration: hardening — the root is a wall (symlinks, encoded and
 * double-encoded traversal, absolute-form, backslashes, NUL), special
 * files answered 403 without blocking, smuggling shapes refused and the
 * bytes after them never answered, --max-body, slowloris and the three
 * timeouts, --max-clients, a parent out of fds, clients resetting
 * mid-download, and at the end no zombie and no fd leaked in the parent.
 *
 * Every wait is an upper bound; nothing here measures speed. */
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"

#define HUGE_LEN (64L << 20) /* sparse: more than any socket buffer */
#define SLOW_CLIENTS 5
#define RESETTERS 100

/* ---- fixture --------------------------------------------------------- */

static int make_special_files(void)
{
	char path[PATH_MAX];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc = 0;

	rc |= mkfifo(fixture_path(&suite_fx, "fifo", path, sizeof(path)), 0644);
	fixture_path(&suite_fx, "sock", sa.sun_path, sizeof(sa.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		rc = -1;
	if (fd >= 0)
		close(fd);
	/* A device node needs root; without it the test skips that case. */
	(void)mknod(fixture_path(&suite_fx, "null", path, sizeof(path)),
		    S_IFCHR | 0666, makedev(1, 3));
	return rc;
}

static int make_huge_file(void)
{
	char path[PATH_MAX];
	int fd = open(fixture_path(&suite_fx, "huge.bin", path, sizeof(path)),
		      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, HUGE_LEN) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Beyond the standard site: the escape links (fixture_escape_links),
 * fifo, sock, null (char device, root only), huge.bin (sparse). */
static int group_setup(void **state)
{
	int rc;

	(void)state;
	if (fixture_standard_site(&suite_fx) < 0)
		return -1;
	rc = fixture_escape_links(&suite_fx);
	rc |= make_special_files();
	rc |= make_huge_file();
	return rc ? -1 : 0;
}

/* ---- helpers --------------------------------------------------------- */

static int get_status(const char *target, struct http_reply *r)
{
	int rc = client_get(suite_srv.port, target, r);

	if (rc != CLIENT_OK)
		fail_msg("GET %s: %s", target, client_rc_name(rc));
	return r->status;
}

static void expect_get(const char *target, int status, const char *body)
{
	struct http_reply r;

	if (get_status(target, &r) != status)
		fail_msg("GET %s: %d, expected %d", target, r.status, status);
	if (body)
		assert_body_str(&r, body);
	reply_free(&r);
}

static void assert_no_secret(const char *what, const struct http_reply *r)
{
	if (harness_contains(r->body, r->body_len, SECRET_MARK) ||
	    harness_contains(r->head, r->head_len, SECRET_MARK) ||
	    harness_contains(r->body, r->body_len, "root:x:0:0"))
		fail_msg("%s: %d leaked what is outside the root", what, r->status);
}

static int count_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* The lowest fd number pid has free: the next accept() would get it. */
static int lowest_free_fd(pid_t pid)
{
	char path[64];

	for (int fd = 0;; fd++) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
		if (access(path, F_OK) < 0)
			return fd;
	}
}

/* Poll until the parent holds want fds again (it may be mid-accept). */
static void wait_fd_count(pid_t pid, int want)
{
	for (int i = 0; i < 1000 && count_fds(pid) != want; i++)
		harness_pump(5);
	assert_int_equal(count_fds(pid), want);
}

static bool readable_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/* Send raw on a new connection; expect one response of status, then the
 * close, with nothing more: the bytes after were not a second request. */
static void expect_refused_and_closed(const char *raw, size_t len, int status)
{
	struct http_reply r;
	struct client c;
	size_t extra = 99;

	assert_rc_ok(client_connect(&c, suite_srv.port));
	int rc = client_send(&c, raw, len);
	if (rc != CLIENT_OK && rc != CLIENT_CLOSED)
		fail_msg("send: %s", client_rc_name(rc));
	rc = client_read_reply(&c, &r, false);
	if (rc != CLIENT_OK)
		fail_msg("%.60s...: %s", raw, client_rc_name(rc));
	if (r.status != status)
		fail_msg("%.80s...: %d, expected %d", raw, r.status, status);
	assert_header(&r, "Connection", "close");
	assert_no_secret(raw, &r);
	reply_free(&r);
	assert_int_equal(client_wait_close(&c, HARNESS_WAIT_MS, &extra), 1);
	if (extra != 0)
		fail_msg("%.80s...: %zu more bytes after the %d: a second answer", raw,
			 extra, status);
	client_close(&c);
}

/* ---- the root is a wall ---------------------------------------------- */

static void symlinks_out_of_root_404(void **state)
{
	static const char *const targets[] = {
		"/out", "/abs_out", "/dir/up_out", "/esc/secret.txt", "/esc/",
		"/esc/root/hello.txt", "/esc",
	};

	(void)state;
	suite_start(NULL);
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		struct http_reply r;

		if (get_status(targets[i], &r) != 404)
			fail_msg("GET %s: %d, expected 404", targets[i], r.status);
		assert_no_secret(targets[i], &r);
		reply_free(&r);
	}
	suite_stop();
}

static void symlinks_inside_root_served(void **state)
{
	(void)state;
	suite_start(NULL);
	expect_get("/in_link", 200, HELLO_BODY);
	expect_get("/dir/link", 200, "b\n");
	expect_get("/dir/dirlink/inner.txt", 200, "inner\n");
	suite_stop();
}

static void follow_symlinks_serves_outside(void **state)
{
	static const char *extra[] = { "--follow-symlinks", NULL };

	(void)state;
	suite_start(extra);
	expect_get("/out", 200, SECRET_BODY);
	expect_get("/abs_out", 200, SECRET_BODY);
	expect_get("/dir/up_out", 200, SECRET_BODY);
	expect_get("/in_link", 200, HELLO_BODY);
	/* The request itself still cannot climb: only symlinks lead out. */
	expect_get("/%2e%2e/secret.txt", 404, NULL);
	suite_stop();
}

/* Each of these reaches for ../secret.txt (or /etc/passwd) one way or
 * another; the answer may be 400 or 404 or even a listing of the root,
 * but never a byte of what is outside. */
static const char *const hostile_targets[] = {
	"/../secret.txt",
	"/%2e%2e/secret.txt",
	"/%2E%2E/secret.txt",
	"/.%2e/secret.txt",
	"/..%2fsecret.txt",
	"/%2e%2e%2fsecret.txt",
	"/%252e%252e/secret.txt",
	"/%252e%252e%252fsecret.txt",
	"/%c0%ae%c0%ae/secret.txt",
	"/%c0%ae%c0%ae%c0%afsecret.txt",
	"/%e0%80%ae%e0%80%ae/secret.txt",
	"/%u002e%u002e/secret.txt",
	"/..\\secret.txt",
	"/%5c..%5csecret.txt",
	"/..%5csecret.txt",
	"/..%00/secret.txt",
	"/secret.txt%00.html",
	"/%00",
	"http://host/../secret.txt",
	"http://127.0.0.1/%2e%2e/secret.txt",
	"HTTP://h/../../secret.txt",
	"http:/../secret.txt",
	"//../secret.txt",
	"//%2e%2e/secret.txt",
	"//127.0.0.1/../secret.txt",
	"/./../secret.txt",
	"/dir/../../secret.txt",
	"/dir/dirlink/../../../secret.txt",
	"/....//secret.txt",
	"/..;/secret.txt",
	"/hello.txt/..%2f..%2fsecret.txt",
	"/%2f%2e%2e%2fsecret.txt",
	"/../../../../../../etc/passwd",
	"/%2fetc%2fpasswd",
	"../secret.txt",
	"secret.txt",
	"*",
};

static void encoded_traversal_never_leaks(void **state)
{
	(void)state;
	suite_start(NULL);
	for (size_t i = 0; i < sizeof(hostile_targets) / sizeof(hostile_targets[0]); i++) {
		struct http_reply r;

		get_status(hostile_targets[i], &r);
		assert_no_secret(hostile_targets[i], &r);
		if (r.status == 200 &&
		    (harness_contains(r.body, r.body_len, "href=\"secret.txt\"") ||
		     harness_contains(r.body, r.body_len, "href=\"root/\"")))
			fail_msg("%s: listed the directory above the root", hostile_targets[i]);
		reply_free(&r);
	}
	suite_stop();
}

static void special_files_403_without_blocking(void **state)
{
	static const char *const targets[] = { "/fifo", "/sock", "/null" };
	char path[PATH_MAX];
	struct http_reply r;
	struct client c;

	(void)state;
	suite_start(NULL);
	assert_rc_ok(client_connect(&c, suite_srv.port));
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		struct stat st;

		if (lstat(fixture_path(&suite_fx, targets[i] + 1, path, sizeof(path)), &st) < 0)
			continue; /* no device node without root */
		/* On one keep-alive connection: a child stuck opening the FIFO
		 * would never answer the next request either. */
		assert_rc_ok(client_send_request(&c, "GET", targets[i], NULL));
		assert_rc_ok(client_read_reply(&c, &r, false));
		if (r.status != 403)
			fail_msg("GET %s: %d, expected 403", targets[i], r.status);
		reply_free(&r);
		assert_rc_ok(client_send_request(&c, "HEAD", targets[i], NULL));
		assert_rc_ok(client_read_reply(&c, &r, true));
		assert_int_equal(r.status, 403);
		reply_free(&r);
	}
	assert_rc_ok(client_send_request(&c, "GET", "/hello.txt", NULL));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 200);
	reply_free(&r);
	client_close(&c);
	suite_stop();
}

/* ---- smuggling -------------------------------------------------------- */

#define NEXT "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"

static const char *const smuggling_shapes[] = {
	/* Content-Length and Transfer-Encoding, both orders */
	"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
	"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" NEXT,
	"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
	"Content-Length: 4\r\n\r\n0\r\n\r\n" NEXT,
	"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
	"Content-Length: 0\r\n\r\n5\r\nabcde\r\n0\r\n\r\n" NEXT,
	/* duplicate Content-Length, different and equal */
	"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 38\r\n\r\n" NEXT,
	"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nabcde" NEXT,
	"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nabcde" NEXT,
	/* invalid Content-Length */
	"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n" NEXT,
	"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n" NEXT,
	"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nabcde" NEXT,
	"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x5\r\n\r\nabcde" NEXT,
	"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1 2\r\n\r\n" NEXT,
	"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n" NEXT,
	"GET / HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nabcde" NEXT,
	/* a chunked body that cannot be delimited */
	"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n" NEXT,
	"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nabc\r\n0\r\n\r\n" NEXT,
	"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
	"ffffffffffffffffffff\r\nabc\r\n0\r\n\r\n" NEXT,
	"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nabcde\r\n0\r\n\r\n" NEXT,
	"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcdeXX\r\n0\r\n\r\n" NEXT,
	"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\nabcde\n0\n\n" NEXT,
	/* transfer codings we cannot delimit */
	"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n" NEXT,
	"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n" NEXT,
	"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" NEXT,
	"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n" NEXT,
	"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
	"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" NEXT,
	"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\nContent-Length: 3\r\n\r\nabc" NEXT,
	/* HTTP/1.0 has no Transfer-Encoding: framing unknown (RFC 9112 6.1) */
	"GET / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
	"0\r\n\r\n" NEXT,
	/* bare CR, NUL in a value */
	"GET / HTTP/1.1\r\nHost: x\rX-y: z\r\n\r\n" NEXT,
};

static void smuggling_shapes_400_and_closed(void **state)
{
	(void)state;
	suite_start(NULL);
	for (size_t i = 0; i < sizeof(smuggling_shapes) / sizeof(smuggling_shapes[0]); i++)
		expect_refused_and_closed(smuggling_shapes[i], strlen(smuggling_shapes[i]), 400);
	static const char nul[] = "GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n" NEXT;
	expect_refused_and_closed(nul, sizeof(nul) - 1, 400);
	suite_stop();
}

/* The allowed bodies are read and thrown away, and what follows is the
 * next request: framing agrees with the client's. */
static void delimited_bodies_discarded(void **state)
{
	static const char cl[] = "GET /p1.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"
				 "GET /GET /p2.txt HTTP/1.1\r\nHost: x\r\n\r\n";
	static const char chunked[] = "GET /p1.txt HTTP/1.1\r\nHost: x\r\n"
				      "Transfer-Encoding: chunked\r\n\r\n"
				      "5\r\nGET /\r\n0\r\n\r\n"
				      "GET /p2.txt HTTP/1.1\r\nHost: x\r\n\r\n";
	const char *const reqs[] = { cl, chunked };
	struct http_reply r;
	struct client c;

	(void)state;
	suite_start(NULL);
	for (size_t i = 0; i < 2; i++) {
		assert_rc_ok(client_connect(&c, suite_srv.port));
		assert_rc_ok(client_send_str(&c, reqs[i]));
		assert_rc_ok(client_read_reply(&c, &r, false));
		assert_int_equal(r.status, 200);
		assert_body_str(&r, pipe_body(1));
		reply_free(&r);
		assert_rc_ok(client_read_reply(&c, &r, false));
		assert_int_equal(r.status, 200);
		assert_body_str(&r, pipe_body(2));
		reply_free(&r);
		client_close(&c);
	}
	suite_stop();
}

static void body_over_max_body_413(void **state)
{
	static const char *extra[] = { "--max-body", "100", NULL };
	char req[512], body[256];
	struct http_reply r;
	struct client c;

	(void)state;
	suite_start(extra);
	memset(body, 'b', sizeof(body));
	snprintf(req, sizeof(req), "GET /hello.txt HTTP/1.1\r\nHost: x\r\n"
		 "Content-Length: 101\r\n\r\n%.101s" NEXT, body);
	expect_refused_and_closed(req, strlen(req), 413);
	/* chunked: no length up front, counted as it comes */
	snprintf(req, sizeof(req), "GET /hello.txt HTTP/1.1\r\nHost: x\r\n"
		 "Transfer-Encoding: chunked\r\n\r\n40\r\n%.64s\r\n40\r\n%.64s\r\n0\r\n\r\n" NEXT,
		 body, body);
	expect_refused_and_closed(req, strlen(req), 413);
	/* exactly the limit is fine, and the connection goes on */
	snprintf(req, sizeof(req), "GET /p3.txt HTTP/1.1\r\nHost: x\r\n"
		 "Content-Length: 100\r\n\r\n%.100sGET /p4.txt HTTP/1.1\r\nHost: x\r\n\r\n", body);
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_str(&c, req));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 200);
	assert_body_str(&r, pipe_body(3));
	reply_free(&r);
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_body_str(&r, pipe_body(4));
	reply_free(&r);
	client_close(&c);
	suite_stop();
}

/* ---- timeouts -------------------------------------------------------- */

/* Several clients trickle a header one byte at a time, each byte well
 * within the header timeout; the deadline counts from the first byte, so
 * they are cut off with 408 all the same, while a normal client is
 * served at once. A per-read timeout would never fire here and the loop
 * below would run into its bound. */
static void slowloris_cut_off_normal_client_served(void **state)
{
	static const char *extra[] = { "--header-timeout", "2", NULL };
	static const char trickle[] = "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Pad: "
				      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	struct client slow[SLOW_CLIENTS];
	bool done[SLOW_CLIENTS] = { false };
	size_t sent = 0;
	int finished = 0;

	(void)state;
	suite_start(extra);
	for (int i = 0; i < SLOW_CLIENTS; i++)
		assert_rc_ok(client_connect(&slow[i], suite_srv.port));
	/* 250 ms a byte: 40 rounds is 10 s, five times the deadline. */
	for (int round = 0; round < 40 && finished < SLOW_CLIENTS; round++) {
		for (int i = 0; i < SLOW_CLIENTS; i++) {
			struct http_reply r;

			if (done[i])
				continue;
			if (readable_now(slow[i].fd)) {
				assert_rc_ok(client_read_reply(&slow[i], &r, false));
				assert_int_equal(r.status, 408);
				reply_free(&r);
				assert_int_equal(client_wait_close(&slow[i], HARNESS_WAIT_MS, NULL), 1);
				client_close(&slow[i]);
				done[i] = true;
				finished++;
				continue;
			}
			assert_true(sent < sizeof(trickle) - 1);
			assert_rc_ok(client_send(&slow[i], trickle + sent, 1));
		}
		sent++;
		if (round == 2)
			expect_get("/hello.txt", 200, HELLO_BODY);
		harness_pump(250);
	}
	if (finished != SLOW_CLIENTS)
		fail_msg("%d of %d trickling clients were never cut off", SLOW_CLIENTS - finished,
			 SLOW_CLIENTS);
	expect_get("/hello.txt", 200, HELLO_BODY);
	suite_stop();
}

static void silent_connection_closed_after_header_timeout(void **state)
{
	static const char *extra[] = { "--header-timeout", "1", NULL };
	struct client c;

	(void)state;
	suite_start(extra);
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_int_equal(client_wait_close(&c, 1000 + HARNESS_WAIT_MS, NULL), 1);
	client_close(&c);
	assert_int_equal(harness_wait_children(suite_srv.pid, 0, HARNESS_WAIT_MS), 0);
	suite_stop();
}

static void idle_keep_alive_closed(void **state)
{
	static const char *extra[] = { "--idle-timeout", "1", NULL };
	struct http_reply r;
	struct client c;
	size_t extra_bytes = 99;

	(void)state;
	suite_start(extra);
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_request(&c, "GET", "/hello.txt", NULL));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 200);
	reply_free(&r);
	/* Between requests there is nothing to answer: just the close. */
	assert_int_equal(client_wait_close(&c, 1000 + HARNESS_WAIT_MS, &extra_bytes), 1);
	assert_int_equal(extra_bytes, 0);
	client_close(&c);
	assert_int_equal(harness_wait_children(suite_srv.pid, 0, HARNESS_WAIT_MS), 0);
	suite_stop();
}

/* A client with a tiny window asks for 64 MiB and never reads: the
 * child gives up after --send-timeout instead of waiting forever. */
static void client_that_stops_reading_dropped(void **state)
{
	static const char *extra[] = { "--send-timeout", "1", NULL };
	static const char req[] = "GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n";
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int small = 4096;

	(void)state;
	suite_start(extra);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	sa.sin_port = htons((uint16_t)suite_srv.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL), (ssize_t)sizeof(req) - 1);
	assert_int_equal(harness_wait_children(suite_srv.pid, 1, HARNESS_WAIT_MS), 0);
	/* Still connected, still not reading: the child must go anyway. */
	assert_int_equal(harness_wait_children(suite_srv.pid, 0, 1000 + 2 * HARNESS_WAIT_MS), 0);
	close(fd);
	expect_get("/hello.txt", 200, HELLO_BODY);
	suite_stop();
}

/* ---- caps ------------------------------------------------------------- */

static void burst_past_max_clients_503(void **state)
{
	static const char *extra[] = { "--max-clients", "5", NULL };
	struct client held[5], extra_c[5];
	int zombies = -1;

	(void)state;
	suite_start(extra);
	for (int i = 0; i < 5; i++)
		assert_rc_ok(client_connect(&held[i], suite_srv.port));
	assert_int_equal(harness_wait_children(suite_srv.pid, 5, HARNESS_WAIT_MS), 0);
	for (int i = 0; i < 5; i++)
		assert_rc_ok(client_connect(&extra_c[i], suite_srv.port));
	for (int i = 0; i < 5; i++) {
		struct http_reply r;

		/* Answered by the parent before a byte of request was sent. */
		assert_rc_ok(client_read_reply(&extra_c[i], &r, false));
		assert_int_equal(r.status, 503);
		assert_header(&r, "Retry-After", "1");
		assert_header(&r, "Connection", "close");
		reply_free(&r);
		assert_int_equal(client_wait_close(&extra_c[i], HARNESS_WAIT_MS, NULL), 1);
		client_close(&extra_c[i]);
	}
	/* Never forked past the cap. */
	assert_int_equal(harness_children(suite_srv.pid, &zombies), 5);
	for (int i = 0; i < 5; i++)
		client_close(&held[i]);
	assert_int_equal(harness_wait_children(suite_srv.pid, 0, HARNESS_WAIT_MS), 0);
	expect_get("/hello.txt", 200, HELLO_BODY);
	suite_stop();
}

/* The parent out of fds (its limit lowered to what it holds): accept()
 * fails with EMFILE, and the spare fd it keeps for this takes the
 * connection off the queue to answer 503 instead of leaving it there to
 * spin on. With the limit back, it serves again. */
static void out_of_fds_503_then_recovers(void **state)
{
	struct rlimit old, tight;
	struct http_reply r;

	(void)state;
	suite_start(NULL);
	assert_int_equal(prlimit(suite_srv.pid, RLIMIT_NOFILE, NULL, &old), 0);
	int held = count_fds(suite_srv.pid);
	/* Only the soft limit: it can be raised again without privilege. */
	tight.rlim_cur = (rlim_t)lowest_free_fd(suite_srv.pid);
	tight.rlim_max = old.rlim_max;
	assert_int_equal(prlimit(suite_srv.pid, RLIMIT_NOFILE, &tight, NULL), 0);
	for (int i = 0; i < 3; i++) {
		assert_rc_ok(client_get(suite_srv.port, "/hello.txt", &r));
		assert_int_equal(r.status, 503);
		assert_header(&r, "Retry-After", "1");
		reply_free(&r);
	}
	assert_int_equal(harness_children(suite_srv.pid, NULL), 0);
	assert_int_equal(prlimit(suite_srv.pid, RLIMIT_NOFILE, &old, NULL), 0);
	expect_get("/hello.txt", 200, HELLO_BODY);
	wait_fd_count(suite_srv.pid, held);
	suite_stop();
}

/* ---- broken clients --------------------------------------------------- */

static void reset_all(struct client *c, int n)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	for (int i = 0; i < n; i++) {
		setsockopt(c[i].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		client_close(&c[i]);
	}
}

static void hundred_resets_leave_nothing_behind(void **state)
{
	static struct client c[RESETTERS];
	int zombies = -1;

	(void)state;
	suite_start(NULL);
	int baseline = count_fds(suite_srv.pid);
	assert_true(baseline > 0);
	for (int i = 0; i < RESETTERS; i++) {
		assert_rc_ok(client_connect(&c[i], suite_srv.port));
		assert_rc_ok(client_send_request(&c[i], "GET", "/huge.bin", NULL));
	}
	for (int i = 0; i < RESETTERS; i++) {
		struct http_reply r;

		/* The head and the first bytes of 64 MiB: mid-download. */
		assert_rc_ok(client_read_reply(&c[i], &r, true));
		assert_int_equal(r.status, 200);
		reply_free(&r);
	}
	reset_all(c, RESETTERS);
	assert_int_equal(harness_wait_children(suite_srv.pid, 0, 2 * HARNESS_WAIT_MS), 0);
	assert_int_equal(harness_children(suite_srv.pid, &zombies), 0);
	assert_int_equal(zombies, 0);
	wait_fd_count(suite_srv.pid, baseline);
	expect_get("/big.bin", 200, NULL);
	suite_stop();
}

static void half_close_after_request_answered(void **state)
{
	struct http_reply r;
	struct client c;

	(void)state;
	suite_start(NULL);
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_request(&c, "GET", "/hello.txt", NULL));
	assert_int_equal(shutdown(c.fd, SHUT_WR), 0);
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 200);
	assert_body_str(&r, HELLO_BODY);
	reply_free(&r);
	assert_int_equal(client_wait_close(&c, HARNESS_WAIT_MS, NULL), 1);
	client_close(&c);
	assert_int_equal(harness_wait_children(suite_srv.pid, 0, HARNESS_WAIT_MS), 0);
	suite_stop();
}

/* ---- after all of it --------------------------------------------------- */

/* One server through a bit of everything above; afterwards it holds the
 * fds it held at start, no child and no zombie, and still serves. */
static void fds_and_zombies_after_everything(void **state)
{
	static const char *extra[] = { "--header-timeout", "1", "--max-body", "10", NULL };
	struct client c[10];
	struct http_reply r;
	int zombies = -1;

	(void)state;
	suite_start(extra);
	int baseline = count_fds(suite_srv.pid);
	for (size_t i = 0; i < sizeof(hostile_targets) / sizeof(hostile_targets[0]); i++) {
		get_status(hostile_targets[i], &r);
		reply_free(&r);
	}
	for (size_t i = 0; i < 5; i++)
		expect_refused_and_closed(smuggling_shapes[i], strlen(smuggling_shapes[i]), 400);
	expect_get("/fifo", 403, NULL);
	expect_get("/out", 404, NULL);
	expect_get("/dir/", 200, NULL);
	for (int i = 0; i < 10; i++) {
		assert_rc_ok(client_connect(&c[i], suite_srv.port));
		assert_rc_ok(client_send_request(&c[i], "GET", "/huge.bin", NULL));
		assert_rc_ok(client_read_reply(&c[i], &r, true));
		reply_free(&r);
	}
	reset_all(c, 10);
	/* and one that says half a request and waits for the deadline */
	assert_rc_ok(client_connect(&c[0], suite_srv.port));
	assert_rc_ok(client_send_str(&c[0], "GET /hello.txt HTTP/1.1\r\nHo"));
	assert_rc_ok(client_read_reply(&c[0], &r, false));
	assert_int_equal(r.status, 408);
	reply_free(&r);
	client_close(&c[0]);
	assert_int_equal(harness_wait_children(suite_srv.pid, 0, 2 * HARNESS_WAIT_MS), 0);
	assert_int_equal(harness_children(suite_srv.pid, &zombies), 0);
	assert_int_equal(zombies, 0);
	wait_fd_count(suite_srv.pid, baseline);
	expect_get("/hello.txt", 200, HELLO_BODY);
	suite_stop();
}

#define T(f) cmocka_unit_test_teardown(f, suite_cleanup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(symlinks_out_of_root_404),
		T(symlinks_inside_root_served),
		T(follow_symlinks_serves_outside),
		T(encoded_traversal_never_leaks),
		T(special_files_403_without_blocking),
		T(smuggling_shapes_400_and_closed),
		T(delimited_bodies_discarded),
		T(body_over_max_body_413),
		T(slowloris_cut_off_normal_client_served),
		T(silent_connection_closed_after_header_timeout),
		T(idle_keep_alive_closed),
		T(client_that_stops_reading_dropped),
		T(burst_past_max_clients_503),
		T(out_of_fds_503_then_recovers),
		T(hundred_resets_leave_nothing_behind),
		T(half_close_after_request_answered),
		T(fds_and_zombies_after_everything),
	};

	return cmocka_run_group_tests(tests, group_setup, suite_group_teardown);
}
