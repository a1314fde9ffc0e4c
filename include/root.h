/* root: the served directory, and opening paths beneath it.
 *
 * This is the wall between a request and the rest of the file system:
 * every file the server sends is opened here, relative to the root's fd.
 * Where the kernel has openat2(2), RESOLVE_BENEATH makes it check that
 * resolution never leaves the root; where it does not (older kernels, or
 * a seccomp filter answering ENOSYS or EPERM), root.c walks the path one
 * component at a time with O_NOFOLLOW and resolves symlinks itself, with
 * the same rules. */
#ifndef HTTPD_LITE_ROOT_H
#define HTTPD_LITE_ROOT_H

#include <stdbool.h>

/* Symlinks followed in one resolution, as the kernel's MAXSYMLINKS. */
#define ROOT_MAX_SYMLINKS 40

struct root {
	int fd;               /* the served directory, O_DIRECTORY */
	bool follow_symlinks; /* allow symlinks that resolve outside */
	bool walk_only;       /* tests: skip openat2, always walk */
};

/* Open rel ("" for the root itself; never absolute, no "..": path.c
 * made sure) read-only, non-blocking (a FIFO must not stall us) and
 * close-on-exec. Returns the fd, or -1 with errno: ENOENT, ENOTDIR,
 * EACCES, ENAMETOOLONG, or EXDEV / ELOOP when resolution would leave
 * the root (an absolute symlink, or a ".." in a symlink climbing above
 * it) unless follow_symlinks allows it. */
int root_open(const struct root *r, const char *rel);

/* true if any '/'-separated segment of rel begins with '.' (for
 * --no-dotfiles; rel as path.c makes it). */
bool root_has_dotfile(const char *rel);

#endif
