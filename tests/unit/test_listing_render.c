/* Unit tests for listing: the HTML document (compared whole, but for its
 * stylesheet: title, h1, breadcrumbs, sort buttons, every row in order),
 * human sizes at the unit boundaries, times, and the JSON listing, parsed
 * back by a strict checker that shares no code with the server
 * (tests/integration/json_check.h) for hostile names. The hand-written
 * sizes, times and hrefs are held to printf, gmtime+strftime and
 * path_percent_encode over thousands of values. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirlist.h"
#include "listing.h"
#include "path.h"
#include "../integration/json_check.h"

#define TMPDIR_TEMPLATE "/tmp/test_listing_render.XXXXXX"
#define MANY_ENTRIES 10000
#define KNOWN_MTIME 1000000000 /* 2001-09-09T01:46:40Z */
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* One row of the listing, as listing_render_html writes it. */
#define ROW(href, text, size, time)                                            \
	"<tr><td class=\"n\"><a href=\"" href "\">" text "</a></td>"           \
	"<td class=\"s\">" size "</td><td class=\"t\">" time "</td></tr>\n"
#define KNOWN_TIME "<time datetime=\"2001-09-09T01:46:40Z\">2001-09-09 01:46</time>"
#define EPOCH_TIME "<time datetime=\"1970-01-01T00:00:00Z\">1970-01-01 00:00</time>"
#define UP_ROW                                                                 \
	"<tr class=\"up\"><td class=\"n\"><a href=\"../\">Parent directory</a></td>" \
	"<td class=\"s\">-</td><td class=\"t\"></td></tr>\n"
#define ROOT_NAV "<nav aria-label=\"breadcrumbs\"><a href=\"/\">/</a></nav>\n"
/* The column heads of the default view (by name, ascending). */
#define HEAD(key, cls, order, label)                                           \
	"<th class=\"" cls "\"><form method=\"get\"><button name=\"sort\" "    \
	"value=\"" key "\">" label "</button><input type=\"hidden\" "          \
	"name=\"order\" value=\"" order "\"></form></th>"
#define UP " &#9650;"
#define DOWN " &#9660;"
#define TIME_LABEL "Last modified (UTC)"
#define DEFAULT_HEADS                                                          \
	HEAD("name", "n", "desc", "Name" UP) HEAD("size", "s", "asc", "Size")  \
	HEAD("mtime", "t", "asc", TIME_LABEL)

#define UTF8_FFFD "\xef\xbf\xbd"

struct fixture {
	char path[sizeof(TMPDIR_TEMPLATE)];
	int fd;
};

/* ---- temporary directories ------------------------------------------ */

static int setup_tmpdir(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	memcpy(f->path, TMPDIR_TEMPLATE, sizeof(TMPDIR_TEMPLATE));
	if (!mkdtemp(f->path)) {
		free(f);
		return -1;
	}
	f->fd = open(f->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->fd < 0) {
		rmdir(f->path);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) == 0 ? 0 : -1;
}

static int teardown_tmpdir(void **state)
{
	struct fixture *f = *state;
	close(f->fd);
	/* Depth first and without following links: the links to "dir" and
	 * the dangling one are removed as links. */
	int rc = nftw(f->path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return rc;
}

static void make_file(int dfd, const char *name, const char *content)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			0644);
	assert_true(fd >= 0);
	size_t len = strlen(content);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void make_dir(int dfd, const char *name)
{
	assert_int_equal(mkdirat(dfd, name, 0755), 0);
}

static void make_link(int dfd, const char *target, const char *name)
{
	assert_int_equal(symlinkat(target, dfd, name), 0);
}

static void set_mtime(int dfd, const char *name, time_t when)
{
	struct timespec ts[2] = { { .tv_sec = when }, { .tv_sec = when } };
	assert_int_equal(utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW), 0);
}

/* Equal counts before and after a call mean it leaked no descriptor. */
/* Everything python's http.server lists specially. */
static void make_tricky_tree(int dfd)
{
	static const char *const plain[] = {
		".hidden",   "a&b<c>d\"e'f", "with space", "100%",
		"hash#tag",  "what?",        "café",       "Ünïcode",
		"日本",      "B",            "b",          "_under",
		"a_b",       "aZ",           "a_",         "Apple",
		"~tilde",    "plus+sign",    "semi;colon", "eq=1",
	};
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		make_file(dfd, plain[i], "");
	make_file(dfd, "plain.txt", "hi\n");
	make_dir(dfd, "dir");
	make_dir(dfd, "sub dir&");
	make_link(dfd, "dir", "link2dir");
	make_link(dfd, "plain.txt", "link2file");
	make_link(dfd, "nowhere", "dangling");
}

/* Every entry (and, through it, every link target) to KNOWN_MTIME, so
 * that the rows can be compared byte for byte. */
static void set_all_mtimes(int dfd)
{
	DIR *d = fdopendir(dup(dfd));
	assert_non_null(d);
	rewinddir(d);
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			set_mtime(dfd, de->d_name, KNOWN_MTIME);
	assert_int_equal(closedir(d), 0);
}

/* The tricky tree at "/", default view: directories first (a link to a
 * directory is one), then python's order; html.escape'd text with "/"
 * and "@" marks; quote()'d hrefs, a directory's with "/". */
