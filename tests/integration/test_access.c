/* Integration: access control — Basic authentication (--auth, and
 * --auth-file with plain and SHA-512 crypt(3) passwords), credentials
 * never logged, --no-dotfiles hiding and refusing, and --chroot with
 * --user (as root: the served directory becomes /, the processes run
 * as nobody; without root: one line, exit 2). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <crypt.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define USER "alice"
#define PASS "s3cret-pw"
/* base64("alice:s3cret-pw") and base64("alice:wrong") */
#define GOOD_B64 "YWxpY2U6czNjcmV0LXB3"
#define BAD_B64 "YWxpY2U6d3Jvbmc="
#define CHALLENGE "Basic realm=\"httpd-lite\""

static char auth_file[PATH_MAX];

static int write_auth_file(const char *content)
{
	snprintf(auth_file, sizeof(auth_file), "%s/users", suite_fx.parent);
	FILE *f = fopen(auth_file, "w");
	if (!f)
		return -1;
	fputs(content, f);
	return fclose(f);
}

static int group_setup(void **state)
{
	(void)state;
	if (fixture_standard_site(&suite_fx) < 0)
		return -1;
	int rc = fixture_write_str(&suite_fx, ".git/config", "[core]\n");
	rc |= fixture_write_str(&suite_fx, ".env", "TOKEN=x\n");
	rc |= fixture_write_str(&suite_fx, "dir/.dotdir/x.txt", "x\n");
	rc |= fixture_symlink(&suite_fx, "hello.txt", ".link");
	return rc ? -1 : 0;
}


/* GET target with an Authorization value (NULL: none) on c. */
static void get_on(struct client *c, const char *target, const char *authorization,
		   struct http_reply *r)
{
	char hdr[512] = "";

	if (authorization)
		snprintf(hdr, sizeof(hdr), "Authorization: %s\r\n", authorization);
	assert_rc_ok(client_send_request(c, "GET", target, hdr));
	assert_rc_ok(client_read_reply(c, r, false));
}

static void expect_401(struct client *c, const char *target, const char *authorization)
{
	struct http_reply r;

	get_on(c, target, authorization, &r);
	if (r.status != 401)
		fail_msg("GET %s with %s: %d, expected 401", target,
			 authorization ? authorization : "nothing", r.status);
	assert_header(&r, "WWW-Authenticate", CHALLENGE);
	assert_false(harness_contains(r.body, r.body_len, HELLO_BODY));
	reply_free(&r);
}

static void expect_status(const char *target, int status, const char *body)
{
	struct http_reply r;

	assert_rc_ok(client_get(suite_srv.port, target, &r));
	if (r.status != status)
		fail_msg("GET %s: %d, expected %d", target, r.status, status);
	if (body)
		assert_body_str(&r, body);
	reply_free(&r);
}

/* ---- --auth ------------------------------------------------------------ */

static void auth_missing_wrong_right(void **state)
{
	static const char *extra[] = { "--auth", USER ":" PASS, NULL };
	struct http_reply r;
	struct client c;

	(void)state;
	suite_start(extra);
	assert_rc_ok(client_connect(&c, suite_srv.port));
	expect_401(&c, "/hello.txt", NULL);
	expect_401(&c, "/hello.txt", "Basic " BAD_B64);
	expect_401(&c, "/hello.txt", "Bearer " GOOD_B64);
	expect_401(&c, "/hello.txt", "Basic " GOOD_B64 "AAAA");
	expect_401(&c, "/hello.txt", "Basic");
	/* Unauthenticated, a missing file and a hidden one look the same. */
	expect_401(&c, "/nope", NULL);
	expect_401(&c, "/out-of-root/../../x", NULL);
	/* The 401s kept the connection: the right password on it works. */
	get_on(&c, "/hello.txt", "Basic " GOOD_B64, &r);
	assert_int_equal(r.status, 200);
	assert_body_str(&r, HELLO_BODY);
	reply_free(&r);
	get_on(&c, "/nope", "basic   " GOOD_B64, &r);
	assert_int_equal(r.status, 404);
	reply_free(&r);
	client_close(&c);
	suite_stop();
}

static void curl_u(const char *creds, const char *expect)
{
	char url[64];
	struct run_result rr;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hello.txt", suite_srv.port);
	const char *args[] = { "-u", creds, url, NULL };
	assert_int_equal(harness_curl(args, &rr), 0);
	assert_int_equal(rr.exit_code, 0);
	assert_contains(rr.out.data, rr.out.len, expect);
	run_result_free(&rr);
}

