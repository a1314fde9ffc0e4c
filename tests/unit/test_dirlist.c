/* Unit tests for dirlist: reading real temporary directories, python's
 * order, and the listing HTML byte for byte. The expected documents were
 * taken from `python3 -m http.server` (3.11) serving the same trees. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirlist.h"

#define TMPDIR_TEMPLATE "/tmp/test_dirlist.XXXXXX"
#define MANY_ENTRIES 10000
#define KNOWN_MTIME 1000000000

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

static const char tricky_document[] =
	"<!DOCTYPE HTML>\n"
	"<html lang=\"en\">\n"
	"<head>\n"
	"<meta charset=\"utf-8\">\n"
	"<title>Directory listing for /</title>\n"
	"</head>\n"
	"<body>\n"
	"<h1>Directory listing for /</h1>\n"
	"<hr>\n"
	"<ul>\n"
	"<li><a href=\".hidden\">.hidden</a></li>\n"
	"<li><a href=\"100%25\">100%</a></li>\n"
	"<li><a href=\"_under\">_under</a></li>\n"
	"<li><a href=\"a%26b%3Cc%3Ed%22e%27f\">a&amp;b&lt;c&gt;d\"e'f</a></li>\n"
	"<li><a href=\"a_\">a_</a></li>\n"
	"<li><a href=\"a_b\">a_b</a></li>\n"
	"<li><a href=\"Apple\">Apple</a></li>\n"
	"<li><a href=\"aZ\">aZ</a></li>\n"
	"<li><a href=\"B\">B</a></li>\n"
	"<li><a href=\"b\">b</a></li>\n"
	"<li><a href=\"caf%C3%A9\">café</a></li>\n"
	"<li><a href=\"dangling\">dangling@</a></li>\n"
	"<li><a href=\"dir/\">dir/</a></li>\n"
	"<li><a href=\"eq%3D1\">eq=1</a></li>\n"
	"<li><a href=\"hash%23tag\">hash#tag</a></li>\n"
	"<li><a href=\"link2dir/\">link2dir@</a></li>\n"
	"<li><a href=\"link2file\">link2file@</a></li>\n"
	"<li><a href=\"plain.txt\">plain.txt</a></li>\n"
	"<li><a href=\"plus%2Bsign\">plus+sign</a></li>\n"
	"<li><a href=\"semi%3Bcolon\">semi;colon</a></li>\n"
	"<li><a href=\"sub%20dir%26/\">sub dir&amp;/</a></li>\n"
	"<li><a href=\"what%3F\">what?</a></li>\n"
	"<li><a href=\"with%20space\">with space</a></li>\n"
	"<li><a href=\"~tilde\">~tilde</a></li>\n"
	"<li><a href=\"%C3%9Cn%C3%AFcode\">Ünïcode</a></li>\n"
	"<li><a href=\"%E6%97%A5%E6%9C%AC\">日本</a></li>\n"
	"</ul>\n"
	"<hr>\n"
	"</body>\n"
	"</html>\n";

static void assert_buf_is(const struct buf *b, const char *want)
{
	assert_true(buf_ok(b));
	size_t len = strlen(want);
	/* On a mismatch, cmocka shows both as strings. */
	if (b->len != len || memcmp(b->data, want, len) != 0) {
		char *got = strndup(b->data ? b->data : "", b->len);
		assert_non_null(got);
		assert_string_equal(got, want);
		free(got);
	}
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

