/* validate.c: see validate.h. Entity-tags are compared as the octets
 * between and including the quotes; "W/" only says how much a match
 * means (RFC 9110 8.8.3). */
#include "validate.h"

#include <string.h>

#include "httpdate.h"

static char *validate_put_hex(char *p, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char digits[16];
	size_t n = sizeof(digits);
	do {
		digits[--n] = hex[v & 15];
		v >>= 4;
	} while (v);
	memcpy(p, digits + n, sizeof(digits) - n);
	return p + (sizeof(digits) - n);
}

/* W/"<16 hex>-<16 hex>-<16 hex>.<16 hex>" and its terminator, before any
 * suffix: the most the four numbers can take. */
#define VALIDATE_ETAG_WIDEST (sizeof("W/\"") - 1 + 4 * 16 + 3 + sizeof("\""))

/* Written by hand, not with snprintf: it is made for every file served. */
void validate_etag_format(char out[VALIDATE_ETAG_MAX], uint64_t inode, uint64_t size,
			  int64_t mtime_sec, long mtime_nsec, const char *suffix, bool weak)
{
	size_t suffix_len = suffix ? strlen(suffix) : 0;
	if (suffix_len + 1 > VALIDATE_ETAG_MAX - VALIDATE_ETAG_WIDEST) {
		out[0] = '\0';
		return;
	}
	char *p = out;
	if (weak) {
		memcpy(p, "W/", 2);
		p += 2;
	}
	*p++ = '"';
	p = validate_put_hex(p, inode);
	*p++ = '-';
	p = validate_put_hex(p, size);
	*p++ = '-';
	p = validate_put_hex(p, (uint64_t)mtime_sec);
	*p++ = '.';
	p = validate_put_hex(p, (unsigned long)mtime_nsec);
	if (suffix) {
		*p++ = '-';
		memcpy(p, suffix, suffix_len);
		p += suffix_len;
	}
	*p++ = '"';
	*p = '\0';
}

/* etagc = %x21 / %x23-7E / obs-text */
static bool is_etagc(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c != 0x7f);
}

struct etag {
	bool weak;
	const char *opaque; /* from the opening quote to the closing one */
	size_t len;
};

/* One entity-tag at the start of s; the bytes it takes, 0 if there is
 * none. */
static size_t etag_scan(const char *s, struct etag *t)
{
	size_t i = 0;
	t->weak = s[0] == 'W' && s[1] == '/';
	if (t->weak)
		i = 2;
	if (s[i] != '"')
		return 0;
	size_t start = i++;
	while (is_etagc((unsigned char)s[i]))
		i++;
	if (s[i] != '"')
		return 0;
	i++;
	t->opaque = s + start;
	t->len = i - start;
	return i;
}

/* s is exactly one entity-tag. */
static bool etag_parse_whole(const char *s, struct etag *t)
{
	size_t n = etag_scan(s, t);
	return n > 0 && s[n] == '\0';
}

static bool opaque_eq(const struct etag *a, const struct etag *b)
{
	return a->len == b->len && memcmp(a->opaque, b->opaque, a->len) == 0;
}

static bool etags_eq(const struct etag *a, const struct etag *b, bool weak)
{
	return opaque_eq(a, b) && (weak || (!a->weak && !b->weak));
}

bool validate_etag_strong_eq(const char *a, const char *b)
{
	struct etag ta, tb;
	return etag_parse_whole(a, &ta) && etag_parse_whole(b, &tb) && etags_eq(&ta, &tb, false);
}

bool validate_etag_weak_eq(const char *a, const char *b)
{
	struct etag ta, tb;
	return etag_parse_whole(a, &ta) && etag_parse_whole(b, &tb) && etags_eq(&ta, &tb, true);
}

static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* "*" as the whole value (after OWS): the list grammar has no place
 * for it among tags. */
static bool is_star(const char *list)
{
	const char *p = skip_ows(list);
	return p[0] == '*' && *skip_ows(p + 1) == '\0';
}

bool validate_list_matches(const char *list, const char *etag, bool weak)
{
	struct etag current, t;
	if (is_star(list))
		return true;
	if (!etag_parse_whole(etag, &current))
		return false;
	bool found = false;
	const char *p = list;
	for (;;) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++; /* empty list elements are allowed (RFC 9110 5.6.1) */
		if (*p == '\0')
			return found;
		size_t n = etag_scan(p, &t);
		if (n == 0)
			return false;
		found = found || etags_eq(&t, &current, weak);
		p = skip_ows(p + n);
		if (*p != ',' && *p != '\0')
			return false;
	}
}

/* A date that parses, or false: then the header is ignored. */
static bool header_date(const char *value, time_t *t)
{
	return value && httpdate_parse(value, strlen(value), t) == 0;
}

enum http_status validate_preconditions(const struct validate_request *req,
					const char *etag, time_t mtime)
{
	time_t t;
	if (req->if_match) {
		if (!validate_list_matches(req->if_match, etag, false))
			return HTTP_PRECONDITION_FAILED;
	} else if (header_date(req->if_unmodified_since, &t) && mtime > t) {
		return HTTP_PRECONDITION_FAILED;
	}
	if (req->if_none_match) {
		if (validate_list_matches(req->if_none_match, etag, true))
			return req->get_or_head ? HTTP_NOT_MODIFIED : HTTP_PRECONDITION_FAILED;
	} else if (req->get_or_head && header_date(req->if_modified_since, &t) && mtime <= t) {
		return HTTP_NOT_MODIFIED;
	}
	return HTTP_OK;
}
