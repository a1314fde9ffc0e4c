/* path: from a request target to a path beneath the served root.
 *
 * The security argument, which must hold without the kernel's help:
 * - the target is percent-decoded exactly once, before normalising, so a
 *   "%2e%2e" that survives decoding (it came from "%252e%252e") is a file
 *   name, never a parent reference;
 * - rel is written only by path_normalize, which emits segments that are
 *   neither empty, "." nor "..", joined by single slashes: it can neither
 *   begin with '/' nor climb, whatever the input;
 * - NUL is refused everywhere, so the C string rel is the whole path;
 * - control bytes and spaces are refused in the target, and the redirect
 *   value percent-encodes anything unusual, so nothing from the target can
 *   split a header or turn a Location into "//host" or "/\host". */
#include "path.h"

#include <stdint.h>
#include <string.h>

static int path_hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long path_percent_decode(const char *in, size_t len, char *out, size_t outsz)
{
	size_t o = 0;

	if (outsz == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '%' && len - i > 2) {
			int hi = path_hex_value((unsigned char)in[i + 1]);
			int lo = path_hex_value((unsigned char)in[i + 2]);
			if (hi >= 0 && lo >= 0) {
				c = (unsigned char)(hi * 16 + lo);
				i += 2;
			}
		}
		if (c == '\0' || o + 1 >= outsz)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return (long)o;
}

/* Length of out[0..len) without its last segment. */
static size_t path_parent_len(const char *out, size_t len)
{
	while (len > 0 && out[len - 1] != '/')
		len--;
	return len > 0 ? len - 1 : 0;
}

/* A NUL is refused here too (-1), although decoding already did: a
 * segment "..\0x" would otherwise read as ".." once rel is a C string.
 * Segments that do not fit are only counted ("lost"), so that a later
 * ".." can still cancel them: only the final result has to fit. */
long path_normalize(const char *in, size_t len, char *out, size_t outsz)
{
	size_t o = 0;
	size_t i = 0;
	size_t lost = 0;

	if (outsz == 0 || memchr(in, '\0', len))
		return -1;
	while (i < len) {
		while (i < len && in[i] == '/')
			i++;
		size_t start = i;
		while (i < len && in[i] != '/')
			i++;
		size_t n = i - start;
		if (n == 0 || (n == 1 && in[start] == '.'))
			continue;
		if (n == 2 && in[start] == '.' && in[start + 1] == '.') {
			if (lost > 0)
				lost--;
			else
				o = path_parent_len(out, o);
			continue;
		}
		if (lost > 0 || n + (o > 0) >= outsz - o) {
			lost++;
			continue;
		}
		if (o > 0)
			out[o++] = '/';
		memcpy(out + o, in + start, n);
		o += n;
	}
	if (lost > 0)
		return -1;
	out[o] = '\0';
	return (long)o;
}

/* The request-target grammar has no room for controls, DEL or spaces;
 * refusing them here keeps them out of raw and query, which end up in a
 * Location header. */
static bool path_target_clean(const char *t, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c <= 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

static bool path_has_prefix_ci(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	if (len < n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)prefix[i])
			return false;
	}
	return true;
}

/* Where the path begins: 0 for origin-form, after the authority for
 * absolute-form. Returns false for any other form ("*", "foo", ""). */
static bool path_start(const char *t, size_t len, size_t *start)
{
	size_t i;

	if (len > 0 && t[0] == '/') {
		*start = 0;
		return true;
	}
	if (path_has_prefix_ci(t, len, "http://"))
		i = strlen("http://");
	else if (path_has_prefix_ci(t, len, "https://"))
		i = strlen("https://");
	else
		return false;
	while (i < len && t[i] != '/' && t[i] != '?' && t[i] != '#')
		i++;
	*start = i;
	return true;
}

/* Index of the first a or b in t[from..len), or len. */
static size_t path_span_until(const char *t, size_t from, size_t len, char a,
			      char b)
{
	while (from < len && t[from] != a && t[from] != b)
		from++;
	return from;
}

