/* Integration: httpd-lite and nginx side by side over the same files.
 * Range (single, suffix, open, past the end, 416, whole-file fallback,
 * multipart parts), If-None-Match / If-Modified-Since / If-Range round
 * trips, curl -r, curl -C - and curl --compressed (gzip_static): same
 * statuses, same Content-Range, same bytes. Every test skips when
 * /usr/sbin/nginx is absent (.ci/run installs nginx-light).
 *
 * Where the two differ on purpose the cases are left out, and listed
 * here: for a syntactically invalid Range ("bytes=5-2", "bytes=abc",
 * "bytes=1-2,,") nginx answers 416 and we ignore the header (200; RFC
 * 9110 allows both); numbers past 2^63 are 416 for nginx and saturate
 * for us (so "bytes=0-<huge>" is the whole file, as the RFC reads);
 * nginx sends any number of ranges, we send the whole file for more
 * than 16; nginx's boundary is a counter, ours is unpredictable. ETag
 * values differ in format, never in behaviour. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "harness.h"
#include "multipart_check.h"

#ifndef NGINX_BIN
#define NGINX_BIN "/usr/sbin/nginx"
#endif

static struct fixture fx;
static struct test_server srv;
static pid_t nginx_pid = -1;
static int nginx_port;
static bool have_nginx;
static char *big;

#define TEXT_LEN 6000
static char text[TEXT_LEN];
static unsigned char text_gz[TEXT_LEN];
static size_t text_gz_len;

/* ---- nginx, started by hand -------------------------------------------------- */

static int write_nginx_conf(const char *prefix, const char *conf)
{
	FILE *f = fopen(conf, "w");
	if (!f)
		return -1;
	fprintf(f,
		"daemon off;\n"
		"master_process off;\n"
		"worker_processes 1;\n"
		"pid %s/nginx.pid;\n"
		"error_log %s/error.log;\n"
		"events { worker_connections 64; }\n"
		"http {\n"
		"  access_log off;\n"
		"  client_body_temp_path %s/body; proxy_temp_path %s/proxy;\n"
		"  fastcgi_temp_path %s/fcgi; uwsgi_temp_path %s/uwsgi; scgi_temp_path %s/scgi;\n"
		"  types { text/plain txt; application/octet-stream bin; }\n"
		"  default_type application/octet-stream;\n"
		"  gzip_static on;\n"
		"  gzip_vary on;\n"
		"  server { listen 127.0.0.1:%d; root %s; }\n"
		"}\n",
		prefix, prefix, prefix, prefix, prefix, prefix, prefix, nginx_port, fx.root);
	return fclose(f);
}

/* A connect() that says nothing when refused. */
static bool accepts(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Up when a connection is accepted; bounded. */
static int wait_listening(int port)
{
	for (int i = 0; i < HARNESS_WAIT_MS / 20; i++) {
		if (accepts(port))
			return 0;
		int status;
		if (waitpid(nginx_pid, &status, WNOHANG) == nginx_pid) {
			nginx_pid = -1;
			return -1; /* died: its error.log says why */
		}
		harness_pump(20);
	}
	return -1;
}

static int start_nginx(void)
{
	char prefix[512], conf[600], errlog[600];

	snprintf(prefix, sizeof(prefix), "%s/nginx", fx.parent);
	snprintf(conf, sizeof(conf), "%s/nginx.conf", prefix);
	snprintf(errlog, sizeof(errlog), "%s/error.log", prefix);
	if (mkdir(prefix, 0700) < 0)
		return -1;
	nginx_port = harness_free_port();
	if (nginx_port <= 0 || write_nginx_conf(prefix, conf) < 0)
		return -1;
	nginx_pid = fork();
	if (nginx_pid < 0)
		return -1;
	if (nginx_pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		execl(NGINX_BIN, NGINX_BIN, "-p", prefix, "-c", conf, "-e", errlog, (char *)NULL);
		_exit(127);
	}
	if (wait_listening(nginx_port) < 0) {
		fprintf(stderr, "nginx did not start: see %s\n", errlog);
		return -1;
	}
	return 0;
}

/* SIGQUIT (graceful), bounded wait, then SIGKILL. */
static void stop_nginx(void)
{
	if (nginx_pid <= 0)
		return;
	kill(nginx_pid, SIGQUIT);
	for (int i = 0; i < HARNESS_WAIT_MS / 20; i++) {
		int status;
		pid_t w = waitpid(nginx_pid, &status, WNOHANG);
		if (w == nginx_pid || (w < 0 && errno == ECHILD)) {
			nginx_pid = -1;
			return;
		}
		harness_pump(20);
	}
	kill(nginx_pid, SIGKILL);
	while (waitpid(nginx_pid, NULL, 0) < 0 && errno == EINTR)
		;
	nginx_pid = -1;
}

/* ---- fixture and servers ----------------------------------------------------------- */

static size_t gzip_bytes(const void *in, size_t len, unsigned char *out, size_t cap)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	size_t n = deflate(&z, Z_FINISH) == Z_STREAM_END ? z.total_out : 0;
	deflateEnd(&z);
	return n;
}

