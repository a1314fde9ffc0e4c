/* dirlist: a directory listing, as HTML for people and JSON for scripts.
 *
 * The HTML keeps python's http.server contract (title and h1, one link
 * per entry, "/" and "@" marks, escaping, percent-encoded hrefs), so
 * wget -r and scripts written against python keep working, and adds
 * sizes, times, sorting and breadcrumbs.
 *
 * Where python's order is not deterministic we choose: names python would
 * order as equal (they differ only in ASCII case) are ordered by their
 * bytes, not left in readdir order; lower-casing is ASCII only (python's
 * str.lower also folds non-ASCII letters); a name that is not valid
 * UTF-8 is percent-encoded byte by byte, which is what our own path
 * decoding turns back into the same name. */
#include "dirlist.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

static const struct dirlist_view *dirlist_sort_by;

static int dirlist_cmp_key(const struct dirlist_entry *a, const struct dirlist_entry *b)
{
	switch (dirlist_sort_by->key) {
	case DIRLIST_BY_SIZE:
		return (a->size > b->size) - (a->size < b->size);
	case DIRLIST_BY_MTIME:
		return (a->mtime > b->mtime) - (a->mtime < b->mtime);
	case DIRLIST_BY_NAME:
	default:
		return dirlist_cmp(a, b);
	}
}

static int dirlist_cmp_view(const void *pa, const void *pb)
{
	const struct dirlist_entry *a = pa, *b = pb;
	if (a->is_dir != b->is_dir)
		return a->is_dir ? -1 : 1;
	int d = dirlist_cmp_key(a, b);
	if (d == 0)
		d = dirlist_cmp(a, b);
	return dirlist_sort_by->descending ? -d : d;
}

void dirlist_sort_view(struct dirlist *list, const struct dirlist_view *view)
{
	/* qsort has no context argument; one listing at a time per process. */
	dirlist_sort_by = view;
	if (list->count > 1)
		qsort(list->entries, list->count, sizeof(*list->entries), dirlist_cmp_view);
	dirlist_sort_by = NULL;
}

/* ---- HTML --------------------------------------------------------------- */

/* Small enough to inline, readable on a phone, dark when the system is. */
static const char dirlist_style[] =
	"<style>\n"
	":root{color-scheme:light dark;--fg:#1d2330;--mute:#5b6474;--bg:#fff;"
	"--line:#e3e6ec;--link:#1a5fb4;--hover:#f3f5f8}\n"
	"@media (prefers-color-scheme:dark){:root{--fg:#e6e8ec;--mute:#9aa3b2;"
	"--bg:#16181d;--line:#2c313a;--link:#8ab4f8;--hover:#1f232a}}\n"
	"body{margin:0 auto;max-width:60rem;padding:1rem;font:16px/1.5 system-ui,"
	"sans-serif;color:var(--fg);background:var(--bg)}\n"
	"h1{font-size:1.3rem;margin:.2rem 0;overflow-wrap:anywhere}\n"
	"nav{color:var(--mute);overflow-wrap:anywhere}\n"
	"a{color:var(--link);text-decoration:none}a:hover{text-decoration:underline}\n"
	"hr{border:0;border-top:1px solid var(--line)}\n"
	"table{width:100%;border-collapse:collapse}\n"
	"th,td{padding:.35rem .5rem;text-align:left;border-bottom:1px solid var(--line)}\n"
	"th{font-weight:600;white-space:nowrap}th a{color:var(--fg)}\n"
	"td.n{overflow-wrap:anywhere}td.s,th.s{text-align:right;white-space:nowrap}\n"
	"td.t{white-space:nowrap;color:var(--mute)}tr:hover td{background:var(--hover)}\n"
	"@media (max-width:34rem){body{padding:.5rem;font-size:15px}"
	"td.t,th.t{display:none}}\n"
	"</style>\n";

static void dirlist_render_title(const char *tag, const char *display_path,
				 struct buf *out)
{
	buf_printf(out, "<%s>Directory listing for ", tag);
	buf_append_html(out, display_path, strlen(display_path), false);
	buf_printf(out, "</%s>\n", tag);
}

/* "/", "/docs/", "/docs/img/": a link for each level of the path. */
static void dirlist_render_breadcrumbs(const char *display_path, struct buf *out)
{
	buf_append_str(out, "<nav aria-label=\"breadcrumbs\"><a href=\"/\">/</a>");
	const char *seg = display_path + (*display_path == '/');
	while (*seg) {
		const char *end = strchr(seg, '/');
		size_t len = end ? (size_t)(end - seg) : strlen(seg);
		buf_append_str(out, "<a href=\"");
		/* the href is the path up to and including this segment */
		path_percent_encode(display_path, (size_t)(seg - display_path) + len, out);
		buf_append_str(out, "/\">");
		buf_append_html(out, seg, len, false);
		buf_append_str(out, "/</a>");
		seg += len + (end != NULL);
	}
	buf_append_str(out, "</nav>\n");
}

static const char *const dirlist_key_names[] = {
	[DIRLIST_BY_NAME] = "name",
	[DIRLIST_BY_SIZE] = "size",
	[DIRLIST_BY_MTIME] = "mtime",
};

/* A column head: a link to sort by it, the other way round when it is
 * the current order. */
