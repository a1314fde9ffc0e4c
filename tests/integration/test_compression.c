/* Integration: content codings. Precompressed siblings FILE.br / FILE.gz
 * (fresh ones only, original Content-Type, Vary), Accept-Encoding with
 * weights and q=0, Range on the identity body only, 304 per variant,
 * and --compress: gzip made on the fly, inflated here and compared.
 *
 * The siblings decode to a marked text, so a test can tell a sibling
 * from gzip made by the server. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "harness.h"

#define CSS_LEN 4000
#define TEXT_LEN 5000
#define SIBLING_MARK "/* decoded from site.css.gz */\n"
#define BR_BYTES "not really brotli, but only we and the test read it"

static char css[CSS_LEN], text[TEXT_LEN];
static unsigned char sibling_gz[8192];
static size_t sibling_gz_len;

/* Readable, compressible text. */
static void fill_text(char *t, size_t len, const char *word)
{
	size_t wl = strlen(word);
	for (size_t i = 0; i < len; i++)
		t[i] = (i % 72 == 71) ? '\n' : word[i % wl];
}

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
	int rc = deflate(&z, Z_FINISH);
	size_t n = rc == Z_STREAM_END ? z.total_out : 0;
	deflateEnd(&z);
	return n;
}

/* Inflate a gzip body into out; the decoded length, or -1. */
static long gunzip(const char *in, size_t len, char *out, size_t cap)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -1;
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)len;
	z.next_out = (unsigned char *)out;
	z.avail_out = (uInt)cap;
	int rc = inflate(&z, Z_FINISH);
	long n = rc == Z_STREAM_END && z.avail_in == 0 ? (long)z.total_out : -1;
	inflateEnd(&z);
	return n;
}

static int make_sparse(const char *rel, off_t len)
{
	char path[512];
	fixture_path(&suite_fx, rel, path, sizeof(path));
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	int rc = ftruncate(fd, len);
	close(fd);
	return rc;
}

static int group_setup(void **state)
{
	char marked[CSS_LEN + 64], buf[2048];
	int rc;

	(void)state;
	if (fixture_standard_site(&suite_fx) < 0)
		return -1;
	fill_text(css, CSS_LEN, "body { margin: 0 } ");
	fill_text(text, TEXT_LEN, "the quick brown fox ");
	snprintf(marked, sizeof(marked), "%s%.*s", SIBLING_MARK, CSS_LEN, css);
	sibling_gz_len = gzip_bytes(marked, strlen(marked), sibling_gz, sizeof(sibling_gz));
	rc = sibling_gz_len == 0;
	rc |= fixture_write(&suite_fx, "site.css", css, CSS_LEN);
	rc |= fixture_write(&suite_fx, "site.css.gz", sibling_gz, sibling_gz_len);
	rc |= fixture_write_str(&suite_fx, "site.css.br", BR_BYTES);
	rc |= fixture_set_mtime(&suite_fx, "site.css", OLD_MTIME, 0);
	rc |= fixture_set_mtime(&suite_fx, "site.css.gz", OLD_MTIME, 0);     /* same age: fresh */
	rc |= fixture_set_mtime(&suite_fx, "site.css.br", OLD_MTIME + 5, 0);
	rc |= fixture_write_str(&suite_fx, "stale.js", "console.log('new');\n");
	rc |= fixture_write(&suite_fx, "stale.js.gz", sibling_gz, sibling_gz_len);
	rc |= fixture_set_mtime(&suite_fx, "stale.js", OLD_MTIME, 1);
	rc |= fixture_set_mtime(&suite_fx, "stale.js.gz", OLD_MTIME, 0);     /* 1 ns older */
	rc |= fixture_write(&suite_fx, "text.txt", text, TEXT_LEN);
	fill_text(buf, sizeof(buf), "abc ");
	rc |= fixture_write(&suite_fx, "small.txt", buf, 1024);
	rc |= fixture_write(&suite_fx, "just.txt", buf, 1025);
	rc |= fixture_write(&suite_fx, "doc.md", buf, 2000);
	rc |= fixture_write(&suite_fx, "pic.png", text, TEXT_LEN);
	rc |= make_sparse("huge.txt", 8 * 1024 * 1024 + 1);
	rc |= fixture_write(&suite_fx, "blob.wasm", text, 100);
	rc |= fixture_write_str(&suite_fx, "blob.wasm.br", BR_BYTES);
	return rc ? -1 : 0;
}

static int setup_compress(void **state)
{
	static const char *args[] = {"--compress", NULL};
	(void)state;
	return harness_start(&suite_srv, suite_fx.root, args);
}

/* GET (or HEAD) target with Accept-Encoding: ae (NULL: no header) and
 * more header lines. */
