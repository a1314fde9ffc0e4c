/* range: the Range request header (RFC 9110 14.1-14.2) against a
 * representation of a known size, and If-Range (13.1.5). Pure: no I/O.
 *
 * A Range header is a request, never an obligation: whatever we cannot
 * or will not serve as parts falls back to the whole representation
 * (200). Only a well-formed request none of whose ranges overlaps the
 * file is refused (416). */
#ifndef HTTPD_LITE_RANGE_H
#define HTTPD_LITE_RANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* More range-specs than this in one header: the whole file (nginx's
 * answer to "bytes=0-0,1-1,2-2,..." amplification). */
#define RANGE_MAX 16

struct range {
	uint64_t first, last; /* inclusive, last < size */
};

struct range_set {
	struct range r[RANGE_MAX];
	unsigned n;
};

enum range_result {
	RANGE_IGNORE,        /* no usable Range: send the whole file (200) */
	RANGE_PARTIAL,       /* set->n ranges, in request order (206) */
	RANGE_UNSATISFIABLE, /* 416 with Content-Range: bytes *\/size */
};

/* Parse the value of a Range header for a representation of size bytes.
 * Syntax errors, other units, an empty file, more than RANGE_MAX specs,
 * or ranges adding up to more than size (overlap, "bytes=0-,0-") give
 * RANGE_IGNORE. Numbers too big for 64 bits saturate, which is exact
 * here: they only ever compare as "past the end". */
enum range_result range_parse(const char *value, uint64_t size, struct range_set *set);

/* If-Range (RFC 9110 13.1.5): true when the Range may be honoured. An
 * entity-tag must match etag by strong comparison (a weak tag never
 * does); an HTTP-date must equal mtime exactly and mtime must be a strong
 * validator, i.e. at least a second older than now (8.8.2.2). Anything
 * else is false: the client gets the whole, current file. */
bool range_if_range_holds(const char *if_range, const char *etag, time_t mtime, time_t now);

#endif
