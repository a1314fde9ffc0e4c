/* Integration: Range requests (RFC 9110 14) against the real binary:
 * 206 with Content-Range, multipart/byteranges parsed strictly and
 * compared byte for byte, 416, the whole-file fallbacks, If-Range, curl's
 * -r and -C -, and a file that shrinks or grows while it is being sent.
 * big.bin is BIG_LEN bytes of harness_fill(BIG_SEED). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "multipart_check.h"

static char *big; /* what big.bin holds */

/* Large enough that the socket buffers (a few MiB on loopback) hold
 * only a small part of it: the server is still in sendfile when the
 * test changes the file. Sparse, so it costs no disk. */
#define HUGE_LEN (64LL * 1024 * 1024)

static int group_setup(void **state)
{
	(void)state;
	big = malloc(BIG_LEN);
	if (!big || fixture_standard_site(&suite_fx) < 0)
		return -1;
	harness_fill(big, BIG_LEN, BIG_SEED);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	fixture_destroy(&suite_fx);
	free(big);
	return 0;
}

static void get_range(const char *target, const char *range, struct http_reply *r)
{
	char h[512];
	snprintf(h, sizeof(h), "Range: %s\r\n", range);
	assert_rc_ok(client_request(suite_srv.port, "GET", target, h, r));
}

/* GET big.bin with range; expect one part first..last. */
static void expect_single(const char *range, uint64_t first, uint64_t last)
{
	struct http_reply r;
	char cr[96];

	get_range("/big.bin", range, &r);
	if (r.status != 206)
		fail_msg("Range: %s: status %d, want 206", range, r.status);
	snprintf(cr, sizeof(cr), "bytes %" PRIu64 "-%" PRIu64 "/%d", first, last, BIG_LEN);
	assert_header(&r, "Content-Range", cr);
	assert_body(&r, big + first, (size_t)(last - first + 1));
	reply_free(&r);
}

/* GET big.bin with range; expect the whole file, 200, no Content-Range. */
static void expect_whole(const char *range)
{
	struct http_reply r;

	get_range("/big.bin", range, &r);
	if (r.status != 200)
		fail_msg("Range: %s: status %d, want 200", range, r.status);
	assert_null(reply_header(&r, "Content-Range"));
	assert_body(&r, big, BIG_LEN);
	reply_free(&r);
}

static void expect_416(const char *range)
{
	struct http_reply r;

	get_range("/big.bin", range, &r);
	if (r.status != 416)
		fail_msg("Range: %s: status %d, want 416", range, r.status);
	assert_header(&r, "Content-Range", "bytes */102400");
	reply_free(&r);
}

/* ---- single ranges --------------------------------------------------------- */

static void single_range_206(void **state)
{
	struct http_reply r;

	(void)state;
	get_range("/big.bin", "bytes=100-199", &r);
	assert_int_equal(r.status, 206);
	assert_string_equal(r.reason, "Partial Content");
	assert_header(&r, "Content-Range", "bytes 100-199/102400");
	assert_header(&r, "Content-Length", "100");
	assert_header(&r, "Content-Type", "application/octet-stream");
	assert_header(&r, "Accept-Ranges", "bytes");
	assert_header_match(&r, "ETag", "^\"[0-9a-f]+-19000-[0-9a-f]+\\.[0-9a-f]+\"$");
	assert_header_match(&r, "Last-Modified", IMF_FIXDATE_RE);
	assert_body(&r, big + 100, 100);
	reply_free(&r);
}

static void range_forms(void **state)
{
	(void)state;
	expect_single("bytes=0-0", 0, 0);
	expect_single("bytes=-500", BIG_LEN - 500, BIG_LEN - 1);
	expect_single("bytes=102000-", 102000, BIG_LEN - 1);
	expect_single("bytes=102300-999999", 102300, BIG_LEN - 1);
	expect_single("bytes=0-", 0, BIG_LEN - 1);
	expect_single("bytes=-200000", 0, BIG_LEN - 1);
	expect_single("bytes=0-99999999999999999999999", 0, BIG_LEN - 1);
	expect_single("Bytes=5-9", 5, 9);
	expect_single("bytes=5-9, 200000-", 5, 9); /* unsatisfiable part dropped */
}

