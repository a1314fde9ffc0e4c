/* Integration: --spa. A GET or HEAD of a missing path without an
 * extension, from a client that takes HTML, gets the entry page with 200,
 * the page's own validators and Vary: Accept; assets stay 404; existing
 * files and directories are served as always. With --clean-urls the
 * clean URL's file wins; with --auth, 401 comes first; nothing outside
 * the root is ever served. */
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

#define ENTRY "<!doctype html><title>App</title><script type=module src=/app.3f2a1b.js></script>\n"
#define SHELL "<!doctype html><p>the other shell</p>\n"
#define APP_JS "export const x = 1;\n"
#define ABOUT "<p>about page</p>\n"
#define PAGE_404 "<p>custom 404</p>\n"
#define HTML "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
#define JSON "Accept: application/json\r\n"
/* user:pass */
#define CREDS "Authorization: Basic dXNlcjpwYXNz\r\n"

static struct fixture fx;
static struct test_server srv;

static int group_setup(void **state)
{
	(void)state;
	if (fixture_create(&fx) < 0 || fixture_write_str(&fx, "index.html", ENTRY) < 0 ||
	    fixture_write_str(&fx, "app.3f2a1b.js", APP_JS) < 0 ||
	    fixture_write_str(&fx, "about.html", ABOUT) < 0 ||
	    fixture_write_str(&fx, "404.html", PAGE_404) < 0 ||
	    fixture_write_str(&fx, "shell/app.html", SHELL) < 0 ||
	    fixture_write_str(&fx, "files/a.txt", "a\n") < 0 ||
	    fixture_write_str(&fx, ".hidden.html", "hidden\n") < 0 ||
	    fixture_write_str(&fx, "../secret.txt", SECRET_BODY) < 0 ||
	    fixture_write_str(&fx, "../secret", SECRET_BODY) < 0 ||
	    fixture_write_str(&fx, "../secret.html", SECRET_BODY) < 0 ||
	    fixture_symlink(&fx, "..", "escape") < 0 ||
	    fixture_symlink(&fx, "../secret.txt", "leak.html") < 0 ||
	    fixture_symlink(&fx, "../secret.txt", "leak") < 0)
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

static void start_spa(void)
{
	const char *const args[] = {"--spa", NULL};
	start(args);
}

/* The entry page answered for target, with validators equal to those of
 * GET /index.html and Vary: Accept. */
static void expect_entry(const char *target, const char *headers)
{
	struct http_reply idx, r;
	sh_expect(srv.port, "/index.html", NULL, 200, ENTRY, &idx);
	sh_expect(srv.port, target, headers, 200, ENTRY, &r);
	assert_header(&r, "Content-Type", "text/html");
	assert_header(&r, "ETag", reply_header(&idx, "ETag"));
	assert_header(&r, "Last-Modified", reply_header(&idx, "Last-Modified"));
	assert_header(&r, "Vary", "Accept");
	assert_null(reply_header(&r, "Location"));
	reply_free(&idx);
	reply_free(&r);
}

static void expect_404(const char *target, const char *headers, bool vary)
{
	struct http_reply r;
	sh_expect(srv.port, target, headers, 404, PAGE_404, &r);
	if (vary)
		assert_header(&r, "Vary", "Accept");
	else
		assert_null(reply_header(&r, "Vary"));
	reply_free(&r);
}

/* ---- the fallback ------------------------------------------------------------ */

static void deep_link_gets_entry_page(void **state)
{
	(void)state;
	start_spa();
	expect_entry("/users/42", HTML);
	expect_entry("/users/42/", HTML);
	expect_entry("/a/b/c?tab=2#x", HTML);
	expect_entry("/users/john.smith/", HTML); /* a directory-like path */
}

/* curl's and fetch()'s Accept is any type; no Accept at all is too. */
static void any_type_or_no_accept_gets_entry_page(void **state)
{
	(void)state;
	start_spa();
	expect_entry("/users/42", "Accept: */*\r\n");
	expect_entry("/users/42", NULL);
	expect_entry("/users/42", "Accept: text/*\r\n");
}

static void json_client_gets_404(void **state)
{
	(void)state;
	start_spa();
	expect_404("/api/users", JSON, true);
	expect_404("/api/users", "Accept: application/json, */*;q=0.01\r\n", true);
	expect_404("/users/42", "Accept: text/html;q=0\r\n", true);
	expect_404("/users/42", "Accept: image/png\r\n", true);
}

/* A path whose last segment has an extension is an asset: a missing one
 * is a 404, whatever the client accepts. */
static void missing_asset_stays_404(void **state)
{
	(void)state;
	start_spa();
	expect_404("/app.000000.js", HTML, false);
	expect_404("/img/x.png", HTML, false);
	expect_404("/users/john.smith", HTML, false); /* the documented rule */
	expect_404("/fonts/f.woff2", NULL, false);
}

static void existing_files_and_directories_as_always(void **state)
{
	struct http_reply r;
	(void)state;
	start_spa();
	sh_expect(srv.port, "/app.3f2a1b.js", HTML, 200, APP_JS, &r);
	assert_header(&r, "Content-Type", "text/javascript");
	assert_null(reply_header(&r, "Vary"));
	reply_free(&r);
	sh_expect(srv.port, "/", HTML, 200, ENTRY, &r);
	reply_free(&r);
	sh_expect(srv.port, "/files/", HTML, 200, NULL, &r);
	assert_contains(r.body, r.body_len, "a.txt");
	reply_free(&r);
	sh_expect(srv.port, "/files", HTML, 301, NULL, &r);
	assert_header(&r, "Location", "/files/");
	reply_free(&r);
	sh_expect(srv.port, "/about", HTML, 200, ENTRY, &r); /* no --clean-urls */
	reply_free(&r);
}

static void head_gets_entry_headers(void **state)
{
	struct http_reply r;
	char len[32];
	(void)state;
	start_spa();
	assert_int_equal(sh_request(srv.port, "HEAD", "/users/42", HTML, &r), 200);
	snprintf(len, sizeof(len), "%zu", strlen(ENTRY));
	assert_header(&r, "Content-Length", len);
	assert_header(&r, "Vary", "Accept");
	assert_non_null(reply_header(&r, "ETag"));
	assert_int_equal(r.body_len, 0);
	reply_free(&r);
}

/* The entry page's validators work on a deep link: 304 with Vary. */
static void conditional_on_deep_link_304(void **state)
{
	struct http_reply r, c;
	char inm[160];
	(void)state;
	start_spa();
	sh_expect(srv.port, "/users/42", HTML, 200, ENTRY, &r);
	snprintf(inm, sizeof(inm), HTML "If-None-Match: %s\r\n", reply_header(&r, "ETag"));
	assert_int_equal(sh_request(srv.port, "GET", "/users/7", inm, &c), 304);
	assert_header(&c, "ETag", reply_header(&r, "ETag"));
	assert_header(&c, "Vary", "Accept");
	assert_int_equal(c.body_len, 0);
	reply_free(&r);
	reply_free(&c);
}

static void other_methods_not_answered_with_entry(void **state)
{
	struct http_reply r;
	(void)state;
	start_spa();
	assert_int_equal(sh_request(srv.port, "POST", "/users/42", HTML, &r), 405);
	assert_false(harness_contains(r.body, r.body_len, "<title>App</title>"));
	reply_free(&r);
	assert_int_equal(sh_request(srv.port, "OPTIONS", "/users/42", HTML, &r), 204);
	reply_free(&r);
}

static void custom_entry_page(void **state)
{
	const char *const args[] = {"--spa=/shell/app.html", NULL};
	struct http_reply r;
	(void)state;
	start(args);
	sh_expect(srv.port, "/users/42", HTML, 200, SHELL, &r);
	assert_header(&r, "Vary", "Accept");
	reply_free(&r);
}

/* ---- with other flags ------------------------------------------------------------ */

static void clean_url_wins_over_entry(void **state)
{
	const char *const args[] = {"--spa", "--clean-urls", NULL};
	struct http_reply r;
	(void)state;
	start(args);
	sh_expect(srv.port, "/about", HTML, 200, ABOUT, &r);
	assert_null(reply_header(&r, "Vary"));
	reply_free(&r);
	sh_expect(srv.port, "/about", JSON, 200, ABOUT, &r);
	reply_free(&r);
	expect_entry("/users/42", HTML);
}

/* 401 comes before any fallback: no entry page without credentials. */
static void auth_first(void **state)
{
	const char *const args[] = {"--spa", "--auth", "user:pass", NULL};
	struct http_reply r;
	(void)state;
	start(args);
	assert_int_equal(sh_request(srv.port, "GET", "/users/42", HTML, &r), 401);
	assert_non_null(reply_header(&r, "WWW-Authenticate"));
	assert_false(harness_contains(r.body, r.body_len, "<title>App</title>"));
	assert_null(reply_header(&r, "ETag"));
	reply_free(&r);
	assert_int_equal(sh_request(srv.port, "HEAD", "/users/42", HTML, &r), 401);
	reply_free(&r);
	assert_int_equal(sh_request(srv.port, "GET", "/users/42", HTML "Authorization: Basic "
								    "dXNlcjpwcm9iZQ==\r\n",
				    &r),
			 401);
	reply_free(&r);
	sh_expect(srv.port, "/users/42", HTML CREDS, 200, ENTRY, &r);
	reply_free(&r);
}

/* Under --no-dotfiles a hidden name is a 404, never the entry page. */
static void hidden_names_stay_404(void **state)
{
	const char *const args[] = {"--spa", "--no-dotfiles", NULL};
	(void)state;
	start(args);
	expect_404("/.hidden", HTML, false);
	expect_404("/.git/config", HTML, false);
}

/* Traversal: an asset path is 404, an app path is the entry page, and
 * nothing from outside the root ever comes back. */
static void traversal_never_leaves_root(void **state)
{
	const char *const args[] = {"--spa", "--clean-urls", NULL};
	static const char *const assets[] = {
		"/../secret.txt",          "/%2e%2e/secret.txt", "/..%2fsecret.txt",
		"/a/../../secret.txt",     "/escape/secret.txt", "/escape/secret.html",
		"/leak.html",              "/%2e%2e%2f%2e%2e%2fsecret.txt",
	};
	static const char *const app_paths[] = {
		"/../secret", "/%2e%2e/secret", "/escape/secret", "/leak", "/../../etc/passwd",
	};
	struct http_reply r;
	(void)state;
	start(args);
	for (size_t i = 0; i < sizeof(assets) / sizeof(assets[0]); i++) {
		int st = sh_request(srv.port, "GET", assets[i], HTML, &r);
		if (st != 404 && st != 400)
			fail_msg("%s: %d", assets[i], st);
		assert_false(harness_contains(r.body, r.body_len, SECRET_MARK));
		reply_free(&r);
	}
	for (size_t i = 0; i < sizeof(app_paths) / sizeof(app_paths[0]); i++) {
		int st = sh_request(srv.port, "GET", app_paths[i], HTML, &r);
		if (st == 200)
			assert_body_str(&r, ENTRY);
		else if (st != 400 && st != 404)
			fail_msg("%s: %d", app_paths[i], st);
		assert_false(harness_contains(r.body, r.body_len, SECRET_MARK));
		reply_free(&r);
	}
}

/* ---- start-up ------------------------------------------------------------------------ */

static void bad_spa_flag_refused(void **state)
{
	(void)state;
	const char *const missing[] = {"-d", fx.root, "--spa=app.html", NULL};
	sh_expect_refused(missing, "--spa 'app.html'");
	const char *const dir[] = {"-d", fx.root, "--spa=shell", NULL};
	sh_expect_refused(dir, "--spa 'shell'");
	const char *const out[] = {"-d", fx.root, "--spa=leak.html", NULL};
	sh_expect_refused(out, "--spa 'leak.html'");
	const char *const up[] = {"-d", fx.root, "--spa=../secret.html", NULL};
	sh_expect_refused(up, "invalid --spa");
	const char *const hidden[] = {"-d", fx.root, "--no-dotfiles", "--spa=.hidden.html", NULL};
	sh_expect_refused(hidden, "--no-dotfiles");
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(deep_link_gets_entry_page),
		T(any_type_or_no_accept_gets_entry_page),
		T(json_client_gets_404),
		T(missing_asset_stays_404),
		T(existing_files_and_directories_as_always),
		T(head_gets_entry_headers),
		T(conditional_on_deep_link_304),
		T(other_methods_not_answered_with_entry),
		T(custom_entry_page),
		T(clean_url_wins_over_entry),
		T(auth_first),
		T(hidden_names_stay_404),
		T(traversal_never_leaves_root),
		T(bad_spa_flag_refused),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
