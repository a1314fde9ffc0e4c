/* Unit tests for fallback: which missing paths the --spa entry page
 * answers (extension rule, Accept), clean URL names, page names from the
 * command line, and opening the pages over a real temporary tree with
 * the root's wall (symlinks out, directories, dotfiles). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fallback.h"

static void test_extension_rule(void **state)
{
	(void)state;
	assert_true(fallback_has_extension("app.js", false));
	assert_true(fallback_has_extension("assets/app.3f2a1b.js", false));
	assert_true(fallback_has_extension("img/x.png", false));
	assert_true(fallback_has_extension("f.woff2", false));
	assert_true(fallback_has_extension("x.webmanif", false)); /* 8 */
	/* The documented cost of the rule: a dot and a short word. */
	assert_true(fallback_has_extension("users/john.smith", false));
	assert_true(fallback_has_extension("v1.2", false));
	assert_false(fallback_has_extension("x.webmanifest", false)); /* 11 */
	assert_false(fallback_has_extension("users/42", false));
	assert_false(fallback_has_extension("", false));
	assert_false(fallback_has_extension("about", false));
	assert_false(fallback_has_extension("a.b/c", false));
	assert_false(fallback_has_extension("x.", false));
	assert_false(fallback_has_extension(".profile", false));
	assert_false(fallback_has_extension("dir/.env", false));
	assert_false(fallback_has_extension("x.j-s", false));
	assert_false(fallback_has_extension("x.caf\xc3\xa9", false));
	assert_false(fallback_has_extension("x.a b", false));
	assert_false(fallback_has_extension("users/john.smith", true));
	assert_false(fallback_has_extension("app.js", true));
}

static void test_accepts_html(void **state)
{
	(void)state;
	/* Firefox's and Chromium's navigation Accept values. */
	assert_true(fallback_accepts_html(
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));
	assert_true(fallback_accepts_html(
		"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
		"image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"));
	assert_true(fallback_accepts_html(NULL)); /* no Accept: anything */
	assert_true(fallback_accepts_html("*/*")); /* curl, fetch() */
	assert_true(fallback_accepts_html("text/*"));
	assert_true(fallback_accepts_html("TEXT/HTML"));
	assert_true(fallback_accepts_html("application/json;q=0.5, text/html"));
	assert_true(fallback_accepts_html("application/json, text/html")); /* tie: HTML */
	assert_false(fallback_accepts_html("application/json"));
	assert_false(fallback_accepts_html("application/json, */*;q=0.1"));
	assert_false(fallback_accepts_html("image/png"));
	assert_false(fallback_accepts_html("text/html;q=0"));
	assert_false(fallback_accepts_html("text/html;q=0, */*"));
	assert_false(fallback_accepts_html("*/*;q=0"));
	assert_false(fallback_accepts_html(""));
}

static void test_clean_url_name(void **state)
{
	char out[16];
	(void)state;
	assert_true(fallback_clean_url_name("about", out, sizeof(out)));
	assert_string_equal(out, "about.html");
	assert_true(fallback_clean_url_name("a/docs", out, sizeof(out)));
	assert_string_equal(out, "a/docs.html");
	assert_false(fallback_clean_url_name("", out, sizeof(out)));
	assert_false(fallback_clean_url_name("01234567890", out, sizeof(out)));
	assert_true(fallback_clean_url_name("0123456789", out, sizeof(out)));
	assert_string_equal(out, "0123456789.html");
}

static void test_page_name(void **state)
{
	const char *why = NULL;
	(void)state;
	assert_string_equal(fallback_page_name("/index.html", &why), "index.html");
	assert_string_equal(fallback_page_name("//app/shell.html", &why), "app/shell.html");
	assert_string_equal(fallback_page_name("404.html", &why), "404.html");
	assert_string_equal(fallback_page_name(".errors/404.html", &why), ".errors/404.html");
	const char *bad[] = {"", "/", "//", "../x.html", "a/../../x.html", "a/./b.html",
			     "a/..", "/.", "x/.//y"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (fallback_page_name(bad[i], &why))
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(why);
	}
}

/* ---- over a real tree --------------------------------------------------- */

#define TMPDIR_TEMPLATE "/tmp/test_fallback.XXXXXX"
static char parent[sizeof(TMPDIR_TEMPLATE)];
static struct root root = {.fd = -1};

static void put(const char *rel, const char *body)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", parent, rel);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(body, f);
	assert_int_equal(fclose(f), 0);
}

static void at(const char *rel, char *path, size_t size)
{
	snprintf(path, size, "%s/%s", parent, rel);
}

