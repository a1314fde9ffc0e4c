/* Integration: receiving files with PUT (--upload). Off: 405 and nothing
 * written. On: 201 with Location and the exact bytes, by Content-Length or
 * chunked, with 100 Continue, and every refusal that the head decides
 * (401, 400, 403, 404, 405, 409, 413, 507) answered before 100 Continue;
 * hostile names and symlinks out of the root; --overwrite replacing
 * atomically; two clients racing for a name; 50 at once; clients killed
 * at many points and a stalled one timed out, leaving no file, no temp
 * file and no zombie; a full disk (a small tmpfs); --chroot --user, where
 * the hidden temporary name is used and never shown; the access log and
 * --trace; the listing's upload control. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#define CONCURRENT 50
#define CONCURRENT_LEN (200 * 1024)
#define KILL_ROUNDS 24
#define BODY_LEN (64 * 1024)
#define OPTIONS_STAR "OPTIONS / HTTP/1.1\r\nHost: t\r\n\r\n"

static struct fixture fx;
static struct test_server srv;
static bool srv_up;

/* ---- fixture --------------------------------------------------------------- */

/* root/: photos/ (old.txt, fifo, sl -> outside, dangle -> outside/new),
 * link_in -> photos, link_out -> ../outside, abs_out -> /…/outside,
 * .hidden/, stale temp name; outside/ next to root, never written. */
static int tree_setup(void **state)
{
	char p[PATH_MAX], abs[PATH_MAX];
	(void)state;
	srv_up = false;
	if (fixture_create(&fx) < 0 || fixture_mkdir(&fx, "photos") < 0 ||
	    fixture_mkdir(&fx, "../outside") < 0 || fixture_mkdir(&fx, ".hidden") < 0 ||
	    fixture_write_str(&fx, "photos/old.txt", "old\n") < 0 ||
	    fixture_write_str(&fx, ".httpd-lite-upload.stale", "half\n") < 0 ||
	    fixture_symlink(&fx, "photos", "link_in") < 0 ||
	    fixture_symlink(&fx, "../outside", "link_out") < 0 ||
	    fixture_symlink(&fx, "../../outside/target", "photos/sl") < 0 ||
	    fixture_symlink(&fx, "../../outside/new", "photos/dangle") < 0)
		return -1;
	snprintf(abs, sizeof(abs), "%s/outside", fx.parent);
	if (fixture_symlink(&fx, abs, "abs_out") < 0)
		return -1;
	return mkfifo(fixture_path(&fx, "photos/fifo", p, sizeof(p)), 0644);
}

static int tree_teardown(void **state)
{
	(void)state;
	harness_close_clients();
	int rc = 0;
	if (srv_up)
		rc = harness_stop(&srv) == 0 ? 0 : -1;
	srv_up = false;
	fixture_destroy(&fx);
	return rc;
}

/* --upload and up to four more flags. */
static void start(const char *a, const char *b, const char *c, const char *d)
{
	const char *args[] = {"--upload", a, b, c, d, NULL};
	assert_int_equal(harness_start(&srv, fx.root, args), 0);
	srv_up = true;
}

static void start_without_upload(void)
{
	assert_int_equal(harness_start(&srv, fx.root, NULL), 0);
	srv_up = true;
}

/* ---- helpers --------------------------------------------------------------- */

static char *path_of(const char *rel, char *buf, size_t size)
{
	return fixture_path(&fx, rel, buf, size);
}

/* The whole file root/rel, or NULL; *len its size. */
static char *slurp(const char *rel, size_t *len)
{
	char p[PATH_MAX];
	FILE *f = fopen(path_of(rel, p, sizeof(p)), "rb");
	if (!f)
		return NULL;
	struct hbuf b = {0};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		hbuf_append(&b, chunk, n);
	fclose(f);
	if (!b.data)
		hbuf_append(&b, "", 0);
	*len = b.len;
	return b.data;
}

static void assert_file(const char *rel, const void *data, size_t len)
{
	size_t got;
	char *body = slurp(rel, &got);
	if (!body)
		fail_msg("%s: missing", rel);
	assert_int_equal(got, len);
	assert_memory_equal(body, data, len);
	free(body);
}

static void assert_no_file(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;
	if (lstat(path_of(rel, p, sizeof(p)), &st) == 0)
		fail_msg("%s exists", rel);
}

/* Every name in root/rel, dotfiles included, sorted, one per line. */
static void list_dir(const char *rel, struct hbuf *out)
{
	char p[PATH_MAX];
	struct dirent **names;
	int n = scandir(path_of(rel, p, sizeof(p)), &names, NULL, alphasort);
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
			hbuf_append_str(out, names[i]->d_name);
			hbuf_append_str(out, "\n");
		}
		free(names[i]);
	}
	free(names);
	if (!out->data)
		hbuf_append(out, "", 0);
}

static void assert_listing(const char *rel, const char *expect)
{
	struct hbuf b = {0};
	list_dir(rel, &b);
	assert_string_equal(b.data, expect);
	hbuf_free(&b);
}

