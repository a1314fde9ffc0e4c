/* mime: file name → Content-Type.
 *
 * A sorted built-in table decides first, so the common types are the same
 * on every machine; /etc/mime.types (or the file given to mime_init)
 * fills in the rest. Matching is on the last extension, case-insensitive.
 * Text types carry no charset parameter (python's behaviour). */
#ifndef HTTPD_LITE_MIME_H
#define HTTPD_LITE_MIME_H

#define MIME_DEFAULT_TYPE "application/octet-stream"
#define MIME_SYSTEM_FILE "/etc/mime.types"

/* Load extra extensions from a mime.types file (type ext ext ...; '#'
 * comments). A missing or unreadable file is not an error: only the
 * built-in table is used. Safe to call again (replaces the extra table).
 * Returns the number of extensions loaded. */
int mime_init(const char *path);

/* Release what mime_init loaded. */
void mime_free(void);

/* Never NULL; MIME_DEFAULT_TYPE when nothing matches. */
const char *mime_lookup(const char *filename);

#endif