static void whole_file_fallbacks(void **state)
{
	char many[512];
	size_t n = (size_t)snprintf(many, sizeof(many), "bytes=");

	(void)state;
	expect_whole("bytes=5-2");
	expect_whole("bytes=abc");
	expect_whole("bytes =0-5");
	expect_whole("items=0-5");
	expect_whole("bytes=");
	expect_whole("bytes=0-,0-");                /* more than the file */
	expect_whole("bytes=0-60000,50000-");
	for (int i = 0; i < 17; i++)               /* more than 16 ranges */
		n += (size_t)snprintf(many + n, sizeof(many) - n, "%s%d-%d", i ? "," : "",
				      i * 10, i * 10 + 1);
	expect_whole(many);
}

static void unsatisfiable_416(void **state)
{
	struct client c;
	struct http_reply r;

	(void)state;
	expect_416("bytes=102400-");
	expect_416("bytes=200000-300000");
	expect_416("bytes=-0");
	expect_416("bytes=99999999999999999999999-");
	expect_416("bytes=102400-,200000-");
	/* A 416 keeps the connection; HEAD gets the same head. */
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_request(&c, "HEAD", "/big.bin", "Range: bytes=999999-\r\n"));
	assert_rc_ok(client_read_reply(&c, &r, true));
	assert_int_equal(r.status, 416);
	assert_header(&r, "Content-Range", "bytes */102400");
	reply_free(&r);
	assert_rc_ok(client_send_request(&c, "GET", "/hello.txt", "Connection: close\r\n"));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 200);
	assert_body_str(&r, HELLO_BODY);
	reply_free(&r);
	client_close(&c);
}

static void head_range_same_headers(void **state)
{
	struct http_reply g, h;

	(void)state;
	get_range("/big.bin", "bytes=100-199", &g);
	assert_rc_ok(client_request(suite_srv.port, "HEAD", "/big.bin", "Range: bytes=100-199\r\n", &h));
	assert_int_equal(h.status, 206);
	assert_int_equal(h.body_len, 0);
	assert_header(&h, "Content-Length", "100");
	assert_header(&h, "Content-Range", reply_header(&g, "Content-Range"));
	assert_header(&h, "ETag", reply_header(&g, "ETag"));
	assert_header(&h, "Content-Type", "application/octet-stream");
	reply_free(&g);
	reply_free(&h);
}

static void range_ignored_where_not_a_file(void **state)
{
	struct http_reply r;

	(void)state;
	get_range("/dir/", "bytes=0-10", &r);
	assert_int_equal(r.status, 200);
	assert_null(reply_header(&r, "Content-Range"));
	assert_null(reply_header(&r, "Accept-Ranges"));
	assert_contains(r.body, r.body_len, "Directory listing for /dir/");
	reply_free(&r);
	get_range("/nope.bin", "bytes=0-10", &r);
	assert_int_equal(r.status, 404);
	assert_null(reply_header(&r, "Content-Range"));
	reply_free(&r);
	get_range("/empty.txt", "bytes=0-", &r); /* no byte to point at */
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Length", "0");
	reply_free(&r);
	get_range("/withindex/", "bytes=3-6", &r); /* an index is a file */
	assert_int_equal(r.status, 206);
	assert_body(&r, &INDEX_HTML_BODY[3], 4);
	reply_free(&r);
}

/* ---- multipart --------------------------------------------------------------- */

static void multipart_byteranges(void **state)
{
	struct client c;
	struct http_reply r, next;
	struct byterange_part parts[MULTIPART_MAX_PARTS];
	static const uint64_t want[3][2] = {{0, 9}, {100, 199}, {BIG_LEN - 10, BIG_LEN - 1}};

	(void)state;
	/* Keep-alive, then a second request: the body must end exactly at
	 * Content-Length, or the next response would be garbage. */
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_request(&c, "GET", "/big.bin", "Range: bytes=0-9,100-199,-10\r\n"));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 206);
	assert_null(reply_header(&r, "Content-Range"));
	assert_header_match(&r, "Content-Type",
			    "^multipart/byteranges; boundary=[0-9A-Za-z'()+_,./:=?-]{1,70}$");
	assert_int_equal(multipart_parse(&r, parts, MULTIPART_MAX_PARTS), 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(parts[i].first, want[i][0]);
		assert_int_equal(parts[i].last, want[i][1]);
		assert_int_equal(parts[i].size, BIG_LEN);
		assert_string_equal(parts[i].type, "application/octet-stream");
		assert_memory_equal(parts[i].data, big + want[i][0], parts[i].len);
	}
	assert_rc_ok(client_send_request(&c, "GET", "/hello.txt", "Connection: close\r\n"));
	assert_rc_ok(client_read_reply(&c, &next, false));
	assert_int_equal(next.status, 200);
	assert_body_str(&next, HELLO_BODY);
	reply_free(&next);
	reply_free(&r);
	client_close(&c);
}

