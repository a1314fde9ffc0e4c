/* Unit: entity-tags and the precedence of preconditions (validate.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "validate.h"

/* ---- ETag format ---------------------------------------------------------- */

static void test_format(void **state)
{
	char tag[VALIDATE_ETAG_MAX];

	(void)state;
	validate_etag_format(tag, 0x1234, 100000, 1000000000, 700000000, NULL, false);
	assert_string_equal(tag, "\"1234-186a0-3b9aca00.29b92700\"");
	validate_etag_format(tag, 0x1234, 100000, 1000000000, 700000000, "gz", true);
	assert_string_equal(tag, "W/\"1234-186a0-3b9aca00.29b92700-gz\"");
	/* The longest: every field at its widest still fits. */
	validate_etag_format(tag, UINT64_MAX, UINT64_MAX, INT64_MIN, 999999999, "gz", true);
	assert_string_equal(tag, "W/\"ffffffffffffffff-ffffffffffffffff-8000000000000000.3b9ac9ff-gz\"");
	/* Zeros are one digit; a suffix that could not fit gives "". */
	validate_etag_format(tag, 0, 0, 0, 0, NULL, false);
	assert_string_equal(tag, "\"0-0-0.0\"");
	validate_etag_format(tag, UINT64_MAX, UINT64_MAX, -1, -1, "1234567", true);
	assert_int_equal(strlen(tag), VALIDATE_ETAG_MAX - 1);
	validate_etag_format(tag, 1, 2, 3, 4, "12345678", false);
	assert_string_equal(tag, "");
	assert_true(validate_etag_strong_eq("\"1234-186a0-3b9aca00.29b92700\"",
					    "\"1234-186a0-3b9aca00.29b92700\""));
}

static void test_format_changes_with_each_field(void **state)
{
	char a[VALIDATE_ETAG_MAX], b[VALIDATE_ETAG_MAX];

	(void)state;
	validate_etag_format(a, 1, 2, 3, 4, NULL, false);
	validate_etag_format(b, 9, 2, 3, 4, NULL, false);
	assert_string_not_equal(a, b); /* another inode: a replaced file */
	validate_etag_format(b, 1, 9, 3, 4, NULL, false);
	assert_string_not_equal(a, b);
	validate_etag_format(b, 1, 2, 9, 4, NULL, false);
	assert_string_not_equal(a, b);
	validate_etag_format(b, 1, 2, 3, 5, NULL, false); /* a nanosecond later */
	assert_string_not_equal(a, b);
	validate_etag_format(b, 1, 2, 3, 4, "gz", false);
	assert_string_not_equal(a, b);
}

/* ---- comparison: RFC 9110 8.8.3.2 ----------------------------------------- */

static void test_rfc_comparison_table(void **state)
{
	static const struct {
		const char *a, *b;
		bool strong, weak;
	} table[] = {
		{"W/\"1\"", "W/\"1\"", false, true},
		{"W/\"1\"", "W/\"2\"", false, false},
		{"W/\"1\"", "\"1\"", false, true},
		{"\"1\"", "\"1\"", true, true},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		assert_int_equal(validate_etag_strong_eq(table[i].a, table[i].b), table[i].strong);
		assert_int_equal(validate_etag_weak_eq(table[i].a, table[i].b), table[i].weak);
		/* Symmetric. */
		assert_int_equal(validate_etag_strong_eq(table[i].b, table[i].a), table[i].strong);
		assert_int_equal(validate_etag_weak_eq(table[i].b, table[i].a), table[i].weak);
	}
}

static void test_malformed_tags_never_match(void **state)
{
	static const char *const bad[] = {
		"1", "\"1", "1\"", "W/1", "w/\"1\"", "W\"1\"", "\"a b\"", "\"a\"b\"",
		"\"1\" ", " \"1\"", "", "W/", "\"\x7f\"",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(validate_etag_strong_eq(bad[i], bad[i]));
		assert_false(validate_etag_weak_eq(bad[i], bad[i]));
	}
	/* The empty opaque-tag and obs-text are legal. */
	assert_true(validate_etag_strong_eq("\"\"", "\"\""));
	assert_true(validate_etag_strong_eq("\"\xc3\xa9\"", "\"\xc3\xa9\""));
	assert_false(validate_etag_strong_eq("\"a\"", "\"A\"")); /* octets, not text */
}

