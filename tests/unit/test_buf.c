/* Unit tests for buf: growth, formatting, HTML escaping, and the sticky
 * failure flag callers rely on to check only once. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "buf.h"

#define BIG_LEN 100000

/* AddressSanitizer aborts on an impossible allocation instead of
 * returning NULL, so the test of that path only runs without it. */
#if defined(__SANITIZE_ADDRESS__)
#define BUF_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BUF_TEST_ASAN 1
#endif
#endif
#ifndef BUF_TEST_ASAN
#define BUF_TEST_ASAN 0
#endif

static void assert_buf_eq(const struct buf *b, const char *want, size_t len)
{
	assert_true(buf_ok(b));
	assert_int_equal(b->len, len);
	assert_true(b->cap >= b->len);
	if (len)
		assert_memory_equal(b->data, want, len);
}

static void test_init_is_empty_and_ok(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_true(buf_ok(&b));
	buf_free(&b);
	/* A second free of a freed buffer is harmless. */
	buf_free(&b);
	assert_null(b.data);
	assert_true(buf_ok(&b));
}

static void test_append_and_append_str(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	buf_append(&b, "abc", 3);
	buf_append_str(&b, "def");
	buf_append_str(&b, "");
	buf_append(&b, NULL, 0);
	assert_buf_eq(&b, "abcdef", 6);
	buf_free(&b);
}

static void test_append_nothing_allocates_nothing(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	buf_append(&b, NULL, 0);
	buf_append_str(&b, "");
	buf_append_html(&b, "", 0, true);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_true(buf_ok(&b));
	buf_free(&b);
}

static void test_append_keeps_nul_bytes(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	buf_append(&b, "a\0b", 3);
	buf_append(&b, "\0", 1);
	assert_buf_eq(&b, "a\0b\0", 4);
	buf_free(&b);
}

static void test_grows_byte_by_byte(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < 5000; i++) {
		char c = (char)('a' + i % 26);
		buf_append(&b, &c, 1);
	}
	assert_true(buf_ok(&b));
	assert_int_equal(b.len, 5000);
	for (size_t i = 0; i < 5000; i++)
		assert_int_equal(b.data[i], 'a' + i % 26);
	buf_free(&b);
}

static void test_grows_in_one_big_append(void **state)
{
	(void)state;
	static char big[BIG_LEN];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	struct buf b;
	buf_init(&b);
	buf_append(&b, "x", 1);
	buf_append(&b, big, sizeof(big));
	assert_true(buf_ok(&b));
	assert_int_equal(b.len, 1 + sizeof(big));
	assert_int_equal(b.data[0], 'x');
	assert_memory_equal(b.data + 1, big, sizeof(big));
	buf_free(&b);
}

static void test_printf_formats_and_appends(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	buf_append_str(&b, "<");
	buf_printf(&b, "%d-%s-%zu", -42, "x", (size_t)7);
	buf_append_str(&b, ">");
	assert_buf_eq(&b, "<-42-x-7>", 9);
	buf_free(&b);
}

static void test_printf_empty_result(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	buf_append_str(&b, "ab");
	buf_printf(&b, "%s", "");
	buf_append_str(&b, "c");
	assert_buf_eq(&b, "abc", 3);
	buf_free(&b);
}

static void test_printf_longer_than_first_allocation(void **state)
{
	(void)state;
	static char s[3001];
	memset(s, 'q', sizeof(s) - 1);
	struct buf b;
	buf_init(&b);
	buf_append_str(&b, "head:");
	buf_printf(&b, "%s|%s", s, s);
	assert_true(buf_ok(&b));
	assert_int_equal(b.len, 5 + 3000 + 1 + 3000);
	assert_memory_equal(b.data, "head:", 5);
	assert_memory_equal(b.data + 5, s, 3000);
	assert_int_equal(b.data[5 + 3000], '|');
	assert_memory_equal(b.data + 5 + 3001, s, 3000);
	buf_free(&b);
}

static void test_printf_fills_exactly_to_capacity(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	buf_append(&b, "x", 1);
	size_t room = b.cap - b.len;
	/* Output that fits exactly, then one that needs the byte vsnprintf
	 * reserves for its terminator. */
	buf_printf(&b, "%*s", (int)room - 1, "");
	buf_printf(&b, "%s", "y");
	buf_printf(&b, "%s", "z");
	assert_true(buf_ok(&b));
	assert_int_equal(b.len, 1 + (room - 1) + 2);
	assert_int_equal(b.data[b.len - 2], 'y');
	assert_int_equal(b.data[b.len - 1], 'z');
	buf_free(&b);
}

