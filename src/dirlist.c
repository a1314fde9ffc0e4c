/* dirlist: a directory's entries, read, stat'ed and put in the order a
 * listing shows them (listing.c renders them).
 *
 * Where python's order is not deterministic we choose: names python would
 * order as equal (they differ only in ASCII case) are ordered by their
 * bytes, not left in readdir order; lower-casing is ASCII only (python's
 * str.lower also folds non-ASCII letters). */
#include "dirlist.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upload.h"

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
		if (dirlist_is_dot(de->d_name) || upload_is_temp_name(de->d_name))
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

/* ---- views: which order --------------------------------------------- */

static bool dirlist_param(const char *q, size_t len, const char *name, const char *value)
{
	size_t n = strlen(name), v = strlen(value);
	return len == n + 1 + v && memcmp(q, name, n) == 0 && q[n] == '=' &&
	       memcmp(q + n + 1, value, v) == 0;
}

static void dirlist_view_param(const char *q, size_t len, struct dirlist_view *view)
{
	if (dirlist_param(q, len, "sort", "name"))
		view->key = DIRLIST_BY_NAME;
	else if (dirlist_param(q, len, "sort", "size"))
		view->key = DIRLIST_BY_SIZE;
	else if (dirlist_param(q, len, "sort", "mtime"))
		view->key = DIRLIST_BY_MTIME;
	else if (dirlist_param(q, len, "order", "asc"))
		view->descending = false;
	else if (dirlist_param(q, len, "order", "desc"))
		view->descending = true;
	else if (dirlist_param(q, len, "format", "json"))
		view->json = view->format_given = true;
	else if (dirlist_param(q, len, "format", "html"))
		view->json = false, view->format_given = true;
}

void dirlist_view_from_query(const char *query, struct dirlist_view *view)
{
	*view = (struct dirlist_view){ .key = DIRLIST_BY_NAME };
	while (query && *query) {
		size_t len = strcspn(query, "&;");
		dirlist_view_param(query, len, view);
		query += len + (query[len] != '\0');
	}
}

/* Sorting compares each name about log2(n) times: its folded (lower-
 * cased) form is made once per entry, not once per comparison. */
struct dirlist_sort_item {
	const struct dirlist_entry *entry;
	const char *folded;
};

static int dirlist_cmp_names(const struct dirlist_sort_item *a,
			     const struct dirlist_sort_item *b)
{
	/* python's order: folded names; equal ones by their bytes (strcmp
	 * compares as unsigned char). */
	int d = strcmp(a->folded, b->folded);
	return d ? d : strcmp(a->entry->name, b->entry->name);
}

/* By size or time; 0 when names decide. */
static int dirlist_cmp_key(const struct dirlist_entry *a, const struct dirlist_entry *b,
			   enum dirlist_key key)
{
	if (key == DIRLIST_BY_SIZE)
		return (a->size > b->size) - (a->size < b->size);
	if (key == DIRLIST_BY_MTIME)
		return (a->mtime > b->mtime) - (a->mtime < b->mtime);
	return 0;
}

/* Directories first whatever the order, then the view's key and order. */
static int dirlist_cmp_item(const void *pa, const void *pb, void *pview)
{
	const struct dirlist_sort_item *ia = pa, *ib = pb;
	const struct dirlist_entry *a = ia->entry, *b = ib->entry;
	const struct dirlist_view *view = pview;

	if (a->is_dir != b->is_dir)
		return a->is_dir ? -1 : 1;
	int d = dirlist_cmp_key(a, b, view->key);
	if (d == 0)
		d = dirlist_cmp_names(ia, ib);
	return view->descending ? -d : d;
}

static char *dirlist_fold(const char *name, char *to)
{
	while ((*to++ = (char)dirlist_lower((unsigned char)*name++)) != '\0')
		;
	return to;
}

static size_t dirlist_names_size(const struct dirlist *list)
{
	size_t total = 0;
	for (size_t i = 0; i < list->count; i++)
		total += strlen(list->entries[i].name) + 1;
	return total;
}

/* One allocation: the items, a copy of the entries to reorder from, and
 * the folded names. false when it cannot be had. */
static bool dirlist_sort_keyed(struct dirlist *list, const struct dirlist_view *view)
{
	size_t n = list->count;
	size_t names = dirlist_names_size(list);
	size_t fixed = sizeof(struct dirlist_sort_item) + sizeof(struct dirlist_entry);
	if (n > (SIZE_MAX - names) / fixed)
		return false;
	char *mem = malloc(n * fixed + names);
	if (!mem)
		return false;
	struct dirlist_sort_item *items = (struct dirlist_sort_item *)mem;
	struct dirlist_entry *copy = (struct dirlist_entry *)(items + n);
	char *folded = (char *)(copy + n);
	memcpy(copy, list->entries, n * sizeof(*copy));
	for (size_t i = 0; i < n; i++) {
		items[i] = (struct dirlist_sort_item){ .entry = &copy[i], .folded = folded };
		folded = dirlist_fold(copy[i].name, folded);
	}
	qsort_r(items, n, sizeof(*items), dirlist_cmp_item, (void *)view);
	for (size_t i = 0; i < n; i++)
		list->entries[i] = *items[i].entry;
	free(mem);
	return true;
}

int dirlist_sort_view(struct dirlist *list, const struct dirlist_view *view)
{
	if (list->count < 2 || dirlist_sort_keyed(list, view))
		return 0;
	errno = ENOMEM;
	return -1;
}

void dirlist_free(struct dirlist *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->entries[i].name);
	free(list->entries);
	*list = (struct dirlist){ .entries = NULL };
}
