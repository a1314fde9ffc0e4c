/* Integration: ETag and conditional requests (RFC 9110 8.8, 13) against
 * the real binary: the strong ETag and what changes it, If-None-Match
 * round trips (raw and with curl's --etag-save / --etag-compare), 304
 * heads, If-Match and If-Unmodified-Since (412), and the precedence of
 * If-None-Match over If-Modified-Since. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

/* The current ETag of target, into out. */
static void etag_of(const char *target, char *out, size_t size)
{
	struct http_reply r;

	assert_rc_ok(client_request(suite_srv.port, "GET", target, NULL, &r));
	assert_int_equal(r.status, 200);
	assert_non_null(reply_header(&r, "ETag"));
	snprintf(out, size, "%s", reply_header(&r, "ETag"));
	reply_free(&r);
}

/* Status of GET target with one extra header line "name: value". */
static int status_with(const char *method, const char *target, const char *name,
		       const char *value)
{
	struct http_reply r;
	char h[1024];
	int status;

	snprintf(h, sizeof(h), "%s: %s\r\n", name, value);
	assert_rc_ok(client_request(suite_srv.port, method, target, h, &r));
	status = r.status;
	reply_free(&r);
	return status;
}

/* ---- the ETag --------------------------------------------------------------- */

/* "<inode>-<size>-<mtime sec>.<nsec>" in hex, from the file's own stat. */
static void etag_from_inode_size_mtime(void **state)
{
	char path[512], want[128], got[128];
	struct stat st;

	(void)state;
	assert_int_equal(fixture_set_mtime(&suite_fx, "frac.txt", OLD_MTIME, 700000000), 0);
	fixture_path(&suite_fx, "frac.txt", path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	snprintf(want, sizeof(want), "\"%llx-%llx-%llx.%lx\"", (unsigned long long)st.st_ino,
		 (unsigned long long)st.st_size, (unsigned long long)st.st_mtim.tv_sec,
		 (unsigned long)st.st_mtim.tv_nsec);
	etag_of("/frac.txt", got, sizeof(got));
	assert_string_equal(got, want);
	assert_string_equal(want + strlen(want) - 10, ".29b92700\""); /* the 0.7 s */
}

static void etag_stable_and_changes_with_file(void **state)
{
	char a[128], b[128], c[128], d[128];

	(void)state;
	assert_int_equal(fixture_write_str(&suite_fx, "change.txt", "one\n"), 0);
	assert_int_equal(fixture_set_mtime(&suite_fx, "change.txt", OLD_MTIME, 0), 0);
	etag_of("/change.txt", a, sizeof(a));
	etag_of("/change.txt", b, sizeof(b));
	assert_string_equal(a, b);
	/* One nanosecond later, same size: another ETag. */
	assert_int_equal(fixture_set_mtime(&suite_fx, "change.txt", OLD_MTIME, 1), 0);
	etag_of("/change.txt", c, sizeof(c));
	assert_string_not_equal(a, c);
	/* Same mtime, other size. */
	assert_int_equal(fixture_write_str(&suite_fx, "change.txt", "three\n"), 0);
	assert_int_equal(fixture_set_mtime(&suite_fx, "change.txt", OLD_MTIME, 1), 0);
	etag_of("/change.txt", d, sizeof(d));
	assert_string_not_equal(c, d);
	/* The listing has none. */
	struct http_reply r;
	assert_rc_ok(client_request(suite_srv.port, "GET", "/dir/", NULL, &r));
	assert_null(reply_header(&r, "ETag"));
	reply_free(&r);
}

/* ---- If-None-Match ------------------------------------------------------------- */

/* GET, then GET with If-None-Match: 304 with the validators and no body,
 * on the same connection, which must stay usable. */
static void if_none_match_round_trip(void **state)
{
	struct client c;
	struct http_reply r, nm, next;
	char h[256];

	(void)state;
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send_request(&c, "GET", "/hello.txt", NULL));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, 200);
	snprintf(h, sizeof(h), "If-None-Match: %s\r\n", reply_header(&r, "ETag"));
	assert_rc_ok(client_send_request(&c, "GET", "/hello.txt", h));
	assert_rc_ok(client_read_reply(&c, &nm, false));
	assert_int_equal(nm.status, 304);
	assert_string_equal(nm.reason, "Not Modified");
	assert_header(&nm, "ETag", reply_header(&r, "ETag"));
	assert_header(&nm, "Last-Modified", reply_header(&r, "Last-Modified"));
	assert_header_match(&nm, "Date", IMF_FIXDATE_RE);
	assert_null(reply_header(&nm, "Content-Length"));
	assert_null(reply_header(&nm, "Content-Type"));
	assert_int_equal(nm.body_len, 0);
	assert_rc_ok(client_send_request(&c, "GET", "/hello.txt", "Connection: close\r\n"));
	assert_rc_ok(client_read_reply(&c, &next, false));
	assert_int_equal(next.status, 200);
	assert_body_str(&next, HELLO_BODY);
	reply_free(&r);
	reply_free(&nm);
	reply_free(&next);
	client_close(&c);
}

