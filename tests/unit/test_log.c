/* Unit tests for log_escape: whatever bytes a client sends, what the
 * log writes is valid UTF-8 with nothing a terminal acts on. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "log.h"

static char out[256];

static const char *esc(const char *in, size_t len, unsigned flags)
{
	size_t n = log_escape(out, sizeof(out) - 1, in, len, flags);
	out[n] = '\0';
	return out;
}

#define ESC(lit) esc((lit), sizeof(lit) - 1, LOG_ESCAPE_QUOTES)

static void plain_text_and_utf8_unchanged(void **state)
{
	(void)state;
	assert_string_equal(ESC("GET /caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
			    "GET /caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* U+00A0, just past the C1 range, is a character like any other. */
	assert_string_equal(ESC("\xc2\xa0"), "\xc2\xa0");
}

static void c0_controls_and_del_escaped(void **state)
{
	(void)state;
	assert_string_equal(ESC("a\x1b[31mb\x7f\x01\t\r\n"), "a\\x1b[31mb\\x7f\\x01\\x09\\x0d\\x0a");
	assert_string_equal(esc("\0x", 2, 0), "\\x00x");
}

/* U+009B (8-bit CSI) and the rest of C1, as the bytes that came. */
static void c1_controls_escaped_as_their_bytes(void **state)
{
	(void)state;
	assert_string_equal(ESC("/\xc2\x9b" "31mRED"), "/\\xc2\\x9b31mRED");
	assert_string_equal(ESC("\xc2\x80\xc2\x9f"), "\\xc2\\x80\\xc2\\x9f");
}

static void bidi_and_separators_escaped(void **state)
{
	(void)state;
	assert_string_equal(ESC("a\xe2\x80\xae" "b"), "a\\xe2\\x80\\xaeb");
	assert_string_equal(ESC("\xe2\x80\xa8"), "\\xe2\\x80\\xa8");
	assert_string_equal(ESC("\xe2\x81\xa6"), "\\xe2\\x81\\xa6");
	assert_string_equal(ESC("\xe2\x80\x94"), "\xe2\x80\x94"); /* em dash stays */
}

static void invalid_utf8_escaped_bytewise(void **state)
{
	(void)state;
	assert_string_equal(ESC("\xff\xfe"), "\\xff\\xfe");
	assert_string_equal(ESC("x\xc3"), "x\\xc3");              /* cut short */
	assert_string_equal(ESC("\xc0\xaf"), "\\xc0\\xaf");        /* overlong '/' */
	assert_string_equal(ESC("\xed\xa0\x80"), "\\xed\\xa0\\x80"); /* surrogate */
	assert_string_equal(ESC("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
	assert_string_equal(ESC("\xe2\x82" "A"), "\\xe2\\x82" "A");
}

static void quotes_only_when_asked(void **state)
{
	(void)state;
	assert_string_equal(ESC("a\"b\\c"), "a\\x22b\\x5cc");
	assert_string_equal(esc("a\"b\\c", 5, 0), "a\"b\\c");
}

/* Out of room: whole characters or nothing, never half an escape or
 * half a UTF-8 sequence. */
static void never_cuts_a_character(void **state)
{
	(void)state;
	char small[6];
	assert_int_equal(log_escape(small, 5, "ab\x1b", 3, 0), 2);
	assert_int_equal(log_escape(small, 6, "ab\x1b", 3, 0), 6);
	assert_int_equal(log_escape(small, 3, "a\xe2\x82\xac", 4, 0), 1);
	assert_int_equal(log_escape(small, 4, "a\xe2\x82\xac", 4, 0), 4);
	assert_int_equal(log_escape(small, 0, "a", 1, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_text_and_utf8_unchanged),
		cmocka_unit_test(c0_controls_and_del_escaped),
		cmocka_unit_test(c1_controls_escaped_as_their_bytes),
		cmocka_unit_test(bidi_and_separators_escaped),
		cmocka_unit_test(invalid_utf8_escaped_bytewise),
		cmocka_unit_test(quotes_only_when_asked),
		cmocka_unit_test(never_cuts_a_character),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