/* ---- the document ------------------------------------------------------ */

static void assert_strings_equal_n(const char *got, size_t got_len,
				   const char *want)
{
	size_t len = strlen(want);
	/* On a mismatch, cmocka shows both as strings. */
	if (got_len != len || memcmp(got, want, len) != 0) {
		char *copy = strndup(got ? got : "", got_len);
		assert_non_null(copy);
		assert_string_equal(copy, want);
		free(copy);
	}
}

/* The stylesheet is checked on its own (test_render_stylesheet); here it
 * is cut out, once, so that everything else is compared byte for byte. */
static char *without_style(const struct buf *b)
{
	assert_true(buf_ok(b));
	char *doc = strndup(b->data, b->len);
	assert_non_null(doc);
	assert_int_equal(strlen(doc), b->len);
	char *open = strstr(doc, "<style>\n");
	assert_non_null(open);
	char *close = strstr(open, "</style>\n");
	assert_non_null(close);
	close += strlen("</style>\n");
	memmove(open, close, strlen(close) + 1);
	assert_null(strstr(doc, "<style"));
	/* the filter box's script, checked on its own */
	open = strstr(doc, "<script>");
	assert_non_null(open);
	close = strstr(open, "</script>\n");
	assert_non_null(close);
	close += strlen("</script>\n");
	memmove(open, close, strlen(close) + 1);
	assert_null(strstr(doc, "<script"));
	return doc;
}

/* The whole listing: title_html is the path as it must appear in <title>
 * and <h1>, nav the breadcrumbs line, heads the three <th>, rows the
 * body of the table (the parent row included). */
static void assert_document(const struct buf *b, const char *title_html,
			    const char *nav, const char *heads, const char *rows)
{
	char *want = NULL;
	int n = asprintf(&want,
			 "<!DOCTYPE HTML>\n"
			 "<html lang=\"en\">\n"
			 "<head>\n"
			 "<meta charset=\"utf-8\">\n"
			 "<meta name=\"viewport\" content=\"width=device-width, "
			 "initial-scale=1\">\n"
			 "<title>Directory listing for %s</title>\n"
			 "</head>\n"
			 "<body>\n"
			 "<h1>Directory listing for %s</h1>\n"
			 "%s"
			 "<hr>\n"
			 "<table>\n"
			 "<thead><tr>%s</tr></thead>\n"
			 "<tbody>\n"
			 "%s"
			 "</tbody>\n"
			 "</table>\n"
			 "<hr>\n"
			 "</body>\n"
			 "</html>\n",
			 title_html, title_html, nav, heads, rows);
	assert_true(n > 0);
	char *got = without_style(b);
	assert_strings_equal_n(got, strlen(got), want);
	free(got);
	free(want);
}

static const struct dirlist_view default_view = { .key = DIRLIST_BY_NAME };

static void render(const struct dirlist *l, const char *path,
		   const struct dirlist_view *view, struct buf *b)
{
	buf_init(b);
	listing_render_html(l, path, view, NULL, b);
	assert_true(buf_ok(b));
}

/* ---- reading real directories --------------------------------------- */

static void list_make(struct dirlist *l, const char *const *names, size_t n)
{
	l->entries = calloc(n ? n : 1, sizeof(*l->entries));
	assert_non_null(l->entries);
	l->count = n;
	l->cap = n ? n : 1;
	for (size_t i = 0; i < n; i++) {
		l->entries[i].name = strdup(names[i]);
		assert_non_null(l->entries[i].name);
	}
}

struct spec {
	const char *name;
	bool is_dir;
	bool is_link;
	off_t size;
	time_t mtime;
};

static void list_from_specs(struct dirlist *l, const struct spec *s, size_t n,
			    bool reversed)
{
	l->entries = calloc(n ? n : 1, sizeof(*l->entries));
	assert_non_null(l->entries);
	l->count = n;
	l->cap = n ? n : 1;
	for (size_t i = 0; i < n; i++) {
		const struct spec *sp = &s[reversed ? n - 1 - i : i];
		struct dirlist_entry *e = &l->entries[i];
		e->name = strdup(sp->name);
		assert_non_null(e->name);
		e->is_dir = sp->is_dir;
		e->is_link = sp->is_link;
		e->size = sp->size;
		e->mtime = sp->mtime;
	}
}

/* ---- rendering, on made-up entries ---------------------------------- */

