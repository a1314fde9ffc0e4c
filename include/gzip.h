/* gzip: a file compressed on the fly, into memory, with zlib.
 *
 * The whole body is made before the head is sent, because the head must
 * say its Content-Length; so the size is capped and the work is cut off
 * as soon as the output stops being worth it (no smaller than the
 * input). Memory: the output (less than the input), one read chunk and
 * zlib's own state (about 256 KiB at the settings used). */
#ifndef HTTPD_LITE_GZIP_H
#define HTTPD_LITE_GZIP_H

#include <stdint.h>

#include "buf.h"

/* --compress: only files over GZIP_MIN_INPUT (smaller ones gain
 * little and cost a syscall's worth of CPU) and up to GZIP_MAX_INPUT
 * (larger ones are sent as they are). */
#define GZIP_MIN_INPUT 1024u
#define GZIP_MAX_INPUT (8u * 1024 * 1024)

/* Compress the first size bytes of fd (read with pread from offset 0)
 * into out, appended, as one gzip member with no name and mtime 0, so a
 * file always compresses to the same bytes. Returns 0, or -1 when the
 * file holds fewer than size bytes now, reading or zlib fails, memory
 * runs out, size exceeds GZIP_MAX_INPUT, or the result would not be
 * smaller than size; out may then hold a partial result. */
int gzip_file(int fd, uint64_t size, struct buf *out);

#endif
