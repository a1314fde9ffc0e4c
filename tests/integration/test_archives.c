/* --archives: a folder as .tar, .tar.gz and .zip, streamed. Each archive
 * is unpacked with the real tools (GNU tar, bsdtar, unzip -t) and held
 * byte for byte to the tree, member list and all: odd names (not UTF-8,
 * quotes, spaces), empty folders, a symlink inside (the file it names)
 * and one out of the root (left out), dotfiles (in, or out with
 * --no-dotfiles), a FIFO and a socket (left out). Then the edges: the
 * headers (chunked, RFC 6266 file names), HTTP/1.0 (ended by the close),
 * --auth, the JSON and HTML offers, no archive without the flag, a file
 * that grows while read (no last chunk), a client that leaves after
 * 1 MiB (no child left), and a 1 GiB sparse file: its tar read whole
 * (exact length, ustar headers), the child's memory sampled as it goes.
 * zip and tar.gz of 1 GiB are left out: tar.gz alone takes 20 s. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"

#define GIB (1024LL * 1024 * 1024)
#define MIB (1024LL * 1024)
#define BAD_NAME "bad\xffname"
#define ODD_NAME "sp ace&\"q'.txt"

static struct fixture fx;
static struct test_server srv;

/* What a listing of share/ shows, and so what an archive holds (with
 * dotfiles), in the listing's order: folders first, each followed by
 * what it holds, then files, by name. */
static const char *const members[] = {
	"share/",
	"share/.dotdir/",
	"share/.dotdir/x",
	"share/empty/",
	"share/sub/",
	"share/sub/deeper/",
	"share/sub/deeper/f",
	"share/sub/mid.bin",
	"share/.dotfile",
	"share/a.txt",
	"share/" BAD_NAME,
	"share/café.txt",
	"share/inlink",
	"share/" ODD_NAME,
};

/* The source of each regular member (inlink is a.txt's content). */
static const char *source_of(const char *member)
{
	return strcmp(member, "share/inlink") == 0 ? "share/a.txt" : member;
}

static int make_socket(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	int rc = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&a, sizeof(a));
	if (fd >= 0)
		close(fd);
	return rc;
}

static int group_setup(void **state)
{
	(void)state;
	char p[600];
	static char mid[300000];
	harness_fill(mid, sizeof(mid), 7);
	if (fixture_create(&fx) < 0 || fixture_write_str(&fx, "share/a.txt", "hello\n") < 0 ||
	    fixture_write_str(&fx, "share/.dotfile", "dot\n") < 0 ||
	    fixture_write_str(&fx, "share/.dotdir/x", "x\n") < 0 ||
	    fixture_write_str(&fx, "share/" BAD_NAME, "not utf-8\n") < 0 ||
	    fixture_write_str(&fx, "share/café.txt", "café\n") < 0 ||
	    fixture_write_str(&fx, "share/" ODD_NAME, "") < 0 ||
	    fixture_write(&fx, "share/sub/mid.bin", mid, sizeof(mid)) < 0 ||
	    fixture_write_str(&fx, "share/sub/deeper/f", "deep\n") < 0 ||
	    fixture_mkdir(&fx, "share/empty") < 0 || fixture_symlink(&fx, "a.txt", "share/inlink") < 0 ||
	    fixture_write_str(&fx, "../outside.txt", "outside\n") < 0 ||
	    fixture_symlink(&fx, "../../outside.txt", "share/escape") < 0 ||
	    mkfifo(fixture_path(&fx, "share/fifo", p, sizeof(p)), 0644) < 0 ||
	    make_socket(fixture_path(&fx, "share/sock", p, sizeof(p))) < 0 ||
	    fixture_write_str(&fx, "grows/a.txt", "first\n") < 0 ||
	    fixture_symlink(&fx, "/proc/self/status", "grows/zz-status") < 0 ||
	    fixture_mkdir(&fx, "big") < 0 || fixture_mkdir(&fx, "café") < 0)
		return -1;
	/* 1 GiB, all hole: no disk used */
	int fd = open(fixture_path(&fx, "big/huge", p, sizeof(p)), O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || ftruncate(fd, GIB) < 0)
		return -1;
	close(fd);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	fixture_destroy(&fx);
	return 0;
}

static int start(const char *a, const char *b, const char *c)
{
	const char *args[] = {a, b, c, NULL};
	return harness_start(&srv, fx.root, args);
}

static int teardown(void **state)
{
	(void)state;
	harness_close_clients();
	return harness_stop(&srv) == 0 ? 0 : -1;
}

static void run_ok(const char *cmd)
{
	const char *const argv[] = {"sh", "-c", cmd, NULL};
	struct run_result r;
	assert_int_equal(harness_run(argv, fx.parent, 60000, &r), 0);
	if (r.exit_code != 0)
		fail_msg("%s: exit %d: %s", cmd, r.exit_code, r.err.data ? r.err.data : "");
	run_result_free(&r);
}