static int group_setup(void **state)
{
	(void)state;
	have_nginx = access(NGINX_BIN, X_OK) == 0;
	if (!have_nginx)
		return 0;
	big = malloc(BIG_LEN);
	if (!big || fixture_standard_site(&fx) < 0)
		return -1;
	harness_fill(big, BIG_LEN, BIG_SEED);
	for (size_t i = 0; i < TEXT_LEN; i++)
		text[i] = i % 50 == 49 ? '\n' : "lorem ipsum dolor sit amet "[i % 27];
	text_gz_len = gzip_bytes(text, TEXT_LEN, text_gz, sizeof(text_gz));
	if (!text_gz_len || fixture_write(&fx, "text.txt", text, TEXT_LEN) < 0 ||
	    fixture_write(&fx, "text.txt.gz", text_gz, text_gz_len) < 0 ||
	    fixture_set_mtime(&fx, "text.txt", OLD_MTIME, 0) < 0 ||
	    fixture_set_mtime(&fx, "text.txt.gz", OLD_MTIME, 0) < 0 ||
	    /* A date in If-Range needs a Last-Modified a second old (RFC 9110
	     * 8.8.2.2), which nginx does not check: keep out of that case. */
	    fixture_set_mtime(&fx, "big.bin", OLD_MTIME, 0) < 0)
		return -1;
	/* nginx serves as whoever runs the test: the tree must be readable. */
	chmod(fx.parent, 0755);
	if (start_nginx() < 0 || harness_start(&srv, fx.root, NULL) < 0) {
		stop_nginx();
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (!have_nginx)
		return 0;
	harness_close_clients();
	int rc = harness_stop(&srv);
	stop_nginx();
	fixture_destroy(&fx);
	free(big);
	return rc == 0 ? 0 : -1;
}

/* First thing in every test: cmocka counts a skip() only there, not in
 * a setup function. */
#define REQUIRE_NGINX()           \
	do {                      \
		(void)state;      \
		if (!have_nginx)  \
			skip();   \
	} while (0)

/* ---- comparing ------------------------------------------------------------------ */

struct pair {
	struct http_reply ours, theirs;
};

static void both(const char *method, const char *target, const char *headers, struct pair *p)
{
	assert_rc_ok(client_request(srv.port, method, target, headers, &p->ours));
	assert_rc_ok(client_request(nginx_port, method, target, headers, &p->theirs));
}

static void pair_free(struct pair *p)
{
	reply_free(&p->ours);
	reply_free(&p->theirs);
}

static void same_header(const struct pair *p, const char *name)
{
	const char *a = reply_header(&p->ours, name), *b = reply_header(&p->theirs, name);
	if (!a != !b || (a && strcmp(a, b) != 0))
		fail_msg("%s: ours \"%s\", nginx \"%s\"", name, a ? a : "(none)", b ? b : "(none)");
}

static void same_status_and_body(const struct pair *p, const char *what)
{
	if (p->ours.status != p->theirs.status)
		fail_msg("%s: ours %d, nginx %d", what, p->ours.status, p->theirs.status);
	if (p->ours.status >= 400)
		return; /* error pages differ in wording */
	if (p->ours.body_len != p->theirs.body_len ||
	    memcmp(p->ours.body, p->theirs.body, p->ours.body_len) != 0)
		fail_msg("%s: bodies differ (%zu and %zu bytes)", what, p->ours.body_len,
			 p->theirs.body_len);
}

static void compare_range(const char *target, const char *range, int want)
{
	struct pair p;
	char h[512];

	snprintf(h, sizeof(h), "Range: %s\r\n", range);
	both("GET", target, h, &p);
	same_status_and_body(&p, range);
	if (p.ours.status != want)
		fail_msg("%s: %d, want %d", range, p.ours.status, want);
	same_header(&p, "Content-Range");
	if (want != 416)
		same_header(&p, "Content-Length");
	pair_free(&p);
}

/* ---- ranges ------------------------------------------------------------------------ */

static void same_single_ranges(void **state)
{
	static const char *const ranges[] = {
		"bytes=100-199", "bytes=0-0", "bytes=-500", "bytes=102000-", "bytes=102300-999999",
		"bytes=0-", "bytes=-200000", "Bytes=5-9", "bytes= 0-1", "bytes=5-9,200000-",
	};

	REQUIRE_NGINX();
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		compare_range("/big.bin", ranges[i], 206);
	compare_range("/hello.txt", "bytes=7-", 206);
}

static void same_unsatisfiable(void **state)
{
	REQUIRE_NGINX();
	compare_range("/big.bin", "bytes=102400-", 416);
	compare_range("/big.bin", "bytes=200000-300000", 416);
	compare_range("/big.bin", "bytes=-0", 416);
	compare_range("/hello.txt", "bytes=14-", 416);
}

static void same_whole_file(void **state)
{
	REQUIRE_NGINX();
	compare_range("/big.bin", "bytes=0-,0-", 200);
	compare_range("/big.bin", "bytes=0-60000,50000-", 200);
	compare_range("/big.bin", "items=0-5", 200);
	compare_range("/big.bin", "bytes =0-5", 200);
	compare_range("/big.bin", "bytes=", 200);
}

static void same_multipart_parts(void **state)
{
	static const char *const ranges[] = {
		"bytes=0-9,100-199,-10", "bytes=0-1 , 3-4", "bytes=50000-50100,0-0",
		"bytes=0-1,0-1", /* overlap, sent as asked by both */
	};

	REQUIRE_NGINX();
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		struct byterange_part a[MULTIPART_MAX_PARTS], b[MULTIPART_MAX_PARTS];
		struct pair p;
		char h[256];

		snprintf(h, sizeof(h), "Range: %s\r\n", ranges[i]);
		both("GET", "/big.bin", h, &p);
		assert_int_equal(p.ours.status, 206);
		assert_int_equal(p.theirs.status, 206);
		int n = multipart_parse(&p.ours, a, MULTIPART_MAX_PARTS);
		assert_true(n > 1);
		assert_int_equal(multipart_parse(&p.theirs, b, MULTIPART_MAX_PARTS), n);
		for (int k = 0; k < n; k++) {
			assert_int_equal(a[k].first, b[k].first);
			assert_int_equal(a[k].last, b[k].last);
			assert_int_equal(a[k].size, b[k].size);
			assert_string_equal(a[k].type, b[k].type);
			assert_int_equal(a[k].len, b[k].len);
			assert_memory_equal(a[k].data, b[k].data, a[k].len);
			assert_memory_equal(a[k].data, big + a[k].first, a[k].len);
		}
		pair_free(&p);
	}
}