static void auth_head_and_curl(void **state)
{
	static const char *extra[] = { "--auth", USER ":" PASS, NULL };
	struct http_reply r;
	struct client c;

	(void)state;
	suite_start(extra);
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_request(&c, "HEAD", "/hello.txt", NULL));
	assert_rc_ok(client_read_reply(&c, &r, true));
	assert_int_equal(r.status, 401);
	assert_header(&r, "WWW-Authenticate", CHALLENGE);
	reply_free(&r);
	client_close(&c);
	curl_u(USER ":" PASS, "HTTP/1.1 200 OK");
	curl_u(USER ":" PASS, HELLO_BODY);
	curl_u(USER ":nope", "HTTP/1.1 401 Unauthorized");
	suite_stop();
}

static void credentials_never_logged(void **state)
{
	static const char *extra[] = { "--auth", USER ":" PASS, NULL };
	struct client c;
	struct http_reply r;

	(void)state;
	suite_start(extra);
	assert_rc_ok(client_connect(&c, suite_srv.port));
	get_on(&c, "/hello.txt", "Basic " GOOD_B64, &r);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	expect_401(&c, "/hello.txt", "Basic " BAD_B64);
	client_close(&c);
	/* Wait for the 401's lines to be logged, then look at everything. */
	assert_int_equal(harness_wait_stderr_match(&suite_srv, "\" 401 ", NULL, 0, HARNESS_WAIT_MS), 0);
	assert_false(harness_contains(suite_srv.err.data, suite_srv.err.len, PASS));
	assert_false(harness_contains(suite_srv.err.data, suite_srv.err.len, GOOD_B64));
	assert_false(harness_contains(suite_srv.err.data, suite_srv.err.len, BAD_B64));
	assert_false(harness_contains(suite_srv.err.data, suite_srv.err.len, "wrong"));
	/* python's shape: the user field stays "-" */
	assert_true(harness_match(suite_srv.err.data, "127\\.0\\.0\\.1 - - \\["));
	suite_stop();
}

/* ---- --auth-file ------------------------------------------------------- */

static char *sha512_crypt(const char *password)
{
	static struct crypt_data cd;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];

	assert_non_null(crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)));
	char *h = crypt_r(password, salt, &cd);
	assert_non_null(h);
	assert_true(strncmp(h, "$6$", 3) == 0);
	return h;
}

static void auth_file_sha512_and_plain(void **state)
{
	static const char *extra[] = { "--auth-file", auth_file, NULL };
	char content[512];
	struct client c;
	struct http_reply r;

	(void)state;
	snprintf(content, sizeof(content), "# users of the test\n\n" USER ":%s\r\ncarol:plain pw\n",
		 sha512_crypt(PASS));
	assert_int_equal(write_auth_file(content), 0);
	suite_start(extra);
	assert_rc_ok(client_connect(&c, suite_srv.port));
	expect_401(&c, "/hello.txt", NULL);
	expect_401(&c, "/hello.txt", "Basic " BAD_B64);
	get_on(&c, "/hello.txt", "Basic " GOOD_B64, &r);
	assert_int_equal(r.status, 200);
	assert_body_str(&r, HELLO_BODY);
	reply_free(&r);
	/* carol:plain pw */
	get_on(&c, "/hello.txt", "Basic Y2Fyb2w6cGxhaW4gcHc=", &r);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	/* carol:plain p */
	expect_401(&c, "/hello.txt", "Basic Y2Fyb2w6cGxhaW4gcA==");
	/* dave:plain pw, an unknown user with a known password */
	expect_401(&c, "/hello.txt", "Basic ZGF2ZTpwbGFpbiBwdw==");
	client_close(&c);
	suite_stop();
}

static void auth_file_errors_exit_2(void **state)
{
	static const char *const contents[] = {
		"alice has no colon\n",
		"# nothing but a comment\n",
		"bob:$6$salt$truncated\n",
		"dup:1\ndup:2\n",
		":no-user\n",
	};
	char port[16];
	struct run_result rr;

	(void)state;
	snprintf(port, sizeof(port), "%d", harness_free_port());
	for (size_t i = 0; i < sizeof(contents) / sizeof(contents[0]) + 1; i++) {
		const char *file = auth_file;
		if (i < sizeof(contents) / sizeof(contents[0]))
			assert_int_equal(write_auth_file(contents[i]), 0);
		else
			file = "/nonexistent/users";
		const char *args[] = { "-b", "127.0.0.1", "-p", port, "-d", suite_fx.root,
				       "--auth-file", file, NULL };
		assert_int_equal(harness_run_server(args, NULL, HARNESS_WAIT_MS, &rr), 0);
		if (rr.exit_code != 2)
			fail_msg("auth file %zu: exit %d, expected 2", i, rr.exit_code);
		/* one line, naming the file, never its content */
		assert_true(harness_match(rr.err.data, "^httpd-lite: [^\n]*auth-file[^\n]*\n$"));
		assert_false(harness_contains(rr.err.data, rr.err.len, "truncated"));
		assert_int_equal(rr.out.len, 0);
		run_result_free(&rr);
	}
}

