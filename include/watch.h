/* watch: the served tree watched for changes, for --live-reload.
 *
 * One inotify instance with a watch on every directory of the tree
 * (inotify is not recursive): added at open, breadth first so that a cap
 * keeps the shallow directories, and for every directory created or moved
 * in later. Symlinks are never followed, so the walk cannot leave the
 * root or loop.
 *
 * An editor's save is a burst of events (write a temporary file, rename
 * it, chmod, delete the backup): the burst is collected until it has been
 * quiet for WATCH_QUIET_MS, or WATCH_MAX_DELAY_MS after its first event,
 * and then comes to one change: a reload, or only stylesheets. The names
 * of temporary files and backups are ignored, and so is a file created
 * and gone again within one burst.
 *
 * The pure parts (names, the burst) are separate from the inotify ones
 * so the unit tests can drive them with made-up times. */
#ifndef HTTPD_LITE_WATCH_H
#define HTTPD_LITE_WATCH_H

#include <stdbool.h>

#include "buf.h"

/* Directories watched by one instance at most: about 20 MiB of kernel
 * memory at the kernel's own estimate of 1.25 KiB per watch (an inotify
 * mark and the inode it pins). The user-wide fs.inotify.max_user_watches
 * applies too. */
#define WATCH_MAX_DIRS 16384
#define WATCH_QUIET_MS 100
#define WATCH_MAX_DELAY_MS 300
/* Distinct paths remembered in one burst; more: reload. */
#define WATCH_BURST_PATHS 32

/* ---- pure: names and bursts ---------------------------------------------- */

/* Editor droppings: "*.swp", "*.swx", "*~", "4913", ".#*"; and any name
 * beginning with '.' when hide_dotfiles (--no-dotfiles). */
bool watch_ignored(const char *name, bool hide_dotfiles);

/* A path ending in ".css" (any case). */
bool watch_is_stylesheet(const char *path);

enum watch_op {
	WATCH_OP_CHANGE, /* written, closed, attributes */
	WATCH_OP_CREATE, /* created, or moved in */
	WATCH_OP_REMOVE, /* deleted, or moved away */
};

struct watch_burst_entry {
	char *path;         /* relative to the root, malloc'ed */
	bool first_created; /* the burst saw it appear first */
	bool gone;          /* its last event removed it */
	bool is_dir;
};

struct watch_burst {
	bool active;
	bool overflow; /* too many paths, or the kernel's queue overflowed */
	long long first_ms, last_ms;
	unsigned n;
	struct watch_burst_entry e[WATCH_BURST_PATHS];
};

enum watch_kind {
	WATCH_NONE,   /* the burst came to nothing (temporary files only) */
	WATCH_RELOAD, /* anything but stylesheets changed */
	WATCH_CSS,    /* only stylesheets */
};

void watch_burst_init(struct watch_burst *b);
void watch_burst_add(struct watch_burst *b, long long now_ms, const char *path,
		     enum watch_op op, bool is_dir);
/* Something changed that no path describes: a reload. */
void watch_burst_overflow(struct watch_burst *b, long long now_ms);
/* Milliseconds until the burst is due; 0: due now; -1: no burst. */
long long watch_burst_wait_ms(const struct watch_burst *b, long long now_ms);
/* End the burst and say what it came to. what gets the URL paths
 * ("/a%20b.css"), one per line, for WATCH_CSS; the first changed path for
 * WATCH_RELOAD ("" after an overflow). */
enum watch_kind watch_burst_take(struct watch_burst *b, struct buf *what);
void watch_burst_free(struct watch_burst *b);

/* ---- inotify ------------------------------------------------------------- */

struct watch_dir {
	int wd;
	char *rel; /* "" for the root */
};

struct watch {
	int fd; /* inotify, non-blocking: poll it, then watch_read */
	bool hide_dotfiles;
	unsigned max_dirs;
	struct watch_dir *dirs; /* sorted by wd */
	unsigned ndirs, cap;
	bool limit_logged; /* the cap or the kernel's limit: said once */
	bool kernel_full;  /* the last watch failed for max_user_watches */
	struct watch_burst burst;
};

/* Watch the tree under root_fd. Makes root_fd the working directory:
 * inotify_add_watch takes a path, and paths relative to the working
 * directory are the ones that still work after --chroot; the caller is a
 * child that serves nothing else from then on. -1 with errno when there
 * is no inotify instance to be had (EMFILE: fs.inotify.max_user_instances)
 * or the root cannot be watched; the reason is logged. */
int watch_open(struct watch *w, int root_fd, bool hide_dotfiles, unsigned max_dirs);

/* Read what the kernel queued into the burst. -1 on a read error. */
int watch_read(struct watch *w, long long now_ms);

/* Directories watched now. */
unsigned watch_count(const struct watch *w);

void watch_close(struct watch *w);

#endif
