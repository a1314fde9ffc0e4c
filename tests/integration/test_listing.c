/* Integration: the directory listing as a browser, wget and a script see
 * it from the real binary. Sorting by size and time (directories first,
 * ties by name), sort buttons (GET forms, no links a crawler would
 * follow) that toggle the current key's order,
 * breadcrumbs, the parent row, JSON by ?format=json or by Accept (and
 * HTML for a browser's Accept), Vary: Accept, --no-listing, a directory
 * of 10,000 entries, and hostile names: escaped in the text,
 * percent-encoded in hrefs that fetch exactly the right file.
 *
 * The tree (made once, mtimes set after everything is created):
 *   sorted/   Zeta/ alpha/ (empty dirs), small.txt (10 B), medium.bin and
 *             tie-a.txt (2000 B each, same mtime), large.bin (300000 B)
 *   a/b/c.txt, noindex/file.txt, withindex/index.html
 *   odd/      names with < > & " ' space % # ? + = ; and non-ASCII, one
 *             that is not UTF-8, one with a control byte; odd/<i>&"'/f
 *   many/     10,000 hard links to one file: f00000 .. f09999 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "json_check.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define T0 ((time_t)1700000000) /* 2023-11-14T22:13:20Z */
#define MANY 10000
#define LARGE_LEN 300000

/* ---- the tree -------------------------------------------------------------- */

struct odd_file {
	const char *name; /* on disk */
	const char *text; /* the link text in the HTML */
	const char *href; /* percent-encoded */
	const char *json; /* "name" in the JSON */
};

/* In the listing's order (python's order, after lower-casing ASCII). */
static const struct odd_file odd_files[] = {
	{ "#hash?.txt", "#hash?.txt", "%23hash%3F.txt", "#hash?.txt" },
	{ "100%.txt", "100%.txt", "100%25.txt", "100%.txt" },
	{ "<b>&\"q'.txt", "&lt;b&gt;&amp;\"q'.txt", "%3Cb%3E%26%22q%27.txt",
	  "<b>&\"q'.txt" },
	{ "a+b=c;d.txt", "a+b=c;d.txt", "a%2Bb%3Dc%3Bd.txt", "a+b=c;d.txt" },
	{ "bad\xffname.txt", "bad\xffname.txt", "bad%FFname.txt",
	  "bad\xef\xbf\xbdname.txt" },
	{ "ctl\x01.txt", "ctl\x01.txt", "ctl%01.txt", "ctl\x01.txt" },
	{ "sp ace & more.txt", "sp ace &amp; more.txt", "sp%20ace%20%26%20more.txt",
	  "sp ace & more.txt" },
	{ "\xe6\x97\xa5\xe6\x9c\xac.txt", "\xe6\x97\xa5\xe6\x9c\xac.txt",
	  "%E6%97%A5%E6%9C%AC.txt", "\xe6\x97\xa5\xe6\x9c\xac.txt" },
};

#define ODD_DIR "<i>&\"'"

/* Each odd file's body names it, so a wrong href fetches a wrong body. */
static void odd_body(size_t i, char *out, size_t size)
{
	snprintf(out, size, "odd file #%zu\n", i);
}

static int make_sorted(void)
{
	static char large[LARGE_LEN];
	int rc = 0;

	memset(large, 'L', sizeof(large));
	rc |= fixture_mkdir(&suite_fx, "sorted/Zeta");
	rc |= fixture_mkdir(&suite_fx, "sorted/alpha");
	rc |= fixture_write_str(&suite_fx, "sorted/small.txt", "0123456789");
	rc |= fixture_write(&suite_fx, "sorted/large.bin", large, sizeof(large));
	rc |= fixture_write(&suite_fx, "sorted/medium.bin", large, 2000);
	rc |= fixture_write(&suite_fx, "sorted/tie-a.txt", large, 2000);
	rc |= fixture_set_mtime(&suite_fx, "sorted/Zeta", T0 + 50, 0);
	rc |= fixture_set_mtime(&suite_fx, "sorted/alpha", T0 + 400, 0);
	rc |= fixture_set_mtime(&suite_fx, "sorted/medium.bin", T0 + 100, 0);
	rc |= fixture_set_mtime(&suite_fx, "sorted/tie-a.txt", T0 + 100, 0);
	rc |= fixture_set_mtime(&suite_fx, "sorted/large.bin", T0 + 200, 0);
	rc |= fixture_set_mtime(&suite_fx, "sorted/small.txt", T0 + 300, 0);
	return rc;
}

