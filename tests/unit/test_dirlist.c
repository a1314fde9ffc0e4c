/* Unit tests for dirlist: reading real temporary directories (entry
 * kinds, sizes, times, many entries, the caller's fd untouched), the query
 * that picks the view, and the one order the server uses (directories
 * first, name/size/mtime, asc or desc, names in python's order with ties
 * by bytes), held to a plain reference comparator. A few tests render the
 * directory they read and compare the whole document (listing.c; tests/unit/test_listing_render.c). */
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

#define TMPDIR_TEMPLATE "/tmp/test_dirlist.XXXXXX"
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
static int open_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	assert_non_null(d);
	int n = 0;
	while (readdir(d))
		n++;
	assert_int_equal(closedir(d), 0);
	return n;
}

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
static const char *const tricky_rows[] = {
	ROW("dir/", "dir/", "-", KNOWN_TIME),
	ROW("link2dir/", "link2dir@", "-", KNOWN_TIME),
	ROW("sub%20dir%26/", "sub dir&amp;/", "-", KNOWN_TIME),
	ROW(".hidden", ".hidden", "0 B", KNOWN_TIME),
	ROW("100%25", "100%", "0 B", KNOWN_TIME),
	ROW("_under", "_under", "0 B", KNOWN_TIME),
	ROW("a%26b%3Cc%3Ed%22e%27f", "a&amp;b&lt;c&gt;d\"e'f", "0 B", KNOWN_TIME),
	ROW("a_", "a_", "0 B", KNOWN_TIME),
	ROW("a_b", "a_b", "0 B", KNOWN_TIME),
	ROW("Apple", "Apple", "0 B", KNOWN_TIME),
	ROW("aZ", "aZ", "0 B", KNOWN_TIME),
	ROW("B", "B", "0 B", KNOWN_TIME),
	ROW("b", "b", "0 B", KNOWN_TIME),
	ROW("caf%C3%A9", "café", "0 B", KNOWN_TIME),
	ROW("dangling", "dangling@", "0 B", KNOWN_TIME),
	ROW("eq%3D1", "eq=1", "0 B", KNOWN_TIME),
	ROW("hash%23tag", "hash#tag", "0 B", KNOWN_TIME),
	ROW("link2file", "link2file@", "3 B", KNOWN_TIME),
	ROW("plain.txt", "plain.txt", "3 B", KNOWN_TIME),
	ROW("plus%2Bsign", "plus+sign", "0 B", KNOWN_TIME),
	ROW("semi%3Bcolon", "semi;colon", "0 B", KNOWN_TIME),
	ROW("what%3F", "what?", "0 B", KNOWN_TIME),
	ROW("with%20space", "with space", "0 B", KNOWN_TIME),
	ROW("~tilde", "~tilde", "0 B", KNOWN_TIME),
	ROW("%C3%9Cn%C3%AFcode", "Ünïcode", "0 B", KNOWN_TIME),
	ROW("%E6%97%A5%E6%9C%AC", "日本", "0 B", KNOWN_TIME),
};

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

static const struct dirlist_entry *find(const struct dirlist *l,
					const char *name)
{
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(l->entries[i].name, name) == 0)
			return &l->entries[i];
	fail_msg("no entry \"%s\"", name);
	return NULL;
}

/* ---- reading real directories --------------------------------------- */

static void test_read_tricky_dir_document(void **state)
{
	struct fixture *f = *state;
	make_tricky_tree(f->fd);
	set_all_mtimes(f->fd);

	struct dirlist l;
	assert_int_equal(dirlist_read(f->fd, &l), 0);
	assert_int_equal(l.count, 26);
	assert_int_equal(dirlist_sort_view(&l, &default_view), 0);
	struct buf b;
	render(&l, "/", &default_view, &b);
	struct buf rows;
	buf_init(&rows);
	for (size_t i = 0; i < COUNT(tricky_rows); i++)
		buf_append_str(&rows, tricky_rows[i]);
	buf_append(&rows, "", 1);
	assert_true(buf_ok(&rows));
	/* At the root: no parent row. */
	assert_document(&b, "/", ROOT_NAV, DEFAULT_HEADS, rows.data);
	buf_free(&rows);
	buf_free(&b);
	dirlist_free(&l);
}

