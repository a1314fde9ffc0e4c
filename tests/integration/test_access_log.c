/* Integration: the access log on stderr, in python's shape:
 *   127.0.0.1 - - [29/Nov/2026 16:30:01] "GET / HTTP/1.1" 200 1234
 * preceded, for an error, by `... code 404, message File not found`. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Address, identities and the bracketed local time. */
#define LOG_PREFIX                                                            \
	"^127\\.0\\.0\\.1 - - \\[[0-9]{2}/"                                      \
	"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/[0-9]{4} "         \
	"[0-9]{2}:[0-9]{2}:[0-9]{2}\\] "

/* The next stderr line must match ere. */
static void expect_line(const char *ere)
{
	char line[16384];

	if (harness_read_stderr_line(&suite_srv, line, sizeof(line),
				     HARNESS_WAIT_MS) < 0)
		fail_msg("no log line; wanted /%s/", ere);
	if (!harness_match(line, ere))
		fail_msg("log line \"%s\" does not match /%s/", line, ere);
}

static void get_logged_with_body_size(void **state)
{
	struct http_reply r;

	(void)state;
	assert_rc_ok(client_get(suite_srv.port, "/hello.txt", &r));
	assert_int_equal(r.status, 200);
	expect_line(LOG_PREFIX "\"GET /hello\\.txt HTTP/1\\.1\" 200 14$");
	reply_free(&r);
}

static void big_file_size_logged(void **state)
{
	struct http_reply r;

	(void)state;
	assert_rc_ok(client_get(suite_srv.port, "/big.bin", &r));
	assert_int_equal(r.status, 200);
	expect_line(LOG_PREFIX "\"GET /big\\.bin HTTP/1\\.1\" 200 102400$");
	reply_free(&r);
}

static void error_logged_after_code_line(void **state)
{
	struct http_reply r;
	char line[16384], want[64];
	const char *size;

	(void)state;
	assert_rc_ok(client_get(suite_srv.port, "/nope.txt", &r));
	assert_int_equal(r.status, 404);
	expect_line(LOG_PREFIX "code 404, message File not found$");
	assert_true(harness_read_stderr_line(&suite_srv, line, sizeof(line),
					     HARNESS_WAIT_MS) >= 0);
	if (!harness_match(line, LOG_PREFIX
			   "\"GET /nope\\.txt HTTP/1\\.1\" 404 ([0-9]+|-)$"))
		fail_msg("log line \"%s\"", line);
	/* A numeric size is the byte count of the error page. */
	size = strrchr(line, ' ') + 1;
	snprintf(want, sizeof(want), "%zu", r.body_len);
	if (strcmp(size, "-") != 0)
		assert_string_equal(size, want);
	reply_free(&r);
}

static void bad_request_logged(void **state)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n: x\r\n\r\n";
	struct http_reply r;

	(void)state;
	assert_rc_ok(client_exchange(suite_srv.port, req, strlen(req), false, &r));
	assert_int_equal(r.status, 400);
	expect_line(LOG_PREFIX "code 400, message ");
	expect_line(LOG_PREFIX "\".*\" 400 ([0-9]+|-)$");
	reply_free(&r);
}

/* One line per request, in request order, for a pipelined burst. */
static void one_line_per_request(void **state)
{
	static const char req[] =
		"GET /p0.txt HTTP/1.1\r\nHost: x\r\n\r\n"
		"HEAD /p1.txt HTTP/1.1\r\nHost: x\r\n\r\n"
		"GET /p2.txt HTTP/1.1\r\nHost: x\r\n\r\n"
		"GET /p3.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	struct client c;
	struct http_reply r;
	size_t extra = 0;
	int i;

	(void)state;
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_str(&c, req));
	for (i = 0; i < 4; i++) {
		assert_rc_ok(client_read_reply(&c, &r, i == 1));
		assert_int_equal(r.status, 200);
		reply_free(&r);
	}
	assert_int_equal(client_wait_close(&c, HARNESS_WAIT_MS, &extra), 1);
	client_close(&c);
	expect_line(LOG_PREFIX "\"GET /p0\\.txt HTTP/1\\.1\" 200 3$");
	expect_line(LOG_PREFIX "\"HEAD /p1\\.txt HTTP/1\\.1\" 200 ([0-9]+|-)$");
	expect_line(LOG_PREFIX "\"GET /p2\\.txt HTTP/1\\.1\" 200 6$");
	expect_line(LOG_PREFIX "\"GET /p3\\.txt HTTP/1\\.1\" 200 7$");
	/* The child has exited: nothing else may follow. */
	assert_int_equal(harness_wait_children(suite_srv.pid, 0, HARNESS_WAIT_MS), 0);
	harness_pump(0);
	assert_int_equal(suite_srv.err.len, suite_srv.err_pos);
}

/* Control bytes in a request line must reach the log escaped (\x01), never
 * raw: a raw ESC would let a client drive the operator's terminal. */
static void control_characters_escaped(void **state)
{
	static const char req[] =
		"GET /a\x01" "b\x1b[31mred\x7f HTTP/1.1\r\nHost: x\r\n\r\n";
	struct http_reply r;
	size_t i;

	(void)state;
	assert_rc_ok(client_exchange(suite_srv.port, req, strlen(req), false, &r));
	assert_true(r.status >= 400);
	/* The request's final log line carries its status. */
	assert_int_equal(harness_wait_stderr_match(&suite_srv, "\" [0-9]{3} ([0-9]+|-)$",
						   NULL, 0, HARNESS_WAIT_MS), 0);
	assert_int_equal(harness_wait_children(suite_srv.pid, 0, HARNESS_WAIT_MS), 0);
	harness_pump(0);
	for (i = 0; i < suite_srv.err.len; i++) {
		unsigned char ch = (unsigned char)suite_srv.err.data[i];

		if ((ch < 0x20 && ch != '\n') || ch == 0x7f)
			fail_msg("raw byte 0x%02x at offset %zu of the log:\n%s",
				 ch, i, suite_srv.err.data);
	}
	assert_contains(suite_srv.err.data, suite_srv.err.len, "\\x01");
	assert_contains(suite_srv.err.data, suite_srv.err.len, "\\x1b");
	reply_free(&r);
}

/* A client that connects and sends nothing leaves no log line. */
static void silent_connection_logs_nothing(void **state)
{
	struct client c;
	struct http_reply r;

	(void)state;
	assert_rc_ok(client_connect(&c, suite_srv.port));
	/* Its child exists once accepted; gone once we hang up. */
	assert_int_equal(harness_wait_children(suite_srv.pid, 1, HARNESS_WAIT_MS), 0);
	client_close(&c);
	assert_int_equal(harness_wait_children(suite_srv.pid, 0, HARNESS_WAIT_MS), 0);
	assert_rc_ok(client_get(suite_srv.port, "/hello.txt", &r));
	expect_line(LOG_PREFIX "\"GET /hello\\.txt HTTP/1\\.1\" 200 14$");
	reply_free(&r);
}

/* The banner goes to stdout, not into the log. */
static void banner_on_stdout_only(void **state)
{
	(void)state;
	harness_pump(0);
	assert_false(harness_contains(suite_srv.err.data, suite_srv.err.len, "Serving HTTP"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, suite_setup, suite_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(get_logged_with_body_size),
		T(big_file_size_logged),
		T(error_logged_after_code_line),
		T(bad_request_logged),
		T(one_line_per_request),
		T(control_characters_escaped),
		T(silent_connection_logs_nothing),
		T(banner_on_stdout_only),
	};

	return cmocka_run_group_tests(tests, suite_group_setup, suite_group_teardown);
}
