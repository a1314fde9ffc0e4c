/* root: the served directory, and opening paths beneath it.
 *
 * This is the wall between a request and the rest of the file system:
 * every file the server sends is opened here, relative to the root's fd,
 * with the kernel checking that resolution never leaves the root. */
#ifndef HTTPD_LITE_ROOT_H
#define HTTPD_LITE_ROOT_H

#include <stdbool.h>

struct root {
	int fd;               /* the served directory, O_DIRECTORY */
	bool follow_symlinks; /* allow symlinks that resolve outside */
};

/* Open rel ("" for the root itself; never absolute, no "..": path.c
 * made sure) read-only, non-blocking (a FIFO must not stall us) and
 * close-on-exec. Returns the fd, or -1 with errno: ENOENT, ENOTDIR,
 * EACCES, or EXDEV / ELOOP when resolution would leave the root. */
int root_open(const struct root *r, const char *rel);

#endif