/* ---- lists ---------------------------------------------------------------- */

static void test_lists(void **state)
{
	(void)state;
	assert_true(validate_list_matches("\"a\", \"b\"", "\"b\"", false));
	assert_true(validate_list_matches("\"a\",\"b\"", "\"a\"", false));
	assert_false(validate_list_matches("\"a\", \"b\"", "\"c\"", true));
	assert_true(validate_list_matches("\"a\" , W/\"b\"", "\"b\"", true));
	assert_false(validate_list_matches("\"a\" , W/\"b\"", "\"b\"", false));
	assert_false(validate_list_matches("\"b\"", "W/\"b\"", false));
	assert_true(validate_list_matches("\"b\"", "W/\"b\"", true));
	assert_true(validate_list_matches(",\"a\",,\t, \"b\",", "\"b\"", false));
	assert_false(validate_list_matches("", "\"b\"", true));
	assert_false(validate_list_matches(" , ,", "\"b\"", true));
}

static void test_star(void **state)
{
	(void)state;
	assert_true(validate_list_matches("*", "\"b\"", false));
	assert_true(validate_list_matches(" * ", "W/\"b\"", true));
	assert_false(validate_list_matches("*, \"b\"", "\"b\"", true));
	assert_false(validate_list_matches("\"b\", *", "\"b\"", true));
	assert_false(validate_list_matches("**", "\"b\"", true));
}

static void test_malformed_lists_match_nothing(void **state)
{
	(void)state;
	assert_false(validate_list_matches("\"b\", garbage", "\"b\"", true));
	assert_false(validate_list_matches("\"b\" \"c\"", "\"b\"", true));
	assert_false(validate_list_matches("b", "\"b\"", true));
	assert_false(validate_list_matches("\"b", "\"b\"", true));
	assert_false(validate_list_matches("\"b\"", "not-a-tag", true));
}

/* ---- preconditions: RFC 9110 13.2.2 --------------------------------------- */

#define TAG "\"t1\""
#define MTIME ((time_t)1000000000)
#define AT "Sun, 09 Sep 2001 01:46:40 GMT"      /* == MTIME */
#define BEFORE "Sun, 09 Sep 2001 01:46:39 GMT"  /* MTIME - 1 */
#define AFTER "Sun, 09 Sep 2001 01:46:41 GMT"   /* MTIME + 1 */

static enum http_status eval(const char *im, const char *inm, const char *ims,
			     const char *ius, bool get)
{
	struct validate_request r = {im, inm, ims, ius, get};
	return validate_preconditions(&r, TAG, MTIME);
}

static void test_no_preconditions(void **state)
{
	(void)state;
	assert_int_equal(eval(NULL, NULL, NULL, NULL, true), HTTP_OK);
	assert_int_equal(eval(NULL, NULL, NULL, NULL, false), HTTP_OK);
}

static void test_if_match(void **state)
{
	(void)state;
	assert_int_equal(eval(TAG, NULL, NULL, NULL, true), HTTP_OK);
	assert_int_equal(eval("*", NULL, NULL, NULL, true), HTTP_OK);
	assert_int_equal(eval("\"x\", " TAG, NULL, NULL, NULL, true), HTTP_OK);
	assert_int_equal(eval("\"x\"", NULL, NULL, NULL, true), HTTP_PRECONDITION_FAILED);
	/* Strong comparison: a weak tag never satisfies If-Match. */
	assert_int_equal(eval("W/" TAG, NULL, NULL, NULL, true), HTTP_PRECONDITION_FAILED);
	assert_int_equal(eval("garbage", NULL, NULL, NULL, true), HTTP_PRECONDITION_FAILED);
}

