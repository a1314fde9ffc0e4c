/* request's PUT hooks (what --upload plugs in): begin sees the whole
 * head before any body byte and may refuse; data gets exactly the body
 * bytes, by Content-Length or chunked, whole, byte by byte and pipelined;
 * a refusal from either stops the request with its status. Without
 * hooks, PUT stays 405. Kept apart from test_request.c so that the two can
 * change independently. */
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

/* What the hooks saw, and what they answer. */
static struct {
	int begins;
	char target[64];
	uint64_t content_length;
	bool chunked;
	enum http_status begin_answer;
	enum http_status data_answer_after; /* refuse once this many bytes came */
	uint64_t refuse_at;
	char body[256];
	size_t body_len;
} seen;

static enum http_status on_begin(void *ctx, const struct request *r, const char **message)
{
	assert_ptr_equal(ctx, &seen);
	seen.begins++;
	snprintf(seen.target, sizeof(seen.target), "%.63s", r->target);
	seen.content_length = r->parser.content_length;
	seen.chunked = r->parser.flags & F_CHUNKED;
	if (seen.begin_answer != HTTP_NONE)
		*message = "refused by begin";
	return seen.begin_answer;
}

static enum http_status on_data(void *ctx, const char *at, size_t len, const char **message)
{
	(void)ctx;
	if (seen.data_answer_after != HTTP_NONE && seen.body_len + len > seen.refuse_at) {
		*message = "refused by data";
		return seen.data_answer_after;
	}
	assert_true(seen.body_len + len <= sizeof(seen.body));
	memcpy(seen.body + seen.body_len, at, len);
	seen.body_len += len;
	return HTTP_NONE;
}

static int setup(void **state)
{
	(void)state;
	req = malloc(sizeof(*req));
	if (!req)
		return -1;
	request_init(req, 4); /* --max-body 4: PUT bodies are not bound by it */
	memset(&seen, 0, sizeof(seen));
	req->put = (struct request_put_hooks){.begin = on_begin, .data = on_data, .ctx = &seen};
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(req);
	return 0;
}

static size_t feed(const char *s)
{
	return request_feed(req, s, strlen(s));
}

static void test_put_content_length(void **state)
{
	(void)state;
	const char *s = "PUT /a/b.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789";
	assert_int_equal(feed(s), strlen(s));
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_true(req->msg.put_body);
	assert_int_equal(seen.begins, 1);
	assert_string_equal(seen.target, "/a/b.txt");
	assert_int_equal(seen.content_length, 10);
	assert_false(seen.chunked);
	assert_int_equal(seen.body_len, 10);
	assert_memory_equal(seen.body, "0123456789", 10);
	assert_int_equal(req->msg.body_bytes, 10);
}

static void test_put_chunked_bytewise_then_next(void **state)
{
	(void)state;
	const char *s = "PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
			"3\r\nabc\r\n1\r\n\r\r\nA\r\n\n0123456\n8\r\n0\r\n\r\n"
			"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	size_t len = strlen(s), i = 0;
	for (; i < len && req->msg.state == REQUEST_INCOMPLETE; i++)
		assert_int_equal(request_feed(req, s + i, 1), 1);
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_true(seen.chunked);
	assert_int_equal(seen.body_len, 14);
	assert_memory_equal(seen.body, "abc\r\n0123456\n8", 14);
	/* The next request is a GET: no hook, no put_body. */
	request_next(req);
	assert_false(req->msg.put_body);
	assert_int_equal(request_feed(req, s + i, len - i), len - i);
	assert_int_equal(req->msg.state, REQUEST_COMPLETE);
	assert_string_equal(req->method, "GET");
	assert_false(req->msg.put_body);
	assert_int_equal(seen.begins, 1);
}

static void test_begin_refuses_before_the_body(void **state)
{
	(void)state;
	seen.begin_answer = HTTP_CONFLICT;
	feed("PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nabc");
	assert_int_equal(req->msg.state, REQUEST_FAILED);
	assert_int_equal(req->msg.error, HTTP_CONFLICT);
	assert_string_equal(req->msg.error_message, "refused by begin");
	assert_int_equal(seen.body_len, 0);
	assert_false(req->msg.put_body);
}

static void test_data_refuses_midway(void **state)
{
	(void)state;
	seen.data_answer_after = HTTP_INSUFFICIENT_STORAGE;
	seen.refuse_at = 5;
	feed("PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n4\r\nefgh\r\n");
	assert_int_equal(req->msg.state, REQUEST_FAILED);
	assert_int_equal(req->msg.error, HTTP_INSUFFICIENT_STORAGE);
	assert_int_equal(seen.body_len, 4);
}

static void test_expect_continue_after_begin(void **state)
{
	(void)state;
	feed("PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
	assert_int_equal(req->msg.state, REQUEST_INCOMPLETE);
	assert_int_equal(seen.begins, 1);
	assert_true(req->msg.expect_continue);
}

static void test_no_hooks_put_405(void **state)
{
	(void)state;
	req->put = (struct request_put_hooks){0};
	feed("PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
	assert_int_equal(req->msg.state, REQUEST_FAILED);
	assert_int_equal(req->msg.error, HTTP_METHOD_NOT_ALLOWED);
	assert_int_equal(seen.begins, 0);
}

/* Only PUT goes to the hooks; POST stays 405 with them set. */
static void test_post_not_hooked(void **state)
{
	(void)state;
	feed("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
	assert_int_equal(req->msg.state, REQUEST_FAILED);
	assert_int_equal(req->msg.error, HTTP_METHOD_NOT_ALLOWED);
	assert_int_equal(seen.begins, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_put_content_length),
		T(test_put_chunked_bytewise_then_next),
		T(test_begin_refuses_before_the_body),
		T(test_data_refuses_midway),
		T(test_expect_continue_after_begin),
		T(test_no_hooks_put_405),
		T(test_post_not_hooked),
	};
	return cmocka_run_group_tests_name("request_put", tests, NULL, NULL);
}