/* ---- --no-dotfiles ----------------------------------------------------- */

static void dotfiles_served_by_default(void **state)
{
	(void)state;
	suite_start(NULL);
	expect_status("/dir/.hidden", 200, "hidden\n");
	expect_status("/.env", 200, NULL);
	suite_stop();
}

static void no_dotfiles_hides_and_refuses(void **state)
{
	static const char *extra[] = { "--no-dotfiles", NULL };
	static const char *const hidden[] = {
		"/dir/.hidden", "/.git/config", "/.git", "/.git/", "/%2egit/config",
		"/.env", "/dir/.dotdir/x.txt", "/dir/.dotdir", "/dir/./.hidden",
		"/dir/sub/../.hidden", "/.link", "/%2Eenv", "/dir/..%2f.env",
	};
	struct http_reply r;

	(void)state;
	suite_start(extra);
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
		assert_rc_ok(client_get(suite_srv.port, hidden[i], &r));
		if (r.status != 404)
			fail_msg("GET %s: %d, expected 404", hidden[i], r.status);
		reply_free(&r);
	}
	assert_rc_ok(client_get(suite_srv.port, "/dir/", &r));
	assert_int_equal(r.status, 200);
	assert_false(harness_contains(r.body, r.body_len, ".hidden"));
	assert_false(harness_contains(r.body, r.body_len, ".dotdir"));
	assert_contains(r.body, r.body_len, "href=\"b.txt\"");
	reply_free(&r);
	assert_rc_ok(client_get(suite_srv.port, "/", &r));
	assert_false(harness_contains(r.body, r.body_len, ".git"));
	assert_false(harness_contains(r.body, r.body_len, ".env"));
	assert_false(harness_contains(r.body, r.body_len, ".link"));
	assert_contains(r.body, r.body_len, "href=\"hello.txt\"");
	reply_free(&r);
	expect_status("/hello.txt", 200, HELLO_BODY);
	suite_stop();
}

/* ---- --chroot and --user ----------------------------------------------- */

static pid_t first_child(pid_t parent)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = -1;

	while (d && (e = readdir(d)) && found < 0) {
		char path[300], buf[512];
		long ppid = 0;
		char st;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		char *p = strrchr(buf, ')');
		if (p && sscanf(p + 1, " %c %ld", &st, &ppid) == 2 && ppid == parent)
			found = (pid_t)atol(e->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

/* "Uid:" or "Gid:" or "Groups:" line of /proc/PID/status. */
static void status_line(pid_t pid, const char *key, char *out, size_t size)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	out[0] = '\0';
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, strlen(key)) == 0)
			snprintf(out, size, "%s", line + strlen(key));
	fclose(f);
}

static void assert_runs_as(pid_t pid, uid_t uid, gid_t gid)
{
	char line[512], want[128];

	status_line(pid, "Uid:", line, sizeof(line));
	snprintf(want, sizeof(want), "^\t%u\t%u\t%u\t%u\n$", uid, uid, uid, uid);
	if (!harness_match(line, want))
		fail_msg("pid %d Uid:%s", (int)pid, line);
	status_line(pid, "Gid:", line, sizeof(line));
	snprintf(want, sizeof(want), "^\t%u\t%u\t%u\t%u\n$", gid, gid, gid, gid);
	if (!harness_match(line, want))
		fail_msg("pid %d Gid:%s", (int)pid, line);
	status_line(pid, "Groups:", line, sizeof(line));
	if (harness_match(line, "(^|[ \t])0([ \t]|$)"))
		fail_msg("pid %d still in group 0: Groups:%s", (int)pid, line);
}