static void test_render_escaping_and_kinds(void **state)
{
	(void)state;
	static const char *const names[] = {
		"<script>&amp;\"'", "dir <x>", "link&dir", "link to file",
		"100% #1?",
	};
	struct dirlist l;
	list_make(&l, names, COUNT(names));
	for (size_t i = 0; i < l.count; i++)
		l.entries[i].mtime = KNOWN_MTIME;
	l.entries[0].size = 7;
	l.entries[1].is_dir = true;
	l.entries[2].is_dir = true;
	l.entries[2].is_link = true;
	l.entries[3].is_link = true;
	l.entries[3].size = 2048;

	/* Rendering keeps the list's order: sorting is the caller's. */
	struct buf b;
	render(&l, "/a&b/<i>\"q'/", &default_view, &b);
	assert_document(
		&b, "/a&amp;b/&lt;i&gt;\"q'/",
		"<nav aria-label=\"breadcrumbs\"><a href=\"/\">/</a>"
		"<a href=\"/a%26b/\">a&amp;b/</a>"
		"<a href=\"/a%26b/%3Ci%3E%22q%27/\">&lt;i&gt;\"q'/</a></nav>\n",
		DEFAULT_HEADS,
		UP_ROW
		ROW("%3Cscript%3E%26amp%3B%22%27", "&lt;script&gt;&amp;amp;\"'",
		    "7 B", KNOWN_TIME)
		ROW("dir%20%3Cx%3E/", "dir &lt;x&gt;/", "-", KNOWN_TIME)
		ROW("link%26dir/", "link&amp;dir@", "-", KNOWN_TIME)
		ROW("link%20to%20file", "link to file@", "2.0 KiB", KNOWN_TIME)
		ROW("100%25%20%231%3F", "100% #1?", "0 B", KNOWN_TIME));
	buf_free(&b);
	dirlist_free(&l);
}

static void test_render_breadcrumbs_and_parent(void **state)
{
	(void)state;
	static const struct {
		const char *path, *title, *nav;
		bool up;
	} cases[] = {
		{ "/", "/", "<a href=\"/\">/</a>", false },
		{ "/a/", "/a/", "<a href=\"/\">/</a><a href=\"/a/\">a/</a>", true },
		{ "/a/b/", "/a/b/",
		  "<a href=\"/\">/</a><a href=\"/a/\">a/</a><a href=\"/a/b/\">b/</a>",
		  true },
		{ "/日本/x y&z/", "/日本/x y&amp;z/",
		  "<a href=\"/\">/</a><a href=\"/%E6%97%A5%E6%9C%AC/\">日本/</a>"
		  "<a href=\"/%E6%97%A5%E6%9C%AC/x%20y%26z/\">x y&amp;z/</a>",
		  true },
		{ "/%41/?#/", "/%41/?#/",
		  "<a href=\"/\">/</a><a href=\"/%2541/\">%41/</a>"
		  "<a href=\"/%2541/%3F%23/\">?#/</a>",
		  true },
	};
	struct dirlist l = { .entries = NULL };
	for (size_t i = 0; i < COUNT(cases); i++) {
		char nav[512];
		snprintf(nav, sizeof(nav),
			 "<nav aria-label=\"breadcrumbs\">%s</nav>\n", cases[i].nav);
		struct buf b;
		render(&l, cases[i].path, &default_view, &b);
		assert_document(&b, cases[i].title, nav, DEFAULT_HEADS,
				cases[i].up ? UP_ROW : "");
		buf_free(&b);
	}
}

static void test_render_sort_buttons(void **state)
{
	(void)state;
	/* The current key's head sorts the other order and shows an arrow
	 * (up: ascending now); the other heads sort ascending. Buttons in
	 * GET forms, never links a crawler would follow. */
	static const struct {
		struct dirlist_view view;
		const char *heads;
	} cases[] = {
		{ { .key = DIRLIST_BY_NAME, .descending = false },
		  HEAD("name", "n", "desc", "Name" UP) HEAD("size", "s", "asc", "Size")
		  HEAD("mtime", "t", "asc", TIME_LABEL) },
		{ { .key = DIRLIST_BY_NAME, .descending = true },
		  HEAD("name", "n", "asc", "Name" DOWN) HEAD("size", "s", "asc", "Size")
		  HEAD("mtime", "t", "asc", TIME_LABEL) },
		{ { .key = DIRLIST_BY_SIZE, .descending = false },
		  HEAD("name", "n", "asc", "Name") HEAD("size", "s", "desc", "Size" UP)
		  HEAD("mtime", "t", "asc", TIME_LABEL) },
		{ { .key = DIRLIST_BY_SIZE, .descending = true },
		  HEAD("name", "n", "asc", "Name") HEAD("size", "s", "asc", "Size" DOWN)
		  HEAD("mtime", "t", "asc", TIME_LABEL) },
		{ { .key = DIRLIST_BY_MTIME, .descending = false },
		  HEAD("name", "n", "asc", "Name") HEAD("size", "s", "asc", "Size")
		  HEAD("mtime", "t", "desc", TIME_LABEL UP) },
		{ { .key = DIRLIST_BY_MTIME, .descending = true },
		  HEAD("name", "n", "asc", "Name") HEAD("size", "s", "asc", "Size")
		  HEAD("mtime", "t", "asc", TIME_LABEL DOWN) },
	};
	struct dirlist l = { .entries = NULL };
	for (size_t i = 0; i < COUNT(cases); i++) {
		struct buf b;
		render(&l, "/", &cases[i].view, &b);
		assert_document(&b, "/", ROOT_NAV, cases[i].heads, "");
		assert_null(memmem(b.data, b.len, "href=\"?", 7));
		buf_free(&b);
	}
}

