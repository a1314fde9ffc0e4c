/* Integration: no control character reaches a terminal. U+009B (the
 * 8-bit CSI), ESC, DEL and bytes that are not UTF-8, in the target, the
 * User-Agent and the Referer, reach the log as \xHH in every
 * --log-format, with --trace on; and all of stderr is valid UTF-8 with
 * no control character but the newlines that end lines (checked with the
 * C library's own decoder, not the server's). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wchar.h>
#include <wctype.h>

#include "harness.h"

static void start(const char *format)
{
	const char *extra[] = {"--log-format", format, "--trace", NULL};
	assert_int_equal(harness_start(&suite_srv, suite_fx.root, extra), 0);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void wait_for_text(const char *text)
{
	long long deadline = now_ms() + HARNESS_WAIT_MS;
	while (!harness_contains(suite_srv.err.data, suite_srv.err.len, text)) {
		if (now_ms() > deadline)
			fail_msg("not in the log: %s\n--- stderr:\n%.*s", text,
				 (int)suite_srv.err.len, suite_srv.err.data ? suite_srv.err.data : "");
		harness_pump(20);
	}
}

static int send_raw(const char *req)
{
	struct http_reply r;
	assert_rc_ok(client_exchange(suite_srv.port, req, strlen(req), false, &r));
	int status = r.status;
	reply_free(&r);
	return status;
}

/* Valid UTF-8 throughout, and no C0, DEL or C1 control but '\n'. */
static void assert_terminal_safe(const char *data, size_t len)
{
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	assert_non_null(setlocale(LC_CTYPE, "C.UTF-8"));
	for (size_t i = 0; i < len;) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, data + i, len - i, &st);
		if (n == (size_t)-1 || n == (size_t)-2)
			fail_msg("not UTF-8 at byte %zu: %.40s", i, data + i);
		if (n == 0)
			fail_msg("NUL at byte %zu", i);
		if (wc != L'\n' && (iswcntrl((wint_t)wc) || (wc >= 0x80 && wc <= 0x9f)))
			fail_msg("control U+%04X at byte %zu", (unsigned)wc, i);
		i += n;
	}
}

static void hostile_bytes_escaped(const char *format)
{
	start(format);
	assert_int_equal(send_raw("GET /\xc2\x9b" "31mRED HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
	wait_for_text("GET /\\xc2\\x9b31mRED HTTP/1.1");
	assert_int_equal(send_raw("GET /\x1b[31mESC HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
	wait_for_text("GET /\\x1b[31mESC HTTP/1.1");
	assert_int_equal(send_raw("GET /del\x7f HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
	wait_for_text("GET /del\\x7f HTTP/1.1");
	assert_int_equal(send_raw("GET /bad\xff\xfe\xc3 HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
	wait_for_text("GET /bad\\xff\\xfe\\xc3 HTTP/1.1");
	/* obs-text is allowed in field values: these reach the handler. */
	assert_int_equal(send_raw("GET /hello.txt HTTP/1.1\r\nHost: x\r\n"
				  "User-Agent: ua\xc2\x9b" "31m\xff\r\n"
				  "Referer: ref\xc2\x9bx\xc3\r\nConnection: close\r\n\r\n"),
			 200);
	if (strcmp(format, "combined") == 0)
		wait_for_text("\"ref\\xc2\\x9bx\\xc3\" \"ua\\xc2\\x9b31m\\xff\"");
	else
		wait_for_text("GET /hello.txt HTTP/1.1\" 200");
	/* ESC and DEL in a field value are refused; what was logged of the
	 * value is still escaped. */
	assert_int_equal(send_raw("GET /hello.txt HTTP/1.1\r\nHost: x\r\n"
				  "Referer: r\x1b[2J\r\nUser-Agent: u\x7f\r\n\r\n"),
			 400);
	assert_int_equal(send_raw("GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
			 404);
	wait_for_text("GET /last HTTP/1.1");
	assert_terminal_safe(suite_srv.err.data, suite_srv.err.len);
}

static void python_format(void **state)
{
	(void)state;
	hostile_bytes_escaped("python");
	/* python's error line quotes the request line too. */
	wait_for_text("code 400, message Bad request syntax ('GET /\\x1b[31mESC HTTP/1.1')");
}

static void common_format(void **state)
{
	(void)state;
	hostile_bytes_escaped("common");
}

static void combined_format(void **state)
{
	(void)state;
	hostile_bytes_escaped("combined");
}

#define T(f) cmocka_unit_test_teardown(f, suite_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(python_format),
		T(common_format),
		T(combined_format),
	};
	return cmocka_run_group_tests(tests, suite_group_setup, suite_group_teardown);
}
