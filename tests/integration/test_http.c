/* Integration: what a GET or HEAD of a path returns — files, content types,
 * redirects, indexes, listings, path decoding and conditional requests.
 * One fresh server per test over the standard site (see harness.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness.h"

#ifndef HTTPD_LITE_VERSION
#define HTTPD_LITE_VERSION "0.1.0"
#endif

static void get(const char *target, struct http_reply *r)
{
	assert_rc_ok(client_get(suite_srv.port, target, r));
}

static void assert_error_page(const struct http_reply *r, int code)
{
	char line[64];

	snprintf(line, sizeof(line), "<p>Error code: %d</p>", code);
	assert_int_equal(r->status, code);
	assert_header(r, "Content-Type", "text/html;charset=utf-8");
	assert_contains(r->body, r->body_len, "<title>Error response</title>");
	assert_contains(r->body, r->body_len, line);
}

/* ---- files --------------------------------------------------------------- */

static void get_file_headers_and_body(void **state)
{
	struct http_reply r;

	(void)state;
	get("/hello.txt", &r);
	assert_string_equal(r.version, "HTTP/1.1");
	assert_int_equal(r.status, 200);
	assert_body_str(&r, HELLO_BODY);
	assert_header(&r, "Content-Type", "text/plain");
	assert_header(&r, "Content-Length", "14");
	assert_header(&r, "Server", "httpd-lite/" HTTPD_LITE_VERSION);
	assert_header_match(&r, "Date", IMF_FIXDATE_RE);
	assert_header_match(&r, "Last-Modified", IMF_FIXDATE_RE);
	assert_int_equal(reply_header_count(&r, "Date"), 1);
	assert_int_equal(reply_header_count(&r, "Content-Length"), 1);
	reply_free(&r);
}