/* One file of the given size: its row, exactly. */
static void assert_size_cell(off_t size, bool is_dir, const char *want)
{
	struct dirlist l;
	static const char *const name[] = { "f" };
	list_make(&l, name, 1);
	l.entries[0].size = size;
	l.entries[0].is_dir = is_dir;
	char rows[256];
	snprintf(rows, sizeof(rows),
		 "<tr><td class=\"n\"><a href=\"f%s\">f%s</a></td>"
		 "<td class=\"s\">%s</td><td class=\"t\">" EPOCH_TIME "</td></tr>\n",
		 is_dir ? "/" : "", is_dir ? "/" : "", want);
	struct buf b;
	render(&l, "/", &default_view, &b);
	assert_document(&b, "/", ROOT_NAV, DEFAULT_HEADS, rows);
	buf_free(&b);
	dirlist_free(&l);
}

static void test_render_human_sizes(void **state)
{
	(void)state;
	static const struct {
		long long size;
		const char *want;
	} cases[] = {
		{ 0, "0 B" },
		{ 1, "1 B" },
		{ 1023, "1023 B" },
		{ 1024, "1.0 KiB" },
		{ 1075, "1.0 KiB" },  /* 1.0498 */
		{ 1076, "1.1 KiB" },  /* 1.0508 */
		{ 1536, "1.5 KiB" },
		{ 10240, "10.0 KiB" },
		{ 1048524, "1023.9 KiB" },
		/* 1023.95 KiB and up would print as "1024.0 KiB" */
		{ 1048525, "1.0 MiB" },
		{ 1048575, "1.0 MiB" },
		{ 1048576, "1.0 MiB" },
		{ 1572864, "1.5 MiB" },
		{ 1073741823, "1.0 GiB" },
		{ 1073741824, "1.0 GiB" },
		{ 1649267441664LL, "1.5 TiB" },
		{ 1125899906842624LL, "1.0 PiB" },
		{ 1152921504606846976LL, "1.0 EiB" },
		{ INT64_MAX, "8.0 EiB" },
	};
	for (size_t i = 0; i < COUNT(cases); i++)
		assert_size_cell((off_t)cases[i].size, false, cases[i].want);
	/* A directory's size means nothing to a reader. */
	assert_size_cell(4096, true, "-");
}

static void test_render_times(void **state)
{
	(void)state;
	static const struct {
		time_t t;
		const char *want;
	} cases[] = {
		{ 0, EPOCH_TIME },
		{ KNOWN_MTIME, KNOWN_TIME },
		/* minutes are cut, not rounded */
		{ 4102444799LL,
		  "<time datetime=\"2099-12-31T23:59:59Z\">2099-12-31 23:59</time>" },
		{ -1, "<time datetime=\"1969-12-31T23:59:59Z\">1969-12-31 23:59</time>" },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		struct dirlist l;
		static const char *const name[] = { "f" };
		list_make(&l, name, 1);
		l.entries[0].mtime = cases[i].t;
		char rows[256];
		snprintf(rows, sizeof(rows),
			 "<tr><td class=\"n\"><a href=\"f\">f</a></td>"
			 "<td class=\"s\">0 B</td><td class=\"t\">%s</td></tr>\n",
			 cases[i].want);
		struct buf b;
		render(&l, "/", &default_view, &b);
		assert_document(&b, "/", ROOT_NAV, DEFAULT_HEADS, rows);
		buf_free(&b);
		dirlist_free(&l);
	}
}

/* ---- hand-written formatting against printf, strftime, path.c ------ */

/* Rows, one per entry named "f", each from "<td class=\"s\">" on. */
static char *render_cells(struct dirlist *l, struct buf *b)
{
	render(l, "/", &default_view, b);
	buf_append(b, "", 1);
	assert_true(buf_ok(b));
	return strstr(b->data, "<tbody>\n");
}

/* The reference: what the size cell was when printf made it. */
static void printf_human_size(off_t size, char *out, size_t cap)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	if (size < 1024) {
		snprintf(out, cap, "%lld B", (long long)size);
		return;
	}
	double v = (double)size / 1024.0;
	size_t u = 0;
	while (v >= 1023.95 && u + 1 < COUNT(units)) {
		v /= 1024.0;
		u++;
	}
	snprintf(out, cap, "%.1f %s", v, units[u]);
}

static uint64_t test_rand_state = 88172645463325252ULL;

static uint64_t test_rand(void)
{
	test_rand_state ^= test_rand_state << 13;
	test_rand_state ^= test_rand_state >> 7;
	test_rand_state ^= test_rand_state << 17;
	return test_rand_state;
}

#define SIZE_CASES 20000

static off_t size_case(size_t i)
{
	if (i < 5000) /* every size up to 5000 */
		return (off_t)i;
	if (i < 8000) { /* around each power of two, and each 1024^k * 1023.95 */
		unsigned bit = (unsigned)(i % 63);
		off_t near = (off_t)(test_rand() % 64) - 32;
		if (i % 2)
			return ((off_t)1 << bit) + near;
		off_t unit = (off_t)1 << (10 * (1 + i % 5));
		return (off_t)((double)unit * 1023.95) + near;
	}
	if (i < 8100) /* negative: never from stat, still printed */
		return -(off_t)(test_rand() >> (i % 64));
	/* any magnitude, ties included (low bits zero) */
	uint64_t r = test_rand() >> (1 + i % 63);
	return (off_t)(i % 3 ? r : r & ~(uint64_t)0x3ff);
}