static void test_read_entry_kinds_sizes_times(void **state)
{
	struct fixture *f = *state;
	make_tricky_tree(f->fd);
	set_mtime(f->fd, "plain.txt", KNOWN_MTIME);

	struct dirlist l;
	assert_int_equal(dirlist_read(f->fd, &l), 0);
	for (size_t i = 0; i < l.count; i++) {
		assert_string_not_equal(l.entries[i].name, ".");
		assert_string_not_equal(l.entries[i].name, "..");
	}
	const struct dirlist_entry *e = find(&l, "plain.txt");
	assert_false(e->is_dir);
	assert_false(e->is_link);
	assert_int_equal(e->size, 3);
	assert_int_equal(e->mtime, KNOWN_MTIME);

	/* A link reports its target's size and time. */
	e = find(&l, "link2file");
	assert_false(e->is_dir);
	assert_true(e->is_link);
	assert_int_equal(e->size, 3);
	assert_int_equal(e->mtime, KNOWN_MTIME);

	e = find(&l, "dir");
	assert_true(e->is_dir);
	assert_false(e->is_link);

	e = find(&l, "link2dir");
	assert_true(e->is_dir);
	assert_true(e->is_link);

	e = find(&l, "dangling");
	assert_false(e->is_dir);
	assert_true(e->is_link);
	assert_int_equal(e->size, 0);

	e = find(&l, ".hidden");
	assert_false(e->is_dir);
	assert_int_equal(e->size, 0);
	dirlist_free(&l);
}

static void test_read_empty_dir_document(void **state)
{
	struct fixture *f = *state;
	struct dirlist l;
	assert_int_equal(dirlist_read(f->fd, &l), 0);
	assert_int_equal(l.count, 0);
	assert_int_equal(dirlist_sort_view(&l, &default_view), 0);

	struct buf b;
	render(&l, "/sub dir&/", &default_view, &b);
	/* Below the root: a parent row, even with no entries. */
	assert_document(&b, "/sub dir&amp;/",
			"<nav aria-label=\"breadcrumbs\"><a href=\"/\">/</a>"
			"<a href=\"/sub%20dir%26/\">sub dir&amp;/</a></nav>\n",
			DEFAULT_HEADS, UP_ROW);
	buf_free(&b);
	dirlist_free(&l);
}

static void test_read_keeps_fd_and_rewinds(void **state)
{
	struct fixture *f = *state;
	make_file(f->fd, "one", "");
	make_file(f->fd, "two", "");
	make_dir(f->fd, "three");

	/* Move the shared file offset to the end, as an earlier reader of
	 * the same open directory would. */
	DIR *d = fdopendir(dup(f->fd));
	assert_non_null(d);
	while (readdir(d))
		;
	assert_int_equal(closedir(d), 0);

	int before = open_fd_count();
	for (int round = 0; round < 2; round++) {
		struct dirlist l;
		assert_int_equal(dirlist_read(f->fd, &l), 0);
		assert_int_equal(l.count, 3);
		assert_int_equal(dirlist_sort_view(&l, &default_view), 0);
		/* the directory first, then the files by name */
		assert_string_equal(l.entries[0].name, "three");
		assert_string_equal(l.entries[1].name, "one");
		assert_string_equal(l.entries[2].name, "two");
		dirlist_free(&l);
	}
	assert_int_equal(open_fd_count(), before);
	assert_true(fcntl(f->fd, F_GETFD) >= 0);
}

