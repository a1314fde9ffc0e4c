/* Integration: the method table (OPTIONS → 204 with Allow; POST, PUT,
 * DELETE, PATCH, TRACE, CONNECT → 405 with Allow; other tokens → 501)
 * and the headers added on demand: --cors (and preflights), --header,
 * --cache, on every kind of response, errors included. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static int start_with(const char *a, const char *b, const char *c, const char *d)
{
	const char *args[] = {a, b, c, d, NULL};
	return harness_start(&suite_srv, suite_fx.root, args);
}

static int setup_cors(void **state)
{
	(void)state;
	return start_with("--cors", NULL, NULL, NULL);
}

static int setup_headers(void **state)
{
	(void)state;
	return start_with("--header", "X-One: 1", "--header", "X-Two:two  words");
}

static int setup_cache(void **state)
{
	(void)state;
	return start_with("--cache", "3600", NULL, NULL);
}

/* One raw request on a fresh connection. */
static void raw(const char *req, bool no_body, struct http_reply *r)
{
	assert_rc_ok(client_exchange(suite_srv.port, req, strlen(req), no_body, r));
}

/* ---- OPTIONS ---------------------------------------------------------------- */

static void options_204_allow(void **state)
{
	struct client c;
	struct http_reply r, next;

	(void)state;
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_request(&c, "OPTIONS", "/hello.txt", NULL));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 204);
	assert_header(&r, "Allow", "GET, HEAD, OPTIONS");
	assert_null(reply_header(&r, "Content-Length"));
	assert_null(reply_header(&r, "Access-Control-Allow-Origin"));
	assert_null(reply_header(&r, "Access-Control-Allow-Methods"));
	assert_null(reply_header(&r, "Cache-Control")); /* no --cache */
	assert_int_equal(r.body_len, 0);
	/* No body was sent: the next answer parses. */
	assert_rc_ok(client_send_request(&c, "GET", "/hello.txt", "Connection: close\r\n"));
	assert_rc_ok(client_read_reply(&c, &next, false));
	assert_int_equal(next.status, 200);
	assert_body_str(&next, HELLO_BODY);
	assert_null(reply_header(&next, "Access-Control-Allow-Origin"));
	reply_free(&r);
	reply_free(&next);
	client_close(&c);
}

static void options_star_and_missing_paths(void **state)
{
	struct http_reply r;

	(void)state;
	raw("OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false, &r);
	assert_int_equal(r.status, 204);
	assert_header(&r, "Allow", "GET, HEAD, OPTIONS");
	reply_free(&r);
	assert_rc_ok(client_request(suite_srv.port, "OPTIONS", "/no/such/file", NULL, &r));
	assert_int_equal(r.status, 204);
	assert_header(&r, "Allow", "GET, HEAD, OPTIONS");
	reply_free(&r);
	raw("OPTIONS /a%00b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false, &r);
	assert_int_equal(r.status, 400);
	reply_free(&r);
}

/* ---- 405 and 501 ---------------------------------------------------------- */

static void known_methods_405(void **state)
{
	static const char *const methods[] = {"POST", "PUT", "DELETE", "PATCH", "TRACE"};
	char req[256];

	(void)state;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		struct client c;
		struct http_reply r;
		size_t extra;

		snprintf(req, sizeof(req), "%s /hello.txt HTTP/1.1\r\nHost: x\r\n"
			 "Content-Length: 5\r\n\r\nhello", methods[i]);
		assert_rc_ok(client_connect(&c, suite_srv.port));
		assert_rc_ok(client_send_str(&c, req));
		assert_rc_ok(client_read_reply(&c, &r, false));
		if (r.status != 405)
			fail_msg("%s: %d, want 405", methods[i], r.status);
		assert_string_equal(r.reason, "Method Not Allowed");
		assert_header(&r, "Allow", "GET, HEAD, OPTIONS");
		assert_header(&r, "Connection", "close");
		assert_contains(r.body, r.body_len, "<p>Error code: 405</p>");
		assert_int_equal(client_wait_close(&c, HARNESS_WAIT_MS, &extra), 1);
		assert_int_equal(extra, 0);
		reply_free(&r);
		client_close(&c);
	}
}

static void connect_405(void **state)
{
	struct http_reply r;

	(void)state;
	raw("CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n", false, &r);
	assert_int_equal(r.status, 405);
	assert_header(&r, "Allow", "GET, HEAD, OPTIONS");
	reply_free(&r);
}

/* A 100 MB upload is refused at its head, not after its body. */
static void large_post_answered_at_once(void **state)
{
	struct client c;
	struct http_reply r;

	(void)state;
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_str(&c, "POST /upload HTTP/1.1\r\nHost: x\r\n"
					 "Content-Length: 100000000\r\n\r\n0123456789"));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 405);
	assert_header(&r, "Allow", "GET, HEAD, OPTIONS");
	assert_header(&r, "Connection", "close");
	reply_free(&r);
	client_close(&c);
}

