/* Unit: Range header parsing and policy, and If-Range (range.c). The
 * RFC 9110 14.1.2 examples use a 10000-byte representation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "range.h"

#define SIZE 10000u

/* Parse value against size and check the result and the ranges, given
 * as pairs first, last. */
static void expect(const char *value, uint64_t size, enum range_result want, unsigned n, ...)
{
	struct range_set set;
	enum range_result got = range_parse(value, size, &set);
	if (got != want)
		fail_msg("\"%s\" (size %llu): result %d, want %d", value ? value : "(null)",
			 (unsigned long long)size, (int)got, (int)want);
	assert_int_equal(set.n, n);
	va_list ap;
	va_start(ap, n);
	for (unsigned i = 0; i < n; i++) {
		uint64_t first = va_arg(ap, uint64_t);
		uint64_t last = va_arg(ap, uint64_t);
		if (set.r[i].first != first || set.r[i].last != last)
			fail_msg("\"%s\" part %u: %llu-%llu, want %llu-%llu", value, i,
				 (unsigned long long)set.r[i].first,
				 (unsigned long long)set.r[i].last, (unsigned long long)first,
				 (unsigned long long)last);
	}
	va_end(ap);
}

#define U(x) ((uint64_t)(x))
#define IGNORED(v) expect((v), SIZE, RANGE_IGNORE, 0)
#define UNSAT(v) expect((v), SIZE, RANGE_UNSATISFIABLE, 0)
#define ONE(v, a, b) expect((v), SIZE, RANGE_PARTIAL, 1, U(a), U(b))

static void test_rfc9110_examples(void **state)
{
	(void)state;
	ONE("bytes=0-499", 0, 499);       /* the first 500 bytes */
	ONE("bytes=500-999", 500, 999);   /* the second 500 bytes */
	ONE("bytes=-500", 9500, 9999);    /* the final 500 bytes */
	ONE("bytes=9500-", 9500, 9999);   /* the same, open-ended */
	expect("bytes=0-0,-1", SIZE, RANGE_PARTIAL, 2, U(0), U(0), U(9999), U(9999));
	expect("bytes= 0-999, 4500-5499, -1000", SIZE, RANGE_PARTIAL, 3, U(0), U(999),
	       U(4500), U(5499), U(9000), U(9999));
	/* Adjacent and overlapping are legal: sent as asked (nginx too),
	 * since together they are not longer than the file. */
	expect("bytes=500-600,601-999", SIZE, RANGE_PARTIAL, 2, U(500), U(600), U(601), U(999));
	expect("bytes=500-700,601-999", SIZE, RANGE_PARTIAL, 2, U(500), U(700), U(601), U(999));
}

static void test_single_byte_and_zero_suffix(void **state)
{
	(void)state;
	ONE("bytes=0-0", 0, 0);
	ONE("bytes=9999-9999", 9999, 9999);
	ONE("bytes=-1", 9999, 9999);
	UNSAT("bytes=-0"); /* no bytes at all */
	UNSAT("bytes=-00000");
}

static void test_last_before_first_is_invalid(void **state)
{
	(void)state;
	IGNORED("bytes=5-2");
	IGNORED("bytes=0-1,5-2"); /* one bad spec spoils the header */
	ONE("bytes=5-5", 5, 5);
}

static void test_past_the_end(void **state)
{
	(void)state;
	UNSAT("bytes=10000-");
	UNSAT("bytes=10000-10000");
	UNSAT("bytes=20000-30000");
	ONE("bytes=9999-20000", 9999, 9999);
	ONE("bytes=0-99999", 0, 9999);
	ONE("bytes=-20000", 0, 9999); /* suffix longer than the file: all of it */
	ONE("bytes=0-1,20000-", 0, 1); /* unsatisfiable specs are skipped */
	UNSAT("bytes=20000-,30000-,-0");
}