static void test_read_not_a_directory(void **state)
{
	struct fixture *f = *state;
	make_file(f->fd, "file", "not a directory");
	int fd = openat(f->fd, "file", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);

	int before = open_fd_count();
	/* Whatever the caller left in the list is overwritten, not freed. */
	struct dirlist l = { .entries = NULL, .count = 7, .cap = 7 };
	errno = 0;
	assert_int_equal(dirlist_read(fd, &l), -1);
	assert_int_equal(errno, ENOTDIR);
	assert_null(l.entries);
	assert_int_equal(l.count, 0);
	assert_int_equal(l.cap, 0);
	assert_int_equal(open_fd_count(), before);
	assert_true(fcntl(fd, F_GETFD) >= 0);
	dirlist_free(&l);
	assert_int_equal(close(fd), 0);
}

static void test_read_bad_fd(void **state)
{
	(void)state;
	struct dirlist l;
	errno = 0;
	assert_int_equal(dirlist_read(-1, &l), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(l.count, 0);
	assert_null(l.entries);
}

static void test_read_many_entries(void **state)
{
	struct fixture *f = *state;
	char name[32];
	/* Hard links to one file: creating 10,000 inodes takes seconds on
	 * some file systems, names are what we test. Mixed case, created in
	 * reverse order of the expected listing; "base" sorts first, after
	 * the one directory. */
	make_file(f->fd, "base", "x");
	make_dir(f->fd, "zz-dir");
	for (int i = MANY_ENTRIES - 1; i >= 0; i--) {
		snprintf(name, sizeof(name), "%c%05d", i % 2 ? 'F' : 'f', i);
		assert_int_equal(linkat(f->fd, "base", f->fd, name, 0), 0);
	}
	struct dirlist l;
	assert_int_equal(dirlist_read(f->fd, &l), 0);
	assert_int_equal(l.count, MANY_ENTRIES + 2);
	assert_true(l.cap >= l.count);
	assert_int_equal(dirlist_sort_view(&l, &default_view), 0);
	assert_string_equal(l.entries[0].name, "zz-dir");
	assert_string_equal(l.entries[1].name, "base");
	for (int i = 0; i < MANY_ENTRIES; i++) {
		const struct dirlist_entry *e = &l.entries[i + 2];
		snprintf(name, sizeof(name), "%c%05d", i % 2 ? 'F' : 'f', i);
		assert_string_equal(e->name, name);
		assert_int_equal(e->size, 1);
		assert_false(e->is_dir || e->is_link);
	}

	/* The HTML has one row per entry, in the view's order. */
	struct buf b;
	render(&l, "/many/", &default_view, &b);
	char *doc = without_style(&b);
	const char *p = strstr(doc, "<tbody>\n" UP_ROW
				    "<tr><td class=\"n\"><a href=\"zz-dir/\">zz-dir/</a>");
	assert_non_null(p);
	p = strstr(p, "<tr><td class=\"n\"><a href=\"base\">base</a></td>"
		      "<td class=\"s\">1 B</td>");
	assert_non_null(p);
	for (int i = 0; i < MANY_ENTRIES; i++) {
		char row[256];
		snprintf(name, sizeof(name), "%c%05d", i % 2 ? 'F' : 'f', i);
		snprintf(row, sizeof(row),
			 "</tr>\n<tr><td class=\"n\"><a href=\"%s\">%s</a></td>"
			 "<td class=\"s\">1 B</td>", name, name);
		p = strstr(p, row);
		if (!p)
			fail_msg("row %d (%s) missing or out of order", i, name);
	}
	size_t rows = 0;
	for (const char *q = doc; (q = strstr(q, "<tr><td class=\"n\">")); q++)
		rows++;
	assert_int_equal(rows, MANY_ENTRIES + 2);
	free(doc);
	buf_free(&b);
	dirlist_free(&l);
}

/* ---- python's order, on made-up entries ------------------------------- */

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

static void assert_order(const struct dirlist *l, const char *const *want,
			 size_t n)
{
	assert_int_equal(l->count, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(l->entries[i].name, want[i]);
}

static void sort_and_check(const char *const *in, const char *const *want,
			   size_t n)
{
	struct dirlist l;
	list_make(&l, in, n);
	assert_int_equal(dirlist_sort_view(&l, &default_view), 0);
	assert_order(&l, want, n);
	dirlist_free(&l);
}

static void test_sort_python_order(void **state)
{
	(void)state;
	/* '_' (0x5F) is above 'A'-'Z' but below 'a'-'z': after lowering,
	 * "_x" comes before "ax" and "Ax", and "a_" before "aZ". A prefix
	 * comes first. */
	static const char *const in[] = {
		"ax", "Zed", "a", "aZ", "~", "_x", "a_", "Ax_", "0", ".dot",
		"-dash", "a_b", "ab", "A", "z",
	};
	static const char *const want[] = {
		"-dash", ".dot", "0", "_x", "A", "a", "a_", "a_b", "ab",
		"ax", "Ax_", "aZ", "z", "Zed", "~",
	};
	sort_and_check(in, want, COUNT(in));
}

static void test_sort_case_ties_by_bytes(void **state)
{
	(void)state;
	/* python keeps readdir order for these; we want the same output
	 * whatever the file system returns. */
	static const char *const want[] = {
		"APPLE", "Apple", "apple", "b", "BB", "Bb", "bB", "bb",
	};
	static const char *const in1[] = {
		"apple", "bb", "Apple", "bB", "APPLE", "Bb", "b", "BB",
	};
	static const char *const in2[] = {
		"BB", "b", "Bb", "APPLE", "bB", "Apple", "bb", "apple",
	};
	sort_and_check(in1, want, COUNT(want));
	sort_and_check(in2, want, COUNT(want));
	sort_and_check(want, want, COUNT(want));
}

static void test_sort_non_ascii_by_bytes(void **state)
{
	(void)state;
	/* Bytes compare unsigned, so UTF-8 (and invalid bytes) come after
	 * ASCII, in code point order. Only ASCII is lowered: "Éb" (C3 89)
	 * sorts before "éa" (C3 A9), where python would fold É to é. */
	static const char *const in[] = {
		"\xff", "éa", "日本", "~", "Éb", "z", "café", "cafe",
	};
	static const char *const want[] = {
		"cafe", "café", "z", "~", "Éb", "éa", "日本", "\xff",
	};
	sort_and_check(in, want, COUNT(in));
}

static void test_sort_empty_and_single(void **state)
{
	(void)state;
	struct dirlist l = { .entries = NULL };
	assert_int_equal(dirlist_sort_view(&l, &default_view), 0);
	assert_int_equal(l.count, 0);

	static const char *const one[] = { "only" };
	sort_and_check(one, one, 1);
}

static void test_sort_many_made_up(void **state)
{
	(void)state;
	struct dirlist l = { .entries = NULL };
	l.entries = calloc(MANY_ENTRIES, sizeof(*l.entries));
	assert_non_null(l.entries);
	l.cap = MANY_ENTRIES;
	for (int i = 0; i < MANY_ENTRIES; i++) {
		char name[32];
		int n = MANY_ENTRIES - 1 - i;
		snprintf(name, sizeof(name), "%s%05d", n % 3 ? "N" : "n", n);
		l.entries[i].name = strdup(name);
		assert_non_null(l.entries[i].name);
		l.count++;
	}
	assert_int_equal(dirlist_sort_view(&l, &default_view), 0);
	for (int i = 0; i < MANY_ENTRIES; i++) {
		char name[32];
		snprintf(name, sizeof(name), "%s%05d", i % 3 ? "N" : "n", i);
		assert_string_equal(l.entries[i].name, name);
	}
	dirlist_free(&l);
}

/* ---- the view: which order, from the query ------------------------------ */

struct query_case {
	const char *query;
	enum dirlist_key key;
	bool descending;
	bool json;
};

static void test_view_from_query(void **state)
{
	(void)state;
	static const struct query_case cases[] = {
		/* nothing asked: by name, ascending, HTML */
		{ NULL, DIRLIST_BY_NAME, false, false },
		{ "", DIRLIST_BY_NAME, false, false },
		/* every key, order and format */
		{ "sort=name", DIRLIST_BY_NAME, false, false },
		{ "sort=size", DIRLIST_BY_SIZE, false, false },
		{ "sort=mtime", DIRLIST_BY_MTIME, false, false },
		{ "order=asc", DIRLIST_BY_NAME, false, false },
		{ "order=desc", DIRLIST_BY_NAME, true, false },
		{ "format=json", DIRLIST_BY_NAME, false, true },
		{ "format=html", DIRLIST_BY_NAME, false, false },
		{ "sort=size&order=desc", DIRLIST_BY_SIZE, true, false },
		{ "order=desc&format=json&sort=mtime", DIRLIST_BY_MTIME, true, true },
		/* ';' separates like '&' (HTML 4's recommendation) */
		{ "sort=size;order=desc", DIRLIST_BY_SIZE, true, false },
		{ "sort=mtime;format=json&order=desc", DIRLIST_BY_MTIME, true, true },
		{ ";order=desc;", DIRLIST_BY_NAME, true, false },
		/* repeated: the last valid value wins, junk changes nothing */
		{ "sort=size&sort=mtime", DIRLIST_BY_MTIME, false, false },
		{ "order=desc&order=asc", DIRLIST_BY_NAME, false, false },
		{ "format=json&format=html", DIRLIST_BY_NAME, false, false },
		{ "sort=size&sort=bogus", DIRLIST_BY_SIZE, false, false },
		{ "order=desc&order=", DIRLIST_BY_NAME, true, false },
		{ "sort=name&sort=size&order=desc&order=asc&order=desc",
		  DIRLIST_BY_SIZE, true, false },
		/* empty parameters around real ones */
		{ "&sort=size&", DIRLIST_BY_SIZE, false, false },
		{ "&&;;&", DIRLIST_BY_NAME, false, false },
		{ "a=b&sort=mtime&c", DIRLIST_BY_MTIME, false, false },
		/* junk: exact, case-sensitive names and values, no decoding */
		{ "sort=SIZE", DIRLIST_BY_NAME, false, false },
		{ "Sort=size", DIRLIST_BY_NAME, false, false },
		{ "sort=", DIRLIST_BY_NAME, false, false },
		{ "sort", DIRLIST_BY_NAME, false, false },
		{ "=size", DIRLIST_BY_NAME, false, false },
		{ "sort=size2", DIRLIST_BY_NAME, false, false },
		{ "sort=siz", DIRLIST_BY_NAME, false, false },
		{ "xsort=size", DIRLIST_BY_NAME, false, false },
		{ " sort=size", DIRLIST_BY_NAME, false, false },
		{ "sort =size", DIRLIST_BY_NAME, false, false },
		{ "sort=size ", DIRLIST_BY_NAME, false, false },
		{ "sort=%73ize", DIRLIST_BY_NAME, false, false },
		{ "sort%3Dsize", DIRLIST_BY_NAME, false, false },
		{ "sort=size+", DIRLIST_BY_NAME, false, false },
		{ "sort==size", DIRLIST_BY_NAME, false, false },
		{ "order=descending", DIRLIST_BY_NAME, false, false },
		{ "order=DESC", DIRLIST_BY_NAME, false, false },
		{ "order=de", DIRLIST_BY_NAME, false, false },
		{ "format=JSON", DIRLIST_BY_NAME, false, false },
		{ "format=json5", DIRLIST_BY_NAME, false, false },
		{ "format=xml", DIRLIST_BY_NAME, false, false },
		{ "sort=size,order=desc", DIRLIST_BY_NAME, false, false },
		{ "sort=size#order=desc", DIRLIST_BY_NAME, false, false },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		/* Whatever the caller had is replaced. */
		struct dirlist_view v = { .key = DIRLIST_BY_MTIME,
					  .descending = true, .json = true };
		dirlist_view_from_query(cases[i].query, &v);
		/* a format= parameter is remembered as given, so that it
		 * wins over Accept */
		if (cases[i].json && !v.format_given)
			fail_msg("\"%s\": format= not marked as given", cases[i].query);
		if (v.key != cases[i].key || v.descending != cases[i].descending ||
		    v.json != cases[i].json)
			fail_msg("\"%s\": key %d desc %d json %d, want %d %d %d",
				 cases[i].query ? cases[i].query : "(null)",
				 (int)v.key, v.descending, v.json,
				 (int)cases[i].key, cases[i].descending,
				 cases[i].json);
	}
}

static void test_view_from_long_query(void **state)
{
	(void)state;
	/* As long as a request target can be: the parameter at the end
	 * still counts, the junk before it is skipped. */
	size_t n = 8192;
	char *q = malloc(n + 32);
	assert_non_null(q);
	memset(q, 'a', n);
	strcpy(q + n, "&sort=mtime;order=desc");
	struct dirlist_view v;
	dirlist_view_from_query(q, &v);
	assert_int_equal(v.key, DIRLIST_BY_MTIME);
	assert_true(v.descending);
	assert_false(v.json);
	q[n] = '\0';
	dirlist_view_from_query(q, &v);
	assert_int_equal(v.key, DIRLIST_BY_NAME);
	assert_false(v.descending);
	free(q);
}

/* ---- the view: sorting, on made-up entries ------------------------------ */

struct spec {
	const char *name;
	bool is_dir;
	bool is_link;
	off_t size;
	time_t mtime;
};

/* Ties on purpose: A.txt and c.txt have one size, A.txt and _x one time,
 * Link and Zdir one size; big is the largest and one of the oldest, and
 * still comes after every directory. */
static const struct spec view_specs[] = {
	{ "b.txt", false, false, 300, 50 },
	{ "A.txt", false, false, 100, 70 },
	{ "Zdir", true, false, 4096, 10 },
	{ "c.txt", false, false, 100, 60 },
	{ "adir", true, false, 8192, 90 },
	{ "_x", false, false, 0, 70 },
	{ "big", false, false, 5000000000LL, 20 },
	{ "Link", true, true, 4096, 30 },
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

/* Sorted from the given order and from its reverse: same result. */
static void view_sort_check(enum dirlist_key key, bool descending,
			    const char *const *want)
{
	struct dirlist_view v = { .key = key, .descending = descending };
	for (int reversed = 0; reversed < 2; reversed++) {
		struct dirlist l;
		list_from_specs(&l, view_specs, COUNT(view_specs), reversed);
		assert_int_equal(dirlist_sort_view(&l, &v), 0);
		assert_order(&l, want, COUNT(view_specs));
		dirlist_free(&l);
	}
}

static void test_sort_view_by_name(void **state)
{
	(void)state;
	static const char *const asc[] = {
		"adir", "Link", "Zdir", "_x", "A.txt", "b.txt", "big", "c.txt",
	};
	/* Descending reverses each group; directories stay first. */
	static const char *const desc[] = {
		"Zdir", "Link", "adir", "c.txt", "big", "b.txt", "A.txt", "_x",
	};
	view_sort_check(DIRLIST_BY_NAME, false, asc);
	view_sort_check(DIRLIST_BY_NAME, true, desc);
}

static void test_sort_view_by_size(void **state)
{
	(void)state;
	/* Equal sizes fall back to the name (Link before Zdir, A.txt
	 * before c.txt); descending is the exact reverse within a group. */
	static const char *const asc[] = {
		"Link", "Zdir", "adir", "_x", "A.txt", "c.txt", "b.txt", "big",
	};
	static const char *const desc[] = {
		"adir", "Zdir", "Link", "big", "b.txt", "c.txt", "A.txt", "_x",
	};
	view_sort_check(DIRLIST_BY_SIZE, false, asc);
	view_sort_check(DIRLIST_BY_SIZE, true, desc);
}

static void test_sort_view_by_mtime(void **state)
{
	(void)state;
	/* _x and A.txt share a time: by name, _x first. */
	static const char *const asc[] = {
		"Zdir", "Link", "adir", "big", "b.txt", "c.txt", "_x", "A.txt",
	};
	static const char *const desc[] = {
		"adir", "Link", "Zdir", "A.txt", "_x", "c.txt", "b.txt", "big",
	};
	view_sort_check(DIRLIST_BY_MTIME, false, asc);
	view_sort_check(DIRLIST_BY_MTIME, true, desc);
}

static void test_sort_view_all_equal_keys(void **state)
{
	(void)state;
	/* Same size, same time, case-only differences: the name decides,
	 * bytes last, so the order never depends on readdir's. */
	static const struct spec same[] = {
		{ "bb", false, false, 1, 5 }, { "BB", false, false, 1, 5 },
		{ "a", false, false, 1, 5 },  { "Bb", false, false, 1, 5 },
		{ "d", true, false, 1, 5 },   { "D", true, false, 1, 5 },
	};
	static const char *const asc[] = { "D", "d", "a", "BB", "Bb", "bb" };
	static const char *const desc[] = { "d", "D", "bb", "Bb", "BB", "a" };
	static const enum dirlist_key keys[] = {
		DIRLIST_BY_NAME, DIRLIST_BY_SIZE, DIRLIST_BY_MTIME,
	};
	for (size_t k = 0; k < COUNT(keys); k++) {
		for (int reversed = 0; reversed < 2; reversed++) {
			for (int d = 0; d < 2; d++) {
				struct dirlist_view v = { .key = keys[k],
							  .descending = d };
				struct dirlist l;
				list_from_specs(&l, same, COUNT(same), reversed);
				assert_int_equal(dirlist_sort_view(&l, &v), 0);
				assert_order(&l, d ? desc : asc, COUNT(same));
				dirlist_free(&l);
			}
		}
	}
}

static void test_sort_view_empty_and_single(void **state)
{
	(void)state;
	struct dirlist_view v = { .key = DIRLIST_BY_SIZE, .descending = true };
	struct dirlist l = { .entries = NULL };
	assert_int_equal(dirlist_sort_view(&l, &v), 0);
	assert_int_equal(l.count, 0);
	list_from_specs(&l, view_specs, 1, false);
	assert_int_equal(dirlist_sort_view(&l, &v), 0);
	assert_string_equal(l.entries[0].name, "b.txt");
	dirlist_free(&l);
}

static uint64_t test_rand_state = 88172645463325252ULL;

static uint64_t test_rand(void)
{
	test_rand_state ^= test_rand_state << 13;
	test_rand_state ^= test_rand_state >> 7;
	test_rand_state ^= test_rand_state << 17;
	return test_rand_state;
}

/* The documented order, written out plainly. */
static int reference_fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int reference_cmp(const struct dirlist_entry *a, const struct dirlist_entry *b,
			 const struct dirlist_view *v)
{
	if (a->is_dir != b->is_dir)
		return a->is_dir ? -1 : 1;
	int d = 0;
	if (v->key == DIRLIST_BY_SIZE)
		d = (a->size > b->size) - (a->size < b->size);
	else if (v->key == DIRLIST_BY_MTIME)
		d = (a->mtime > b->mtime) - (a->mtime < b->mtime);
	const unsigned char *x = (const unsigned char *)a->name;
	const unsigned char *y = (const unsigned char *)b->name;
	for (size_t i = 0; d == 0; i++) {
		d = reference_fold(x[i]) - reference_fold(y[i]);
		if (x[i] == '\0' || y[i] == '\0')
			break;
	}
	if (d == 0)
		d = strcmp(a->name, b->name);
	return v->descending ? -d : d;
}

#define RANDOM_SORT_ENTRIES 3000

static void test_sort_view_random_against_reference(void **state)
{
	(void)state;
	static const char alphabet[] = "aAbBzZ_.-~09\xc3\xa9\xff";
	for (int key = DIRLIST_BY_NAME; key <= DIRLIST_BY_MTIME; key++) {
		for (int desc = 0; desc < 2; desc++) {
			struct dirlist l = { .entries = NULL };
			l.entries = calloc(RANDOM_SORT_ENTRIES, sizeof(*l.entries));
			assert_non_null(l.entries);
			l.cap = RANDOM_SORT_ENTRIES;
			for (size_t i = 0; i < RANDOM_SORT_ENTRIES; i++) {
				char name[8];
				size_t len = 1 + test_rand() % 6;
				for (size_t j = 0; j < len; j++)
					name[j] = alphabet[test_rand() % (sizeof(alphabet) - 1)];
				name[len] = '\0';
				struct dirlist_entry *e = &l.entries[l.count++];
				e->name = strdup(name);
				assert_non_null(e->name);
				e->is_dir = test_rand() % 5 == 0;
				e->size = (off_t)(test_rand() % 4);
				e->mtime = (time_t)(test_rand() % 4);
			}
			struct dirlist_view v = { .key = (enum dirlist_key)key,
						  .descending = desc };
			assert_int_equal(dirlist_sort_view(&l, &v), 0);
			for (size_t i = 1; i < l.count; i++)
				assert_true(reference_cmp(&l.entries[i - 1], &l.entries[i], &v) <= 0);
			dirlist_free(&l);
		}
	}
}

static void test_free_empty_list(void **state)
{
	(void)state;
	struct dirlist l = { .entries = NULL };
	dirlist_free(&l);
	assert_null(l.entries);
	assert_int_equal(l.count, 0);
	/* Freeing leaves an empty list, so a second free is harmless. */
	static const char *const names[] = { "a", "b" };
	list_make(&l, names, 2);
	dirlist_free(&l);
	assert_null(l.entries);
	assert_int_equal(l.count, 0);
	assert_int_equal(l.cap, 0);
	dirlist_free(&l);
}

#define TMP_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup_tmpdir, \
						     teardown_tmpdir)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TMP_TEST(test_read_tricky_dir_document),
		TMP_TEST(test_read_entry_kinds_sizes_times),
		TMP_TEST(test_read_empty_dir_document),
		TMP_TEST(test_read_keeps_fd_and_rewinds),
		TMP_TEST(test_read_not_a_directory),
		cmocka_unit_test(test_read_bad_fd),
		TMP_TEST(test_read_many_entries),
		cmocka_unit_test(test_sort_python_order),
		cmocka_unit_test(test_sort_case_ties_by_bytes),
		cmocka_unit_test(test_sort_non_ascii_by_bytes),
		cmocka_unit_test(test_sort_empty_and_single),
		cmocka_unit_test(test_sort_many_made_up),
		cmocka_unit_test(test_view_from_query),
		cmocka_unit_test(test_view_from_long_query),
		cmocka_unit_test(test_sort_view_by_name),
		cmocka_unit_test(test_sort_view_by_size),
		cmocka_unit_test(test_sort_view_by_mtime),
		cmocka_unit_test(test_sort_view_all_equal_keys),
		cmocka_unit_test(test_sort_view_empty_and_single),
		cmocka_unit_test(test_sort_view_random_against_reference),
		cmocka_unit_test(test_free_empty_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
