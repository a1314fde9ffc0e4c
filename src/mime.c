/* mime: file name → Content-Type.
 *
 * Two sorted tables, both searched with bsearch on the lower-cased last
 * extension. The built-in one is asked first, so a machine's mime.types
 * cannot change how the common types are served; the extra one, read by
 * mime_load, only adds extensions. The built-in table is python 3.12's
 * mimetypes (strict) with http.server's overrides (gz, Z, bz2, xz) and a
 * few web types python 3.12 lacks (webp, woff, woff2, ttf, otf, ogg, ...).
 * python's ".ass" → audio/aac is left out: .ass files are subtitles.
 *
 * The types a browser enforces are here, never left to mime.types: a
 * module script must be a JavaScript type (.js .mjs .cjs: text/javascript,
 * RFC 9239), WebAssembly.instantiateStreaming needs application/wasm, and
 * a manifest, an SVG or a font served as anything else is refused or
 * shown as text. ".ts" is an MPEG transport stream (video/mp2t, as nginx
 * and Debian say): HLS playlists (.m3u8) list .ts segments, and a
 * browser never runs TypeScript sources, which a dev server compiles
 * first. */
#include "mime.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "http.h"

/* Bounds on what mime.types may give us. Real extensions and types are far
 * shorter; longer tokens are dropped, and the entry cap bounds the memory
 * a hostile file can cost (Debian's file has about 2000 extensions). */
#define MIME_EXT_MAX 32
#define MIME_TYPE_MAX 127
#define MIME_EXTRA_MAX 65536
/* Debian's mime.types is 74 KiB; reading stops here, so that even
 * mime_load(t, "/dev/zero") ends. */
#define MIME_FILE_MAX (16 << 20)

struct mime_entry {
	const char *ext; /* lower case, without the dot */
	const char *type;
};

