/* Unit: Accept and Accept-Encoding weights and the --compress types
 * (negotiate.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "negotiate.h"

static void expect(const char *value, unsigned br, unsigned gzip)
{
	struct negotiate_encodings acc = {12345, 12345};
	negotiate_encodings(value, &acc);
	if (acc.br != br || acc.gzip != gzip)
		fail_msg("\"%s\": br %u gzip %u, want br %u gzip %u", value ? value : "(null)",
			 acc.br, acc.gzip, br, gzip);
}

static void test_absent_or_identity(void **state)
{
	(void)state;
	expect(NULL, 0, 0); /* no header: identity only (see negotiate.h) */
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

#define JSON "application/json"
#define HTML "text/html"

static void accept_weights(void **state)
{
	(void)state;
	assert_int_equal(negotiate_media_weight(JSON, JSON), 1000);
	assert_int_equal(negotiate_media_weight(NULL, JSON), -1);
	assert_int_equal(negotiate_media_weight("", JSON), -1);
	assert_int_equal(negotiate_media_weight("*/*", JSON), -1); /* wildcards do not name it */
	assert_int_equal(negotiate_media_weight("application/*", JSON), -1);
	assert_int_equal(negotiate_media_weight("application/jsonx", JSON), -1);
	assert_int_equal(negotiate_media_weight("application/json;q=0", JSON), 0);
	assert_int_equal(negotiate_media_weight("application/json;q=0.5", JSON), 500);
	assert_int_equal(negotiate_media_weight("application/json ; charset=utf-8 ; q=0.25", JSON), 250);
	assert_int_equal(negotiate_media_weight("APPLICATION/JSON;Q=0.125", JSON), 125);
	assert_int_equal(negotiate_media_weight("application/json;q=1.000", JSON), 1000);
	assert_int_equal(negotiate_media_weight("application/json;q=7", JSON), -1); /* malformed: skipped */
	assert_int_equal(negotiate_media_weight("text/plain, application/json;q=0.9", JSON), 900);
}

static void browser_accept_prefers_html(void **state)
{
	(void)state;
	const char *chrome = "text/html,application/xhtml+xml,application/xml;q=0.9,"
			     "image/avif,image/webp,*/*;q=0.8";
	assert_int_equal(negotiate_media_weight(chrome, HTML), 1000);
	assert_int_equal(negotiate_media_weight(chrome, JSON), -1);
}

static void accept_and_encoding_read_weights_alike(void **state)
{
	static const char *const q[] = {"q=abc", "q=1.5", "q=2", "q=0.0001", "q=", "q=.5"};
	(void)state;
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		char accept[64], coding[64];
		snprintf(accept, sizeof(accept), "application/json;%s", q[i]);
		snprintf(coding, sizeof(coding), "gzip;%s", q[i]);
		struct negotiate_encodings acc = {1, 1};
		negotiate_encodings(coding, &acc);
		if (negotiate_media_weight(accept, JSON) != -1 || acc.gzip != 0)
			fail_msg("%s: not skipped by both", q[i]);
	}
	assert_int_equal(negotiate_media_weight("text/html;level=\"1;2\";q=0.5", HTML), 500);
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
		if (!negotiate_compressible(yes[i]))
			fail_msg("%s should be compressible", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (negotiate_compressible(no[i]))
			fail_msg("%s should not be compressible", no[i]);
	assert_false(negotiate_compressible(NULL));
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
		cmocka_unit_test(accept_weights),
		cmocka_unit_test(browser_accept_prefers_html),
		cmocka_unit_test(accept_and_encoding_read_weights_alike),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