static void same_head_range(void **state)
{
	struct pair p;

	REQUIRE_NGINX();
	both("HEAD", "/big.bin", "Range: bytes=100-199\r\n", &p);
	assert_int_equal(p.ours.status, 206);
	assert_int_equal(p.theirs.status, 206);
	same_header(&p, "Content-Range");
	same_header(&p, "Content-Length");
	same_header(&p, "Content-Type");
	pair_free(&p);
}

/* ---- validators ------------------------------------------------------------------ */

/* Each server with its own ETag and Last-Modified. */
static void round_trip(int port, const char *target)
{
	struct http_reply r, c;
	char h[512], etag[128], lm[64];

	assert_rc_ok(client_request(port, "GET", target, NULL, &r));
	assert_int_equal(r.status, 200);
	snprintf(etag, sizeof(etag), "%s", reply_header(&r, "ETag"));
	snprintf(lm, sizeof(lm), "%s", reply_header(&r, "Last-Modified"));
	reply_free(&r);

	snprintf(h, sizeof(h), "If-None-Match: %s\r\n", etag);
	assert_rc_ok(client_request(port, "GET", target, h, &c));
	assert_int_equal(c.status, 304);
	assert_header(&c, "ETag", etag);
	assert_int_equal(c.body_len, 0);
	reply_free(&c);
	snprintf(h, sizeof(h), "If-None-Match: \"x\", %s\r\n", etag);
	assert_rc_ok(client_request(port, "GET", target, h, &c));
	assert_int_equal(c.status, 304);
	reply_free(&c);
	assert_rc_ok(client_request(port, "GET", target, "If-None-Match: \"stale\"\r\n", &c));
	assert_int_equal(c.status, 200);
	reply_free(&c);
	snprintf(h, sizeof(h), "If-Modified-Since: %s\r\n", lm);
	assert_rc_ok(client_request(port, "GET", target, h, &c));
	assert_int_equal(c.status, 304);
	reply_free(&c);
	snprintf(h, sizeof(h), "Range: bytes=0-1\r\nIf-Range: %s\r\n", etag);
	assert_rc_ok(client_request(port, "GET", target, h, &c));
	assert_int_equal(c.status, 206);
	reply_free(&c);
	assert_rc_ok(client_request(port, "GET", target, "Range: bytes=0-1\r\nIf-Range: \"stale\"\r\n", &c));
	assert_int_equal(c.status, 200);
	reply_free(&c);
	snprintf(h, sizeof(h), "Range: bytes=0-1\r\nIf-Range: %s\r\n", lm);
	assert_rc_ok(client_request(port, "GET", target, h, &c));
	assert_int_equal(c.status, 206);
	reply_free(&c);
}

