/* handler.c: python's SimpleHTTPRequestHandler.send_head, fixed where it
 * is wrong: nothing outside the root is ever opened (the kernel checks,
 * with RESOLVE_BENEATH), only regular files and directories are served,
 * and opening a FIFO never blocks (root.c does the opening). */
#include "handler.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_stream.h"
#include "auth.h"
#include "dirlist.h"
#include "fallback.h"
#include "gzip.h"
#include "httpdate.h"
#include "listing.h"
#include "livereload.h"
#include "mime.h"
#include "negotiate.h"
#include "options.h"
#include "path.h"
#include "range.h"
#include "readme.h"
#include "upload.h"
#include "validate.h"

/* ENXIO: a socket, which open() cannot open; like a FIFO or a device,
 * not a regular file: 403. A file or directory we may not read is a 404,
 * as python answers: whether it exists is not ours to tell. */
static enum http_status open_error_status(int err)
{
	return err == ENXIO ? HTTP_FORBIDDEN : HTTP_NOT_FOUND;
}

static const char *open_error_message(int err)
{
	return err == ENXIO ? "Not a regular file" : "File not found";
}

static void redirect_to_slash(const struct path *p, struct response *resp)
{
	resp->status = HTTP_MOVED_PERMANENTLY;
	path_redirect_location(p, &resp->location);
	if (!buf_ok(&resp->location))
		response_set_error(resp, HTTP_INTERNAL_SERVER_ERROR, NULL);
}

/* 404 with the site's own page as the body when it has one (404.html,
 * --404): the status stays 404, so it has no validators, and Range or
 * conditionals never make it a 206 or a 304. */
static void not_found(const struct site *site, const char *message, struct response *resp)
{
	response_set_error(resp, HTTP_NOT_FOUND, message);
	struct stat st;
	int fd = fallback_open_404(&site->root, site->cfg, &st);
	if (fd < 0)
		return;
	resp->body.len = 0;
	resp->file_fd = fd;
	resp->file_offset = 0;
	resp->file_length = st.st_size;
	resp->content_type = mime_lookup(&site->mime, site->cfg->not_found_page);
}

/* ---- files: representation, preconditions, ranges ------------------------ */

/* What goes out for a file: the file itself, a precompressed sibling
 * (FILE.br, FILE.gz), or the file gzipped now. */
struct variant {
	int fd;               /* the file to read: the sibling if one is used */
	struct stat st;       /* of that file: its own validators */
	const char *encoding; /* Content-Encoding; NULL: identity */
	bool gzip_now;        /* compress fd into memory (--compress) */
	bool injected;        /* the page with the --live-reload script */
};

static bool older(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* rel + suffix, if it is a regular file no older than the original: a
 * stale FILE.gz would serve yesterday's content (nginx's gzip_static
 * trusts it; we do not). */
static int open_sibling(const struct root *root, const char *rel, const char *suffix,
			const struct stat *orig, struct stat *st)
{
	char name[PATH_MAX_LEN + 8];
	int n = snprintf(name, sizeof(name), "%s%s", rel, suffix);
	if (n < 0 || (size_t)n >= sizeof(name))
		return -1;
	int fd = root_open(root, name);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) == 0 && S_ISREG(st->st_mode) && !older(&st->st_mtim, &orig->st_mtim))
		return fd;
	close(fd);
	return -1;
}

static void close_if_open(int fd)
{
	if (fd >= 0)
		close(fd);
}

static bool can_gzip_now(const struct config *cfg, const char *ctype, const struct stat *st)
{
	return cfg->compress && negotiate_compressible(ctype) && st->st_size > GZIP_MIN_INPUT &&
	       (uint64_t)st->st_size <= GZIP_MAX_INPUT;
}

/* Pick the variant the client accepts best (br before gzip at equal
 * weights). Range asks for bytes of the identity body, so with a Range
 * header only identity is chosen. *vary: whether the answer depends on
 * Accept-Encoding at all, so that caches key every variant on it.
 * Siblings are looked for only when they could be sent, or when the
 * type is one whose identity answer must then say Vary: a video seek
 * (Range) or an image for a client without codings costs no openat2. */
