/* Integration: --live-reload against the real binary. Pages with the
 * script (GET, HEAD, validators, Range, precompressed siblings, the size
 * cap, listings) with and without the flag; the event stream: one event
 * per burst of file operations (change, create, rename, delete, a new
 * subdirectory, an editor's save, stylesheets), --trace lines, the header
 * and idle timeouts not cutting it, the child going when the browser
 * does, SIGTERM, --no-dotfiles, HTTPS, and 200 open streams not keeping
 * normal requests from being served. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define LR_PATH "/.httpd-lite/live-reload"
#define WAIT_MS HARNESS_WAIT_MS
#define PAGE_BODY "<!DOCTYPE html>\n<html><head><link rel=stylesheet href=style.css></head>\n" \
		  "<BODY><p>one</p></BODY>\n</html>\n"
#define PAGE_BEFORE "<!DOCTYPE html>\n<html><head><link rel=stylesheet href=style.css></head>\n" \
		    "<BODY><p>one</p>"
#define PAGE_AFTER "</BODY>\n</html>\n"
#define CSS_BODY "p { color: red }\n"
#define SCRIPT_START "<script>/* httpd-lite --live-reload */"
#define BIG_HTML_LEN (8 * 1024 * 1024 + 1)

static struct fixture fx;
static struct test_server srv;

static int group_setup(void **state)
{
	(void)state;
	if (fixture_create(&fx) < 0 || fixture_write_str(&fx, "page.html", PAGE_BODY) < 0 ||
	    fixture_write_str(&fx, "style.css", CSS_BODY) < 0 ||
	    fixture_write_str(&fx, "notes.txt", "plain text, </body>\n") < 0 ||
	    fixture_write_str(&fx, "sub/inner.txt", "inner\n") < 0 ||
	    fixture_write_str(&fx, ".hidden", "dot\n") < 0)
		return -1;
	/* A gzip sibling no older than the page (any bytes do: only its
	 * choice is checked). */
	if (fixture_write_str(&fx, "page.html.gz", "not really gzip") < 0 ||
	    fixture_set_mtime(&fx, "page.html", 1700000000, 0) < 0 ||
	    fixture_set_mtime(&fx, "page.html.gz", 1700000000, 0) < 0)
		return -1;
	char *big = malloc(BIG_HTML_LEN);
	if (!big)
		return -1;
	memset(big, 'x', BIG_HTML_LEN);
	memcpy(big, "<body>", 6);
	memcpy(big + BIG_HTML_LEN - 7, "</body>", 7);
	int rc = fixture_write(&fx, "big.html", big, BIG_HTML_LEN);
	free(big);
	return rc;
}

static int group_teardown(void **state)
{
	(void)state;
	fixture_destroy(&fx);
	return 0;
}

static int start_with(const char *a, const char *b, const char *c)
{
	const char *args[] = {a, b, c, NULL};
	return harness_start(&srv, fx.root, args);
}

static int setup_lr(void **state)
{
	(void)state;
	return start_with("--live-reload", "--trace", NULL);
}

static int setup_plain(void **state)
{
	(void)state;
	return start_with(NULL, NULL, NULL);
}

static int teardown(void **state)
{
	(void)state;
	harness_close_clients();
	return harness_stop(&srv) == 0 ? 0 : -1;
}

/* One request on a fresh connection; extra: header lines or NULL. */
static void request(const char *method, const char *target, const char *extra,
		    struct http_reply *r)
{
	struct client c;
	assert_rc_ok(client_connect(&c, srv.port));
	char h[512];
	snprintf(h, sizeof(h), "Connection: close\r\n%s", extra ? extra : "");
	assert_int_equal(client_send_request(&c, method, target, h), 0);
	assert_rc_ok(client_read_reply(&c, r, strcmp(method, "HEAD") == 0));
	client_close(&c);
}

/* ---- pages ------------------------------------------------------------------ */

