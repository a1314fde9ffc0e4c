/* mime: file name → Content-Type.
 *
 * A sorted built-in table decides first, so the common types are the same
 * on every machine; /etc/mime.types (or the file given to mime_load)
 * fills in the rest. Matching is on the last extension, case-insensitive.
 * Text types carry no charset parameter (python's behaviour). */
#ifndef HTTPD_LITE_MIME_H
#define HTTPD_LITE_MIME_H

#define MIME_DEFAULT_TYPE "application/octet-stream"
#define MIME_SYSTEM_FILE "/etc/mime.types"

#include <stdbool.h>
#include <stddef.h>

/* The extensions a mime.types file adds to the built-in table. */
struct mime_table {
	struct mime_entry *extra; /* sorted by extension */
	size_t len;
	char *pool;               /* the strings extra points into */
};

/* Load extra extensions from a mime.types file (type ext ext ...; '#'
 * comments) into t (zeroed, or loaded before: replaced). A missing or
 * unreadable file is not an error: only the built-in table is used.
 * Returns the number of extensions loaded. */
int mime_load(struct mime_table *t, const char *path);

/* Release what mime_load loaded; t is empty again. */
void mime_free(struct mime_table *t);

/* Never NULL; MIME_DEFAULT_TYPE when nothing matches. t NULL: the
 * built-in table only. */
const char *mime_lookup(const struct mime_table *t, const char *filename);

/* Entry i of the built-in table (extension without the dot, lower case;
 * its type), in table order; false past the end. For tests and tools. */
bool mime_builtin_entry(size_t i, const char **ext, const char **type);

#endif