static void test_amplification_whole_file(void **state)
{
	(void)state;
	IGNORED("bytes=0-,0-");
	IGNORED("bytes=0-5000,5000-"); /* 10001 bytes asked of 10000 */
	IGNORED("bytes=-6000,0-4000");
	expect("bytes=0-4999,5000-", SIZE, RANGE_PARTIAL, 2, U(0), U(4999), U(5000), U(9999));
	ONE("bytes=0-", 0, 9999); /* the whole file as one part: 206 */
}

static void test_sixteen_ranges_at_most(void **state)
{
	char v[512];
	size_t n = (size_t)snprintf(v, sizeof(v), "bytes=");
	struct range_set set;

	(void)state;
	for (int i = 0; i < 16; i++)
		n += (size_t)snprintf(v + n, sizeof(v) - n, "%s%d-%d", i ? "," : "", i * 10,
				      i * 10);
	assert_int_equal(range_parse(v, SIZE, &set), RANGE_PARTIAL);
	assert_int_equal(set.n, 16);
	assert_int_equal(set.r[15].first, 150);
	snprintf(v + n, sizeof(v) - n, ",500-500");
	assert_int_equal(range_parse(v, SIZE, &set), RANGE_IGNORE);
	assert_int_equal(set.n, 0);
	/* Unsatisfiable specs count too: they still cost parsing. */
	snprintf(v + n, sizeof(v) - n, ",90000-");
	assert_int_equal(range_parse(v, SIZE, &set), RANGE_IGNORE);
}

static void test_overflowing_numbers(void **state)
{
	(void)state;
	UNSAT("bytes=99999999999999999999999999-");
	UNSAT("bytes=18446744073709551615-");
	UNSAT("bytes=18446744073709551616-18446744073709551617"); /* both saturate */
	ONE("bytes=0-99999999999999999999999999", 0, 9999);
	ONE("bytes=0-18446744073709551615", 0, 9999);
	ONE("bytes=-99999999999999999999999999", 0, 9999);
	IGNORED("bytes=99999999999999999999999999-5"); /* last < first */
	/* A file near the top of off_t. */
	expect("bytes=-1", UINT64_C(9223372036854775807), RANGE_PARTIAL, 1,
	       UINT64_C(9223372036854775806), UINT64_C(9223372036854775806));
	expect("bytes=9223372036854775806-", UINT64_C(9223372036854775807), RANGE_PARTIAL, 1,
	       UINT64_C(9223372036854775806), UINT64_C(9223372036854775806));
}

static void test_whitespace(void **state)
{
	(void)state;
	expect("bytes=0-1 , 3-4", SIZE, RANGE_PARTIAL, 2, U(0), U(1), U(3), U(4));
	expect("bytes=0-1,\t3-4\t", SIZE, RANGE_PARTIAL, 2, U(0), U(1), U(3), U(4));
	ONE("bytes= 0-1", 0, 1); /* RFC 9110's own example has this space */
	IGNORED("bytes =0-1");
	IGNORED("bytes = 0-1");
	IGNORED(" bytes=0-1");
	IGNORED("bytes=0 -1");
	IGNORED("bytes=0- 1");
	IGNORED("bytes=- 1");
	IGNORED("bytes=0-1 3-4");
}

static void test_units_and_empty_sets(void **state)
{
	(void)state;
	IGNORED(NULL);
	IGNORED("");
	IGNORED("bytes");
	IGNORED("bytes=");
	IGNORED("bytes=,");
	IGNORED("bytes= , ,");
	IGNORED("items=0-1");
	IGNORED("byte=0-1");
	IGNORED("bytesx=0-1");
	IGNORED("none");
	ONE("Bytes=0-1", 0, 1); /* the unit is case-insensitive */
	ONE("BYTES=0-1", 0, 1);
	expect("bytes=,,0-1,,", SIZE, RANGE_PARTIAL, 1, U(0), U(1)); /* empty elements */
}

