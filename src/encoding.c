/* encoding.c: see encoding.h.
 *
 *   Accept-Encoding = #( codings [ weight ] )
 *   weight          = OWS ";" OWS "q=" qvalue
 *   qvalue          = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
#include "encoding.h"
#include "http.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#define WEIGHT_UNSET 1001u /* above any qvalue */


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
	int q = (*s++ - '0') * 1000;
	if (*s == '.') {
		s++;
		int scale = 100;
		for (int i = 0; i < 3 && *s >= '0' && *s <= '9'; i++, s++, scale /= 10)
			q += (*s - '0') * scale;
	}
	if (q > 1000)
		return -1;
	*p = s;
	return q;
}

/* ";q=..." after a coding; 1000 without one, -1 if malformed. */
static int scan_weight(const char **p)
{
	const char *s = skip_ows(*p);
	if (*s != ';') {
		*p = s;
		return 1000;
	}
	s = skip_ows(s + 1);
	if ((s[0] != 'q' && s[0] != 'Q') || s[1] != '=')
		return -1;
	s += 2;
	int q = scan_qvalue(&s);
	*p = skip_ows(s);
	return q;
}

struct weights {
	unsigned br, gzip, star;
};

static void record(struct weights *w, const char *name, size_t len, unsigned q)
{
	if (len == 2 && strncasecmp(name, "br", 2) == 0)
		w->br = q;
	else if ((len == 4 && strncasecmp(name, "gzip", 4) == 0) ||
		 (len == 6 && strncasecmp(name, "x-gzip", 6) == 0))
		w->gzip = q;
	else if (len == 1 && name[0] == '*')
		w->star = q;
}

/* Past the current element, to the next ',' or the end. */
static const char *skip_element(const char *p)
{
	while (*p && *p != ',')
		p++;
	return p;
}

void encoding_parse_accept(const char *value, struct encoding_accept *acc)
{
	struct weights w = {WEIGHT_UNSET, WEIGHT_UNSET, WEIGHT_UNSET};
	const char *p = value ? value : "";
	for (;;) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		const char *name = p;
		while (http_is_tchar((unsigned char)*p))
			p++;
		size_t len = (size_t)(p - name);
		int q = scan_weight(&p);
		if (len > 0 && q >= 0 && (*p == ',' || *p == '\0'))
			record(&w, name, len, (unsigned)q);
		p = skip_element(p);
	}
	unsigned star = w.star == WEIGHT_UNSET ? 0 : w.star;
	acc->br = w.br == WEIGHT_UNSET ? star : w.br;
	acc->gzip = w.gzip == WEIGHT_UNSET ? star : w.gzip;
}

bool encoding_compressible(const char *content_type)
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