static void choose_variant(const struct site *site, const char *rel, const char *ctype,
			   const struct request *req, struct variant *v, bool *vary)
{
	struct negotiate_encodings acc = {0, 0};
	if (!request_header(req, "Range"))
		negotiate_encodings(request_header(req, "Accept-Encoding"), &acc);
	/* A client that names no encoding at all (wrk, curl, scripts) gets
	 * the file without two sibling lookups: identity is always right for
	 * it, and a cache that keeps this answer without Vary can only hand
	 * identity to others, which they accept too. */
	bool names_encodings = request_header(req, "Accept-Encoding") != NULL;
	bool look = acc.br > 0 || acc.gzip > 0 || (names_encodings && negotiate_compressible(ctype));
	struct stat bst, gst;
	int br = look ? open_sibling(&site->root, rel, ".br", &v->st, &bst) : -1;
	int gz = look ? open_sibling(&site->root, rel, ".gz", &v->st, &gst) : -1;
	bool now = gz < 0 && can_gzip_now(site->cfg, ctype, &v->st);
	*vary = br >= 0 || gz >= 0 || now;
	unsigned wbr = br >= 0 ? acc.br : 0;
	unsigned wgz = gz >= 0 || now ? acc.gzip : 0;
	if (wbr > 0 && wbr >= wgz) {
		close(v->fd);
		*v = (struct variant){.fd = br, .st = bst, .encoding = "br"};
		br = -1;
	} else if (wgz > 0 && gz >= 0) {
		close(v->fd);
		*v = (struct variant){.fd = gz, .st = gst, .encoding = "gzip"};
		gz = -1;
	} else if (wgz > 0) {
		v->gzip_now = true;
	}
	close_if_open(br);
	close_if_open(gz);
}

/* ETag and Last-Modified of the variant. gzip made here is a weak
 * validator (another zlib could make other bytes), and "-gz" keeps it
 * apart from the identity tag; "-lr" does the same for a page with the
 * live-reload script. */
static void set_validators(const struct variant *v, struct response *resp)
{
	const char *suffix = v->gzip_now ? "gz" : v->injected ? LIVERELOAD_ETAG_SUFFIX : NULL;
	resp->last_modified = v->st.st_mtim.tv_sec;
	validate_etag_format(resp->etag, (uint64_t)v->st.st_ino, (uint64_t)v->st.st_size,
			     (int64_t)v->st.st_mtim.tv_sec, v->st.st_mtim.tv_nsec, suffix,
			     v->gzip_now);
}

/* RFC 9110 13.2.2 for the variant; true when that already answered
 * (304 or 412) and the file is closed. */
static bool answered_by_preconditions(const struct request *req, struct variant *v,
				      struct response *resp)
{
	set_validators(v, resp);
	struct validate_request vr = {
		.if_match = request_header(req, "If-Match"),
		.if_none_match = request_header(req, "If-None-Match"),
		/* A date cannot tell the page with the script from the page
		 * without: only the ETag may make an injected page 304. */
		.if_modified_since = v->injected ? NULL : request_header(req, "If-Modified-Since"),
		.if_unmodified_since = request_header(req, "If-Unmodified-Since"),
		.get_or_head = true, /* OPTIONS never gets here */
	};
	enum http_status st = validate_preconditions(&vr, resp->etag, resp->last_modified);
	if (st == HTTP_OK)
		return false;
	close(v->fd);
	v->fd = -1;
	if (st == HTTP_NOT_MODIFIED) {
		resp->status = HTTP_NOT_MODIFIED;
		resp->content_type = NULL; /* 304: validators, Vary, Cache-Control */
	} else {
		resp->last_modified = 0;
		response_set_error(resp, st, NULL);
	}
	return true;
}

