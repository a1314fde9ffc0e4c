/* Unit: on-the-fly gzip (gzip.c), checked by inflating the result. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "gzip.h"

/* A memfd holding len bytes of data. */
static int memfile(const void *data, size_t len)
{
	int fd = memfd_create("gzip-test", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	return fd;
}

/* Text that compresses well: numbered lines. */
static char *text(size_t len)
{
	char *t = malloc(len);
	assert_non_null(t);
	for (size_t i = 0; i < len; i++)
		t[i] = (i % 64 == 63) ? '\n' : (char)('a' + (i / 64 + i) % 26);
	return t;
}

/* Inflate a gzip member; the decoded length, or -1. */
static long inflate_all(const struct buf *gz, char *out, size_t cap)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (unsigned char *)gz->data;
	z.avail_in = (uInt)gz->len;
	z.next_out = (unsigned char *)out;
	z.avail_out = (uInt)cap;
	int rc = inflate(&z, Z_FINISH);
	long n = rc == Z_STREAM_END && z.avail_in == 0 ? (long)z.total_out : -1;
	inflateEnd(&z);
	return n;
}

static void roundtrip(size_t len)
{
	char *t = text(len), *back = malloc(len + 1);
	struct buf gz;
	int fd = memfile(t, len);

	assert_non_null(back);
	buf_init(&gz);
	assert_int_equal(gzip_file(fd, len, &gz), 0);
	assert_true(gz.len < len);
	assert_int_equal(inflate_all(&gz, back, len + 1), (long)len);
	assert_memory_equal(back, t, len);
	buf_free(&gz);
	close(fd);
	free(back);
	free(t);
}

static void test_roundtrip_sizes(void **state)
{
	(void)state;
	roundtrip(1025);
	roundtrip(65536);       /* exactly one read chunk */
	roundtrip(65537);
	roundtrip(3 * 1024 * 1024 + 7);
}

/* The same file gives the same bytes: no name, mtime 0 in the header. */
static void test_deterministic_header(void **state)
{
	char *t = text(5000);
	struct buf a, b;
	int fd = memfile(t, 5000);

	(void)state;
	buf_init(&a);
	buf_init(&b);
	assert_int_equal(gzip_file(fd, 5000, &a), 0);
	assert_int_equal(gzip_file(fd, 5000, &b), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	assert_int_equal((unsigned char)a.data[0], 0x1f);
	assert_int_equal((unsigned char)a.data[1], 0x8b);
	assert_int_equal(a.data[2], 8);          /* deflate */
	assert_int_equal(a.data[3], 0);          /* no FNAME, no extras */
	assert_memory_equal(a.data + 4, "\0\0\0\0", 4); /* MTIME 0 */
	buf_free(&a);
	buf_free(&b);
	close(fd);
	free(t);
}

static void test_appends(void **state)
{
	char *t = text(4096), back[4096 + 1];
	struct buf gz;
	int fd = memfile(t, 4096);

	(void)state;
	buf_init(&gz);
	buf_append_str(&gz, "xyz");
	assert_int_equal(gzip_file(fd, 4096, &gz), 0);
	assert_memory_equal(gz.data, "xyz", 3);
	struct buf rest = {gz.data + 3, gz.len - 3, gz.len - 3, false};
	assert_int_equal(inflate_all(&rest, back, sizeof(back)), 4096);
	buf_free(&gz);
	close(fd);
	free(t);
}

/* The file is shorter than promised: it shrank since the stat. */
static void test_shrunk_file_fails(void **state)
{
	char *t = text(4096);
	struct buf gz;
	int fd = memfile(t, 4096);

	(void)state;
	buf_init(&gz);
	assert_int_equal(gzip_file(fd, 8192, &gz), -1);
	buf_free(&gz);
	close(fd);
	free(t);
}

/* Random bytes do not get smaller: not worth sending gzipped. */
static void test_incompressible_fails(void **state)
{
	size_t len = 200000;
	unsigned char *r = malloc(len);
	uint32_t x = 2463534242u;
	struct buf gz;

	(void)state;
	assert_non_null(r);
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		r[i] = (unsigned char)x;
	}
	int fd = memfile(r, len);
	buf_init(&gz);
	assert_int_equal(gzip_file(fd, len, &gz), -1);
	assert_true(gz.len < len); /* memory stayed bounded by the input */
	buf_free(&gz);
	close(fd);
	free(r);
}

static void test_size_limits(void **state)
{
	struct buf gz;
	int fd = memfile("", 0);

	(void)state;
	buf_init(&gz);
	assert_int_equal(gzip_file(fd, 0, &gz), -1);
	assert_int_equal(gzip_file(fd, (uint64_t)GZIP_MAX_INPUT + 1, &gz), -1);
	assert_int_equal(gz.len, 0); /* refused before reading */
	assert_int_equal(gzip_file(-1, 5000, &gz), -1);
	buf_free(&gz);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_sizes),
		cmocka_unit_test(test_deterministic_header),
		cmocka_unit_test(test_appends),
		cmocka_unit_test(test_shrunk_file_fails),
		cmocka_unit_test(test_incompressible_fails),
		cmocka_unit_test(test_size_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