static char *run_out(const char *cmd)
{
	const char *const argv[] = {"sh", "-c", cmd, NULL};
	struct run_result r;
	assert_int_equal(harness_run(argv, fx.parent, 60000, &r), 0);
	if (r.exit_code != 0)
		fail_msg("%s: exit %d: %s", cmd, r.exit_code, r.err.data ? r.err.data : "");
	char *out = strdup(r.out.data ? r.out.data : "");
	run_result_free(&r);
	return out;
}

static void slurp(const char *path, struct hbuf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail_msg("open %s: %s", path, strerror(errno));
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		hbuf_append(b, buf, (size_t)n);
	assert_int_equal(n, 0);
	close(fd);
}

static void assert_same_file(const char *a, const char *b)
{
	struct hbuf x = {0}, y = {0};
	slurp(a, &x);
	slurp(b, &y);
	if (x.len != y.len || memcmp(x.data ? x.data : "", y.data ? y.data : "", x.len) != 0)
		fail_msg("%s differs from %s", a, b);
	hbuf_free(&x);
	hbuf_free(&y);
}

/* The archive's member list is exactly members, in order, and every
 * regular member unpacked in dir equals its source. */
static void check_unpacked(const char *listing, const char *dir, bool dotfiles)
{
	const char *p = listing;
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		if (!dotfiles && strstr(members[i], "/."))
			continue;
		/* bsdtar -t shows the byte that is not UTF-8 escaped */
		const char *shown = strcmp(members[i], "share/" BAD_NAME) == 0 &&
						    strncmp(p, "share/bad\\377name\n", 17) == 0
					    ? "share/bad\\377name"
					    : members[i];
		size_t len = strlen(shown);
		if (strncmp(p, shown, len) != 0 || p[len] != '\n')
			fail_msg("member %zu: want \"%s\", listing from \"%.60s\"", i, members[i], p);
		p += strlen(shown) + 1;
		len = strlen(members[i]);
		if (members[i][len - 1] == '/')
			continue;
		char got[2000], src[700];
		snprintf(got, sizeof(got), "%s/%s/%s", fx.parent, dir, members[i]);
		fixture_path(&fx, source_of(members[i]), src, sizeof(src));
		assert_same_file(got, src);
	}
	if (*p)
		fail_msg("members not in the listing: \"%.80s\"", p);
}

static void download(const char *query, const char *file)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd),
		 "curl -sS -f --max-time 60 -o %s 'http://127.0.0.1:%d/share/?download=%s'", file,
		 srv.port, query);
	run_ok(cmd);
}

static void tar_matches_the_listing(void **state)
{
	(void)state;
	assert_int_equal(start("--archives", "-q", NULL), 0);
	download("tar", "s.tar");
	char *list = run_out("tar --quoting-style=literal -tf s.tar");
	run_ok("rm -rf t && mkdir t && tar -xf s.tar -C t");
	check_unpacked(list, "t", true);
	free(list);
	/* the name not in UTF-8 keeps its bytes, in bsdtar's reading too */
	run_ok("rm -rf b && mkdir b && bsdtar -xf s.tar -C b");
	char got[700], src[700];
	snprintf(got, sizeof(got), "%s/b/share/" BAD_NAME, fx.parent);
	assert_same_file(got, fixture_path(&fx, "share/" BAD_NAME, src, sizeof(src)));
}

static void zip_matches_the_listing(void **state)
{
	(void)state;
	assert_int_equal(start("--archives", "-q", NULL), 0);
	download("zip", "s.zip");
	run_ok("unzip -tq s.zip");
	char *list = run_out("bsdtar -tf s.zip");
	run_ok("rm -rf z && mkdir z && bsdtar -xf s.zip -C z");
	check_unpacked(list, "z", true);
	free(list);
}

static void tar_gz_without_dotfiles(void **state)
{
	(void)state;
	assert_int_equal(start("--archives", "--no-dotfiles", "-q"), 0);
	download("tar.gz", "s.tgz");
	char *list = run_out("gzip -t s.tgz && tar --quoting-style=literal -tzf s.tgz");
	run_ok("rm -rf g && mkdir g && tar -xzf s.tgz -C g");
	check_unpacked(list, "g", false);
	free(list);
}