static void test_render_sizes_match_printf(void **state)
{
	(void)state;
	struct dirlist l;
	const char **names = calloc(SIZE_CASES, sizeof(*names));
	assert_non_null(names);
	for (size_t i = 0; i < SIZE_CASES; i++)
		names[i] = "f";
	list_make(&l, names, SIZE_CASES);
	for (size_t i = 0; i < SIZE_CASES; i++)
		l.entries[i].size = size_case(i);
	struct buf b;
	const char *p = render_cells(&l, &b);
	for (size_t i = 0; i < SIZE_CASES; i++) {
		char want[128], cell[160];
		printf_human_size(l.entries[i].size, want, sizeof(want));
		snprintf(cell, sizeof(cell), "<td class=\"s\">%s</td>", want);
		p = strstr(p, "<td class=\"s\">");
		assert_non_null(p);
		if (strncmp(p, cell, strlen(cell)) != 0)
			fail_msg("size %lld: want %s", (long long)l.entries[i].size, cell);
		p++;
	}
	buf_free(&b);
	dirlist_free(&l);
	free(names);
}

#define TIME_CASES 20000

static time_t time_case(size_t i)
{
	static const long long edges[] = {
		0, 1, 59, 60, 86399, 86400, 951782400 /* 2000-02-29 */,
		951868800, 4107542400LL /* 2100-03-01 */, 4107456000LL,
		253402300799LL /* 9999-12-31T23:59:59Z */, 253402300800LL,
		-1, -86400, -86401, -62167219200LL /* 0000-01-01 */,
		-62167219201LL, 67767976233316800LL, -67768040609740800LL,
	};
	if (i < COUNT(edges))
		return (time_t)edges[i];
	if (i < 12000) /* every day's last second, 1970 to 2400 and past it */
		return (time_t)((long long)(i - COUNT(edges)) * 19723 * 86400 / 1000 + 86399);
	/* anything from far before 1970 to far after 9999 */
	long long r = (long long)(test_rand() % 600000000000ULL) - 100000000000LL;
	return (time_t)r;
}

static void test_render_times_match_strftime(void **state)
{
	(void)state;
	struct dirlist l;
	const char **names = calloc(TIME_CASES, sizeof(*names));
	assert_non_null(names);
	for (size_t i = 0; i < TIME_CASES; i++)
		names[i] = "f";
	list_make(&l, names, TIME_CASES);
	for (size_t i = 0; i < TIME_CASES; i++)
		l.entries[i].mtime = time_case(i);
	struct buf b;
	const char *p = render_cells(&l, &b);
	for (size_t i = 0; i < TIME_CASES; i++) {
		time_t t = l.entries[i].mtime;
		struct tm tm;
		if (!gmtime_r(&t, &tm))
			memset(&tm, 0, sizeof(tm));
		char when[64], cell[160];
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		snprintf(cell, sizeof(cell), "<time datetime=\"%s\">%.10s %.5s</time>",
			 when, when, when + 11);
		p = strstr(p, "<time ");
		assert_non_null(p);
		if (strncmp(p, cell, strlen(cell)) != 0)
			fail_msg("time %lld: want %s", (long long)t, cell);
		p++;
	}
	buf_free(&b);
	dirlist_free(&l);
	free(names);
}

/* The listing's hrefs (HTML and JSON) are path_percent_encode's, byte
 * for byte, for every byte a name can hold. */
static void test_href_encoding_matches_path(void **state)
{
	(void)state;
	char name[256];
	for (int c = 1; c < 256; c++)
		name[c - 1] = (char)c;
	name[255] = '\0';
	struct buf want;
	buf_init(&want);
	buf_append_str(&want, "href\":\"");
	path_percent_encode(name, 255, &want);
	buf_append(&want, "\"", 2);
	const char *const names[] = { name };
	struct dirlist l;
	list_make(&l, names, 1);
	struct buf json;
	buf_init(&json);
	listing_render_json(&l, false, &json);
	buf_append(&json, "", 1);
	assert_non_null(strstr(json.data, want.data));
	struct buf html;
	render(&l, "/", &default_view, &html);
	buf_append(&html, "", 1);
	want.data[4] = '=';
	want.data[5] = '"';
	memmove(want.data + 5, want.data + 6, want.len - 6);
	assert_non_null(strstr(html.data, want.data));
	buf_free(&want);
	buf_free(&json);
	buf_free(&html);
	dirlist_free(&l);
}

static void test_render_stylesheet(void **state)
{
	(void)state;
	struct dirlist l = { .entries = NULL };
	struct buf b;
	render(&l, "/", &default_view, &b);
	char *doc = strndup(b.data, b.len);
	assert_non_null(doc);
	/* Inline, in the head, one block; dark mode and a phone layout. */
	const char *style = strstr(doc, "<style>\n");
	const char *end = strstr(doc, "</style>\n");
	assert_non_null(style);
	assert_non_null(end);
	assert_true(style < end);
	assert_true(end < strstr(doc, "</head>"));
	assert_null(strstr(style + 1, "<style"));
	assert_true(strstr(style, "@media (prefers-color-scheme:dark)") < end);
	assert_true(strstr(style, "@media (max-width:") < end);
	assert_true(strstr(style, "color-scheme:light dark") < end);
	/* One inline script (the filter box), after the table; nothing
	 * fetched from elsewhere. */
	const char *script = strstr(doc, "<script>");
	assert_non_null(script);
	assert_true(script > strstr(doc, "</table>"));
	assert_null(strstr(script + 1, "<script"));
	assert_null(strstr(doc, "src="));
	assert_null(strstr(doc, "<link"));
	assert_null(strstr(doc, "http://"));
	assert_null(strstr(doc, "https://"));
	free(doc);
	buf_free(&b);
}