/* The head of a PUT with a Content-Length (len < 0: chunked). */
static void put_head(struct hbuf *h, const char *target, long long len, const char *extra)
{
	char line[128];
	hbuf_append_str(h, "PUT ");
	hbuf_append_str(h, target);
	hbuf_append_str(h, " HTTP/1.1\r\nHost: t\r\n");
	if (len >= 0)
		snprintf(line, sizeof(line), "Content-Length: %lld\r\n", len);
	else
		snprintf(line, sizeof(line), "Transfer-Encoding: chunked\r\n");
	hbuf_append_str(h, line);
	if (extra)
		hbuf_append_str(h, extra);
	hbuf_append_str(h, "\r\n");
}

/* A PUT of body on a fresh connection, Connection: close. */
static void put(const char *target, const void *body, size_t len, struct http_reply *r)
{
	struct hbuf h = {0};
	put_head(&h, target, (long long)len, "Connection: close\r\n");
	hbuf_append(&h, body, len);
	assert_rc_ok(client_exchange(srv.port, h.data, h.len, false, r));
	hbuf_free(&h);
}

static int put_status(const char *target, const char *body)
{
	struct http_reply r;
	put(target, body, strlen(body), &r);
	int st = r.status;
	reply_free(&r);
	return st;
}

/* The head alone with Expect: 100-continue: the status that comes back
 * first (100, or the refusal). The connection stays open in c. */
static int expect_first(struct client *c, const char *target, long long len, const char *extra)
{
	struct hbuf h = {0};
	struct http_reply r;
	put_head(&h, target, len, extra);
	/* "Expect" goes in as an extra line before the blank one. */
	h.len -= 2;
	hbuf_append_str(&h, "Expect: 100-continue\r\n\r\n");
	assert_rc_ok(client_connect(c, srv.port));
	assert_rc_ok(client_send(c, h.data, h.len));
	hbuf_free(&h);
	assert_rc_ok(client_read_reply(c, &r, false));
	int st = r.status;
	reply_free(&r);
	return st;
}

/* Send body pieces until the server answers (then stop: a reset would
 * lose the answer). */
static void send_until_answered(struct client *c, const char *body, size_t len, size_t piece)
{
	for (size_t off = 0; off < len; off += piece) {
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		if (poll(&pfd, 1, 0) > 0)
			return;
		size_t n = len - off < piece ? len - off : piece;
		if (client_send(c, body + off, n) != CLIENT_OK)
			return;
	}
}

static void chunk(struct hbuf *h, const void *data, size_t len)
{
	char size[32];
	snprintf(size, sizeof(size), "%zx\r\n", len);
	hbuf_append_str(h, size);
	hbuf_append(h, data, len);
	hbuf_append_str(h, "\r\n");
}

/* ---- off ------------------------------------------------------------------- */

static void off_put_is_405_and_nothing_written(void **state)
{
	struct client c;
	struct http_reply r;
	(void)state;
	start_without_upload();
	put("/photos/new.txt", "data", 4, &r);
	assert_int_equal(r.status, 405);
	assert_header(&r, "Allow", "GET, HEAD, OPTIONS");
	reply_free(&r);
	/* Refused before the body, so before 100 Continue. */
	assert_int_equal(expect_first(&c, "/photos/new.txt", 4, NULL), 405);
	client_close(&c);
	assert_no_file("photos/new.txt");
	assert_int_equal(client_exchange(srv.port, OPTIONS_STAR, strlen(OPTIONS_STAR), true, &r),
			 CLIENT_OK);
	assert_header(&r, "Allow", "GET, HEAD, OPTIONS");
	reply_free(&r);
	assert_listing("photos", "dangle\nfifo\nold.txt\nsl\n");
	assert_int_equal(client_get(srv.port, "/", &r), CLIENT_OK);
	/* no upload control (the filter box's script is there either way) */
	assert_false(harness_contains(r.body, r.body_len, "input.type = \"file\""));
	reply_free(&r);
}

/* ---- creating --------------------------------------------------------------- */

