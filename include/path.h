/* path: from a request target to a path beneath the served root.
 *
 * Pure string work, no file system access: the handler opens the result
 * relative to the root directory fd, and the kernel (openat2 with
 * RESOLVE_BENEATH) is the second wall. Everything here must hold for
 * hostile input on its own. */
#ifndef HTTPD_LITE_PATH_H
#define HTTPD_LITE_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "http.h"

/* Room for the longest target the request layer accepts (8 KiB, longer
 * is 414 there) plus a terminator: decoding never makes it longer. */
#define PATH_MAX_LEN (8192 + 1)

enum path_status {
	PATH_OK = 0,
	PATH_BAD_REQUEST, /* NUL byte, not origin-form / absolute-form */
	PATH_TOO_LONG,    /* does not fit PATH_MAX_LEN */
};

struct path {
	/* Decoded, normalised, relative to the root: no leading '/', no
	 * empty, "." or ".." segments; "" is the root itself. */
	char rel[PATH_MAX_LEN];
	/* The raw (still percent-encoded) path part of the target, without
	 * query or fragment; for absolute-form targets, the part after the
	 * authority. Always begins with '/'. Used for redirects. */
	char raw[PATH_MAX_LEN];
	/* The query, without the '?', "" when absent; kept for redirects. */
	char query[PATH_MAX_LEN];
	bool has_query;
	/* The decoded path ended in '/' (python: trailing_slash). */
	bool trailing_slash;
};

/* Percent-decode in[0..len) once into out (NUL-terminated). Malformed
 * escapes ("%zz", "%4") stay as they are, like python's unquote. A "%00"
 * (or a raw NUL) is refused: returns -1. Returns -1 too when out (size
 * outsz, room for the terminator included) is too small. Else the
 * decoded length. '+' stays '+'. */
long path_percent_decode(const char *in, size_t len, char *out, size_t outsz);

/* Normalise a decoded absolute path: split on '/', drop empty and "."
 * segments, ".." removes the previous segment and never climbs above the
 * root. Writes the relative result (see struct path.rel). Returns its
 * length, or -1 if out is too small. */
long path_normalize(const char *in, size_t len, char *out, size_t outsz);

/* The whole job: target (as received, not NUL-terminated) → *out. */
enum path_status path_from_target(const char *target, size_t len,
				  struct path *out);

/* Append the Location value for the "directory without trailing slash"
 * redirect: raw path + '/' (+ '?' query). A leading run of slashes is
 * collapsed to one so that the value can never be read as a
 * protocol-relative URL ("//evil.example/"). */
void path_redirect_location(const struct path *p, struct buf *out);

/* Percent-encode name for use in an href, like python's
 * urllib.parse.quote(name) with safe='/': keep A-Z a-z 0-9 "_.-~/",
 * encode every other byte as %XX (upper-case hex). */
void path_percent_encode(const char *name, size_t len, struct buf *out);
/* The same, written at to (room for 3 * len bytes); returns the end. */
char *path_percent_encode_to(char *to, const char *name, size_t len);

/* The status a target that does not parse is answered with: 414 when it
 * is too long, else 400. */
enum http_status path_status_http(enum path_status ps);

#endif
