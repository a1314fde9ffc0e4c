/* Unit: the change watcher of --live-reload (watch.c): ignored names,
 * bursts driven with made-up times, and the inotify tree on a temporary
 * directory (new subdirectories, moves, the cap). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "watch.h"

static void test_ignored_names(void **state)
{
	(void)state;
	const char *ignored[] = {".page.html.swp", "x.swx", "page.html~", "4913", ".#page.html",
				 "A.SWP"};
	const char *kept[] = {"page.html", "swp", "4913.html", "a#b", "x.swp.html", ".hidden"};
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		if (!watch_ignored(ignored[i], false))
			fail_msg("%s should be ignored", ignored[i]);
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (watch_ignored(kept[i], false))
			fail_msg("%s should not be ignored", kept[i]);
	assert_true(watch_ignored(".hidden", true));
	assert_false(watch_ignored("visible", true));
	assert_true(watch_is_stylesheet("a/b.css"));
	assert_true(watch_is_stylesheet("B.CSS"));
	assert_false(watch_is_stylesheet("b.css.map"));
	assert_false(watch_is_stylesheet("css"));
}

/* Take the burst: its kind, and what into out. */
static enum watch_kind take(struct watch_burst *b, char *out, size_t size)
{
	struct buf what;
	buf_init(&what);
	enum watch_kind k = watch_burst_take(b, &what);
	snprintf(out, size, "%.*s", (int)what.len, what.len ? what.data : "");
	buf_free(&what);
	return k;
}

static void test_burst_timing(void **state)
{
	(void)state;
	struct watch_burst b;
	watch_burst_init(&b);
	assert_int_equal(watch_burst_wait_ms(&b, 1000), -1);
	watch_burst_add(&b, 1000, "a.html", WATCH_OP_CHANGE, false);
	assert_int_equal(watch_burst_wait_ms(&b, 1000), WATCH_QUIET_MS);
	/* Each event pushes the quiet period on... */
	watch_burst_add(&b, 1080, "a.html", WATCH_OP_CHANGE, false);
	assert_int_equal(watch_burst_wait_ms(&b, 1080), WATCH_QUIET_MS);
	watch_burst_add(&b, 1250, "a.html", WATCH_OP_CHANGE, false);
	/* ...but never past the first event + WATCH_MAX_DELAY_MS. */
	assert_int_equal(watch_burst_wait_ms(&b, 1250), 1000 + WATCH_MAX_DELAY_MS - 1250);
	assert_int_equal(watch_burst_wait_ms(&b, 1300), 0);
	assert_int_equal(watch_burst_wait_ms(&b, 5000), 0);
	char what[256];
	assert_int_equal(take(&b, what, sizeof(what)), WATCH_RELOAD);
	assert_string_equal(what, "/a.html");
	assert_int_equal(watch_burst_wait_ms(&b, 5000), -1);
}

static void test_burst_css_only(void **state)
{
	(void)state;
	struct watch_burst b;
	char what[256];
	watch_burst_init(&b);
	watch_burst_add(&b, 0, "css/site.css", WATCH_OP_CHANGE, false);
	watch_burst_add(&b, 1, "css/site.css", WATCH_OP_CHANGE, false);
	watch_burst_add(&b, 2, "print ok.CSS", WATCH_OP_CHANGE, false);
	assert_int_equal(take(&b, what, sizeof(what)), WATCH_CSS);
	assert_string_equal(what, "/css/site.css\n/print%20ok.CSS");
	/* A stylesheet and anything else: reload. */
	watch_burst_add(&b, 0, "site.css", WATCH_OP_CHANGE, false);
	watch_burst_add(&b, 1, "index.html", WATCH_OP_CHANGE, false);
	assert_int_equal(take(&b, what, sizeof(what)), WATCH_RELOAD);
	assert_string_equal(what, "/index.html");
	/* A directory named like a stylesheet is still a directory. */
	watch_burst_add(&b, 0, "old.css", WATCH_OP_CREATE, true);
	assert_int_equal(take(&b, what, sizeof(what)), WATCH_RELOAD);
}

/* An editor's save: write a temporary, rename it over the file, and a
 * backup that comes and goes. Only the file counts. */
static void test_burst_temporaries_vanish(void **state)
{
	(void)state;
	struct watch_burst b;
	char what[256];
	watch_burst_init(&b);
	watch_burst_add(&b, 0, "site.css.tmp123", WATCH_OP_CREATE, false);
	watch_burst_add(&b, 1, "site.css.tmp123", WATCH_OP_CHANGE, false);
	watch_burst_add(&b, 2, "site.css.tmp123", WATCH_OP_REMOVE, false); /* moved from */
	watch_burst_add(&b, 2, "site.css", WATCH_OP_CREATE, false);        /* moved to */
	assert_int_equal(take(&b, what, sizeof(what)), WATCH_CSS);
	assert_string_equal(what, "/site.css");
	/* Only a temporary: nothing to say. */
	watch_burst_add(&b, 0, "scratch", WATCH_OP_CREATE, false);
	watch_burst_add(&b, 1, "scratch", WATCH_OP_REMOVE, false);
	assert_int_equal(take(&b, what, sizeof(what)), WATCH_NONE);
	/* A file that was there and is deleted is a change. */
	watch_burst_add(&b, 0, "gone.html", WATCH_OP_REMOVE, false);
	assert_int_equal(take(&b, what, sizeof(what)), WATCH_RELOAD);
	assert_string_equal(what, "/gone.html");
	/* Replaced (vim without backupcopy): removed, then created. */
	watch_burst_add(&b, 0, "p.html", WATCH_OP_REMOVE, false);
	watch_burst_add(&b, 1, "p.html", WATCH_OP_CREATE, false);
	assert_int_equal(take(&b, what, sizeof(what)), WATCH_RELOAD);
}

