/* Integration: --isolate. Cross-Origin-Opener-Policy,
 * Cross-Origin-Embedder-Policy and Cross-Origin-Resource-Policy on every
 * answer, once each: files, listings, redirects, 304, 404, 401, 405, 400
 * and OPTIONS; and on none without the flag. */
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
#include "static_host.h"

static int teardown(void **state)
{
	(void)state;
	harness_close_clients();
	if (suite_srv.pid > 0 && harness_stop(&suite_srv) != 0)
		return -1;
	suite_srv.pid = 0;
	return 0;
}

static void start(const char *const extra[])
{
	assert_int_equal(harness_start(&suite_srv, suite_fx.root, (const char **)extra), 0);
}

static void expect_isolated(const struct http_reply *r, bool on)
{
	static const char *const names[][2] = {
		{"Cross-Origin-Opener-Policy", "same-origin"},
		{"Cross-Origin-Embedder-Policy", "require-corp"},
		{"Cross-Origin-Resource-Policy", "same-origin"},
	};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(reply_header_count(r, names[i][0]), on ? 1 : 0);
		if (on)
			assert_header(r, names[i][0], names[i][1]);
	}
}

/* Each kind of answer, with its status, checked for the three headers. */
static void check_answers(bool on)
{
	struct http_reply r;
	char inm[160];
	assert_int_equal(sh_request(suite_srv.port, "GET", "/hello.txt", NULL, &r), 200);
	expect_isolated(&r, on);
	snprintf(inm, sizeof(inm), "If-None-Match: %s\r\n", reply_header(&r, "ETag"));
	reply_free(&r);
	assert_int_equal(sh_request(suite_srv.port, "GET", "/hello.txt", inm, &r), 304);
	expect_isolated(&r, on);
	reply_free(&r);
	assert_int_equal(sh_request(suite_srv.port, "GET", "/hello.txt", "Range: bytes=0-1\r\n", &r),
			 206);
	expect_isolated(&r, on);
	reply_free(&r);
	assert_int_equal(sh_request(suite_srv.port, "GET", "/dir/", NULL, &r), 200);
	expect_isolated(&r, on);
	reply_free(&r);
	assert_int_equal(sh_request(suite_srv.port, "GET", "/dir", NULL, &r), 301);
	expect_isolated(&r, on);
	reply_free(&r);
	assert_int_equal(sh_request(suite_srv.port, "GET", "/nope", NULL, &r), 404);
	expect_isolated(&r, on);
	reply_free(&r);
	assert_int_equal(sh_request(suite_srv.port, "HEAD", "/app.js", NULL, &r), 200);
	expect_isolated(&r, on);
	reply_free(&r);
	assert_int_equal(sh_request(suite_srv.port, "POST", "/hello.txt", NULL, &r), 405);
	expect_isolated(&r, on);
	reply_free(&r);
	assert_int_equal(sh_request(suite_srv.port, "OPTIONS", "*", NULL, &r), 204);
	expect_isolated(&r, on);
	reply_free(&r);
	assert_int_equal(sh_request(suite_srv.port, "GET", "/a%00b", NULL, &r), 400);
	expect_isolated(&r, on);
	reply_free(&r);
	/* A head the parser refuses: answered by the connection, not the
	 * handler. */
	const char bad[] = "GET / HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n";
	assert_rc_ok(client_exchange(suite_srv.port, bad, strlen(bad), false, &r));
	assert_int_equal(r.status, 400);
	expect_isolated(&r, on);
	reply_free(&r);
}

static void every_answer_isolated(void **state)
{
	const char *const args[] = {"--isolate", NULL};
	(void)state;
	start(args);
	check_answers(true);
}

static void none_without_flag(void **state)
{
	(void)state;
	start(NULL);
	check_answers(false);
}

static void with_auth_401_isolated(void **state)
{
	const char *const args[] = {"--isolate", "--auth", "user:pass", "--cors", NULL};
	struct http_reply r;
	(void)state;
	start(args);
	assert_int_equal(sh_request(suite_srv.port, "GET", "/hello.txt", NULL, &r), 401);
	expect_isolated(&r, true);
	assert_header(&r, "Access-Control-Allow-Origin", "*");
	reply_free(&r);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(every_answer_isolated),
		T(none_without_flag),
		T(with_auth_401_isolated),
	};
	return cmocka_run_group_tests(tests, suite_group_setup, suite_group_teardown);
}
