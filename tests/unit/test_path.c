#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "path.h"

/* struct path is 24 KiB; one shared instance keeps the stack small. */
static struct path p;

/* rel names something beneath the root: no leading '/', and no empty,
 * "." or ".." segment. */
static void assert_rel_inside(const char *rel)
{
	assert_int_not_equal(rel[0], '/');
	if (rel[0] == '\0')
		return;
	const char *seg = rel;
	for (;;) {
		const char *slash = strchr(seg, '/');
		size_t n = slash ? (size_t)(slash - seg) : strlen(seg);
		assert_true(n > 0);
		assert_false(n == 1 && seg[0] == '.');
		assert_false(n == 2 && seg[0] == '.' && seg[1] == '.');
		if (!slash)
			break;
		seg = slash + 1;
	}
}

static enum path_status run(const char *target)
{
	enum path_status st = path_from_target(target, strlen(target), &p);
	if (st == PATH_OK)
		assert_rel_inside(p.rel);
	return st;
}

static void expect_rel(const char *target, const char *rel)
{
	assert_int_equal(run(target), PATH_OK);
	assert_string_equal(p.rel, rel);
}

/* ---- path_percent_decode ---------------------------------------------- */

static long decode(const char *in, char *out, size_t outsz)
{
	return path_percent_decode(in, strlen(in), out, outsz);
}

