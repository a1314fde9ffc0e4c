/* http.c: the tchar set and the status texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http.h"

static void tchar_table(void **state)
{
	(void)state;
	const char ok[] = "!#$%&'*+-.^_`|~09azAZ";
	for (const char *p = ok; *p; p++)
		assert_true(http_is_tchar((unsigned char)*p));
	const char bad[] = " \t\"(),/:;<=>?@[\\]{}\x7f";
	for (const char *p = bad; *p; p++)
		assert_false(http_is_tchar((unsigned char)*p));
	assert_false(http_is_tchar('\0'));
	assert_false(http_is_tchar(0x80));
}

static void status_texts(void **state)
{
	(void)state;
	assert_string_equal(http_reason(HTTP_NOT_FOUND), "Not Found");
	assert_string_equal(http_reason(HTTP_URI_TOO_LONG), "URI Too Long");
	assert_string_equal(http_explain(HTTP_NOT_FOUND), "Nothing matches the given URI");
	assert_string_equal(http_reason((enum http_status)299), "Unknown");
	assert_false(http_status_has_body(HTTP_NOT_MODIFIED));
	assert_false(http_status_has_body(HTTP_NO_CONTENT));
	assert_true(http_status_has_body(HTTP_OK));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tchar_table),
		cmocka_unit_test(status_texts),
	};
	return cmocka_run_group_tests_name("http_grammar", tests, NULL, NULL);
}
