/* root.c: opening beneath the served directory.
 *
 * The first choice is openat2(2) with RESOLVE_BENEATH: the kernel walks
 * the path and refuses, atomically, anything that would leave the root
 * (an absolute symlink, a ".." climbing out, a /proc magic link).
 *
 * Without it (Linux < 5.6, or a seccomp filter that answers ENOSYS or
 * EPERM) root_walk() does the same by hand: one component at a time,
 * each opened with O_NOFOLLOW relative to the directory before it, so
 * the kernel never follows a symlink for us. A symlink is read with
 * readlinkat() and its target spliced in front of what is left of the
 * path; an absolute target, or a ".." when nothing is left to climb out
 * of, leaves the root and is refused with EXDEV, as RESOLVE_BENEATH
 * does. ".." is never passed to the kernel either: it drops the last
 * resolved component and the directory is reopened from the root, so
 * only names we looked at ever lead anywhere. (A local user renaming
 * directories inside the tree while we walk is the one race this cannot
 * close; openat2 can. Requests alone never get out.)
 *
 * --follow-symlinks asks for python's behaviour on purpose: then a plain
 * openat() follows whatever the tree's symlinks say. rel itself never
 * holds ".." (path.c), so only symlinks can lead outside. */
#include "root.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ROOT_OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
/* Directories on the way: looked up in, never read. */
#define ROOT_DIR_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
/* rel (8 KiB at most) plus what symlink targets splice in front of it. */
#define ROOT_WALK_MAX 16384

/* Set once openat2 turned out to be missing or filtered; from then on
 * this process always walks. Process-wide, not per site: it is a fact
 * about the kernel. */
static bool openat2_unusable;

static int openat_retry(int dir_fd, const char *name, int flags)
{
	int fd;
	do
		fd = openat(dir_fd, name, flags);
	while (fd < 0 && errno == EINTR);
	return fd;
}

