/* Integration: the custom 404 page. When the root holds 404.html (or the
 * file --404 names), every 404 carries it as the body, status 404, with no
 * validators: HEAD, Range and conditionals get what any 404 gets. A page
 * that cannot be served (a directory, a symlink out of the root, an
 * unreadable file) gives python's page back; other statuses keep python's
 * page; 404.html itself is an ordinary file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "static_host.h"

#define PAGE_404 "<!doctype html><title>Lost</title><h1>Nothing here</h1>\n"
#define OTHER_404 "<!doctype html><p>the --404 page</p>\n"
#define HIDDEN_404 "<p>hidden page</p>\n"

static struct fixture fx;
static struct test_server srv;

static int group_setup(void **state)
{
	(void)state;
	if (fixture_create(&fx) < 0 || fixture_write_str(&fx, "404.html", PAGE_404) < 0 ||
	    fixture_write_str(&fx, "hello.txt", HELLO_BODY) < 0 ||
	    fixture_write_str(&fx, "errors/missing.html", OTHER_404) < 0 ||
	    fixture_write_str(&fx, ".errors/404.html", HIDDEN_404) < 0 ||
	    fixture_write_str(&fx, ".hidden.txt", "dot\n") < 0 ||
	    fixture_write_str(&fx, "../secret.txt", SECRET_BODY) < 0 ||
	    fixture_symlink(&fx, "../secret.txt", "out.html") < 0 ||
	    fixture_mkdir(&fx, "adir") < 0 || fixture_write_str(&fx, "adir.html/x", "x\n") < 0)
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

/* A 404 with body as its whole body: text/html, exact length, and none
 * of a file's validators or range fields. */
static void expect_page_404(const char *target, const char *headers, const char *body)
{
	struct http_reply r;
	sh_expect(srv.port, target, headers, 404, body, &r);
	assert_header(&r, "Content-Type", "text/html");
	char len[32];
	snprintf(len, sizeof(len), "%zu", strlen(body));
	assert_header(&r, "Content-Length", len);
	assert_null(reply_header(&r, "ETag"));
	assert_null(reply_header(&r, "Last-Modified"));
	assert_null(reply_header(&r, "Accept-Ranges"));
	assert_null(reply_header(&r, "Content-Range"));
	reply_free(&r);
}

static void expect_python_page(const char *method, const char *target, int status)
{
	struct http_reply r;
	char line[64];
	if (sh_request(srv.port, method, target, NULL, &r) != status)
		fail_msg("%s %s: %d, want %d", method, target, r.status, status);
	assert_header(&r, "Content-Type", "text/html;charset=utf-8");
	snprintf(line, sizeof(line), "<p>Error code: %d</p>", status);
	assert_contains(r.body, r.body_len, line);
	assert_false(harness_contains(r.body, r.body_len, "Nothing here"));
	reply_free(&r);
}

/* ---- the page --------------------------------------------------------------- */

static void missing_path_gets_404_html(void **state)
{
	(void)state;
	start(NULL);
	expect_page_404("/nope", NULL, PAGE_404);
	expect_page_404("/deep/er/nope.png", NULL, PAGE_404);
	expect_page_404("/hello.txt/", NULL, PAGE_404); /* a file is no directory */
	expect_page_404("/../secret.txt", NULL, PAGE_404);
	expect_page_404("/out.html", NULL, PAGE_404); /* symlink out of the root */
}

/* HEAD: the 404's headers, its Content-Length, no body: the next answer
 * on the connection starts right after the head. */