/* Split t[start..len) into raw path and query, copying both into out. */
static enum path_status path_split(const char *t, size_t start, size_t len,
				   struct path *out)
{
	size_t end = path_span_until(t, start, len, '?', '#');

	if (end == start) {
		/* absolute-form with an empty path */
		strcpy(out->raw, "/");
	} else {
		if (end - start >= sizeof(out->raw))
			return PATH_TOO_LONG;
		memcpy(out->raw, t + start, end - start);
		out->raw[end - start] = '\0';
	}
	if (end < len && t[end] == '?') {
		size_t qend = path_span_until(t, end + 1, len, '#', '#');
		size_t qlen = qend - (end + 1);
		if (qlen >= sizeof(out->query))
			return PATH_TOO_LONG;
		memcpy(out->query, t + end + 1, qlen);
		out->query[qlen] = '\0';
		out->has_query = true;
	}
	return PATH_OK;
}

enum path_status path_from_target(const char *target, size_t len,
				  struct path *out)
{
	char decoded[PATH_MAX_LEN];
	size_t start;

	out->rel[0] = out->raw[0] = out->query[0] = '\0';
	out->has_query = false;
	out->trailing_slash = false;
	if (!path_target_clean(target, len) || !path_start(target, len, &start))
		return PATH_BAD_REQUEST;
	enum path_status st = path_split(target, start, len, out);
	if (st != PATH_OK)
		return st;
	/* raw fits PATH_MAX_LEN and decoding never grows, so -1 means NUL. */
	long n = path_percent_decode(out->raw, strlen(out->raw), decoded,
				     sizeof(decoded));
	if (n < 0)
		return PATH_BAD_REQUEST;
	out->trailing_slash = n > 0 && decoded[n - 1] == '/';
	if (path_normalize(decoded, (size_t)n, out->rel, sizeof(out->rel)) < 0)
		return PATH_TOO_LONG;
	return PATH_OK;
}

static const char path_hex_digits[] = "0123456789ABCDEF";

static void path_append_escaped(struct buf *out, unsigned char c)
{
	char esc[3] = { '%', path_hex_digits[c >> 4], path_hex_digits[c & 15] };

	buf_append(out, esc, sizeof(esc));
}

/* Copy s, %-encoding what a browser could misread in a Location: controls,
 * spaces, non-ASCII and '\' (which browsers treat as '/', so "/\evil"
 * would be protocol-relative). Our own decoding maps each escape back to
 * the same byte, so the redirect still names the same resource. */
static void path_append_location_part(struct buf *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= 0x20 || c >= 0x7f || c == '\\')
			path_append_escaped(out, c);
		else
			buf_append(out, s, 1);
	}
}

void path_redirect_location(const struct path *p, struct buf *out)
{
	const char *rest = p->raw;

	while (*rest == '/')
		rest++;
	buf_append_str(out, "/");
	if (*rest) {
		path_append_location_part(out, rest);
		buf_append_str(out, "/");
	}
	/* like python's urlunsplit, an empty query is dropped */
	if (p->has_query && p->query[0]) {
		buf_append_str(out, "?");
		path_append_location_part(out, p->query);
	}
}

static bool path_encode_safe(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-' ||
	       c == '~' || c == '/';
}

char *path_percent_encode_to(char *to, const char *name, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (path_encode_safe(c)) {
			*to++ = (char)c;
		} else {
			*to++ = '%';
			*to++ = path_hex_digits[c >> 4];
			*to++ = path_hex_digits[c & 15];
		}
	}
	return to;
}

void path_percent_encode(const char *name, size_t len, struct buf *out)
{
	char *to = buf_prepare(out, len > SIZE_MAX / 3 ? SIZE_MAX : 3 * len);
	if (to)
		buf_commit(out, (size_t)(path_percent_encode_to(to, name, len) - to));
}

enum http_status path_status_http(enum path_status ps)
{
	return ps == PATH_TOO_LONG ? HTTP_URI_TOO_LONG : HTTP_BAD_REQUEST;
}