/* Range (after If-Range) on the identity body already planned as 200. */
static void apply_range(const struct request *req, const struct stat *st, struct response *resp)
{
	const char *range = request_header(req, "Range");
	const char *if_range = request_header(req, "If-Range");
	if (!range || (if_range && !range_if_range_holds(if_range, resp->etag,
							 st->st_mtim.tv_sec, time(NULL))))
		return;
	struct range_set set;
	resp->range_size = (uint64_t)st->st_size;
	switch (range_parse(range, (uint64_t)st->st_size, &set)) {
	case RANGE_IGNORE:
		break;
	case RANGE_UNSATISFIABLE:
		resp->last_modified = 0;
		response_set_error(resp, HTTP_RANGE_NOT_SATISFIABLE, NULL);
		resp->unsatisfied_range = true;
		resp->accept_ranges = true;
		break;
	case RANGE_PARTIAL:
		if (set.n == 1)
			response_set_single_range(resp, &set.r[0]);
		else
			(void)response_set_multipart(resp, &set); /* else: the whole file */
		break;
	}
}

/* The variant compressed into the body; false (nothing planned) when
 * that fails or does not pay, and the identity file is sent instead. */
static bool planned_gzip(struct variant *v, struct response *resp)
{
	if (gzip_file(v->fd, (uint64_t)v->st.st_size, &resp->body) == 0) {
		close(v->fd);
		v->fd = -1;
		resp->status = HTTP_OK;
		resp->content_encoding = "gzip";
		return true;
	}
	buf_free(&resp->body);
	v->gzip_now = false;
	return false;
}

static bool injects(const struct config *cfg, const char *ctype, const struct stat *st)
{
	return cfg->live_reload && livereload_is_html(ctype) &&
	       (uint64_t)st->st_size <= LIVERELOAD_INJECT_MAX;
}

/* The page with the live-reload script, built in memory: the identity
 * file only (no sibling, no gzip), and the whole of it whatever Range
 * asks, since byte offsets of the file are not those of the page. */
static void serve_injected(int fd, const struct stat *st, const struct request *req,
			   struct response *resp)
{
	struct variant v = {.fd = fd, .st = *st, .injected = true};
	if (answered_by_preconditions(req, &v, resp))
		return;
	int rc = livereload_inject_file(v.fd, (uint64_t)st->st_size, &resp->body);
	close(v.fd);
	if (rc < 0) {
		resp->last_modified = 0;
		response_set_error(resp, HTTP_INTERNAL_SERVER_ERROR, NULL);
		return;
	}
	resp->status = HTTP_OK;
}

/* fd is the regular file rel (relative to the root); it is ours to
 * close or to hand to the response. */
static void serve_file(const struct site *site, int fd, const struct stat *st,
		       const char *rel, const struct request *req, struct response *resp)
{
	const char *ctype = mime_lookup(&site->mime, rel);
	if (injects(site->cfg, ctype, st)) {
		resp->content_type = ctype;
		serve_injected(fd, st, req, resp);
		return;
	}
	struct variant v = {.fd = fd, .st = *st};
	choose_variant(site, rel, ctype, req, &v, &resp->vary_encoding);
	resp->content_type = ctype;
	if (v.gzip_now) {
		if (answered_by_preconditions(req, &v, resp) || planned_gzip(&v, resp))
			return;
	}
	if (answered_by_preconditions(req, &v, resp))
		return;
	resp->status = HTTP_OK;
	resp->file_fd = v.fd;
	resp->file_offset = 0;
	resp->file_length = v.st.st_size;
	resp->content_encoding = v.encoding;
	if (!v.encoding) {
		resp->accept_ranges = true;
		apply_range(req, &v.st, resp);
	}
}

/* JSON for ?format=json, or for a client that prefers application/json
 * to text/html (a browser's Accept names text/html first; a tie goes to
 * HTML). ?format= wins over Accept. */