/* Overlapping ranges are sent as asked when they add up to no more than
 * the file (nginx does the same); each part in request order. */
static void multipart_overlap_and_order(void **state)
{
	struct http_reply r;
	struct byterange_part parts[MULTIPART_MAX_PARTS];

	(void)state;
	get_range("/hello.txt", "bytes=7-11,0-4,3-5", &r);
	assert_int_equal(r.status, 206);
	assert_int_equal(multipart_parse(&r, parts, MULTIPART_MAX_PARTS), 3);
	assert_memory_equal(parts[0].data, "world", 5);
	assert_memory_equal(parts[1].data, "Hello", 5);
	assert_memory_equal(parts[2].data, "lo,", 3);
	assert_string_equal(parts[0].type, "text/plain");
	reply_free(&r);
}

static void multipart_boundary_fresh_and_head_length(void **state)
{
	struct http_reply a, b, h;

	(void)state;
	get_range("/big.bin", "bytes=0-0,5-5", &a);
	get_range("/big.bin", "bytes=0-0,5-5", &b);
	assert_rc_ok(client_request(suite_srv.port, "HEAD", "/big.bin", "Range: bytes=0-0,5-5\r\n", &h));
	assert_string_not_equal(reply_header(&a, "Content-Type"),
				reply_header(&b, "Content-Type"));
	assert_int_equal(h.status, 206);
	assert_int_equal(h.body_len, 0);
	assert_header(&h, "Content-Length", reply_header(&a, "Content-Length"));
	reply_free(&a);
	reply_free(&b);
	reply_free(&h);
}

/* ---- If-Range ---------------------------------------------------------------- */

static int if_range_status(const char *target, const char *range, const char *if_range)
{
	struct http_reply r;
	char h[512];
	int status;

	snprintf(h, sizeof(h), "Range: %s\r\nIf-Range: %s\r\n", range, if_range);
	assert_rc_ok(client_request(suite_srv.port, "GET", target, h, &r));
	status = r.status;
	reply_free(&r);
	return status;
}

static void if_range_etag(void **state)
{
	struct http_reply r;
	char etag[128], weak[140];

	(void)state;
	assert_rc_ok(client_request(suite_srv.port, "GET", "/big.bin", NULL, &r));
	snprintf(etag, sizeof(etag), "%s", reply_header(&r, "ETag"));
	reply_free(&r);
	snprintf(weak, sizeof(weak), "W/%s", etag);
	assert_int_equal(if_range_status("/big.bin", "bytes=0-9", etag), 206);
	assert_int_equal(if_range_status("/big.bin", "bytes=0-9", "\"stale\""), 200);
	assert_int_equal(if_range_status("/big.bin", "bytes=0-9", weak), 200);
	/* A stale If-Range means "send me everything": even a 416 range. */
	assert_int_equal(if_range_status("/big.bin", "bytes=999999-", "\"stale\""), 200);
	assert_int_equal(if_range_status("/big.bin", "bytes=999999-", etag), 416);
}

static void if_range_date(void **state)
{
	struct http_reply r;

	(void)state;
	assert_int_equal(if_range_status("/old.txt", "bytes=0-1",
					 "Sun, 09 Sep 2001 01:46:40 GMT"), 206);
	assert_int_equal(if_range_status("/old.txt", "bytes=0-1",
					 "Sun, 09 Sep 2001 01:46:41 GMT"), 200);
	assert_int_equal(if_range_status("/old.txt", "bytes=0-1", "not a date"), 200);
	/* Without Range, If-Range is ignored. */
	assert_rc_ok(client_request(suite_srv.port, "GET", "/old.txt", "If-Range: \"stale\"\r\n", &r));
	assert_int_equal(r.status, 200);
	assert_body_str(&r, "old\n");
	reply_free(&r);
}