static void heads_and_offers(void **state)
{
	(void)state;
	assert_int_equal(start("--archives", "-q", NULL), 0);
	struct http_reply r;
	struct client c;
	/* HEAD: the head a GET gets, without the body */
	assert_rc_ok(client_connect(&c, srv.port));
	assert_rc_ok(client_send_request(&c, "HEAD", "/caf%C3%A9/?download=zip", NULL));
	assert_rc_ok(client_read_reply(&c, &r, true));
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", "application/zip");
	assert_header(&r, "Transfer-Encoding", "chunked");
	assert_header(&r, "Content-Disposition",
		      "attachment; filename=\"caf__.zip\"; filename*=UTF-8''caf%C3%A9.zip");
	assert_null(reply_header(&r, "Content-Length"));
	assert_int_equal(r.body_len, 0);
	reply_free(&r);
	assert_rc_ok(client_send_request(&c, "HEAD", "/?download=tar.gz", NULL));
	assert_rc_ok(client_read_reply(&c, &r, true));
	assert_header(&r, "Content-Type", "application/gzip");
	assert_header(&r, "Content-Disposition",
		      "attachment; filename=\"files.tar.gz\"; filename*=UTF-8''files.tar.gz");
	reply_free(&r);
	client_close(&c);
	/* the offers: buttons on the page, the downloads in the JSON */
	assert_rc_ok(client_get(srv.port, "/share/", &r));
	assert_contains(r.body, r.body_len,
			"<form class=\"dl\" method=\"get\">Download this folder:"
			"<button name=\"download\" value=\"tar\">.tar</button>");
	reply_free(&r);
	assert_rc_ok(client_get(srv.port, "/share/?format=json", &r));
	assert_true(strncmp(r.body, "{\"entries\":[{\"name\":", 20) == 0);
	assert_contains(r.body, r.body_len,
			"],\n\"downloads\":{\"tar\":\"?download=tar\",\"tar.gz\":"
			"\"?download=tar.gz\",\"zip\":\"?download=zip\"}}\n");
	reply_free(&r);
}

static void without_the_flag_nothing_changes(void **state)
{
	(void)state;
	assert_int_equal(start("-q", NULL, NULL), 0);
	struct http_reply r;
	assert_rc_ok(client_get(srv.port, "/share/?download=tar", &r));
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", "text/html; charset=utf-8");
	assert_false(harness_contains(r.body, r.body_len, "download"));
	reply_free(&r);
	assert_rc_ok(client_get(srv.port, "/share/?format=json", &r));
	assert_int_equal(r.body[0], '[');
	reply_free(&r);
}

static void auth_holds(void **state)
{
	(void)state;
	assert_int_equal(start("--archives", "--auth", "u:p"), 0);
	struct http_reply r;
	assert_rc_ok(client_get(srv.port, "/share/?download=tar", &r));
	assert_int_equal(r.status, 401);
	assert_false(harness_contains(r.body, r.body_len, "hello"));
	reply_free(&r);
}

/* Everything the server sends on one request, until it closes. */
static void read_all(const char *request, struct hbuf *out)
{
	struct client c;
	assert_rc_ok(client_connect(&c, srv.port));
	assert_rc_ok(client_send_str(&c, request));
	char buf[65536];
	for (;;) {
		struct pollfd pf = {.fd = c.fd, .events = POLLIN};
		assert_true(poll(&pf, 1, HARNESS_WAIT_MS) > 0);
		ssize_t n = read(c.fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n >= 0);
		if (n == 0)
			break;
		hbuf_append(out, buf, (size_t)n);
	}
	client_close(&c);
}

static void http10_ends_with_the_close(void **state)
{
	(void)state;
	assert_int_equal(start("--archives", "-q", NULL), 0);
	struct hbuf all = {0};
	read_all("GET /share/?download=tar HTTP/1.0\r\n\r\n", &all);
	const char *body = strstr(all.data, "\r\n\r\n");
	assert_non_null(body);
	assert_null(strstr(all.data, "Transfer-Encoding"));
	assert_true(harness_contains(all.data, (size_t)(body - all.data), "Connection: close"));
	body += 4;
	char path[600];
	snprintf(path, sizeof(path), "%s/h.tar", fx.parent);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(body, 1, all.len - (size_t)(body - all.data), f),
			 all.len - (size_t)(body - all.data));
	assert_int_equal(fclose(f), 0);
	char *list = run_out("tar --quoting-style=literal -tf h.tar");
	run_ok("rm -rf h && mkdir h && tar -xf h.tar -C h");
	check_unpacked(list, "h", true);
	free(list);
	hbuf_free(&all);
}

/* /proc/self/status stats as 0 bytes and reads as more: the member
 * cannot be written truthfully, so the transfer stops there, without
 * the last chunk. Needs --follow-symlinks to be reached at all. */