/* The filter box is made by the script (no <input> in the HTML: without
 * JavaScript the page is the plain listing); the rows it filters are the
 * table's; the script is what its published CSP hash says (held to
 * openssl in tests/integration/test_filter.c). */
static void test_render_filter_script(void **state)
{
	(void)state;
	static const char *const names[] = {"a", "b"};
	struct dirlist l;
	list_make(&l, names, 2);
	struct buf b;
	render(&l, "/x/", &default_view, &b);
	char *doc = strndup(b.data, b.len);
	assert_non_null(doc);
	const char *script = strstr(doc, "<script>(function(){");
	assert_non_null(script);
	assert_null(strstr(doc, "type=\"search\""));
	assert_true(strstr(doc, "class=\"filter\"") == NULL);
	assert_non_null(strstr(script, "createElement('input')"));
	assert_non_null(strstr(script, "e.key=='/'"));
	assert_non_null(strstr(script, "})();</script>\n</body>\n</html>\n"));
	assert_int_equal(strlen(LISTING_FILTER_SCRIPT_SHA256), 44);
	free(doc);
	buf_free(&b);
	dirlist_free(&l);
}

static void test_render_appends_to_buffer(void **state)
{
	(void)state;
	struct dirlist l = { .entries = NULL };
	struct buf b;
	buf_init(&b);
	buf_append_str(&b, "HEAD");
	listing_render_html(&l, "/", &default_view, NULL, &b);
	assert_true(buf_ok(&b));
	assert_true(b.len > 4);
	assert_memory_equal(b.data, "HEAD<!DOCTYPE HTML>\n", 20);
	buf_free(&b);

	buf_init(&b);
	buf_append_str(&b, "HEAD");
	listing_render_json(&l, false, &b);
	assert_true(buf_ok(&b));
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.data, "HEAD[]\n", 7);
	buf_free(&b);
}

/* ---- JSON ---------------------------------------------------------------- */

static void render_json(const struct dirlist *l, struct json_array *a)
{
	struct buf b;
	buf_init(&b);
	listing_render_json(l, false, &b);
	assert_true(buf_ok(&b));
	if (json_parse_array(b.data, b.len, a) != 0) {
		char *text = strndup(b.data, b.len);
		fail_msg("not valid JSON: %s\n%s", a->error, text ? text : "");
	}
	buf_free(&b);
}

static const char *json_str(const struct json_object *o, const char *key)
{
	const struct json_value *v = json_get(o, key);
	if (!v || !v->is_string)
		fail_msg("no string \"%s\"", key);
	return v->str;
}

static long long json_num(const struct json_object *o, const char *key)
{
	const struct json_value *v = json_get(o, key);
	if (!v || v->is_string)
		fail_msg("no number \"%s\"", key);
	return v->num;
}

