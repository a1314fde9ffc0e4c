#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpdate.h"

#define RFC_EXAMPLE_TIME 784111777

static const char *const rfc_examples[] = {
	"Sun, 06 Nov 1994 08:49:37 GMT",
	"Sunday, 06-Nov-94 08:49:37 GMT",
	"Sun Nov  6 08:49:37 1994",
};

static int parse(const char *s, time_t *t)
{
	return httpdate_parse(s, strlen(s), t);
}

static void expect_time(const char *s, long long want)
{
	time_t t = 0;
	assert_int_equal(parse(s, &t), 0);
	assert_int_equal((long long)t, want);
}

static void expect_malformed(const char *s)
{
	time_t t = 12345;
	assert_int_equal(parse(s, &t), -1);
	assert_int_equal((long long)t, 12345); /* untouched */
}

static void test_rfc_examples(void **state)
{
	(void)state;
	for (size_t i = 0; i < 3; i++)
		expect_time(rfc_examples[i], RFC_EXAMPLE_TIME);
	expect_time("Sun Nov 06 08:49:37 1994", RFC_EXAMPLE_TIME);
}

static void test_whitespace(void **state)
{
	(void)state;
	expect_time("  Sun, 06 Nov 1994 08:49:37 GMT", RFC_EXAMPLE_TIME);
	expect_time("Sun, 06 Nov 1994 08:49:37 GMT \t ", RFC_EXAMPLE_TIME);
	expect_time("\tSun Nov  6 08:49:37 1994\t", RFC_EXAMPLE_TIME);
	expect_malformed("Sun,  06 Nov 1994 08:49:37 GMT");
	expect_malformed("Sun, 06 Nov 1994  08:49:37 GMT");
	expect_malformed("Sun, 06 Nov 1994 08:49:37 GMT\r\n");
	expect_malformed("\nSun, 06 Nov 1994 08:49:37 GMT");
	expect_malformed("Sun, 06\tNov 1994 08:49:37 GMT");
	expect_malformed("Sun Nov 6 08:49:37 1994");
	expect_malformed("Sun Nov  06 08:49:37 1994");
}

static void test_not_nul_terminated(void **state)
{
	const char *s = "Sun, 06 Nov 1994 08:49:37 GMTjunk";
	time_t t;
	(void)state;
	assert_int_equal(httpdate_parse(s, HTTPDATE_LEN, &t), 0);
	assert_int_equal((long long)t, RFC_EXAMPLE_TIME);
	assert_int_equal(httpdate_parse(s, strlen(s), &t), -1);
	assert_int_equal(httpdate_parse(s, 0, &t), -1);
	assert_int_equal(httpdate_parse(NULL, 0, &t), -1);
}

static void expect_format(long long t, const char *want)
{
	char out[HTTPDATE_LEN + 1];
	memset(out, 'x', sizeof(out));
	httpdate_format((time_t)t, out);
	assert_string_equal(out, want);
}

static void test_format(void **state)
{
	(void)state;
	expect_format(RFC_EXAMPLE_TIME, "Sun, 06 Nov 1994 08:49:37 GMT");
	expect_format(0, "Thu, 01 Jan 1970 00:00:00 GMT");
	expect_format(-1, "Wed, 31 Dec 1969 23:59:59 GMT");
	expect_format(2147483647LL, "Tue, 19 Jan 2038 03:14:07 GMT");
	expect_format(2147483648LL, "Tue, 19 Jan 2038 03:14:08 GMT");
	expect_format(951782400LL, "Tue, 29 Feb 2000 00:00:00 GMT");
	expect_format(4102444800LL, "Fri, 01 Jan 2100 00:00:00 GMT");
}

static void test_format_extremes(void **state)
{
	char out[HTTPDATE_LEN + 1];
	(void)state;
	/* clamped so that every field keeps its width */
	expect_format(253402214399LL, "Thu, 30 Dec 9999 23:59:59 GMT");
	expect_format(253402300799LL * 4, "Thu, 30 Dec 9999 23:59:59 GMT");
	expect_format(-62135510400LL, "Tue, 02 Jan 0001 00:00:00 GMT");
	expect_format(-62135596800LL * 4, "Tue, 02 Jan 0001 00:00:00 GMT");
	httpdate_format((time_t)INT64_MAX, out);
	assert_int_equal(strlen(out), HTTPDATE_LEN);
	httpdate_format((time_t)INT64_MIN, out);
	assert_int_equal(strlen(out), HTTPDATE_LEN);
}

static void round_trip(long long t)
{
	char out[HTTPDATE_LEN + 1];
	time_t back = 0;
	httpdate_format((time_t)t, out);
	assert_int_equal(strlen(out), HTTPDATE_LEN);
	assert_int_equal(httpdate_parse(out, strlen(out), &back), 0);
	assert_int_equal((long long)back, t);
}

