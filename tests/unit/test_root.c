/* Unit tests for root: opening beneath the served directory over a real
 * temporary tree full of symlinks, once with openat2 and once with the
 * component-by-component walk that replaces it where openat2 is missing
 * (forced here with walk_only, and by seccomp filters that refuse
 * openat2 in a child), which must give the same answers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "root.h"

#define TMPDIR_TEMPLATE "/tmp/test_root.XXXXXX"
#define SECRET "secret outside the root\n"
#define FILE_BODY "file at the root\n"
#define INNER_BODY "inner file\n"
#define DEEP_BODY "deep file\n"

static char parent[sizeof(TMPDIR_TEMPLATE)];
static char rootdir[sizeof(TMPDIR_TEMPLATE) + 8];
static int root_fd = -1;

static int write_file(const char *rel, const char *body)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", parent, rel);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(body, f);
	return fclose(f);
}

static int make_dir(const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", parent, rel);
	return mkdir(path, 0755);
}

static int make_link(const char *target, const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", parent, rel);
	return symlink(target, path);
}

/* parent/secret.txt beside parent/root/, and inside the root:
 *   file.txt, .hidden, sub/inner.txt, sub/deep/deep.txt, fifo
 *   link_in -> sub/inner.txt        link_dir -> sub
 *   sub/up -> ..                    sub/deep/upin -> ../../file.txt
 *   out -> ../secret.txt            sub/out2 -> ../../secret.txt
 *   esc -> ..                       sub/uptwo -> ../..
 *   abs_out -> PARENT/secret.txt    abs_in -> ROOT/file.txt
 *   loop -> loop                    dangling -> nope
 *   chain0 -> chain1 -> ... -> chain40 -> file.txt (41 links)
 *   chain_ok0 -> ... -> chain_ok39 -> file.txt (40 links)
 *   via_link_up -> link_dir/up/file.txt
 *   slash_file -> file.txt/         dir_slash -> sub/
 *   slash_chain -> link_in/ */
static int build_tree(void)
{
	char target[600];
	int bad = 0;
	bad |= write_file("secret.txt", SECRET);
	bad |= make_dir("root");
	bad |= write_file("root/file.txt", FILE_BODY);
	bad |= write_file("root/.hidden", "hidden\n");
	bad |= make_dir("root/sub");
	bad |= write_file("root/sub/inner.txt", INNER_BODY);
	bad |= make_dir("root/sub/deep");
	bad |= write_file("root/sub/deep/deep.txt", DEEP_BODY);
	snprintf(target, sizeof(target), "%s/fifo", rootdir);
	bad |= mkfifo(target, 0644);
	bad |= make_link("sub/inner.txt", "root/link_in");
	bad |= make_link("sub", "root/link_dir");
	bad |= make_link("..", "root/sub/up");
	bad |= make_link("../../file.txt", "root/sub/deep/upin");
	bad |= make_link("../secret.txt", "root/out");
	bad |= make_link("../../secret.txt", "root/sub/out2");
	bad |= make_link("..", "root/esc");
	bad |= make_link("../..", "root/sub/uptwo");
	snprintf(target, sizeof(target), "%s/secret.txt", parent);
	bad |= make_link(target, "root/abs_out");
	snprintf(target, sizeof(target), "%s/file.txt", rootdir);
	bad |= make_link(target, "root/abs_in");
	bad |= make_link("loop", "root/loop");
	bad |= make_link("nope", "root/dangling");
	for (int i = 0; i <= 40; i++) {
		char name[64];
		snprintf(name, sizeof(name), "root/chain%d", i);
		snprintf(target, sizeof(target), i < 40 ? "chain%d" : "file.txt", i + 1);
		bad |= make_link(target, name);
		if (i < 40) {
			snprintf(name, sizeof(name), "root/chain_ok%d", i);
			snprintf(target, sizeof(target), i < 39 ? "chain_ok%d" : "file.txt",
				 i + 1);
			bad |= make_link(target, name);
		}
	}
	bad |= make_link("link_dir/up/file.txt", "root/via_link_up");
	bad |= make_link("file.txt/", "root/slash_file");
	bad |= make_link("sub/", "root/dir_slash");
	bad |= make_link("link_in/", "root/slash_chain");
	return bad ? -1 : 0;
}