/* Sorted by ext (strcmp order): bsearch depends on it. */
static const struct mime_entry mime_builtin[] = {
	{"3g2", "audio/3gpp2"},
	{"3gp", "audio/3gpp"},
	{"3gpp", "audio/3gpp"},
	{"3gpp2", "audio/3gpp2"},
	{"7z", "application/x-7z-compressed"},
	{"a", "application/octet-stream"},
	{"aac", "audio/aac"},
	{"adts", "audio/aac"},
	{"ai", "application/postscript"},
	{"aif", "audio/x-aiff"},
	{"aifc", "audio/x-aiff"},
	{"aiff", "audio/x-aiff"},
	{"au", "audio/basic"},
	{"avi", "video/x-msvideo"},
	{"avif", "image/avif"},
	{"bat", "text/plain"},
	{"bcpio", "application/x-bcpio"},
	{"bin", "application/octet-stream"},
	{"bmp", "image/bmp"},
	{"bz2", "application/x-bzip2"},
	{"c", "text/plain"},
	{"cdf", "application/x-netcdf"},
	{"cjs", "text/javascript"},
	{"cpio", "application/x-cpio"},
	{"csh", "application/x-csh"},
	{"css", "text/css"},
	{"csv", "text/csv"},
	{"dll", "application/octet-stream"},
	{"doc", "application/msword"},
	{"dot", "application/msword"},
	{"dvi", "application/x-dvi"},
	{"eml", "message/rfc822"},
	{"eps", "application/postscript"},
	{"epub", "application/epub+zip"},
	{"etx", "text/x-setext"},
	{"exe", "application/octet-stream"},
	{"flac", "audio/flac"},
	{"gif", "image/gif"},
	{"glb", "model/gltf-binary"},
	{"gltf", "model/gltf+json"},
	{"gtar", "application/x-gtar"},
	{"gz", "application/gzip"},
	{"h", "text/plain"},
	{"h5", "application/x-hdf5"},
	{"hdf", "application/x-hdf"},
	{"heic", "image/heic"},
	{"heif", "image/heif"},
	{"htm", "text/html"},
	{"html", "text/html"},
	{"ico", "image/vnd.microsoft.icon"},
	{"ief", "image/ief"},
	{"jpe", "image/jpeg"},
	{"jpeg", "image/jpeg"},
	{"jpg", "image/jpeg"},
	{"js", "text/javascript"},
	{"json", "application/json"},
	{"jxl", "image/jxl"},
	{"ksh", "text/plain"},
	{"latex", "application/x-latex"},
	{"loas", "audio/aac"},
	{"m1v", "video/mpeg"},
	{"m3u", "application/vnd.apple.mpegurl"},
	{"m3u8", "application/vnd.apple.mpegurl"},
	{"m4a", "audio/mp4"},
	{"m4s", "video/iso.segment"},
	{"m4v", "video/x-m4v"},
	{"man", "application/x-troff-man"},
	{"map", "application/json"},
	{"markdown", "text/markdown"},
	{"md", "text/markdown"},
	{"me", "application/x-troff-me"},
	{"mht", "message/rfc822"},
	{"mhtml", "message/rfc822"},
	{"mif", "application/x-mif"},
	{"mjs", "text/javascript"},
	{"mov", "video/quicktime"},
	{"movie", "video/x-sgi-movie"},
	{"mp2", "audio/mpeg"},
	{"mp3", "audio/mpeg"},
	{"mp4", "video/mp4"},
	{"mpa", "video/mpeg"},
	{"mpe", "video/mpeg"},
	{"mpeg", "video/mpeg"},
	{"mpg", "video/mpeg"},
	{"ms", "application/x-troff-ms"},
	{"n3", "text/n3"},
	{"nc", "application/x-netcdf"},
	{"nq", "application/n-quads"},
	{"nt", "application/n-triples"},
	{"nws", "message/rfc822"},
	{"o", "application/octet-stream"},
	{"obj", "application/octet-stream"},
	{"oda", "application/oda"},
	{"oga", "audio/ogg"},
	{"ogg", "audio/ogg"},
	{"ogv", "video/ogg"},
	{"opus", "audio/opus"},
	{"otf", "font/otf"},
	{"p12", "application/x-pkcs12"},
	{"p7c", "application/pkcs7-mime"},
	{"pbm", "image/x-portable-bitmap"},
	{"pdf", "application/pdf"},
	{"pfx", "application/x-pkcs12"},
	{"pgm", "image/x-portable-graymap"},
	{"pl", "text/plain"},
	{"png", "image/png"},
	{"pnm", "image/x-portable-anymap"},
	{"pot", "application/vnd.ms-powerpoint"},
	{"ppa", "application/vnd.ms-powerpoint"},
	{"ppm", "image/x-portable-pixmap"},
	{"pps", "application/vnd.ms-powerpoint"},
	{"ppt", "application/vnd.ms-powerpoint"},
	{"ps", "application/postscript"},
	{"pwz", "application/vnd.ms-powerpoint"},
	{"py", "text/x-python"},
	{"pyc", "application/x-python-code"},
	{"pyo", "application/x-python-code"},
	{"qt", "video/quicktime"},
	{"ra", "audio/x-pn-realaudio"},
	{"ram", "application/x-pn-realaudio"},
	{"ras", "image/x-cmu-raster"},
	{"rdf", "application/xml"},
	{"rgb", "image/x-rgb"},
	{"roff", "application/x-troff"},
	{"rtx", "text/richtext"},
	{"sgm", "text/x-sgml"},
	{"sgml", "text/x-sgml"},
	{"sh", "application/x-sh"},
	{"shar", "application/x-shar"},
	{"snd", "audio/basic"},
	{"so", "application/octet-stream"},
	{"src", "application/x-wais-source"},
	{"srt", "text/plain"},
	{"sv4cpio", "application/x-sv4cpio"},
	{"sv4crc", "application/x-sv4crc"},
	{"svg", "image/svg+xml"},
	{"swf", "application/x-shockwave-flash"},
	{"t", "application/x-troff"},
	{"tar", "application/x-tar"},
	{"tcl", "application/x-tcl"},
	{"tex", "application/x-tex"},
	{"texi", "application/x-texinfo"},
	{"texinfo", "application/x-texinfo"},
	{"tgz", "application/gzip"},
	{"tif", "image/tiff"},
	{"tiff", "image/tiff"},
	{"toml", "application/toml"},
	{"tr", "application/x-troff"},
	{"trig", "application/trig"},
	{"ts", "video/mp2t"},
	{"tsv", "text/tab-separated-values"},
	{"ttf", "font/ttf"},
	{"txt", "text/plain"},
	{"ustar", "application/x-ustar"},
	{"vcf", "text/x-vcard"},
	{"vtt", "text/vtt"},
	{"wasm", "application/wasm"},
	{"wav", "audio/x-wav"},
	{"weba", "audio/webm"},
	{"webm", "video/webm"},
	{"webmanifest", "application/manifest+json"},
	{"webp", "image/webp"},
	{"wiz", "application/msword"},
	{"woff", "font/woff"},
	{"woff2", "font/woff2"},
	{"wsdl", "application/xml"},
	{"xbm", "image/x-xbitmap"},
	{"xlb", "application/vnd.ms-excel"},
	{"xls", "application/vnd.ms-excel"},
	{"xml", "text/xml"},
	{"xpdl", "application/xml"},
	{"xpm", "image/x-xpixmap"},
	{"xsl", "application/xml"},
	{"xwd", "image/x-xwindowdump"},
	{"xz", "application/x-xz"},
	{"yaml", "application/yaml"},
	{"yml", "application/yaml"},
	{"z", "application/octet-stream"},
	{"zip", "application/zip"},
};

