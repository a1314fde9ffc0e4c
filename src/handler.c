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

#include "dirlist.h"
#include "httpdate.h"
#include "mime.h"
#include "path.h"

static enum http_status open_error_status(int err)
{
	return err == EACCES || err == EPERM ? HTTP_FORBIDDEN : HTTP_NOT_FOUND;
}

static const char *open_error_message(int err)
{
	return err == EACCES || err == EPERM ? "Permission denied" : "File not found";
}

static void redirect_to_slash(const struct path *p, struct response *resp)
{
	resp->status = HTTP_MOVED_PERMANENTLY;
	path_redirect_location(p, &resp->location);
	if (!buf_ok(&resp->location))
		response_set_error(resp, HTTP_INTERNAL_SERVER_ERROR, NULL);
}

/* python: If-Modified-Since counts only without If-None-Match, compares
 * whole seconds, and a date that does not parse is ignored. */
static bool not_modified_since(const struct request *req, const struct stat *st)
{
	const char *ims = request_header(req, "If-Modified-Since");
	if (!ims || request_header(req, "If-None-Match"))
		return false;
	time_t since;
	if (httpdate_parse(ims, strlen(ims), &since) < 0)
		return false;
	return st->st_mtim.tv_sec <= since;
}

static void serve_file(int fd, const struct stat *st, const char *name,
		       const struct request *req, struct response *resp)
{
	resp->last_modified = st->st_mtim.tv_sec;
	if (not_modified_since(req, st)) {
		close(fd);
		resp->status = HTTP_NOT_MODIFIED;
		return;
	}
	resp->status = HTTP_OK;
	resp->content_type = mime_lookup(name);
	resp->file_fd = fd;
	resp->file_offset = 0;
	resp->file_length = st->st_size;
}

static void serve_listing(int dir_fd, const struct path *p, struct response *resp)
{
	struct dirlist list = {0};
	if (dirlist_read(dir_fd, &list) < 0) {
		response_set_error(resp, HTTP_NOT_FOUND, "No permission to list directory");
		return;
	}
	dirlist_sort(&list);
	char display[PATH_MAX_LEN + 2];
	snprintf(display, sizeof(display), "/%s%s", p->rel, *p->rel ? "/" : "");
	dirlist_render_html(&list, display, &resp->body);
	dirlist_free(&list);
	if (!buf_ok(&resp->body)) {
		response_set_error(resp, HTTP_INTERNAL_SERVER_ERROR, NULL);
		return;
	}
	resp->status = HTTP_OK;
	resp->content_type = "text/html; charset=utf-8";
}

/* index.html, then index.htm: the first that is a regular file. */
static int open_index(const struct root *root, const struct path *p, struct stat *st,
		      const char **name)
{
	static const char *const index_names[] = {"index.html", "index.htm"};
	for (size_t i = 0; i < 2; i++) {
		char rel[PATH_MAX_LEN + 16];
		int n = snprintf(rel, sizeof(rel), "%s%s%s", p->rel, *p->rel ? "/" : "",
				 index_names[i]);
		if (n < 0 || (size_t)n >= sizeof(rel))
			return -1;
		int fd = root_open(root, rel);
		if (fd < 0)
			continue;
		if (fstat(fd, st) == 0 && S_ISREG(st->st_mode)) {
			*name = index_names[i];
			return fd;
		}
		close(fd);
	}
	return -1;
}

static void serve_directory(const struct handler_ctx *ctx, int dir_fd,
			    const struct path *p, const struct request *req,
			    struct response *resp)
{
	if (!p->trailing_slash) {
		redirect_to_slash(p, resp);
		return;
	}
	struct stat st;
	const char *index_name;
	int fd = open_index(&ctx->root, p, &st, &index_name);
	if (fd >= 0) {
		serve_file(fd, &st, index_name, req, resp);
		return;
	}
	serve_listing(dir_fd, p, resp);
}

static enum http_status path_status_to_http(enum path_status ps)
{
	return ps == PATH_TOO_LONG ? HTTP_URI_TOO_LONG : HTTP_BAD_REQUEST;
}

void handler_handle(const struct handler_ctx *ctx, const struct request *req,
		    struct response *resp)
{
	static struct path p; /* 24 KiB: off the stack, one request at a time */
	resp->head_only = req->is_head;
	enum path_status ps = path_from_target(req->target, req->target_len, &p);
	if (ps != PATH_OK) {
		response_set_error(resp, path_status_to_http(ps), NULL);
		return;
	}
	int fd = root_open(&ctx->root, p.rel);
	if (fd < 0) {
		int err = errno;
		response_set_error(resp, open_error_status(err), open_error_message(err));
		return;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		response_set_error(resp, HTTP_NOT_FOUND, "File not found");
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		serve_directory(ctx, fd, &p, req, resp);
		close(fd);
	} else if (!S_ISREG(st.st_mode)) {
		close(fd);
		response_set_error(resp, HTTP_FORBIDDEN, "Not a regular file");
	} else if (p.trailing_slash) {
		/* "file.txt/" names a directory that is not there (python). */
		close(fd);
		response_set_error(resp, HTTP_NOT_FOUND, "File not found");
	} else {
		serve_file(fd, &st, p.rel, req, resp);
	}
}