static bool wants_json(const struct request *req, const struct dirlist_view *view)
{
	if (view->format_given)
		return view->json;
	const char *accept = request_header(req, "Accept");
	int json = negotiate_media_weight(accept, "application/json");
	return json > 0 && json > negotiate_media_weight(accept, "text/html");
}

/* --archives: "?download=tar|tar.gz|zip" on a folder a listing would
 * show is the folder as an archive, planned here and built while it is
 * sent (archive_stream.c). false: not asked for. */
static bool planned_archive(const struct site *site, const struct path *p,
			    const struct request *req, struct response *resp)
{
	enum archive_stream_format f =
		archive_stream_from_query(p->has_query ? p->query : NULL);
	if (!site->cfg->archives || f == ARCHIVE_STREAM_NONE)
		return false;
	const char *slash = strrchr(p->rel, '/');
	const char *top = *p->rel ? (slash ? slash + 1 : p->rel) : "files";
	bool chunked = !req->msg.http09 && request_http_minor(req) >= 1;
	if (archive_stream_plan(&resp->archive, f, &site->root, p->rel, top,
				site->cfg->no_dotfiles, chunked) < 0) {
		response_set_error(resp, HTTP_INTERNAL_SERVER_ERROR,
				   errno == ELIBACC ? "Cannot open libarchive" : NULL);
		return true;
	}
	resp->status = HTTP_OK;
	resp->content_type = archive_stream_type(f);
	return true;
}

/* --readme: the folder's README.md as HTML, NUL-terminated in out; NULL
 * when there is none to show. */
static const char *listing_readme(const struct site *site, const char *rel, struct buf *out)
{
	if (!site->cfg->readme || readme_render(&site->root, rel, out) < 0)
		return NULL;
	buf_append(out, "", 1);
	return buf_ok(out) ? out->data : NULL;
}

static void serve_listing(const struct site *site, int dir_fd, const struct path *p,
			  const struct request *req, struct response *resp)
{
	if (site->cfg->no_listing) {
		response_set_error(resp, HTTP_FORBIDDEN, "Directory listing is disabled");
		return;
	}
	if (planned_archive(site, p, req, resp))
		return;
	struct dirlist list = {0};
	if (dirlist_read(dir_fd, &list) < 0) {
		not_found(site, "No permission to list directory", resp);
		return;
	}
	if (site->cfg->no_dotfiles)
		dirlist_hide_dotfiles(&list);
	struct dirlist_view view;
	dirlist_view_from_query(p->has_query ? p->query : NULL, &view);
	view.html_tail = site->cfg->upload ? upload_listing_html() : NULL;
	view.json = wants_json(req, &view);
	if (dirlist_sort_view(&list, &view) < 0) {
		dirlist_free(&list);
		response_set_error(resp, HTTP_INTERNAL_SERVER_ERROR, NULL);
		return;
	}
	if (view.json) {
		listing_render_json(&list, site->cfg->archives, &resp->body);
	} else {
		char display[PATH_MAX_LEN + 2];
		snprintf(display, sizeof(display), "/%s%s", p->rel, *p->rel ? "/" : "");
		struct buf readme;
		buf_init(&readme);
		struct listing_extras extras = {
			.qr_html = site->listing_qr.len ? site->listing_qr.data : NULL,
			.archives = site->cfg->archives,
			.readme_html = listing_readme(site, p->rel, &readme),
		};
		listing_render_html(&list, display, &view, &extras, &resp->body);
		buf_free(&readme);
		if (site->cfg->live_reload)
			livereload_inject_buf(&resp->body);
	}
	dirlist_free(&list);
	if (!buf_ok(&resp->body)) {
		response_set_error(resp, HTTP_INTERNAL_SERVER_ERROR, NULL);
		return;
	}
	resp->status = HTTP_OK;
	resp->content_type = view.json ? "application/json" : "text/html; charset=utf-8";
	resp->vary_accept = true;
}

#define INDEX_REL_MAX (PATH_MAX_LEN + 16)

/* index.html, then index.htm: the first that is a regular file; its
 * path relative to the root goes to rel. */