static void test_read_tricky_dir_whole_document(void **state)
{
	struct fixture *f = *state;
	make_tricky_tree(f->fd);

	struct dirlist l;
	assert_int_equal(dirlist_read(f->fd, &l), 0);
	assert_int_equal(l.count, 26);
	dirlist_sort(&l);
	struct buf b;
	buf_init(&b);
	dirlist_render_html(&l, "/", &b);
	assert_buf_is(&b, tricky_document);
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
	dirlist_sort(&l);

	struct buf b;
	buf_init(&b);
	dirlist_render_html(&l, "/sub dir&/", &b);
	assert_buf_is(&b, "<!DOCTYPE HTML>\n"
			  "<html lang=\"en\">\n"
			  "<head>\n"
			  "<meta charset=\"utf-8\">\n"
			  "<title>Directory listing for /sub dir&amp;/</title>\n"
			  "</head>\n"
			  "<body>\n"
			  "<h1>Directory listing for /sub dir&amp;/</h1>\n"
			  "<hr>\n"
			  "<ul>\n"
			  "</ul>\n"
			  "<hr>\n"
			  "</body>\n"
			  "</html>\n");
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
		dirlist_sort(&l);
		assert_string_equal(l.entries[0].name, "one");
		assert_string_equal(l.entries[1].name, "three");
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
	 * reverse order of the expected listing; "base" sorts first. */
	make_file(f->fd, "base", "x");
	for (int i = MANY_ENTRIES - 1; i >= 0; i--) {
		snprintf(name, sizeof(name), "%c%05d", i % 2 ? 'F' : 'f', i);
		assert_int_equal(linkat(f->fd, "base", f->fd, name, 0), 0);
	}
	struct dirlist l;
	assert_int_equal(dirlist_read(f->fd, &l), 0);
	assert_int_equal(l.count, MANY_ENTRIES + 1);
	assert_true(l.cap >= l.count);
	dirlist_sort(&l);
	assert_string_equal(l.entries[0].name, "base");
	for (int i = 0; i < MANY_ENTRIES; i++) {
		const struct dirlist_entry *e = &l.entries[i + 1];
		snprintf(name, sizeof(name), "%c%05d", i % 2 ? 'F' : 'f', i);
		assert_string_equal(e->name, name);
		assert_int_equal(e->size, 1);
		assert_false(e->is_dir || e->is_link);
	}
	struct buf b;
	buf_init(&b);
	dirlist_render_html(&l, "/", &b);
	assert_true(buf_ok(&b));
	dirlist_free(&l);
	buf_free(&b);
}

/* ---- order, on made-up entries -------------------------------------- */

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
	dirlist_sort(&l);
	assert_order(&l, want, n);
	dirlist_free(&l);
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

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
	dirlist_sort(&l);
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
	dirlist_sort(&l);
	for (int i = 0; i < MANY_ENTRIES; i++) {
		char name[32];
		snprintf(name, sizeof(name), "%s%05d", i % 3 ? "N" : "n", i);
		assert_string_equal(l.entries[i].name, name);
	}
	dirlist_free(&l);
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
	l.entries[1].is_dir = true;
	l.entries[2].is_dir = true;
	l.entries[2].is_link = true;
	l.entries[3].is_link = true;

	struct buf b;
	buf_init(&b);
	dirlist_render_html(&l, "/a&b/<i>\"q'/", &b);
	assert_buf_is(
		&b,
		"<!DOCTYPE HTML>\n"
		"<html lang=\"en\">\n"
		"<head>\n"
		"<meta charset=\"utf-8\">\n"
		"<title>Directory listing for /a&amp;b/&lt;i&gt;\"q'/</title>\n"
		"</head>\n"
		"<body>\n"
		"<h1>Directory listing for /a&amp;b/&lt;i&gt;\"q'/</h1>\n"
		"<hr>\n"
		"<ul>\n"
		"<li><a href=\"%3Cscript%3E%26amp%3B%22%27\">"
		"&lt;script&gt;&amp;amp;\"'</a></li>\n"
		"<li><a href=\"dir%20%3Cx%3E/\">dir &lt;x&gt;/</a></li>\n"
		"<li><a href=\"link%26dir/\">link&amp;dir@</a></li>\n"
		"<li><a href=\"link%20to%20file\">link to file@</a></li>\n"
		"<li><a href=\"100%25%20%231%3F\">100% #1?</a></li>\n"
		"</ul>\n"
		"<hr>\n"
		"</body>\n"
		"</html>\n");
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
	dirlist_render_html(&l, "/", &b);
	assert_true(buf_ok(&b));
	assert_true(b.len > 4);
	assert_memory_equal(b.data, "HEAD<!DOCTYPE HTML>\n", 20);
	buf_free(&b);
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
		TMP_TEST(test_read_tricky_dir_whole_document),
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
		cmocka_unit_test(test_render_escaping_and_kinds),
		cmocka_unit_test(test_render_appends_to_buffer),
		cmocka_unit_test(test_free_empty_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