static void test_round_trip(void **state)
{
	static const long long fixed[] = {
		0, 1, -1, 59, 86399, 86400, RFC_EXAMPLE_TIME, 951782400LL,
		2147483647LL, 2147483648LL, 4102444800LL, 4294967296LL,
		253402214399LL, -2208988800LL, /* 1900-01-01 */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		round_trip(fixed[i]);
	/* every 7h 13m 17s over two centuries, through leap days and 2038 */
	for (long long t = -2208988800LL; t < 4200000000LL; t += 25997)
		round_trip(t);
}

static void test_leap_years(void **state)
{
	(void)state;
	expect_time("Tue, 29 Feb 2000 00:00:00 GMT", 951782400LL);
	expect_time("Thu, 29 Feb 2024 12:00:00 GMT", 1709208000LL);
	expect_malformed("Thu, 29 Feb 1900 00:00:00 GMT");
	expect_malformed("Wed, 29 Feb 2023 00:00:00 GMT");
	expect_malformed("Wed, 30 Feb 2000 00:00:00 GMT");
	expect_malformed("Wed, 31 Apr 2000 00:00:00 GMT");
	expect_time("Sun, 30 Apr 2000 00:00:00 GMT", 957052800LL);
	expect_time("Fri, 31 Dec 1999 23:59:59 GMT", 946684799LL);
}

static void test_leap_second_and_minus_one(void **state)
{
	(void)state;
	/* 60 is allowed by the grammar and lands on the next minute */
	expect_time("Sat, 31 Dec 2016 23:59:60 GMT", 1483228800LL);
	expect_malformed("Sat, 31 Dec 2016 23:59:61 GMT");
	/* the time that timegm's error value also names */
	expect_time("Wed, 31 Dec 1969 23:59:59 GMT", -1);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		" ",
		"garbage",
		"Sun, 06 Nov 1994 08:49:37",
		"Sun, 06 Nov 1994 08:49:37 UTC",
		"Sun, 06 Nov 1994 08:49:37 gmt",
		"Sun, 06 Foo 1994 08:49:37 GMT",
		"Sun, 06 nov 1994 08:49:37 GMT",
		"sun, 06 Nov 1994 08:49:37 GMT",
		"Sux, 06 Nov 1994 08:49:37 GMT",
		"Sun 06 Nov 1994 08:49:37 GMT",
		"Sun, 6 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 94 08:49:37 GMT",
		"Sun, 06 Nov 19944 08:49:37 GMT",
		"Sun, 06 Nov 1994 25:00:00 GMT",
		"Sun, 06 Nov 1994 24:00:00 GMT",
		"Sun, 06 Nov 1994 08:60:00 GMT",
		"Sun, 32 Nov 1994 08:49:37 GMT",
		"Sun, 31 Nov 1994 08:49:37 GMT",
		"Sun, 00 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 8:49:37 GMT",
		"Sun, 06 Nov 1994 08:49 GMT",
		"Sun, 06 Nov 1994 08.49.37 GMT",
		"Sun, 06 Nov 1994 08:49:37 GMT GMT",
		"Sun, -6 Nov 1994 08:49:37 GMT",
		"Sun, +6 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 08:49:3x GMT",
		"Sun, 06 Nov 1994 08:49:37 GMTx",
		"Sun, 06 Nov 1994\v08:49:37 GMT",
		"Sunday, 06 Nov 1994 08:49:37 GMT",
		"Sunday, 06-Nov-1994 08:49:37 GMT",
		"Sunday, 06-nov-94 08:49:37 GMT",
		"Sunday, 06-Nov-94 08:49:37",
		"Sunday 06-Nov-94 08:49:37 GMT",
		"Sun, 06-Nov-94 08:49:37 GMT",
		"Sundae, 06-Nov-94 08:49:37 GMT",
		"Sunday, 32-Nov-94 08:49:37 GMT",
		"Sun Nov  6 08:49:37 94",
		"Sun Nov  6 08:49:37 1994 GMT",
		"Sun Nov 32 08:49:37 1994",
		"Sun Nov  0 08:49:37 1994",
		"Sun Nov  6 25:49:37 1994",
		"Sun, Nov  6 08:49:37 1994",
		"Sunday Nov  6 08:49:37 1994",
		"Sun Nov\t 6 08:49:37 1994",
		"784111777",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_malformed(bad[i]);
	/* an embedded NUL, inside the given length */
	time_t t;
	assert_int_equal(httpdate_parse("Sun, 06 Nov 1994 08:49:37 GMT\0", 30,
					&t), -1);
	assert_int_equal(httpdate_parse("Sun, 06 Nov\0" "994 08:49:37 GMT", 29,
					&t), -1);
}

static void test_truncated(void **state)
{
	(void)state;
	for (size_t i = 0; i < 3; i++) {
		const char *s = rfc_examples[i];
		for (size_t len = 0; len < strlen(s); len++) {
			time_t t = 12345;
			assert_int_equal(httpdate_parse(s, len, &t), -1);
			assert_int_equal((long long)t, 12345);
		}
	}
}

/* Every single-byte change of the three examples either still parses to
 * a valid time or is refused; none crashes or reads past the end. */
static void test_mutations(void **state)
{
	static const char repl[] = " \t,-:0159AZaz\xff";
	char s[40];
	time_t t;
	(void)state;
	for (size_t i = 0; i < 3; i++) {
		size_t len = strlen(rfc_examples[i]);
		for (size_t pos = 0; pos < len; pos++) {
			for (size_t r = 0; r < sizeof(repl) - 1; r++) {
				memcpy(s, rfc_examples[i], len);
				s[pos] = repl[r];
				char *copy = malloc(len);
				assert_non_null(copy);
				memcpy(copy, s, len);
				(void)httpdate_parse(copy, len, &t);
				free(copy);
			}
		}
	}
}

static int current_year(void)
{
	time_t now = time(NULL);
	struct tm tm;
	assert_non_null(gmtime_r(&now, &tm));
	return tm.tm_year + 1900;
}

static long long utc(int year, int mon, int day)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = day;
	return (long long)timegm(&tm);
}