static int group_setup(void **state)
{
	(void)state;
	memcpy(parent, TMPDIR_TEMPLATE, sizeof(TMPDIR_TEMPLATE));
	if (!mkdtemp(parent))
		return -1;
	snprintf(rootdir, sizeof(rootdir), "%s/root", parent);
	if (build_tree() < 0)
		return -1;
	root_fd = open(rootdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return root_fd < 0 ? -1 : 0;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	close(root_fd);
	return nftw(parent, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- one expectation, checked both ways ----------------------------- */

enum kind { FILE_WITH, DIR_OPEN, FIFO_OPEN, FAILS };

struct expect {
	const char *rel;
	enum kind kind;
	const char *body; /* FILE_WITH */
	int err;          /* FAILS */
};

static void check_one(const struct root *r, const struct expect *e)
{
	errno = 0;
	int fd = root_open(r, e->rel);
	int err = errno;
	const char *how = r->walk_only ? "walk" : "openat2";
	if (e->kind == FAILS) {
		if (fd >= 0)
			fail_msg("%s %s: opened, expected errno %d", how, e->rel, e->err);
		if (err != e->err)
			fail_msg("%s %s: errno %d (%s), expected %d (%s)", how, e->rel, err,
				 strerror(err), e->err, strerror(e->err));
		return;
	}
	if (fd < 0)
		fail_msg("%s %s: %s", how, e->rel, strerror(err));
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	int flags = fcntl(fd, F_GETFL);
	assert_true(flags & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	if (e->kind == DIR_OPEN) {
		assert_true(S_ISDIR(st.st_mode));
	} else if (e->kind == FIFO_OPEN) {
		assert_true(S_ISFIFO(st.st_mode));
	} else {
		char buf[128];
		assert_true(S_ISREG(st.st_mode));
		ssize_t n = read(fd, buf, sizeof(buf));
		assert_true(n >= 0);
		if ((size_t)n != strlen(e->body) || memcmp(buf, e->body, (size_t)n) != 0)
			fail_msg("%s %s: wrong content \"%.*s\"", how, e->rel, (int)n, buf);
	}
	close(fd);
}

static void check_both(const struct expect *list, size_t n, bool follow)
{
	struct root r = { .fd = root_fd, .follow_symlinks = follow };
	for (size_t i = 0; i < n; i++) {
		r.walk_only = false;
		check_one(&r, &list[i]);
		r.walk_only = true;
		check_one(&r, &list[i]);
	}
}

#define CHECK(list, follow) check_both((list), sizeof(list) / sizeof((list)[0]), (follow))

/* Every fd the walk opens is closed again, success or failure. */
static int count_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

/* ---- tests ---------------------------------------------------------- */

static void plain_paths(void **state)
{
	static const struct expect list[] = {
		{ "", DIR_OPEN, NULL, 0 },
		{ "file.txt", FILE_WITH, FILE_BODY, 0 },
		{ "sub", DIR_OPEN, NULL, 0 },
		{ "sub/inner.txt", FILE_WITH, INNER_BODY, 0 },
		{ "sub/deep/deep.txt", FILE_WITH, DEEP_BODY, 0 },
		{ ".hidden", FILE_WITH, "hidden\n", 0 },
		{ "nope", FAILS, NULL, ENOENT },
		{ "sub/nope/x", FAILS, NULL, ENOENT },
		{ "file.txt/x", FAILS, NULL, ENOTDIR },
	};
	(void)state;
	CHECK(list, false);
}

static void symlinks_inside_served(void **state)
{
	static const struct expect list[] = {
		{ "link_in", FILE_WITH, INNER_BODY, 0 },
		{ "link_dir", DIR_OPEN, NULL, 0 },
		{ "link_dir/inner.txt", FILE_WITH, INNER_BODY, 0 },
		{ "sub/up", DIR_OPEN, NULL, 0 },
		{ "sub/up/file.txt", FILE_WITH, FILE_BODY, 0 },
		{ "sub/up/sub/up/sub/inner.txt", FILE_WITH, INNER_BODY, 0 },
		{ "sub/deep/upin", FILE_WITH, FILE_BODY, 0 },
		{ "via_link_up", FILE_WITH, FILE_BODY, 0 },
		{ "link_dir/deep/upin", FILE_WITH, FILE_BODY, 0 },
		{ "dir_slash", DIR_OPEN, NULL, 0 },
		{ "dir_slash/inner.txt", FILE_WITH, INNER_BODY, 0 },
		{ "chain_ok0", FILE_WITH, FILE_BODY, 0 },
	};
	(void)state;
	CHECK(list, false);
}

static void symlinks_outside_refused(void **state)
{
	static const struct expect list[] = {
		{ "out", FAILS, NULL, EXDEV },
		{ "sub/out2", FAILS, NULL, EXDEV },
		{ "link_dir/out2", FAILS, NULL, EXDEV },
		{ "esc", FAILS, NULL, EXDEV },
		{ "esc/secret.txt", FAILS, NULL, EXDEV },
		{ "esc/root/file.txt", FAILS, NULL, EXDEV },
		{ "sub/uptwo/secret.txt", FAILS, NULL, EXDEV },
		{ "sub/up/esc/secret.txt", FAILS, NULL, EXDEV },
		/* Absolute targets resolve from outside, even when they would
		 * land back inside (as RESOLVE_BENEATH decides). */
		{ "abs_out", FAILS, NULL, EXDEV },
		{ "abs_in", FAILS, NULL, EXDEV },
	};
	(void)state;
	CHECK(list, false);
}

static void broken_symlinks(void **state)
{
	static const struct expect list[] = {
		{ "loop", FAILS, NULL, ELOOP },
		{ "loop/x", FAILS, NULL, ELOOP },
		{ "chain0", FAILS, NULL, ELOOP },
		{ "dangling", FAILS, NULL, ENOENT },
		{ "slash_file", FAILS, NULL, ENOTDIR },
		{ "slash_chain", FAILS, NULL, ENOTDIR },
	};
	(void)state;
	CHECK(list, false);
}

static void fifo_opens_without_blocking(void **state)
{
	static const struct expect list[] = {
		{ "fifo", FIFO_OPEN, NULL, 0 },
	};
	(void)state;
	/* A blocking open of a FIFO with no writer would hang right here. */
	alarm(10);
	CHECK(list, false);
	alarm(0);
}

static void follow_symlinks_allows_outside(void **state)
{
	static const struct expect list[] = {
		{ "out", FILE_WITH, SECRET, 0 },
		{ "sub/out2", FILE_WITH, SECRET, 0 },
		{ "abs_out", FILE_WITH, SECRET, 0 },
		{ "abs_in", FILE_WITH, FILE_BODY, 0 },
		{ "link_in", FILE_WITH, INNER_BODY, 0 },
		{ "loop", FAILS, NULL, ELOOP },
	};
	(void)state;
	CHECK(list, true);
}

static void too_long_refused(void **state)
{
	static char rel[20000];
	struct root r = { .fd = root_fd, .walk_only = true };
	(void)state;
	memset(rel, 'a', 300);
	rel[300] = '\0';
	errno = 0;
	assert_int_equal(root_open(&r, rel), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	memset(rel, 'a', sizeof(rel) - 1);
	for (size_t i = 1; i < sizeof(rel) - 1; i += 2)
		rel[i] = '/';
	rel[sizeof(rel) - 1] = '\0';
	errno = 0;
	assert_int_equal(root_open(&r, rel), -1);
	assert_int_equal(errno, ENAMETOOLONG);
}

static void walk_leaks_no_fd(void **state)
{
	static const char *const rels[] = {
		"sub/up/sub/up/sub/inner.txt", "esc/secret.txt", "loop/x",
		"link_dir/deep/upin", "sub/uptwo/secret.txt", "chain0", "nope",
		"sub/deep", "file.txt/x",
	};
	struct root r = { .fd = root_fd, .walk_only = true };
	(void)state;
	int before = count_fds();
	for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
		int fd = root_open(&r, rels[i]);
		if (fd >= 0)
			close(fd);
	}
	assert_int_equal(count_fds(), before);
}

static int filter_openat2(int err)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((unsigned)err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* 0 if rel opens to a file starting with body (NULL: any fd), or fails
 * with err (body NULL and err != 0). */
static int child_check(const struct root *r, const char *rel, const char *body, int err)
{
	errno = 0;
	int fd = root_open(r, rel);
	if (err)
		return fd < 0 && errno == err ? 0 : -1;
	if (fd < 0)
		return -1;
	char buf[64] = "";
	ssize_t n = body ? read(fd, buf, sizeof(buf) - 1) : 0;
	close(fd);
	return !body || (n > 0 && strncmp(buf, body, strlen(body)) == 0) ? 0 : -1;
}

/* In a child, since a seccomp filter cannot be removed: openat2 answers
 * err, as under a container's filter; root_open must fall back to the
 * walk and give the same answers. */
static void openat2_filtered(int err)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct root r = { .fd = root_fd };
		if (filter_openat2(err) < 0)
			_exit(3);
		int bad = 0;
		bad |= child_check(&r, "file.txt", FILE_BODY, 0);
		bad |= child_check(&r, "link_in", INNER_BODY, 0);
		bad |= child_check(&r, "sub/up/file.txt", FILE_BODY, 0);
		bad |= child_check(&r, "out", NULL, EXDEV);
		bad |= child_check(&r, "esc/secret.txt", NULL, EXDEV);
		bad |= child_check(&r, "abs_in", NULL, EXDEV);
		bad |= child_check(&r, "loop", NULL, ELOOP);
		bad |= child_check(&r, "nope", NULL, ENOENT);
		bad |= child_check(&r, "fifo", NULL, 0);
		bad |= child_check(&r, "", NULL, 0);
		_exit(bad ? 1 : 0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void openat2_enosys_falls_back(void **state)
{
	(void)state;
	openat2_filtered(ENOSYS);
}

static void openat2_eperm_falls_back(void **state)
{
	(void)state;
	openat2_filtered(EPERM);
}

static void dotfile_segments(void **state)
{
	(void)state;
	assert_true(root_has_dotfile(".hidden"));
	assert_true(root_has_dotfile(".git/config"));
	assert_true(root_has_dotfile("a/.git/config"));
	assert_true(root_has_dotfile("a/b/.x"));
	assert_true(root_has_dotfile("a/..b"));
	assert_false(root_has_dotfile(""));
	assert_false(root_has_dotfile("a.b/c.d"));
	assert_false(root_has_dotfile("file.txt"));
	assert_false(root_has_dotfile("a/b./c"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_paths),
		cmocka_unit_test(symlinks_inside_served),
		cmocka_unit_test(symlinks_outside_refused),
		cmocka_unit_test(broken_symlinks),
		cmocka_unit_test(fifo_opens_without_blocking),
		cmocka_unit_test(follow_symlinks_allows_outside),
		cmocka_unit_test(too_long_refused),
		cmocka_unit_test(walk_leaks_no_fd),
		cmocka_unit_test(openat2_enosys_falls_back),
		cmocka_unit_test(openat2_eperm_falls_back),
		cmocka_unit_test(dotfile_segments),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