/* ---- curl ---------------------------------------------------------------- */

static void url(const char *path, char *out, size_t size)
{
	snprintf(out, size, "http://127.0.0.1:%d%s", suite_srv.port, path);
}

static void curl_r_100_199(void **state)
{
	struct run_result rr;
	char u[128];

	(void)state;
	url("/big.bin", u, sizeof(u));
	const char *args[] = {"-r", "100-199", u, NULL};
	assert_int_equal(harness_curl(args, &rr), 0);
	assert_int_equal(rr.exit_code, 0);
	char *body = strstr(rr.out.data, "\r\n\r\n");
	assert_non_null(body);
	assert_true(strncmp(rr.out.data, "HTTP/1.1 206 Partial Content\r\n", 30) == 0);
	body += 4;
	assert_int_equal(rr.out.len - (size_t)(body - rr.out.data), 100);
	assert_memory_equal(body, big + 100, 100);
	run_result_free(&rr);
}

static size_t read_whole(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* A download cut at 40000 bytes resumed with curl -C -: curl asks for
 * bytes=40000- and appends; the result must be the whole file. */
static void curl_resume(void **state)
{
	struct run_result rr;
	char u[128], path[512];
	char *got = malloc(BIG_LEN + 1);

	(void)state;
	assert_non_null(got);
	url("/big.bin", u, sizeof(u));
	fixture_side_path(&suite_fx, "resume.bin", path, sizeof(path));
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(big, 1, 40000, f), 40000);
	fclose(f);
	const char *argv[] = {"curl", "-s", "-S", "--max-time", "5", "-C", "-", "-o", path, u, NULL};
	assert_int_equal(harness_run(argv, NULL, HARNESS_WAIT_MS + 2000, &rr), 0);
	assert_int_equal(rr.exit_code, 0);
	run_result_free(&rr);
	assert_int_equal(read_whole(path, got, BIG_LEN + 1), BIG_LEN);
	assert_memory_equal(got, big, BIG_LEN);
	assert_int_equal(harness_wait_stderr_match(&suite_srv, "\"GET /big.bin HTTP/1.1\" 206 62400$",
						   NULL, 0, HARNESS_WAIT_MS), 0);
	unlink(path);
	free(got);
}

/* ---- a file that changes while it is sent ------------------------------------ */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* recv with a deadline: >0 bytes, 0 at EOF or reset, -1 on timeout. */
static ssize_t recv_until(int fd, char *buf, size_t len, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		struct pollfd p = {fd, POLLIN, 0};
		if (left <= 0)
			return -1;
		int n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		ssize_t r = recv(fd, buf, len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == ECONNRESET)
			return 0;
		return r;
	}
}

/* Read the response head byte by byte (so nothing of the body is
 * consumed with it); returns its Content-Length. */
