/* request: llhttp fed whole, byte by byte and pipelined; limits; the
 * errors llhttp 8.1.0 lets through that we must catch ourselves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "request.h"

static struct request *req;

static int setup(void **state)
{
	(void)state;
	req = malloc(sizeof(*req));
	if (!req)
		return -1;
	request_init(req, 1024);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(req);
	return 0;
}

/* Feed everything at once; returns bytes consumed. */
static size_t feed(const char *s)
{
	return request_feed(req, s, strlen(s));
}

static void feed_bytewise(const char *s)
{
	size_t len = strlen(s);
	for (size_t i = 0; i < len && req->msg.state == REQUEST_INCOMPLETE; i++)
		assert_int_equal(request_feed(req, s + i, 1), 1);
}

static void assert_fails_with(const char *s, enum http_status status)
{
	feed(s);
	assert_int_equal(req->msg.state, REQUEST_FAILED);
	assert_int_equal(req->msg.error, status);
}

static void test_simple_get(void **state)
{
	(void)state;
	const char *s = "GET /a/b?x=1 HTTP/1.1\r\nHost: example\r\nIf-Modified-Since: x \r\n\r\n";
	assert_int_equal(feed(s), strlen(s));
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_string_equal(req->method, "GET");
	assert_string_equal(req->target, "/a/b?x=1");
	assert_string_equal(req->line, "GET /a/b?x=1 HTTP/1.1");
	assert_string_equal(request_header(req, "host"), "example");
	/* trailing whitespace is not part of the value */
	assert_string_equal(request_header(req, "IF-MODIFIED-SINCE"), "x");
	assert_null(request_header(req, "Range"));
	assert_true(req->msg.keep_alive);
	assert_false(req->msg.is_head);
	assert_int_equal(request_http_minor(req), 1);
}

static void test_head_and_http10(void **state)
{
	(void)state;
	feed("HEAD / HTTP/1.0\r\n\r\n");
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_true(req->msg.is_head);
	assert_false(req->msg.keep_alive);
	assert_int_equal(request_http_minor(req), 0);
}

