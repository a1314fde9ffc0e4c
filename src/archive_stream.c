/* archive_stream: --archives, a folder as tar, tar.gz or zip, streamed.
 *
 * libarchive formats; we walk and feed it. The walk is the listing's:
 * dirlist_read for the names (dotfiles dropped with --no-dotfiles, names
 * in the listing's order), root_open for every entry, so nothing outside
 * the root is reached and a symlink is followed exactly when the server
 * would serve it. Regular files and directories go in, as the server
 * would serve them (a symlink as the file it names); FIFOs, devices and
 * sockets are left out, and so is a directory already being walked (a
 * symlink loop).
 *
 * Failure is never a quiet corruption: a write that fails (the client is
 * gone: EPIPE, or stopped reading for the send timeout) stops the walk at
 * once, and a file that turns out shorter or longer than its stat said
 * ends the stream. Either way archive_write_fail keeps libarchive from
 * padding the member and writing a trailer, and the chunked body gets no
 * last chunk, so the client sees an incomplete transfer.
 *
 * zip members are stored, not deflated: on a LAN the network is faster
 * than deflate, and photos and videos do not shrink; tar.gz compresses. */
#include "archive_stream.h"

#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirlist.h"
#include "path.h"
#include "utf8.h"

/* Bytes read from a file at a time, and handed to libarchive. */
#define ASTREAM_READ_BUF (256 * 1024)
/* Directories open at once while walking; deeper ones are left out. */
#define ASTREAM_MAX_DEPTH 128
#define ASTREAM_NAME_MAX (2 * PATH_MAX_LEN)

/* ---- libarchive, loaded when a child first needs it ---------------
 *
 * Linked normally, libarchive and the dozen libraries it needs (nettle,
 * lzma, zstd, xml2, icu, ...) took the parent from 25 mappings to 110
 * and doubled its RSS, and every fork for every request copies those
 * page tables. So it is opened with dlopen, in the child that sends an
 * archive, and the parent stays as it was. The table is per process and
 * filled once: the one piece of file-scope state here. */
#define ASTREAM_LIBARCHIVE "libarchive.so.13"
#define ASTREAM_FUNCS(X) \
	X(archive_entry_clear) \
	X(archive_entry_copy_pathname) \
	X(archive_entry_free) \
	X(archive_entry_new) \
	X(archive_entry_set_filetype) \
	X(archive_entry_set_mtime) \
	X(archive_entry_set_perm) \
	X(archive_entry_set_size) \
	X(archive_set_error) \
	X(archive_write_add_filter_gzip) \
	X(archive_write_close) \
	X(archive_write_data) \
	X(archive_write_fail) \
	X(archive_write_free) \
	X(archive_write_header) \
	X(archive_write_new) \
	X(archive_write_open) \
	X(archive_write_set_bytes_per_block) \
	X(archive_write_set_filter_option) \
	X(archive_write_set_format_pax_restricted) \
	X(archive_write_set_format_zip) \
	X(archive_write_zip_set_compression_store)

static struct {
	bool tried, ok;
#define X(f) __typeof__(f) *p_##f;
	ASTREAM_FUNCS(X)
#undef X
} astream_lib;

