/* site: everything a request needs that does not change from one request
 * to the next, built once at start-up (before the first fork, before a
 * chroot) and passed down read-only: the accepting server and --inetd
 * build it the same way, and no module keeps a private copy.
 *
 * The log is the one exception: it stays process-wide in log.c, because a
 * process has one log, and start-up errors are reported before a site
 * exists. */
#ifndef HTTPD_LITE_SITE_H
#define HTTPD_LITE_SITE_H

#include "auth.h"
#include "buf.h"
#include "config.h"
#include "mime.h"
#include "response.h"
#include "root.h"

struct tls_server;

struct site {
	const struct config *cfg;
	struct root root;              /* the served directory and its wall */
	struct auth auth;              /* --auth, --auth-file; .on false: open */
	struct mime_table mime;        /* what /etc/mime.types adds */
	struct response_extras extras; /* --cors, --isolate, --header, --cache */
	struct tls_server *tls;        /* NULL: plain HTTP */
	/* --qr: the listing's QR element (listing_qr_html), NUL-terminated;
	 * empty: none.
	 * Made after binding, as the URL needs the port (-p 0). */
	struct buf listing_qr;
};

/* The log, the time zone, the root, the MIME table, the users, the
 * response extras and the TLS context, in that order. Any failure is one
 * line on stderr and exit (EXIT_USAGE or EXIT_RUNTIME). */
void site_open(struct site *site, const struct config *cfg);

/* --chroot and --user: last, once nothing more is needed from outside
 * the root (after binding, in the server). */
void site_drop_privileges(const struct site *site);

/* Free everything (clean exit, so leak checkers see nothing). */
void site_close(struct site *site);

#endif