static void head_gets_headers_and_length(void **state)
{
	struct client c;
	struct http_reply r1, r2;
	char len[32];
	(void)state;
	start(NULL);
	assert_rc_ok(client_connect(&c, srv.port));
	assert_rc_ok(client_send_str(&c, "HEAD /nope HTTP/1.1\r\nHost: x\r\n\r\n"
					 "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
	assert_rc_ok(client_read_reply(&c, &r1, true));
	assert_int_equal(r1.status, 404);
	snprintf(len, sizeof(len), "%zu", strlen(PAGE_404));
	assert_header(&r1, "Content-Length", len);
	assert_header(&r1, "Content-Type", "text/html");
	assert_rc_ok(client_read_reply(&c, &r2, false));
	assert_int_equal(r2.status, 200);
	assert_body_str(&r2, HELLO_BODY);
	reply_free(&r1);
	reply_free(&r2);
	client_close(&c);
}

/* Range and preconditions never turn a 404 into a 206, 304 or 412. */
static void range_and_conditionals_still_full_404(void **state)
{
	(void)state;
	start(NULL);
	expect_page_404("/nope", "Range: bytes=0-3\r\n", PAGE_404);
	expect_page_404("/nope", "Range: bytes=0-3,5-6\r\n", PAGE_404);
	expect_page_404("/nope", "If-None-Match: *\r\n", PAGE_404);
	expect_page_404("/nope", "If-None-Match: \"x\"\r\n", PAGE_404);
	expect_page_404("/nope", "If-Modified-Since: Sun, 06 Nov 2094 08:49:37 GMT\r\n", PAGE_404);
	expect_page_404("/nope", "If-Match: \"x\"\r\nIf-Range: \"x\"\r\nRange: bytes=1-2\r\n",
			PAGE_404);
	expect_page_404("/nope", "Accept-Encoding: gzip, br\r\n", PAGE_404);
}

/* Only 404 uses it: 405, 400, 501 keep python's page. */
static void other_statuses_keep_python_page(void **state)
{
	(void)state;
	start(NULL);
	expect_python_page("POST", "/nope", 405);
	expect_python_page("DELETE", "/hello.txt", 405);
	expect_python_page("GET", "/a%00b", 400);
}

/* 404.html is a file like any other: served 200 at /404.html, listed. */
static void page_itself_is_a_normal_file(void **state)
{
	struct http_reply r;
	(void)state;
	start(NULL);
	sh_expect(srv.port, "/404.html", NULL, 200, PAGE_404, &r);
	assert_header(&r, "Content-Type", "text/html");
	assert_non_null(reply_header(&r, "ETag"));
	reply_free(&r);
	sh_expect(srv.port, "/", NULL, 200, NULL, &r);
	assert_contains(r.body, r.body_len, "<a href=\"404.html\">404.html</a>");
	assert_contains(r.body, r.body_len, "<a href=\"hello.txt\">hello.txt</a>");
	reply_free(&r);
}

static void flag_names_another_page(void **state)
{
	const char *const args[] = {"--404", "/errors/missing.html", NULL};
	(void)state;
	start(args);
	expect_page_404("/nope", NULL, OTHER_404);
	struct http_reply r;
	sh_expect(srv.port, "/404.html", NULL, 200, PAGE_404, &r);
	reply_free(&r);
}

/* Under --no-dotfiles a hidden name gets the 404 page like a missing one. */
static void no_dotfiles_hidden_names_get_the_page(void **state)
{
	const char *const args[] = {"--no-dotfiles", NULL};
	(void)state;
	start(args);
	expect_page_404("/.hidden.txt", NULL, PAGE_404);
	expect_page_404("/.errors/404.html", NULL, PAGE_404);
	expect_page_404("/nope", NULL, PAGE_404);
}

/* The page is looked for on each request: a 404.html that turns into a
 * directory, a symlink out of the root, or goes away, gives python's
 * page; put back, it is used again. */
static void unservable_page_falls_back(void **state)
{
	char path[512], saved[512];
	(void)state;
	start(NULL);
	fixture_path(&fx, "404.html", path, sizeof(path));
	fixture_path(&fx, "404.saved", saved, sizeof(saved));
	assert_int_equal(rename(path, saved), 0);
	expect_python_page("GET", "/nope", 404);
	assert_int_equal(mkdir(path, 0755), 0);
	expect_python_page("GET", "/nope", 404);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(symlink("../secret.txt", path), 0);
	struct http_reply r;
	sh_expect(srv.port, "/nope", NULL, 404, NULL, &r);
	assert_false(harness_contains(r.body, r.body_len, SECRET_MARK));
	assert_header(&r, "Content-Type", "text/html;charset=utf-8");
	reply_free(&r);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rename(saved, path), 0);
	expect_page_404("/nope", NULL, PAGE_404);
}

/* Permissions mean nothing to root: only checked when not root. */
static void unreadable_page_falls_back(void **state)
{
	char path[512];
	(void)state;
	if (geteuid() == 0)
		skip();
	start(NULL);
	fixture_path(&fx, "404.html", path, sizeof(path));
	assert_int_equal(chmod(path, 0), 0);
	expect_python_page("GET", "/nope", 404);
	assert_int_equal(chmod(path, 0644), 0);
	expect_page_404("/nope", NULL, PAGE_404);
}

/* ---- start-up -------------------------------------------------------------- */

static void bad_404_flag_refused(void **state)
{
	(void)state;
	const char *const missing[] = {"-d", fx.root, "--404", "nope.html", NULL};
	sh_expect_refused(missing, "--404 'nope.html'");
	const char *const dir[] = {"-d", fx.root, "--404", "adir", NULL};
	sh_expect_refused(dir, "--404 'adir'");
	const char *const out[] = {"-d", fx.root, "--404", "out.html", NULL};
	sh_expect_refused(out, "--404 'out.html'");
	const char *const up[] = {"-d", fx.root, "--404", "../secret.txt", NULL};
	sh_expect_refused(up, "invalid --404");
	const char *const hidden[] = {"-d", fx.root, "--no-dotfiles", "--404", ".errors/404.html",
				      NULL};
	sh_expect_refused(hidden, "--no-dotfiles");
	const char *const root[] = {"-d", fx.root, "--404", "/", NULL};
	sh_expect_refused(root, "invalid --404");
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(missing_path_gets_404_html),
		T(head_gets_headers_and_length),
		T(range_and_conditionals_still_full_404),
		T(other_statuses_keep_python_page),
		T(page_itself_is_a_normal_file),
		T(flag_names_another_page),
		T(no_dotfiles_hidden_names_get_the_page),
		T(unservable_page_falls_back),
		T(unreadable_page_falls_back),
		T(bad_404_flag_refused),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
