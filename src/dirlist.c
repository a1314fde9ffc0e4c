/* dirlist: the body of a directory listing, byte for byte what python 3's
 * http.server (SimpleHTTPRequestHandler.list_directory) sends with a
 * utf-8 file system encoding.
 *
 * Where python's output is not deterministic or not byte-clean we choose:
 * names python would order as equal (they differ only in ASCII case) are
 * ordered by their bytes, not left in readdir order; lower-casing is ASCII
 * only (python's str.lower also folds non-ASCII letters); a name that is
 * not valid UTF-8 is percent-encoded byte by byte, which is what our own
 * path decoding turns back into the same name. */
#include "dirlist.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path.h"

#define DIRLIST_INITIAL_CAP 32

static int dirlist_grow(struct dirlist *list)
{
	size_t cap = list->cap ? list->cap * 2 : DIRLIST_INITIAL_CAP;

	if (cap < list->cap || cap > SIZE_MAX / sizeof(*list->entries)) {
		errno = ENOMEM;
		return -1;
	}
	struct dirlist_entry *e = realloc(list->entries, cap * sizeof(*e));
	if (!e) {
		errno = ENOMEM;
		return -1;
	}
	list->entries = e;
	list->cap = cap;
	return 0;
}

static int dirlist_fstatat(int dfd, const char *name, struct stat *st,
			   int flags)
{
	int rc;

	/* Only network and FUSE file systems ever interrupt a stat. */
	do
		rc = fstatat(dfd, name, st, flags);
	while (rc != 0 && errno == EINTR);
	return rc;
}

/* python's isdir() follows the link, islink() does not, and a failing
 * stat makes either false: an entry we cannot stat, or a dangling link,
 * is a plain file of size 0 (a dangling link keeps its own mtime). */
static void dirlist_stat(int dfd, struct dirlist_entry *e)
{
	struct stat st;

	if (dirlist_fstatat(dfd, e->name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return;
	e->mtime = st.st_mtime;
	if (S_ISLNK(st.st_mode)) {
		e->is_link = true;
		if (dirlist_fstatat(dfd, e->name, &st, 0) != 0)
			return;
		e->mtime = st.st_mtime;
	}
	e->is_dir = S_ISDIR(st.st_mode);
	e->size = st.st_size;
}

static int dirlist_add(struct dirlist *list, int dfd, const char *name)
{
	if (list->count == list->cap && dirlist_grow(list) != 0)
		return -1;
	size_t len = strlen(name);
	char *copy = malloc(len + 1);
	if (!copy) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(copy, name, len + 1);
	struct dirlist_entry *e = &list->entries[list->count];
	*e = (struct dirlist_entry){ .name = copy };
	dirlist_stat(dfd, e);
	list->count++;
	return 0;
}

static bool dirlist_is_dot(const char *n)
{
	return n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'));
}

static int dirlist_fill(DIR *d, struct dirlist *list)
{
	int dfd = dirfd(d);

	if (dfd < 0)
		return -1;
	for (;;) {
		/* readdir's NULL means either end or error; errno tells. */
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de)
			return errno ? -1 : 0;
		if (dirlist_is_dot(de->d_name))
			continue;
		if (dirlist_add(list, dfd, de->d_name) != 0)
			return -1;
	}
}

int dirlist_read(int dir_fd, struct dirlist *list)
{
	*list = (struct dirlist){ .entries = NULL };
	/* closedir() closes the fd fdopendir() took: give it a copy. Keep
	 * close-on-exec on the copy, as the server forks. */
	int fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	DIR *d = fdopendir(fd);
	if (!d) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	/* The copy shares the caller's file offset, which may be anywhere. */
	rewinddir(d);
	int rc = dirlist_fill(d, list);
	int err = errno;
	/* Nothing was written through this fd, so a failing close loses
	 * nothing we could report. */
	(void)closedir(d);
	if (rc != 0) {
		dirlist_free(list);
		errno = err;
	}
	return rc;
}

void dirlist_hide_dotfiles(struct dirlist *list)
{
	size_t kept = 0;

	for (size_t i = 0; i < list->count; i++) {
		if (list->entries[i].name[0] == '.')
			free(list->entries[i].name);
		else
			list->entries[kept++] = list->entries[i];
	}
	list->count = kept;
}

static int dirlist_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int dirlist_cmp(const void *pa, const void *pb)
{
	const struct dirlist_entry *ea = pa;
	const struct dirlist_entry *eb = pb;
	const unsigned char *a = (const unsigned char *)ea->name;
	const unsigned char *b = (const unsigned char *)eb->name;
	size_t i = 0;

	while (a[i] && dirlist_lower(a[i]) == dirlist_lower(b[i]))
		i++;
	int d = dirlist_lower(a[i]) - dirlist_lower(b[i]);
	/* strcmp compares as unsigned char, like the loop above. */
	return d ? d : strcmp(ea->name, eb->name);
}

void dirlist_sort(struct dirlist *list)
{
	if (list->count > 1)
		qsort(list->entries, list->count, sizeof(*list->entries),
		      dirlist_cmp);
}

static void dirlist_render_entry(const struct dirlist_entry *e,
				 struct buf *out)
{
	size_t len = strlen(e->name);

	buf_append_str(out, "<li><a href=\"");
	path_percent_encode(e->name, len, out);
	if (e->is_dir)
		buf_append_str(out, "/");
	buf_append_str(out, "\">");
	buf_append_html(out, e->name, len, false);
	/* python: a link to a directory shows "@" but still links with "/". */
	if (e->is_link)
		buf_append_str(out, "@");
	else if (e->is_dir)
		buf_append_str(out, "/");
	buf_append_str(out, "</a></li>\n");
}

static void dirlist_render_title(const char *tag, const char *display_path,
				 struct buf *out)
{
	buf_printf(out, "<%s>Directory listing for ", tag);
	buf_append_html(out, display_path, strlen(display_path), false);
	buf_printf(out, "</%s>\n", tag);
}

void dirlist_render_html(const struct dirlist *list, const char *display_path,
			 struct buf *out)
{
	buf_append_str(out, "<!DOCTYPE HTML>\n"
			    "<html lang=\"en\">\n"
			    "<head>\n"
			    "<meta charset=\"utf-8\">\n");
	dirlist_render_title("title", display_path, out);
	buf_append_str(out, "</head>\n<body>\n");
	dirlist_render_title("h1", display_path, out);
	buf_append_str(out, "<hr>\n<ul>\n");
	for (size_t i = 0; i < list->count; i++)
		dirlist_render_entry(&list->entries[i], out);
	buf_append_str(out, "</ul>\n<hr>\n</body>\n</html>\n");
}

void dirlist_free(struct dirlist *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->entries[i].name);
	free(list->entries);
	*list = (struct dirlist){ .entries = NULL };
}