static void assert_injected_page(const struct http_reply *r)
{
	size_t nb = strlen(PAGE_BEFORE), na = strlen(PAGE_AFTER);
	assert_true(r->body_len > nb + na);
	assert_memory_equal(r->body, PAGE_BEFORE, nb);
	assert_memory_equal(r->body + nb, SCRIPT_START, strlen(SCRIPT_START));
	assert_memory_equal(r->body + r->body_len - na, PAGE_AFTER, na);
	char len[32];
	snprintf(len, sizeof(len), "%zu", r->body_len);
	assert_header(r, "Content-Length", len);
}

static void page_get_and_head(void **state)
{
	(void)state;
	struct http_reply g, h;
	request("GET", "/page.html", NULL, &g);
	assert_int_equal(g.status, 200);
	assert_injected_page(&g);
	assert_header(&g, "Content-Type", "text/html");
	assert_header_match(&g, "ETag", "^\"[0-9a-f.-]+-lr\"$");
	assert_header(&g, "Last-Modified", "Tue, 14 Nov 2023 22:13:20 GMT");
	assert_null(reply_header(&g, "Accept-Ranges"));
	assert_null(reply_header(&g, "Content-Encoding"));
	request("HEAD", "/page.html", NULL, &h);
	assert_int_equal(h.status, 200);
	assert_int_equal(h.body_len, 0);
	const char *same[] = {"Content-Length", "Content-Type", "ETag", "Last-Modified"};
	for (size_t i = 0; i < 4; i++)
		assert_header(&h, same[i], reply_header(&g, same[i]));
	assert_null(reply_header(&h, "Accept-Ranges"));
	reply_free(&g);
	reply_free(&h);
}