static void test_if_unmodified_since(void **state)
{
	(void)state;
	assert_int_equal(eval(NULL, NULL, NULL, AT, true), HTTP_OK);
	assert_int_equal(eval(NULL, NULL, NULL, AFTER, true), HTTP_OK);
	assert_int_equal(eval(NULL, NULL, NULL, BEFORE, true), HTTP_PRECONDITION_FAILED);
	assert_int_equal(eval(NULL, NULL, NULL, "not a date", true), HTTP_OK);
	/* Ignored when If-Match is present (step 2 is "else"). */
	assert_int_equal(eval(TAG, NULL, NULL, BEFORE, true), HTTP_OK);
}

static void test_if_none_match(void **state)
{
	(void)state;
	assert_int_equal(eval(NULL, TAG, NULL, NULL, true), HTTP_NOT_MODIFIED);
	assert_int_equal(eval(NULL, "W/" TAG, NULL, NULL, true), HTTP_NOT_MODIFIED);
	assert_int_equal(eval(NULL, "\"x\", " TAG, NULL, NULL, true), HTTP_NOT_MODIFIED);
	assert_int_equal(eval(NULL, "*", NULL, NULL, true), HTTP_NOT_MODIFIED);
	assert_int_equal(eval(NULL, "\"x\"", NULL, NULL, true), HTTP_OK);
	/* Other methods: 412 rather than 304. */
	assert_int_equal(eval(NULL, TAG, NULL, NULL, false), HTTP_PRECONDITION_FAILED);
	assert_int_equal(eval(NULL, "\"x\"", NULL, NULL, false), HTTP_OK);
}

static void test_if_modified_since(void **state)
{
	(void)state;
	assert_int_equal(eval(NULL, NULL, AT, NULL, true), HTTP_NOT_MODIFIED);
	assert_int_equal(eval(NULL, NULL, AFTER, NULL, true), HTTP_NOT_MODIFIED);
	assert_int_equal(eval(NULL, NULL, BEFORE, NULL, true), HTTP_OK);
	assert_int_equal(eval(NULL, NULL, "garbage", NULL, true), HTTP_OK);
	assert_int_equal(eval(NULL, NULL, AT, NULL, false), HTTP_OK); /* GET/HEAD only */
	/* Ignored when If-None-Match is present, matching or not. */
	assert_int_equal(eval(NULL, "\"x\"", AT, NULL, true), HTTP_OK);
	assert_int_equal(eval(NULL, TAG, BEFORE, NULL, true), HTTP_NOT_MODIFIED);
}

static void test_precedence(void **state)
{
	(void)state;
	/* If-Match is decided before If-None-Match. */
	assert_int_equal(eval("\"x\"", TAG, NULL, NULL, true), HTTP_PRECONDITION_FAILED);
	assert_int_equal(eval(TAG, TAG, NULL, NULL, true), HTTP_NOT_MODIFIED);
	/* If-Unmodified-Since before If-Modified-Since. */
	assert_int_equal(eval(NULL, NULL, AT, BEFORE, true), HTTP_PRECONDITION_FAILED);
	assert_int_equal(eval(NULL, TAG, NULL, BEFORE, true), HTTP_PRECONDITION_FAILED);
	assert_int_equal(eval(NULL, NULL, AT, AT, true), HTTP_NOT_MODIFIED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_changes_with_each_field),
		cmocka_unit_test(test_rfc_comparison_table),
		cmocka_unit_test(test_malformed_tags_never_match),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_star),
		cmocka_unit_test(test_malformed_lists_match_nothing),
		cmocka_unit_test(test_no_preconditions),
		cmocka_unit_test(test_if_match),
		cmocka_unit_test(test_if_unmodified_since),
		cmocka_unit_test(test_if_none_match),
		cmocka_unit_test(test_if_modified_since),
		cmocka_unit_test(test_precedence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