static void get_ae(const char *method, const char *target, const char *ae, const char *more,
		   struct http_reply *r)
{
	char h[1024];
	snprintf(h, sizeof(h), "%s%s%s%s", ae ? "Accept-Encoding: " : "", ae ? ae : "",
		 ae ? "\r\n" : "", more ? more : "");
	assert_rc_ok(client_request(suite_srv.port, method, target, h, r));
}

static void expect_identity(const char *target, const char *ae, const char *body, size_t len,
			    bool vary)
{
	struct http_reply r;

	get_ae("GET", target, ae, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_null(reply_header(&r, "Content-Encoding"));
	if (vary)
		assert_header(&r, "Vary", "Accept-Encoding");
	else
		assert_null(reply_header(&r, "Vary"));
	assert_header(&r, "Accept-Ranges", "bytes");
	if (body)
		assert_body(&r, body, len);
	reply_free(&r);
}

static const char *encoding_of(const char *target, const char *ae)
{
	static char enc[32];
	struct http_reply r;

	get_ae("GET", target, ae, NULL, &r);
	assert_int_equal(r.status, 200);
	const char *ce = reply_header(&r, "Content-Encoding");
	snprintf(enc, sizeof(enc), "%s", ce ? ce : "identity");
	reply_free(&r);
	return enc;
}

/* ---- precompressed siblings ------------------------------------------------- */

static void sibling_gz_served(void **state)
{
	struct http_reply r, id;

	(void)state;
	get_ae("GET", "/site.css", "gzip", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Encoding", "gzip");
	assert_header(&r, "Content-Type", "text/css");
	assert_header(&r, "Vary", "Accept-Encoding");
	assert_body(&r, sibling_gz, sibling_gz_len);
	assert_null(reply_header(&r, "Accept-Ranges"));
	assert_header_match(&r, "ETag", "^\"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+\\.[0-9a-f]+\"$");
	get_ae("GET", "/site.css", NULL, NULL, &id);
	assert_string_not_equal(reply_header(&r, "ETag"), reply_header(&id, "ETag"));
	reply_free(&r);
	reply_free(&id);
}

static void sibling_choice_by_weight(void **state)
{
	struct http_reply r;

	(void)state;
	get_ae("GET", "/site.css", "gzip, deflate, br", NULL, &r);
	assert_header(&r, "Content-Encoding", "br");
	assert_header(&r, "Content-Type", "text/css");
	assert_body_str(&r, BR_BYTES);
	reply_free(&r);
	assert_string_equal(encoding_of("/site.css", "br"), "br");
	assert_string_equal(encoding_of("/site.css", "br;q=0.5, gzip"), "gzip");
	assert_string_equal(encoding_of("/site.css", "gzip;q=0.2, br;q=0.9"), "br");
	assert_string_equal(encoding_of("/site.css", "x-gzip"), "gzip");
	assert_string_equal(encoding_of("/site.css", "*"), "br");
	assert_string_equal(encoding_of("/site.css", "*, br;q=0"), "gzip");
}

static void identity_variant_has_vary(void **state)
{
	(void)state;
	/* A request naming no encoding at all is answered without looking
	 * for siblings (two fewer syscalls), so without Vary: a cache that
	 * keeps it can only hand out identity, which everyone accepts. */
	expect_identity("/site.css", NULL, css, CSS_LEN, false);
	expect_identity("/site.css", "identity", css, CSS_LEN, true);
	expect_identity("/site.css", "gzip;q=0, br;q=0", css, CSS_LEN, true);
	expect_identity("/site.css", "*;q=0", css, CSS_LEN, true);
	expect_identity("/site.css", "deflate", css, CSS_LEN, true);
}

static void stale_sibling_ignored(void **state)
{
	(void)state;
	expect_identity("/stale.js", "gzip", "console.log('new');\n", 20, false);
}

static void range_gets_identity(void **state)
{
	struct http_reply r;

	(void)state;
	get_ae("GET", "/site.css", "gzip, br", "Range: bytes=0-9\r\n", &r);
	assert_int_equal(r.status, 206);
	assert_null(reply_header(&r, "Content-Encoding"));
	assert_header(&r, "Content-Range", "bytes 0-9/4000");
	assert_header(&r, "Vary", "Accept-Encoding");
	assert_body(&r, css, 10);
	reply_free(&r);
}

static void head_matches_get_for_variant(void **state)
{
	struct http_reply g, h;

	(void)state;
	get_ae("GET", "/site.css", "gzip", NULL, &g);
	get_ae("HEAD", "/site.css", "gzip", NULL, &h);
	assert_int_equal(h.body_len, 0);
	assert_header(&h, "Content-Length", reply_header(&g, "Content-Length"));
	assert_header(&h, "Content-Encoding", "gzip");
	assert_header(&h, "ETag", reply_header(&g, "ETag"));
	assert_header(&h, "Vary", "Accept-Encoding");
	reply_free(&g);
	reply_free(&h);
}

/* Each variant has its own validator: a cached gzip body revalidates
 * only as gzip. */
static void not_modified_per_variant(void **state)
{
	struct http_reply g, r;
	char h[256];

	(void)state;
	get_ae("GET", "/site.css", "gzip", NULL, &g);
	snprintf(h, sizeof(h), "If-None-Match: %s\r\n", reply_header(&g, "ETag"));
	get_ae("GET", "/site.css", "gzip", h, &r);
	assert_int_equal(r.status, 304);
	assert_header(&r, "ETag", reply_header(&g, "ETag"));
	assert_header(&r, "Vary", "Accept-Encoding");
	reply_free(&r);
	get_ae("GET", "/site.css", NULL, h, &r);
	assert_int_equal(r.status, 200);
	assert_body(&r, css, CSS_LEN);
	reply_free(&r);
	reply_free(&g);
}

static void no_compression_without_flag(void **state)
{
	struct http_reply r;

	(void)state;
	expect_identity("/text.txt", "gzip, br", text, TEXT_LEN, false);
	get_ae("GET", "/x.tar.gz", "gzip", NULL, &r);
	assert_header(&r, "Content-Type", "application/gzip");
	assert_null(reply_header(&r, "Content-Encoding"));
	reply_free(&r);
}

/* Any type may have a sibling; it is looked for when the client accepts
 * a coding. Without one, a type --compress would not touch answers
 * without Vary (no sibling lookup at all). */
static void sibling_for_any_type(void **state)
{
	struct http_reply r;

	(void)state;
	get_ae("GET", "/blob.wasm", "br", NULL, &r);
	assert_header(&r, "Content-Encoding", "br");
	assert_header(&r, "Vary", "Accept-Encoding");
	assert_body_str(&r, BR_BYTES);
	reply_free(&r);
	expect_identity("/blob.wasm", "gzip", text, 100, true);
	expect_identity("/blob.wasm", NULL, text, 100, false);
}

static void curl_compressed_sibling(void **state)
{
	struct run_result rr;
	char u[128];

	(void)state;
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/site.css", suite_srv.port);
	const char *argv[] = {"curl", "-s", "-S", "--max-time", "5", "--compressed",
			      "-H", "Accept-Encoding: gzip", u, NULL};
	assert_int_equal(harness_run(argv, NULL, HARNESS_WAIT_MS + 2000, &rr), 0);
	assert_int_equal(rr.exit_code, 0);
	assert_int_equal(rr.out.len, strlen(SIBLING_MARK) + CSS_LEN);
	assert_memory_equal(rr.out.data, SIBLING_MARK, strlen(SIBLING_MARK));
	assert_memory_equal(rr.out.data + strlen(SIBLING_MARK), css, CSS_LEN);
	run_result_free(&rr);
}

/* ---- --compress ---------------------------------------------------------------- */

static void gzip_on_the_fly(void **state)
{
	struct http_reply r, id;
	char plain[TEXT_LEN + 1], weak[160];

	(void)state;
	get_ae("GET", "/text.txt", "gzip, deflate, br", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Encoding", "gzip");
	assert_header(&r, "Content-Type", "text/plain");
	assert_header(&r, "Vary", "Accept-Encoding");
	assert_null(reply_header(&r, "Accept-Ranges"));
	assert_true(r.body_len < TEXT_LEN);
	assert_int_equal(gunzip(r.body, r.body_len, plain, sizeof(plain)), TEXT_LEN);
	assert_memory_equal(plain, text, TEXT_LEN);
	/* The identity variant: same Vary, a strong tag; the gzip one is
	 * the weak tag with "-gz". */
	get_ae("GET", "/text.txt", NULL, NULL, &id);
	assert_null(reply_header(&id, "Content-Encoding"));
	assert_header(&id, "Vary", "Accept-Encoding");
	assert_header(&id, "Accept-Ranges", "bytes");
	assert_body(&id, text, TEXT_LEN);
	const char *tag = reply_header(&id, "ETag");
	snprintf(weak, sizeof(weak), "W/%.*s-gz\"", (int)strlen(tag) - 1, tag);
	assert_header(&r, "ETag", weak);
	reply_free(&r);
	reply_free(&id);
}

static void gzip_thresholds_and_types(void **state)
{
	(void)state;
	assert_string_equal(encoding_of("/small.txt", "gzip"), "identity"); /* 1024 */
	assert_string_equal(encoding_of("/just.txt", "gzip"), "gzip");      /* 1025 */
	assert_string_equal(encoding_of("/doc.md", "gzip"), "gzip");
	assert_string_equal(encoding_of("/pic.png", "gzip"), "identity");
	assert_string_equal(encoding_of("/text.txt", "gzip;q=0"), "identity");
	assert_string_equal(encoding_of("/text.txt", "br"), "identity");
	assert_string_equal(encoding_of("/text.txt", NULL), "identity");
	/* A fresh sibling wins over gzip made now. */
	struct http_reply r;
	get_ae("GET", "/site.css", "gzip", NULL, &r);
	assert_body(&r, sibling_gz, sibling_gz_len);
	reply_free(&r);
	expect_identity("/pic.png", "gzip", text, TEXT_LEN, false);
	expect_identity("/small.txt", "gzip", NULL, 0, false);
}

static void gzip_too_big_sent_as_is(void **state)
{
	struct http_reply r;

	(void)state;
	get_ae("HEAD", "/huge.txt", "gzip", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_null(reply_header(&r, "Content-Encoding"));
	assert_header(&r, "Content-Length", "8388609");
	reply_free(&r);
}

static void gzip_range_and_head(void **state)
{
	struct http_reply g, h, rr;

	(void)state;
	get_ae("GET", "/text.txt", "gzip", "Range: bytes=10-19\r\n", &rr);
	assert_int_equal(rr.status, 206);
	assert_null(reply_header(&rr, "Content-Encoding"));
	assert_body(&rr, text + 10, 10);
	get_ae("GET", "/text.txt", "gzip", NULL, &g);
	get_ae("HEAD", "/text.txt", "gzip", NULL, &h);
	assert_header(&h, "Content-Length", reply_header(&g, "Content-Length"));
	assert_header(&h, "Content-Encoding", "gzip");
	assert_header(&h, "ETag", reply_header(&g, "ETag"));
	assert_int_equal(h.body_len, 0);
	reply_free(&rr);
	reply_free(&g);
	reply_free(&h);
}

static void gzip_not_modified(void **state)
{
	struct http_reply g, id, r;
	char h[256];

	(void)state;
	get_ae("GET", "/text.txt", "gzip", NULL, &g);
	snprintf(h, sizeof(h), "If-None-Match: %s\r\n", reply_header(&g, "ETag"));
	get_ae("GET", "/text.txt", "gzip", h, &r);
	assert_int_equal(r.status, 304);
	assert_header(&r, "ETag", reply_header(&g, "ETag"));
	assert_header(&r, "Vary", "Accept-Encoding");
	reply_free(&r);
	/* The identity tag does not validate the gzip variant. */
	get_ae("GET", "/text.txt", NULL, NULL, &id);
	snprintf(h, sizeof(h), "If-None-Match: %s\r\n", reply_header(&id, "ETag"));
	get_ae("GET", "/text.txt", "gzip", h, &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Encoding", "gzip");
	reply_free(&r);
	reply_free(&id);
	reply_free(&g);
}

static void curl_compressed_on_the_fly(void **state)
{
	struct run_result rr;
	char u[128];

	(void)state;
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/text.txt", suite_srv.port);
	const char *argv[] = {"curl", "-s", "-S", "--max-time", "5", "--compressed",
			      "-w", "\n%{size_download}", u, NULL};
	assert_int_equal(harness_run(argv, NULL, HARNESS_WAIT_MS + 2000, &rr), 0);
	assert_int_equal(rr.exit_code, 0);
	assert_true(rr.out.len > TEXT_LEN);
	assert_memory_equal(rr.out.data, text, TEXT_LEN);
	/* What went over the wire was the smaller gzip body. */
	long wire = atol(rr.out.data + TEXT_LEN + 1);
	assert_true(wire > 0 && wire < TEXT_LEN);
	run_result_free(&rr);
}

#define T(f) cmocka_unit_test_setup_teardown(f, suite_setup, suite_teardown)
#define TC(f) cmocka_unit_test_setup_teardown(f, setup_compress, suite_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(sibling_gz_served),
		T(sibling_choice_by_weight),
		T(identity_variant_has_vary),
		T(stale_sibling_ignored),
		T(range_gets_identity),
		T(head_matches_get_for_variant),
		T(not_modified_per_variant),
		T(no_compression_without_flag),
		T(sibling_for_any_type),
		T(curl_compressed_sibling),
		TC(gzip_on_the_fly),
		TC(gzip_thresholds_and_types),
		TC(gzip_too_big_sent_as_is),
		TC(gzip_range_and_head),
		TC(gzip_not_modified),
		TC(curl_compressed_on_the_fly),
	};

	return cmocka_run_group_tests(tests, group_setup, suite_group_teardown);
}
