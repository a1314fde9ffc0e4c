/* inetd: --inetd, one connection that someone else accepted (inetd,
 * xinetd, systemd Accept=yes, socat EXEC), on stdin and stdout. There is
 * no listener and no parent loop: the same child code serves it. */
#ifndef HTTPD_LITE_INETD_H
#define HTTPD_LITE_INETD_H

#include "site.h"

/* Serve the connection on fd 0 (and 1 over pipes), then free the site
 * and return the exit status. */
int inetd_serve(struct site *site);

#endif
