/* http.c: Accept weights for listing negotiation, tchar, status texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http.h"

#define JSON "application/json"
#define HTML "text/html"

static void accept_weights(void **state)
{
	(void)state;
	assert_int_equal(http_accept_weight(JSON, JSON), 1000);
	assert_int_equal(http_accept_weight(NULL, JSON), -1);
	assert_int_equal(http_accept_weight("", JSON), -1);
	assert_int_equal(http_accept_weight("*/*", JSON), -1); /* wildcards do not name it */
	assert_int_equal(http_accept_weight("application/*", JSON), -1);
	assert_int_equal(http_accept_weight("application/jsonx", JSON), -1);
	assert_int_equal(http_accept_weight("application/json;q=0", JSON), 0);
	assert_int_equal(http_accept_weight("application/json;q=0.5", JSON), 500);
	assert_int_equal(http_accept_weight("application/json ; charset=utf-8 ; q=0.25", JSON), 250);
	assert_int_equal(http_accept_weight("APPLICATION/JSON;Q=0.125", JSON), 125);
	assert_int_equal(http_accept_weight("application/json;q=1.000", JSON), 1000);
	assert_int_equal(http_accept_weight("application/json;q=7", JSON), 1000); /* malformed */
	assert_int_equal(http_accept_weight("text/plain, application/json;q=0.9", JSON), 900);
}

static void browser_accept_prefers_html(void **state)
{
	(void)state;
	const char *chrome = "text/html,application/xhtml+xml,application/xml;q=0.9,"
			     "image/avif,image/webp,*/*;q=0.8";
	assert_int_equal(http_accept_weight(chrome, HTML), 1000);
	assert_int_equal(http_accept_weight(chrome, JSON), -1);
}

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
		cmocka_unit_test(accept_weights),
		cmocka_unit_test(browser_accept_prefers_html),
		cmocka_unit_test(tchar_table),
		cmocka_unit_test(status_texts),
	};
	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