static void assert_root_is(pid_t pid, const char *dir)
{
	char link[64], got[PATH_MAX], want[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/%d/root", (int)pid);
	ssize_t n = readlink(link, got, sizeof(got) - 1);
	assert_true(n > 0);
	got[n] = '\0';
	assert_non_null(realpath(dir, want));
	assert_string_equal(got, want);
}

/* LeakSanitizer (make asan) reads /proc/self/maps at exit, and a chroot
 * takes /proc away by design: no leak check for a chrooted server. */
static char saved_asan[512];

static void leak_check_off(void)
{
	const char *o = getenv("ASAN_OPTIONS");
	char buf[600];

	saved_asan[0] = '\0';
	if (!o)
		return;
	snprintf(saved_asan, sizeof(saved_asan), "%s", o);
	snprintf(buf, sizeof(buf), "%s:detect_leaks=0", o);
	setenv("ASAN_OPTIONS", buf, 1);
}

static void leak_check_back(void)
{
	if (saved_asan[0])
		setenv("ASAN_OPTIONS", saved_asan, 1);
}

static void chroot_and_user_drop_everything(void **state)
{
	static const char *extra[] = { "--chroot", "--user", "nobody", "--follow-symlinks", NULL };
	char target[PATH_MAX];
	struct http_reply r;
	struct client c;

	(void)state;
	if (geteuid() != 0)
		skip();
	const struct passwd *pw = getpwnam("nobody");
	if (!pw)
		skip();
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	snprintf(target, sizeof(target), "%s/secret.txt", suite_fx.parent);
	assert_int_equal(fixture_symlink(&suite_fx, target, "abs_out"), 0);
	assert_int_equal(fixture_symlink(&suite_fx, "../secret.txt", "rel_out"), 0);
	leak_check_off();
	suite_start(extra);
	leak_check_back();
	assert_runs_as(suite_srv.pid, uid, gid);
	assert_root_is(suite_srv.pid, suite_fx.root);
	assert_rc_ok(client_connect(&c, suite_srv.port));
	get_on(&c, "/hello.txt", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_body_str(&r, HELLO_BODY);
	assert_header(&r, "Content-Type", "text/plain");
	reply_free(&r);
	pid_t child = first_child(suite_srv.pid);
	assert_true(child > 0);
	assert_runs_as(child, uid, gid);
	assert_root_is(child, suite_fx.root);
	client_close(&c);
	expect_status("/dir/", 200, NULL);
	expect_status("/style.css", 200, NULL);
	/* Even told to follow symlinks, there is no outside left to reach:
	 * both resolve inside the chroot, where there is no secret.txt. */
	expect_status("/abs_out", 404, NULL);
	expect_status("/rel_out", 404, NULL);
	suite_stop();
	unlink(fixture_path(&suite_fx, "abs_out", target, sizeof(target)));
	unlink(fixture_path(&suite_fx, "rel_out", target, sizeof(target)));
}

/* Out of fds inside the chroot: the parent still answers 503 each time
 * (its spare fd must not come from /dev/null, which is not there). */
static void chroot_out_of_fds_still_503(void **state)
{
	/* No --user: prlimit(2) on another uid's process needs privilege
	 * this test may not have (CAP_SYS_RESOURCE). */
	static const char *extra[] = { "--chroot", NULL };
	struct rlimit old, tight;
	char path[64];
	struct http_reply r;

	(void)state;
	if (geteuid() != 0)
		skip();
	leak_check_off();
	suite_start(extra);
	leak_check_back();
	assert_int_equal(prlimit(suite_srv.pid, RLIMIT_NOFILE, NULL, &old), 0);
	int lowest = 0;
	do
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)suite_srv.pid, lowest++);
	while (access(path, F_OK) == 0);
	tight.rlim_cur = (rlim_t)(lowest - 1);
	tight.rlim_max = old.rlim_max;
	assert_int_equal(prlimit(suite_srv.pid, RLIMIT_NOFILE, &tight, NULL), 0);
	for (int i = 0; i < 3; i++) {
		assert_rc_ok(client_get(suite_srv.port, "/hello.txt", &r));
		assert_int_equal(r.status, 503);
		reply_free(&r);
	}
	assert_int_equal(prlimit(suite_srv.pid, RLIMIT_NOFILE, &old, NULL), 0);
	expect_status("/hello.txt", 200, HELLO_BODY);
	suite_stop();
}

static void user_without_chroot(void **state)
{
	static const char *extra[] = { "--user", "nobody", NULL };
	(void)state;
	if (geteuid() != 0 || !getpwnam("nobody"))
		skip();
	suite_start(extra);
	const struct passwd *pw = getpwnam("nobody");
	assert_runs_as(suite_srv.pid, pw->pw_uid, pw->pw_gid);
	assert_root_is(suite_srv.pid, "/");
	expect_status("/hello.txt", 200, HELLO_BODY);
	suite_stop();
}

/* What the server may not read is a 404, as with python (a 403 would
 * tell that it exists): a file and a directory of mode 0, as nobody. */