static void put_creates_201_with_location(void **state)
{
	static char body[BODY_LEN];
	struct http_reply r;
	struct stat st;
	char p[PATH_MAX];
	(void)state;
	harness_fill(body, sizeof(body), 7);
	start(NULL, NULL, NULL, NULL);
	put("/photos/a%20b.bin", body, sizeof(body), &r);
	assert_int_equal(r.status, 201);
	assert_header(&r, "Location", "/photos/a%20b.bin");
	assert_header(&r, "Content-Type", "text/plain; charset=utf-8");
	assert_body_str(&r, "Created /photos/a%20b.bin\n");
	reply_free(&r);
	assert_file("photos/a b.bin", body, sizeof(body));
	/* 0644 minus the umask (022 here): never executable. */
	assert_int_equal(stat(path_of("photos/a b.bin", p, sizeof(p)), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	/* And it is served back as sent. */
	assert_int_equal(client_get(srv.port, "/photos/a%20b.bin", &r), CLIENT_OK);
	assert_int_equal(r.status, 200);
	assert_body(&r, body, sizeof(body));
	reply_free(&r);
	/* An empty body makes an empty file. */
	put("/photos/empty", "", 0, &r);
	assert_int_equal(r.status, 201);
	reply_free(&r);
	assert_file("photos/empty", "", 0);
	assert_listing("photos", "a b.bin\ndangle\nempty\nfifo\nold.txt\nsl\n");
}

static void put_chunked_exact_bytes(void **state)
{
	static char body[BODY_LEN];
	struct hbuf h = {0};
	struct http_reply r;
	(void)state;
	harness_fill(body, sizeof(body), 8);
	start(NULL, NULL, NULL, NULL);
	put_head(&h, "/photos/c.bin", -1, "Connection: close\r\n");
	chunk(&h, body, 1);
	chunk(&h, body + 1, 9999);
	chunk(&h, body + 10000, sizeof(body) - 10000);
	hbuf_append_str(&h, "0\r\n\r\n");
	assert_rc_ok(client_exchange(srv.port, h.data, h.len, false, &r));
	hbuf_free(&h);
	assert_int_equal(r.status, 201);
	reply_free(&r);
	assert_file("photos/c.bin", body, sizeof(body));
}

static void expect_100_then_body(void **state)
{
	static char body[BODY_LEN];
	struct client c;
	struct http_reply r;
	(void)state;
	harness_fill(body, sizeof(body), 9);
	start(NULL, NULL, NULL, NULL);
	assert_int_equal(expect_first(&c, "/photos/e.bin", sizeof(body), NULL), 100);
	assert_rc_ok(client_send(&c, body, sizeof(body)));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 201);
	reply_free(&r);
	/* Keep-alive: a GET on the same connection reads it back. */
	assert_rc_ok(client_send_request(&c, "GET", "/photos/e.bin", "Connection: close\r\n"));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 200);
	assert_body(&r, body, sizeof(body));
	reply_free(&r);
	client_close(&c);
}

static void pipelined_puts_then_get(void **state)
{
	struct client c;
	struct http_reply r;
	struct hbuf h = {0};
	(void)state;
	start(NULL, NULL, NULL, NULL);
	put_head(&h, "/photos/p1", 3, NULL);
	hbuf_append_str(&h, "one");
	put_head(&h, "/photos/p2", -1, NULL);
	chunk(&h, "two", 3);
	hbuf_append_str(&h, "0\r\n\r\nGET /photos/p1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	assert_rc_ok(client_connect(&c, srv.port));
	assert_rc_ok(client_send(&c, h.data, h.len));
	hbuf_free(&h);
	for (int i = 0; i < 2; i++) {
		assert_rc_ok(client_read_reply(&c, &r, false));
		assert_int_equal(r.status, 201);
		reply_free(&r);
	}
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 200);
	assert_body_str(&r, "one");
	reply_free(&r);
	client_close(&c);
	assert_file("photos/p2", "two", 3);
}

/* ---- refusals known from the head ------------------------------------------- */

static void refusals_come_before_100_continue(void **state)
{
	struct client c;
	(void)state;
	start("--max-upload", "1000", "--no-dotfiles", NULL);
	struct {
		const char *target;
		long long len;
		int status;
	} cases[] = {
		{"/photos/big", 1001, 413},
		{"/photos/old.txt", 10, 409},
		{"/photos/", 10, 405},
		{"/nodir/x", 10, 409},
		{"/link_out/x", 10, 403},
		{"/.hidden/x", 10, 404},
		{"/photos/.x", 10, 404},
		{"/photos/a%01", 10, 400},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int st = expect_first(&c, cases[i].target, cases[i].len, NULL);
		if (st != cases[i].status)
			fail_msg("%s: %d, expected %d", cases[i].target, st, cases[i].status);
		client_close(&c);
	}
	/* At the limit exactly: accepted. */
	assert_int_equal(expect_first(&c, "/photos/max", 1000, NULL), 100);
	client_close(&c);
	assert_listing("photos", "dangle\nfifo\nold.txt\nsl\n");
}

static void auth_required_before_the_body(void **state)
{
	struct client c;
	struct http_reply r;
	(void)state;
	start("--auth", "u:p", NULL, NULL);
	struct hbuf h = {0};
	put_head(&h, "/photos/a", 1, "Expect: 100-continue\r\n");
	assert_rc_ok(client_connect(&c, srv.port));
	assert_rc_ok(client_send(&c, h.data, h.len));
	hbuf_free(&h);
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 401);
	assert_header_match(&r, "WWW-Authenticate", "^Basic realm=");
	reply_free(&r);
	client_close(&c);
	/* dTpw is base64("u:p"). */
	h = (struct hbuf){0};
	put_head(&h, "/photos/a", 1, "Authorization: Basic dTpw\r\nConnection: close\r\n");
	hbuf_append_str(&h, "x");
	assert_rc_ok(client_exchange(srv.port, h.data, h.len, false, &r));
	hbuf_free(&h);
	assert_int_equal(r.status, 201);
	reply_free(&r);
	assert_file("photos/a", "x", 1);
}