static void test_http10_keep_alive(void **state)
{
	(void)state;
	feed("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_true(req->msg.keep_alive);
}

static void test_connection_close(void **state)
{
	(void)state;
	feed("GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_false(req->msg.keep_alive);
}

static void test_byte_by_byte(void **state)
{
	(void)state;
	feed_bytewise("GET /slow HTTP/1.1\r\nHost: h\r\nX-Long-Name: some value here\r\n\r\n");
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_string_equal(req->target, "/slow");
	assert_string_equal(request_header(req, "x-long-name"), "some value here");
	assert_string_equal(request_header(req, "host"), "h");
}

static void test_pipelined_ten(void **state)
{
	(void)state;
	char all[2048] = "";
	for (int i = 0; i < 10; i++) {
		char one[64];
		snprintf(one, sizeof(one), "GET /%d HTTP/1.1\r\nHost: h\r\n\r\n", i);
		strcat(all, one);
	}
	size_t len = strlen(all), off = 0;
	for (int i = 0; i < 10; i++) {
		off += request_feed(req, all + off, len - off);
		assert_int_equal(req->msg.state, REQUEST_COMPLETE);
		char want[16];
		snprintf(want, sizeof(want), "/%d", i);
		assert_string_equal(req->target, want);
		request_next(req);
	}
	assert_int_equal(off, len);
	assert_int_equal(req->msg.state, REQUEST_INCOMPLETE);
}

static void test_body_is_consumed_not_served(void **state)
{
	(void)state;
	const char *s = "GET /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\n\r\n";
	size_t used = feed(s);
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_string_equal(req->target, "/a");
	assert_int_equal(req->msg.body_bytes, 5);
	request_next(req);
	request_feed(req, s + used, strlen(s) - used);
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_string_equal(req->target, "/b");
}

static void test_body_over_limit_413(void **state)
{
	(void)state;
	assert_fails_with("GET / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n",
			  HTTP_CONTENT_TOO_LARGE);
}

static void test_obs_fold_rejected(void **state)
{
	(void)state;
	assert_fails_with("GET / HTTP/1.1\r\nX-A: 1\r\n  folded\r\n\r\n", HTTP_BAD_REQUEST);
}

static void test_obs_fold_after_empty_value_rejected(void **state)
{
	(void)state;
	assert_fails_with("GET / HTTP/1.1\r\nX-A:\r\n\tfolded\r\n\r\n", HTTP_BAD_REQUEST);
}

static void test_obs_fold_split_across_reads(void **state)
{
	(void)state;
	feed("GET / HTTP/1.1\r\nX-A: 1\r\n");
	assert_int_equal(req->msg.state, REQUEST_INCOMPLETE);
	assert_fails_with(" folded\r\n\r\n", HTTP_BAD_REQUEST);
}

static void test_value_split_across_reads_is_fine(void **state)
{
	(void)state;
	feed("GET / HTTP/1.1\r\nX-A: a");
	feed(" b\r\n\r\n");
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_string_equal(request_header(req, "X-A"), "a b");
}

static void test_empty_header_name_rejected(void **state)
{
	(void)state;
	assert_fails_with("GET / HTTP/1.1\r\n: x\r\n\r\n", HTTP_BAD_REQUEST);
}

static void test_unknown_method_501(void **state)
{
	(void)state;
	assert_fails_with("FOO / HTTP/1.1\r\n\r\n", HTTP_NOT_IMPLEMENTED);
	assert_non_null(strstr(req->msg.error_message, "'FOO'"));
}

static void test_lowercase_method_501_bytewise(void **state)
{
	(void)state;
	feed_bytewise("get / HTTP/1.1\r\n\r\n");
	assert_int_equal(req->msg.state, REQUEST_FAILED);
	assert_int_equal(req->msg.error, HTTP_NOT_IMPLEMENTED);
	assert_non_null(strstr(req->msg.error_message, "'get'"));
}

/* Known methods a file server does not do: refused at the head, before
 * the body (POST, PUT, DELETE, PATCH, CONNECT, TRACE are all 405). */
static void test_post_405(void **state)
{
	(void)state;
	assert_fails_with("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
			  HTTP_METHOD_NOT_ALLOWED);
	assert_non_null(strstr(req->msg.error_message, "'POST'"));
}

static void test_webdav_method_501(void **state)
{
	(void)state;
	assert_fails_with("PROPFIND / HTTP/1.1\r\n\r\n", HTTP_NOT_IMPLEMENTED);
}

static void test_options_reaches_handler(void **state)
{
	(void)state;
	const char *s = "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n";
	assert_int_equal(feed(s), strlen(s));
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_string_equal(req->method, "OPTIONS");
	assert_string_equal(req->target, "*");
}

static void test_garbage_400(void **state)
{
	(void)state;
	assert_fails_with("GARBAGE\r\n\r\n", HTTP_BAD_REQUEST);
}

static void test_version_505(void **state)
{
	(void)state;
	assert_fails_with("GET / HTTP/2.0\r\n\r\n", HTTP_VERSION_NOT_SUPPORTED);
}

static void test_version_3_505(void **state)
{
	(void)state;
	assert_fails_with("GET / HTTP/3.0\r\n\r\n", HTTP_VERSION_NOT_SUPPORTED);
}

static void test_bad_version_400(void **state)
{
	(void)state;
	assert_fails_with("GET / HTTP/1.x\r\n\r\n", HTTP_BAD_REQUEST);
}

static void test_long_target_414(void **state)
{
	(void)state;
	size_t n = REQUEST_TARGET_MAX + 10;
	char *s = malloc(n + 32);
	assert_non_null(s);
	memcpy(s, "GET /", 5);
	memset(s + 5, 'a', n);
	strcpy(s + 5 + n, " HTTP/1.1\r\n\r\n");
	assert_fails_with(s, HTTP_URI_TOO_LONG);
	free(s);
}

static void test_target_at_limit_ok(void **state)
{
	(void)state;
	size_t n = REQUEST_TARGET_MAX - 1;
	char *s = malloc(n + 32);
	assert_non_null(s);
	memcpy(s, "GET /", 5);
	memset(s + 5, 'a', n);
	strcpy(s + 5 + n, " HTTP/1.1\r\n\r\n");
	feed(s);
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_int_equal(req->msg.target_len, REQUEST_TARGET_MAX);
	free(s);
}

static void test_too_many_fields_431(void **state)
{
	(void)state;
	char s[4096] = "GET / HTTP/1.1\r\n";
	for (int i = 0; i <= REQUEST_FIELDS_MAX; i++) {
		char f[32];
		snprintf(f, sizeof(f), "X-%d: y\r\n", i);
		strcat(s, f);
	}
	strcat(s, "\r\n");
	assert_fails_with(s, HTTP_HEADER_FIELDS_TOO_LARGE);
}

static void test_fields_at_limit_ok(void **state)
{
	(void)state;
	char s[4096] = "GET / HTTP/1.1\r\n";
	for (int i = 0; i < REQUEST_FIELDS_MAX; i++) {
		char f[32];
		snprintf(f, sizeof(f), "X-%d: y\r\n", i);
		strcat(s, f);
	}
	strcat(s, "\r\n");
	feed(s);
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_int_equal(req->msg.nfields, REQUEST_FIELDS_MAX);
}

static void test_huge_header_431(void **state)
{
	(void)state;
	size_t n = REQUEST_HEAD_MAX + 100;
	char *s = malloc(n + 64);
	assert_non_null(s);
	strcpy(s, "GET / HTTP/1.1\r\nX: ");
	memset(s + strlen(s), 'y', n);
	strcpy(s + 19 + n, "\r\n\r\n");
	assert_fails_with(s, HTTP_HEADER_FIELDS_TOO_LARGE);
	free(s);
}

static void test_huge_header_bytewise_431(void **state)
{
	(void)state;
	const char *start = "GET / HTTP/1.1\r\nX: ";
	feed(start);
	char chunk[1024];
	memset(chunk, 'y', sizeof(chunk));
	for (int i = 0; i < 80 && req->msg.state == REQUEST_INCOMPLETE; i++)
		request_feed(req, chunk, sizeof(chunk));
	assert_int_equal(req->msg.state, REQUEST_FAILED);
	assert_int_equal(req->msg.error, HTTP_HEADER_FIELDS_TOO_LARGE);
}

static void test_cl_and_te_400(void **state)
{
	(void)state;
	assert_fails_with("GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
			  HTTP_BAD_REQUEST);
}

static void test_duplicate_cl_400(void **state)
{
	(void)state;
	assert_fails_with("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
			  HTTP_BAD_REQUEST);
}

static void test_leading_blank_lines_skipped(void **state)
{
	(void)state;
	feed("\r\nGET /x HTTP/1.1\r\n\r\n");
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_string_equal(req->line, "GET /x HTTP/1.1");
}

static void test_chunked_body_then_next(void **state)
{
	(void)state;
	const char *s = "GET /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
			"3\r\nabc\r\n0\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
	size_t used = feed(s);
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_int_equal(req->msg.body_bytes, 3);
	request_next(req);
	request_feed(req, s + used, strlen(s) - used);
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_string_equal(req->target, "/b");
}

/* HTTP/0.9: the line alone is the request, whether or not headers
 * follow, and whether it arrives whole or byte by byte. */
static void test_http09_line_alone(void **state)
{
	(void)state;
	feed("GET /a.txt\r\n");
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_true(req->msg.http09);
	assert_false(req->msg.keep_alive);
	assert_string_equal(req->target, "/a.txt");
}

static void test_http09_bytewise(void **state)
{
	(void)state;
	feed_bytewise("GET /\n");
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_true(req->msg.http09);
}

static void test_http09_with_headers(void **state)
{
	(void)state;
	feed("GET /x\r\nHost: a\r\n\r\n");
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_true(req->msg.http09);
	assert_string_equal(req->target, "/x");
}

static void test_http09_head_400(void **state)
{
	(void)state;
	assert_fails_with("HEAD /\r\n", HTTP_BAD_REQUEST);
	assert_true(req->msg.http09);
	assert_non_null(strstr(req->msg.error_message, "HTTP/0.9"));
}

static void test_http11_is_not_http09(void **state)
{
	(void)state;
	feed("GET / HTTP/1.1\r\n");
	assert_int_equal(req->msg.state, REQUEST_INCOMPLETE);
	assert_false(req->msg.http09);
}

/* A bare LF ends head lines as CRLF does (RFC 9112 2.2), whether the
 * whole head comes at once or byte by byte, mixed with CRLF or not. */
static void test_bare_lf_head(void **state)
{
	(void)state;
	const char *s = "GET /a HTTP/1.1\nHost: x\r\nX-A: 1\n\n";
	assert_int_equal(feed(s), strlen(s));
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_string_equal(req->target, "/a");
	assert_string_equal(request_header(req, "X-A"), "1");
}

static void test_bare_lf_bytewise_pipelined(void **state)
{
	(void)state;
	feed_bytewise("\nGET /a HTTP/1.0\nConnection: keep-alive\n\n");
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_true(req->msg.keep_alive);
	request_next(req);
	const char *s = "GET /b HTTP/1.1\nHost: x\n\nGET /c HTTP/1.1\n\n";
	size_t used = feed(s);
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_string_equal(req->target, "/b");
	request_next(req);
	request_feed(req, s + used, strlen(s) - used);
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_string_equal(req->target, "/c");
}

static void test_lone_cr_400(void **state)
{
	(void)state;
	assert_fails_with("GET / HTTP/1.1\rHost: x\r\n\r\n", HTTP_BAD_REQUEST);
}

/* "HTTP/9.9.9" is no version: 400, as python says; "HTTP/9.9" is. */
static void test_malformed_versions_400(void **state)
{
	(void)state;
	assert_fails_with("GET / HTTP/9.9.9\r\n\r\n", HTTP_BAD_REQUEST);
	request_init(req, 1024);
	assert_fails_with("GET / HTTP/909876543210.0\r\n\r\n", HTTP_BAD_REQUEST);
	request_init(req, 1024);
	assert_fails_with("GET / HTTP/9.9\r\n\r\n", HTTP_VERSION_NOT_SUPPORTED);
}

static void test_expect_continue(void **state)
{
	(void)state;
	feed("GET / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n");
	assert_int_equal(req->msg.state, REQUEST_INCOMPLETE);
	assert_true(req->msg.expect_continue);
	feed("abc");
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
}

static void test_expect_continue_not_without_body_or_in_http10(void **state)
{
	(void)state;
	feed("GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n");
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_false(req->msg.expect_continue);
	request_init(req, 1024);
	feed("GET / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
	assert_false(req->msg.expect_continue);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* ---- refused before the line ends ---------------------------------------- */

/* Feed bytewise until the request fails; how many bytes that took, or
 * 0 if it never failed. */
static size_t bytes_until_failed(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		request_feed(req, s + i, 1);
		if (req->msg.state == REQUEST_FAILED)
			return i + 1;
	}
	return 0;
}

static void test_tls_client_hello_refused_at_once(void **state)
{
	(void)state;
	static const char hello[] = "\x16\x03\x01\x00\x2d\x01\x00\x00\x29\x03\x03";
	assert_int_equal(request_feed(req, hello, sizeof(hello) - 1), sizeof(hello) - 1);
	assert_int_equal(req->msg.state, REQUEST_FAILED);
	assert_int_equal(req->msg.error, HTTP_BAD_REQUEST);
	assert_true(req->msg.tls_on_plain);
	assert_string_equal(req->msg.error_message, "TLS handshake on the plain HTTP port");
}

static void test_first_byte_no_request_starts_with(void **state)
{
	(void)state;
	static const char *const starts[] = {"\x01", "\x7f", " ", "\xc2\x9b", "\"", "/"};
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		request_init(req, 1024);
		assert_int_equal(bytes_until_failed(starts[i], strlen(starts[i])), 1);
		assert_int_equal(req->msg.error, HTTP_BAD_REQUEST);
		assert_false(req->msg.tls_on_plain);
	}
}

/* An SSH banner is all token bytes: the method length gives it away,
 * one byte past the longest real method. */
static void test_ssh_banner_refused_past_longest_method(void **state)
{
	(void)state;
	static const char banner[] = "SSH-2.0-OpenSSH_9.2";
	assert_int_equal(bytes_until_failed(banner, sizeof(banner) - 1),
			 REQUEST_METHOD_LONGEST + 1);
	assert_int_equal(req->msg.error, HTTP_BAD_REQUEST);
}

static void test_control_byte_in_method_or_target_refused_at_once(void **state)
{
	(void)state;
	static const char a[] = "GE\x1bT / HTTP/1.1";
	assert_int_equal(bytes_until_failed(a, sizeof(a) - 1), 3);
	request_init(req, 1024);
	static const char b[] = "GET /a\x01b HTTP/1.1";
	assert_int_equal(bytes_until_failed(b, sizeof(b) - 1), 7);
	assert_int_equal(req->msg.error, HTTP_BAD_REQUEST);
}

/* What can still become a 501 or a 505 waits for its line, as before;
 * leading empty lines are still allowed (RFC 9112 2.2). */
static void test_what_may_improve_still_waits(void **state)
{
	(void)state;
	feed_bytewise("UPDATEREDIRECTREF");
	assert_int_equal(req->msg.state, REQUEST_INCOMPLETE);
	feed_bytewise(" / HTTP/1.1\r\n\r\n");
	assert_int_equal(req->msg.error, HTTP_NOT_IMPLEMENTED);
	request_init(req, 1024);
	feed_bytewise("GET / HTTP/3.0\r\n\r\n");
	assert_int_equal(req->msg.error, HTTP_VERSION_NOT_SUPPORTED);
	request_init(req, 1024);
	feed_bytewise("\r\n\nGET / HTTP/1.1\r\n\r\n");
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
}

/* A long method is a 400 however the line arrives, not a 501 when it
 * comes whole and a 400 when it trickles. */
static void test_long_method_400_whole_or_bytewise(void **state)
{
	(void)state;
	assert_fails_with("ABCDEFGHIJKLMNOPQR / HTTP/1.1\r\n\r\n", HTTP_BAD_REQUEST);
	request_init(req, 1024);
	feed_bytewise("ABCDEFGHIJKLMNOPQR / HTTP/1.1\r\n\r\n");
	assert_int_equal(req->msg.error, HTTP_BAD_REQUEST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_simple_get),
		T(test_head_and_http10),
		T(test_http10_keep_alive),
		T(test_connection_close),
		T(test_byte_by_byte),
		T(test_pipelined_ten),
		T(test_body_is_consumed_not_served),
		T(test_body_over_limit_413),
		T(test_obs_fold_rejected),
		T(test_obs_fold_after_empty_value_rejected),
		T(test_obs_fold_split_across_reads),
		T(test_value_split_across_reads_is_fine),
		T(test_empty_header_name_rejected),
		T(test_unknown_method_501),
		T(test_tls_client_hello_refused_at_once),
		T(test_first_byte_no_request_starts_with),
		T(test_ssh_banner_refused_past_longest_method),
		T(test_control_byte_in_method_or_target_refused_at_once),
		T(test_what_may_improve_still_waits),
		T(test_long_method_400_whole_or_bytewise),
		T(test_lowercase_method_501_bytewise),
		T(test_post_405),
		T(test_webdav_method_501),
		T(test_options_reaches_handler),
		T(test_garbage_400),
		T(test_version_505),
		T(test_version_3_505),
		T(test_bad_version_400),
		T(test_long_target_414),
		T(test_target_at_limit_ok),
		T(test_too_many_fields_431),
		T(test_fields_at_limit_ok),
		T(test_huge_header_431),
		T(test_huge_header_bytewise_431),
		T(test_cl_and_te_400),
		T(test_duplicate_cl_400),
		T(test_leading_blank_lines_skipped),
		T(test_chunked_body_then_next),
		T(test_http09_line_alone),
		T(test_http09_bytewise),
		T(test_http09_with_headers),
		T(test_http09_head_400),
		T(test_http11_is_not_http09),
		T(test_bare_lf_head),
		T(test_bare_lf_bytewise_pipelined),
		T(test_lone_cr_400),
		T(test_malformed_versions_400),
		T(test_expect_continue),
		T(test_expect_continue_not_without_body_or_in_http10),
	};
	return cmocka_run_group_tests_name("request", tests, NULL, NULL);
}