static bool astream_load(void)
{
	if (astream_lib.tried)
		return astream_lib.ok;
	astream_lib.tried = true;
	void *h = dlopen(ASTREAM_LIBARCHIVE, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return false;
	/* POSIX: a function pointer is stored through a void * (dlsym(3)) */
#define X(f)                                              \
	*(void **)&astream_lib.p_##f = dlsym(h, #f);       \
	if (!astream_lib.p_##f)                           \
		return false;
	ASTREAM_FUNCS(X)
#undef X
	astream_lib.ok = true;
	return true;
}

#define ASTREAM_CALL(f) (*astream_lib.p_##f)
#define archive_entry_clear ASTREAM_CALL(archive_entry_clear)
#define archive_entry_copy_pathname ASTREAM_CALL(archive_entry_copy_pathname)
#define archive_entry_free ASTREAM_CALL(archive_entry_free)
#define archive_entry_new ASTREAM_CALL(archive_entry_new)
#define archive_entry_set_filetype ASTREAM_CALL(archive_entry_set_filetype)
#define archive_entry_set_mtime ASTREAM_CALL(archive_entry_set_mtime)
#define archive_entry_set_perm ASTREAM_CALL(archive_entry_set_perm)
#define archive_entry_set_size ASTREAM_CALL(archive_entry_set_size)
#define archive_set_error ASTREAM_CALL(archive_set_error)
#define archive_write_add_filter_gzip ASTREAM_CALL(archive_write_add_filter_gzip)
#define archive_write_close ASTREAM_CALL(archive_write_close)
#define archive_write_data ASTREAM_CALL(archive_write_data)
#define archive_write_fail ASTREAM_CALL(archive_write_fail)
#define archive_write_free ASTREAM_CALL(archive_write_free)
#define archive_write_header ASTREAM_CALL(archive_write_header)
#define archive_write_new ASTREAM_CALL(archive_write_new)
#define archive_write_open ASTREAM_CALL(archive_write_open)
#define archive_write_set_bytes_per_block ASTREAM_CALL(archive_write_set_bytes_per_block)
#define archive_write_set_filter_option ASTREAM_CALL(archive_write_set_filter_option)
#define archive_write_set_format_pax_restricted ASTREAM_CALL(archive_write_set_format_pax_restricted)
#define archive_write_set_format_zip ASTREAM_CALL(archive_write_set_format_zip)
#define archive_write_zip_set_compression_store ASTREAM_CALL(archive_write_zip_set_compression_store)

static const char *const astream_names[] = {
	[ARCHIVE_STREAM_TAR] = "tar",
	[ARCHIVE_STREAM_TAR_GZ] = "tar.gz",
	[ARCHIVE_STREAM_ZIP] = "zip",
};

static const char *const astream_types[] = {
	[ARCHIVE_STREAM_TAR] = "application/x-tar",
	[ARCHIVE_STREAM_TAR_GZ] = "application/gzip",
	[ARCHIVE_STREAM_ZIP] = "application/zip",
};

const char *archive_stream_name(enum archive_stream_format f)
{
	return f == ARCHIVE_STREAM_NONE ? "" : astream_names[f];
}

const char *archive_stream_type(enum archive_stream_format f)
{
	return f == ARCHIVE_STREAM_NONE ? "" : astream_types[f];
}

enum archive_stream_format archive_stream_from_query(const char *query)
{
	static const char key[] = "download=";
	while (query && *query) {
		size_t len = strcspn(query, "&;");
		if (len > sizeof(key) - 1 && memcmp(query, key, sizeof(key) - 1) == 0) {
			const char *v = query + sizeof(key) - 1;
			size_t vlen = len - (sizeof(key) - 1);
			for (int f = ARCHIVE_STREAM_TAR; f <= ARCHIVE_STREAM_ZIP; f++)
				if (strlen(astream_names[f]) == vlen &&
				    memcmp(v, astream_names[f], vlen) == 0)
					return (enum archive_stream_format)f;
		}
		query += len + (query[len] != '\0');
	}
	return ARCHIVE_STREAM_NONE;
}

int archive_stream_plan(struct archive_stream_plan *plan, enum archive_stream_format f,
			const struct root *root, const char *rel, const char *top_name,
			bool no_dotfiles, bool chunked)
{
	*plan = (struct archive_stream_plan){
		.format = f, .root = root, .no_dotfiles = no_dotfiles, .chunked = chunked};
	if (!astream_load()) {
		plan->format = ARCHIVE_STREAM_NONE;
		errno = ELIBACC;
		return -1;
	}
	plan->rel = strdup(rel);
	plan->top = strdup(top_name);
	if (!plan->rel || !plan->top) {
		archive_stream_release(plan);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void archive_stream_release(struct archive_stream_plan *plan)
{
	free(plan->rel);
	free(plan->top);
	*plan = (struct archive_stream_plan){.format = ARCHIVE_STREAM_NONE};
}

/* RFC 5987 attr-char: what filename*= may carry unencoded. */
static bool astream_attr_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("!#$&+-.^_`|~", c) != NULL;
}

void archive_stream_disposition(const struct archive_stream_plan *plan, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *suffix = archive_stream_name(plan->format);
	buf_append_str(out, "attachment; filename=\"");
	/* the ASCII fallback: anything a quoted-string or an old client
	 * could trip on becomes '_' */
	for (const unsigned char *p = (const unsigned char *)plan->top; *p; p++) {
		char c = (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\') ? (char)*p : '_';
		buf_append(out, &c, 1);
	}
	buf_printf(out, ".%s\"; filename*=UTF-8''", suffix);
	for (const unsigned char *p = (const unsigned char *)plan->top; *p; p++) {
		if (astream_attr_char(*p)) {
			buf_append(out, p, 1);
		} else {
			char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			buf_append(out, enc, 3);
		}
	}
	buf_printf(out, ".%s", suffix);
}

/* ---- the walk --------------------------------------------------------- */

struct astream {
	struct io *io;
	const struct archive_stream_plan *plan;
	struct archive *a;
	struct archive_entry *entry;
	long long sent;
	char *buf;                     /* ASTREAM_READ_BUF */
	struct stat open_dirs[ASTREAM_MAX_DEPTH];
	int depth;
	char sub[PATH_MAX_LEN];        /* the entry below the folder: "a/b.txt" */
	char rel[PATH_MAX_LEN];        /* the same below the root */
	char name[ASTREAM_NAME_MAX];   /* the same in the archive: "top/a/b.txt" */
};

/* libarchive's output: one chunk per call (unframed without chunked). */
static la_ssize_t astream_write(struct archive *a, void *ctx, const void *data, size_t len)
{
	struct astream *s = ctx;
	if (len == 0)
		return 0;
	char head[24];
	int n = snprintf(head, sizeof(head), "%zx\r\n", len);
	struct iovec iov[3] = {{head, (size_t)n}, {(void *)data, len}, {"\r\n", 2}};
	int rc = s->plan->chunked ? io_write_all(s->io, iov, 3, true)
				  : io_write_all(s->io, &iov[1], 1, true);
	if (rc < 0) {
		archive_set_error(a, errno ? errno : EPIPE, "the client is gone");
		return -1;
	}
	s->sent += (long long)len;
	return (la_ssize_t)len;
}

static int astream_header(struct astream *s, const struct stat *st, bool dir)
{
	struct archive_entry *e = archive_entry_clear(s->entry);
	archive_entry_copy_pathname(e, s->name);
	archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(e, st->st_mode & 0777);
	archive_entry_set_size(e, dir ? 0 : st->st_size);
	archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	/* A name that is not valid UTF-8 cannot be converted and is written
	 * as its bytes, with a warning: not an error. zip would still flag
	 * it UTF-8 in a UTF-8 locale: written from the C locale instead. */
	locale_t c = (locale_t)0, old = (locale_t)0;
	if (s->plan->format == ARCHIVE_STREAM_ZIP && !utf8_valid(s->name)) {
		c = newlocale(LC_CTYPE_MASK, "C", (locale_t)0);
		old = c ? uselocale(c) : (locale_t)0;
	}
	int rc = archive_write_header(s->a, e);
	if (c) {
		uselocale(old);
		freelocale(c);
	}
	return rc >= ARCHIVE_WARN ? 0 : -1;
}

static ssize_t astream_read(int fd, void *buf, size_t len)
{
	ssize_t n;
	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

/* Exactly st_size bytes, and then the end of the file: anything else
 * means the file changed while it was read. */
static int astream_file(struct astream *s, int fd, const struct stat *st)
{
	if (astream_header(s, st, false) < 0)
		return -1;
	off_t left = st->st_size;
	while (left > 0) {
		size_t want = left < ASTREAM_READ_BUF ? (size_t)left : ASTREAM_READ_BUF;
		ssize_t n = astream_read(fd, s->buf, want);
		if (n <= 0)
			return -1;
		if (archive_write_data(s->a, s->buf, (size_t)n) != n)
			return -1;
		left -= n;
	}
	return astream_read(fd, s->buf, 1) == 0 ? 0 : -1;
}

static bool astream_on_path(const struct astream *s, const struct stat *st)
{
	for (int i = 0; i < s->depth; i++)
		if (s->open_dirs[i].st_dev == st->st_dev && s->open_dirs[i].st_ino == st->st_ino)
			return true;
	return false;
}

static int astream_dir(struct astream *s, int dir_fd);

/* sub, rel and name for the entry called entry in the current folder;
 * false when they would not fit (such a path cannot be requested). */
static bool astream_names_for(struct astream *s, size_t sub_len, const char *entry)
{
	int n = snprintf(s->sub + sub_len, sizeof(s->sub) - sub_len, "%s%s", sub_len ? "/" : "",
			 entry);
	if (n < 0 || (size_t)n >= sizeof(s->sub) - sub_len)
		return false;
	const char *rel = s->plan->rel;
	n = snprintf(s->rel, sizeof(s->rel), "%s%s%s", rel, *rel ? "/" : "", s->sub);
	if (n < 0 || (size_t)n >= sizeof(s->rel))
		return false;
	n = snprintf(s->name, sizeof(s->name), "%s/%s", s->plan->top, s->sub);
	return n >= 0 && (size_t)n < sizeof(s->name);
}

static int astream_subdir(struct astream *s, int fd, const struct stat *st)
{
	if (s->depth == ASTREAM_MAX_DEPTH || astream_on_path(s, st))
		return 0;
	size_t len = strlen(s->name);
	if (len + 1 >= sizeof(s->name))
		return 0;
	memcpy(s->name + len, "/", 2); /* a directory member ends in '/' */
	if (astream_header(s, st, true) < 0)
		return -1;
	s->open_dirs[s->depth++] = *st;
	int rc = astream_dir(s, fd);
	s->depth--;
	return rc;
}

/* One entry of the current folder; -1 ends the whole walk. */
static int astream_entry(struct astream *s, const char *entry)
{
	size_t sub_len = strlen(s->sub);
	int rc = 0;
	if (astream_names_for(s, sub_len, entry)) {
		int fd = root_open(s->plan->root, s->rel);
		struct stat st;
		if (fd >= 0 && fstat(fd, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				rc = astream_subdir(s, fd, &st);
			else if (S_ISREG(st.st_mode))
				rc = astream_file(s, fd, &st);
		}
		if (fd >= 0)
			close(fd); /* read-only: nothing to lose */
	}
	s->sub[sub_len] = '\0';
	return rc;
}

static int astream_dir(struct astream *s, int dir_fd)
{
	struct dirlist list;
	if (dirlist_read(dir_fd, &list) < 0)
		return 0; /* a folder we may not read is not listed either */
	if (s->plan->no_dotfiles)
		dirlist_hide_dotfiles(&list);
	struct dirlist_view by_name = {.key = DIRLIST_BY_NAME};
	int rc = dirlist_sort_view(&list, &by_name);
	for (size_t i = 0; rc == 0 && i < list.count; i++)
		rc = astream_entry(s, list.entries[i].name);
	dirlist_free(&list);
	return rc;
}

static struct archive *astream_open(struct astream *s)
{
	struct archive *a = archive_write_new();
	if (!a)
		return NULL;
	int rc;
	if (s->plan->format == ARCHIVE_STREAM_ZIP) {
		rc = archive_write_set_format_zip(a);
		if (rc == ARCHIVE_OK)
			rc = archive_write_zip_set_compression_store(a);
	} else {
		/* ustar where it can, pax headers for long or odd names */
		rc = archive_write_set_format_pax_restricted(a);
		if (rc == ARCHIVE_OK && s->plan->format == ARCHIVE_STREAM_TAR_GZ)
			rc = archive_write_add_filter_gzip(a);
		/* level 1: on 100 MB of C source, 1 s for 36 % where gzip's
		 * default 6 takes 2.8 s for 30 %: the LAN is not the limit */
		if (rc == ARCHIVE_OK && s->plan->format == ARCHIVE_STREAM_TAR_GZ)
			rc = archive_write_set_filter_option(a, "gzip", "compression-level", "1");
	}
	/* Unblocked: each write goes out as it comes, no 10 KiB records. */
	if (rc == ARCHIVE_OK)
		rc = archive_write_set_bytes_per_block(a, 0);
	if (rc == ARCHIVE_OK)
		rc = archive_write_open(a, s, NULL, astream_write, NULL);
	if (rc != ARCHIVE_OK) {
		archive_write_free(a);
		return NULL;
	}
	return a;
}

/* The top folder's own member, then everything below it. */
static int astream_walk(struct astream *s)
{
	int fd = root_open(s->plan->root, s->plan->rel);
	struct stat st;
	int rc = -1;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(s->name, sizeof(s->name), "%s/", s->plan->top);
		rc = astream_header(s, &st, true);
		s->open_dirs[s->depth++] = st;
		if (rc == 0)
			rc = astream_dir(s, fd);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static int astream_last_chunk(struct astream *s)
{
	struct iovec last = {"0\r\n\r\n", 5};
	return s->plan->chunked ? io_write_all(s->io, &last, 1, false) : 0;
}

/* libarchive converts names from the locale's charset to the UTF-8 that
 * pax headers and zip's UTF-8 flag want; file names here are UTF-8 when
 * they are valid at all. So UTF-8 while the archive is made (only this
 * thread, only this while), and a name that does not convert is written
 * as its bytes (pax: hdrcharset=BINARY). */
static long long astream_send_utf8(struct io *io, const struct archive_stream_plan *plan);

long long archive_stream_send(struct io *io, const struct archive_stream_plan *plan)
{
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	locale_t old = utf8 ? uselocale(utf8) : (locale_t)0;
	long long sent = astream_send_utf8(io, plan);
	if (utf8) {
		uselocale(old);
		freelocale(utf8);
	}
	return sent;
}

static long long astream_send_utf8(struct io *io, const struct archive_stream_plan *plan)
{
	static struct astream s; /* ~24 KiB of names: off the stack */
	s = (struct astream){.io = io, .plan = plan};
	s.buf = malloc(ASTREAM_READ_BUF);
	s.entry = archive_entry_new();
	s.a = s.buf && s.entry ? astream_open(&s) : NULL;
	int rc = s.a ? astream_walk(&s) : -1;
	if (s.a && rc == 0)
		rc = archive_write_close(s.a) == ARCHIVE_OK ? astream_last_chunk(&s) : -1;
	else if (s.a)
		archive_write_fail(s.a); /* no padding, no trailer */
	if (s.a)
		archive_write_free(s.a);
	archive_entry_free(s.entry);
	free(s.buf);
	return rc == 0 ? s.sent : -1;
}