static int tree_setup(void **state)
{
	char p[256];
	(void)state;
	strcpy(parent, TMPDIR_TEMPLATE);
	if (!mkdtemp(parent))
		return -1;
	at("root", p, sizeof(p));
	mkdir(p, 0755);
	at("root/.hidden", p, sizeof(p));
	mkdir(p, 0755);
	at("root/dir.html", p, sizeof(p));
	mkdir(p, 0755);
	at("root/sub", p, sizeof(p));
	mkdir(p, 0755);
	put("secret.html", "secret\n");
	put("root/index.html", "entry\n");
	put("root/about.html", "about\n");
	put("root/sub/page.html", "page\n");
	put("root/.hidden/404.html", "hidden\n");
	at("root/out.html", p, sizeof(p));
	if (symlink("../secret.html", p) < 0)
		return -1;
	at("root/in.html", p, sizeof(p));
	if (symlink("about.html", p) < 0)
		return -1;
	at("root", p, sizeof(p));
	root.fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return root.fd < 0 ? -1 : 0;
}

static int rm_entry(const char *rel)
{
	char p[256];
	at(rel, p, sizeof(p));
	return remove(p);
}

static int tree_teardown(void **state)
{
	(void)state;
	close(root.fd);
	const char *names[] = {"root/out.html", "root/in.html", "root/sub/page.html",
			       "root/.hidden/404.html", "root/index.html", "root/about.html",
			       "secret.html", "root/sub", "root/.hidden", "root/dir.html",
			       "root", ""};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		rm_entry(names[i]);
	return 0;
}

static void expect_page(const char *rel, bool no_dotfiles, const char *body)
{
	struct stat st;
	int fd = fallback_open_page(&root, rel, no_dotfiles, &st);
	if (!body) {
		if (fd >= 0)
			fail_msg("%s opened", rel);
		return;
	}
	if (fd < 0)
		fail_msg("%s: %s", rel, strerror(errno));
	char got[64] = {0};
	assert_true(read(fd, got, sizeof(got) - 1) > 0);
	assert_string_equal(got, body);
	assert_true(S_ISREG(st.st_mode));
	close(fd);
}

static void test_open_page(void **state)
{
	(void)state;
	expect_page("index.html", false, "entry\n");
	expect_page("sub/page.html", true, "page\n");
	expect_page("in.html", false, "about\n");
	expect_page(".hidden/404.html", false, "hidden\n");
	expect_page(".hidden/404.html", true, NULL);
	expect_page("out.html", false, NULL); /* symlink out of the root */
	expect_page("dir.html", false, NULL); /* a directory */
	expect_page("sub", false, NULL);
	expect_page("missing.html", false, NULL);
}

static void missing(const struct config *cfg, const char *rel, bool slash, const char *accept,
		    const char *want_rel, bool want_vary)
{
	struct fallback_file f;
	fallback_for_missing(&root, cfg, rel, slash, accept, &f);
	if (!want_rel) {
		if (f.fd >= 0)
			fail_msg("%s: served %s", rel, f.rel);
	} else {
		if (f.fd < 0)
			fail_msg("%s: nothing served, want %s", rel, want_rel);
		assert_string_equal(f.rel, want_rel);
		close(f.fd);
	}
	assert_int_equal(f.vary_accept, want_vary);
}

static void test_for_missing(void **state)
{
	struct config cfg = {0};
	const char *html = "text/html";
	(void)state;
	missing(&cfg, "about", false, html, NULL, false); /* nothing on */
	cfg.clean_urls = true;
	missing(&cfg, "about", false, html, "about.html", false);
	missing(&cfg, "about", true, "application/json", "about.html", false);
	missing(&cfg, "sub/page", false, NULL, "sub/page.html", false);
	missing(&cfg, "out", false, html, NULL, false);  /* out.html leaves the root */
	missing(&cfg, "dir", false, html, NULL, false);  /* dir.html is a directory */
	missing(&cfg, "nope", false, html, NULL, false);
	missing(&cfg, "", true, html, NULL, false);
	cfg.spa_page = "index.html";
	missing(&cfg, "about", false, html, "about.html", false); /* clean URL first */
	missing(&cfg, "nope", false, html, "index.html", true);
	missing(&cfg, "users/john", true, "*/*", "index.html", true);
	missing(&cfg, "nope", false, "application/json", NULL, true);
	missing(&cfg, "app.js", false, html, NULL, false);
	missing(&cfg, "out", false, html, "index.html", true);
	cfg.spa_page = "gone.html";
	missing(&cfg, "nope", false, html, NULL, true);
	cfg.spa_page = ".hidden/404.html";
	cfg.no_dotfiles = true;
	missing(&cfg, "nope", false, html, NULL, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extension_rule),
		cmocka_unit_test(test_accepts_html),
		cmocka_unit_test(test_clean_url_name),
		cmocka_unit_test(test_page_name),
		cmocka_unit_test(test_open_page),
		cmocka_unit_test(test_for_missing),
	};
	return cmocka_run_group_tests(tests, tree_setup, tree_teardown);
}