static void chunked_over_the_limit_is_413_and_gone(void **state)
{
	static char body[4000];
	struct client c;
	struct http_reply r;
	struct hbuf h = {0};
	(void)state;
	start("--max-upload", "3000", NULL, NULL);
	put_head(&h, "/photos/over", -1, NULL);
	chunk(&h, body, sizeof(body));
	hbuf_append_str(&h, "0\r\n\r\n");
	assert_rc_ok(client_connect(&c, srv.port));
	assert_rc_ok(client_send(&c, h.data, h.len));
	hbuf_free(&h);
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 413);
	assert_header(&r, "Connection", "close");
	reply_free(&r);
	client_close(&c);
	assert_int_equal(harness_wait_children(srv.pid, 0, HARNESS_WAIT_MS), 0);
	assert_listing("photos", "dangle\nfifo\nold.txt\nsl\n");
}

/* ---- hostile names ----------------------------------------------------------- */

static void hostile_targets(const char *extra, const char *extra2)
{
	char long_name[300], too_long[300];
	memcpy(long_name, "/photos/", 8);
	memset(long_name + 8, 'n', 255);
	long_name[8 + 255] = '\0';
	memcpy(too_long, "/photos/", 8);
	memset(too_long + 8, 'm', 256);
	too_long[8 + 256] = '\0';
	start(extra, extra2, NULL, NULL);
	const struct {
		const char *target;
		int status;
	} cases[] = {
		{"/photos/a%00b", 400},           /* NUL */
		{"/photos/a%01b", 400},           /* control characters */
		{"/photos/a%0Ab", 400},
		{"/photos/a%0D%0AX-Injected:%201", 400},
		{"/photos/a%7Fb", 400},
		{"/photos/.", 400},               /* not file names */
		{"/photos/..", 400},
		{"/photos/%2e", 400},
		{"/photos/%2E%2E", 400},
		{"/photos/", 405},                /* directories */
		{"/", 405},
		{"/photos", 409},                 /* a directory has that name */
		{"/nodir/x", 409},                /* directories are not created */
		{"/photos/old.txt/x", 409},       /* not a directory */
		{"/photos/old.txt", 409},         /* exists */
		{"/photos/sl", 409},              /* a symlink has that name */
		{"/photos/dangle", 409},          /* ... even a dangling one */
		{"/photos/fifo", 409},
		{"/photos/a%2Fb", 409},           /* %2F is a slash: photos/a/ */
		{"/%252e%252e/x", 409},           /* double-encoded: a name "%2e%2e" */
		{"/link_out/x", 403},             /* symlinks out of the root */
		{"/abs_out/x", 403},
		{"/link_out/../link_out/y", 403},
		{"/photos/.httpd-lite-upload.1", 403}, /* the reserved prefix */
		{too_long, 400},
		/* Traversal is resolved beneath the root, as for reads. */
		{"/../t1", 201},
		{"/%2e%2e/%2E%2E/t2", 201},
		{"/photos/..%2F..%2F..%2Ft3", 201},
		{"/photos/..%252F..%252Ft4", 201}, /* a name "..%2F..%2Ft4" */
		{long_name, 201},
		{"/link_in/via_link", 201},       /* a symlink inside the root */
		{"/photos/back%5Cslash", 201},    /* just a name */
		{"http://evil.example/photos/abs", 201}, /* absolute-form */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int st = put_status(cases[i].target, "x");
		if (st != cases[i].status)
			fail_msg("PUT %s: %d, expected %d", cases[i].target, st, cases[i].status);
	}
	assert_listing("../outside", "");
	assert_listing("", ".hidden\n.httpd-lite-upload.stale\nabs_out\nlink_in\nlink_out\nphotos\n"
			   "t1\nt2\nt3\n");
	struct hbuf want = {0};
	hbuf_append_str(&want, "..%2F..%2Ft4\nabs\nback\\slash\ndangle\nfifo\n");
	hbuf_append_str(&want, long_name + 8);
	hbuf_append_str(&want, "\nold.txt\nsl\nvia_link\n");
	assert_listing("photos", want.data);
	hbuf_free(&want);
	assert_file("photos/old.txt", "old\n", 4);
}

static void hostile_names_refused_or_kept_inside(void **state)
{
	(void)state;
	hostile_targets(NULL, NULL);
}

/* Serving what a symlink points at is a choice about reads: writes
 * never follow one out of the root. */
static void follow_symlinks_never_lets_writes_out(void **state)
{
	(void)state;
	hostile_targets("--follow-symlinks", NULL);
}

/* ---- replacing --------------------------------------------------------------- */

