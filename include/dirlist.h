/* dirlist: the body of a directory listing.
 *
 * Reading the directory and rendering it are split so that order and
 * escaping can be unit-tested on made-up entries. */
#ifndef HTTPD_LITE_DIRLIST_H
#define HTTPD_LITE_DIRLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"

struct dirlist_entry {
	char *name;     /* owned, NUL-terminated, never "." or ".." */
	bool is_dir;    /* a directory, or a symlink to one */
	bool is_link;   /* the entry itself is a symlink */
	off_t size;
	time_t mtime;
};

struct dirlist {
	struct dirlist_entry *entries;
	size_t count;
	size_t cap;
};

/* Read every entry of the directory open at dirfd (the fd is not closed
 * or consumed: the caller keeps it). Dotfiles are included. An entry
 * whose stat fails (dangling symlink) is listed as a plain file of size
 * 0. Returns 0, or -1 with errno set (list left empty). */
int dirlist_read(int dirfd, struct dirlist *list);

/* Drop the entries whose name begins with '.' (--no-dotfiles). */
void dirlist_hide_dotfiles(struct dirlist *list);

/* python's order: by name lower-cased (ASCII), ties broken by the bytes
 * of the name so the output is deterministic. */
void dirlist_sort(struct dirlist *list);

/* Append python's listing HTML for the list to out. display_path is the
 * decoded URL path of the directory ("/docs/"), escaped here. Names are
 * HTML-escaped; hrefs are percent-encoded; directories get "/" in text
 * and href, symlinks get "@" in text (a symlink to a directory keeps the
 * "/" in its href). */
void dirlist_render_html(const struct dirlist *list, const char *display_path,
			 struct buf *out);

void dirlist_free(struct dirlist *list);

#endif
