/* Integration: bad input. Every malformed request gets a complete error
 * response in python's page shape and a closed connection; nothing from
 * outside the served root ever comes back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* Send raw on a fresh connection and read one response into r; the server
 * must then close the connection with nothing more on it. */
static void exchange_then_close(const void *raw, size_t len, bool head,
				struct http_reply *r)
{
	struct client c;
	size_t extra = 0;
	int rc;

	assert_rc_ok(client_connect(&c, suite_srv.port));
	rc = client_send(&c, raw, len);
	/* An early answer and close (414, 431) may cut our send short. */
	if (rc != CLIENT_OK && rc != CLIENT_CLOSED)
		fail_msg("send failed: %d", rc);
	assert_rc_ok(client_read_reply(&c, r, head));
	if (client_wait_close(&c, HARNESS_WAIT_MS, &extra) != 1)
		fail_msg("status %d: connection not closed", r->status);
	assert_int_equal(extra, 0);
	client_close(&c);
}

static void check_error_page(const struct http_reply *r, int code)
{
	char line[64];

	snprintf(line, sizeof(line), "<p>Error code: %d</p>", code);
	assert_header(r, "Content-Type", "text/html;charset=utf-8");
	assert_header(r, "Connection", "close");
	assert_non_null(reply_header(r, "Content-Length"));
	assert_header_match(r, "Date", IMF_FIXDATE_RE);
	assert_non_null(reply_header(r, "Server"));
	assert_contains(r->body, r->body_len, "<title>Error response</title>");
	assert_contains(r->body, r->body_len, line);
}

/* Status of raw, after checking the error page and the close. */
static int error_status(const void *raw, size_t len)
{
	struct http_reply r;
	int status;

	exchange_then_close(raw, len, false, &r);
	status = r.status;
	check_error_page(&r, status);
	reply_free(&r);
	return status;
}

static void expect_error(const char *raw, int code)
{
	int status = error_status(raw, strlen(raw));

	if (status != code)
		fail_msg("got %d, want %d", status, code);
}

/* ---- methods ---------------------------------------------------------------- */

static void unknown_method_501(void **state)
{
	(void)state;
	expect_error("FOO / HTTP/1.1\r\nHost: x\r\n\r\n", 501);
}

static void lowercase_method_501(void **state)
{
	(void)state;
	expect_error("get / HTTP/1.1\r\nHost: x\r\n\r\n", 501);
}

static void post_put_delete_not_served(void **state)
{
	static const char *const methods[] = { "POST", "PUT", "DELETE" };
	char req[256];
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		int status;

		/* With a body, which the server must not trip over. */
		snprintf(req, sizeof(req), "%s /hello.txt HTTP/1.1\r\nHost: x\r\n"
			 "Content-Length: 5\r\n\r\nhello", methods[i]);
		status = error_status(req, strlen(req));
		if (status != 501 && status != 405)
			fail_msg("%s: got %d, want 501 or 405", methods[i], status);
	}
}

/* ---- syntax ---------------------------------------------------------------- */

