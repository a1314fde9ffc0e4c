/* server: the parent process. It accepts connections on the listener and
 * forks one child per connection; it never reads a request itself. */
#ifndef HTTPD_LITE_SERVER_H
#define HTTPD_LITE_SERVER_H

#include "listener.h"
#include "site.h"

/* Drops privileges (site.h), then runs until SIGINT or SIGTERM, lets the
 * children finish (bounded grace), frees the site and returns the process
 * exit status. */
int server_run(struct site *site, struct listener *l);

#endif