static void overwrite_replaces_atomically(void **state)
{
	char p[PATH_MAX], old[8] = {0};
	struct http_reply r;
	struct stat before, after;
	(void)state;
	start("--overwrite", NULL, NULL, NULL);
	int fd = open(path_of("photos/old.txt", p, sizeof(p)), O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &before), 0);
	put("/photos/old.txt", "new bytes\n", 10, &r);
	assert_int_equal(r.status, 200);
	assert_body_str(&r, "Replaced /photos/old.txt\n");
	assert_null(reply_header(&r, "Location"));
	reply_free(&r);
	/* A reader of the old file keeps the old bytes; the name has the new. */
	assert_int_equal(pread(fd, old, sizeof(old), 0), 4);
	assert_string_equal(old, "old\n");
	close(fd);
	assert_file("photos/old.txt", "new bytes\n", 10);
	assert_int_equal(stat(p, &after), 0);
	assert_true(after.st_ino != before.st_ino);
	/* A new name is still created (201); links and directories are not
	 * replaced. */
	assert_int_equal(put_status("/photos/fresh", "f"), 201);
	assert_int_equal(put_status("/photos/sl", "x"), 409);
	assert_int_equal(put_status("/photos/fifo", "x"), 409);
	assert_int_equal(put_status("/photos", "x"), 409);
	assert_listing("photos", "dangle\nfifo\nfresh\nold.txt\nsl\n");
	assert_listing("../outside", "");
}

/* Both pass the head's check; the first to finish names the file, the
 * other is 409 (without --overwrite), and the file is all the winner's. */
static void race_for_one_name(void **state)
{
	static char a[BODY_LEN], b[BODY_LEN];
	struct client ca, cb;
	struct http_reply r;
	(void)state;
	harness_fill(a, sizeof(a), 11);
	harness_fill(b, sizeof(b), 12);
	start(NULL, NULL, NULL, NULL);
	/* 100 Continue to both: both heads passed the check. */
	assert_int_equal(expect_first(&ca, "/photos/race", BODY_LEN, NULL), 100);
	assert_int_equal(expect_first(&cb, "/photos/race", BODY_LEN, NULL), 100);
	assert_rc_ok(client_send(&ca, a, BODY_LEN / 2));
	assert_rc_ok(client_send(&cb, b, BODY_LEN / 2));
	assert_rc_ok(client_send(&cb, b + BODY_LEN / 2, BODY_LEN / 2));
	assert_rc_ok(client_read_reply(&cb, &r, false));
	assert_int_equal(r.status, 201);
	reply_free(&r);
	assert_rc_ok(client_send(&ca, a + BODY_LEN / 2, BODY_LEN / 2));
	assert_rc_ok(client_read_reply(&ca, &r, false));
	assert_int_equal(r.status, 409);
	reply_free(&r);
	client_close(&ca);
	client_close(&cb);
	assert_file("photos/race", b, BODY_LEN);
	assert_int_equal(harness_wait_children(srv.pid, 0, HARNESS_WAIT_MS), 0);
	assert_listing("photos", "dangle\nfifo\nold.txt\nrace\nsl\n");
}

/* With --overwrite both win, one after the other: the file is all of
 * one of them, never a mix, and no temporary name is left. */
static void overwrite_race_leaves_one_whole_file(void **state)
{
	static char a[BODY_LEN], b[BODY_LEN];
	struct client ca, cb;
	struct http_reply r;
	size_t len;
	(void)state;
	harness_fill(a, sizeof(a), 21);
	harness_fill(b, sizeof(b), 22);
	start("--overwrite", NULL, NULL, NULL);
	assert_int_equal(expect_first(&ca, "/photos/both", BODY_LEN, NULL), 100);
	assert_int_equal(expect_first(&cb, "/photos/both", BODY_LEN, NULL), 100);
	assert_rc_ok(client_send(&ca, a, BODY_LEN / 2));
	assert_rc_ok(client_send(&cb, b, BODY_LEN / 2));
	assert_rc_ok(client_send(&ca, a + BODY_LEN / 2, BODY_LEN / 2));
	assert_rc_ok(client_send(&cb, b + BODY_LEN / 2, BODY_LEN / 2));
	assert_rc_ok(client_read_reply(&ca, &r, false));
	int sa = r.status;
	reply_free(&r);
	assert_rc_ok(client_read_reply(&cb, &r, false));
	int sb = r.status;
	reply_free(&r);
	client_close(&ca);
	client_close(&cb);
	/* One created it, the other replaced it. */
	assert_true((sa == 201 && sb == 200) || (sa == 200 && sb == 201));
	char *got = slurp("photos/both", &len);
	assert_non_null(got);
	assert_int_equal(len, BODY_LEN);
	assert_true(memcmp(got, a, BODY_LEN) == 0 || memcmp(got, b, BODY_LEN) == 0);
	free(got);
	assert_int_equal(harness_wait_children(srv.pid, 0, HARNESS_WAIT_MS), 0);
	assert_listing("photos", "both\ndangle\nfifo\nold.txt\nsl\n");
}