static void dirlist_render_head(const struct dirlist_view *view, enum dirlist_key key,
				const char *cls, const char *label, struct buf *out)
{
	bool current = view->key == key;
	bool desc = current && !view->descending;
	buf_printf(out, "<th class=\"%s\"><a href=\"?sort=%s&amp;order=%s\">%s%s</a></th>",
		   cls, dirlist_key_names[key], desc ? "desc" : "asc", label,
		   !current ? "" : view->descending ? " &#9660;" : " &#9650;");
}

/* 1023 B, 1.2 KiB, 3.4 MiB, ... */
static void dirlist_human_size(off_t size, struct buf *out)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	if (size < 1024) {
		buf_printf(out, "%lld B", (long long)size);
		return;
	}
	double v = (double)size / 1024.0;
	size_t u = 0;
	/* From 1023.95 up, "%.1f" would round to "1024.0": next unit. */
	while (v >= 1023.95 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024.0;
		u++;
	}
	buf_printf(out, "%.1f %s", v, units[u]);
}

/* RFC 3339 in UTC: "2026-11-29T16:30:01Z". */
static void dirlist_rfc3339(time_t t, char out[32])
{
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void dirlist_render_row(const struct dirlist_entry *e, struct buf *out)
{
	size_t len = strlen(e->name);
	buf_append_str(out, "<tr><td class=\"n\"><a href=\"");
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
	buf_append_str(out, "</a></td><td class=\"s\">");
	if (e->is_dir)
		buf_append_str(out, "-");
	else
		dirlist_human_size(e->size, out);
	char when[32];
	dirlist_rfc3339(e->mtime, when);
	buf_printf(out, "</td><td class=\"t\"><time datetime=\"%s\">%.10s %.5s</time></td></tr>\n",
		   when, when, when + 11);
}

void dirlist_render_html(const struct dirlist *list, const char *display_path,
			 const struct dirlist_view *view, struct buf *out)
{
	buf_append_str(out, "<!DOCTYPE HTML>\n"
			    "<html lang=\"en\">\n"
			    "<head>\n"
			    "<meta charset=\"utf-8\">\n"
			    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
	dirlist_render_title("title", display_path, out);
	buf_append_str(out, dirlist_style);
	buf_append_str(out, "</head>\n<body>\n");
	dirlist_render_title("h1", display_path, out);
	dirlist_render_breadcrumbs(display_path, out);
	buf_append_str(out, "<hr>\n<table>\n<thead><tr>");
	dirlist_render_head(view, DIRLIST_BY_NAME, "n", "Name", out);
	dirlist_render_head(view, DIRLIST_BY_SIZE, "s", "Size", out);
	dirlist_render_head(view, DIRLIST_BY_MTIME, "t", "Last modified (UTC)", out);
	buf_append_str(out, "</tr></thead>\n<tbody>\n");
	if (strcmp(display_path, "/") != 0)
		buf_append_str(out, "<tr class=\"up\"><td class=\"n\"><a href=\"../\">"
				    "Parent directory</a></td><td class=\"s\">-</td>"
				    "<td class=\"t\"></td></tr>\n");
	for (size_t i = 0; i < list->count; i++)
		dirlist_render_row(&list->entries[i], out);
	buf_append_str(out, "</tbody>\n</table>\n<hr>\n</body>\n</html>\n");
}

/* ---- JSON --------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0. */
static size_t dirlist_utf8_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	size_t n = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3
				  : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
	if (n == 0 || n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) ||
	    (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
		return 0;
	return n;
}

static void dirlist_json_string(const char *s, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s);
	buf_append_str(out, "\"");
	while (left > 0) {
		size_t n = dirlist_utf8_len(p, left);
		if (n == 0) {
			buf_append_str(out, "\\ufffd");
			n = 1;
		} else if (*p == '"' || *p == '\\') {
			buf_printf(out, "\\%c", *p);
		} else if (*p < 0x20 || *p == 0x7f) {
			buf_printf(out, "\\u%04x", *p);
		} else {
			buf_append(out, p, n);
		}
		p += n;
		left -= n;
	}
	buf_append_str(out, "\"");
}

static void dirlist_json_entry(const struct dirlist_entry *e, struct buf *out)
{
	char when[32];
	dirlist_rfc3339(e->mtime, when);
	buf_append_str(out, "{\"name\":");
	dirlist_json_string(e->name, out);
	buf_printf(out, ",\"type\":\"%s\",\"size\":%lld,\"mtime\":\"%s\",\"href\":\"",
		   e->is_link ? "symlink" : e->is_dir ? "dir" : "file", (long long)e->size, when);
	/* percent-encoding leaves only ASCII that needs no JSON escape */
	path_percent_encode(e->name, strlen(e->name), out);
	buf_append_str(out, e->is_dir ? "/\"}" : "\"}");
}

void dirlist_render_json(const struct dirlist *list, struct buf *out)
{
	buf_append_str(out, "[");
	for (size_t i = 0; i < list->count; i++) {
		if (i)
			buf_append_str(out, ",\n");
		dirlist_json_entry(&list->entries[i], out);
	}
	buf_append_str(out, "]\n");
}

void dirlist_free(struct dirlist *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->entries[i].name);
	free(list->entries);
	*list = (struct dirlist){ .entries = NULL };
}
