/* libFuzzer target: arbitrary bytes through the whole request path, as a
 * child process runs it (conn.c), minus the socket reads:
 *
 *   request_feed (llhttp) → handler_handle (path, root, dirlist, ranges,
 *   validators) → response_send → bytes on a socketpair, read back.
 *
 * Input layout: byte 0 chooses options, byte 1 where the rest is split in
 * two feeds (as two reads would deliver it), the rest is what a client
 * sends. The seed corpus (tests/fuzz/corpus/) is real requests behind
 * two ASCII digits, "00GET / HTTP/1.1...".
 *   byte 0, bit 0: --no-dotfiles        bit 1: the root.c walk, not openat2
 *   bit 2: feed in two parts at byte 1  bit 3: --compress
 *   bit 4: --cors (preflights echo a request header)
 *
 * The fixture tree is made once, in a temporary directory: files, a
 * directory, symlinks in and out, a FIFO, a socket (and a device node
 * where mknod is allowed), with a secret file beside the root. After
 * every response the fuzzer checks, and aborts on a violation:
 *   - the secret file beside the root is never opened (inotify), and
 *     its content never appears in the output;
 *   - the output begins with an HTTP/1.1 status line (unless the
 *     request was HTTP/0.9, answered with the body alone);
 *   - no fd is leaked, by the handler or the response;
 *   - a Basic Authorization header never crashes the auth parser, and
 *     only the right password passes.
 * ASan, UBSan and LeakSanitizer do the rest. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"
#include "handler.h"
#include "log.h"
#include "mime.h"
#include "request.h"
#include "response.h"
#include "root.h"

#define SECRET_LEN 32
#define OUT_MAX (8 << 20)
/* "Basic dTpw" is u:p, the only account of the auth table below. */
#define GOOD_CREDENTIALS "u:p"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char parent[] = "/tmp/fuzz_request.XXXXXX";
static char rootdir[sizeof(parent) + 8];
static struct config cfg;
static struct site site;
static struct auth auth_table;
static int out_fd = -1, in_fd = -1;
static char *out; /* what one input produced */
static size_t out_len;
static struct request req;
/* Random per run, so the fuzzer has no dictionary entry for it, with
 * a '<' and a ^A in the middle: error pages and listings HTML-escape
 * '<', a Location percent-encodes ^A and llhttp refuses it in targets
 * and header values, so no echo of the input can ever spell it. */
static char secret[SECRET_LEN + 3];
static int secret_watch = -1; /* inotify: IN_OPEN of the secret file */

static void die(const char *what)
{
	fprintf(stderr, "fuzz_request setup: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void put(const char *rel, const char *body)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", parent, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, body, strlen(body)) != (ssize_t)strlen(body) || close(fd) < 0)
		die(path);
}

static void mk(const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", parent, rel);
	if (mkdir(path, 0755) < 0)
		die(path);
}

static void ln(const char *target, const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", parent, rel);
	if (symlink(target, path) < 0)
		die(path);
}

static void make_socket(const char *rel)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", parent, rel);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("unix socket");
	close(fd);
}

static void make_tree(void)
{
	char path[600];
	if (!mkdtemp(parent))
		die("mkdtemp");
	snprintf(rootdir, sizeof(rootdir), "%s/root", parent);
	put("secret.txt", secret);
	mk("root");
	put("root/hello.txt", "Hello, world!\n");
	put("root/page.html", "<p>page</p>\n");
	put("root/style.css", "p { color: red }\n");
	put("root/.hidden", "dotfile\n");
	put("root/a b%20c.txt", "odd name\n");
	mk("root/dir");
	put("root/dir/a.txt", "a\n");
	put("root/dir/B.TXT", "b\n");
	mk("root/dir/sub");
	put("root/dir/sub/inner.txt", "inner\n");
	mk("root/.git");
	put("root/.git/config", "[core]\n");
	mk("root/withindex");
	put("root/withindex/index.html", "<p>index</p>\n");
	ln("../secret.txt", "root/out");
	ln("../../secret.txt", "root/dir/out2");
	snprintf(path, sizeof(path), "%s/secret.txt", parent);
	ln(path, "root/abs");
	ln("..", "root/up");
	ln("../..", "root/dir/up2");
	ln("hello.txt", "root/in");
	ln("dir", "root/dirlink");
	ln("loop", "root/loop");
	snprintf(path, sizeof(path), "%s/fifo", rootdir);
	if (mkfifo(path, 0644) < 0)
		die("mkfifo");
	make_socket("root/sock");
	snprintf(path, sizeof(path), "%s/null", rootdir);
	(void)mknod(path, S_IFCHR | 0666, makedev(1, 3)); /* root only */
}

static void make_output_pair(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair");
	/* Room for the largest response the fixture allows; never block. */
	int big = 4 << 20;
	if (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) < 0)
		(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0 || fcntl(sv[1], F_SETFL, O_NONBLOCK) < 0)
		die("fcntl");
	out_fd = sv[0];
	in_fd = sv[1];
	out = malloc(OUT_MAX);
	if (!out)
		die("malloc");
}

static void make_secret(void)
{
	unsigned char raw[SECRET_LEN / 2];
	if (getentropy(raw, sizeof(raw)) < 0)
		die("getentropy");
	char hex[SECRET_LEN + 1];
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	snprintf(secret, sizeof(secret), "%.16s<\001%s", hex, hex + 16);
}