static void garbage_request_lines_400(void **state)
{
	static const char *const reqs[] = {
		"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",
		"GET / HTTX/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.x\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
		"Content-Length: 2\r\n\r\nab",
		"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
		"Content-Length: 3\r\n\r\n0\r\n\r\n",
	};
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		int status = error_status(reqs[i], strlen(reqs[i]));

		if (status != 400) {
			fprintf(stderr, "request %zu: got %d, want 400\n", i,
				status);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Binary junk (a TLS ClientHello's first bytes): not even a method token.
 * 400 is what python says; 501 would be the invalid-method mapping. */
static void binary_junk_rejected(void **state)
{
	static const unsigned char hello[] = { 0x16, 0x03, 0x01, 0x02, 0x00,
					       0x01, 0x00, 0x01, 0xfc, 0x03,
					       0x03, '\r', '\n', '\r', '\n' };
	int status;

	(void)state;
	status = error_status(hello, sizeof(hello));
	if (status != 400 && status != 501)
		fail_msg("got %d, want 400 (or 501)", status);
}

static void empty_header_name_400(void **state)
{
	(void)state;
	expect_error("GET / HTTP/1.1\r\nHost: x\r\n: x\r\n\r\n", 400);
}

static void obs_fold_400(void **state)
{
	(void)state;
	expect_error("GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n",
		     400);
	expect_error("GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\tfolded\r\n\r\n",
		     400);
}

static void http_major_version_505(void **state)
{
	(void)state;
	expect_error("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505);
	expect_error("GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505);
}

/* ---- limits ------------------------------------------------------------------ */

/* GET with a target of exactly len bytes made of short path segments (so
 * that no segment exceeds NAME_MAX: the file simply does not exist). */
static char *long_target_request(size_t len)
{
	static const char tail[] = " HTTP/1.1\r\nHost: x\r\n\r\n";
	char *req = malloc(len + 4 + sizeof(tail));
	size_t i;

	if (!req)
		return NULL;
	memcpy(req, "GET ", 4);
	for (i = 0; i < len; i++)
		req[4 + i] = i % 100 == 0 ? '/' : 'a';
	memcpy(req + 4 + len, tail, sizeof(tail));
	return req;
}

static void target_over_8k_414(void **state)
{
	char *req = long_target_request(8193);

	(void)state;
	assert_non_null(req);
	expect_error(req, 414);
	free(req);
}

static void target_of_exactly_8k_accepted(void **state)
{
	char *req = long_target_request(8192);
	struct http_reply r;

	(void)state;
	assert_non_null(req);
	assert_rc_ok(client_exchange(suite_srv.port, req, strlen(req), false, &r));
	if (r.status == 414)
		fail_msg("an 8192-byte target is within the limit");
	assert_int_equal(r.status, 404);
	free(req);
	reply_free(&r);
}

static void much_longer_target_414(void **state)
{
	char *req = long_target_request(100000);

	(void)state;
	assert_non_null(req);
	expect_error(req, 414);
	free(req);
}

/* A request whose headers are n fields of value_len bytes each (the Host
 * field counts as one of them). */
static char *header_request(size_t n, size_t value_len)
{
	struct hbuf b = { 0 };
	char *value = malloc(value_len + 1);
	char name[32];
	size_t i;

	if (!value)
		return NULL;
	memset(value, 'v', value_len);
	value[value_len] = '\0';
	hbuf_append_str(&b, "GET /hello.txt HTTP/1.1\r\nHost: x\r\n");
	for (i = 1; i < n; i++) {
		snprintf(name, sizeof(name), "X-H%zu: ", i);
		hbuf_append(&b, name, strlen(name));
		hbuf_append(&b, value, value_len);
		hbuf_append(&b, "\r\n", 2);
	}
	hbuf_append(&b, "\r\n", 2);
	free(value);
	return b.data;
}

static void one_huge_header_431(void **state)
{
	char *req = header_request(2, 70 * 1024);

	(void)state;
	assert_non_null(req);
	expect_error(req, 431);
	free(req);
}

static void header_block_over_64k_431(void **state)
{
	char *req = header_request(70, 1000); /* ~70 KB, under 100 fields */

	(void)state;
	assert_non_null(req);
	expect_error(req, 431);
	free(req);
}

static void header_block_under_64k_accepted(void **state)
{
	char *req = header_request(60, 1000); /* ~60 KB in 60 fields */
	struct http_reply r;

	(void)state;
	assert_non_null(req);
	assert_rc_ok(client_exchange(suite_srv.port, req, strlen(req), false, &r));
	assert_int_equal(r.status, 200);
	assert_body_str(&r, HELLO_BODY);
	free(req);
	reply_free(&r);
}

static void header_fields_over_100_431(void **state)
{
	char *req = header_request(101, 4);

	(void)state;
	assert_non_null(req);
	expect_error(req, 431);
	free(req);
}

static void header_fields_100_accepted(void **state)
{
	char *req = header_request(100, 4);
	struct http_reply r;

	(void)state;
	assert_non_null(req);
	assert_rc_ok(client_exchange(suite_srv.port, req, strlen(req), false, &r));
	assert_int_equal(r.status, 200);
	free(req);
	reply_free(&r);
}

/* ---- paths ------------------------------------------------------------------- */

static void nul_in_path_refused(void **state)
{
	static const char *const targets[] = { "/hello.txt%00", "/hello.txt%00.png",
					       "/%00", "/dir/%00/b.txt" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		struct http_reply r;

		assert_rc_ok(client_get(suite_srv.port, targets[i], &r));
		if (r.status != 400 && r.status != 404)
			fail_msg("%s: got %d, want 400 or 404", targets[i],
				 r.status);
		assert_false(harness_contains(r.body, r.body_len, "Hello"));
		reply_free(&r);
	}
}

/* Raw requests that try to climb out of the root. Whatever the status, the
 * secret next to the root (and /etc/passwd) must never come back, and no
 * listing of the parent directory either. */
static void traversal_never_leaves_root(void **state)
{
	static const char *const targets[] = {
		"/../secret.txt",
		"/%2e%2e/secret.txt",
		"/%2E%2E/secret.txt",
		"/..%2fsecret.txt",
		"/..%2Fsecret.txt",
		"/%2e%2e%2fsecret.txt",
		"/.%2e/secret.txt",
		"/dir/../../secret.txt",
		"/dir/..%2f..%2fsecret.txt",
		"/./../secret.txt",
		"/../../../../../../../../etc/passwd",
		"//etc/passwd",
		"/..\\secret.txt",
		"/%252e%252e/secret.txt",
		"/../",
		"/%2e%2e/",
		"/..",
		"../secret.txt",
		"http://h/../secret.txt",
		"http://127.0.0.1/%2e%2e/secret.txt",
		"/dir/dirlink/../../../secret.txt",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		struct http_reply r;
		int rc = client_get(suite_srv.port, targets[i], &r);

		if (rc != CLIENT_OK)
			fail_msg("%s: no complete response (%d)", targets[i], rc);
		if (harness_contains(r.body, r.body_len, SECRET_MARK) ||
		    harness_contains(r.body, r.body_len, "root:x:0:0") ||
		    harness_contains(r.body, r.body_len, "href=\"secret.txt\"") ||
		    harness_contains(r.body, r.body_len, "href=\"root/\""))
			fail_msg("%s: %d leaked outside the root:\n%s", targets[i],
				 r.status, r.body);
		reply_free(&r);
	}
}

/* A refused request whose body the server never reads: it should drain a
 * bounded amount before closing, so that the close is a FIN after the
 * response and not a reset that can destroy the response in flight. */
static void refused_request_with_body_closes_cleanly(void **state)
{
	static const char head[] = "POST /hello.txt HTTP/1.1\r\nHost: x\r\n"
				   "Content-Length: 32768\r\n\r\n";
	struct hbuf req = { 0 };
	struct http_reply r;
	struct client c;
	char *body = malloc(32768);
	size_t extra = 0;

	(void)state;
	assert_non_null(body);
	memset(body, 'b', 32768);
	hbuf_append_str(&req, head);
	hbuf_append(&req, body, 32768);
	free(body);
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send(&c, req.data, req.len));
	hbuf_free(&req);
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_in_range(r.status, 405, 501);
	assert_int_equal(client_wait_close(&c, HARNESS_WAIT_MS, &extra), 1);
	assert_int_equal(extra, 0);
	if (c.reset)
		fail_msg("connection reset after the %d instead of closed",
			 r.status);
	client_close(&c);
	reply_free(&r);
}

/* Nothing is ever written into the served directory. */
static void put_writes_nothing(void **state)
{
	static const char req[] = "PUT /new.txt HTTP/1.1\r\nHost: x\r\n"
				  "Content-Length: 4\r\n\r\nnew\n";
	struct http_reply r;
	char path[512];

	(void)state;
	assert_rc_ok(client_exchange(suite_srv.port, req, strlen(req), false, &r));
	assert_int_equal(r.status, 405);
	assert_header(&r, "Allow", "GET, HEAD, OPTIONS");
	fixture_path(&suite_fx, "new.txt", path, sizeof(path));
	assert_int_equal(access(path, F_OK), -1);
	reply_free(&r);
}

/* "GET /path" with no version is HTTP/0.9, which python answers too:
 * the body alone, no status line or headers, then the close. */
static void http09_answer(const char *raw, const char *want)
{
	struct client c;
	size_t extra = 0;

	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_str(&c, raw));
	assert_int_equal(client_wait_close(&c, HARNESS_WAIT_MS, &extra), 1);
	assert_int_equal(extra, strlen(want));
	assert_memory_equal(c.in.data + c.pos, want, extra);
	client_close(&c);
}

static void http09_body_alone(void **state)
{
	(void)state;
	http09_answer("GET /hello.txt\r\n", HELLO_BODY);
	http09_answer("GET /d/f\r\nUser-Agent: old\r\n\r\n", SLASH_BODY);
}

#define T(f) cmocka_unit_test_setup_teardown(f, suite_setup, suite_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(unknown_method_501),
		T(http09_body_alone),
		T(lowercase_method_501),
		T(post_put_delete_not_served),
		T(garbage_request_lines_400),
		T(binary_junk_rejected),
		T(empty_header_name_400),
		T(obs_fold_400),
		T(http_major_version_505),
		T(target_over_8k_414),
		T(target_of_exactly_8k_accepted),
		T(much_longer_target_414),
		T(one_huge_header_431),
		T(header_block_over_64k_431),
		T(header_block_under_64k_accepted),
		T(header_fields_over_100_431),
		T(header_fields_100_accepted),
		T(nul_in_path_refused),
		T(traversal_never_leaves_root),
		T(refused_request_with_body_closes_cleanly),
		T(put_writes_nothing),
	};

	return cmocka_run_group_tests(tests, suite_group_setup, suite_group_teardown);
}