static int make_odd(void)
{
	char rel[256], body[64];
	int rc = 0;

	for (size_t i = 0; i < COUNT(odd_files); i++) {
		snprintf(rel, sizeof(rel), "odd/%s", odd_files[i].name);
		odd_body(i, body, sizeof(body));
		rc |= fixture_write_str(&suite_fx, rel, body);
	}
	rc |= fixture_write_str(&suite_fx, "odd/" ODD_DIR "/f", "in the odd dir\n");
	return rc;
}

static int make_many(void)
{
	char first[PATH_MAX], path[PATH_MAX], rel[32];

	if (fixture_write_str(&suite_fx, "many/f00000", "m") < 0)
		return -1;
	fixture_path(&suite_fx, "many/f00000", first, sizeof(first));
	/* Hard links: 10,000 names without 10,000 inodes. */
	for (int i = 1; i < MANY; i++) {
		snprintf(rel, sizeof(rel), "many/f%05d", i);
		fixture_path(&suite_fx, rel, path, sizeof(path));
		if (link(first, path) < 0) {
			perror(path);
			return -1;
		}
	}
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	if (fixture_create(&suite_fx) < 0)
		return -1;
	int rc = make_sorted() | make_odd() | make_many();
	rc |= fixture_write_str(&suite_fx, "a/b/c.txt", "c\n");
	rc |= fixture_write_str(&suite_fx, "noindex/file.txt", "a file\n");
	rc |= fixture_write_str(&suite_fx, "withindex/index.html", INDEX_HTML_BODY);
	return rc ? -1 : 0;
}

static int setup_no_listing(void **state)
{
	static const char *args[] = { "--no-listing", NULL };
	(void)state;
	return harness_start(&suite_srv, suite_fx.root, args);
}

/* ---- requests ------------------------------------------------------------- */

static void get(const char *target, struct http_reply *r)
{
	assert_rc_ok(client_get(suite_srv.port, target, r));
}

/* GET (or HEAD) with extra header lines, on a fresh connection. */
static void request_with(const char *method, const char *target,
			 const char *headers, struct http_reply *r)
{
	struct client c;
	char all[512];

	snprintf(all, sizeof(all), "%sConnection: close\r\n", headers);
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_request(&c, method, target, all));
	assert_rc_ok(client_read_reply(&c, r, strcmp(method, "HEAD") == 0));
	client_close(&c);
}

/* ---- reading the HTML --------------------------------------------------------- */

struct row {
	char href[256];
	char text[256];
	char size[32];
	char datetime[32];
	char shown[32];
};

/* Copy the text between *p and the next `end` into out, and move *p past
 * end; the row's shape is wrong if end does not come. */
static void take_until(const char **p, const char *end, char *out, size_t size)
{
	const char *e = strstr(*p, end);
	if (!e)
		fail_msg("row ends early, no \"%s\" in: %.120s", end, *p);
	if ((size_t)(e - *p) >= size)
		fail_msg("field too long: %.120s", *p);
	memcpy(out, *p, (size_t)(e - *p));
	out[e - *p] = '\0';
	*p = e + strlen(end);
}

/* Every entry row of the table body, in order; the parent row is not an
 * entry. Each row must have exactly the listing's shape. */
static size_t parse_rows(const struct http_reply *r, struct row **out)
{
	static const char open[] = "<tr><td class=\"n\"><a href=\"";
	const char *p = r->body;
	size_t n = 0, cap = 0;

	*out = NULL;
	assert_int_equal(strlen(r->body), r->body_len);
	while ((p = strstr(p, open))) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			*out = realloc(*out, cap * sizeof(**out));
			assert_non_null(*out);
		}
		struct row *w = &(*out)[n++];
		p += strlen(open);
		take_until(&p, "\">", w->href, sizeof(w->href));
		take_until(&p, "</a></td><td class=\"s\">", w->text, sizeof(w->text));
		take_until(&p, "</td><td class=\"t\"><time datetime=\"", w->size,
			   sizeof(w->size));
		take_until(&p, "\">", w->datetime, sizeof(w->datetime));
		take_until(&p, "</time></td></tr>\n", w->shown, sizeof(w->shown));
	}
	return n;
}