static void same_conditional_round_trips(void **state)
{
	REQUIRE_NGINX();
	round_trip(srv.port, "/old.txt");
	round_trip(nginx_port, "/old.txt");
	round_trip(srv.port, "/big.bin");
	round_trip(nginx_port, "/big.bin");
}

/* ---- curl ------------------------------------------------------------------------- */

static void curl_body(int port, const char *const opts[], const char *path, struct hbuf *out)
{
	struct run_result rr;
	const char *argv[24] = {"curl", "-s", "-S", "--max-time", "5"};
	char u[128];
	size_t n = 5;

	snprintf(u, sizeof(u), "http://127.0.0.1:%d%s", port, path);
	for (size_t i = 0; opts[i]; i++)
		argv[n++] = opts[i];
	argv[n++] = u;
	argv[n] = NULL;
	assert_int_equal(harness_run(argv, NULL, HARNESS_WAIT_MS + 2000, &rr), 0);
	assert_int_equal(rr.exit_code, 0);
	hbuf_append(out, rr.out.data, rr.out.len);
	run_result_free(&rr);
}

static void same_curl_range(void **state)
{
	static const char *const opts[] = {"-r", "100-199", NULL};
	struct hbuf a = {0}, b = {0};

	REQUIRE_NGINX();
	curl_body(srv.port, opts, "/big.bin", &a);
	curl_body(nginx_port, opts, "/big.bin", &b);
	assert_int_equal(a.len, 100);
	assert_int_equal(b.len, 100);
	assert_memory_equal(a.data, b.data, 100);
	assert_memory_equal(a.data, big + 100, 100);
	hbuf_free(&a);
	hbuf_free(&b);
}

static void resume(int port, const char *file)
{
	char path[512];
	const char *opts[] = {"-C", "-", "-o", path, NULL};
	struct hbuf ignored = {0};

	fixture_side_path(&fx, file, path, sizeof(path));
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(big, 1, 40000, f), 40000);
	fclose(f);
	curl_body(port, opts, "/big.bin", &ignored);
	hbuf_free(&ignored);
}

static void same_curl_resume(void **state)
{
	char a[512], b[512];

	REQUIRE_NGINX();
	char *da = malloc(BIG_LEN + 1), *db = malloc(BIG_LEN + 1);
	assert_non_null(da);
	assert_non_null(db);
	resume(srv.port, "ours.bin");
	resume(nginx_port, "nginx.bin");
	fixture_side_path(&fx, "ours.bin", a, sizeof(a));
	fixture_side_path(&fx, "nginx.bin", b, sizeof(b));
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	assert_non_null(fa);
	assert_non_null(fb);
	assert_int_equal(fread(da, 1, BIG_LEN + 1, fa), BIG_LEN);
	assert_int_equal(fread(db, 1, BIG_LEN + 1, fb), BIG_LEN);
	fclose(fa);
	fclose(fb);
	assert_memory_equal(da, db, BIG_LEN);
	assert_memory_equal(da, big, BIG_LEN);
	unlink(a);
	unlink(b);
	free(da);
	free(db);
}

static void same_curl_compressed(void **state)
{
	static const char *const opts[] = {"--compressed", NULL};
	struct hbuf a = {0}, b = {0};
	struct pair p;

	REQUIRE_NGINX();
	curl_body(srv.port, opts, "/text.txt", &a);
	curl_body(nginx_port, opts, "/text.txt", &b);
	assert_int_equal(a.len, TEXT_LEN);
	assert_int_equal(b.len, TEXT_LEN);
	assert_memory_equal(a.data, text, TEXT_LEN);
	assert_memory_equal(b.data, text, TEXT_LEN);
	hbuf_free(&a);
	hbuf_free(&b);
	/* On the wire: the sibling's bytes, as gzip, from both. */
	both("GET", "/text.txt", "Accept-Encoding: gzip\r\n", &p);
	same_status_and_body(&p, "gzip_static");
	same_header(&p, "Content-Encoding");
	same_header(&p, "Content-Type");
	same_header(&p, "Vary");
	assert_body(&p.ours, text_gz, text_gz_len);
	pair_free(&p);
	both("GET", "/text.txt", NULL, &p);
	same_status_and_body(&p, "identity");
	same_header(&p, "Content-Encoding");
	pair_free(&p);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(same_single_ranges),
		T(same_unsatisfiable),
		T(same_whole_file),
		T(same_multipart_parts),
		T(same_head_range),
		T(same_conditional_round_trips),
		T(same_curl_range),
		T(same_curl_resume),
		T(same_curl_compressed),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