static void test_burst_overflow(void **state)
{
	(void)state;
	struct watch_burst b;
	char what[256], name[32];
	watch_burst_init(&b);
	for (int i = 0; i < WATCH_BURST_PATHS + 5; i++) {
		snprintf(name, sizeof(name), "s%d.css", i);
		watch_burst_add(&b, i, name, WATCH_OP_CHANGE, false);
	}
	assert_int_equal(take(&b, what, sizeof(what)), WATCH_RELOAD);
	watch_burst_overflow(&b, 7);
	assert_int_equal(watch_burst_wait_ms(&b, 7), WATCH_QUIET_MS);
	assert_int_equal(take(&b, what, sizeof(what)), WATCH_RELOAD);
	assert_string_equal(what, "");
}

/* ---- inotify on a real tree ------------------------------------------------ */

static char tree[64];
static int saved_cwd = -1;

static void make(const char *rel, bool dir)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	if (dir) {
		assert_int_equal(mkdir(path, 0755), 0);
	} else {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "x", 1), 1);
		close(fd);
	}
}

static int tree_setup(void **state)
{
	(void)state;
	snprintf(tree, sizeof(tree), "/tmp/test_watch_XXXXXX");
	if (!mkdtemp(tree))
		return -1;
	saved_cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return saved_cwd < 0 ? -1 : 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int tree_teardown(void **state)
{
	(void)state;
	if (fchdir(saved_cwd) < 0)
		return -1;
	close(saved_cwd);
	return nftw(tree, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Read events until the burst is due and take it; bounded by a generous
 * deadline, polling the inotify fd. */
static enum watch_kind next_change(struct watch *w, char *what, size_t size)
{
	long long deadline = clock_now_ms() + 5000;
	for (;;) {
		long long now = clock_now_ms();
		long long wait = watch_burst_wait_ms(&w->burst, now);
		if (wait == 0)
			return take(&w->burst, what, size);
		if (now >= deadline)
			fail_msg("no change within 5 s");
		struct pollfd p = {.fd = w->fd, .events = POLLIN};
		(void)poll(&p, 1, wait < 0 ? 100 : (int)wait);
		assert_int_equal(watch_read(w, clock_now_ms()), 0);
	}
}

static void test_tree_watch(void **state)
{
	(void)state;
	make("a", true);
	make("a/b", true);
	make(".hid", true);
	make("page.html", false);
	int root = open(tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(root >= 0);
	struct watch w;
	assert_int_equal(watch_open(&w, root, true, WATCH_MAX_DIRS), 0);
	close(root);
	assert_int_equal(watch_count(&w), 3); /* root, a, a/b; not .hid */
	char what[256];

	make("a/b/style.css", false);
	assert_int_equal(next_change(&w, what, sizeof(what)), WATCH_CSS);
	assert_string_equal(what, "/a/b/style.css");

	/* A new subdirectory is watched, and so is what is made in it. */
	make("new", true);
	assert_int_equal(next_change(&w, what, sizeof(what)), WATCH_RELOAD);
	assert_string_equal(what, "/new");
	assert_int_equal(watch_count(&w), 4);
	make("new/deep.html", false);
	assert_int_equal(next_change(&w, what, sizeof(what)), WATCH_RELOAD);
	assert_string_equal(what, "/new/deep.html");

	/* Moved within the tree: watched under its new name. */
	char from[128], to[128];
	snprintf(from, sizeof(from), "%s/new", tree);
	snprintf(to, sizeof(to), "%s/a/moved", tree);
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(next_change(&w, what, sizeof(what)), WATCH_RELOAD);
	assert_int_equal(watch_count(&w), 4);
	make("a/moved/x.html", false);
	assert_int_equal(next_change(&w, what, sizeof(what)), WATCH_RELOAD);
	assert_string_equal(what, "/a/moved/x.html");
	watch_close(&w);
}

static void test_tree_cap(void **state)
{
	(void)state;
	make("c1", true);
	make("c2", true);
	make("c3", true);
	int root = open(tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(root >= 0);
	struct watch w;
	assert_int_equal(watch_open(&w, root, false, 2), 0);
	close(root);
	assert_int_equal(watch_count(&w), 2);
	watch_close(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ignored_names),
		cmocka_unit_test(test_burst_timing),
		cmocka_unit_test(test_burst_css_only),
		cmocka_unit_test(test_burst_temporaries_vanish),
		cmocka_unit_test(test_burst_overflow),
		cmocka_unit_test_setup_teardown(test_tree_watch, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_tree_cap, tree_setup, tree_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
