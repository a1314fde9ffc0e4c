/* upload: receiving files with PUT (--upload).
 *
 * A PUT names a file in a directory that already exists beneath the
 * root. The target is resolved as for reads (path.c, then root.c's wall;
 * symlinks leaving the root are refused even with --follow-symlinks), and
 * everything that can be known from the head is checked before the body
 * is read and before 100 Continue: authentication, the name, the size,
 * the directory, whether the name is taken, and room on the disk when the
 * size is announced.
 *
 * The body streams into a file without a name (O_TMPFILE) in the target's
 * directory, which vanishes by itself whatever happens to the connection
 * or the process. Once the body is complete and fsync'ed it gets its name
 * with linkat(), which fails when the name exists (409), so two clients
 * racing for one name cannot both win and nothing is replaced by surprise;
 * --overwrite replaces with renameat() instead, atomically (readers of the
 * old file keep its bytes). Where O_TMPFILE cannot be had or cannot be
 * linked (file systems without it; after --chroot --user: no /proc, no
 * CAP_DAC_READ_SEARCH) the file has a hidden temporary name beginning with
 * UPLOAD_TEMP_PREFIX, which listings never show and GET never serves, and
 * which every failure path unlinks. */
#ifndef HTTPD_LITE_UPLOAD_H
#define HTTPD_LITE_UPLOAD_H

#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "path.h"
#include "request.h"
#include "response.h"
#include "site.h"

/* Names beginning with this are ours while a file is being received. */
#define UPLOAD_TEMP_PREFIX ".httpd-lite-upload."
/* The prefix, then pid, a count and 64 random bits in hex. */
#define UPLOAD_TEMP_MAX (sizeof(UPLOAD_TEMP_PREFIX) + 48)

/* One connection's upload; at most one at a time. */
struct upload {
	const struct site *site;
	int dir_fd;             /* the target's directory; -1: no upload */
	int fd;                 /* the file being written, -1: none */
	bool named;             /* fd has the name temp (no usable O_TMPFILE) */
	bool via_proc;          /* link the O_TMPFILE through /proc/self/fd */
	char name[NAME_MAX + 1];          /* the target, in dir_fd */
	char temp[UPLOAD_TEMP_MAX];       /* the temporary name, when named */
	char rel[PATH_MAX_LEN];           /* the target beneath the root */
	uint64_t received;
	uint64_t limit;         /* --max-upload */
	unsigned serial;        /* temporary names made by this process */
};

/* Once per connection: PUT bodies of req go to u when --upload is on
 * (else req keeps answering PUT with 405). */
void upload_attach(struct upload *u, const struct site *site, struct request *req);

/* The request's complete body is in: fsync, name it, and plan the answer
 * (201 Created with Location, 200 when --overwrite replaced a file, or
 * the error). */
void upload_finish(struct upload *u, struct response *resp);

/* Drop what was received (no trace left on disk); a no-op when there is
 * no upload. Every way a request can end early comes here. */
void upload_abort(struct upload *u);

/* name is (or rel's last segment is) an upload's temporary name: never
 * listed, never served. */
bool upload_is_temp_name(const char *name);
bool upload_is_temp_path(const char *rel);

/* The listing's upload control: a script that adds it (no JavaScript: no
 * control, the listing as without --upload). Static text. */
const char *upload_listing_html(void);

/* --upload on an address others can reach, without --auth or
 * --auth-file: one warning on stderr. */
void upload_warn_if_exposed(const struct config *cfg, const struct sockaddr_storage *bound);

#endif
