/* watch.c: the served tree under inotify, see watch.h. */
#include "watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "path.h"

/* ---- names ----------------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

bool watch_ignored(const char *name, bool hide_dotfiles)
{
	if (hide_dotfiles && name[0] == '.')
		return true;
	/* vim's swap files and write test, Emacs's lock links, backups */
	return ends_with(name, ".swp") || ends_with(name, ".swx") || ends_with(name, "~") ||
	       strcmp(name, "4913") == 0 || strncmp(name, ".#", 2) == 0;
}

bool watch_is_stylesheet(const char *path)
{
	return ends_with(path, ".css");
}

/* ---- bursts ---------------------------------------------------------------- */

void watch_burst_init(struct watch_burst *b)
{
	memset(b, 0, sizeof(*b));
}

void watch_burst_free(struct watch_burst *b)
{
	for (unsigned i = 0; i < b->n; i++)
		free(b->e[i].path);
	watch_burst_init(b);
}

static void touch(struct watch_burst *b, long long now_ms)
{
	if (!b->active) {
		b->active = true;
		b->first_ms = now_ms;
	}
	b->last_ms = now_ms;
}

static struct watch_burst_entry *find_or_add(struct watch_burst *b, const char *path,
					     enum watch_op op)
{
	for (unsigned i = 0; i < b->n; i++)
		if (strcmp(b->e[i].path, path) == 0)
			return &b->e[i];
	char *copy = b->n < WATCH_BURST_PATHS ? strdup(path) : NULL;
	if (!copy) {
		b->overflow = true;
		return NULL;
	}
	struct watch_burst_entry *e = &b->e[b->n++];
	*e = (struct watch_burst_entry){.path = copy, .first_created = op == WATCH_OP_CREATE};
	return e;
}

void watch_burst_add(struct watch_burst *b, long long now_ms, const char *path,
		     enum watch_op op, bool is_dir)
{
	touch(b, now_ms);
	struct watch_burst_entry *e = find_or_add(b, path, op);
	if (!e)
		return;
	if (op != WATCH_OP_CHANGE)
		e->gone = op == WATCH_OP_REMOVE;
	e->is_dir = e->is_dir || is_dir;
}

void watch_burst_overflow(struct watch_burst *b, long long now_ms)
{
	touch(b, now_ms);
	b->overflow = true;
}

long long watch_burst_wait_ms(const struct watch_burst *b, long long now_ms)
{
	if (!b->active)
		return -1;
	long long due = b->last_ms + WATCH_QUIET_MS;
	if (due > b->first_ms + WATCH_MAX_DELAY_MS)
		due = b->first_ms + WATCH_MAX_DELAY_MS;
	return due > now_ms ? due - now_ms : 0;
}

/* A file that appeared and went again within the burst: an editor's
 * temporary, renamed into place or deleted. */
static bool transient(const struct watch_burst_entry *e)
{
	return e->first_created && e->gone;
}

static void put_url_path(struct buf *out, const char *rel)
{
	buf_append(out, "/", 1);
	path_percent_encode(rel, strlen(rel), out);
}

enum watch_kind watch_burst_take(struct watch_burst *b, struct buf *what)
{
	enum watch_kind kind = b->overflow ? WATCH_RELOAD : WATCH_NONE;
	const struct watch_burst_entry *first_other = NULL;
	for (unsigned i = 0; i < b->n && kind != WATCH_RELOAD; i++) {
		const struct watch_burst_entry *e = &b->e[i];
		if (transient(e))
			continue;
		if (e->is_dir || !watch_is_stylesheet(e->path)) {
			kind = WATCH_RELOAD;
			first_other = e;
		} else {
			kind = WATCH_CSS;
		}
	}
	if (kind == WATCH_RELOAD && first_other)
		put_url_path(what, first_other->path);
	for (unsigned i = 0; i < b->n && kind == WATCH_CSS; i++) {
		if (transient(&b->e[i]))
			continue;
		if (what->len)
			buf_append(what, "\n", 1);
		put_url_path(what, b->e[i].path);
	}
	watch_burst_free(b);
	return kind;
}

/* ---- the directory table ------------------------------------------------- */