static void test_html_without_quote(void **state)
{
	(void)state;
	const char *in = "a&b<c>d\"e'f&&";
	struct buf b;
	buf_init(&b);
	buf_append_html(&b, in, strlen(in), false);
	const char *want = "a&amp;b&lt;c&gt;d\"e'f&amp;&amp;";
	assert_buf_eq(&b, want, strlen(want));
	buf_free(&b);
}

static void test_html_with_quote(void **state)
{
	(void)state;
	const char *in = "a&b<c>d\"e'f";
	struct buf b;
	buf_init(&b);
	buf_append_html(&b, in, strlen(in), true);
	const char *want = "a&amp;b&lt;c&gt;d&quot;e&#x27;f";
	assert_buf_eq(&b, want, strlen(want));
	buf_free(&b);
}

static void test_html_edges(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	/* Only specials, a plain run, an already-escaped entity (escaped
	 * again, as python does), UTF-8 untouched. */
	buf_append_html(&b, "<>", 2, false);
	buf_append_html(&b, "plain", 5, false);
	buf_append_html(&b, "&amp;", 5, false);
	buf_append_html(&b, "caf\xc3\xa9", 5, true);
	const char *want = "&lt;&gt;plain&amp;amp;caf\xc3\xa9";
	assert_buf_eq(&b, want, strlen(want));
	buf_free(&b);
}

static void test_html_uses_len_not_nul(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	/* Stops at len even mid-string; carries on past a NUL inside len. */
	buf_append_html(&b, "ab<cd", 3, false);
	buf_append_html(&b, "x\0<", 3, false);
	assert_buf_eq(&b, "ab&lt;x\0&lt;", 12);
	buf_free(&b);
}

static void test_failure_is_sticky(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	buf_append_str(&b, "keep");
	b.failed = true;
	buf_append_str(&b, "lost");
	buf_printf(&b, "%s", "lost");
	buf_append_html(&b, "<lost>", 6, false);
	assert_false(buf_ok(&b));
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.data, "keep", 4);
	buf_free(&b);
	assert_true(buf_ok(&b));
	assert_null(b.data);
}

static void test_length_overflow_fails_cleanly(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	buf_append_str(&b, "12345");
	/* len + extra wraps around: must fail before any copy. */
	buf_append(&b, "x", SIZE_MAX);
	assert_false(buf_ok(&b));
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "12345", 5);
	buf_append_str(&b, "more");
	assert_int_equal(b.len, 5);
	buf_free(&b);
}

static void test_impossible_allocation_fails_cleanly(void **state)
{
	(void)state;
	if (BUF_TEST_ASAN || SIZE_MAX <= UINT32_MAX)
		skip();
	struct buf b;
	buf_init(&b);
	buf_append_str(&b, "ab");
	/* No machine can give 2^62 bytes (the doubled capacity asked for);
	 * realloc fails, nothing is copied. */
	buf_append(&b, "x", SIZE_MAX / 8 + 1);
	assert_false(buf_ok(&b));
	assert_int_equal(b.len, 2);
	assert_memory_equal(b.data, "ab", 2);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_is_empty_and_ok),
		cmocka_unit_test(test_append_and_append_str),
		cmocka_unit_test(test_append_nothing_allocates_nothing),
		cmocka_unit_test(test_append_keeps_nul_bytes),
		cmocka_unit_test(test_grows_byte_by_byte),
		cmocka_unit_test(test_grows_in_one_big_append),
		cmocka_unit_test(test_printf_formats_and_appends),
		cmocka_unit_test(test_printf_empty_result),
		cmocka_unit_test(test_printf_longer_than_first_allocation),
		cmocka_unit_test(test_printf_fills_exactly_to_capacity),
		cmocka_unit_test(test_html_without_quote),
		cmocka_unit_test(test_html_with_quote),
		cmocka_unit_test(test_html_edges),
		cmocka_unit_test(test_html_uses_len_not_nul),
		cmocka_unit_test(test_failure_is_sticky),
		cmocka_unit_test(test_length_overflow_fails_cleanly),
		cmocka_unit_test(test_impossible_allocation_fails_cleanly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