static int open_beneath(int root_fd, const char *name)
{
	struct open_how how = {
		.flags = ROOT_OPEN_FLAGS,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd;
	do
		fd = syscall(SYS_openat2, root_fd, name, &how, sizeof(how));
	while (fd < 0 && errno == EINTR);
	return (int)fd;
}

/* The walk's state. todo holds the components still to resolve, right-
 * aligned in its buffer so that a symlink's target can be put in front;
 * done holds the resolved directories, "a/b", each a real directory. */
struct walk {
	int root_fd;
	int dir_fd; /* where the next name is looked up: root_fd, or ours */
	char todo[ROOT_WALK_MAX];
	size_t todo_pos;
	char done[ROOT_WALK_MAX];
	size_t done_len;
	unsigned links;
};

static void walk_set_dir(struct walk *w, int fd)
{
	if (w->dir_fd != w->root_fd)
		close(w->dir_fd);
	w->dir_fd = fd;
}

static int walk_prepend(struct walk *w, const char *s, size_t len)
{
	if (len > w->todo_pos) {
		errno = ENAMETOOLONG;
		return -1;
	}
	w->todo_pos -= len;
	memcpy(w->todo + w->todo_pos, s, len);
	return 0;
}

/* Take the next component into name; *last says nothing follows it,
 * *dir_wanted that it was followed by a slash. 0 when todo is empty. */
static size_t walk_next(struct walk *w, char name[NAME_MAX + 1], bool *last,
			bool *dir_wanted)
{
	const char *t = w->todo;
	size_t i = w->todo_pos;
	while (t[i] == '/')
		i++;
	size_t start = i;
	while (t[i] && t[i] != '/')
		i++;
	size_t n = i - start;
	if (n == 0) {
		w->todo_pos = i;
		return 0;
	}
	*dir_wanted = t[i] == '/';
	while (t[i] == '/')
		i++;
	*last = t[i] == '\0';
	w->todo_pos = i;
	if (n > NAME_MAX) {
		errno = ENAMETOOLONG;
		return (size_t)-1;
	}
	memcpy(name, t + start, n);
	name[n] = '\0';
	return n;
}

/* Reopen the directory named by done, from the root, one real
 * directory at a time: what ".." leads back to. */
static int walk_reopen_done(struct walk *w)
{
	walk_set_dir(w, w->root_fd);
	const char *p = w->done;
	const char *end = w->done + w->done_len;
	while (p < end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		size_t n = slash ? (size_t)(slash - p) : (size_t)(end - p);
		char name[NAME_MAX + 1];
		memcpy(name, p, n);
		name[n] = '\0';
		int fd = openat_retry(w->dir_fd, name, ROOT_DIR_FLAGS);
		if (fd < 0)
			return -1;
		walk_set_dir(w, fd);
		p += n + 1;
	}
	return 0;
}

static int walk_up(struct walk *w)
{
	if (w->done_len == 0) {
		errno = EXDEV; /* above the root */
		return -1;
	}
	while (w->done_len > 0 && w->done[w->done_len - 1] != '/')
		w->done_len--;
	if (w->done_len > 0)
		w->done_len--;
	return walk_reopen_done(w);
}

static void walk_down(struct walk *w, int fd, const char *name, size_t n)
{
	/* done is never longer than the path walked so far: it fits. */
	if (w->done_len > 0)
		w->done[w->done_len++] = '/';
	memcpy(w->done + w->done_len, name, n);
	w->done_len += n;
	walk_set_dir(w, fd);
}

/* name, in dir_fd, failed to open with err: if it is a symlink, splice
 * its target in (followed by a slash if one followed the name); else
 * fail with err. */
static int walk_symlink(struct walk *w, const char *name, int err, bool slash)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(w->dir_fd, name, target, sizeof(target));
	if (n < 0) {
		errno = err; /* EINVAL: not a symlink after all */
		return -1;
	}
	if ((size_t)n >= sizeof(target)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (++w->links > ROOT_MAX_SYMLINKS) {
		errno = ELOOP;
		return -1;
	}
	if (n == 0) {
		errno = ENOENT;
		return -1;
	}
	if (target[0] == '/') {
		errno = EXDEV; /* absolute: resolves from outside */
		return -1;
	}
	if ((slash || w->todo[w->todo_pos] != '\0') && walk_prepend(w, "/", 1) < 0)
		return -1;
	return walk_prepend(w, target, (size_t)n);
}

/* One component: returns 1 with *out set when the final file is open,
 * 0 to go on, -1 on error. */
static int walk_step(struct walk *w, int *out)
{
	char name[NAME_MAX + 1];
	bool last = false, dir_wanted = false;
	size_t n = walk_next(w, name, &last, &dir_wanted);
	if (n == (size_t)-1)
		return -1;
	if (n == 0 || (n == 1 && name[0] == '.'))
		return 0;
	if (n == 2 && name[0] == '.' && name[1] == '.')
		return walk_up(w);
	int flags = last ? ROOT_OPEN_FLAGS | O_NOFOLLOW : ROOT_DIR_FLAGS;
	if (last && dir_wanted)
		flags |= O_DIRECTORY;
	int fd = openat_retry(w->dir_fd, name, flags);
	if (fd < 0) {
		if (errno != ELOOP && errno != ENOTDIR)
			return -1;
		return walk_symlink(w, name, errno, dir_wanted);
	}
	if (last) {
		*out = fd;
		return 1;
	}
	walk_down(w, fd, name, n);
	return 0;
}

static int root_walk(int root_fd, const char *rel)
{
	static struct walk w; /* 32 KiB: off the stack; one open at a time */
	size_t len = strlen(rel);
	if (len + 1 > sizeof(w.todo)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	w.root_fd = w.dir_fd = root_fd;
	w.todo_pos = sizeof(w.todo) - 1 - len;
	memcpy(w.todo + w.todo_pos, rel, len + 1);
	w.done_len = 0;
	w.links = 0;
	int fd = -1;
	int rc;
	do
		rc = walk_step(&w, &fd);
	while (rc == 0 && w.todo[w.todo_pos] != '\0');
	/* The path ended in ".", ".." or nothing: the directory reached. */
	if (rc == 0)
		fd = openat_retry(w.dir_fd, ".", ROOT_OPEN_FLAGS);
	int err = errno;
	walk_set_dir(&w, root_fd);
	errno = err;
	return rc < 0 ? -1 : fd;
}

int root_open(const struct root *r, const char *rel)
{
	const char *name = *rel ? rel : ".";
	if (r->follow_symlinks)
		return openat_retry(r->fd, name, ROOT_OPEN_FLAGS);
	if (r->walk_only || openat2_unusable)
		return root_walk(r->fd, rel);
	int fd = open_beneath(r->fd, name);
	if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
		return fd;
	int why = errno;
	fd = root_walk(r->fd, rel);
	/* EPERM and yet the walk got there: a filter, not the file. */
	if (why == ENOSYS || fd >= 0)
		openat2_unusable = true;
	return fd;
}

bool root_has_dotfile(const char *rel)
{
	for (const char *p = rel; *p; p++)
		if (*p == '.' && (p == rel || p[-1] == '/'))
			return true;
	return false;
}