static struct watch_dir *dir_by_wd(const struct watch *w, int wd)
{
	unsigned lo = 0, hi = w->ndirs;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (w->dirs[mid].wd == wd)
			return &w->dirs[mid];
		if (w->dirs[mid].wd < wd)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* wd is new: insert it in order (the kernel hands them out increasing,
 * so this is an append but for a wrap-around). */
static int dir_insert(struct watch *w, int wd, const char *rel)
{
	if (w->ndirs == w->cap) {
		unsigned cap = w->cap ? w->cap * 2 : 64;
		struct watch_dir *grown = realloc(w->dirs, cap * sizeof(*grown));
		if (!grown)
			return -1;
		w->dirs = grown;
		w->cap = cap;
	}
	char *copy = strdup(rel);
	if (!copy)
		return -1;
	unsigned at = w->ndirs;
	while (at > 0 && w->dirs[at - 1].wd > wd)
		at--;
	memmove(&w->dirs[at + 1], &w->dirs[at], (w->ndirs - at) * sizeof(w->dirs[0]));
	w->dirs[at] = (struct watch_dir){.wd = wd, .rel = copy};
	w->ndirs++;
	return 0;
}

static void dir_remove_at(struct watch *w, unsigned i)
{
	free(w->dirs[i].rel);
	memmove(&w->dirs[i], &w->dirs[i + 1], (w->ndirs - i - 1) * sizeof(w->dirs[0]));
	w->ndirs--;
}

/* rel is under (or is) the directory prefix. */
static bool under(const char *rel, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(rel, prefix, n) == 0 && (rel[n] == '\0' || rel[n] == '/');
}

/* A directory moved away: its watches would report old paths. Moved
 * within the tree, its new name is walked again (IN_MOVED_TO). */
static void forget_tree(struct watch *w, const char *rel)
{
	for (unsigned i = w->ndirs; i-- > 0;) {
		if (!under(w->dirs[i].rel, rel))
			continue;
		(void)inotify_rm_watch(w->fd, w->dirs[i].wd); /* EINVAL: gone already */
		dir_remove_at(w, i);
	}
}

/* ---- walking the tree ---------------------------------------------------- */

#define WATCH_MASK                                                                         \
	(IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_MOVED_FROM |   \
	 IN_MOVED_TO | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)

static const char *fs_path(const char *rel)
{
	return *rel ? rel : ".";
}

static void log_limit(struct watch *w, int err)
{
	if (w->limit_logged)
		return;
	w->limit_logged = true;
	if (err == ENOSPC)
		log_warn("live reload: the kernel's inotify watch limit is reached after %u "
			 "directories; the rest of the tree is not watched (raise it with "
			 "sysctl fs.inotify.max_user_watches=N)",
			 w->ndirs);
	else
		log_warn("live reload: watching the first %u directories only (the cap is %u)",
			 w->ndirs, w->max_dirs);
}

/* One watch; 1 if rel is newly watched (its wd in *wd), 0 if not
 * (skipped, already watched, out of watches: errno says which), -1 when
 * out of memory. */
static int add_one(struct watch *w, const char *rel, int *wd)
{
	if (w->ndirs >= w->max_dirs) {
		log_limit(w, 0);
		errno = ENOSPC;
		return 0;
	}
	*wd = inotify_add_watch(w->fd, fs_path(rel), WATCH_MASK);
	w->kernel_full = *wd < 0 && errno == ENOSPC;
	if (*wd < 0) {
		if (w->kernel_full)
			log_limit(w, ENOSPC);
		/* else ENOTDIR, ENOENT, EACCES: replaced or unreadable meanwhile */
		return 0;
	}
	struct watch_dir *d = dir_by_wd(w, *wd);
	if (d) {
		/* Same directory under a new name (moved): keep the new one. */
		char *copy = strdup(rel);
		if (!copy)
			return -1;
		free(d->rel);
		d->rel = copy;
		return 0;
	}
	return dir_insert(w, *wd, rel) < 0 ? -1 : 1;
}

static bool is_dir_entry(DIR *dir, const struct dirent *de)
{
	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	struct stat st;
	return fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode);
}

