/* json_check: a small, strict JSON reader for the tests of the JSON
 * listing (tests/unit/test_dirlist.c, tests/integration/test_listing.c).
 *
 * It reads only the shape httpd-lite emits -- an array of flat objects
 * whose values are strings or integers -- and is strict about it: whatever
 * it accepts is valid RFC 8259 JSON that also meets I-JSON (RFC 7493):
 * strings are valid UTF-8 with no raw control character, \u escapes never
 * leave a surrogate unpaired, keys are unique, numbers have no leading
 * zero, and nothing follows the array but whitespace. It shares no code
 * with the server, so the server's escaping cannot fool it.
 *
 * Header-only (static inline) so that both test binaries can use it
 * without a Makefile rule of their own. */
#ifndef HTTPD_LITE_TEST_JSON_CHECK_H
#define HTTPD_LITE_TEST_JSON_CHECK_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_FIELDS 8
#define JSON_KEY_MAX 32
#define JSON_ERROR_MAX 160

struct json_value {
	char key[JSON_KEY_MAX];
	bool is_string;
	char *str; /* decoded UTF-8, NUL-terminated (may hold U+0000 as 00) */
	size_t len;
	long long num;
};

struct json_object {
	size_t nfields;
	struct json_value fields[JSON_MAX_FIELDS];
};

struct json_array {
	size_t count;
	struct json_object *objects;
	char error[JSON_ERROR_MAX]; /* why parsing failed, with the offset */
};

struct json_cursor {
	const unsigned char *start, *p, *end;
	struct json_array *out;
};

static inline int json_fail(struct json_cursor *c, const char *why)
{
	snprintf(c->out->error, sizeof(c->out->error), "%s at byte %zu", why,
		 (size_t)(c->p - c->start));
	return -1;
}

