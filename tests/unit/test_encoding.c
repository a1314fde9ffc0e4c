/* Unit: Accept-Encoding negotiation and the --compress types (encoding.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "encoding.h"

static void expect(const char *value, unsigned br, unsigned gzip)
{
	struct encoding_accept acc = {12345, 12345};
	encoding_parse_accept(value, &acc);
	if (acc.br != br || acc.gzip != gzip)
		fail_msg("\"%s\": br %u gzip %u, want br %u gzip %u", value ? value : "(null)",
			 acc.br, acc.gzip, br, gzip);
}

static void test_absent_or_identity(void **state)
{
	(void)state;
	expect(NULL, 0, 0); /* no header: identity only (see encoding.h) */
	expect("", 0, 0);
	expect("identity", 0, 0);
	expect("deflate, compress", 0, 0);
}

static void test_plain_lists(void **state)
{
	(void)state;
	expect("gzip", 0, 1000);
	expect("br", 1000, 0);
	expect("gzip, deflate, br", 1000, 1000); /* what browsers send */
	expect("gzip, deflate, br, zstd", 1000, 1000);
	expect("GZIP, Br", 1000, 1000);
	expect("x-gzip", 0, 1000);
	expect(",,gzip,,", 0, 1000);
}

static void test_weights(void **state)
{
	(void)state;
	expect("gzip;q=0.5, br;q=0.8", 800, 500);
	expect("gzip ; q=0.001", 0, 1);
	expect("gzip;Q=0.5", 0, 500);
	expect("gzip;q=1", 0, 1000);
	expect("gzip;q=1.000", 0, 1000);
	expect("gzip;q=0.", 0, 0);
	expect("br;q=0, gzip", 0, 1000);
	expect("gzip;q=0", 0, 0);
	expect("gzip;q=0.000", 0, 0);
}

static void test_star(void **state)
{
	(void)state;
	expect("*", 1000, 1000);
	expect("*;q=0.3", 300, 300);
	expect("*;q=0, gzip", 0, 1000);
	expect("gzip;q=0, *", 1000, 0); /* a named coding beats the star */
	expect("br, *;q=0", 1000, 0);
}

static void test_malformed_elements_skipped(void **state)
{
	(void)state;
	expect("gzip;q=1.5", 0, 0);
	expect("gzip;q=2", 0, 0);
	expect("gzip;q=0.0001", 0, 0);
	expect("gzip;q=abc, br", 1000, 0);
	expect("gzip;level=9", 0, 0);
	expect("gzip br", 0, 0);
	expect("\"gzip\", br", 1000, 0);
	expect("gzip;", 0, 0);
}

static void test_compressible_types(void **state)
{
	static const char *const yes[] = {
		"text/html", "text/css", "text/javascript", "application/javascript",
		"application/json", "image/svg+xml", "text/plain", "text/xml",
		"application/xml", "text/markdown", "text/html; charset=utf-8", "TEXT/PLAIN",
	};
	static const char *const no[] = {
		"image/png", "application/gzip", "application/octet-stream", "video/mp4",
		"text/htmlx", "text/htm", "", "application/manifest+json",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!encoding_compressible(yes[i]))
			fail_msg("%s should be compressible", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (encoding_compressible(no[i]))
			fail_msg("%s should not be compressible", no[i]);
	assert_false(encoding_compressible(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absent_or_identity),
		cmocka_unit_test(test_plain_lists),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_star),
		cmocka_unit_test(test_malformed_elements_skipped),
		cmocka_unit_test(test_compressible_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
