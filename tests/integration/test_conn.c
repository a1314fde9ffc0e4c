/* Integration: the connection — keep-alive, HTTP/1.0, Connection: close,
 * pipelining, requests split into single bytes, request bodies on GET, and
 * a real client (curl). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static void expect_pipe_file(struct client *c, int i, bool head)
{
	struct http_reply r;

	assert_rc_ok(client_read_reply(c, &r, head));
	assert_int_equal(r.status, 200);
	if (head) {
		assert_int_equal(r.body_len, 0);
	} else {
		assert_body_str(&r, pipe_body(i));
	}
	reply_free(&r);
}

static void expect_closed(struct client *c)
{
	size_t extra = 0;

	assert_int_equal(client_wait_close(c, HARNESS_WAIT_MS, &extra), 1);
	assert_int_equal(extra, 0);
}

static void keep_alive_five_sequential(void **state)
{
	struct client c;
	char target[32];
	int i;

	(void)state;
	assert_rc_ok(client_connect(&c, suite_srv.port));
	for (i = 0; i < 5; i++) {
		snprintf(target, sizeof(target), "/p%d.txt", i);
		assert_rc_ok(client_send_request(&c, "GET", target, NULL));
		expect_pipe_file(&c, i, false);
	}
	assert_rc_ok(client_send_request(&c, "GET", "/p5.txt",
					 "Connection: close\r\n"));
	expect_pipe_file(&c, 5, false);
	expect_closed(&c);
	client_close(&c);
}

static void http10_closes_by_default(void **state)
{
	struct http_reply r;
	struct client c;

	(void)state;
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_str(&c, "GET /hello.txt HTTP/1.0\r\n\r\n"));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_string_equal(r.version, "HTTP/1.1");
	assert_int_equal(r.status, 200);
	assert_body_str(&r, HELLO_BODY);
	expect_closed(&c);
	client_close(&c);
	reply_free(&r);
}

static void http10_keep_alive_honoured(void **state)
{
	static const char req[] =
		"GET /p1.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
	struct client c;

	(void)state;
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_str(&c, req));
	expect_pipe_file(&c, 1, false);
	assert_rc_ok(client_send_str(&c, "GET /p2.txt HTTP/1.0\r\n\r\n"));
	expect_pipe_file(&c, 2, false);
	expect_closed(&c);
	client_close(&c);
}

static void connection_close_honoured(void **state)
{
	struct client c;

	(void)state;
	assert_rc_ok(client_connect(&c, suite_srv.port));
	/* Any case: the header value is a case-insensitive token. */
	assert_rc_ok(client_send_request(&c, "GET", "/p7.txt",
					 "Connection: Close\r\n"));
	expect_pipe_file(&c, 7, false);
	expect_closed(&c);
	client_close(&c);
}

/* Ten requests in one send(); a HEAD in the middle; responses in order. */
static void pipelining_ten_in_order(void **state)
{
	struct hbuf req = { 0 };
	struct client c;
	char line[128];
	int i;

	(void)state;
	for (i = 0; i < 10; i++) {
		snprintf(line, sizeof(line), "%s /p%d.txt HTTP/1.1\r\nHost: x\r\n%s\r\n",
			 i == 4 ? "HEAD" : "GET", i,
			 i == 9 ? "Connection: close\r\n" : "");
		hbuf_append(&req, line, strlen(line));
	}
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send(&c, req.data, req.len));
	hbuf_free(&req);
	for (i = 0; i < 10; i++)
		expect_pipe_file(&c, i, i == 4);
	expect_closed(&c);
	client_close(&c);
}

static void pipelining_hundred(void **state)
{
	struct hbuf req = { 0 };
	static const char one[] = "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n";
	struct client c;
	int i;

	(void)state;
	for (i = 0; i < 100; i++)
		hbuf_append(&req, one, strlen(one));
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send(&c, req.data, req.len));
	hbuf_free(&req);
	for (i = 0; i < 100; i++) {
		struct http_reply r;

		assert_rc_ok(client_read_reply(&c, &r, false));
		assert_int_equal(r.status, 200);
		assert_body_str(&r, HELLO_BODY);
		reply_free(&r);
	}
	client_close(&c);
}

/* Every byte in its own send() (TCP_NODELAY is on): the server must
 * accumulate the request line and headers across reads. */
