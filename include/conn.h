/* conn: one client connection, served by its own child process from the
 * first byte to the close: read, parse (llhttp), answer, keep-alive,
 * pipelining, timeouts. */
#ifndef HTTPD_LITE_CONN_H
#define HTTPD_LITE_CONN_H

#include <stdbool.h>
#include <sys/socket.h>

#include "site.h"

struct conn_info {
	int fd;                        /* the accepted socket (read side) */
	int out_fd;                    /* where answers go: fd, except for
	                                  --inetd over pipes (stdin/stdout) */
	bool is_socket;                /* false only for --inetd over pipes */
	struct sockaddr_storage peer;  /* the client's end of the pair */
	struct sockaddr_storage local; /* ours: same port as the listener */
};

/* Serve the connection until it ends, then close it. Returns the exit
 * status for the child. */
int conn_serve(const struct site *site, const struct conn_info *ci);

#endif