static inline void json_skip_ws(struct json_cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
				 *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static inline bool json_eat(struct json_cursor *c, char ch)
{
	json_skip_ws(c);
	if (c->p < c->end && *c->p == (unsigned char)ch) {
		c->p++;
		return true;
	}
	return false;
}

/* One UTF-8 sequence at s: its code point and length, or 0 when it is not
 * the shortest form of a Unicode scalar value (RFC 3629). */
static inline size_t json_utf8_decode(const unsigned char *s, size_t left,
				      uint32_t *cp)
{
	size_t n;
	uint32_t v, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		n = 2, v = s[0] & 0x1F, min = 0x80;
	} else if ((s[0] & 0xF0) == 0xE0) {
		n = 3, v = s[0] & 0x0F, min = 0x800;
	} else if ((s[0] & 0xF8) == 0xF0) {
		n = 4, v = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

static inline void json_utf8_encode(uint32_t cp, char *out, size_t *len)
{
	if (cp < 0x80) {
		out[(*len)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*len)++] = (char)(0xC0 | (cp >> 6));
		out[(*len)++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		out[(*len)++] = (char)(0xE0 | (cp >> 12));
		out[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[(*len)++] = (char)(0x80 | (cp & 0x3F));
	} else {
		out[(*len)++] = (char)(0xF0 | (cp >> 18));
		out[(*len)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[(*len)++] = (char)(0x80 | (cp & 0x3F));
	}
}

static inline int json_hex4(struct json_cursor *c, uint32_t *v)
{
	*v = 0;
	if (c->end - c->p < 4)
		return json_fail(c, "short \\u escape");
	for (int i = 0; i < 4; i++) {
		unsigned char h = *c->p++;
		int d = h >= '0' && h <= '9'   ? h - '0'
			: h >= 'a' && h <= 'f' ? h - 'a' + 10
			: h >= 'A' && h <= 'F' ? h - 'A' + 10
					       : -1;
		if (d < 0)
			return json_fail(c, "bad hex digit in \\u escape");
		*v = (*v << 4) | (uint32_t)d;
	}
	return 0;
}

/* After the backslash of "\uXXXX": a code point, surrogates paired. */
static inline int json_unicode_escape(struct json_cursor *c, uint32_t *cp)
{
	uint32_t lo;

	if (json_hex4(c, cp) != 0)
		return -1;
	if (*cp >= 0xDC00 && *cp <= 0xDFFF)
		return json_fail(c, "lone low surrogate escape");
	if (*cp < 0xD800 || *cp > 0xDBFF)
		return 0;
	if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u')
		return json_fail(c, "high surrogate escape not followed by \\u");
	c->p += 2;
	if (json_hex4(c, &lo) != 0)
		return -1;
	if (lo < 0xDC00 || lo > 0xDFFF)
		return json_fail(c, "high surrogate escape without a low one");
	*cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
	return 0;
}

static inline int json_escape(struct json_cursor *c, char *out, size_t *len)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	uint32_t cp;

	if (c->p >= c->end)
		return json_fail(c, "string ends in a backslash");
	unsigned char e = *c->p++;
	if (e == 'u') {
		if (json_unicode_escape(c, &cp) != 0)
			return -1;
		json_utf8_encode(cp, out, len);
		return 0;
	}
	const char *at = e ? strchr(from, e) : NULL;
	if (!at)
		return json_fail(c, "unknown escape");
	out[(*len)++] = to[at - from];
	return 0;
}

/* A string; the decoded bytes go to a malloc'd *str (caller frees). */
static inline int json_string(struct json_cursor *c, char **str, size_t *slen)
{
	if (!json_eat(c, '"'))
		return json_fail(c, "expected a string");
	/* Decoding never makes a string longer than its source. */
	char *out = malloc((size_t)(c->end - c->p) + 1);
	size_t len = 0;
	if (!out)
		return json_fail(c, "out of memory");
	for (;;) {
		uint32_t cp;
		if (c->p >= c->end) {
			free(out);
			return json_fail(c, "unterminated string");
		}
		if (*c->p == '"')
			break;
		if (*c->p == '\\') {
			c->p++;
			if (json_escape(c, out, &len) != 0) {
				free(out);
				return -1;
			}
			continue;
		}
		if (*c->p < 0x20) {
			free(out);
			return json_fail(c, "raw control character in a string");
		}
		size_t n = json_utf8_decode(c->p, (size_t)(c->end - c->p), &cp);
		if (n == 0) {
			free(out);
			return json_fail(c, "invalid UTF-8 in a string");
		}
		memcpy(out + len, c->p, n);
		len += n;
		c->p += n;
	}
	c->p++;
	out[len] = '\0';
	*str = out;
	*slen = len;
	return 0;
}

/* An integer: -?(0|[1-9][0-9]*), nothing fractional (sizes are whole). */
static inline int json_integer(struct json_cursor *c, long long *v)
{
	bool neg = false;
	unsigned long long u = 0;

	json_skip_ws(c);
	if (c->p < c->end && *c->p == '-') {
		neg = true;
		c->p++;
	}
	if (c->p >= c->end || *c->p < '0' || *c->p > '9')
		return json_fail(c, "expected a string or an integer");
	if (*c->p == '0' && c->p + 1 < c->end && c->p[1] >= '0' && c->p[1] <= '9')
		return json_fail(c, "leading zero");
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		if (u > (ULLONG_MAX - 9) / 10)
			return json_fail(c, "integer too large");
		u = u * 10 + (unsigned)(*c->p++ - '0');
	}
	if (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E'))
		return json_fail(c, "not an integer");
	if (u > (unsigned long long)LLONG_MAX)
		return json_fail(c, "integer too large");
	*v = neg ? -(long long)u : (long long)u;
	return 0;
}

static inline void json_object_free(struct json_object *o)
{
	for (size_t i = 0; i < o->nfields; i++)
		free(o->fields[i].str);
	o->nfields = 0;
}

static inline int json_member(struct json_cursor *c, struct json_object *o)
{
	char *key;
	size_t klen;

	if (o->nfields == JSON_MAX_FIELDS)
		return json_fail(c, "too many fields");
	if (json_string(c, &key, &klen) != 0)
		return -1;
	if (klen == 0 || klen >= JSON_KEY_MAX || memchr(key, '\0', klen)) {
		free(key);
		return json_fail(c, "unexpected key");
	}
	for (size_t i = 0; i < o->nfields; i++) {
		if (strcmp(o->fields[i].key, key) == 0) {
			free(key);
			return json_fail(c, "duplicate key");
		}
	}
	struct json_value *v = &o->fields[o->nfields];
	memset(v, 0, sizeof(*v));
	memcpy(v->key, key, klen + 1);
	free(key);
	if (!json_eat(c, ':'))
		return json_fail(c, "expected ':'");
	json_skip_ws(c);
	if (c->p < c->end && *c->p == '"') {
		if (json_string(c, &v->str, &v->len) != 0)
			return -1;
		v->is_string = true;
	} else if (json_integer(c, &v->num) != 0) {
		return -1;
	}
	o->nfields++;
	return 0;
}

static inline int json_object(struct json_cursor *c, struct json_object *o)
{
	o->nfields = 0;
	if (!json_eat(c, '{'))
		return json_fail(c, "expected '{'");
	if (json_eat(c, '}'))
		return 0;
	do {
		if (json_member(c, o) != 0)
			return -1;
	} while (json_eat(c, ','));
	if (!json_eat(c, '}'))
		return json_fail(c, "expected ',' or '}'");
	return 0;
}

static inline void json_array_free(struct json_array *a)
{
	for (size_t i = 0; i < a->count; i++)
		json_object_free(&a->objects[i]);
	free(a->objects);
	a->objects = NULL;
	a->count = 0;
}

static inline int json_next_object(struct json_cursor *c, struct json_array *a,
				   size_t *cap)
{
	if (a->count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct json_object *o = realloc(a->objects, ncap * sizeof(*o));
		if (!o)
			return json_fail(c, "out of memory");
		a->objects = o;
		*cap = ncap;
	}
	struct json_object *o = &a->objects[a->count];
	int rc = json_object(c, o);
	/* Count it either way, so that json_array_free frees its fields. */
	a->count++;
	return rc;
}

/* Parse text[0..len) as `[ {..}, ... ]`. 0, or -1 with out->error set
 * (and out emptied). */
static inline int json_parse_array(const char *text, size_t len,
				   struct json_array *out)
{
	struct json_cursor c = {(const unsigned char *)text,
				(const unsigned char *)text,
				(const unsigned char *)text + len, out};
	size_t cap = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!json_eat(&c, '['))
		rc = json_fail(&c, "expected '['");
	else if (!json_eat(&c, ']')) {
		do
			rc = json_next_object(&c, out, &cap);
		while (rc == 0 && json_eat(&c, ','));
		if (rc == 0 && !json_eat(&c, ']'))
			rc = json_fail(&c, "expected ',' or ']'");
	}
	json_skip_ws(&c);
	if (rc == 0 && c.p != c.end)
		rc = json_fail(&c, "garbage after the array");
	if (rc != 0) {
		char why[JSON_ERROR_MAX];
		memcpy(why, out->error, sizeof(why));
		json_array_free(out);
		memcpy(out->error, why, sizeof(why));
	}
	return rc;
}

/* The field named key, or NULL. */
static inline const struct json_value *json_get(const struct json_object *o,
						const char *key)
{
	for (size_t i = 0; i < o->nfields; i++)
		if (strcmp(o->fields[i].key, key) == 0)
			return &o->fields[i];
	return NULL;
}

#endif
