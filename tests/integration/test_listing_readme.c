/* --readme on real listings: a folder's README.md appears below the
 * table, in the page's stylesheet; a hostile README adds no script; the
 * JSON listing is untouched; without the flag, and in folders without a
 * README, the page is byte for byte what it is without --readme. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static struct fixture fx;

static int group_setup(void **state)
{
	(void)state;
	if (fixture_create(&fx) < 0 ||
	    fixture_write_str(&fx, "docs/README.md", "# Docs\n\nSee [the guide](guide.md).\n") < 0 ||
	    fixture_write_str(&fx, "docs/guide.md", "guide\n") < 0 ||
	    fixture_write_str(&fx, "evil/README.md",
			      "<script>alert(1)</script>\n\n[x](javascript:alert(1))\n\n"
			      "<img src=x onerror=alert(1)>\n") < 0 ||
	    fixture_write_str(&fx, "plain/a.txt", "a\n") < 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	fixture_destroy(&fx);
	return 0;
}

static void get(const struct test_server *s, const char *target, struct http_reply *r)
{
	assert_rc_ok(client_get(s->port, target, r));
	assert_int_equal(r->status, 200);
}

static size_t count(const struct http_reply *r, const char *needle)
{
	size_t n = 0;
	for (const char *p = r->body; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void readme_below_the_listing(void **state)
{
	(void)state;
	struct test_server s;
	const char *args[] = {"-q", "--readme", NULL};
	assert_int_equal(harness_start(&s, fx.root, args), 0);
	struct http_reply r;
	get(&s, "/docs/", &r);
	const char *article = strstr(r.body, "</table>\n<hr>\n<article class=\"readme\">\n"
					     "<h1>Docs</h1>\n<p>See <a href=\"guide.md\">the guide</a>."
					     "</p>\n</article>\n<script>");
	assert_non_null(article);
	assert_true(strstr(r.body, "article.readme{") < strstr(r.body, "</head>"));
	reply_free(&r);
	get(&s, "/evil/", &r);
	assert_int_equal(count(&r, "<script"), 1); /* the filter box's own */
	assert_int_equal(count(&r, "javascript:"), 0);
	assert_int_equal(count(&r, "onerror"), 0);
	assert_contains(r.body, r.body_len, "<article class=\"readme\">");
	reply_free(&r);
	get(&s, "/docs/?format=json", &r);
	assert_int_equal(r.body[0], '[');
	assert_false(harness_contains(r.body, r.body_len, "Docs"));
	reply_free(&r);
	assert_int_equal(harness_stop(&s), 0);
}

static void without_the_flag_nothing_changes(void **state)
{
	(void)state;
	struct test_server off, on;
	const char *args_off[] = {"-q", NULL};
	const char *args_on[] = {"-q", "--readme", NULL};
	assert_int_equal(harness_start(&off, fx.root, args_off), 0);
	assert_int_equal(harness_start(&on, fx.root, args_on), 0);
	struct http_reply a, b;
	get(&off, "/docs/", &a);
	assert_false(harness_contains(a.body, a.body_len, "readme"));
	assert_false(harness_contains(a.body, a.body_len, "<h1>Docs"));
	reply_free(&a);
	/* no README: the same bytes with or without the flag */
	get(&off, "/plain/", &a);
	get(&on, "/plain/", &b);
	assert_int_equal(a.body_len, b.body_len);
	assert_memory_equal(a.body, b.body, a.body_len);
	reply_free(&a);
	reply_free(&b);
	assert_int_equal(harness_stop(&off), 0);
	assert_int_equal(harness_stop(&on), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(readme_below_the_listing),
		cmocka_unit_test(without_the_flag_nothing_changes),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
