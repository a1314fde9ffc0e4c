/* multipart_check: a strict reader of multipart/byteranges bodies for the
 * range tests (ours, and the nginx comparison). Header-only, static
 * inline, so a test that uses part of it does not warn. Include after
 * harness.h. */
#ifndef HTTPD_LITE_TEST_MULTIPART_CHECK_H
#define HTTPD_LITE_TEST_MULTIPART_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct byterange_part {
	uint64_t first, last, size; /* from the part's Content-Range */
	char type[256];             /* its Content-Type, "" when none */
	const char *data;           /* into the response body */
	size_t len;
};

#define MULTIPART_MAX_PARTS 32

/* "bytes A-B/S" into the numbers; 0, or -1 if it is not that. */
static inline int multipart_content_range(const char *v, uint64_t *a, uint64_t *b, uint64_t *s)
{
	int n = 0;
	if (sscanf(v, "bytes %" SCNu64 "-%" SCNu64 "/%" SCNu64 "%n", a, b, s, &n) != 3 ||
	    v[n] != '\0')
		return -1;
	return 0;
}

/* The part fields between *p and the blank line. */
static inline const char *multipart_part_fields(const char *p, const char *end, struct byterange_part *part)
{
	part->type[0] = '\0';
	bool have_range = false;
	for (;;) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (!eol)
			return NULL;
		if (eol == p)
			return have_range ? p + 2 : NULL;
		char line[256];
		size_t len = (size_t)(eol - p);
		if (len >= sizeof(line))
			return NULL;
		memcpy(line, p, len);
		line[len] = '\0';
		if (strncasecmp(line, "Content-Type: ", 14) == 0) {
			snprintf(part->type, sizeof(part->type), "%s", line + 14);
		} else if (strncasecmp(line, "Content-Range: ", 15) == 0) {
			if (multipart_content_range(line + 15, &part->first, &part->last, &part->size) < 0)
				return NULL;
			have_range = true;
		} else {
			return NULL;
		}
		p = eol + 2;
	}
}

/* Split a multipart/byteranges body strictly: the boundary from the
 * Content-Type, each part exactly as long as its Content-Range says and
 * followed by CRLF and the next delimiter, a closing delimiter, and
 * nothing after it but an optional CRLF. Returns the number of parts,
 * or -1 (with a message on stderr) if the body is not that. */
static inline int multipart_parse(const struct http_reply *r, struct byterange_part *parts, int max)
{
	const char *ct = reply_header(r, "Content-Type");
	const char *bpos = ct ? strstr(ct, "boundary=") : NULL;
	char delim[128];
	if (!ct || strncmp(ct, "multipart/byteranges; ", 22) != 0 || !bpos) {
		fprintf(stderr, "not multipart/byteranges: %s\n", ct ? ct : "(none)");
		return -1;
	}
	int dl = snprintf(delim, sizeof(delim), "--%s", bpos + 9);
	const char *p = r->body, *end = r->body + r->body_len;
	/* Preamble: nothing, or the CRLF that ends it. */
	if (end - p >= 2 && memcmp(p, "\r\n", 2) == 0)
		p += 2;
	int n = 0;
	for (;;) {
		if (end - p < dl + 2 || memcmp(p, delim, (size_t)dl) != 0)
			break;
		p += dl;
		if (memcmp(p, "--", 2) == 0) {
			p += 2;
			if (end - p == 2 && memcmp(p, "\r\n", 2) == 0)
				p += 2;
			if (p != end)
				break;
			return n;
		}
		if (memcmp(p, "\r\n", 2) != 0 || n == max)
			break;
		struct byterange_part *part = &parts[n++];
		p = multipart_part_fields(p + 2, end, part);
		if (!p)
			break;
		part->data = p;
		part->len = (size_t)(part->last - part->first + 1);
		if ((size_t)(end - p) < part->len + 2)
			break;
		p += part->len;
		if (memcmp(p, "\r\n", 2) != 0)
			break;
		p += 2;
	}
	fprintf(stderr, "malformed multipart body at offset %td of %zu\n", p - r->body,
		r->body_len);
	return -1;
}

#endif