static long long read_head_raw(int fd)
{
	char head[4096];
	size_t n = 0;
	int64_t deadline = now_ms() + HARNESS_WAIT_MS;

	while (n < sizeof(head) - 1) {
		assert_int_equal(recv_until(fd, head + n, 1, deadline), 1);
		n++;
		if (n >= 4 && memcmp(head + n - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	head[n] = '\0';
	char *cl = strcasestr(head, "\r\nContent-Length: ");
	assert_non_null(cl);
	return atoll(cl + 18);
}

/* Bytes until EOF (bounded in time), discarded; the file is sparse, so
 * anything but zeros (the pipelined request's answer) is an error. */
static long long drain_to_eof(int fd, long long limit)
{
	static char sink[1 << 16];
	long long total = 0;
	int64_t deadline = now_ms() + 3 * HARNESS_WAIT_MS;

	while (total <= limit) {
		ssize_t r = recv_until(fd, sink, sizeof(sink), deadline);
		assert_true(r >= 0); /* not a timeout */
		if (r == 0)
			break;
		if (memchr(sink, 'H', (size_t)r))
			fail_msg("a response after the short body");
		total += r;
	}
	return total;
}

static void make_huge(const char *name)
{
	char path[512];
	fixture_path(&suite_fx, name, path, sizeof(path));
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, HUGE_LEN), 0);
	close(fd);
}

static void resize(const char *name, off_t len)
{
	char path[512];
	fixture_path(&suite_fx, name, path, sizeof(path));
	assert_int_equal(truncate(path, len), 0);
}

/* Shrinks mid-send: fewer bytes than Content-Length can only be told by
 * closing the connection, never by padding or by going on with the next
 * request (a second one is pipelined behind the first: it must not be
 * answered). The log shows the response as incomplete: "-". */
static void shrinking_file_closes(const char *name, const char *extra, int status,
				  long long *cl_out)
{
	struct client c;
	char target[64], req[512], log_re[128];

	make_huge(name);
	snprintf(target, sizeof(target), "/%s", name);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n"
		 "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", target, extra ? extra : "");
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_str(&c, req));
	long long cl = read_head_raw(c.fd);
	resize(name, 1024 * 1024);
	long long got = drain_to_eof(c.fd, cl);
	assert_true(got < cl);
	snprintf(log_re, sizeof(log_re), "\"GET %s HTTP/1.1\" %d -$", target, status);
	assert_int_equal(harness_wait_stderr_match(&suite_srv, log_re, NULL, 0, HARNESS_WAIT_MS), 0);
	*cl_out = cl;
	client_close(&c);
	resize(name, 0);
}

static void file_shrinks_during_send(void **state)
{
	long long cl;

	(void)state;
	shrinking_file_closes("shrink.bin", NULL, 200, &cl);
	assert_int_equal(cl, HUGE_LEN);
}

static void file_shrinks_during_multipart(void **state)
{
	long long cl;

	(void)state;
	shrinking_file_closes("mshrink.bin", "Range: bytes=0-33554431,50331648-\r\n", 206, &cl);
	assert_true(cl > 48LL * 1024 * 1024);
}

/* Grows mid-send: exactly Content-Length bytes, and the connection goes
 * on with the next response right after them. */
static void file_grows_during_send(void **state)
{
	struct client c;
	static char sink[1 << 16];
	char tail[1024];

	(void)state;
	make_huge("grow.bin");
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_request(&c, "GET", "/grow.bin", NULL));
	long long cl = read_head_raw(c.fd);
	assert_int_equal(cl, HUGE_LEN);
	resize("grow.bin", 2 * HUGE_LEN);
	int64_t deadline = now_ms() + 3 * HARNESS_WAIT_MS;
	for (long long left = cl; left > 0;) {
		size_t want = left < (long long)sizeof(sink) ? (size_t)left : sizeof(sink);
		ssize_t r = recv_until(c.fd, sink, want, deadline);
		assert_true(r > 0);
		left -= r;
	}
	assert_rc_ok(client_send_str(&c, "GET /hello.txt HTTP/1.1\r\nHost: x\r\n"
					 "Connection: close\r\n\r\n"));
	size_t n = 0;
	for (;;) {
		ssize_t r = recv_until(c.fd, tail + n, sizeof(tail) - 1 - n, deadline);
		assert_true(r >= 0);
		if (r == 0)
			break;
		n += (size_t)r;
	}
	tail[n] = '\0';
	assert_true(strncmp(tail, "HTTP/1.1 200 OK\r\n", 17) == 0);
	assert_true(n > strlen(HELLO_BODY));
	assert_string_equal(tail + n - strlen(HELLO_BODY), HELLO_BODY);
	client_close(&c);
	resize("grow.bin", 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, suite_setup, suite_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(single_range_206),
		T(range_forms),
		T(whole_file_fallbacks),
		T(unsatisfiable_416),
		T(head_range_same_headers),
		T(range_ignored_where_not_a_file),
		T(multipart_byteranges),
		T(multipart_overlap_and_order),
		T(multipart_boundary_fresh_and_head_length),
		T(if_range_etag),
		T(if_range_date),
		T(curl_r_100_199),
		T(curl_resume),
		T(file_shrinks_during_send),
		T(file_shrinks_during_multipart),
		T(file_grows_during_send),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