/* Whatever the output shows, the secret must never even be opened. */
static void watch_secret(void)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/secret.txt", parent);
	secret_watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (secret_watch < 0 || inotify_add_watch(secret_watch, path, IN_OPEN | IN_ACCESS) < 0)
		die("inotify");
}

static void check_secret_unopened(void)
{
	char ev[4096];
	if (read(secret_watch, ev, sizeof(ev)) > 0) {
		fprintf(stderr, "the secret file outside the root was opened\n");
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	make_secret();
	make_tree();
	watch_secret();
	make_output_pair();
	char a0[] = "fuzz_request", a1[] = "-q", a2[] = "-d";
	char *args[] = {a0, a1, a2, rootdir, NULL};
	config_parse(&cfg, 4, args);
	struct log_options quiet = {.quiet = true};
	log_init(&quiet);
	response_extras_build(&site.extras, &cfg);
	const char *why;
	if (auth_add_plain(&auth_table, GOOD_CREDENTIALS, &why) < 0)
		die(why);
	site.cfg = &cfg;
	site.root.fd = open(rootdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (site.root.fd < 0)
		die(rootdir);
	return 0;
}

static void drain_output(void)
{
	for (;;) {
		ssize_t n = read(in_fd, out + out_len, OUT_MAX - out_len);
		if (n <= 0)
			return;
		out_len += (size_t)n;
		if (out_len == OUT_MAX)
			out_len = 0; /* keep going; the check is per response */
	}
}

static void check_output(size_t from, bool http09)
{
	const char *o = out + from;
	size_t n = out_len - from;
	if (memmem(o, n, secret, strlen(secret))) {
		fprintf(stderr, "secret leaked:\n%.*s\n", (int)n, o);
		abort();
	}
	if (!http09 && n > 0 && (n < 12 || memcmp(o, "HTTP/1.1 ", 9) != 0)) {
		fprintf(stderr, "not a status line:\n%.*s\n", (int)(n > 200 ? 200 : n), o);
		abort();
	}
}

static void send_and_check(struct response *resp)
{
	size_t from = out_len;
	struct io io;
	io_init_socket(&io, out_fd);
	(void)response_send(&io, resp, &site.extras);
	drain_output();
	if (out_len >= from)
		check_output(from, resp->http09);
}

/* The only encoding of "u:p" is "dTpw" (no bits left over), with
 * optional padding: anything else that passes is a bug. */
static bool is_good_credentials(const char *h)
{
	h += strspn(h, " \t") + strlen("Basic");
	h += strspn(h, " \t");
	if (strncmp(h, "dTpw", 4) != 0)
		return false;
	h += 4;
	h += strspn(h, "=");
	return h[strspn(h, " \t")] == '\0';
}

static void check_auth_header(void)
{
	const char *h = request_header(&req, "Authorization");
	if (auth_verify(&auth_table, h) && !is_good_credentials(h)) {
		fprintf(stderr, "auth passed for \"%s\"\n", h);
		abort();
	}
}

/* conn.c's answer_request, with the same closing rules. */
static bool answer(void)
{
	struct response resp;
	response_init(&resp);
	handler_handle(&site, &req, &resp);
	resp.close = !req.msg.keep_alive || resp.status == HTTP_BAD_REQUEST ||
		     resp.status == HTTP_URI_TOO_LONG || resp.status >= HTTP_INTERNAL_SERVER_ERROR;
	resp.keep_alive_header = !resp.close && request_http_minor(&req) == 0;
	resp.http09 = req.msg.http09;
	send_and_check(&resp);
	bool keep = !resp.close;
	response_release(&resp);
	check_auth_header();
	return keep;
}

static void answer_failure(void)
{
	struct response resp;
	response_init(&resp);
	response_set_error(&resp, req.msg.error, req.msg.error_message);
	resp.head_only = req.msg.is_head;
	resp.http09 = req.msg.http09;
	resp.close = true;
	send_and_check(&resp);
	response_release(&resp);
}

/* Feed one read's worth; false once the connection would be closed. */
static bool feed(const char *p, size_t len)
{
	size_t off = 0;
	while (off < len || req.msg.state != REQUEST_INCOMPLETE) {
		off += request_feed(&req, p + off, len - off);
		if (req.msg.state == REQUEST_FAILED) {
			answer_failure();
			return false;
		}
		if (req.msg.state != REQUEST_COMPLETE)
			return true;
		if (!answer())
			return false;
		request_next(&req);
	}
	return true;
}

static int lowest_free_fd(void)
{
	int fd = dup(0);
	if (fd >= 0)
		close(fd);
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	int fd_before = lowest_free_fd();
	uint8_t opts = data[0];
	const char *p = (const char *)data + 2;
	size_t len = size - 2;
	size_t split = (opts & 4) ? len * data[1] / 256 : len;
	cfg.no_dotfiles = opts & 1;
	site.root.walk_only = opts & 2;
	cfg.compress = opts & 8;
	cfg.cors = opts & 16;
	out_len = 0;
	request_init(&req, cfg.max_body);
	if (feed(p, split))
		feed(p + split, len - split);
	check_secret_unopened();
	if (lowest_free_fd() != fd_before) {
		fprintf(stderr, "fd leaked: lowest free fd %d, was %d\n", lowest_free_fd(),
			fd_before);
		abort();
	}
	return 0;
}