static bool is_rfc3339_utc(const char *s)
{
	regex_t re;
	assert_int_equal(regcomp(&re,
				 "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
				 "T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	bool ok = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

/* Every object has exactly the five documented fields. */
static void assert_json_entry_shape(const struct json_object *o)
{
	assert_int_equal(o->nfields, 5);
	(void)json_str(o, "name");
	(void)json_str(o, "type");
	(void)json_num(o, "size");
	(void)json_str(o, "href");
	if (!is_rfc3339_utc(json_str(o, "mtime")))
		fail_msg("mtime \"%s\" is not RFC 3339 UTC", json_str(o, "mtime"));
}

struct hostile {
	const char *name;  /* on disk */
	const char *want;  /* "name" decoded from the JSON */
	const char *href;
};

static const struct hostile hostile_names[] = {
	{ "say \"hi\"", "say \"hi\"", "say%20%22hi%22" },
	{ "back\\slash", "back\\slash", "back%5Cslash" },
	{ "<>&'", "<>&'", "%3C%3E%26%27" },
	{ "del\x7f", "del\x7f", "del%7F" },
	{ "\\u0041", "\\u0041", "%5Cu0041" },
	/* valid UTF-8 passes through */
	{ "café", "café", "caf%C3%A9" },
	{ "\xe2\x82\xac", "\xe2\x82\xac", "%E2%82%AC" },
	{ "emoji\xf0\x9f\x98\x80", "emoji\xf0\x9f\x98\x80", "emoji%F0%9F%98%80" },
	{ "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf", "%F4%8F%BF%BF" },
	/* each byte of an invalid sequence becomes U+FFFD */
	{ "\xff", UTF8_FFFD, "%FF" },
	{ "\xc0\xae", UTF8_FFFD UTF8_FFFD, "%C0%AE" },
	{ "ab\xe2\x82", "ab" UTF8_FFFD UTF8_FFFD, "ab%E2%82" },
	{ "x\xe2\x82y", "x" UTF8_FFFD UTF8_FFFD "y", "x%E2%82y" },
	{ "\xed\xa0\x80", UTF8_FFFD UTF8_FFFD UTF8_FFFD, "%ED%A0%80" },
	{ "\xf4\x90\x80\x80", UTF8_FFFD UTF8_FFFD UTF8_FFFD UTF8_FFFD,
	  "%F4%90%80%80" },
	{ "\xf0\x9f\x98", UTF8_FFFD UTF8_FFFD UTF8_FFFD, "%F0%9F%98" },
	{ "\xc3", UTF8_FFFD, "%C3" },
	{ "\x80z", UTF8_FFFD "z", "%80z" },
	{ "\xf8\x88\x80\x80\x80", UTF8_FFFD UTF8_FFFD UTF8_FFFD UTF8_FFFD UTF8_FFFD,
	  "%F8%88%80%80%80" },
};

#define N_CONTROL 31 /* 0x01 .. 0x1f */

static void test_json_hostile_names(void **state)
{
	(void)state;
	size_t n = COUNT(hostile_names) + N_CONTROL;
	struct dirlist l = { .entries = calloc(n, sizeof(*l.entries)),
			     .count = n, .cap = n };
	assert_non_null(l.entries);
	for (size_t i = 0; i < COUNT(hostile_names); i++)
		l.entries[i].name = strdup(hostile_names[i].name);
	for (int c = 1; c <= N_CONTROL; c++) {
		char name[8] = { 'c', (char)c, 'c', '\0' };
		l.entries[COUNT(hostile_names) + (size_t)c - 1].name = strdup(name);
	}
	for (size_t i = 0; i < n; i++)
		assert_non_null(l.entries[i].name);

	struct json_array a;
	render_json(&l, &a);
	assert_int_equal(a.count, n);
	for (size_t i = 0; i < COUNT(hostile_names); i++) {
		const struct json_object *o = &a.objects[i];
		assert_json_entry_shape(o);
		assert_string_equal(json_str(o, "name"), hostile_names[i].want);
		assert_string_equal(json_str(o, "href"), hostile_names[i].href);
		assert_string_equal(json_str(o, "type"), "file");
	}
	for (int c = 1; c <= N_CONTROL; c++) {
		const struct json_object *o =
			&a.objects[COUNT(hostile_names) + (size_t)c - 1];
		char name[8] = { 'c', (char)c, 'c', '\0' }, href[16];
		snprintf(href, sizeof(href), "c%%%02Xc", c);
		assert_json_entry_shape(o);
		/* The control byte comes back from its escape, exactly. */
		assert_string_equal(json_str(o, "name"), name);
		assert_string_equal(json_str(o, "href"), href);
	}
	json_array_free(&a);
	dirlist_free(&l);
}

static void test_json_types_sizes_times(void **state)
{
	(void)state;
	static const struct spec specs[] = {
		{ "plain", false, false, 3, KNOWN_MTIME },
		{ "d ir", true, false, 4096, 0 },
		{ "lnk", false, true, 3, KNOWN_MTIME },
		{ "ldir", true, true, 4096, 4102444799LL },
		{ "dangling", false, true, 0, -1 },
		{ "huge", false, false, INT64_MAX, KNOWN_MTIME },
	};
	static const struct {
		const char *type, *mtime, *href;
		long long size;
	} want[] = {
		{ "file", "2001-09-09T01:46:40Z", "plain", 3 },
		{ "dir", "1970-01-01T00:00:00Z", "d%20ir/", 4096 },
		{ "symlink", "2001-09-09T01:46:40Z", "lnk", 3 },
		{ "symlink", "2099-12-31T23:59:59Z", "ldir/", 4096 },
		{ "symlink", "1969-12-31T23:59:59Z", "dangling", 0 },
		{ "file", "2001-09-09T01:46:40Z", "huge", INT64_MAX },
	};
	struct dirlist l;
	list_from_specs(&l, specs, COUNT(specs), false);
	struct json_array a;
	render_json(&l, &a);
	/* In the list's order: sorting is the caller's. */
	assert_int_equal(a.count, COUNT(specs));
	for (size_t i = 0; i < COUNT(specs); i++) {
		const struct json_object *o = &a.objects[i];
		assert_json_entry_shape(o);
		assert_string_equal(json_str(o, "name"), specs[i].name);
		assert_string_equal(json_str(o, "type"), want[i].type);
		assert_string_equal(json_str(o, "mtime"), want[i].mtime);
		assert_string_equal(json_str(o, "href"), want[i].href);
		assert_int_equal(json_num(o, "size"), want[i].size);
	}
	json_array_free(&a);
	dirlist_free(&l);
}

static void test_json_of_real_tree(void **state)
{
	struct fixture *f = *state;
	make_tricky_tree(f->fd);
	set_all_mtimes(f->fd);
	struct dirlist l;
	assert_int_equal(dirlist_read(f->fd, &l), 0);
	struct dirlist_view v = { .key = DIRLIST_BY_SIZE, .descending = true };
	assert_int_equal(dirlist_sort_view(&l, &v), 0);
	struct json_array a;
	render_json(&l, &a);
	assert_int_equal(a.count, 26);
	for (size_t i = 0; i < a.count; i++) {
		assert_json_entry_shape(&a.objects[i]);
		assert_string_equal(json_str(&a.objects[i], "mtime"),
				    "2001-09-09T01:46:40Z");
	}
	/* Directories first (by size, then name, both reversed), then the
	 * two 3-byte files, reversed by name. */
	assert_string_equal(json_str(&a.objects[0], "type"), "dir");
	assert_string_equal(json_str(&a.objects[3], "name"), "plain.txt");
	assert_string_equal(json_str(&a.objects[3], "type"), "file");
	assert_int_equal(json_num(&a.objects[3], "size"), 3);
	assert_string_equal(json_str(&a.objects[4], "name"), "link2file");
	assert_string_equal(json_str(&a.objects[4], "type"), "symlink");
	for (size_t i = 0; i < a.count; i++) {
		const struct json_object *o = &a.objects[i];
		const char *name = json_str(o, "name");
		if (strcmp(name, "sub dir&") == 0) {
			assert_string_equal(json_str(o, "type"), "dir");
			assert_string_equal(json_str(o, "href"), "sub%20dir%26/");
		} else if (strcmp(name, "link2dir") == 0) {
			assert_string_equal(json_str(o, "type"), "symlink");
			assert_string_equal(json_str(o, "href"), "link2dir/");
		} else if (strcmp(name, "dangling") == 0) {
			assert_string_equal(json_str(o, "type"), "symlink");
			assert_int_equal(json_num(o, "size"), 0);
		} else if (strcmp(name, "a&b<c>d\"e'f") == 0) {
			assert_string_equal(json_str(o, "href"),
					    "a%26b%3Cc%3Ed%22e%27f");
		}
	}
	json_array_free(&a);
	dirlist_free(&l);
}

/* The checker above must itself refuse what is not JSON, or its "valid"
 * would mean nothing. */
static void test_json_checker_is_strict(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "[", "]", "{}", "[}", "[]x", "[] []", "[{},]", "[,{}]",
		"[{\"a\":1,}]", "[{\"a\"1}]", "[{\"a\":01}]", "[{\"a\":1.5}]",
		"[{\"a\":-}]", "[{\"a\":1e3}]", "[{a:1}]", "[{'a':1}]",
		"[{\"a\":\"\x01\"}]", "[{\"a\":\"\x1f\"}]", "[{\"a\":\"\t\"}]",
		"[{\"a\":\"\xff\"}]", "[{\"a\":\"\xc0\xae\"}]",
		"[{\"a\":\"\xed\xa0\x80\"}]", "[{\"a\":\"\xe2\x82\"}]",
		"[{\"a\":\"\xf4\x90\x80\x80\"}]", "[{\"a\":\"\\ud800\"}]",
		"[{\"a\":\"\\udc00\"}]", "[{\"a\":\"\\ud800\\u0041\"}]",
		"[{\"a\":\"\\x41\"}]", "[{\"a\":\"\\u12\"}]", "[{\"a\":\"\\'\"}]",
		"[{\"a\":\"open}]", "[{\"a\":1,\"a\":2}]", "[{\"a\":true}]",
		"[{\"a\":null}]", "[[]]", "[\"a\"]",
		"[{\"a\":99999999999999999999}]",
	};
	for (size_t i = 0; i < COUNT(bad); i++) {
		struct json_array a;
		if (json_parse_array(bad[i], strlen(bad[i]), &a) == 0)
			fail_msg("accepted: %s", bad[i]);
		assert_null(a.objects);
		assert_int_equal(a.count, 0);
	}
	static const char good[] =
		" [ {\"a\" : \"\\ud83d\\ude00\\u0000\\/\\\"\x7f\", \"b\":-0} ,\n"
		"{}, {\"c\":9223372036854775807}]\n";
	struct json_array a;
	assert_int_equal(json_parse_array(good, strlen(good), &a), 0);
	assert_int_equal(a.count, 3);
	const struct json_value *v = json_get(&a.objects[0], "a");
	assert_non_null(v);
	assert_int_equal(v->len, 8);
	assert_memory_equal(v->str, "\xf0\x9f\x98\x80\0/\"\x7f", 8);
	assert_int_equal(json_num(&a.objects[0], "b"), 0);
	assert_int_equal(a.objects[1].nfields, 0);
	assert_int_equal(json_num(&a.objects[2], "c"), INT64_MAX);
	json_array_free(&a);
}

#define TMP_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup_tmpdir, \
						     teardown_tmpdir)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_escaping_and_kinds),
		cmocka_unit_test(test_render_breadcrumbs_and_parent),
		cmocka_unit_test(test_render_sort_buttons),
		cmocka_unit_test(test_render_human_sizes),
		cmocka_unit_test(test_render_times),
		cmocka_unit_test(test_render_sizes_match_printf),
		cmocka_unit_test(test_render_times_match_strftime),
		cmocka_unit_test(test_href_encoding_matches_path),
		cmocka_unit_test(test_render_stylesheet),
		cmocka_unit_test(test_render_appends_to_buffer),
		cmocka_unit_test(test_render_filter_script),
		cmocka_unit_test(test_json_hostile_names),
		cmocka_unit_test(test_json_types_sizes_times),
		TMP_TEST(test_json_of_real_tree),
		cmocka_unit_test(test_json_checker_is_strict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