static void last_modified_is_file_mtime(void **state)
{
	struct http_reply r;

	(void)state;
	get("/old.txt", &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Last-Modified", "Sun, 09 Sep 2001 01:46:40 GMT");
	reply_free(&r);
}

static void empty_file(void **state)
{
	struct http_reply r;

	(void)state;
	get("/empty.txt", &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Length", "0");
	assert_int_equal(r.body_len, 0);
	reply_free(&r);
}

static void big_file_byte_exact(void **state)
{
	char *want = malloc(BIG_LEN);
	struct http_reply r;

	(void)state;
	assert_non_null(want);
	harness_fill(want, BIG_LEN, BIG_SEED);
	get("/big.bin", &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", "application/octet-stream");
	assert_body(&r, want, BIG_LEN);
	free(want);
	reply_free(&r);
}

/* Bodies over 1 MiB go out corked (io.c): every byte must still arrive,
 * the tail included, on a connection that then carries on. Twice whole
 * and once as a range that is itself over 1 MiB. */
#define HUGE_LEN (3 * 1024 * 1024 + 17)
#define HUGE_SEED 7u

static void corked_body_then_keep_alive(void **state)
{
	char *want = malloc(HUGE_LEN);
	struct http_reply r;
	struct client c;

	(void)state;
	assert_non_null(want);
	harness_fill(want, HUGE_LEN, HUGE_SEED);
	assert_int_equal(fixture_write(&suite_fx, "huge.bin", want, HUGE_LEN), 0);
	assert_rc_ok(client_connect(&c, suite_srv.port));
	for (int i = 0; i < 2; i++) {
		assert_rc_ok(client_send_request(&c, "GET", "/huge.bin", NULL));
		assert_rc_ok(client_read_reply(&c, &r, false));
		assert_int_equal(r.status, 200);
		assert_body(&r, want, HUGE_LEN);
		reply_free(&r);
	}
	assert_rc_ok(client_send_request(&c, "GET", "/huge.bin", "Range: bytes=1000-2200000\r\n"));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 206);
	assert_body(&r, want + 1000, 2200000 - 1000 + 1);
	reply_free(&r);
	client_close(&c);
	free(want);
}

/* netcat users send bare LFs; RFC 9112 2.2 lets a server take them, and
 * python and nginx do. */
static void bare_lf_request_served(void **state)
{
	static const char req[] = "GET /hello.txt HTTP/1.0\nUser-Agent: nc\n\n";
	struct http_reply r;

	(void)state;
	assert_rc_ok(client_exchange(suite_srv.port, req, strlen(req), false, &r));
	assert_int_equal(r.status, 200);
	assert_body_str(&r, HELLO_BODY);
	reply_free(&r);
}

/* A GET with a body and Expect: 100-continue gets the interim answer at
 * once (curl would otherwise wait a second), then the real one. */
static void expect_continue_answered(void **state)
{
	struct http_reply r;
	struct client c;

	(void)state;
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_str(&c, "GET /hello.txt HTTP/1.1\r\nHost: x\r\n"
				    "Expect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 100);
	assert_int_equal(r.nheaders, 0);
	reply_free(&r);
	assert_rc_ok(client_send_str(&c, "body"));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 200);
	assert_body_str(&r, HELLO_BODY);
	reply_free(&r);
	client_close(&c);
}

static void content_types(void **state)
{
	static const struct {
		const char *target;
		const char *type;
	} cases[] = {
		{ "/hello.txt", "text/plain" },
		{ "/page.html", "text/html" },
		{ "/X.HTML", "text/html" },
		{ "/style.css", "text/css" },
		{ "/app.js", "text/javascript" },
		{ "/data.json", "application/json" },
		{ "/image.png", "image/png" },
		{ "/x.tar.gz", "application/gzip" },
		{ "/unknown.zzz", "application/octet-stream" },
		{ "/noext", "application/octet-stream" },
		{ "/a+b.txt", "text/plain" },
	};
	size_t i, bad = 0;

	(void)state;
	/* Check them all before failing, so one run lists every mismatch. */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_reply r;
		const char *ct;

		get(cases[i].target, &r);
		ct = reply_header(&r, "Content-Type");
		if (r.status != 200 || !ct || strcmp(ct, cases[i].type) != 0) {
			fprintf(stderr, "%s: status %d, Content-Type \"%s\", want"
				" \"%s\"\n", cases[i].target, r.status,
				ct ? ct : "(none)", cases[i].type);
			bad++;
		}
		reply_free(&r);
	}
	assert_int_equal(bad, 0);
}

static void tar_gz_has_no_content_encoding(void **state)
{
	struct http_reply r;

	(void)state;
	get("/x.tar.gz", &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", "application/gzip");
	assert_null(reply_header(&r, "Content-Encoding"));
	assert_int_equal(r.body_len, 10);
	reply_free(&r);
}

static void head_same_headers_no_body(void **state)
{
	struct http_reply g, h, next;
	struct client c;
	static const char *const same[] = { "Content-Type", "Content-Length",
					     "Last-Modified", "Server" };
	size_t i;

	(void)state;
	get("/hello.txt", &g);
	assert_rc_ok(client_connect(&c, suite_srv.port));
	/* HEAD then GET in one send: a body after the HEAD response would
	 * be read as the start of the next response and break it. */
	assert_rc_ok(client_send_str(&c,
		"HEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
		"GET /p3.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
	assert_rc_ok(client_read_reply(&c, &h, true));
	assert_int_equal(h.status, 200);
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		assert_non_null(reply_header(&h, same[i]));
		assert_string_equal(reply_header(&h, same[i]),
				    reply_header(&g, same[i]));
	}
	assert_header_match(&h, "Date", IMF_FIXDATE_RE);
	assert_rc_ok(client_read_reply(&c, &next, false));
	assert_int_equal(next.status, 200);
	assert_body_str(&next, pipe_body(3));
	client_close(&c);
	reply_free(&g);
	reply_free(&h);
	reply_free(&next);
}

static void missing_file_404(void **state)
{
	struct http_reply r;

	(void)state;
	get("/nope.txt", &r);
	assert_error_page(&r, 404);
	assert_contains(r.body, r.body_len, "<p>Message: File not found.</p>");
	assert_header_match(&r, "Date", IMF_FIXDATE_RE);
	assert_header(&r, "Server", "httpd-lite/" HTTPD_LITE_VERSION);
	assert_non_null(reply_header(&r, "Content-Length"));
	reply_free(&r);
}

/* python closes after every error; keeping the connection is fine too, as
 * long as the response is complete and the connection stays coherent. */
static void after_404_connection_closed_or_usable(void **state)
{
	struct http_reply r, next;
	struct client c;
	size_t extra = 0;

	(void)state;
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_request(&c, "GET", "/nope.txt", NULL));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 404);
	if (reply_header(&r, "Connection") &&
	    strcasecmp(reply_header(&r, "Connection"), "close") == 0) {
		assert_int_equal(client_wait_close(&c, HARNESS_WAIT_MS, &extra), 1);
		assert_int_equal(extra, 0);
	} else {
		assert_rc_ok(client_send_request(&c, "GET", "/hello.txt", NULL));
		assert_rc_ok(client_read_reply(&c, &next, false));
		assert_int_equal(next.status, 200);
		assert_body_str(&next, HELLO_BODY);
		reply_free(&next);
	}
	client_close(&c);
	reply_free(&r);
}

static void head_of_missing_file_has_no_body(void **state)
{
	struct http_reply h, next;
	struct client c;

	(void)state;
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_str(&c,
		"HEAD /nope.txt HTTP/1.1\r\nHost: x\r\n\r\n"
		"GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
	assert_rc_ok(client_read_reply(&c, &h, true));
	assert_int_equal(h.status, 404);
	/* A 404 keeps the connection: the pipelined GET is answered on it,
	 * right after the 404's head (no body bytes in between). */
	assert_rc_ok(client_read_reply(&c, &next, false));
	assert_int_equal(next.status, 200);
	assert_body_str(&next, HELLO_BODY);
	client_close(&c);
	reply_free(&h);
	reply_free(&next);
}

static void file_with_trailing_slash_404(void **state)
{
	struct http_reply r;

	(void)state;
	get("/hello.txt/", &r);
	assert_int_equal(r.status, 404);
	reply_free(&r);
}

/* ---- redirects and indexes ------------------------------------------------ */

static void expect_redirect(const char *target, const char *location)
{
	struct http_reply r;

	get(target, &r);
	assert_int_equal(r.status, 301);
	assert_header(&r, "Location", location);
	assert_header_match(&r, "Date", IMF_FIXDATE_RE);
	assert_header(&r, "Server", "httpd-lite/" HTTPD_LITE_VERSION);
	assert_non_null(reply_header(&r, "Content-Length"));
	reply_free(&r);
}

static void directory_without_slash_301(void **state)
{
	(void)state;
	expect_redirect("/dir", "/dir/");
	expect_redirect("/dir/sub", "/dir/sub/");
}

static void redirect_keeps_query(void **state)
{
	(void)state;
	expect_redirect("/dir?x=1", "/dir/?x=1");
	expect_redirect("/dir?a=1&b=%20", "/dir/?a=1&b=%20");
}

static void redirect_never_protocol_relative(void **state)
{
	static const char *const targets[] = { "//example.com", "///example.com",
					       "/%2Fexample.com", "//dir" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		struct http_reply r;
		const char *loc;

		get(targets[i], &r);
		assert_int_equal(r.status, 301);
		loc = reply_header(&r, "Location");
		assert_non_null(loc);
		if (strncmp(loc, "//", 2) == 0 || strncmp(loc, "/\\", 2) == 0)
			fail_msg("%s redirected to \"%s\"", targets[i], loc);
		reply_free(&r);
	}
}

static void index_html_served(void **state)
{
	struct http_reply r;

	(void)state;
	get("/withindex/", &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", "text/html");
	assert_body_str(&r, INDEX_HTML_BODY);
	reply_free(&r);
}

static void index_htm_fallback(void **state)
{
	struct http_reply r;

	(void)state;
	get("/htm/", &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", "text/html");
	assert_body_str(&r, HTM_ONLY_BODY);
	reply_free(&r);
}

/* ---- listings ------------------------------------------------------------ */

struct entry {
	const char *href;
	const char *text;
};

/* Directories first (a symlink to one is one), each group in python's
 * str.lower order (so '_' before letters); dirs "/", symlinks "@" (a
 * symlinked dir still links with "/"), text html.escape'd, hrefs
 * urllib.parse.quote'd. */
static const struct entry dir_entries[] = {
	{ "dirlink/", "dirlink@" },
	{ "sub/", "sub/" },
	{ ".hidden", ".hidden" },
	{ "%3Camp%26%3E.txt", "&lt;amp&amp;&gt;.txt" },
	{ "_under.txt", "_under.txt" },
	{ "A.txt", "A.txt" },
	{ "b.txt", "b.txt" },
	{ "caf%C3%A9.txt", "caf\xc3\xa9.txt" },
	{ "link", "link@" },
	{ "sp%20ace.txt", "sp ace.txt" },
};

/* Parse the entry rows, `<tr><td class="n"><a href="H">T</a></td>`, in
 * order (the parent row, `<tr class="up">`, is not an entry); returns the
 * count. */
static size_t parse_entries(const char *body, char (*href)[128],
			    char (*text)[128], size_t max)
{
	static const char open[] = "<tr><td class=\"n\"><a href=\"";
	const char *p = body;
	size_t n = 0;

	while (n < max && (p = strstr(p, open))) {
		const char *h = p + strlen(open);
		const char *q = strchr(h, '"');
		const char *t, *e;

		if (!q || q[1] != '>')
			break;
		t = q + 2;
		e = strstr(t, "</a></td>");
		if (!e)
			break;
		snprintf(href[n], 128, "%.*s", (int)(q - h), h);
		snprintf(text[n], 128, "%.*s", (int)(e - t), t);
		n++;
		p = e;
	}
	return n;
}

static void assert_listing_page(const struct http_reply *r, const char *path)
{
	char want[256];

	assert_int_equal(r->status, 200);
	assert_header(r, "Content-Type", "text/html; charset=utf-8");
	snprintf(want, sizeof(want), "<title>Directory listing for %s</title>",
		 path);
	assert_contains(r->body, r->body_len, want);
	snprintf(want, sizeof(want), "<h1>Directory listing for %s</h1>", path);
	assert_contains(r->body, r->body_len, want);
	assert_header(r, "Vary", "Accept");
	/* A way up, except at the root. */
	if (strcmp(path, "/") == 0)
		assert_false(harness_contains(r->body, r->body_len,
					      "href=\"../\""));
	else
		assert_contains(r->body, r->body_len,
				"<tr class=\"up\"><td class=\"n\"><a href=\"../\">"
				"Parent directory</a></td>");
}

/* HEAD, GET of a listing and a redirect, then a file, on one connection:
 * each Content-Length must be exact or the next response breaks. */
static void listing_and_redirect_lengths_exact(void **state)
{
	struct http_reply h, g, redir, f;
	struct client c;

	(void)state;
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_str(&c,
		"HEAD /dir/ HTTP/1.1\r\nHost: x\r\n\r\n"
		"GET /dir/ HTTP/1.1\r\nHost: x\r\n\r\n"
		"GET /dir HTTP/1.1\r\nHost: x\r\n\r\n"
		"GET /p3.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
	assert_rc_ok(client_read_reply(&c, &h, true));
	assert_int_equal(h.status, 200);
	assert_rc_ok(client_read_reply(&c, &g, false));
	assert_listing_page(&g, "/dir/");
	assert_non_null(reply_header(&h, "Content-Length"));
	assert_non_null(reply_header(&g, "Content-Length"));
	assert_string_equal(reply_header(&h, "Content-Length"),
			    reply_header(&g, "Content-Length"));
	assert_header(&h, "Content-Type", "text/html; charset=utf-8");
	assert_rc_ok(client_read_reply(&c, &redir, false));
	assert_int_equal(redir.status, 301);
	assert_rc_ok(client_read_reply(&c, &f, false));
	assert_int_equal(f.status, 200);
	assert_body_str(&f, pipe_body(3));
	client_close(&c);
	reply_free(&f);
	reply_free(&h);
	reply_free(&g);
	reply_free(&redir);
}

static void listing_order_and_escaping(void **state)
{
	char href[32][128], text[32][128];
	size_t n, i, want = sizeof(dir_entries) / sizeof(dir_entries[0]);
	struct http_reply r;

	(void)state;
	get("/dir/", &r);
	assert_listing_page(&r, "/dir/");
	n = parse_entries(r.body, href, text, 32);
	if (n != want)
		for (i = 0; i < n; i++)
			fprintf(stderr, "  entry %zu: href=\"%s\" text=\"%s\"\n",
				i, href[i], text[i]);
	assert_int_equal(n, want);
	for (i = 0; i < want; i++) {
		/* Hex digits of percent-escapes may be either case. */
		if (strcasecmp(href[i], dir_entries[i].href) != 0)
			fail_msg("entry %zu href \"%s\", want \"%s\"", i,
				 href[i], dir_entries[i].href);
		assert_string_equal(text[i], dir_entries[i].text);
	}
	reply_free(&r);
}

/* The hrefs a listing hands out must lead back to the entries. */
static void listing_hrefs_resolve(void **state)
{
	static const struct {
		const char *href;
		const char *body;
	} files[] = {
		{ ".hidden", "hidden\n" },     { "%3Camp%26%3E.txt", "amp\n" },
		{ "_under.txt", "under\n" },   { "A.txt", "A\n" },
		{ "caf%C3%A9.txt", "cafe\n" }, { "link", "b\n" },
		{ "sp%20ace.txt", "space\n" }, { "dirlink/inner.txt", "inner\n" },
	};
	char target[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct http_reply r;

		snprintf(target, sizeof(target), "/dir/%s", files[i].href);
		get(target, &r);
		if (r.status != 200)
			fail_msg("%s: status %d", target, r.status);
		assert_body_str(&r, files[i].body);
		reply_free(&r);
	}
}

static void listing_of_symlinked_dir(void **state)
{
	char href[8][128], text[8][128];
	struct http_reply r;

	(void)state;
	get("/dir/dirlink/", &r);
	assert_listing_page(&r, "/dir/dirlink/");
	assert_int_equal(parse_entries(r.body, href, text, 8), 1);
	assert_string_equal(href[0], "inner.txt");
	reply_free(&r);
}

static void directory_named_index_html_is_not_an_index(void **state)
{
	char href[8][128], text[8][128];
	struct http_reply r;

	(void)state;
	get("/idxdir/", &r);
	assert_listing_page(&r, "/idxdir/");
	assert_int_equal(parse_entries(r.body, href, text, 8), 2);
	assert_string_equal(href[0], "index.html/");
	assert_string_equal(text[0], "index.html/");
	assert_string_equal(href[1], "other.txt");
	reply_free(&r);
}

static void root_listing_stays_inside_root(void **state)
{
	char href[64][128], text[64][128];
	struct http_reply r;
	size_t n, i;
	bool hello = false;

	(void)state;
	get("/", &r);
	assert_listing_page(&r, "/");
	n = parse_entries(r.body, href, text, 64);
	for (i = 0; i < n; i++) {
		if (strcmp(href[i], "hello.txt") == 0)
			hello = true;
		assert_string_not_equal(href[i], "secret.txt");
		assert_string_not_equal(href[i], "root/");
	}
	assert_true(hello);
	reply_free(&r);
}

/* ---- path decoding ---------------------------------------------------------- */

static void expect_body(const char *target, const char *body)
{
	struct http_reply r;

	get(target, &r);
	if (r.status != 200)
		fail_msg("%s: status %d, want 200", target, r.status);
	assert_body_str(&r, body);
	reply_free(&r);
}

static void plus_stays_plus(void **state)
{
	(void)state;
	expect_body("/a+b.txt", PLUS_BODY);
	expect_body("/a%2Bb.txt", PLUS_BODY);
	expect_body("/a%2bb.txt", PLUS_BODY);
}

static void encoded_slash_decodes(void **state)
{
	(void)state;
	expect_body("/d%2Ff", SLASH_BODY);
	expect_body("/d%2ff", SLASH_BODY);
}

static void percent_decoding_and_query(void **state)
{
	(void)state;
	expect_body("/%68ello%2Etxt", HELLO_BODY);
	expect_body("/dir/sp%20ace.txt", "space\n");
	expect_body("/hello.txt?x=1&y=%2F", HELLO_BODY);
	expect_body("/hello.txt#fragment", HELLO_BODY);
	expect_body("//hello.txt", HELLO_BODY);
	expect_body("/./hello.txt", HELLO_BODY);
	expect_body("/dir/../hello.txt", HELLO_BODY);
}

/* ---- If-Modified-Since -------------------------------------------------------- */

/* Status of GET target with the given extra headers, on a keep-alive
 * connection; a 304 must have no body, which the follow-up GET on the same
 * connection verifies (a stray body would corrupt its response). */
static int conditional_status(const char *target, const char *headers)
{
	struct http_reply r, next;
	struct client c;
	int status;

	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_request(&c, "GET", target, headers));
	assert_rc_ok(client_read_reply(&c, &r, false));
	status = r.status;
	if (status == 304) {
		assert_header_match(&r, "Date", IMF_FIXDATE_RE);
		assert_rc_ok(client_send_request(&c, "GET", "/hello.txt",
						 "Connection: close\r\n"));
		assert_rc_ok(client_read_reply(&c, &next, false));
		assert_int_equal(next.status, 200);
		assert_body_str(&next, HELLO_BODY);
		reply_free(&next);
	}
	client_close(&c);
	reply_free(&r);
	return status;
}

static void ims_equal_or_later_304(void **state)
{
	(void)state;
	assert_int_equal(conditional_status("/old.txt",
		"If-Modified-Since: Sun, 09 Sep 2001 01:46:40 GMT\r\n"), 304);
	assert_int_equal(conditional_status("/old.txt",
		"If-Modified-Since: Mon, 10 Sep 2001 00:00:00 GMT\r\n"), 304);
}

static void ims_earlier_200(void **state)
{
	(void)state;
	assert_int_equal(conditional_status("/old.txt",
		"If-Modified-Since: Sun, 09 Sep 2001 01:46:39 GMT\r\n"), 200);
}

static void ims_malformed_200(void **state)
{
	(void)state;
	assert_int_equal(conditional_status("/old.txt",
		"If-Modified-Since: yesterday\r\n"), 200);
	assert_int_equal(conditional_status("/old.txt",
		"If-Modified-Since: Sun, 39 Sep 2001 01:46:40 GMT\r\n"), 200);
	assert_int_equal(conditional_status("/old.txt",
		"If-Modified-Since: \r\n"), 200);
}

static void ims_all_three_date_formats(void **state)
{
	(void)state;
	assert_int_equal(conditional_status("/old.txt",
		"If-Modified-Since: Sunday, 09-Sep-01 01:46:40 GMT\r\n"), 304);
	assert_int_equal(conditional_status("/old.txt",
		"If-Modified-Since: Sun Sep  9 01:46:40 2001\r\n"), 304);
	assert_int_equal(conditional_status("/old.txt",
		"If-Modified-Since: Saturday, 08-Sep-01 01:46:40 GMT\r\n"), 200);
	assert_int_equal(conditional_status("/old.txt",
		"If-Modified-Since: Sat Sep  8 01:46:40 2001\r\n"), 200);
}

/* frac.txt's mtime is 01:46:40.7: whole seconds compare equal. */
static void ims_compares_whole_seconds(void **state)
{
	(void)state;
	assert_int_equal(conditional_status("/frac.txt",
		"If-Modified-Since: Sun, 09 Sep 2001 01:46:40 GMT\r\n"), 304);
}

static void ims_ignored_with_if_none_match(void **state)
{
	(void)state;
	assert_int_equal(conditional_status("/old.txt",
		"If-None-Match: \"nope\"\r\n"
		"If-Modified-Since: Sun, 09 Sep 2001 01:46:40 GMT\r\n"), 200);
}

static void ims_on_head(void **state)
{
	struct http_reply r;
	static const char req[] =
		"HEAD /old.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
		"If-Modified-Since: Sun, 09 Sep 2001 01:46:40 GMT\r\n\r\n";

	(void)state;
	assert_rc_ok(client_exchange(suite_srv.port, req, strlen(req), true, &r));
	assert_int_equal(r.status, 304);
	reply_free(&r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, suite_setup, suite_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(get_file_headers_and_body),
		T(last_modified_is_file_mtime),
		T(empty_file),
		T(big_file_byte_exact),
		T(content_types),
		T(tar_gz_has_no_content_encoding),
		T(head_same_headers_no_body),
		T(missing_file_404),
		T(after_404_connection_closed_or_usable),
		T(head_of_missing_file_has_no_body),
		T(file_with_trailing_slash_404),
		T(directory_without_slash_301),
		T(redirect_keeps_query),
		T(redirect_never_protocol_relative),
		T(index_html_served),
		T(index_htm_fallback),
		T(listing_order_and_escaping),
		T(listing_and_redirect_lengths_exact),
		T(listing_hrefs_resolve),
		T(listing_of_symlinked_dir),
		T(directory_named_index_html_is_not_an_index),
		T(root_listing_stays_inside_root),
		T(plus_stays_plus),
		T(encoded_slash_decodes),
		T(percent_decoding_and_query),
		T(ims_equal_or_later_304),
		T(ims_earlier_200),
		T(ims_malformed_200),
		T(ims_all_three_date_formats),
		T(ims_compares_whole_seconds),
		T(ims_ignored_with_if_none_match),
		T(ims_on_head),
		T(corked_body_then_keep_alive),
		T(bare_lf_request_served),
		T(expect_continue_answered),
	};

	return cmocka_run_group_tests(tests, suite_group_setup, suite_group_teardown);
}
