/* Integration: --clean-urls. /about is served from about.html when there
 * is no "about", /docs/ from docs.html when there is no docs/ directory,
 * without a redirect; /about.html keeps working; an existing file or
 * directory wins; the .html found this way obeys the root's wall, its
 * symlink rule and --no-dotfiles like any other file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "static_host.h"

#define ABOUT "<p>about page</p>\n"
#define DOCS "<p>docs page</p>\n"
#define GUIDE "<p>guide page</p>\n"
#define BLOG_INDEX "<p>blog directory index</p>\n"
#define BLOG_HTML "<p>blog.html, not used</p>\n"

static struct fixture fx;
static struct test_server srv;

static int group_setup(void **state)
{
	(void)state;
	if (fixture_create(&fx) < 0 || fixture_write_str(&fx, "about.html", ABOUT) < 0 ||
	    fixture_write_str(&fx, "docs.html", DOCS) < 0 ||
	    fixture_write_str(&fx, "docs/guide.html", GUIDE) < 0 ||
	    fixture_write_str(&fx, "blog/index.html", BLOG_INDEX) < 0 ||
	    fixture_write_str(&fx, "blog.html", BLOG_HTML) < 0 ||
	    fixture_write_str(&fx, "plain", "a file without extension\n") < 0 ||
	    fixture_write_str(&fx, "plain.html", "<p>not this</p>\n") < 0 ||
	    fixture_write_str(&fx, ".private.html", "private\n") < 0 ||
	    fixture_write_str(&fx, "sub/.hid.html", "hidden in sub\n") < 0 ||
	    fixture_write_str(&fx, "../secret.html", SECRET_BODY) < 0 ||
	    fixture_write_str(&fx, "../secret.txt", SECRET_BODY) < 0 ||
	    fixture_symlink(&fx, "../secret.txt", "leak.html") < 0 ||
	    fixture_symlink(&fx, "about.html", "alias.html") < 0 ||
	    fixture_symlink(&fx, "..", "escape") < 0 || fixture_mkdir(&fx, "dir.html") < 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	fixture_destroy(&fx);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	harness_close_clients();
	if (srv.pid > 0 && harness_stop(&srv) != 0)
		return -1;
	srv.pid = 0;
	return 0;
}

static void start(const char *const extra[])
{
	assert_int_equal(harness_start(&srv, fx.root, (const char **)extra), 0);
}

static void start_clean(void)
{
	const char *const args[] = {"--clean-urls", NULL};
	start(args);
}

/* 200 with body, no redirect, the validators of the .html file itself. */
static void expect_clean(const char *target, const char *file_target, const char *body)
{
	struct http_reply f, r;
	sh_expect(srv.port, file_target, NULL, 200, body, &f);
	sh_expect(srv.port, target, NULL, 200, body, &r);
	assert_header(&r, "Content-Type", "text/html");
	assert_header(&r, "ETag", reply_header(&f, "ETag"));
	assert_null(reply_header(&r, "Location"));
	assert_null(reply_header(&r, "Vary"));
	reply_free(&f);
	reply_free(&r);
}

static void expect_status(const char *target, int want)
{
	struct http_reply r;
	int st = sh_request(srv.port, "GET", target, NULL, &r);
	if (st != want)
		fail_msg("GET %s: %d, want %d", target, st, want);
	assert_false(harness_contains(r.body, r.body_len, SECRET_MARK));
	reply_free(&r);
}

static void name_served_from_html(void **state)
{
	(void)state;
	start_clean();
	expect_clean("/about", "/about.html", ABOUT);
	expect_clean("/about/", "/about.html", ABOUT); /* like /docs/ */
	expect_clean("/about?x=1", "/about.html", ABOUT);
	expect_clean("/docs/guide", "/docs/guide.html", GUIDE);
	expect_clean("/alias", "/alias.html", ABOUT); /* a symlink inside */
}

static void html_name_keeps_working(void **state)
{
	struct http_reply r;
	(void)state;
	start_clean();
	sh_expect(srv.port, "/about.html", NULL, 200, ABOUT, &r);
	reply_free(&r);
	expect_status("/nope", 404);
	expect_status("/about.html/", 404);
}

static void head_gets_length(void **state)
{
	struct http_reply r;
	char len[32];
	(void)state;
	start_clean();
	assert_int_equal(sh_request(srv.port, "HEAD", "/about", NULL, &r), 200);
	snprintf(len, sizeof(len), "%zu", strlen(ABOUT));
	assert_header(&r, "Content-Length", len);
	assert_int_equal(r.body_len, 0);
	reply_free(&r);
}

/* What exists is served as always: the docs/ directory, blog/'s index,
 * the file "plain". */
static void existing_names_win(void **state)
{
	struct http_reply r;
	(void)state;
	start_clean();
	sh_expect(srv.port, "/docs", NULL, 301, NULL, &r);
	assert_header(&r, "Location", "/docs/");
	reply_free(&r);
	sh_expect(srv.port, "/docs/", NULL, 200, NULL, &r);
	assert_contains(r.body, r.body_len, "guide.html"); /* the listing */
	reply_free(&r);
	sh_expect(srv.port, "/blog/", NULL, 200, BLOG_INDEX, &r);
	reply_free(&r);
	sh_expect(srv.port, "/plain", NULL, 200, "a file without extension\n", &r);
	reply_free(&r);
}

static void off_without_flag(void **state)
{
	(void)state;
	start(NULL);
	expect_status("/about", 404);
	expect_status("/about/", 404);
}

/* The .html found this way: never outside the root, never a directory,
 * never a hidden name under --no-dotfiles. */
static void same_wall_symlink_and_dotfile_rules(void **state)
{
	const char *const args[] = {"--clean-urls", "--no-dotfiles", NULL};
	(void)state;
	start(args);
	expect_status("/leak", 404);
	expect_status("/escape/secret", 404);
	expect_status("/../secret", 404);
	expect_status("/%2e%2e/secret", 404);
	expect_status("/..%2fsecret", 404);
	expect_status("/dir", 404);
	expect_status("/.private", 404);
	expect_status("/sub/.hid", 404);
	expect_clean("/about", "/about.html", ABOUT);
}

static void dotfile_served_without_no_dotfiles(void **state)
{
	struct http_reply r;
	(void)state;
	start_clean();
	sh_expect(srv.port, "/.private", NULL, 200, "private\n", &r);
	reply_free(&r);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(name_served_from_html),
		T(html_name_keeps_working),
		T(head_gets_length),
		T(existing_names_win),
		T(off_without_flag),
		T(same_wall_symlink_and_dotfile_rules),
		T(dotfile_served_without_no_dotfiles),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