static void page_untouched_without_flag(void **state)
{
	(void)state;
	struct http_reply r;
	request("GET", "/page.html", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_body_str(&r, PAGE_BODY);
	assert_header_match(&r, "ETag", "^\"[0-9a-f.-]+\"$");
	assert_false(harness_match(reply_header(&r, "ETag"), "-lr\"$"));
	assert_header(&r, "Accept-Ranges", "bytes");
	reply_free(&r);
	request("GET", LR_PATH, NULL, &r);
	assert_int_equal(r.status, 404);
	reply_free(&r);
	request("GET", "/sub/", NULL, &r);
	assert_false(harness_contains(r.body, r.body_len, SCRIPT_START));
	reply_free(&r);
}

/* Other files: the same bytes, validators and ranges as ever. */
static void other_files_untouched(void **state)
{
	(void)state;
	struct http_reply r;
	request("GET", "/style.css", NULL, &r);
	assert_body_str(&r, CSS_BODY);
	assert_header(&r, "Accept-Ranges", "bytes");
	assert_false(harness_match(reply_header(&r, "ETag"), "-lr\"$"));
	reply_free(&r);
	request("GET", "/notes.txt", NULL, &r);
	assert_body_str(&r, "plain text, </body>\n");
	reply_free(&r);
	request("GET", "/notes.txt", "Range: bytes=0-4\r\n", &r);
	assert_int_equal(r.status, 206);
	assert_body_str(&r, "plain");
	reply_free(&r);
}

/* ETag of target on the running server. */
static void etag_of(const char *target, char *out, size_t size)
{
	struct http_reply r;
	request("GET", target, NULL, &r);
	assert_int_equal(r.status, 200);
	snprintf(out, size, "%s", reply_header(&r, "ETag"));
	reply_free(&r);
}

static int status_of(const char *method, const char *target, const char *extra)
{
	struct http_reply r;
	request(method, target, extra, &r);
	int st = r.status;
	reply_free(&r);
	return st;
}

/* A validator from one side never makes the other side's page 304. */
static void validators_do_not_cross(void **state)
{
	(void)state;
	char plain[128], injected[128], h[256];
	etag_of("/page.html", plain, sizeof(plain));
	assert_int_equal(harness_stop(&srv), 0);
	assert_int_equal(start_with("--live-reload", NULL, NULL), 0);
	etag_of("/page.html", injected, sizeof(injected));
	assert_string_not_equal(plain, injected);

	snprintf(h, sizeof(h), "If-None-Match: %s\r\n", plain);
	assert_int_equal(status_of("GET", "/page.html", h), 200);
	snprintf(h, sizeof(h), "If-None-Match: %s\r\n", injected);
	assert_int_equal(status_of("GET", "/page.html", h), 304);
	assert_int_equal(status_of("HEAD", "/page.html", h), 304);
	/* A date alone cannot tell the two apart: never 304 here... */
	const char *ims = "If-Modified-Since: Tue, 14 Nov 2023 22:13:20 GMT\r\n";
	assert_int_equal(status_of("GET", "/page.html", ims), 200);
	/* ...while a file without the script still answers it. */
	assert_int_equal(status_of("GET", "/style.css",
				   "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n"), 304);

	assert_int_equal(harness_stop(&srv), 0);
	assert_int_equal(start_with(NULL, NULL, NULL), 0);
	snprintf(h, sizeof(h), "If-None-Match: %s\r\n", injected);
	assert_int_equal(status_of("GET", "/page.html", h), 200);
	snprintf(h, sizeof(h), "If-None-Match: %s\r\n", plain);
	assert_int_equal(status_of("GET", "/page.html", h), 304);
	assert_int_equal(status_of("GET", "/page.html", ims), 304);
}

/* Range on an injected page: the whole page, 200, no Accept-Ranges. */
static void range_gets_whole_page(void **state)
{
	(void)state;
	struct http_reply r;
	request("GET", "/page.html", "Range: bytes=0-9\r\n", &r);
	assert_int_equal(r.status, 200);
	assert_injected_page(&r);
	assert_null(reply_header(&r, "Content-Range"));
	assert_null(reply_header(&r, "Accept-Ranges"));
	reply_free(&r);
	request("GET", "/page.html", "Range: bytes=0-9,20-29\r\n", &r);
	assert_int_equal(r.status, 200);
	assert_injected_page(&r);
	reply_free(&r);
}

static void range_without_flag(void **state)
{
	(void)state;
	struct http_reply r;
	request("GET", "/page.html", "Range: bytes=0-9\r\n", &r);
	assert_int_equal(r.status, 206);
	assert_body(&r, PAGE_BODY, 10);
	reply_free(&r);
}

/* No .gz sibling, no on-the-fly gzip: the injected identity page. */
static void no_compression_when_injecting(void **state)
{
	(void)state;
	struct http_reply r;
	request("GET", "/page.html", "Accept-Encoding: gzip, br\r\n", &r);
	assert_int_equal(r.status, 200);
	assert_null(reply_header(&r, "Content-Encoding"));
	assert_injected_page(&r);
	reply_free(&r);
	assert_int_equal(harness_stop(&srv), 0);
	/* Without the flag the sibling is served, so the test can fail. */
	assert_int_equal(start_with(NULL, NULL, NULL), 0);
	request("GET", "/page.html", "Accept-Encoding: gzip\r\n", &r);
	assert_header(&r, "Content-Encoding", "gzip");
	reply_free(&r);
	assert_int_equal(harness_stop(&srv), 0);
	assert_int_equal(start_with("--live-reload", "--compress", NULL), 0);
	request("GET", "/page.html", "Accept-Encoding: gzip\r\n", &r);
	assert_null(reply_header(&r, "Content-Encoding"));
	assert_injected_page(&r);
	reply_free(&r);
}

/* Over 8 MiB: sent as it is, with the file's own validators. */
static void big_page_not_injected(void **state)
{
	(void)state;
	struct http_reply r;
	request("GET", "/big.html", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, BIG_HTML_LEN);
	assert_false(harness_contains(r.body, r.body_len, SCRIPT_START));
	assert_header(&r, "Accept-Ranges", "bytes");
	assert_false(harness_match(reply_header(&r, "ETag"), "-lr\"$"));
	reply_free(&r);
}

static void listing_injected(void **state)
{
	(void)state;
	struct http_reply r;
	request("GET", "/sub/", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_contains(r.body, r.body_len, SCRIPT_START);
	assert_contains(r.body, r.body_len, "inner.txt");
	const char *script = strstr(r.body, SCRIPT_START);
	assert_non_null(strstr(script, "</body>"));
	char len[32];
	snprintf(len, sizeof(len), "%zu", r.body_len);
	assert_header(&r, "Content-Length", len);
	reply_free(&r);
	request("GET", "/sub/?format=json", NULL, &r);
	assert_false(harness_contains(r.body, r.body_len, SCRIPT_START));
	reply_free(&r);
}

/* ---- the event stream ------------------------------------------------------ */

struct stream {
	struct client c;
	struct hbuf in;
	size_t pos;
};

/* Bytes until the buffer holds sep after pos; -1 at the deadline or EOF. */
static int read_until(struct stream *s, const char *sep, long long deadline_ms)
{
	for (;;) {
		if (s->in.data && strstr(s->in.data + s->pos, sep))
			return 0;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		long long left = deadline_ms - ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
		if (left <= 0)
			return -1;
		harness_pump(0);
		struct pollfd p = {.fd = s->c.fd, .events = POLLIN};
		int n = poll(&p, 1, left > 50 ? 50 : (int)left);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n <= 0)
			continue;
		char buf[4096];
		ssize_t r = read(s->c.fd, buf, sizeof(buf));
		if (r <= 0)
			return -1;
		hbuf_append(&s->in, buf, (size_t)r);
	}
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* GET the stream; its head into head (NUL-terminated); the status. */
static int stream_open_on(struct stream *s, int port, char *head, size_t size)
{
	memset(s, 0, sizeof(*s));
	if (client_connect(&s->c, port) != CLIENT_OK ||
	    client_send_request(&s->c, "GET", LR_PATH, "Accept: text/event-stream\r\n") < 0 ||
	    read_until(s, "\r\n\r\n", now_ms() + WAIT_MS) < 0)
		return -1;
	size_t hl = (size_t)(strstr(s->in.data, "\r\n\r\n") - s->in.data) + 4;
	snprintf(head, size, "%.*s", (int)hl, s->in.data);
	s->pos = hl;
	int status = 0;
	return sscanf(head, "HTTP/1.1 %d", &status) == 1 ? status : -1;
}

static void stream_open(struct stream *s)
{
	char head[2048];
	assert_int_equal(stream_open_on(s, srv.port, head, sizeof(head)), 200);
	if (!harness_match(head, "\r\nContent-Type: text/event-stream\r\n") ||
	    !harness_match(head, "\r\nCache-Control: no-cache\r\n") ||
	    harness_match(head, "Content-Length"))
		fail_msg("stream head: %s", head);
	/* The first bytes: how soon to reconnect. */
	assert_int_equal(read_until(s, "\n\n", now_ms() + WAIT_MS), 0);
	assert_memory_equal(s->in.data + s->pos, "retry: 1000\n\n", 13);
	s->pos += 13;
}

static void stream_close(struct stream *s)
{
	client_close(&s->c);
	hbuf_free(&s->in);
}

/* The next event (comments skipped): its name and data lines joined by
 * '\n'. -1 if none came by the deadline. */
static int next_event(struct stream *s, char *event, size_t esize, char *data, size_t dsize)
{
	long long deadline = now_ms() + WAIT_MS;
	for (;;) {
		if (read_until(s, "\n\n", deadline) < 0)
			return -1;
		char *block = s->in.data + s->pos;
		char *end = strstr(block, "\n\n");
		s->pos = (size_t)(end - s->in.data) + 2;
		*end = '\0';
		event[0] = data[0] = '\0';
		for (char *line = strtok(block, "\n"); line; line = strtok(NULL, "\n")) {
			if (strncmp(line, "event: ", 7) == 0)
				snprintf(event, esize, "%s", line + 7);
			else if (strncmp(line, "data: ", 6) == 0)
				snprintf(data + strlen(data), dsize - strlen(data), "%s%s",
					 data[0] ? "\n" : "", line + 6);
		}
		if (event[0])
			return 0;
	}
}

static void expect_event(struct stream *s, const char *event, const char *data)
{
	char e[64], d[1024];
	if (next_event(s, e, sizeof(e), d, sizeof(d)) < 0)
		fail_msg("no event within %d ms (wanted %s %s)", WAIT_MS, event,
			 data ? data : "");
	assert_string_equal(e, event);
	if (data)
		assert_string_equal(d, data);
}

/* A change nothing else makes, whose event must come next: proof that
 * the burst before it made one event, not two. */
static void expect_nothing_more(struct stream *s)
{
	static int n;
	char rel[64], url[80];
	snprintf(rel, sizeof(rel), "sentinel-%d.txt", ++n);
	snprintf(url, sizeof(url), "/%s", rel);
	assert_int_equal(fixture_write_str(&fx, rel, "s\n"), 0);
	expect_event(s, "reload", url);
}

static void rename_in_root(const char *from, const char *to)
{
	char a[512], b[512];
	fixture_path(&fx, from, a, sizeof(a));
	fixture_path(&fx, to, b, sizeof(b));
	assert_int_equal(rename(a, b), 0);
}

static void unlink_in_root(const char *rel)
{
	char p[512];
	fixture_path(&fx, rel, p, sizeof(p));
	assert_int_equal(unlink(p), 0);
}

static void stream_file_operations(void **state)
{
	(void)state;
	struct stream s;
	stream_open(&s);
	char line[512];
	assert_int_equal(harness_wait_stderr_match(&srv, "live-reload fd=[0-9]+ watching [0-9]+ "
						   "directories", line, sizeof(line), WAIT_MS), 0);

	/* change: truncate and write, several events, one burst */
	assert_int_equal(fixture_write_str(&fx, "page.html", PAGE_BODY "<!-- 2 -->"), 0);
	assert_int_equal(fixture_write_str(&fx, "page.html", PAGE_BODY), 0);
	expect_event(&s, "reload", "/page.html");
	assert_int_equal(harness_wait_stderr_match(&srv, "child [0-9]+: live-reload fd=[0-9]+ "
						   "sent reload /page.html", line, sizeof(line),
						   WAIT_MS), 0);
	expect_nothing_more(&s);

	/* create */
	assert_int_equal(fixture_write_str(&fx, "new.txt", "new\n"), 0);
	expect_event(&s, "reload", "/new.txt");
	expect_nothing_more(&s);
	/* rename */
	rename_in_root("new.txt", "renamed.txt");
	expect_event(&s, "reload", NULL);
	expect_nothing_more(&s);
	/* delete */
	unlink_in_root("renamed.txt");
	expect_event(&s, "reload", "/renamed.txt");
	expect_nothing_more(&s);

	/* a new subdirectory, and then files in it: it is watched */
	assert_int_equal(fixture_mkdir(&fx, "fresh"), 0);
	expect_event(&s, "reload", "/fresh");
	assert_int_equal(fixture_write_str(&fx, "fresh/a.html", "<p>a</p>"), 0);
	expect_event(&s, "reload", "/fresh/a.html");
	rename_in_root("fresh/a.html", "fresh/b.html");
	expect_event(&s, "reload", NULL);
	unlink_in_root("fresh/b.html");
	expect_event(&s, "reload", "/fresh/b.html");
	expect_nothing_more(&s);
	stream_close(&s);
}

/* What vim does on :w, back to back: swap file, write test, backup by
 * rename, the new file, chmod, the backup deleted. One reload. */
static void stream_editor_save_is_one_event(void **state)
{
	(void)state;
	struct stream s;
	stream_open(&s);
	char p[512];
	assert_int_equal(fixture_write_str(&fx, ".page.html.swp", "swap"), 0);
	assert_int_equal(fixture_write_str(&fx, "4913", ""), 0);
	unlink_in_root("4913");
	rename_in_root("page.html", "page.html~");
	assert_int_equal(fixture_write_str(&fx, "page.html", PAGE_BODY), 0);
	assert_int_equal(chmod(fixture_path(&fx, "page.html", p, sizeof(p)), 0644), 0);
	unlink_in_root("page.html~");
	unlink_in_root(".page.html.swp");
	expect_event(&s, "reload", "/page.html");
	expect_nothing_more(&s);
	stream_close(&s);
}

/* Stylesheets: css events with their paths, also when saved through a
 * temporary renamed into place; a stylesheet with a page is a reload. */
static void stream_stylesheets(void **state)
{
	(void)state;
	struct stream s;
	stream_open(&s);
	assert_int_equal(fixture_write_str(&fx, "style.css", "p { color: blue }\n"), 0);
	expect_event(&s, "css", "/style.css");
	assert_int_equal(fixture_write_str(&fx, "sub/a b.css.tmp", "p { color: green }\n"), 0);
	rename_in_root("sub/a b.css.tmp", "sub/a b.css");
	expect_event(&s, "css", "/sub/a%20b.css");
	expect_nothing_more(&s);
	assert_int_equal(fixture_write_str(&fx, "style.css", CSS_BODY), 0);
	assert_int_equal(fixture_write_str(&fx, "sub/a b.css", "p {}\n"), 0);
	expect_event(&s, "css", "/style.css\n/sub/a%20b.css");
	assert_int_equal(fixture_write_str(&fx, "style.css", CSS_BODY), 0);
	assert_int_equal(fixture_write_str(&fx, "page.html", PAGE_BODY), 0);
	expect_event(&s, "reload", "/page.html");
	expect_nothing_more(&s);
	stream_close(&s);
}

static int setup_short_timeouts(void **state)
{
	(void)state;
	const char *args[] = {"--live-reload", "--header-timeout", "1", "--idle-timeout", "1",
			      NULL};
	return harness_start(&srv, fx.root, args);
}

/* The stream outlives the header and idle timeouts (1 s here): after
 * 2.5 s of nothing it is still open and still delivers. */
static void stream_outlives_timeouts(void **state)
{
	(void)state;
	struct stream s;
	stream_open(&s);
	long long until = now_ms() + 2500;
	while (now_ms() < until) {
		struct pollfd p = {.fd = s.c.fd, .events = POLLIN | POLLRDHUP};
		harness_pump(0);
		int n = poll(&p, 1, 100);
		if (n > 0)
			fail_msg("the stream said something or closed (revents %#x)", p.revents);
	}
	assert_int_equal(fixture_write_str(&fx, "notes.txt", "plain text, </body>\n"), 0);
	expect_event(&s, "reload", "/notes.txt");
	stream_close(&s);
}

/* The browser goes: the child goes, at once (no heartbeat needed). */
static void stream_child_exits_with_client(void **state)
{
	(void)state;
	struct stream s;
	stream_open(&s);
	assert_int_equal(harness_wait_children(srv.pid, 1, WAIT_MS), 0);
	stream_close(&s);
	assert_int_equal(harness_wait_children(srv.pid, 0, WAIT_MS), 0);
	/* HEAD: the head only, and the connection ends. */
	struct http_reply r;
	request("HEAD", LR_PATH, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", "text/event-stream");
	assert_null(reply_header(&r, "Content-Length"));
	reply_free(&r);
}

/* SIGTERM with a stream open: the server exits 0 well within its grace. */
static void stream_ends_on_sigterm(void **state)
{
	(void)state;
	struct stream s;
	stream_open(&s);
	assert_int_equal(harness_stop_signal(&srv, SIGTERM, 4000), 0);
	assert_int_equal(read_until(&s, "never", now_ms() + WAIT_MS), -1); /* EOF */
	stream_close(&s);
	/* teardown expects a server: start one to stop */
	assert_int_equal(start_with(NULL, NULL, NULL), 0);
}

static int setup_no_dotfiles(void **state)
{
	(void)state;
	return start_with("--live-reload", "--no-dotfiles", NULL);
}

/* The reserved path works under --no-dotfiles; dotfiles stay hidden and
 * their changes unsaid. */
static void stream_with_no_dotfiles(void **state)
{
	(void)state;
	assert_int_equal(status_of("GET", "/.hidden", NULL), 404);
	assert_int_equal(status_of("GET", "/.httpd-lite/other", NULL), 404);
	struct stream s;
	stream_open(&s);
	assert_int_equal(fixture_write_str(&fx, ".hidden", "changed\n"), 0);
	assert_int_equal(fixture_write_str(&fx, "notes.txt", "plain text, </body>\n"), 0);
	expect_event(&s, "reload", "/notes.txt");
	stream_close(&s);
}

/* 200 streams open at once (children, counted by --max-clients like
 * any), and the server still answers pages. A stream may be refused 503
 * when the machine is out of inotify instances (fs.inotify.
 * max_user_instances, 128 by default, shared by every process of the
 * user): then the log says so. */
#define MANY 200
static void many_streams_do_not_block(void **state)
{
	(void)state;
	static struct stream s[MANY];
	char head[2048];
	int open_ok = 0, refused = 0;
	for (int i = 0; i < MANY; i++) {
		int st = stream_open_on(&s[i], srv.port, head, sizeof(head));
		if (st == 200)
			open_ok++;
		else if (st == 503)
			refused++;
		else
			fail_msg("stream %d: status %d", i, st);
	}
	print_message("%d streams open, %d refused for lack of inotify instances\n", open_ok,
		      refused);
	assert_true(open_ok > 0);
	if (refused)
		assert_int_equal(harness_wait_stderr_match(&srv, "fs.inotify.max_user_instances",
							   NULL, 0, WAIT_MS), 0);
	for (int i = 0; i < 20; i++) {
		struct http_reply r;
		request("GET", "/style.css", NULL, &r);
		assert_int_equal(r.status, 200);
		assert_body_str(&r, CSS_BODY);
		reply_free(&r);
	}
	/* And the streams still work. */
	assert_int_equal(fixture_write_str(&fx, "notes.txt", "plain text, </body>\n"), 0);
	for (int i = 0; i < MANY; i++) {
		char e[32], d[256];
		if (strncmp(s[i].in.data, "HTTP/1.1 200 ", 13) != 0)
			continue;
		if (next_event(&s[i], e, sizeof(e), d, sizeof(d)) < 0)
			fail_msg("stream %d: no event", i);
		assert_string_equal(d, "/notes.txt");
	}
	for (int i = 0; i < MANY; i++)
		stream_close(&s[i]);
	assert_int_equal(harness_wait_children(srv.pid, 0, 20000), 0);
}

/* ---- HTTPS ------------------------------------------------------------------ */

static char cert[400], key[400];

static int run_ok(const char *const argv[])
{
	struct run_result r;
	if (harness_run(argv, NULL, 20000, &r) < 0)
		return -1;
	int rc = r.exit_code;
	run_result_free(&r);
	return rc;
}

static int setup_tls(void **state)
{
	(void)state;
	const char *v[] = {"--version", NULL};
	struct run_result r;
	if (harness_run_server(v, NULL, WAIT_MS, &r) < 0)
		return -1;
	bool tls = harness_contains(r.out.data, r.out.len, "tls=on");
	run_result_free(&r);
	if (!tls)
		return start_with(NULL, NULL, NULL); /* the test skips */
	snprintf(cert, sizeof(cert), "%s/cert.pem", fx.parent);
	snprintf(key, sizeof(key), "%s/key.pem", fx.parent);
	const char *mk[] = {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
			    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
			    NULL};
	if (run_ok(mk) != 0)
		return -1;
	int port = harness_free_port();
	char ps[16], banner[128];
	snprintf(ps, sizeof(ps), "%d", port);
	const char *argv[] = {"httpd-lite", "-b", "127.0.0.1", "-p", ps, "-d", fx.root,
			      "--live-reload", "--tls-cert", cert, "--tls-key", key, NULL};
	if (harness_spawn(&srv, argv, NULL) < 0)
		return -1;
	srv.port = port;
	snprintf(banner, sizeof(banner),
		 "Serving HTTPS on 127.0.0.1 port %d (https://127.0.0.1:%d/) ...", port, port);
	return harness_wait_banner(&srv, banner, WAIT_MS);
}

/* curl reading the stream over HTTPS, its output on a pipe. */
static pid_t spawn_curl_stream(int port, int *out_fd)
{
	char url[128];
	snprintf(url, sizeof(url), "https://127.0.0.1:%d%s", port, LR_PATH);
	int p[2];
	if (pipe(p) < 0)
		return -1;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	char *argv[] = {"curl", "-sNk", "--max-time", "20", url, NULL};
	pid_t pid;
	extern char **environ;
	int rc = posix_spawnp(&pid, "curl", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		return -1;
	}
	*out_fd = p[0];
	return pid;
}

static int read_pipe_until(int fd, struct hbuf *b, const char *want)
{
	long long deadline = now_ms() + WAIT_MS;
	while (!(b->data && strstr(b->data, want))) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return -1;
		harness_pump(0);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, left > 50 ? 50 : (int)left) <= 0)
			continue;
		char buf[1024];
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return -1;
		hbuf_append(b, buf, (size_t)n);
	}
	return 0;
}