static int join(char *out, size_t cap, const char *rel, const char *name)
{
	int n = snprintf(out, cap, "%s%s%s", rel, *rel ? "/" : "", name);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Out of watches, and the user told so (at the first directory over the
 * cap): listing further would only find more that cannot be watched. */
static bool capped(const struct watch *w)
{
	return (w->ndirs >= w->max_dirs && w->limit_logged) || w->kernel_full;
}

/* The wds of directories still to be listed, breadth first. */
struct wd_queue {
	int *wd;
	size_t head, len, cap;
};

static int queue_push(struct wd_queue *q, int wd)
{
	if (q->len == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64;
		int *grown = realloc(q->wd, cap * sizeof(*grown));
		if (!grown)
			return -1;
		q->wd = grown;
		q->cap = cap;
	}
	q->wd[q->len++] = wd;
	return 0;
}

/* Add each subdirectory of rel, and queue it to be listed in turn. */
static int add_children(struct watch *w, const char *rel, struct wd_queue *q)
{
	int fd = open(fs_path(rel), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0; /* gone or unreadable: nothing beneath to watch */
	DIR *dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -1;
	}
	static char child[PATH_MAX_LEN];
	int rc = 0, wd;
	struct dirent *de;
	while (rc >= 0 && !capped(w) && (de = readdir(dir)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    watch_ignored(de->d_name, w->hide_dotfiles) || !is_dir_entry(dir, de) ||
		    join(child, sizeof(child), rel, de->d_name) < 0)
			continue;
		rc = add_one(w, child, &wd);
		if (rc > 0)
			rc = queue_push(q, wd);
	}
	closedir(dir);
	return rc;
}

/* rel and everything beneath it, breadth first, so that a cap keeps the
 * directories nearest the root. 0, or -1 when out of memory. */
static int add_tree(struct watch *w, const char *rel)
{
	int wd;
	int rc = add_one(w, rel, &wd);
	if (rc <= 0)
		return rc;
	struct wd_queue q = {0};
	rc = queue_push(&q, wd);
	while (rc >= 0 && !capped(w) && q.head < q.len) {
		const struct watch_dir *d = dir_by_wd(w, q.wd[q.head++]);
		char *r = d ? strdup(d->rel) : NULL;
		if (d && !r)
			rc = -1;
		else if (r)
			rc = add_children(w, r, &q);
		free(r);
	}
	free(q.wd);
	return rc < 0 ? -1 : 0;
}

int watch_open(struct watch *w, int root_fd, bool hide_dotfiles, unsigned max_dirs)
{
	*w = (struct watch){.hide_dotfiles = hide_dotfiles, .max_dirs = max_dirs};
	watch_burst_init(&w->burst);
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0) {
		if (errno == EMFILE)
			log_warn("live reload: no inotify instance left (the limit is "
				 "sysctl fs.inotify.max_user_instances):");
		else
			log_warn("live reload: inotify_init1:");
		return -1;
	}
	errno = 0;
	if (fchdir(root_fd) < 0 || add_tree(w, "") < 0 || w->ndirs == 0) {
		int err = errno ? errno : ENOMEM;
		log_warn("live reload: cannot watch the served directory:");
		watch_close(w);
		errno = err;
		return -1;
	}
	return 0;
}

unsigned watch_count(const struct watch *w)
{
	return w->ndirs;
}

void watch_close(struct watch *w)
{
	for (unsigned i = 0; i < w->ndirs; i++)
		free(w->dirs[i].rel);
	free(w->dirs);
	w->dirs = NULL;
	w->ndirs = w->cap = 0;
	watch_burst_free(&w->burst);
	if (w->fd >= 0 && close(w->fd) < 0)
		log_warn("live reload: close inotify:");
	w->fd = -1;
}

/* ---- events ------------------------------------------------------------------ */

static enum watch_op op_of(uint32_t mask)
{
	if (mask & (IN_CREATE | IN_MOVED_TO))
		return WATCH_OP_CREATE;
	if (mask & (IN_DELETE | IN_MOVED_FROM))
		return WATCH_OP_REMOVE;
	return WATCH_OP_CHANGE;
}

static int handle_event(struct watch *w, const struct inotify_event *ev, long long now_ms)
{
	if (ev->mask & IN_Q_OVERFLOW) {
		watch_burst_overflow(&w->burst, now_ms);
		return 0;
	}
	struct watch_dir *d = dir_by_wd(w, ev->wd);
	if (!d)
		return 0; /* a watch we already forgot */
	if (ev->mask & IN_IGNORED) {
		dir_remove_at(w, (unsigned)(d - w->dirs));
		return 0;
	}
	if (ev->len == 0 || ev->name[0] == '\0' || watch_ignored(ev->name, w->hide_dotfiles))
		return 0; /* the directory itself: its parent reports it */
	char rel[PATH_MAX_LEN];
	if (join(rel, sizeof(rel), d->rel, ev->name) < 0)
		return 0;
	bool is_dir = (ev->mask & IN_ISDIR) != 0;
	watch_burst_add(&w->burst, now_ms, rel, op_of(ev->mask), is_dir);
	if (is_dir && (ev->mask & IN_MOVED_FROM))
		forget_tree(w, rel);
	if (is_dir && (ev->mask & (IN_CREATE | IN_MOVED_TO)))
		return add_tree(w, rel);
	return 0;
}

int watch_read(struct watch *w, long long now_ms)
{
	char events[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(w->fd, events, sizeof(events));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -1;
		for (char *p = events; p < events + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)(void *)p;
			if (handle_event(w, ev, now_ms) < 0)
				return -1;
			p += sizeof(*ev) + ev->len;
		}
	}
}