static void other_methods_501(void **state)
{
	static const char *const methods[] = {"FOO", "PROPFIND", "MKCOL", "PURGE", "get"};
	char req[256];

	(void)state;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		struct http_reply r;

		snprintf(req, sizeof(req), "%s / HTTP/1.1\r\nHost: x\r\n\r\n", methods[i]);
		raw(req, false, &r);
		if (r.status != 501)
			fail_msg("%s: %d, want 501", methods[i], r.status);
		assert_null(reply_header(&r, "Allow"));
		reply_free(&r);
	}
}

/* ---- --cors ------------------------------------------------------------------ */

static void assert_cors(const struct http_reply *r)
{
	assert_header(r, "Access-Control-Allow-Origin", "*");
	assert_int_equal(reply_header_count(r, "Access-Control-Allow-Origin"), 1);
	assert_header_match(r, "Access-Control-Expose-Headers", "Content-Range");
}

static void cors_on_every_response(void **state)
{
	struct http_reply r;

	(void)state;
	assert_rc_ok(client_request(suite_srv.port, "GET", "/hello.txt", NULL, &r));
	assert_int_equal(r.status, 200);
	assert_cors(&r);
	assert_null(reply_header(&r, "Access-Control-Allow-Methods")); /* preflights only */
	reply_free(&r);
	assert_rc_ok(client_request(suite_srv.port, "GET", "/nope", NULL, &r));
	assert_int_equal(r.status, 404);
	assert_cors(&r);
	reply_free(&r);
	assert_rc_ok(client_request(suite_srv.port, "GET", "/big.bin", "Range: bytes=0-0\r\n", &r));
	assert_int_equal(r.status, 206);
	assert_cors(&r);
	reply_free(&r);
	assert_rc_ok(client_request(suite_srv.port, "GET", "/old.txt", "If-Modified-Since: Sun, 09 Sep 2001 01:46:40 GMT\r\n",
		   &r));
	assert_int_equal(r.status, 304);
	assert_cors(&r);
	reply_free(&r);
	raw("DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", false, &r); /* refused in the parser */
	assert_int_equal(r.status, 405);
	assert_cors(&r);
	reply_free(&r);
	raw("GET / HTTP/1.1\r\n: nameless\r\n\r\n", false, &r);
	assert_int_equal(r.status, 400);
	assert_cors(&r);
	reply_free(&r);
}

static void cors_preflight(void **state)
{
	struct http_reply r;

	(void)state;
	assert_rc_ok(client_request(suite_srv.port, "OPTIONS", "/big.bin",
		   "Origin: http://example.org\r\n"
		   "Access-Control-Request-Method: GET\r\n"
		   "Access-Control-Request-Headers: range, x-custom\r\n", &r));
	assert_int_equal(r.status, 204);
	assert_cors(&r);
	assert_header(&r, "Allow", "GET, HEAD, OPTIONS");
	assert_header(&r, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
	assert_header(&r, "Access-Control-Allow-Headers", "range, x-custom");
	assert_header(&r, "Access-Control-Max-Age", "86400");
	assert_int_equal(r.body_len, 0);
	reply_free(&r);
	/* Only a plain list of names is echoed. */
	assert_rc_ok(client_request(suite_srv.port, "OPTIONS", "/big.bin",
		   "Origin: http://example.org\r\n"
		   "Access-Control-Request-Method: GET\r\n"
		   "Access-Control-Request-Headers: x-a;<script>\r\n", &r));
	assert_int_equal(r.status, 204);
	assert_null(reply_header(&r, "Access-Control-Allow-Headers"));
	reply_free(&r);
}

/* ---- --header ----------------------------------------------------------------- */

static void assert_extra(const struct http_reply *r)
{
	assert_header(r, "X-One", "1");
	assert_header(r, "X-Two", "two  words");
	assert_int_equal(reply_header_count(r, "X-One"), 1);
	assert_int_equal(reply_header_count(r, "X-Two"), 1);
}

static void extra_headers_everywhere(void **state)
{
	struct http_reply r;

	(void)state;
	assert_rc_ok(client_request(suite_srv.port, "GET", "/hello.txt", NULL, &r));
	assert_extra(&r);
	assert_body_str(&r, HELLO_BODY);
	reply_free(&r);
	assert_rc_ok(client_request(suite_srv.port, "HEAD", "/hello.txt", NULL, &r));
	assert_extra(&r);
	reply_free(&r);
	assert_rc_ok(client_request(suite_srv.port, "GET", "/nope", NULL, &r));
	assert_int_equal(r.status, 404);
	assert_extra(&r);
	reply_free(&r);
	assert_rc_ok(client_request(suite_srv.port, "GET", "/dir", NULL, &r));
	assert_int_equal(r.status, 301);
	assert_extra(&r);
	reply_free(&r);
	assert_rc_ok(client_request(suite_srv.port, "GET", "/dir/", NULL, &r));
	assert_int_equal(r.status, 200);
	assert_extra(&r);
	reply_free(&r);
	assert_rc_ok(client_request(suite_srv.port, "GET", "/big.bin", "Range: bytes=1-2,4-5\r\n", &r));
	assert_int_equal(r.status, 206);
	assert_extra(&r);
	reply_free(&r);
	assert_rc_ok(client_request(suite_srv.port, "OPTIONS", "/", NULL, &r));
	assert_int_equal(r.status, 204);
	assert_extra(&r);
	reply_free(&r);
	raw("PUT /x HTTP/1.1\r\nHost: x\r\n\r\n", false, &r);
	assert_int_equal(r.status, 405);
	assert_extra(&r);
	reply_free(&r);
	raw("FOO / HTTP/1.1\r\nHost: x\r\n\r\n", false, &r);
	assert_int_equal(r.status, 501);
	assert_extra(&r);
	reply_free(&r);
}

/* The parent's own 503 (past --max-clients) carries them too. */
static void extra_headers_on_parent_503(void **state)
{
	static const char *args[] = {"--max-clients", "1", "--header", "X-One: 1", "--cors", NULL};
	struct client held, c;
	struct http_reply r;

	(void)state;
	assert_int_equal(harness_start(&suite_srv, suite_fx.root, args), 0);
	assert_rc_ok(client_connect(&held, suite_srv.port));
	assert_int_equal(harness_wait_children(suite_srv.pid, 1, HARNESS_WAIT_MS), 0);
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 503);
	assert_header(&r, "X-One", "1");
	assert_header(&r, "Access-Control-Allow-Origin", "*");
	assert_null(reply_header(&r, "Cache-Control"));
	reply_free(&r);
	client_close(&c);
	client_close(&held);
}