static int open_index(const struct root *root, const struct path *p, struct stat *st,
		      char rel[INDEX_REL_MAX])
{
	static const char *const index_names[] = {"index.html", "index.htm"};
	for (size_t i = 0; i < 2; i++) {
		int n = snprintf(rel, INDEX_REL_MAX, "%s%s%s", p->rel, *p->rel ? "/" : "",
				 index_names[i]);
		if (n < 0 || n >= INDEX_REL_MAX)
			return -1;
		int fd = root_open(root, rel);
		if (fd < 0)
			continue;
		if (fstat(fd, st) == 0 && S_ISREG(st->st_mode))
			return fd;
		close(fd);
	}
	return -1;
}

static void serve_directory(const struct site *site, int dir_fd,
			    const struct path *p, const struct request *req,
			    struct response *resp)
{
	if (!p->trailing_slash) {
		redirect_to_slash(p, resp);
		return;
	}
	struct stat st;
	static char index_rel[INDEX_REL_MAX]; /* off the stack, like p */
	int fd = open_index(&site->root, p, &st, index_rel);
	if (fd >= 0) {
		serve_file(site, fd, &st, index_rel, req, resp);
		return;
	}
	serve_listing(site, dir_fd, p, req, resp);
}

/* ---- paths that lead to no file (fallback.c) ------------------------------ */

/* rel opened no file: a clean URL's .html, the --spa entry page, or 404. */
static void serve_missing(const struct site *site, const struct path *p,
			  const struct request *req, struct response *resp)
{
	struct fallback_file f;
	fallback_for_missing(&site->root, site->cfg, p->rel, p->trailing_slash,
			     request_header(req, "Accept"), &f);
	if (f.fd >= 0)
		serve_file(site, f.fd, &f.st, f.rel, req, resp);
	else
		not_found(site, "File not found", resp);
	resp->vary_accept = resp->vary_accept || f.vary_accept;
}

void handler_handle(const struct site *site, const struct request *req,
		    struct response *resp)
{
	static struct path p; /* 24 KiB: off the stack, one request at a time */
	resp->head_only = req->msg.is_head;
	if (options_answer(site->cfg, req, &p, resp))
		return;
	if (!auth_allows(&site->auth, request_header(req, "Authorization"))) {
		response_set_error(resp, HTTP_UNAUTHORIZED, NULL);
		resp->www_authenticate = AUTH_CHALLENGE;
		return;
	}
	enum path_status ps = path_from_target(req->target, req->msg.target_len, &p);
	if (ps != PATH_OK) {
		response_set_error(resp, path_status_http(ps), NULL);
		return;
	}
	/* Before the dotfile rule: the stream is no file, and must work
	 * under --no-dotfiles too. */
	if (site->cfg->live_reload && livereload_is_stream(p.rel)) {
		resp->status = HTTP_OK;
		resp->content_type = "text/event-stream";
		resp->event_stream = true;
		return;
	}
	/* 404, not 403: a hidden name must not even be known to exist. */
	if ((site->cfg->no_dotfiles && root_has_dotfile(p.rel)) || upload_is_temp_path(p.rel)) {
		not_found(site, "File not found", resp);
		return;
	}
	int fd = root_open(&site->root, p.rel);
	if (fd < 0) {
		int err = errno;
		if (open_error_status(err) == HTTP_NOT_FOUND)
			serve_missing(site, &p, req, resp);
		else
			response_set_error(resp, open_error_status(err), open_error_message(err));
		return;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		not_found(site, "File not found", resp);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		serve_directory(site, fd, &p, req, resp);
		close(fd);
	} else if (!S_ISREG(st.st_mode)) {
		close(fd);
		response_set_error(resp, HTTP_FORBIDDEN, "Not a regular file");
	} else if (p.trailing_slash) {
		/* "file.txt/" names a directory that is not there (python). */
		close(fd);
		not_found(site, "File not found", resp);
	} else {
		serve_file(site, fd, &st, p.rel, req, resp);
	}
}