static void concurrent_uploads_byte_exact(void **state)
{
	static struct client c[CONCURRENT];
	char *body = malloc((size_t)CONCURRENT * CONCURRENT_LEN);
	char target[64], rel[64];
	(void)state;
	assert_non_null(body);
	start(NULL, NULL, NULL, NULL);
	for (int i = 0; i < CONCURRENT; i++) {
		struct hbuf h = {0};
		harness_fill(body + (size_t)i * CONCURRENT_LEN, CONCURRENT_LEN, 100u + (unsigned)i);
		snprintf(target, sizeof(target), "/photos/c%02d", i);
		put_head(&h, target, CONCURRENT_LEN, "Connection: close\r\n");
		assert_rc_ok(client_connect(&c[i], srv.port));
		assert_rc_ok(client_send(&c[i], h.data, h.len));
		hbuf_free(&h);
	}
	/* Interleaved: every child holds a part-written file at once. */
	for (size_t off = 0; off < CONCURRENT_LEN; off += 16384)
		for (int i = 0; i < CONCURRENT; i++)
			assert_rc_ok(client_send(&c[i], body + (size_t)i * CONCURRENT_LEN + off,
						 CONCURRENT_LEN - off < 16384 ? CONCURRENT_LEN - off : 16384));
	for (int i = 0; i < CONCURRENT; i++) {
		struct http_reply r;
		assert_rc_ok(client_read_reply(&c[i], &r, false));
		assert_int_equal(r.status, 201);
		reply_free(&r);
		client_close(&c[i]);
	}
	for (int i = 0; i < CONCURRENT; i++) {
		snprintf(rel, sizeof(rel), "photos/c%02d", i);
		assert_file(rel, body + (size_t)i * CONCURRENT_LEN, CONCURRENT_LEN);
	}
	free(body);
	assert_int_equal(harness_wait_children(srv.pid, 0, HARNESS_WAIT_MS), 0);
}

/* ---- clients that go away ---------------------------------------------------- */

static unsigned next_rand(unsigned *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void reset_close(struct client *c)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	client_close(c);
}

/* Connect, send a prefix of a PUT (head and body, Content-Length or
 * chunked) cut at a pseudo-random byte, then close or reset: never a
 * file, never a temp file, never a zombie. */
static void killed_clients_leave_nothing(void **state)
{
	static char body[BODY_LEN];
	unsigned seed = 0x9e3779b9u;
	(void)state;
	harness_fill(body, sizeof(body), 13);
	start(NULL, NULL, NULL, NULL);
	for (int i = 0; i < KILL_ROUNDS; i++) {
		struct hbuf h = {0};
		struct client c;
		bool chunked = i % 3 == 2;
		put_head(&h, "/photos/killed", chunked ? -1 : BODY_LEN, NULL);
		size_t head_len = h.len;
		if (chunked)
			chunk(&h, body, sizeof(body));
		else
			hbuf_append(&h, body, sizeof(body));
		/* Cut: at connect, inside the head, at its end, in the body. */
		size_t cut = i % 4 == 0 ? 0 : i % 4 == 1 ? next_rand(&seed) % head_len
					   : i % 4 == 2 ? head_len
							: head_len + next_rand(&seed) % (h.len - head_len - 1);
		assert_rc_ok(client_connect(&c, srv.port));
		if (cut)
			assert_rc_ok(client_send(&c, h.data, cut));
		hbuf_free(&h);
		if (i % 2)
			reset_close(&c);
		else
			client_close(&c);
		assert_int_equal(harness_wait_children(srv.pid, 0, HARNESS_WAIT_MS), 0);
	}
	assert_listing("photos", "dangle\nfifo\nold.txt\nsl\n");
	assert_listing("", ".hidden\n.httpd-lite-upload.stale\nabs_out\nlink_in\nlink_out\nphotos\n");
}

/* The head's deadline does not cut a body short; the send timeout
 * bounds each stall of it, and then nothing is left. */
static void stalled_upload_times_out(void **state)
{
	struct client c;
	struct http_reply r;
	struct hbuf h = {0};
	(void)state;
	start("--header-timeout", "1", "--send-timeout", "2");
	put_head(&h, "/photos/slow", 10, NULL);
	assert_rc_ok(client_connect(&c, srv.port));
	assert_rc_ok(client_send(&c, h.data, h.len));
	hbuf_free(&h);
	assert_rc_ok(client_send(&c, "01234", 5));
	/* Past the header timeout, within the send timeout: still taken. */
	harness_pump(1300);
	assert_rc_ok(client_send(&c, "56789", 5));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 201);
	reply_free(&r);
	assert_file("photos/slow", "0123456789", 10);
	/* A body that stops: 408 within the send timeout, no file. */
	h = (struct hbuf){0};
	put_head(&h, "/photos/stalled", 10, NULL);
	assert_rc_ok(client_send(&c, h.data, h.len));
	hbuf_free(&h);
	assert_rc_ok(client_send(&c, "012", 3));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 408);
	reply_free(&r);
	client_close(&c);
	assert_int_equal(harness_wait_children(srv.pid, 0, HARNESS_WAIT_MS), 0);
	assert_listing("photos", "dangle\nfifo\nold.txt\nsl\nslow\n");
}

/* ---- a full disk ------------------------------------------------------------- */

static bool small_mounted;

static int small_teardown(void **state)
{
	char p[PATH_MAX];
	if (small_mounted && umount2(path_of("small", p, sizeof(p)), 0) < 0)
		umount2(p, MNT_DETACH);
	small_mounted = false;
	return tree_teardown(state);
}