static void unreadable_is_404(void **state)
{
	static const char *extra[] = { "--user", "nobody", NULL };
	char path[512];
	(void)state;
	if (geteuid() != 0 || !getpwnam("nobody"))
		skip();
	assert_int_equal(fixture_write_str(&suite_fx, "locked.txt", "secret\n"), 0);
	assert_int_equal(fixture_mkdir(&suite_fx, "lockeddir"), 0);
	assert_int_equal(chmod(fixture_path(&suite_fx, "locked.txt", path, sizeof(path)), 0), 0);
	assert_int_equal(chmod(fixture_path(&suite_fx, "lockeddir", path, sizeof(path)), 0), 0);
	suite_start(extra);
	expect_status("/locked.txt", 404, NULL);
	expect_status("/lockeddir/", 404, NULL);
	expect_status("/hello.txt", 200, HELLO_BODY);
	suite_stop();
	assert_int_equal(chmod(fixture_path(&suite_fx, "locked.txt", path, sizeof(path)), 0644), 0);
	assert_int_equal(chmod(fixture_path(&suite_fx, "lockeddir", path, sizeof(path)), 0755), 0);
}

static void unknown_user_exits_2(void **state)
{
	char port[16];
	struct run_result rr;

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(port, sizeof(port), "%d", harness_free_port());
	const char *args[] = { "-b", "127.0.0.1", "-p", port, "-d", suite_fx.root,
			       "--user", "no-such-user-h4", NULL };
	assert_int_equal(harness_run_server(args, NULL, HARNESS_WAIT_MS, &rr), 0);
	assert_int_equal(rr.exit_code, 2);
	assert_true(harness_match(rr.err.data, "^httpd-lite: [^\n]*no-such-user-h4[^\n]*\n$"));
	run_result_free(&rr);
	const char *root_args[] = { "-b", "127.0.0.1", "-p", port, "-d", suite_fx.root,
				    "--user", "root", NULL };
	assert_int_equal(harness_run_server(root_args, NULL, HARNESS_WAIT_MS, &rr), 0);
	assert_int_equal(rr.exit_code, 2);
	run_result_free(&rr);
}

/* Without root: one clear line, exit 2, and nothing left bound. When the
 * tests run as root, setpriv(1) gives up root for the server. */
static void chroot_and_user_need_root(void **state)
{
	static const char *const flags[][3] = {
		{ "--chroot", NULL, NULL },
		{ "--user", "nobody", NULL },
	};
	char port[16];
	struct run_result rr;

	(void)state;
	snprintf(port, sizeof(port), "%d", harness_free_port());
	for (size_t i = 0; i < 2; i++) {
		const char *argv[16];
		size_t n = 0;
		if (geteuid() == 0) {
			argv[n++] = "setpriv";
			argv[n++] = "--reuid=65534";
			argv[n++] = "--regid=65534";
			argv[n++] = "--clear-groups";
		}
		argv[n++] = harness_bin();
		argv[n++] = "-b";
		argv[n++] = "127.0.0.1";
		argv[n++] = "-p";
		argv[n++] = port;
		argv[n++] = "-d";
		argv[n++] = "/";
		for (size_t j = 0; flags[i][j]; j++)
			argv[n++] = flags[i][j];
		argv[n] = NULL;
		assert_int_equal(harness_run(argv, NULL, HARNESS_WAIT_MS, &rr), 0);
		if (rr.exit_code == 127 || rr.exit_code == 126) {
			run_result_free(&rr);
			skip(); /* no setpriv, or the binary not reachable as nobody */
		}
		if (rr.exit_code != 2)
			fail_msg("%s: exit %d (%s)", flags[i][0], rr.exit_code, rr.err.data);
		assert_true(harness_match(rr.err.data, "^httpd-lite: [^\n]*needs root[^\n]*\n$"));
		/* it never printed the banner */
		assert_int_equal(rr.out.len, 0);
		run_result_free(&rr);
	}
}

#define T(f) cmocka_unit_test_teardown(f, suite_cleanup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(auth_missing_wrong_right),
		T(auth_head_and_curl),
		T(credentials_never_logged),
		T(auth_file_sha512_and_plain),
		T(auth_file_errors_exit_2),
		T(dotfiles_served_by_default),
		T(no_dotfiles_hides_and_refuses),
		T(chroot_and_user_drop_everything),
		T(chroot_out_of_fds_still_503),
		T(user_without_chroot),
		T(unreadable_is_404),
		T(unknown_user_exits_2),
		T(chroot_and_user_need_root),
	};

	return cmocka_run_group_tests(tests, group_setup, suite_group_teardown);
}