static void assert_listing(const struct http_reply *r, const char *title)
{
	char want[512];

	assert_int_equal(r->status, 200);
	assert_header(r, "Content-Type", "text/html; charset=utf-8");
	assert_header(r, "Vary", "Accept");
	snprintf(want, sizeof(want), "<title>Directory listing for %s</title>", title);
	assert_contains(r->body, r->body_len, want);
	snprintf(want, sizeof(want), "<h1>Directory listing for %s</h1>", title);
	assert_contains(r->body, r->body_len, want);
	/* Sorting is by form: no link to the same listing in another order
	 * for wget -r to follow. */
	if (harness_contains(r->body, r->body_len, "href=\"?"))
		fail_msg("a link to a query in the listing of %s", title);
}

/* The hrefs of the rows, in order, are exactly want[]. */
static void assert_row_order(const struct http_reply *r, const char *const *want,
			     size_t n)
{
	struct row *rows;
	size_t got = parse_rows(r, &rows);
	for (size_t i = 0; i < got; i++)
		if (got != n || strcmp(rows[i].href, want[i]) != 0)
			fprintf(stderr, "  row %zu: %s\n", i, rows[i].href);
	assert_int_equal(got, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(rows[i].href, want[i]);
	free(rows);
}

static void rfc3339(time_t t, char *out, size_t size)
{
	struct tm tm;
	assert_non_null(gmtime_r(&t, &tm));
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- sorting ------------------------------------------------------------------- */

static void default_order_is_name_dirs_first(void **state)
{
	static const char *const want[] = {
		"alpha/", "Zeta/", "large.bin", "medium.bin", "small.txt", "tie-a.txt",
	};
	struct http_reply r;

	(void)state;
	get("/sorted/", &r);
	assert_listing(&r, "/sorted/");
	assert_row_order(&r, want, COUNT(want));
	reply_free(&r);
	/* Asked for by name, the same. */
	get("/sorted/?sort=name&order=asc", &r);
	assert_row_order(&r, want, COUNT(want));
	reply_free(&r);
}

static void sort_by_size_desc(void **state)
{
	/* Directories first even here; equal sizes reversed by name too. */
	static const char *const want[] = {
		"Zeta/", "alpha/", "large.bin", "tie-a.txt", "medium.bin", "small.txt",
	};
	static const char *const sizes[] = {
		"-", "-", "293.0 KiB", "2.0 KiB", "2.0 KiB", "10 B",
	};
	struct http_reply r;
	struct row *rows;

	(void)state;
	get("/sorted/?sort=size&order=desc", &r);
	assert_listing(&r, "/sorted/");
	assert_row_order(&r, want, COUNT(want));
	assert_int_equal(parse_rows(&r, &rows), COUNT(sizes));
	for (size_t i = 0; i < COUNT(sizes); i++)
		assert_string_equal(rows[i].size, sizes[i]);
	free(rows);
	reply_free(&r);

	static const char *const asc[] = {
		"alpha/", "Zeta/", "small.txt", "medium.bin", "tie-a.txt", "large.bin",
	};
	get("/sorted/?sort=size", &r);
	assert_row_order(&r, asc, COUNT(asc));
	reply_free(&r);
}

static void sort_by_mtime(void **state)
{
	static const char *const asc[] = {
		"Zeta/", "alpha/", "medium.bin", "tie-a.txt", "large.bin", "small.txt",
	};
	static const time_t times[] = {
		T0 + 50, T0 + 400, T0 + 100, T0 + 100, T0 + 200, T0 + 300,
	};
	static const char *const desc[] = {
		"alpha/", "Zeta/", "small.txt", "large.bin", "tie-a.txt", "medium.bin",
	};
	struct http_reply r;
	struct row *rows;

	(void)state;
	get("/sorted/?sort=mtime", &r);
	assert_listing(&r, "/sorted/");
	assert_row_order(&r, asc, COUNT(asc));
	assert_int_equal(parse_rows(&r, &rows), COUNT(times));
	for (size_t i = 0; i < COUNT(times); i++) {
		char when[32], shown[32];
		rfc3339(times[i], when, sizeof(when));
		assert_string_equal(rows[i].datetime, when);
		/* "YYYY-MM-DD HH:MM", UTC */
		snprintf(shown, sizeof(shown), "%.10s %.5s", when, when + 11);
		assert_string_equal(rows[i].shown, shown);
	}
	free(rows);
	reply_free(&r);

	get("/sorted/?sort=mtime&order=desc", &r);
	assert_row_order(&r, desc, COUNT(desc));
	reply_free(&r);
}

/* The <thead> of a listing, exactly. */
static void assert_heads(const struct http_reply *r, const char *name_order,
			 const char *name_mark, const char *size_order,
			 const char *size_mark, const char *mtime_order,
			 const char *mtime_mark)
{
	char want[1024];
	snprintf(want, sizeof(want),
		 "<thead><tr>"
		 "<th class=\"n\"><form method=\"get\"><button name=\"sort\" "
		 "value=\"name\">Name%s</button><input type=\"hidden\" "
		 "name=\"order\" value=\"%s\"></form></th>"
		 "<th class=\"s\"><form method=\"get\"><button name=\"sort\" "
		 "value=\"size\">Size%s</button><input type=\"hidden\" "
		 "name=\"order\" value=\"%s\"></form></th>"
		 "<th class=\"t\"><form method=\"get\"><button name=\"sort\" "
		 "value=\"mtime\">Last modified (UTC)%s</button><input "
		 "type=\"hidden\" name=\"order\" value=\"%s\"></form></th>"
		 "</tr></thead>\n",
		 name_mark, name_order, size_mark, size_order, mtime_mark,
		 mtime_order);
	assert_contains(r->body, r->body_len, want);
}

/* The target a head's button leads to from dir, as a browser submits a
 * GET form with no action: the page's path, then the button's name=value
 * and the hidden order field, in document order. */
static void head_link(const struct http_reply *r, const char *key,
		      const char *dir, char *target, size_t size)
{
	static const char hidden[] =
		"</button><input type=\"hidden\" name=\"order\" value=\"";
	char open[96], order[16];
	snprintf(open, sizeof(open),
		 "<form method=\"get\"><button name=\"sort\" value=\"%s\">", key);
	const char *p = strstr(r->body, open);
	assert_non_null(p);
	p = strstr(p + strlen(open), hidden);
	assert_non_null(p);
	p += strlen(hidden);
	take_until(&p, "\"></form>", order, sizeof(order));
	snprintf(target, size, "%s?sort=%s&order=%s", dir, key, order);
}

static void sort_buttons_toggle_current_order(void **state)
{
	static const char up[] = " &#9650;", down[] = " &#9660;";
	static const char *const size_desc[] = {
		"Zeta/", "alpha/", "large.bin", "tie-a.txt", "medium.bin", "small.txt",
	};
	static const char *const size_asc[] = {
		"alpha/", "Zeta/", "small.txt", "medium.bin", "tie-a.txt", "large.bin",
	};
	struct http_reply r;
	char target[256];

	(void)state;
	get("/sorted/", &r);
	assert_heads(&r, "desc", up, "asc", "", "asc", "");
	/* Click "Size": ascending by size; its button now says descending. */
	head_link(&r, "size", "/sorted/", target, sizeof(target));
	assert_string_equal(target, "/sorted/?sort=size&order=asc");
	reply_free(&r);
	get(target, &r);
	assert_row_order(&r, size_asc, COUNT(size_asc));
	assert_heads(&r, "asc", "", "desc", up, "asc", "");
	/* Click it again: descending; and once more: back to ascending. */
	head_link(&r, "size", "/sorted/", target, sizeof(target));
	assert_string_equal(target, "/sorted/?sort=size&order=desc");
	reply_free(&r);
	get(target, &r);
	assert_row_order(&r, size_desc, COUNT(size_desc));
	assert_heads(&r, "asc", "", "asc", down, "asc", "");
	head_link(&r, "size", "/sorted/", target, sizeof(target));
	assert_string_equal(target, "/sorted/?sort=size&order=asc");
	/* From there, "Name" starts ascending again. */
	head_link(&r, "name", "/sorted/", target, sizeof(target));
	assert_string_equal(target, "/sorted/?sort=name&order=asc");
	reply_free(&r);

	get("/sorted/?sort=mtime&order=desc", &r);
	assert_heads(&r, "asc", "", "asc", "", "asc", down);
	reply_free(&r);
	get("/sorted/?order=desc", &r);
	assert_heads(&r, "asc", down, "asc", "", "asc", "");
	reply_free(&r);
}

/* ---- breadcrumbs and the way up --------------------------------------------------- */

static void breadcrumbs_link_each_level(void **state)
{
	static const struct {
		const char *href, *title;
	} levels[] = { { "/", "/" }, { "/a/", "/a/" }, { "/a/b/", "/a/b/" } };
	struct http_reply r;

	(void)state;
	get("/a/b/", &r);
	assert_listing(&r, "/a/b/");
	assert_contains(r.body, r.body_len,
			"<nav aria-label=\"breadcrumbs\"><a href=\"/\">/</a>"
			"<a href=\"/a/\">a/</a><a href=\"/a/b/\">b/</a></nav>\n");
	reply_free(&r);
	for (size_t i = 0; i < COUNT(levels); i++) {
		get(levels[i].href, &r);
		assert_listing(&r, levels[i].title);
		reply_free(&r);
	}
	/* Escaped in the text, percent-encoded in the href. */
	get("/odd/%3Ci%3E%26%22%27/", &r);
	assert_listing(&r, "/odd/&lt;i&gt;&amp;\"'/");
	assert_contains(r.body, r.body_len,
			"<nav aria-label=\"breadcrumbs\"><a href=\"/\">/</a>"
			"<a href=\"/odd/\">odd/</a>"
			"<a href=\"/odd/%3Ci%3E%26%22%27/\">&lt;i&gt;&amp;\"'/</a></nav>\n");
	reply_free(&r);
}

static void parent_link_except_at_root(void **state)
{
	static const char up_row[] =
		"<tbody>\n<tr class=\"up\"><td class=\"n\"><a href=\"../\">"
		"Parent directory</a></td><td class=\"s\">-</td>"
		"<td class=\"t\"></td></tr>\n";
	struct http_reply r;

	(void)state;
	get("/a/b/", &r);
	assert_contains(r.body, r.body_len, up_row);
	reply_free(&r);
	get("/a/", &r);
	assert_contains(r.body, r.body_len, up_row);
	reply_free(&r);
	/* "../" from /a/b/ is /a/b/../: the server resolves it to /a/. */
	get("/a/b/../", &r);
	assert_listing(&r, "/a/");
	reply_free(&r);
	get("/", &r);
	assert_listing(&r, "/");
	assert_false(harness_contains(r.body, r.body_len, "href=\"../\""));
	assert_false(harness_contains(r.body, r.body_len, "Parent directory"));
	assert_contains(r.body, r.body_len, "<tbody>\n<tr><td class=\"n\">");
	reply_free(&r);
}

/* ---- JSON ------------------------------------------------------------------------ */

static void parse_json(const struct http_reply *r, struct json_array *a)
{
	assert_int_equal(r->status, 200);
	assert_header(r, "Content-Type", "application/json");
	assert_header(r, "Vary", "Accept");
	if (json_parse_array(r->body, r->body_len, a) != 0)
		fail_msg("not valid JSON: %s\n%.400s", a->error, r->body);
}

static const char *jstr(const struct json_object *o, const char *key)
{
	const struct json_value *v = json_get(o, key);
	if (!v || !v->is_string)
		fail_msg("no string \"%s\"", key);
	return v->str;
}

static long long jnum(const struct json_object *o, const char *key)
{
	const struct json_value *v = json_get(o, key);
	if (!v || v->is_string)
		fail_msg("no number \"%s\"", key);
	return v->num;
}

struct json_want {
	const char *name, *type, *href;
	long long size; /* -1: a directory's, whatever the file system says */
	time_t mtime;
};

static const struct json_want sorted_json[] = {
	{ "alpha", "dir", "alpha/", -1, T0 + 400 },
	{ "Zeta", "dir", "Zeta/", -1, T0 + 50 },
	{ "large.bin", "file", "large.bin", LARGE_LEN, T0 + 200 },
	{ "medium.bin", "file", "medium.bin", 2000, T0 + 100 },
	{ "small.txt", "file", "small.txt", 10, T0 + 300 },
	{ "tie-a.txt", "file", "tie-a.txt", 2000, T0 + 100 },
};

static void assert_sorted_json(const struct http_reply *r, const size_t *order)
{
	struct json_array a;
	parse_json(r, &a);
	assert_int_equal(a.count, COUNT(sorted_json));
	for (size_t i = 0; i < a.count; i++) {
		const struct json_want *w = &sorted_json[order[i]];
		const struct json_object *o = &a.objects[i];
		char when[32];
		assert_int_equal(o->nfields, 5);
		assert_string_equal(jstr(o, "name"), w->name);
		assert_string_equal(jstr(o, "type"), w->type);
		assert_string_equal(jstr(o, "href"), w->href);
		rfc3339(w->mtime, when, sizeof(when));
		assert_string_equal(jstr(o, "mtime"), when);
		if (w->size >= 0)
			assert_int_equal(jnum(o, "size"), w->size);
		else
			assert_true(jnum(o, "size") >= 0);
	}
	json_array_free(&a);
}

static void json_by_query(void **state)
{
	static const size_t by_name[] = { 0, 1, 2, 3, 4, 5 };
	static const size_t by_size_desc[] = { 1, 0, 2, 5, 3, 4 };
	struct http_reply r, h;

	(void)state;
	get("/sorted/?format=json", &r);
	assert_sorted_json(&r, by_name);
	/* HEAD: the same head, no body. */
	request_with("HEAD", "/sorted/?format=json", "", &h);
	assert_int_equal(h.status, 200);
	assert_header(&h, "Content-Type", "application/json");
	assert_string_equal(reply_header(&h, "Content-Length"),
			    reply_header(&r, "Content-Length"));
	assert_int_equal(h.body_len, 0);
	reply_free(&h);
	reply_free(&r);
	/* The view applies to JSON too. */
	get("/sorted/?sort=size&order=desc&format=json", &r);
	assert_sorted_json(&r, by_size_desc);
	reply_free(&r);
	get("/sorted/?format=json;sort=size;order=desc", &r);
	assert_sorted_json(&r, by_size_desc);
	reply_free(&r);
	/* An empty directory is an empty array. */
	get("/sorted/alpha/?format=json", &r);
	assert_int_equal(r.status, 200);
	assert_body_str(&r, "[]\n");
	reply_free(&r);
}

static void json_by_accept_html_for_browsers(void **state)
{
	static const size_t by_name[] = { 0, 1, 2, 3, 4, 5 };
	static const char *const json_accepts[] = {
		"application/json",
		"application/json, text/plain, */*",
		"application/json;q=0.9",
		"application/json;q=0.5, text/html;q=0.4",
	};
	static const char *const html_accepts[] = {
		/* what browsers send (json added at the end) */
		("text/html,application/xhtml+xml,application/xml;q=0.9,"
		 "application/json,*/*;q=0.8"),
		"text/html",
		"*/*",
		"text/plain",
		"application/json;q=0",
		"application/json;q=0.4, text/html;q=0.5",
		"text/html, application/json", /* a tie goes to HTML */
	};
	char headers[256];
	struct http_reply r;

	(void)state;
	for (size_t i = 0; i < COUNT(json_accepts); i++) {
		snprintf(headers, sizeof(headers), "Accept: %s\r\n", json_accepts[i]);
		request_with("GET", "/sorted/", headers, &r);
		assert_sorted_json(&r, by_name);
		reply_free(&r);
	}
	for (size_t i = 0; i < COUNT(html_accepts); i++) {
		snprintf(headers, sizeof(headers), "Accept: %s\r\n", html_accepts[i]);
		request_with("GET", "/sorted/", headers, &r);
		assert_listing(&r, "/sorted/");
		reply_free(&r);
	}
	/* No Accept at all: HTML, as python. */
	request_with("GET", "/sorted/", "", &r);
	assert_listing(&r, "/sorted/");
	reply_free(&r);
	/* ?format= wins over Accept, both ways */
	request_with("GET", "/sorted/?format=html", "Accept: application/json\r\n", &r);
	assert_listing(&r, "/sorted/");
	reply_free(&r);
	request_with("GET", "/sorted/?format=json", "Accept: text/html\r\n", &r);
	assert_sorted_json(&r, by_name);
	reply_free(&r);
}

static void vary_accept_on_listings_only(void **state)
{
	struct http_reply r;

	(void)state;
	get("/a/", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(reply_header_count(&r, "Vary"), 1);
	assert_header(&r, "Vary", "Accept");
	reply_free(&r);
	get("/a/?format=json", &r);
	assert_int_equal(reply_header_count(&r, "Vary"), 1);
	assert_header(&r, "Vary", "Accept");
	reply_free(&r);
	/* A file, and an index page, do not depend on Accept. */
	get("/a/b/c.txt", &r);
	assert_int_equal(r.status, 200);
	assert_null(reply_header(&r, "Vary"));
	reply_free(&r);
	get("/withindex/", &r);
	assert_int_equal(r.status, 200);
	assert_body_str(&r, INDEX_HTML_BODY);
	assert_null(reply_header(&r, "Vary"));
	reply_free(&r);
}

/* ---- --no-listing ---------------------------------------------------------------- */

static void no_listing_403_files_and_indexes_served(void **state)
{
	static const char *const forbidden[] = {
		"/", "/noindex/", "/a/b/", "/noindex/?format=json", "/sorted/?sort=size",
	};
	struct http_reply r;

	(void)state;
	for (size_t i = 0; i < COUNT(forbidden); i++) {
		get(forbidden[i], &r);
		if (r.status != 403)
			fail_msg("GET %s: %d, want 403", forbidden[i], r.status);
		assert_false(harness_contains(r.body, r.body_len, "file.txt"));
		assert_false(harness_contains(r.body, r.body_len, "small.txt"));
		reply_free(&r);
	}
	request_with("GET", "/noindex/", "Accept: application/json\r\n", &r);
	assert_int_equal(r.status, 403);
	reply_free(&r);
	get("/noindex/file.txt", &r);
	assert_int_equal(r.status, 200);
	assert_body_str(&r, "a file\n");
	reply_free(&r);
	get("/withindex/", &r);
	assert_int_equal(r.status, 200);
	assert_body_str(&r, INDEX_HTML_BODY);
	reply_free(&r);
	/* The slash redirect comes first, as without the flag. */
	get("/noindex", &r);
	assert_int_equal(r.status, 301);
	assert_header(&r, "Location", "/noindex/");
	reply_free(&r);
}

/* ---- 10,000 entries ------------------------------------------------------------- */

static long long elapsed_ms(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000LL + (b.tv_nsec - a->tv_nsec) / 1000000;
}

static void ten_thousand_entries(void **state)
{
	struct timespec t0;
	struct http_reply r;
	struct row *rows;
	char name[16];

	(void)state;
	/* Timed for the report only: nothing is asserted about it. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	get("/many/", &r);
	long long html_ms = elapsed_ms(&t0);
	assert_listing(&r, "/many/");
	assert_int_equal(parse_rows(&r, &rows), MANY);
	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "f%05d", i);
		assert_string_equal(rows[i].href, name);
		assert_string_equal(rows[i].text, name);
		assert_string_equal(rows[i].size, "1 B");
	}
	free(rows);
	size_t html_len = r.body_len;
	reply_free(&r);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	get("/many/?format=json&order=desc", &r);
	long long json_ms = elapsed_ms(&t0);
	struct json_array a;
	parse_json(&r, &a);
	assert_int_equal(a.count, MANY);
	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "f%05d", MANY - 1 - i);
		assert_string_equal(jstr(&a.objects[i], "name"), name);
		assert_int_equal(jnum(&a.objects[i], "size"), 1);
	}
	json_array_free(&a);
	fprintf(stderr, "  10,000 entries: HTML %zu bytes in %lld ms, JSON %zu bytes in %lld ms\n",
		html_len, html_ms, r.body_len, json_ms);
	reply_free(&r);
}

/* ---- hostile names ---------------------------------------------------------------- */

static void hostile_names_escaped_and_fetchable(void **state)
{
	struct http_reply r;
	struct row *rows;
	char target[512], body[64];

	(void)state;
	get("/odd/", &r);
	assert_listing(&r, "/odd/");
	/* Nothing of a name reaches the markup unescaped. */
	assert_false(harness_contains(r.body, r.body_len, "<b>"));
	assert_false(harness_contains(r.body, r.body_len, "<i>"));
	size_t n = parse_rows(&r, &rows);
	assert_int_equal(n, COUNT(odd_files) + 1);
	assert_string_equal(rows[0].href, "%3Ci%3E%26%22%27/");
	assert_string_equal(rows[0].text, "&lt;i&gt;&amp;\"'/");
	for (size_t i = 0; i < COUNT(odd_files); i++) {
		const struct row *w = &rows[i + 1];
		assert_string_equal(w->href, odd_files[i].href);
		assert_string_equal(w->text, odd_files[i].text);
	}
	reply_free(&r);

	/* Each href fetches its own file, and only that. */
	for (size_t i = 0; i < COUNT(odd_files); i++) {
		snprintf(target, sizeof(target), "/odd/%s", rows[i + 1].href);
		odd_body(i, body, sizeof(body));
		get(target, &r);
		if (r.status != 200)
			fail_msg("GET %s: %d", target, r.status);
		assert_body_str(&r, body);
		reply_free(&r);
	}
	snprintf(target, sizeof(target), "/odd/%sf", rows[0].href);
	get(target, &r);
	assert_int_equal(r.status, 200);
	assert_body_str(&r, "in the odd dir\n");
	reply_free(&r);
	free(rows);
}

static void hostile_names_in_json(void **state)
{
	struct http_reply r;
	struct json_array a;
	char target[512], body[64];

	(void)state;
	get("/odd/?format=json", &r);
	parse_json(&r, &a);
	assert_int_equal(a.count, COUNT(odd_files) + 1);
	assert_string_equal(jstr(&a.objects[0], "name"), ODD_DIR);
	assert_string_equal(jstr(&a.objects[0], "type"), "dir");
	for (size_t i = 0; i < COUNT(odd_files); i++) {
		const struct json_object *o = &a.objects[i + 1];
		/* The name as text (invalid UTF-8 shown as U+FFFD), the href
		 * naming the file exactly. */
		assert_string_equal(jstr(o, "name"), odd_files[i].json);
		assert_string_equal(jstr(o, "href"), odd_files[i].href);
		assert_string_equal(jstr(o, "type"), "file");
		odd_body(i, body, sizeof(body));
		assert_int_equal(jnum(o, "size"), (long long)strlen(body));
		snprintf(target, sizeof(target), "/odd/%s", jstr(o, "href"));
		struct http_reply f;
		get(target, &f);
		assert_int_equal(f.status, 200);
		assert_body_str(&f, body);
		reply_free(&f);
	}
	json_array_free(&a);
	reply_free(&r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, suite_setup, suite_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(default_order_is_name_dirs_first),
		T(sort_by_size_desc),
		T(sort_by_mtime),
		T(sort_buttons_toggle_current_order),
		T(breadcrumbs_link_each_level),
		T(parent_link_except_at_root),
		T(json_by_query),
		T(json_by_accept_html_for_browsers),
		T(vary_accept_on_listings_only),
		cmocka_unit_test_setup_teardown(no_listing_403_files_and_indexes_served,
						setup_no_listing, suite_teardown),
		T(ten_thousand_entries),
		T(hostile_names_escaped_and_fetchable),
		T(hostile_names_in_json),
	};
	return cmocka_run_group_tests(tests, group_setup, suite_group_teardown);
}