static void expect_rfc850_year(int yy, int year)
{
	char s[64];
	snprintf(s, sizeof(s), "Monday, 01-Jan-%02d 00:00:00 GMT", yy);
	expect_time(s, utc(year, 0, 1));
}

static void test_rfc850_year_rule(void **state)
{
	int cur = current_year();
	(void)state;
	expect_rfc850_year(cur % 100, cur);
	expect_rfc850_year((cur + 10) % 100, cur + 10);
	expect_rfc850_year((cur + 49) % 100, cur + 49);
	/* more than 50 years ahead: the past century */
	expect_rfc850_year((cur + 51) % 100, cur - 49);
	expect_rfc850_year((cur + 60) % 100, cur - 40);
	expect_rfc850_year((cur + 99) % 100, cur - 1);
	expect_rfc850_year((cur - 20 + 100) % 100, cur - 20);
}

static void set_tz(const char *tz)
{
	if (tz)
		assert_int_equal(setenv("TZ", tz, 1), 0);
	else
		assert_int_equal(unsetenv("TZ"), 0);
	tzset();
}

static void expect_logdate(long long t, const char *want)
{
	char out[LOGDATE_LEN + 1];
	memset(out, 'x', sizeof(out));
	logdate_format((time_t)t, out);
	assert_string_equal(out, want);
}

/* RFC 3339: fixed points, the edges of the hand-written range, and a
 * walk over 150 years in steps that hit every month, held to strftime. */
static void expect_rfc3339(long long t, const char *want)
{
	char out[HTTPDATE_RFC3339_MAX];
	size_t len = httpdate_rfc3339((time_t)t, out);
	assert_string_equal(out, want);
	assert_int_equal(len, strlen(want));
}

static void test_rfc3339(void **state)
{
	(void)state;
	expect_rfc3339(0, "1970-01-01T00:00:00Z");
	expect_rfc3339(1000000000, "2001-09-09T01:46:40Z");
	expect_rfc3339(951782400, "2000-02-29T00:00:00Z");
	expect_rfc3339(253402300799LL, "9999-12-31T23:59:59Z");
	expect_rfc3339(253402300800LL, "10000-01-01T00:00:00Z");
	expect_rfc3339(-1, "1969-12-31T23:59:59Z");
	for (long long t = -100000; t < 150LL * 365 * 86400; t += 86400 * 13 + 3607) {
		char want[64], got[HTTPDATE_RFC3339_MAX];
		time_t tt = (time_t)t;
		struct tm tm;
		assert_non_null(gmtime_r(&tt, &tm));
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
		httpdate_rfc3339(tt, got);
		assert_string_equal(got, want);
	}
}

static void test_logdate(void **state)
{
	char out[LOGDATE_LEN + 1];
	(void)state;
	set_tz("UTC0");
	expect_logdate(RFC_EXAMPLE_TIME, "06/Nov/1994 08:49:37");
	expect_logdate(0, "01/Jan/1970 00:00:00");
	expect_logdate(4102444799LL, "31/Dec/2099 23:59:59");
	set_tz("XYZ-2");
	expect_logdate(RFC_EXAMPLE_TIME, "06/Nov/1994 10:49:37");
	set_tz("XYZ+10");
	expect_logdate(RFC_EXAMPLE_TIME, "05/Nov/1994 22:49:37");
	/* clamped, fixed width, in any zone */
	set_tz("XYZ-14");
	logdate_format((time_t)INT64_MAX, out);
	assert_int_equal(strlen(out), LOGDATE_LEN);
	set_tz("XYZ+12");
	logdate_format((time_t)INT64_MIN, out);
	assert_int_equal(strlen(out), LOGDATE_LEN);
	set_tz(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_examples),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_not_nul_terminated),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_extremes),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_leap_years),
		cmocka_unit_test(test_leap_second_and_minus_one),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_rfc850_year_rule),
		cmocka_unit_test(test_logdate),
		cmocka_unit_test(test_rfc3339),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