static void full_disk_is_507_and_nothing_left(void **state)
{
	char p[PATH_MAX];
	static char body[2 * 1024 * 1024];
	struct client c;
	struct http_reply r;
	struct hbuf h = {0};
	(void)state;
	harness_fill(body, sizeof(body), 14);
	assert_int_equal(fixture_mkdir(&fx, "small"), 0);
	if (mount("tmpfs", path_of("small", p, sizeof(p)), "tmpfs", MS_NOSUID | MS_NODEV,
		  "size=1m,mode=0755") < 0)
		skip();
	small_mounted = true;
	start(NULL, NULL, NULL, NULL);
	/* The size is announced: 507 before 100 Continue. */
	assert_int_equal(expect_first(&c, "/small/big", sizeof(body), NULL), 507);
	client_close(&c);
	/* Chunked: 507 when the disk fills. */
	put_head(&h, "/small/big", -1, NULL);
	assert_rc_ok(client_connect(&c, srv.port));
	assert_rc_ok(client_send(&c, h.data, h.len));
	hbuf_free(&h);
	h = (struct hbuf){0};
	chunk(&h, body, sizeof(body));
	send_until_answered(&c, h.data, h.len, 65536);
	hbuf_free(&h);
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 507);
	reply_free(&r);
	client_close(&c);
	assert_int_equal(harness_wait_children(srv.pid, 0, HARNESS_WAIT_MS), 0);
	assert_listing("small", "");
	/* The space came back: a file that fits goes in. */
	put("/small/fits", body, 512 * 1024, &r);
	assert_int_equal(r.status, 201);
	reply_free(&r);
	assert_file("small/fits", body, 512 * 1024);
}

/* ---- --chroot --user: the hidden temporary name ------------------------------- */

static char saved_asan[512];

/* LeakSanitizer needs /proc, which a chroot takes away (as in
 * test_h4_access.c). */
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

/* The one temporary name in root/rel, or "" (into name). */
static void find_temp(const char *rel, char *name, size_t size)
{
	char p[PATH_MAX];
	DIR *d = opendir(path_of(rel, p, sizeof(p)));
	struct dirent *e;
	name[0] = '\0';
	assert_non_null(d);
	while ((e = readdir(d)))
		if (strncmp(e->d_name, ".httpd-lite-upload.", 19) == 0)
			snprintf(name, size, "%s", e->d_name);
	closedir(d);
}

static void chroot_user_writes_where_allowed(void **state)
{
	char p[PATH_MAX], temp[256], target[300];
	struct client c;
	struct http_reply r;
	struct hbuf h = {0};
	struct stat st;
	(void)state;
	const struct passwd *pw = geteuid() == 0 ? getpwnam("nobody") : NULL;
	if (!pw)
		skip();
	assert_int_equal(fixture_mkdir(&fx, "drop"), 0);
	assert_int_equal(chown(path_of("drop", p, sizeof(p)), pw->pw_uid, pw->pw_gid), 0);
	leak_check_off();
	start("--chroot", "--user", "nobody", NULL);
	leak_check_back();
	assert_int_equal(put_status("/drop/a.txt", "by nobody\n"), 201);
	assert_file("drop/a.txt", "by nobody\n", 10);
	assert_int_equal(stat(path_of("drop/a.txt", p, sizeof(p)), &st), 0);
	assert_int_equal(st.st_uid, pw->pw_uid);
	assert_int_equal(st.st_mode & 07777, 0644);
	/* Where nobody may not write: 403, before the body. */
	assert_int_equal(put_status("/photos/b.txt", "x"), 403);
	assert_int_equal(put_status("/c.txt", "x"), 403);
	assert_int_equal(expect_first(&c, "/photos/b.txt", 1, NULL), 403);
	client_close(&c);
	/* No /proc in the chroot: the body goes to a hidden name, which the
	 * listing never shows and GET never serves. */
	put_head(&h, "/drop/half", 10, NULL);
	assert_rc_ok(client_connect(&c, srv.port));
	assert_rc_ok(client_send(&c, h.data, h.len));
	hbuf_free(&h);
	assert_rc_ok(client_send(&c, "01234", 5));
	int64_t tries = 0;
	do {
		harness_pump(10);
		find_temp("drop", temp, sizeof(temp));
	} while (!temp[0] && ++tries < 300);
	assert_true(temp[0] != '\0');
	assert_int_equal(client_get(srv.port, "/drop/", &r), CLIENT_OK);
	assert_int_equal(r.status, 200);
	assert_false(harness_contains(r.body, r.body_len, ".httpd-lite-upload"));
	assert_true(harness_contains(r.body, r.body_len, "a.txt"));
	reply_free(&r);
	snprintf(target, sizeof(target), "/drop/%s", temp);
	assert_int_equal(client_get(srv.port, target, &r), CLIENT_OK);
	assert_int_equal(r.status, 404);
	reply_free(&r);
	/* The client goes away: the hidden file goes too. */
	reset_close(&c);
	assert_int_equal(harness_wait_children(srv.pid, 0, HARNESS_WAIT_MS), 0);
	assert_listing("drop", "a.txt\n");
	/* And a whole one through the hidden name: named, nothing left. */
	assert_int_equal(put_status("/drop/b.txt", "second\n"), 201);
	assert_listing("drop", "a.txt\nb.txt\n");
	assert_int_equal(put_status("/drop/b.txt", "again\n"), 409);
	assert_listing("drop", "a.txt\nb.txt\n");
}