static void test_decode_basic(void **state)
{
	char out[64];
	(void)state;
	assert_int_equal(decode("/a%20b", out, sizeof(out)), 4);
	assert_string_equal(out, "/a b");
	assert_int_equal(decode("%2F%2f", out, sizeof(out)), 2);
	assert_string_equal(out, "//");
	assert_int_equal(decode("a+b", out, sizeof(out)), 3);
	assert_string_equal(out, "a+b");
	assert_int_equal(decode("", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(decode("%c3%A9", out, sizeof(out)), 2);
	assert_string_equal(out, "\xc3\xa9");
}

static void test_decode_malformed_verbatim(void **state)
{
	char out[64];
	(void)state;
	assert_int_equal(decode("%zz", out, sizeof(out)), 3);
	assert_string_equal(out, "%zz");
	assert_int_equal(decode("a%4", out, sizeof(out)), 3);
	assert_string_equal(out, "a%4");
	assert_int_equal(decode("%", out, sizeof(out)), 1);
	assert_string_equal(out, "%");
	assert_int_equal(decode("%%41", out, sizeof(out)), 2);
	assert_string_equal(out, "%A");
	assert_int_equal(decode("%g1%1g", out, sizeof(out)), 6);
	assert_string_equal(out, "%g1%1g");
}

static void test_decode_once_only(void **state)
{
	char out[64];
	(void)state;
	assert_int_equal(decode("%252e", out, sizeof(out)), 3);
	assert_string_equal(out, "%2e");
}

static void test_decode_refuses_nul(void **state)
{
	char out[64];
	(void)state;
	assert_int_equal(decode("%00", out, sizeof(out)), -1);
	assert_int_equal(decode("a%00b", out, sizeof(out)), -1);
	assert_int_equal(path_percent_decode("a\0b", 3, out, sizeof(out)), -1);
}

static void test_decode_small_out(void **state)
{
	char out[4];
	(void)state;
	assert_int_equal(decode("abc", out, 4), 3);
	assert_int_equal(decode("abcd", out, 4), -1);
	assert_int_equal(decode("%41%42%43", out, 4), 3);
	assert_int_equal(decode("", out, 1), 0);
	assert_int_equal(decode("", out, 0), -1);
}

/* ---- path_normalize --------------------------------------------------- */

static void expect_norm(const char *in, const char *want)
{
	char out[64];
	long n = path_normalize(in, strlen(in), out, sizeof(out));
	assert_int_equal(n, (long)strlen(want));
	assert_string_equal(out, want);
}

static void test_normalize(void **state)
{
	(void)state;
	expect_norm("/", "");
	expect_norm("", "");
	expect_norm("/a/b", "a/b");
	expect_norm("/a/./b//c/", "a/b/c");
	expect_norm("/..", "");
	expect_norm("/../..", "");
	expect_norm("/a/..", "");
	expect_norm("/a/../b", "b");
	expect_norm("/a/b/../../../../x", "x");
	expect_norm("//etc/passwd", "etc/passwd");
	expect_norm("/.../x", ".../x");
	expect_norm("/..a/b..", "..a/b..");
	expect_norm("/.hidden", ".hidden");
	expect_norm("a/b", "a/b");
	expect_norm("/a\\..\\b", "a\\..\\b");
	expect_norm("/abc/def/../gh", "abc/gh");
}

static void test_normalize_small_out(void **state)
{
	char out[4];
	(void)state;
	assert_int_equal(path_normalize("/abc", 4, out, 4), 3);
	assert_string_equal(out, "abc");
	assert_int_equal(path_normalize("/abcd", 5, out, 4), -1);
	assert_int_equal(path_normalize("/a/bc", 5, out, 4), -1);
	/* only the result has to fit: ".." cancels what did not */
	assert_int_equal(path_normalize("/abcdef/../ab", 13, out, 4), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(path_normalize("/a/bcdef/gh/../../c", 19, out, 4), 3);
	assert_string_equal(out, "a/c");
	assert_int_equal(path_normalize("/a/bcdef/gh/..", 14, out, 4), -1);
	assert_int_equal(path_normalize("/", 1, out, 0), -1);
}

/* A plain model of normalising: a stack of segments. */
static long reference_normalize(const char *in, size_t len, char *out,
				size_t outsz)
{
	const char *segs[64];
	size_t lens[64];
	size_t depth = 0;
	size_t i = 0;

	while (i < len) {
		while (i < len && in[i] == '/')
			i++;
		size_t start = i;
		while (i < len && in[i] != '/')
			i++;
		size_t n = i - start;
		if (n == 0 || (n == 1 && in[start] == '.'))
			continue;
		if (n == 2 && in[start] == '.' && in[start + 1] == '.') {
			if (depth > 0)
				depth--;
			continue;
		}
		segs[depth] = in + start;
		lens[depth++] = n;
	}
	size_t o = 0;
	for (size_t d = 0; d < depth; d++) {
		if (o + (d > 0) + lens[d] >= outsz)
			return -1;
		if (d > 0)
			out[o++] = '/';
		memcpy(out + o, segs[d], lens[d]);
		o += lens[d];
	}
	out[o] = '\0';
	return (long)o;
}

static void test_normalize_matches_model(void **state)
{
	static const char alphabet[] = "/./.ab";
	char in[40], got[48], want[48];
	unsigned seed = 777;
	(void)state;

	for (int round = 0; round < 200000; round++) {
		seed = seed * 1103515245u + 12345u;
		size_t len = (seed >> 16) % sizeof(in);
		seed = seed * 1103515245u + 12345u;
		size_t outsz = 1 + (seed >> 16) % sizeof(got);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		long g = path_normalize(in, len, got, outsz);
		long w = reference_normalize(in, len, want, outsz);
		assert_int_equal(g, w);
		if (g >= 0)
			assert_string_equal(got, want);
	}
}

static void test_normalize_refuses_nul(void **state)
{
	char out[16];
	(void)state;
	assert_int_equal(path_normalize("/..\0x", 5, out, sizeof(out)), -1);
}

/* ---- path_from_target ------------------------------------------------- */

static void test_target_simple(void **state)
{
	(void)state;
	expect_rel("/", "");
	assert_true(p.trailing_slash);
	assert_string_equal(p.raw, "/");
	assert_false(p.has_query);
	assert_string_equal(p.query, "");

	expect_rel("/index.html", "index.html");
	assert_false(p.trailing_slash);
	assert_string_equal(p.raw, "/index.html");

	expect_rel("/a%20b/c%2Bd+e", "a b/c+d+e");
	assert_string_equal(p.raw, "/a%20b/c%2Bd+e");
}

static void test_target_query_fragment(void **state)
{
	(void)state;
	expect_rel("/dir?a=1&b=2", "dir");
	assert_string_equal(p.raw, "/dir");
	assert_true(p.has_query);
	assert_string_equal(p.query, "a=1&b=2");

	expect_rel("/dir?", "dir");
	assert_true(p.has_query);
	assert_string_equal(p.query, "");

	expect_rel("/dir?q#frag", "dir");
	assert_true(p.has_query);
	assert_string_equal(p.query, "q");

	/* a '#' before '?' ends the path and there is no query */
	expect_rel("/dir#frag?q", "dir");
	assert_false(p.has_query);
	assert_string_equal(p.raw, "/dir");

	/* only the first '?' splits */
	expect_rel("/a?b?c/../d", "a");
	assert_string_equal(p.query, "b?c/../d");

	/* an encoded '?' or '#' is part of the name */
	expect_rel("/a%3Fb%23c", "a?b#c");
	assert_false(p.has_query);
}

static void test_target_traversal(void **state)
{
	(void)state;
	expect_rel("/../etc/passwd", "etc/passwd");
	expect_rel("/%2e%2e/%2e%2e/etc/passwd", "etc/passwd");
	expect_rel("/%2E%2E/%2e%2E/etc/passwd", "etc/passwd");
	expect_rel("/..%2f..%2fetc/passwd", "etc/passwd");
	expect_rel("/..%2F..%2Fetc%2Fpasswd", "etc/passwd");
	expect_rel("/%252e%252e/x", "%2e%2e/x");
	expect_rel("/%c0%ae%c0%ae/x", "\xc0\xae\xc0\xae/x");
	expect_rel("/a/b/../../../../x", "x");
	expect_rel("//etc/passwd", "etc/passwd");
	expect_rel("/..", "");
	assert_false(p.trailing_slash);
	expect_rel("/../", "");
	assert_true(p.trailing_slash);
	expect_rel("/.%2e/x", "x");
	expect_rel("/a/%2e/b", "a/b");
}

static void test_target_dot_segments(void **state)
{
	(void)state;
	expect_rel("/a/./b//c/", "a/b/c");
	assert_true(p.trailing_slash);
	expect_rel("/a/b/.", "a/b");
	assert_false(p.trailing_slash);
	/* the decoded path decides trailing_slash */
	expect_rel("/a%2F", "a");
	assert_true(p.trailing_slash);
}

static void test_target_backslash_is_a_byte(void **state)
{
	(void)state;
	expect_rel("/a\\..\\b", "a\\..\\b");
	expect_rel("/a%5C..%5Cb", "a\\..\\b");
	expect_rel("/..\\..\\x", "..\\..\\x");
}

static void test_target_verbatim_bytes(void **state)
{
	(void)state;
	expect_rel("/+", "+");
	expect_rel("/a%2Fb", "a/b");
	expect_rel("/%zz", "%zz");
	expect_rel("/x%4", "x%4");
	expect_rel("/x%", "x%");
}

static void test_target_nul(void **state)
{
	(void)state;
	assert_int_equal(run("/%00"), PATH_BAD_REQUEST);
	assert_int_equal(run("/a%00b"), PATH_BAD_REQUEST);
	assert_int_equal(path_from_target("/a\0b", 4, &p), PATH_BAD_REQUEST);
	assert_int_equal(path_from_target("/a?\0", 4, &p), PATH_BAD_REQUEST);
	assert_string_equal(p.rel, "");
}

static void test_target_controls(void **state)
{
	(void)state;
	assert_int_equal(run("/a b"), PATH_BAD_REQUEST);
	assert_int_equal(run("/a\r\nSet-Cookie:x"), PATH_BAD_REQUEST);
	assert_int_equal(run("/a?x\ny"), PATH_BAD_REQUEST);
	assert_int_equal(run("/a\x7f"), PATH_BAD_REQUEST);
	assert_int_equal(run("/a\t"), PATH_BAD_REQUEST);
	/* encoded controls are file-name bytes (raw stays encoded) */
	expect_rel("/a%0d%0ab", "a\r\nb");
	assert_string_equal(p.raw, "/a%0d%0ab");
}

static void test_target_forms(void **state)
{
	(void)state;
	assert_int_equal(run("*"), PATH_BAD_REQUEST);
	assert_int_equal(run("foo"), PATH_BAD_REQUEST);
	assert_int_equal(run(""), PATH_BAD_REQUEST);
	assert_int_equal(run("?a"), PATH_BAD_REQUEST);
	assert_int_equal(run("ftp://h/x"), PATH_BAD_REQUEST);
	assert_int_equal(run("http:/x"), PATH_BAD_REQUEST);
	assert_int_equal(run("example.com:80"), PATH_BAD_REQUEST);
	assert_int_equal(path_from_target(NULL, 0, &p), PATH_BAD_REQUEST);
}

static void test_target_absolute_form(void **state)
{
	(void)state;
	expect_rel("http://h/../x", "x");
	assert_string_equal(p.raw, "/../x");

	expect_rel("HTTP://h", "");
	assert_string_equal(p.raw, "/");
	assert_true(p.trailing_slash);

	expect_rel("https://example.com:8443/a/b?q=1", "a/b");
	assert_string_equal(p.raw, "/a/b");
	assert_string_equal(p.query, "q=1");

	expect_rel("HtTpS://h?x", "");
	assert_string_equal(p.raw, "/");
	assert_true(p.has_query);
	assert_string_equal(p.query, "x");

	expect_rel("http://h#f", "");
	assert_false(p.has_query);

	expect_rel("http://user@h:1//etc/passwd", "etc/passwd");
	assert_string_equal(p.raw, "//etc/passwd");

	expect_rel("http://%2e%2e/x", "x");
}

static void test_target_too_long(void **state)
{
	(void)state;
	static char t[9001];
	memset(t, 'a', sizeof(t) - 1);
	t[0] = '/';
	t[sizeof(t) - 1] = '\0';
	assert_int_equal(run(t), PATH_TOO_LONG);

	/* the longest raw path that fits, and one more */
	t[PATH_MAX_LEN - 1] = '\0';
	assert_int_equal(run(t), PATH_OK);
	assert_int_equal(strlen(p.rel), PATH_MAX_LEN - 2);
	t[PATH_MAX_LEN - 1] = 'a';
	t[PATH_MAX_LEN] = '\0';
	assert_int_equal(run(t), PATH_TOO_LONG);

	/* a long query */
	memset(t, 'q', sizeof(t) - 1);
	t[0] = '/';
	t[1] = '?';
	t[sizeof(t) - 1] = '\0';
	assert_int_equal(run(t), PATH_TOO_LONG);
}

/* Random targets over the bytes that matter for traversal: whatever comes
 * out OK must stay inside the root. */
static void test_target_random_inside(void **state)
{
	static const char alphabet[] = "/.%2eEfF5cC\\a?#";
	char t[24];
	unsigned seed = 12345;
	(void)state;

	for (int round = 0; round < 200000; round++) {
		seed = seed * 1103515245u + 12345u;
		size_t len = 1 + (seed >> 16) % (sizeof(t) - 1);
		t[0] = '/';
		for (size_t i = 1; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			t[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		enum path_status st = path_from_target(t, len, &p);
		assert_int_equal(st, PATH_OK);
		assert_rel_inside(p.rel);
	}
}

/* ---- path_redirect_location ------------------------------------------- */

static void expect_location(const char *target, const char *want)
{
	struct buf b;
	assert_int_equal(run(target), PATH_OK);
	buf_init(&b);
	path_redirect_location(&p, &b);
	assert_true(buf_ok(&b));
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.data, want, b.len);
	buf_free(&b);
}

static void test_redirect(void **state)
{
	(void)state;
	expect_location("/dir", "/dir/");
	expect_location("/dir?a=1", "/dir/?a=1");
	expect_location("/dir?", "/dir/");
	expect_location("/a%20b", "/a%20b/");
	expect_location("/a/b#frag", "/a/b/");
	expect_location("http://h/dir?x=%2F", "/dir/?x=%2F");
	expect_location("/", "/");
	expect_location("http://h", "/");
}

static void test_redirect_never_protocol_relative(void **state)
{
	(void)state;
	expect_location("//evil.com", "/evil.com/");
	expect_location("///x", "/x/");
	expect_location("////evil.com?a", "/evil.com/?a");
	expect_location("/\\evil.com", "/%5Cevil.com/");
	expect_location("/%2F%2Fevil.com", "/%2F%2Fevil.com/");
	expect_location("/\xc3\xa9", "/%C3%A9/");
}

static void test_redirect_hostile_struct(void **state)
{
	struct buf b;
	(void)state;
	/* a struct not made by path_from_target still cannot split headers */
	memset(&p, 0, sizeof(p));
	strcpy(p.raw, "/a\r\nX: y");
	strcpy(p.query, "q\r\n");
	p.has_query = true;
	buf_init(&b);
	path_redirect_location(&p, &b);
	assert_true(buf_ok(&b));
	assert_int_equal(b.len, strlen("/a%0D%0AX:%20y/?q%0D%0A"));
	assert_memory_equal(b.data, "/a%0D%0AX:%20y/?q%0D%0A", b.len);
	buf_free(&b);
}

/* ---- path_percent_encode ---------------------------------------------- */

static void expect_encode(const char *in, size_t len, const char *want)
{
	struct buf b;
	buf_init(&b);
	path_percent_encode(in, len, &b);
	assert_true(buf_ok(&b));
	assert_int_equal(b.len, strlen(want));
	if (b.len)
		assert_memory_equal(b.data, want, b.len);
	buf_free(&b);
}

static void test_encode(void **state)
{
	(void)state;
	expect_encode("", 0, "");
	expect_encode("plain-name_1.0~x", 16, "plain-name_1.0~x");
	expect_encode("a/b c", 5, "a/b%20c");
	expect_encode("100%", 4, "100%25");
	expect_encode("a+b&c=d?e#f", 11, "a%2Bb%26c%3Dd%3Fe%23f");
	expect_encode("<\"'>", 4, "%3C%22%27%3E");
	expect_encode("\xc3\xa9", 2, "%C3%A9");
	expect_encode("\x00\x7f\xff", 3, "%00%7F%FF");
	expect_encode("\\", 1, "%5C");
	expect_encode(":;@!$*(),", 9, "%3A%3B%40%21%24%2A%28%29%2C");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_basic),
		cmocka_unit_test(test_decode_malformed_verbatim),
		cmocka_unit_test(test_decode_once_only),
		cmocka_unit_test(test_decode_refuses_nul),
		cmocka_unit_test(test_decode_small_out),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_normalize_small_out),
		cmocka_unit_test(test_normalize_matches_model),
		cmocka_unit_test(test_normalize_refuses_nul),
		cmocka_unit_test(test_target_simple),
		cmocka_unit_test(test_target_query_fragment),
		cmocka_unit_test(test_target_traversal),
		cmocka_unit_test(test_target_dot_segments),
		cmocka_unit_test(test_target_backslash_is_a_byte),
		cmocka_unit_test(test_target_verbatim_bytes),
		cmocka_unit_test(test_target_nul),
		cmocka_unit_test(test_target_controls),
		cmocka_unit_test(test_target_forms),
		cmocka_unit_test(test_target_absolute_form),
		cmocka_unit_test(test_target_too_long),
		cmocka_unit_test(test_target_random_inside),
		cmocka_unit_test(test_redirect),
		cmocka_unit_test(test_redirect_never_protocol_relative),
		cmocka_unit_test(test_redirect_hostile_struct),
		cmocka_unit_test(test_encode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