static void test_garbage(void **state)
{
	(void)state;
	IGNORED("bytes=-");
	IGNORED("bytes=a-b");
	IGNORED("bytes=1-2-3");
	IGNORED("bytes=+1-2");
	IGNORED("bytes=0x10-20");
	IGNORED("bytes=1");
	IGNORED("bytes=--1");
	IGNORED("bytes=1-2;x");
	IGNORED("bytes=0-1,a");
	IGNORED("bytes=\xff-1");
}

static void test_tiny_and_empty_files(void **state)
{
	(void)state;
	expect("bytes=0-", 0, RANGE_IGNORE, 0);   /* nothing to point at */
	expect("bytes=-1", 0, RANGE_IGNORE, 0);
	expect("bytes=0-0", 0, RANGE_IGNORE, 0);
	expect("bytes=0-0", 1, RANGE_PARTIAL, 1, U(0), U(0));
	expect("bytes=-5", 1, RANGE_PARTIAL, 1, U(0), U(0));
	expect("bytes=1-", 1, RANGE_UNSATISFIABLE, 0);
	expect("bytes=0-0,0-0", 1, RANGE_IGNORE, 0); /* two bytes of one */
}

/* ---- If-Range ------------------------------------------------------------ */

#define ETAG "\"1a-2b-3c.4d\""
#define MTIME ((time_t)1000000000) /* Sun, 09 Sep 2001 01:46:40 GMT */
#define MTIME_TEXT "Sun, 09 Sep 2001 01:46:40 GMT"

static void test_if_range_etag(void **state)
{
	(void)state;
	assert_true(range_if_range_holds(ETAG, ETAG, MTIME, MTIME + 100));
	assert_false(range_if_range_holds("\"1a-2b-3c.4e\"", ETAG, MTIME, MTIME + 100));
	/* Weak tags never match for If-Range (strong comparison). */
	assert_false(range_if_range_holds("W/" ETAG, ETAG, MTIME, MTIME + 100));
	assert_false(range_if_range_holds(ETAG, "W/" ETAG, MTIME, MTIME + 100));
	assert_false(range_if_range_holds("\"1a-2b-3c.4d", ETAG, MTIME, MTIME + 100));
	assert_false(range_if_range_holds(ETAG ", " ETAG, ETAG, MTIME, MTIME + 100));
	assert_false(range_if_range_holds("*", ETAG, MTIME, MTIME + 100));
}

static void test_if_range_date(void **state)
{
	(void)state;
	assert_true(range_if_range_holds(MTIME_TEXT, ETAG, MTIME, MTIME + 1));
	assert_true(range_if_range_holds("Sunday, 09-Sep-01 01:46:40 GMT", ETAG, MTIME,
					 MTIME + 100));
	/* Must be an exact match: a later date is not good enough. */
	assert_false(range_if_range_holds("Sun, 09 Sep 2001 01:46:41 GMT", ETAG, MTIME,
					  MTIME + 100));
	assert_false(range_if_range_holds("Sun, 09 Sep 2001 01:46:39 GMT", ETAG, MTIME,
					  MTIME + 100));
	/* Modified within the current second: a weak validator (8.8.2.2). */
	assert_false(range_if_range_holds(MTIME_TEXT, ETAG, MTIME, MTIME));
	assert_false(range_if_range_holds("yesterday", ETAG, MTIME, MTIME + 100));
	assert_false(range_if_range_holds("", ETAG, MTIME, MTIME + 100));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc9110_examples),
		cmocka_unit_test(test_single_byte_and_zero_suffix),
		cmocka_unit_test(test_last_before_first_is_invalid),
		cmocka_unit_test(test_past_the_end),
		cmocka_unit_test(test_amplification_whole_file),
		cmocka_unit_test(test_sixteen_ranges_at_most),
		cmocka_unit_test(test_overflowing_numbers),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_units_and_empty_sets),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_tiny_and_empty_files),
		cmocka_unit_test(test_if_range_etag),
		cmocka_unit_test(test_if_range_date),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