/* ---- the log, --trace, the listing ------------------------------------------- */

static void access_log_and_trace(void **state)
{
	static char body[1234];
	char line[512];
	(void)state;
	harness_fill(body, sizeof(body), 15);
	start("--trace", NULL, NULL, NULL);
	struct http_reply r;
	put("/photos/log.bin", body, sizeof(body), &r);
	assert_int_equal(r.status, 201);
	reply_free(&r);
	assert_int_equal(harness_wait_stderr_match(&srv, "\\[trace\\] child [0-9]+: upload "
					 "/photos/log\\.bin: 201 created, 1234 bytes received$",
					 line, sizeof(line), HARNESS_WAIT_MS), 0);
	/* The size column of an upload's line is the size received. */
	assert_int_equal(harness_wait_stderr_match(&srv, "\"PUT /photos/log\\.bin HTTP/1\\.1\" 201 1234$",
					 line, sizeof(line), HARNESS_WAIT_MS), 0);
	assert_int_equal(put_status("/photos/old.txt", "x"), 409);
	assert_int_equal(harness_wait_stderr_match(&srv, "upload /photos/old\\.txt: 409 refused, 0 bytes",
					 line, sizeof(line), HARNESS_WAIT_MS), 0);
}

static void listing_has_the_control_and_hides_temp_names(void **state)
{
	struct http_reply r;
	(void)state;
	start(NULL, NULL, NULL, NULL);
	assert_int_equal(client_get(srv.port, "/", &r), CLIENT_OK);
	assert_int_equal(r.status, 200);
	assert_contains(r.body, r.body_len, "XMLHttpRequest");
	assert_contains(r.body, r.body_len, "input.multiple = true");
	assert_contains(r.body, r.body_len, "</script>\n</body>\n</html>\n");
	/* Other dotfiles are listed (no --no-dotfiles); temp names never. */
	assert_contains(r.body, r.body_len, ".hidden/");
	assert_false(harness_contains(r.body, r.body_len, "httpd-lite-upload.stale"));
	reply_free(&r);
	assert_int_equal(client_get(srv.port, "/?format=json", &r), CLIENT_OK);
	assert_false(harness_contains(r.body, r.body_len, "<script"));
	assert_false(harness_contains(r.body, r.body_len, "httpd-lite-upload"));
	reply_free(&r);
	assert_int_equal(client_get(srv.port, "/.httpd-lite-upload.stale", &r), CLIENT_OK);
	assert_int_equal(r.status, 404);
	reply_free(&r);
	assert_int_equal(client_exchange(srv.port, OPTIONS_STAR, strlen(OPTIONS_STAR), true, &r),
			 CLIENT_OK);
	assert_header(&r, "Allow", "GET, HEAD, OPTIONS, PUT");
	reply_free(&r);
}

static void flags_need_upload(void **state)
{
	struct run_result rr;
	(void)state;
	const char *a1[] = {"--overwrite", "-d", fx.root, NULL};
	assert_int_equal(harness_run_server(a1, NULL, HARNESS_WAIT_MS, &rr), 0);
	assert_int_equal(rr.exit_code, 2);
	assert_true(harness_contains(rr.err.data, rr.err.len, "need --upload"));
	run_result_free(&rr);
	const char *a2[] = {"--upload", "--max-upload", "1k", "-d", fx.root, NULL};
	assert_int_equal(harness_run_server(a2, NULL, HARNESS_WAIT_MS, &rr), 0);
	assert_int_equal(rr.exit_code, 2);
	run_result_free(&rr);
	const char *a3[] = {"--help", NULL};
	assert_int_equal(harness_run_server(a3, NULL, HARNESS_WAIT_MS, &rr), 0);
	assert_int_equal(rr.exit_code, 0);
	assert_true(harness_contains(rr.out.data, rr.out.len, "--upload"));
	assert_true(harness_contains(rr.out.data, rr.out.len, "--overwrite"));
	assert_true(harness_contains(rr.out.data, rr.out.len, "--max-upload BYTES"));
	run_result_free(&rr);
}

int main(void)
{
	umask(022);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(off_put_is_405_and_nothing_written, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(put_creates_201_with_location, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(put_chunked_exact_bytes, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(expect_100_then_body, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(pipelined_puts_then_get, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(refusals_come_before_100_continue, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(auth_required_before_the_body, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(chunked_over_the_limit_is_413_and_gone, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(hostile_names_refused_or_kept_inside, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(follow_symlinks_never_lets_writes_out, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(overwrite_replaces_atomically, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(race_for_one_name, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(overwrite_race_leaves_one_whole_file, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(concurrent_uploads_byte_exact, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(killed_clients_leave_nothing, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(stalled_upload_times_out, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(full_disk_is_507_and_nothing_left, tree_setup, small_teardown),
		cmocka_unit_test_setup_teardown(chroot_user_writes_where_allowed, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(access_log_and_trace, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(listing_has_the_control_and_hides_temp_names, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(flags_need_upload, tree_setup, tree_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
