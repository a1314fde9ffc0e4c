/* dirlist: a directory's entries and their order, for a listing.
 *
 * Reading and ordering are apart from rendering (listing.h) so that
 * order and escaping can be unit-tested on made-up entries. */
#ifndef HTTPD_LITE_DIRLIST_H
#define HTTPD_LITE_DIRLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

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
 * or consumed: the caller keeps it). Dotfiles are included; the
 * temporary names of uploads being received (upload.h) never are. An entry
 * whose stat fails (dangling symlink) is listed as a plain file of size
 * 0. Returns 0, or -1 with errno set (list left empty). */
int dirlist_read(int dirfd, struct dirlist *list);

/* Drop the entries whose name begins with '.' (--no-dotfiles). */
void dirlist_hide_dotfiles(struct dirlist *list);

/* How a listing is shown: ?sort=name|size|mtime&order=asc|desc, and
 * ?format=json. Directories always come first. */
enum dirlist_key { DIRLIST_BY_NAME, DIRLIST_BY_SIZE, DIRLIST_BY_MTIME };

struct dirlist_view {
	enum dirlist_key key;
	bool descending;
	bool json;
	bool format_given; /* ?format= said html or json: Accept does not count */
	const char *html_tail; /* HTML put before </body> (the upload control), or NULL */
};

/* The view a query string asks for ("sort=size&order=desc"); unknown
 * parameters and values are ignored (defaults: name, ascending, HTML). */
void dirlist_view_from_query(const char *query, struct dirlist_view *view);

/* Directories first, then by the view's key and order; names break ties
 * in python's order: lower-cased (ASCII), then by their bytes, so the
 * output is deterministic. -1 (ENOMEM, list unchanged) when the memory for the
 * sort keys cannot be had. */
int dirlist_sort_view(struct dirlist *list, const struct dirlist_view *view);

void dirlist_free(struct dirlist *list);

#endif
