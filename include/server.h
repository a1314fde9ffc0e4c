/* server: the parent process. It accepts connections on the listener and
 * forks one child per connection; it never reads a request itself. */
#ifndef HTTPD_LITE_SERVER_H
#define HTTPD_LITE_SERVER_H

#include "config.h"
#include "listener.h"

/* Runs until SIGINT or SIGTERM, then lets the children finish (bounded
 * grace) and returns the process exit status. */
int server_run(const struct config *cfg, struct listener *l);

/* --inetd: serve the one connection on stdin/stdout, then return the
 * exit status. */
int server_serve_inetd(const struct config *cfg);

#endif