#define MIME_BUILTIN_LEN (sizeof(mime_builtin) / sizeof(mime_builtin[0]))

bool mime_builtin_entry(size_t i, const char **ext, const char **type)
{
	if (i >= MIME_BUILTIN_LEN)
		return false;
	*ext = mime_builtin[i].ext;
	*type = mime_builtin[i].type;
	return true;
}


static int mime_entry_cmp(const void *a, const void *b)
{
	const struct mime_entry *x = a;
	const struct mime_entry *y = b;

	return strcmp(x->ext, y->ext);
}

static const char *mime_find(const struct mime_entry *table, size_t len,
			     const char *ext)
{
	struct mime_entry key = { ext, NULL };
	const struct mime_entry *hit;

	if (len == 0)
		return NULL;
	hit = bsearch(&key, table, len, sizeof(*table), mime_entry_cmp);
	return hit ? hit->type : NULL;
}

static char mime_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* The extension of the last path component, lower-cased into ext; false
 * when there is none. Like python's splitext, leading dots do not start an
 * extension: ".bashrc" has none, "x." has an empty one. */
static bool mime_extension(const char *filename, char ext[MIME_EXT_MAX + 1])
{
	const char *base = strrchr(filename, '/');
	const char *dot;
	size_t n;

	base = base ? base + 1 : filename;
	while (*base == '.')
		base++;
	dot = strrchr(base, '.');
	if (!dot)
		return false;
	n = strlen(dot + 1);
	if (n == 0 || n > MIME_EXT_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		ext[i] = mime_lower(dot[1 + i]);
	ext[n] = '\0';
	return true;
}

const char *mime_lookup(const struct mime_table *t, const char *filename)
{
	char ext[MIME_EXT_MAX + 1];
	const char *type;

	if (!filename || !mime_extension(filename, ext))
		return MIME_DEFAULT_TYPE;
	type = mime_find(mime_builtin, MIME_BUILTIN_LEN, ext);
	if (!type)
		type = t ? mime_find(t->extra, t->len, ext) : NULL;
	return type ? type : MIME_DEFAULT_TYPE;
}

/* ---- reading mime.types ------------------------------------------------ */

/* While reading, entries hold offsets into the pool (which may move as it
 * grows); seq keeps file order so the last mention of an extension wins,
 * as in python. */
struct mime_raw {
	size_t ext;
	size_t type;
	size_t seq;
};

struct mime_sorting {
	const char *ext;
	const char *type;
	size_t seq;
};

struct mime_parser {
	struct buf pool;
	struct buf raws; /* struct mime_raw[] */
	size_t nraw;
	char tok[MIME_TYPE_MAX + 1];
	size_t toklen;
	bool toklong;  /* the current token outgrew tok */
	size_t ntok;   /* tokens seen on this line */
	bool skipline; /* comment, or a line whose type was unusable */
	char type[MIME_TYPE_MAX + 1];
	bool type_pooled; /* type already copied to the pool for this line */
	size_t type_off;
};


static bool mime_valid_type(const char *t, size_t len)
{
	size_t slash = 0;
	size_t nslash = 0;

	for (size_t i = 0; i < len; i++) {
		if (t[i] == '/') {
			slash = i;
			nslash++;
		} else if (!http_is_tchar((unsigned char)t[i])) {
			return false;
		}
	}
	return nslash == 1 && slash > 0 && slash < len - 1;
}

/* A '.' could never match (lookup uses what follows the last dot). */
static bool mime_valid_ext(const char *e, size_t len)
{
	if (len == 0 || len > MIME_EXT_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)e[i];
		if (c <= 0x20 || c >= 0x7f || c == '/' || c == '.')
			return false;
	}
	return true;
}

static void mime_add_ext(struct mime_parser *ps, const char *e, size_t len)
{
	struct mime_raw raw;
	char lower[MIME_EXT_MAX + 1];

	if (!mime_valid_ext(e, len) || ps->nraw >= MIME_EXTRA_MAX)
		return;
	for (size_t i = 0; i < len; i++)
		lower[i] = mime_lower(e[i]);
	lower[len] = '\0';
	if (mime_find(mime_builtin, MIME_BUILTIN_LEN, lower))
		return;
	if (!ps->type_pooled) {
		ps->type_off = ps->pool.len;
		buf_append(&ps->pool, ps->type, strlen(ps->type) + 1);
		ps->type_pooled = true;
	}
	raw.ext = ps->pool.len;
	raw.type = ps->type_off;
	raw.seq = ps->nraw;
	buf_append(&ps->pool, lower, len + 1);
	buf_append(&ps->raws, &raw, sizeof(raw));
	ps->nraw++;
}

