/* range.c: see range.h. The grammar (RFC 9110 14.1.1):
 *
 *   ranges-specifier = "bytes" "=" range-set      ; unit case-insensitive
 *   range-set        = 1#range-spec               ; OWS "," OWS, empty ok
 *   range-spec       = first-pos "-" [ last-pos ] / "-" suffix-length
 *
 * No whitespace around "=" or "-". The policy on top, so that a small
 * request never turns into a big answer: at most RANGE_MAX specs, and
 * the parts together no longer than the file; otherwise the whole file
 * is sent once (nginx does the same). */
#include "range.h"

#include <string.h>
#include <strings.h>

#include "httpdate.h"
#include "validate.h"

struct spec {
	bool suffix;   /* "-N" */
	bool has_last; /* "A-B" rather than "A-" */
	uint64_t first, last;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* 1*DIGIT at *p into *out, saturating at UINT64_MAX. */
static bool scan_number(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	if (!is_digit(*s))
		return false;
	for (; is_digit(*s); s++) {
		unsigned d = (unsigned)(*s - '0');
		v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
	}
	*p = s;
	*out = v;
	return true;
}

/* One range-spec at *p; false on a syntax error (or "B < A"). */
static bool scan_spec(const char **p, struct spec *s)
{
	memset(s, 0, sizeof(*s));
	if (**p == '-') {
		(*p)++;
		s->suffix = true;
		return scan_number(p, &s->last);
	}
	if (!scan_number(p, &s->first) || **p != '-')
		return false;
	(*p)++;
	s->has_last = scan_number(p, &s->last);
	return !s->has_last || s->last >= s->first;
}

/* The spec as bytes of a size-byte file; false when none of it is in
 * the file (unsatisfiable, to be skipped). size > 0. */
static bool resolve(const struct spec *s, uint64_t size, struct range *r)
{
	if (s->suffix) {
		if (s->last == 0)
			return false;
		r->first = s->last >= size ? 0 : size - s->last;
		r->last = size - 1;
		return true;
	}
	if (s->first >= size)
		return false;
	r->first = s->first;
	r->last = s->has_last && s->last < size ? s->last : size - 1;
	return true;
}

static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* The range-set after "bytes=": syntax, count and total length. */
static enum range_result parse_set(const char *p, uint64_t size, struct range_set *set)
{
	unsigned specs = 0;
	uint64_t total = 0;
	for (;;) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		struct spec s;
		if (!scan_spec(&p, &s))
			return RANGE_IGNORE;
		p = skip_ows(p);
		if (*p != ',' && *p != '\0')
			return RANGE_IGNORE;
		if (++specs > RANGE_MAX)
			return RANGE_IGNORE;
		struct range *r = &set->r[set->n];
		if (!resolve(&s, size, r))
			continue;
		uint64_t len = r->last - r->first + 1;
		if (len > size - total)
			return RANGE_IGNORE; /* more than the file: send it once */
		total += len;
		set->n++;
	}
	if (specs == 0)
		return RANGE_IGNORE; /* "bytes=" */
	return set->n ? RANGE_PARTIAL : RANGE_UNSATISFIABLE;
}

enum range_result range_parse(const char *value, uint64_t size, struct range_set *set)
{
	set->n = 0;
	if (!value || strncasecmp(value, "bytes=", 6) != 0)
		return RANGE_IGNORE; /* another unit, or "bytes =" */
	/* A zero-length file has no byte to point at, and no Content-Range
	 * that could describe a part of it: send it whole (empty). */
	if (size == 0)
		return RANGE_IGNORE;
	enum range_result res = parse_set(value + 6, size, set);
	if (res != RANGE_PARTIAL)
		set->n = 0;
	return res;
}

bool range_if_range_holds(const char *if_range, const char *etag, time_t mtime, time_t now)
{
	const char *v = skip_ows(if_range);
	if (v[0] == '"' || (v[0] == 'W' && v[1] == '/'))
		return validate_etag_strong_eq(v, etag);
	time_t t;
	if (httpdate_parse(v, strlen(v), &t) < 0)
		return false;
	return t == mtime && now - mtime >= 1;
}
