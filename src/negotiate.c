/* negotiate.c: see negotiate.h. One element scanner and one qvalue
 * reader serve both headers, so they cannot disagree about a weight. */
#include "negotiate.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "http.h"

#define WEIGHT_UNSET (NEGOTIATE_Q_MAX + 1u) /* above any qvalue */

/* One list element: its name and weight, or q < 0 when malformed. */
struct element {
	const char *name;
	size_t len;
	int q;
};

static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* qvalue at *p in thousandths, or -1 if malformed. */
static int scan_qvalue(const char **p)
{
	const char *s = *p;
	if (*s != '0' && *s != '1')
		return -1;
	int q = (*s++ - '0') * NEGOTIATE_Q_MAX;
	if (*s == '.') {
		s++;
		int scale = 100;
		for (int i = 0; i < 3 && *s >= '0' && *s <= '9'; i++, s++, scale /= 10)
			q += (*s - '0') * scale;
	}
	if (q > NEGOTIATE_Q_MAX || (*s >= '0' && *s <= '9'))
		return -1;
	*p = s;
	return q;
}

/* A media range or coding: tchars, and '/' between type and subtype. */
static const char *scan_name(const char *p, bool media)
{
	while (http_is_tchar((unsigned char)*p) || (media && *p == '/'))
		p++;
	return p;
}

/* A parameter value other than q: a token or a quoted-string. */
static const char *scan_value(const char *p)
{
	if (*p != '"')
		return scan_name(p, false);
	for (p++; *p && *p != '"'; p++)
		if (*p == '\\' && p[1])
			p++;
	return *p == '"' ? p + 1 : p;
}

/* The parameters after a name; false when malformed. */
static bool scan_params(const char **pp, bool others_allowed, int *q)
{
	const char *p = skip_ows(*pp);
	while (*p == ';') {
		p = skip_ows(p + 1);
		if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			p += 2;
			if ((*q = scan_qvalue(&p)) < 0)
				return false;
		} else {
			const char *key = p;
			p = scan_name(p, false);
			if (!others_allowed || p == key || *p != '=')
				return false;
			p = scan_value(p + 1);
		}
		p = skip_ows(p);
	}
	*pp = p;
	return true;
}

/* The next element from *pp, which moves past it; false at the end. */
static bool next_element(const char **pp, bool media, struct element *e)
{
	const char *p = *pp;
	while (*p == ',' || *p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return false;
	e->name = p;
	p = scan_name(p, media);
	e->len = (size_t)(p - e->name);
	e->q = NEGOTIATE_Q_MAX;
	bool ok = scan_params(&p, media, &e->q) && e->len > 0 && (*p == ',' || !*p);
	if (!ok)
		e->q = -1;
	*pp = p + strcspn(p, ",");
	return true;
}

static bool named(const struct element *e, const char *name)
{
	size_t n = strlen(name);
	return e->len == n && strncasecmp(e->name, name, n) == 0;
}

int negotiate_media_weight(const char *accept, const char *type)
{
	struct element e;
	const char *p = accept ? accept : "";
	while (next_element(&p, true, &e))
		if (e.q >= 0 && named(&e, type))
			return e.q;
	return -1;
}

void negotiate_encodings(const char *value, struct negotiate_encodings *acc)
{
	unsigned br = WEIGHT_UNSET, gzip = WEIGHT_UNSET, star = WEIGHT_UNSET;
	struct element e;
	const char *p = value ? value : "";
	while (next_element(&p, false, &e)) {
		if (e.q < 0)
			continue;
		if (named(&e, "br"))
			br = (unsigned)e.q;
		else if (named(&e, "gzip") || named(&e, "x-gzip"))
			gzip = (unsigned)e.q;
		else if (named(&e, "*"))
			star = (unsigned)e.q;
	}
	if (star == WEIGHT_UNSET)
		star = 0;
	acc->br = br == WEIGHT_UNSET ? star : br;
	acc->gzip = gzip == WEIGHT_UNSET ? star : gzip;
}

bool negotiate_compressible(const char *content_type)
{
	static const char *const types[] = {
		"text/html",       "text/css",        "text/javascript",
		"application/javascript", "application/json", "image/svg+xml",
		"text/plain",      "text/xml",        "application/xml",
		"text/markdown",
	};
	if (!content_type)
		return false;
	size_t len = strcspn(content_type, "; \t");
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i]) == len && strncasecmp(content_type, types[i], len) == 0)
			return true;
	return false;
}