static void if_none_match_lists_star_weak(void **state)
{
	char etag[128], v[512];

	(void)state;
	etag_of("/hello.txt", etag, sizeof(etag));
	snprintf(v, sizeof(v), "\"a\", %s, \"b\"", etag);
	assert_int_equal(status_with("GET", "/hello.txt", "If-None-Match", v), 304);
	snprintf(v, sizeof(v), "W/%s", etag); /* weak comparison */
	assert_int_equal(status_with("GET", "/hello.txt", "If-None-Match", v), 304);
	assert_int_equal(status_with("GET", "/hello.txt", "If-None-Match", "*"), 304);
	assert_int_equal(status_with("HEAD", "/hello.txt", "If-None-Match", "*"), 304);
	assert_int_equal(status_with("GET", "/hello.txt", "If-None-Match", "\"a\", \"b\""), 200);
	snprintf(v, sizeof(v), "%.*s\"", (int)strlen(etag) - 2, etag); /* one char short */
	assert_int_equal(status_with("GET", "/hello.txt", "If-None-Match", v), 200);
	/* The index behind a directory has validators too. */
	etag_of("/withindex/", etag, sizeof(etag));
	assert_int_equal(status_with("GET", "/withindex/", "If-None-Match", etag), 304);
}

static void if_none_match_beats_if_modified_since(void **state)
{
	struct http_reply r;
	char etag[128], h[512];

	(void)state;
	etag_of("/old.txt", etag, sizeof(etag));
	/* A matching If-Modified-Since is ignored when If-None-Match does not
	 * match... */
	assert_rc_ok(client_request(suite_srv.port, "GET", "/old.txt",
		   "If-None-Match: \"other\"\r\n"
		   "If-Modified-Since: Sun, 09 Sep 2001 01:46:40 GMT\r\n", &r));
	assert_int_equal(r.status, 200);
	reply_free(&r);
	/* ...and a failing one when it does. */
	snprintf(h, sizeof(h), "If-None-Match: %s\r\n"
		 "If-Modified-Since: Sat, 08 Sep 2001 00:00:00 GMT\r\n", etag);
	assert_rc_ok(client_request(suite_srv.port, "GET", "/old.txt", h, &r));
	assert_int_equal(r.status, 304);
	reply_free(&r);
}

/* curl keeps the ETag in a file and sends it back: 304, nothing saved. */
static void curl_etag_save_compare(void **state)
{
	struct run_result rr;
	char u[128], etags[512], out[512];

	(void)state;
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/hello.txt", suite_srv.port);
	fixture_side_path(&suite_fx, "etags.txt", etags, sizeof(etags));
	fixture_side_path(&suite_fx, "curl-out.txt", out, sizeof(out));
	const char *save[] = {"curl", "-s", "-S", "--max-time", "5", "--etag-save", etags,
			      "-o", out, "-w", "%{http_code}", u, NULL};
	assert_int_equal(harness_run(save, NULL, HARNESS_WAIT_MS + 2000, &rr), 0);
	assert_int_equal(rr.exit_code, 0);
	assert_string_equal(rr.out.data, "200");
	run_result_free(&rr);
	const char *compare[] = {"curl", "-s", "-S", "--max-time", "5", "--etag-compare", etags,
				 "-o", "/dev/null", "-w", "%{http_code}", u, NULL};
	assert_int_equal(harness_run(compare, NULL, HARNESS_WAIT_MS + 2000, &rr), 0);
	assert_int_equal(rr.exit_code, 0);
	assert_string_equal(rr.out.data, "304");
	run_result_free(&rr);
	unlink(etags);
	unlink(out);
}