static void mime_end_token(struct mime_parser *ps)
{
	size_t len = ps->toklen;
	bool toolong = ps->toklong;

	ps->toklen = 0;
	ps->toklong = false;
	if (len == 0 && !toolong)
		return;
	if (ps->skipline)
		return;
	if (ps->tok[0] == '#') {
		ps->skipline = true;
		return;
	}
	if (ps->ntok++ == 0) {
		ps->skipline = toolong || !mime_valid_type(ps->tok, len);
		if (!ps->skipline) {
			memcpy(ps->type, ps->tok, len);
			ps->type[len] = '\0';
			ps->type_pooled = false;
		}
		return;
	}
	if (!toolong)
		mime_add_ext(ps, ps->tok, len);
}

static void mime_end_line(struct mime_parser *ps)
{
	mime_end_token(ps);
	ps->ntok = 0;
	ps->skipline = false;
}

static void mime_feed(struct mime_parser *ps, const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = data[i];
		if (c == '\n') {
			mime_end_line(ps);
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\v' ||
			   c == '\f') {
			mime_end_token(ps);
		} else if (ps->toklen < MIME_TYPE_MAX) {
			ps->tok[ps->toklen++] = c;
		} else {
			ps->toklong = true;
		}
	}
}

/* Returns 0, or -1 when the file cannot be read (a missing file included). */
static int mime_read_file(const char *path, struct mime_parser *ps)
{
	char chunk[4096];
	size_t total = 0;
	int fd;

	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t n = total < MIME_FILE_MAX
				    ? read(fd, chunk, sizeof(chunk))
				    : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* read-only: a failing close loses nothing, and
			 * Linux closes the fd even then, so no retry */
			(void)close(fd);
			if (n < 0)
				return -1;
			mime_end_line(ps); /* no trailing newline */
			return 0;
		}
		mime_feed(ps, chunk, (size_t)n);
		total += (size_t)n;
	}
}

static int mime_sorting_cmp(const void *a, const void *b)
{
	const struct mime_sorting *x = a;
	const struct mime_sorting *y = b;
	int c = strcmp(x->ext, y->ext);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Turn the parsed offsets into the final sorted, de-duplicated table.
 * Takes the pool's memory; returns false when out of memory. */
static bool mime_build(struct mime_table *t, struct mime_parser *ps)
{
	const struct mime_raw *raws = (const void *)ps->raws.data;
	struct mime_sorting *s;
	size_t n = 0;

	if (ps->nraw == 0)
		return true;
	s = calloc(ps->nraw, sizeof(*s));
	struct mime_entry *extra = calloc(ps->nraw, sizeof(*extra));
	if (!s || !extra) {
		free(s);
		free(extra);
		return false;
	}
	for (size_t i = 0; i < ps->nraw; i++) {
		s[i].ext = ps->pool.data + raws[i].ext;
		s[i].type = ps->pool.data + raws[i].type;
		s[i].seq = raws[i].seq;
	}
	qsort(s, ps->nraw, sizeof(*s), mime_sorting_cmp);
	for (size_t i = 0; i < ps->nraw; i++) {
		/* the last of a run of equal extensions wins */
		if (i + 1 < ps->nraw && !strcmp(s[i].ext, s[i + 1].ext))
			continue;
		extra[n].ext = s[i].ext;
		extra[n].type = s[i].type;
		n++;
	}
	free(s);
	t->extra = extra;
	t->len = n;
	t->pool = ps->pool.data;
	ps->pool.data = NULL;
	return true;
}

#ifndef NDEBUG
/* Checked once per start in debug builds (and so by every unit test run):
 * an entry out of order would make bsearch miss it silently. */
static bool mime_builtin_sorted(void)
{
	for (size_t i = 1; i < MIME_BUILTIN_LEN; i++)
		if (strcmp(mime_builtin[i - 1].ext, mime_builtin[i].ext) >= 0)
			return false;
	return true;
}
#endif

/* A missing file, or one we run out of memory reading, leaves only the
 * built-in table (and returns 0). */
int mime_load(struct mime_table *t, const char *path)
{
	struct mime_parser *ps;
	bool ok;

	assert(mime_builtin_sorted());
	mime_free(t);
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return 0;
	buf_init(&ps->pool);
	buf_init(&ps->raws);
	ok = path && mime_read_file(path, ps) == 0 && buf_ok(&ps->pool) &&
	     buf_ok(&ps->raws) && mime_build(t, ps);
	buf_free(&ps->pool);
	buf_free(&ps->raws);
	free(ps);
	if (!ok)
		mime_free(t);
	return (int)t->len;
}

void mime_free(struct mime_table *t)
{
	free(t->extra);
	free(t->pool);
	*t = (struct mime_table){0};
}
