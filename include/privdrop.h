/* privdrop: --chroot and --user, so that a compromised child holds
 * nothing worth having: no file outside the served directory, no root. */
#ifndef HTTPD_LITE_PRIVDROP_H
#define HTTPD_LITE_PRIVDROP_H

#include "config.h"

/* Call once in the parent, after binding and after everything that
 * needs the outside world is loaded (mime.types, the auth file, time
 * zone). --chroot: chroot to the directory open at root_fd (which stays
 * valid). --user NAME: that user's supplementary groups, gid and uid,
 * then a check that root cannot be regained. Neither flag: nothing.
 * Not root, an unknown user, or --user root: one line, exit EXIT_USAGE;
 * a failing system call: one line, exit EXIT_RUNTIME. */
void privdrop_apply(const struct config *cfg, int root_fd);

#endif