/* ---- If-Match, If-Unmodified-Since: 412 ------------------------------------------ */

static void if_match_412(void **state)
{
	struct http_reply r;
	char etag[128], weak[140];

	(void)state;
	etag_of("/hello.txt", etag, sizeof(etag));
	snprintf(weak, sizeof(weak), "W/%s", etag);
	assert_int_equal(status_with("GET", "/hello.txt", "If-Match", etag), 200);
	assert_int_equal(status_with("GET", "/hello.txt", "If-Match", "*"), 200);
	assert_int_equal(status_with("GET", "/hello.txt", "If-Match", weak), 412);
	assert_rc_ok(client_request(suite_srv.port, "GET", "/hello.txt", "If-Match: \"stale\"\r\n", &r));
	assert_int_equal(r.status, 412);
	assert_string_equal(r.reason, "Precondition Failed");
	assert_contains(r.body, r.body_len, "<p>Error code: 412</p>");
	reply_free(&r);
	/* If-Match is evaluated before If-None-Match. */
	assert_rc_ok(client_request(suite_srv.port, "GET", "/hello.txt",
		   "If-Match: \"stale\"\r\nIf-None-Match: *\r\n", &r));
	assert_int_equal(r.status, 412);
	reply_free(&r);
}

static void if_unmodified_since_412(void **state)
{
	(void)state;
	assert_int_equal(status_with("GET", "/old.txt", "If-Unmodified-Since",
				     "Sun, 09 Sep 2001 01:46:40 GMT"), 200);
	assert_int_equal(status_with("GET", "/old.txt", "If-Unmodified-Since",
				     "Sun, 09 Sep 2001 01:46:39 GMT"), 412);
	assert_int_equal(status_with("GET", "/old.txt", "If-Unmodified-Since", "garbage"), 200);
	/* Ignored under If-Match. */
	char etag[128], h[512];
	struct http_reply r;
	etag_of("/old.txt", etag, sizeof(etag));
	snprintf(h, sizeof(h), "If-Match: %s\r\nIf-Unmodified-Since: Sat, 01 Jan 2000 00:00:00 GMT\r\n",
		 etag);
	assert_rc_ok(client_request(suite_srv.port, "GET", "/old.txt", h, &r));
	assert_int_equal(r.status, 200);
	reply_free(&r);
}

/* Preconditions come before Range: a 304 wins over a 206. */
static void not_modified_before_range(void **state)
{
	struct http_reply r;
	char etag[128], h[512];

	(void)state;
	etag_of("/big.bin", etag, sizeof(etag));
	snprintf(h, sizeof(h), "If-None-Match: %s\r\nRange: bytes=0-9\r\n", etag);
	assert_rc_ok(client_request(suite_srv.port, "GET", "/big.bin", h, &r));
	assert_int_equal(r.status, 304);
	assert_null(reply_header(&r, "Content-Range"));
	reply_free(&r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, suite_setup, suite_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(etag_from_inode_size_mtime),
		T(etag_stable_and_changes_with_file),
		T(if_none_match_round_trip),
		T(if_none_match_lists_star_weak),
		T(if_none_match_beats_if_modified_since),
		T(curl_etag_save_compare),
		T(if_match_412),
		T(if_unmodified_since_412),
		T(not_modified_before_range),
	};

	return cmocka_run_group_tests(tests, suite_group_setup, suite_group_teardown);
}