static void file_that_grows_ends_the_transfer(void **state)
{
	(void)state;
	assert_int_equal(start("--archives", "--follow-symlinks", "-q"), 0);
	struct hbuf all = {0};
	read_all("GET /grows/?download=tar HTTP/1.1\r\nHost: x\r\n\r\n", &all);
	assert_non_null(strstr(all.data, "Transfer-Encoding: chunked"));
	assert_true(harness_contains(all.data, all.len, "first\n")); /* a.txt went out */
	assert_true(all.len > 5);
	assert_false(memcmp(all.data + all.len - 5, "0\r\n\r\n", 5) == 0);
	hbuf_free(&all);
	/* and curl says the transfer was cut short */
	char cmd[300];
	snprintf(cmd, sizeof(cmd),
		 "curl -s -o /dev/null 'http://127.0.0.1:%d/grows/?download=tar'; echo $?", srv.port);
	char *rc = run_out(cmd);
	assert_string_not_equal(rc, "0\n");
	free(rc);
}

static pid_t only_child(pid_t parent)
{
	char path[64], text[64] = "";
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)parent, (int)parent);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *got = fgets(text, sizeof(text), f);
	fclose(f);
	assert_non_null(got);
	return (pid_t)atoi(text);
}

static long vm_rss_kib(pid_t pid)
{
	char path[64], line[128];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	long kib = -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* The first bytes read_until read. */
static char first_bytes[4096];

/* Read from c until until bytes in all (head included) or the end. */
static long long read_until(struct client *c, long long have, long long until)
{
	static char buf[1 << 20];
	while (have < until) {
		struct pollfd pf = {.fd = c->fd, .events = POLLIN};
		assert_true(poll(&pf, 1, 20000) > 0);
		size_t want = until - have < (long long)sizeof(buf) ? (size_t)(until - have) : sizeof(buf);
		ssize_t n = read(c->fd, buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n >= 0);
		if (n == 0)
			break;
		if (have < (long long)sizeof(first_bytes))
			memcpy(first_bytes + have, buf,
			       (size_t)n < sizeof(first_bytes) - (size_t)have ? (size_t)n
									: sizeof(first_bytes) - (size_t)have);
		have += n;
	}
	return have;
}

static void client_gone_leaves_no_child(void **state)
{
	(void)state;
	assert_int_equal(start("--archives", "-q", NULL), 0);
	struct client c;
	assert_rc_ok(client_connect(&c, srv.port));
	assert_rc_ok(client_send_str(&c, "GET /big/?download=zip HTTP/1.1\r\nHost: x\r\n\r\n"));
	assert_true(read_until(&c, 0, MIB) == MIB);
	client_close(&c);
	assert_int_equal(harness_wait_children(srv.pid, 0, HARNESS_WAIT_MS), 0);
}

/* 1 GiB streamed as tar, read by a plain socket: the child's resident
 * memory is sampled at 1 MiB, 256 MiB and 768 MiB and must not grow;
 * the stream is exactly the tar of it (two headers, the data, the end). */
static void one_gib_in_constant_memory(void **state)
{
	(void)state;
	assert_int_equal(start("--archives", "-q", NULL), 0);
	struct client c;
	assert_rc_ok(client_connect(&c, srv.port));
	assert_rc_ok(client_send_str(&c, "GET /big/?download=tar HTTP/1.0\r\n\r\n"));
	long long got = read_until(&c, 0, MIB);
	pid_t child = only_child(srv.pid);
	long first = vm_rss_kib(child), most = first;
	static const long long marks[] = {256 * MIB, 768 * MIB};
	for (size_t i = 0; i < 2; i++) {
		got = read_until(&c, got, marks[i]);
		long now = vm_rss_kib(child);
		most = now > most ? now : most;
	}
	got = read_until(&c, got, 2 * GIB);
	client_close(&c);
	if (most - first > 4096)
		fail_msg("child VmRSS grew from %ld to %ld KiB", first, most);
	/* head + "big/" and "big/huge" headers + 1 GiB + the two end blocks */
	const char *body = strstr(first_bytes, "\r\n\r\n");
	assert_non_null(body);
	body += 4;
	long long head = body - first_bytes;
	assert_int_equal(got, head + 512 + 512 + GIB + 1024);
	/* ustar headers: the names, and the size in octal */
	assert_string_equal(body, "big/");
	assert_string_equal(body + 512, "big/huge");
	assert_memory_equal(body + 512 + 124, "10000000000", 11);
	assert_memory_equal(body + 512 + 257, "ustar", 5);
}

#define TEST(fn) cmocka_unit_test_teardown(fn, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(tar_matches_the_listing),
		TEST(zip_matches_the_listing),
		TEST(tar_gz_without_dotfiles),
		TEST(heads_and_offers),
		TEST(without_the_flag_nothing_changes),
		TEST(auth_holds),
		TEST(http10_ends_with_the_close),
		TEST(file_that_grows_ends_the_transfer),
		TEST(client_gone_leaves_no_child),
		TEST(one_gib_in_constant_memory),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
