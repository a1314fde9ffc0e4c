#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->failed = false;
}

void buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

static bool buf_reserve(struct buf *b, size_t extra)
{
	if (b->failed)
		return false;
	if (extra <= b->cap - b->len)
		return true;
	size_t want = b->len + extra;
	if (want < b->len) {
		b->failed = true;
		return false;
	}
	size_t cap = b->cap ? b->cap : 1024;
	while (cap < want) {
		if (cap > ((size_t)-1) / 2) {
			cap = want;
			break;
		}
		cap *= 2;
	}
	char *p = realloc(b->data, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void buf_append(struct buf *b, const void *data, size_t len)
{
	if (len == 0 || !buf_reserve(b, len))
		return;
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

char *buf_prepare(struct buf *b, size_t max)
{
	return buf_reserve(b, max) ? b->data + b->len : NULL;
}

void buf_commit(struct buf *b, size_t len)
{
	b->len += len;
}

void buf_append_str(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	/* +1 for the terminator vsnprintf insists on writing. */
	if (!buf_reserve(b, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *buf_put(char *to, const void *s, size_t len)
{
	memcpy(to, s, len);
	return to + len;
}

char *buf_put_u64(char *to, uint64_t v)
{
	char digits[BUF_U64_MAX];
	size_t n = sizeof(digits);
	do {
		digits[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return buf_put(to, digits + n, sizeof(digits) - n);
}

char *buf_put_html(char *to, const char *s, size_t len, bool quote)
{
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '&': to = buf_put(to, "&amp;", 5); break;
		case '<': to = buf_put(to, "&lt;", 4); break;
		case '>': to = buf_put(to, "&gt;", 4); break;
		case '"': to = quote ? buf_put(to, "&quot;", 6) : buf_put(to, s + i, 1); break;
		case '\'': to = quote ? buf_put(to, "&#x27;", 6) : buf_put(to, s + i, 1); break;
		default: *to++ = s[i]; break;
		}
	}
	return to;
}

void buf_append_html(struct buf *b, const char *s, size_t len, bool quote)
{
	char *to = buf_prepare(b, len > SIZE_MAX / BUF_HTML_MAX_GROWTH ? SIZE_MAX
								    : BUF_HTML_MAX_GROWTH * len);
	if (to)
		buf_commit(b, (size_t)(buf_put_html(to, s, len, quote) - to));
}

bool buf_ok(const struct buf *b)
{
	return !b->failed;
}
