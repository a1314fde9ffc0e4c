/* listener: the one listening socket, socket() → setsockopt() → bind() →
 * listen(). Every client connection is later accept()ed from it. */
#ifndef HTTPD_LITE_LISTENER_H
#define HTTPD_LITE_LISTENER_H

#include <stdbool.h>
#include <sys/socket.h>

#include "config.h"
#include "netif.h"

struct listener {
	int fd;
	struct sockaddr_storage addr; /* what we are bound to, from getsockname */
	bool inherited;               /* passed by systemd (socket activation) */
};

/* Adopts the socket systemd passed (LISTEN_PID/LISTEN_FDS), or else
 * opens, binds and listens as cfg says, or prints one line and exits
 * (EXIT_USAGE for an address that does not parse, EXIT_RUNTIME when the
 * system refuses, e.g. the port is in use). The fd is non-blocking and
 * close-on-exec. */
void listener_open(const struct config *cfg, struct listener *l);

/* python's start-up line on stdout,
 * "Serving HTTP on :: port 8000 (http://[::]:8000/) ..." (HTTPS, https
 * when tls), then the URLs a person can open (netif.h), flushed. lan_url
 * gets the one to hand to another machine ("" when there is none). */
void listener_announce(const struct listener *l, bool tls, char lan_url[NETIF_URL_MAX]);

#endif