static void request_one_byte_at_a_time(void **state)
{
	static const char req[] =
		"GET /p6.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		"User-Agent: byte-by-byte\r\nAccept: */*\r\n\r\n"
		"GET /p8.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	struct client c;
	size_t i;

	(void)state;
	assert_rc_ok(client_connect(&c, suite_srv.port));
	for (i = 0; i < strlen(req); i++)
		assert_rc_ok(client_send(&c, req + i, 1));
	expect_pipe_file(&c, 6, false);
	expect_pipe_file(&c, 8, false);
	client_close(&c);
}

static void get_with_body_then_pipelined(void **state)
{
	static const char req[] =
		"GET /p1.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"
		"hello"
		"GET /p2.txt HTTP/1.1\r\nHost: x\r\n\r\n";
	struct client c;

	(void)state;
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_str(&c, req));
	expect_pipe_file(&c, 1, false);
	expect_pipe_file(&c, 2, false);
	client_close(&c);
}

static void head_pipelined_with_big_get(void **state)
{
	char *want = malloc(BIG_LEN);
	struct http_reply h, g;
	struct client c;

	(void)state;
	assert_non_null(want);
	harness_fill(want, BIG_LEN, BIG_SEED);
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_str(&c,
		"HEAD /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"
		"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"));
	assert_rc_ok(client_read_reply(&c, &h, true));
	assert_int_equal(h.status, 200);
	assert_header(&h, "Content-Length", "102400");
	assert_rc_ok(client_read_reply(&c, &g, false));
	assert_int_equal(g.status, 200);
	assert_body(&g, want, BIG_LEN);
	client_close(&c);
	free(want);
	reply_free(&h);
	reply_free(&g);
}

/* ---- curl ------------------------------------------------------------------ */

static void url(char *buf, size_t size, const char *path)
{
	snprintf(buf, size, "http://127.0.0.1:%d%s", suite_srv.port, path);
}

static void curl_get(void **state)
{
	struct run_result r;
	char u[128];
	const char *args[] = { u, NULL };

	(void)state;
	url(u, sizeof(u), "/hello.txt");
	assert_int_equal(harness_curl(args, &r), 0);
	if (r.exit_code != 0)
		fail_msg("curl exit %d: %s", r.exit_code, r.err.data);
	assert_true(harness_match(r.out.data, "^HTTP/1\\.1 200"));
	assert_contains(r.out.data, r.out.len, "\r\nContent-Type: text/plain\r\n");
	assert_true(r.out.len >= strlen(HELLO_BODY));
	assert_string_equal(r.out.data + r.out.len - strlen(HELLO_BODY),
			    HELLO_BODY);
	run_result_free(&r);
}

static void curl_big_file_byte_exact(void **state)
{
	char *want = malloc(BIG_LEN);
	struct run_result r;
	char u[128];
	const char *args[] = { u, NULL };
	const char *body;

	(void)state;
	assert_non_null(want);
	harness_fill(want, BIG_LEN, BIG_SEED);
	url(u, sizeof(u), "/big.bin");
	assert_int_equal(harness_curl(args, &r), 0);
	assert_int_equal(r.exit_code, 0);
	body = strstr(r.out.data, "\r\n\r\n");
	assert_non_null(body);
	body += 4;
	assert_int_equal(r.out.len - (size_t)(body - r.out.data), BIG_LEN);
	assert_memory_equal(body, want, BIG_LEN);
	free(want);
	run_result_free(&r);
}

static void curl_head(void **state)
{
	struct run_result r;
	char u[128];
	const char *args[] = { "-I", u, NULL };

	(void)state;
	url(u, sizeof(u), "/hello.txt");
	assert_int_equal(harness_curl(args, &r), 0);
	assert_int_equal(r.exit_code, 0);
	assert_true(harness_match(r.out.data, "^HTTP/1\\.1 200"));
	assert_contains(r.out.data, r.out.len, "\r\nContent-Length: 14\r\n");
	assert_false(harness_contains(r.out.data, r.out.len, "Hello"));
	run_result_free(&r);
}

static void curl_follows_redirect_to_listing(void **state)
{
	struct run_result r;
	char u[128];
	const char *args[] = { "-L", u, NULL };

	(void)state;
	url(u, sizeof(u), "/dir?q=1");
	assert_int_equal(harness_curl(args, &r), 0);
	assert_int_equal(r.exit_code, 0);
	assert_true(harness_match(r.out.data, "^HTTP/1\\.1 301"));
	assert_contains(r.out.data, r.out.len, "\r\nLocation: /dir/?q=1\r\n");
	assert_contains(r.out.data, r.out.len, "\r\n\r\nHTTP/1.1 200");
	assert_contains(r.out.data, r.out.len,
			"<title>Directory listing for /dir/</title>");
	run_result_free(&r);
}

/* Two URLs on one command line: curl reuses the keep-alive connection. */
static void curl_reuses_connection(void **state)
{
	struct run_result r;
	char u1[128], u2[128];
	const char *args[] = { "-v", u1, u2, NULL };

	(void)state;
	url(u1, sizeof(u1), "/p1.txt");
	url(u2, sizeof(u2), "/p2.txt");
	assert_int_equal(harness_curl(args, &r), 0);
	assert_int_equal(r.exit_code, 0);
	assert_contains(r.out.data, r.out.len, pipe_body(1));
	assert_contains(r.out.data, r.out.len, pipe_body(2));
	if (!harness_match(r.err.data, "Re-?using existing connection"))
		fail_msg("curl did not reuse the connection:\n%s", r.err.data);
	run_result_free(&r);
}

static void curl_http10(void **state)
{
	struct run_result r;
	char u[128];
	const char *args[] = { "--http1.0", u, NULL };

	(void)state;
	url(u, sizeof(u), "/p9.txt");
	assert_int_equal(harness_curl(args, &r), 0);
	assert_int_equal(r.exit_code, 0);
	assert_true(harness_match(r.out.data, "^HTTP/1\\.1 200"));
	assert_string_equal(r.out.data + r.out.len - strlen(pipe_body(9)),
			    pipe_body(9));
	run_result_free(&r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, suite_setup, suite_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(keep_alive_five_sequential),
		T(http10_closes_by_default),
		T(http10_keep_alive_honoured),
		T(connection_close_honoured),
		T(pipelining_ten_in_order),
		T(pipelining_hundred),
		T(request_one_byte_at_a_time),
		T(get_with_body_then_pipelined),
		T(head_pipelined_with_big_get),
		T(curl_get),
		T(curl_big_file_byte_exact),
		T(curl_head),
		T(curl_follows_redirect_to_listing),
		T(curl_reuses_connection),
		T(curl_http10),
	};

	return cmocka_run_group_tests(tests, suite_group_setup, suite_group_teardown);
}
