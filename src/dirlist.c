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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "path.h"
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

/* Sorting compares each name about log2(n) times: its folded (lower-
 * cased) form is made once per entry, not once per comparison. */
struct dirlist_sort_item {
	const struct dirlist_entry *entry;
	const char *folded;
};

static int dirlist_cmp_names(const struct dirlist_sort_item *a,
			     const struct dirlist_sort_item *b)
{
	/* Same order as dirlist_cmp: folded names, then the bytes. */
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
	"th{font-weight:600;white-space:nowrap}th form{margin:0}\n"
	/* The sort buttons look like the text around them; the focus ring
	 * stays for keyboard users. */
	"th button{font:inherit;color:inherit;background:none;border:0;padding:0;"
	"margin:0;cursor:pointer}th button:hover{text-decoration:underline}\n"
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

/* A column head: a button to sort by it, the other way round when it is
 * the current order. A GET form, not a link, so that crawlers (wget -r)
 * do not fetch every listing once per order; the browser builds the same
 * "?sort=KEY&order=ORDER" as the link did, the button first as it comes
 * first in the form. No script needed. */
static void dirlist_render_head(const struct dirlist_view *view, enum dirlist_key key,
				const char *cls, const char *label, struct buf *out)
{
	bool current = view->key == key;
	bool desc = current && !view->descending;
	buf_printf(out,
		   "<th class=\"%s\"><form method=\"get\"><button name=\"sort\" "
		   "value=\"%s\">%s%s</button><input type=\"hidden\" name=\"order\" "
		   "value=\"%s\"></form></th>",
		   cls, dirlist_key_names[key], label,
		   !current ? "" : view->descending ? " &#9660;" : " &#9650;",
		   desc ? "desc" : "asc");
}

/* ---- rows, written straight into the buffer ---------------------------------
 *
 * A listing is mostly rows, and a row mostly short pieces: each row gets
 * room for its worst case once (buf_prepare) and is then written with a
 * cursor, no printf, no capacity check per piece. */

static size_t dirlist_min(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* for string literals only */
#define DIRLIST_PUT_LIT(p, lit) buf_put(p, lit, sizeof(lit) - 1)

/* "%lld" */
static char *dirlist_put_int(char *p, long long v)
{
	if (v >= 0)
		return buf_put_u64(p, (uint64_t)v);
	*p++ = '-';
	return buf_put_u64(p, 0 - (uint64_t)v);
}

static char *dirlist_put_2digits(char *p, unsigned v)
{
	*p++ = (char)('0' + v / 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* Room for "1023.9 KiB", "-9223372036854775808 B" and the like. */
#define DIRLIST_SIZE_MAX 32

/* "%.1f" of size / 2^shift, exactly as printf rounds it (to nearest,
 * ties to even): both are exact, size being below 2^53. */
static char *dirlist_put_tenths(char *p, uint64_t size, unsigned shift)
{
	uint64_t scaled = size * 10;
	uint64_t tenths = scaled >> shift;
	uint64_t rest = scaled & ((UINT64_C(1) << shift) - 1);
	uint64_t half = UINT64_C(1) << (shift - 1);
	if (rest > half || (rest == half && (tenths & 1)))
		tenths++;
	p = buf_put_u64(p, tenths / 10);
	*p++ = '.';
	*p++ = (char)('0' + tenths % 10);
	return p;
}

/* 1023 B, 1.2 KiB, 3.4 MiB, ... */
static char *dirlist_put_human_size(char *p, off_t size)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	if (size < 1024) {
		p = dirlist_put_int(p, (long long)size);
		return DIRLIST_PUT_LIT(p, " B");
	}
	double v = (double)size / 1024.0;
	size_t u = 0;
	/* From 1023.95 up, "%.1f" would round to "1024.0": next unit. */
	while (v >= 1023.95 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024.0;
		u++;
	}
	if ((uint64_t)size < UINT64_C(1) << 53) {
		p = dirlist_put_tenths(p, (uint64_t)size, 10 * ((unsigned)u + 1));
	} else {
		/* (double)size was rounded: let printf round what it holds
		 * (at most "1023.9", v being below 1024 or at most 8 EiB) */
		char tenths[DIRLIST_SIZE_MAX];
		int n = snprintf(tenths, sizeof(tenths), "%.1f", v);
		if (n > 0)
			p = buf_put(p, tenths, dirlist_min((size_t)n, sizeof(tenths) - 1));
	}
	*p++ = ' ';
	return buf_put(p, units[u], 3);
}

/* Room for any RFC 3339 time we write, even gmtime's widest year. */
#define DIRLIST_TIME_MAX 32
/* 9999-12-31T23:59:59Z: the last time with a four-digit year */
#define DIRLIST_TIME_FAST_END INT64_C(253402300799)

/* Days since 1970-01-01 to a date of the proleptic Gregorian calendar,
 * counting in 400-year eras from 0000-03-01 (so that the leap day ends
 * a year); days >= 0 only. */
static void dirlist_civil_date(int64_t days, unsigned *year, unsigned *month,
			       unsigned *day)
{
	int64_t z = days + 719468;  /* days since 0000-03-01 */
	int64_t era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);                  /* [0, 146096] */
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);        /* [0, 365] */
	unsigned mp = (5 * doy + 2) / 153;                             /* March = 0 */
	*day = doy - (153 * mp + 2) / 5 + 1;
	*month = mp < 10 ? mp + 3 : mp - 9;
	*year = (unsigned)(era * 400 + yoe) + (*month <= 2);
}

/* "2026-11-29T16:30:01Z" from digits for 1970 to 9999 ... */
static size_t dirlist_rfc3339_fast(time_t t, char *out)
{
	unsigned year, month, day;
	unsigned secs = (unsigned)(t % 86400);
	dirlist_civil_date(t / 86400, &year, &month, &day);
	char *p = out;
	p = dirlist_put_2digits(p, year / 100);
	p = dirlist_put_2digits(p, year % 100);
	*p++ = '-';
	p = dirlist_put_2digits(p, month);
	*p++ = '-';
	p = dirlist_put_2digits(p, day);
	*p++ = 'T';
	p = dirlist_put_2digits(p, secs / 3600);
	*p++ = ':';
	p = dirlist_put_2digits(p, secs / 60 % 60);
	*p++ = ':';
	p = dirlist_put_2digits(p, secs % 60);
	*p++ = 'Z';
	*p = '\0';
	return (size_t)(p - out);
}

/* ... and from gmtime and strftime before 1970 and after 9999, whose
 * years (none, five digits, a minus) only they get right. */
static size_t dirlist_rfc3339(time_t t, char out[DIRLIST_TIME_MAX])
{
	if (t >= 0 && (int64_t)t <= DIRLIST_TIME_FAST_END)
		return dirlist_rfc3339_fast(t, out);
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	return strftime(out, DIRLIST_TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* <time datetime="2026-11-29T16:30:01Z">2026-11-29 16:30</time> */
static char *dirlist_put_time(char *p, time_t mtime)
{
	char when[DIRLIST_TIME_MAX];
	size_t len = dirlist_rfc3339(mtime, when);
	p = DIRLIST_PUT_LIT(p, "<time datetime=\"");
	p = buf_put(p, when, len);
	p = DIRLIST_PUT_LIT(p, "\">");
	/* "%.10s %.5s" of when and when + 11 */
	p = buf_put(p, when, dirlist_min(len, 10));
	*p++ = ' ';
	if (len > 11)
		p = buf_put(p, when + 11, dirlist_min(len - 11, 5));
	return DIRLIST_PUT_LIT(p, "</time>");
}

/* Fixed text of a row, sizes and time included, with room to spare. */
#define DIRLIST_ROW_FIXED 256
/* Per byte of name: three in the href (%XX), five in the text (&amp;). */
#define DIRLIST_ROW_PER_BYTE 8

static char *dirlist_put_row(char *p, const struct dirlist_entry *e, size_t len)
{
	p = DIRLIST_PUT_LIT(p, "<tr><td class=\"n\"><a href=\"");
	p = path_percent_encode_to(p, e->name, len);
	if (e->is_dir)
		*p++ = '/';
	p = DIRLIST_PUT_LIT(p, "\">");
	p = buf_put_html(p, e->name, len, false);
	/* python: a link to a directory shows "@" but still links with "/". */
	if (e->is_link)
		*p++ = '@';
	else if (e->is_dir)
		*p++ = '/';
	p = DIRLIST_PUT_LIT(p, "</a></td><td class=\"s\">");
	if (e->is_dir)
		*p++ = '-';
	else
		p = dirlist_put_human_size(p, e->size);
	p = DIRLIST_PUT_LIT(p, "</td><td class=\"t\">");
	p = dirlist_put_time(p, e->mtime);
	return DIRLIST_PUT_LIT(p, "</td></tr>\n");
}

/* Room for a row or JSON object with a name of len bytes; SIZE_MAX (which
 * no buffer gets) when that does not fit a size_t. */
static size_t dirlist_room(size_t len, size_t fixed, size_t per_byte)
{
	return len > (SIZE_MAX - fixed) / per_byte ? SIZE_MAX : fixed + len * per_byte;
}

static void dirlist_render_row(const struct dirlist_entry *e, struct buf *out)
{
	size_t len = strlen(e->name);
	char *start = buf_prepare(out, dirlist_room(len, DIRLIST_ROW_FIXED, DIRLIST_ROW_PER_BYTE));
	if (start)
		buf_commit(out, (size_t)(dirlist_put_row(start, e, len) - start));
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
	buf_append_str(out, "</tbody>\n</table>\n<hr>\n");
	if (view->html_tail)
		buf_append_str(out, view->html_tail);
	buf_append_str(out, "</body>\n</html>\n");
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

/* "\"" and "\\" escaped, control characters as \u00XX, bad UTF-8 as
 * U+FFFD: at most six bytes out per byte in. */
static char *dirlist_put_json_string(char *p, const char *s, size_t left)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	*p++ = '"';
	while (left > 0) {
		if (*u >= 0x20 && *u < 0x7f && *u != '"' && *u != '\\') {
			*p++ = (char)*u++; /* most names are plain ASCII */
			left--;
			continue;
		}
		size_t n = dirlist_utf8_len(u, left);
		if (n == 0) {
			p = DIRLIST_PUT_LIT(p, "\\ufffd");
			n = 1;
		} else if (*u == '"' || *u == '\\') {
			*p++ = '\\';
			*p++ = (char)*u;
		} else if (*u < 0x20 || *u == 0x7f) {
			p = DIRLIST_PUT_LIT(p, "\\u00");
			*p++ = hex[*u >> 4];
			*p++ = hex[*u & 15];
		} else {
			p = buf_put(p, (const char *)u, n);
		}
		u += n;
		left -= n;
	}
	*p++ = '"';
	return p;
}

static const char *dirlist_json_type(const struct dirlist_entry *e)
{
	return e->is_link ? "symlink" : e->is_dir ? "dir" : "file";
}

/* Fixed text of a JSON object, size and time included, with room to spare. */
#define DIRLIST_JSON_FIXED 160
/* Per byte of name: six in "name" (\ufffd), three in "href" (%XX). */
#define DIRLIST_JSON_PER_BYTE 9

static char *dirlist_put_json_entry(char *p, const struct dirlist_entry *e, size_t len)
{
	const char *type = dirlist_json_type(e);
	char when[DIRLIST_TIME_MAX];
	size_t when_len = dirlist_rfc3339(e->mtime, when);
	p = DIRLIST_PUT_LIT(p, "{\"name\":");
	p = dirlist_put_json_string(p, e->name, len);
	p = DIRLIST_PUT_LIT(p, ",\"type\":\"");
	p = buf_put(p, type, strlen(type));
	p = DIRLIST_PUT_LIT(p, "\",\"size\":");
	p = dirlist_put_int(p, (long long)e->size);
	p = DIRLIST_PUT_LIT(p, ",\"mtime\":\"");
	p = buf_put(p, when, when_len);
	p = DIRLIST_PUT_LIT(p, "\",\"href\":\"");
	/* percent-encoding leaves only ASCII that needs no JSON escape */
	p = path_percent_encode_to(p, e->name, len);
	if (e->is_dir)
		*p++ = '/';
	return DIRLIST_PUT_LIT(p, "\"}");
}

static void dirlist_json_entry(const struct dirlist_entry *e, struct buf *out)
{
	size_t len = strlen(e->name);
	char *start = buf_prepare(out, dirlist_room(len, DIRLIST_JSON_FIXED, DIRLIST_JSON_PER_BYTE));
	if (start)
		buf_commit(out, (size_t)(dirlist_put_json_entry(start, e, len) - start));
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