static void stream_over_https(void **state)
{
	(void)state;
	if (!cert[0])
		skip();
	char url[128];
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/page.html", srv.port);
	const char *args[] = {"-k", url, NULL};
	struct run_result r;
	assert_int_equal(harness_curl(args, &r), 0);
	assert_contains(r.out.data, r.out.len, SCRIPT_START);
	run_result_free(&r);

	int fd = -1;
	pid_t pid = spawn_curl_stream(srv.port, &fd);
	assert_true(pid > 0);
	struct hbuf b = {0};
	assert_int_equal(read_pipe_until(fd, &b, "retry: 1000\n\n"), 0);
	assert_int_equal(fixture_write_str(&fx, "notes.txt", "plain text, </body>\n"), 0);
	assert_int_equal(read_pipe_until(fd, &b, "event: reload\ndata: /notes.txt\n\n"), 0);
	kill(pid, SIGTERM);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(fd);
	hbuf_free(&b);
	assert_int_equal(harness_wait_children(srv.pid, 0, WAIT_MS), 0);
}

/* ---- start-up ---------------------------------------------------------------- */

/* A '.httpd-lite' entry in the root is named in a warning at start. */
static void warns_about_reserved_entry(void **state)
{
	(void)state;
	struct fixture f;
	assert_int_equal(fixture_create(&f), 0);
	assert_int_equal(fixture_write_str(&f, ".httpd-lite/live-reload", "mine\n"), 0);
	const char *args[] = {"--live-reload", NULL};
	struct test_server s;
	assert_int_equal(harness_start(&s, f.root, args), 0);
	assert_int_equal(harness_wait_stderr_match(&s, "'\\.httpd-lite' entry.*"
						   "/\\.httpd-lite/live-reload is the event stream",
						   NULL, 0, WAIT_MS), 0);
	assert_int_equal(harness_stop(&s), 0);
	fixture_destroy(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(page_get_and_head, setup_lr, teardown),
		cmocka_unit_test_setup_teardown(page_untouched_without_flag, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(other_files_untouched, setup_lr, teardown),
		cmocka_unit_test_setup_teardown(validators_do_not_cross, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(range_gets_whole_page, setup_lr, teardown),
		cmocka_unit_test_setup_teardown(range_without_flag, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(no_compression_when_injecting, setup_lr, teardown),
		cmocka_unit_test_setup_teardown(big_page_not_injected, setup_lr, teardown),
		cmocka_unit_test_setup_teardown(listing_injected, setup_lr, teardown),
		cmocka_unit_test_setup_teardown(stream_file_operations, setup_lr, teardown),
		cmocka_unit_test_setup_teardown(stream_editor_save_is_one_event, setup_lr, teardown),
		cmocka_unit_test_setup_teardown(stream_stylesheets, setup_lr, teardown),
		cmocka_unit_test_setup_teardown(stream_outlives_timeouts, setup_short_timeouts,
						teardown),
		cmocka_unit_test_setup_teardown(stream_child_exits_with_client, setup_lr, teardown),
		cmocka_unit_test_setup_teardown(stream_ends_on_sigterm, setup_lr, teardown),
		cmocka_unit_test_setup_teardown(stream_with_no_dotfiles, setup_no_dotfiles, teardown),
		cmocka_unit_test_setup_teardown(many_streams_do_not_block, setup_lr, teardown),
		cmocka_unit_test_setup_teardown(stream_over_https, setup_tls, teardown),
		cmocka_unit_test(warns_about_reserved_entry),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