static void bad_header_refused_at_start(void **state)
{
	static const char *const bad[] = {"No colon", "Bad Name: x", ": empty name", "X: a\rb"};
	struct run_result rr;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *args[] = {"-p", "1", "--header", bad[i], NULL};
		assert_int_equal(harness_run_server(args, NULL, HARNESS_WAIT_MS, &rr), 0);
		if (rr.exit_code != 2)
			fail_msg("--header '%s': exit %d, want 2", bad[i], rr.exit_code);
		assert_contains(rr.err.data, rr.err.len, "--header");
		run_result_free(&rr);
	}
}

/* ---- --cache ------------------------------------------------------------------ */

static void cache_control_on_success(void **state)
{
	static const struct {
		const char *target, *headers;
		int status;
		bool cached;
	} cases[] = {
		{"/hello.txt", NULL, 200, true},
		{"/big.bin", "Range: bytes=0-0\r\n", 206, true},
		{"/old.txt", "If-Modified-Since: Sun, 09 Sep 2001 01:46:40 GMT\r\n", 304, true},
		{"/dir", NULL, 301, true},
		{"/dir/", NULL, 200, true},
		{"/nope", NULL, 404, false},
		{"/big.bin", "Range: bytes=999999-\r\n", 416, false},
		{"/hello.txt", "If-Match: \"x\"\r\n", 412, false},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_reply r;

		assert_rc_ok(client_request(suite_srv.port, "GET", cases[i].target, cases[i].headers, &r));
		assert_int_equal(r.status, cases[i].status);
		if (cases[i].cached)
			assert_header(&r, "Cache-Control", "max-age=3600");
		else if (reply_header(&r, "Cache-Control"))
			fail_msg("%s (%d) has Cache-Control", cases[i].target, r.status);
		reply_free(&r);
	}
}

static void cache_zero(void **state)
{
	struct http_reply r;

	(void)state;
	assert_int_equal(start_with("--cache", "0", NULL, NULL), 0);
	assert_rc_ok(client_request(suite_srv.port, "GET", "/hello.txt", NULL, &r));
	assert_header(&r, "Cache-Control", "max-age=0");
	reply_free(&r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, suite_setup, suite_teardown)
#define T_WITH(f, s) cmocka_unit_test_setup_teardown(f, s, suite_teardown)

static int no_setup(void **state)
{
	(void)state;
	return 0;
}

static int no_teardown(void **state)
{
	(void)state;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(options_204_allow),
		T(options_star_and_missing_paths),
		T(known_methods_405),
		T(connect_405),
		T(large_post_answered_at_once),
		T(other_methods_501),
		T_WITH(cors_on_every_response, setup_cors),
		T_WITH(cors_preflight, setup_cors),
		T_WITH(extra_headers_everywhere, setup_headers),
		T_WITH(extra_headers_on_parent_503, no_setup),
		cmocka_unit_test_setup_teardown(bad_header_refused_at_start, no_setup, no_teardown),
		T_WITH(cache_control_on_success, setup_cache),
		T_WITH(cache_zero, no_setup),
	};

	return cmocka_run_group_tests(tests, suite_group_setup, suite_group_teardown);
}
