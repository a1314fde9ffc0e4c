/* Unit tests for utf8: each rule of RFC 3629 at its edges, and whole
 * strings. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "utf8.h"

static size_t len_of(const char *s)
{
	return utf8_seq_len((const unsigned char *)s, strlen(s));
}

static void test_sequences(void **state)
{
	(void)state;
	assert_int_equal(len_of("a"), 1);
	assert_int_equal(len_of("\x7f"), 1);
	assert_int_equal(len_of("\xc3\xa9"), 2);         /* é */
	assert_int_equal(len_of("\xe6\x97\xa5"), 3);     /* 日 */
	assert_int_equal(len_of("\xf0\x9f\x98\x80"), 4); /* U+1F600 */
	assert_int_equal(len_of("\xf4\x8f\xbf\xbf"), 4); /* U+10FFFF */
	assert_int_equal(len_of("\x80"), 0);             /* a continuation alone */
	assert_int_equal(len_of("\xc0\xaf"), 0);         /* overlong '/' */
	assert_int_equal(len_of("\xc1\xbf"), 0);
	assert_int_equal(len_of("\xe0\x80\xaf"), 0);     /* overlong */
	assert_int_equal(len_of("\xed\xa0\x80"), 0);     /* surrogate U+D800 */
	assert_int_equal(len_of("\xf0\x80\x80\xaf"), 0); /* overlong */
	assert_int_equal(len_of("\xf4\x90\x80\x80"), 0); /* above U+10FFFF */
	assert_int_equal(len_of("\xf5\x80\x80\x80"), 0);
	assert_int_equal(len_of("\xff"), 0);
	assert_int_equal(len_of("\xc3"), 0);             /* cut short */
	assert_int_equal(len_of("\xe6\x97"), 0);
	assert_int_equal(len_of("\xc3("), 0);            /* not a continuation */
}

static void test_strings(void **state)
{
	(void)state;
	assert_true(utf8_valid(""));
	assert_true(utf8_valid("café/日本/😀.txt"));
	assert_false(utf8_valid("bad\xffname"));
	assert_false(utf8_valid("caf\xc3"));
	assert_false(utf8_valid("\xed\xa0\x80"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequences),
		cmocka_unit_test(test_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
