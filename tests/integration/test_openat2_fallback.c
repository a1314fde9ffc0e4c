/* Integration: the root stays a wall where openat2(2) is refused. This
 * test process installs a seccomp filter that answers every openat2 with
 * EPERM (what a container's filter does for a system call it does not
 * know) before starting any server, so every server it starts inherits
 * it and must fall back to root.c's component-by-component walk: the
 * same answers, symlinks inside served, symlinks outside 404, special
 * files 403, nothing outside ever sent. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"

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

/* The filter really is there: openat2 fails here, with EPERM. */
static bool openat2_refused(void)
{
	struct open_how how = { .flags = O_RDONLY, .resolve = RESOLVE_BENEATH };
	long fd = syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof(how));

	if (fd >= 0)
		close((int)fd);
	return fd < 0 && errno == EPERM;
}

static int group_setup(void **state)
{
	char path[PATH_MAX];
	int rc;

	(void)state;
	if (filter_openat2(EPERM) < 0 || !openat2_refused())
		return -1;
	if (fixture_standard_site(&suite_fx) < 0)
		return -1;
	rc = fixture_escape_links(&suite_fx);
	rc |= fixture_symlink(&suite_fx, "../hello.txt", "dir/up_in");
	rc |= fixture_symlink(&suite_fx, "sub/../../hello.txt", "dir/via_sub");
	rc |= fixture_symlink(&suite_fx, "loop", "loop");
	rc |= mkfifo(fixture_path(&suite_fx, "fifo", path, sizeof(path)), 0644);
	return rc ? -1 : 0;
}

static void expect(const char *target, int status, const char *body)
{
	struct http_reply r;

	assert_rc_ok(client_get(suite_srv.port, target, &r));
	if (r.status != status)
		fail_msg("GET %s: %d, expected %d", target, r.status, status);
	if (body)
		assert_body_str(&r, body);
	if (harness_contains(r.body, r.body_len, SECRET_MARK))
		fail_msg("GET %s: the secret outside the root was sent", target);
	reply_free(&r);
}

static void files_and_listings_served(void **state)
{
	struct http_reply r;

	(void)state;
	expect("/hello.txt", 200, HELLO_BODY);
	expect("/dir/sub/inner.txt", 200, "inner\n");
	expect("/withindex/", 200, INDEX_HTML_BODY);
	expect("/dir", 301, NULL);
	assert_rc_ok(client_get(suite_srv.port, "/dir/", &r));
	assert_int_equal(r.status, 200);
	assert_contains(r.body, r.body_len, "href=\"b.txt\"");
	reply_free(&r);
	expect("/nope", 404, NULL);
	expect("/hello.txt/", 404, NULL);
}

static void symlinks_inside_served(void **state)
{
	(void)state;
	expect("/in_link", 200, HELLO_BODY);
	expect("/dir/link", 200, "b\n");
	expect("/dir/dirlink/inner.txt", 200, "inner\n");
	expect("/dir/up_in", 200, HELLO_BODY);
	expect("/dir/via_sub", 200, HELLO_BODY);
}

static void symlinks_outside_404(void **state)
{
	static const char *const targets[] = {
		"/out", "/abs_out", "/dir/up_out", "/esc/secret.txt", "/esc/",
		"/esc/root/hello.txt", "/loop", "/%2e%2e/secret.txt",
		"/dir/dirlink/../../../secret.txt", "http://h/../secret.txt",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		expect(targets[i], 404, NULL);
}

static void fifo_403(void **state)
{
	(void)state;
	expect("/fifo", 403, NULL);
	expect("/hello.txt", 200, HELLO_BODY);
}

#define T(f) cmocka_unit_test_setup_teardown(f, suite_setup, suite_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(files_and_listings_served),
		T(symlinks_inside_served),
		T(symlinks_outside_404),
		T(fifo_403),
	};

	return cmocka_run_group_tests(tests, group_setup, suite_group_teardown);
}
