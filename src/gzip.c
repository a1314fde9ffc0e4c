/* gzip.c: see gzip.h. */
#include "gzip.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define GZIP_CHUNK 65536
#define GZIP_LEVEL 6        /* zlib's default: most of the gain, little cost */
#define GZIP_WINDOW (15 + 16) /* 32 KiB window, gzip wrapper */
#define GZIP_MEMLEVEL 8

/* pread that retries EINTR; 0 at end of file. */
static ssize_t read_at(int fd, void *dst, size_t len, off_t off)
{
	for (;;) {
		ssize_t n = pread(fd, dst, len, off);
		if (n >= 0 || errno != EINTR)
			return n;
	}
}

/* Run deflate over what z holds, appending its output to out; -1 when
 * zlib fails or out has grown to limit. */
static int drain(z_stream *z, int flush, struct buf *out, size_t limit)
{
	unsigned char chunk[GZIP_CHUNK];
	int rc;
	do {
		z->next_out = chunk;
		z->avail_out = sizeof(chunk);
		rc = deflate(z, flush);
		if (rc == Z_STREAM_ERROR)
			return -1;
		size_t made = sizeof(chunk) - z->avail_out;
		if (made >= limit - out->len)
			return -1; /* as big as the input: not worth it */
		buf_append(out, chunk, made);
		if (!buf_ok(out))
			return -1;
	} while (z->avail_out == 0);
	return flush == Z_FINISH && rc != Z_STREAM_END ? -1 : 0;
}

static int compress_fd(z_stream *z, int fd, uint64_t size, struct buf *out)
{
	static unsigned char in[GZIP_CHUNK];
	size_t limit = out->len + (size_t)size;
	uint64_t off = 0;
	while (off < size) {
		size_t want = size - off < sizeof(in) ? (size_t)(size - off) : sizeof(in);
		ssize_t n = read_at(fd, in, want, (off_t)off);
		if (n <= 0)
			return -1; /* error, or the file shrank */
		off += (uint64_t)n;
		z->next_in = in;
		z->avail_in = (uInt)n;
		if (drain(z, off < size ? Z_NO_FLUSH : Z_FINISH, out, limit) < 0)
			return -1;
	}
	return 0;
}

int gzip_file(int fd, uint64_t size, struct buf *out)
{
	if (size == 0 || size > GZIP_MAX_INPUT)
		return -1;
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, GZIP_LEVEL, Z_DEFLATED, GZIP_WINDOW, GZIP_MEMLEVEL,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	int rc = compress_fd(&z, fd, size, out);
	deflateEnd(&z);
	return rc;
}
