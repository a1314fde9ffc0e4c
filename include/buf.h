/* buf: a growable byte buffer for bodies built at request time (listings,
 * error pages). Allocation failure is sticky: once an append fails the
 * buffer is marked failed and later appends are no-ops, so callers check
 * once at the end instead of after every append. */
#ifndef HTTPD_LITE_BUF_H
#define HTTPD_LITE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	bool failed;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_append(struct buf *b, const void *data, size_t len);
void buf_append_str(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Room for up to max more bytes, to be written straight at the returned
 * pointer and then counted with buf_commit (at most max): one capacity
 * check for a whole run of small pieces (listing rows). NULL when the
 * buffer has failed. */
char *buf_prepare(struct buf *b, size_t max);
void buf_commit(struct buf *b, size_t len);
/* HTML-escape & < > (and " ' when quote is true), like python's html.escape. */
void buf_append_html(struct buf *b, const char *s, size_t len, bool quote);
/* Cursor writers, for output built where room was reserved at once
 * (buf_prepare, a fixed array): each writes at to and returns the end. */
char *buf_put(char *to, const void *s, size_t len);
/* Decimal, at most BUF_U64_MAX bytes. */
#define BUF_U64_MAX 20
char *buf_put_u64(char *to, uint64_t v);
/* buf_append_html's escaping, at most BUF_HTML_MAX_GROWTH * len bytes. */
#define BUF_HTML_MAX_GROWTH 6
char *buf_put_html(char *to, const char *s, size_t len, bool quote);
/* true when every append so far succeeded. */
bool buf_ok(const struct buf *b);

#endif
