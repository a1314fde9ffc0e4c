/* upload.c: receiving files with PUT, see upload.h for the design.
 *
 * Order of the checks made from the head, each answered before 100
 * Continue: 401 (credentials), 400/414 (target, file name), 405 (a
 * directory), 404 (--no-dotfiles), 413 (Content-Length over the limit),
 * 403/409 (the directory: outside the wall, not writable, missing), 409
 * (the name is taken), 507 (no room for the announced size). */
#include "upload.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "log.h"
#include "root.h"

/* rw-r--r-- minus the umask: never executable. */
#define UPLOAD_MODE 0644
/* Temporary names tried before giving up (each has 64 random bits). */
#define UPLOAD_TEMP_TRIES 8

/* ---- errors ------------------------------------------------------------- */

static enum http_status upload_errno_status(int err, const char **message)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT:
		*message = "No space left to store the file";
		return HTTP_INSUFFICIENT_STORAGE;
	case EACCES:
	case EPERM:
	case EROFS:
		*message = "No permission to write here";
		return HTTP_FORBIDDEN;
	case EFBIG:
		*message = "File too large for the file system";
		return HTTP_CONTENT_TOO_LARGE;
	case ENAMETOOLONG:
		*message = "File name too long";
		return HTTP_BAD_REQUEST;
	case EEXIST:
	case EISDIR:
	case ENOTEMPTY:
		*message = "File exists";
		return HTTP_CONFLICT;
	default:
		*message = NULL;
		return HTTP_INTERNAL_SERVER_ERROR;
	}
}

/* The target as a Location: "/" and the percent-encoded path. */
static void upload_location(const struct upload *u, struct buf *out)
{
	buf_append_str(out, "/");
	path_percent_encode(u->rel, strlen(u->rel), out);
}

static void upload_trace(const struct upload *u, int status, const char *what)
{
	if (!log_tracing())
		return;
	struct buf loc;
	buf_init(&loc);
	if (u->rel[0])
		upload_location(u, &loc);
	buf_append(&loc, "", 1);
	log_trace("child %d: upload %s: %d %s, %llu bytes received", (int)getpid(),
		  buf_ok(&loc) && u->rel[0] ? loc.data : "-", status, what,
		  (unsigned long long)u->received);
	buf_free(&loc);
}

/* ---- the target --------------------------------------------------------- */

bool upload_is_temp_name(const char *name)
{
	return strncmp(name, UPLOAD_TEMP_PREFIX, sizeof(UPLOAD_TEMP_PREFIX) - 1) == 0;
}

bool upload_is_temp_path(const char *rel)
{
	const char *slash = strrchr(rel, '/');
	return upload_is_temp_name(slash ? slash + 1 : rel);
}

/* The last segment as the client wrote it (decoded, before "." and ".."
 * were resolved): nothing is a directory, "." or ".." is no file name. */
static enum http_status upload_check_last_segment(const struct path *p, const char **message)
{
	static char decoded[PATH_MAX_LEN]; /* off the stack, one request at a time */
	long n = path_percent_decode(p->raw, strlen(p->raw), decoded, sizeof(decoded));
	if (n < 0)
		return HTTP_BAD_REQUEST;
	const char *slash = memrchr(decoded, '/', (size_t)n);
	const char *last = slash ? slash + 1 : decoded;
	if (strcmp(last, ".") == 0 || strcmp(last, "..") == 0) {
		*message = "Not a file name";
		return HTTP_BAD_REQUEST;
	}
	if (*last == '\0' || *p->rel == '\0') {
		*message = "A directory cannot be PUT: name a file in it";
		return HTTP_METHOD_NOT_ALLOWED;
	}
	return HTTP_NONE;
}

static enum http_status upload_check_name(const char *name, const char **message)
{
	if (strlen(name) > NAME_MAX) {
		*message = "File name too long";
		return HTTP_BAD_REQUEST;
	}
	for (const char *c = name; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			*message = "Control character in the file name";
			return HTTP_BAD_REQUEST;
		}
	}
	if (upload_is_temp_name(name)) {
		*message = "Reserved file name";
		return HTTP_FORBIDDEN;
	}
	return HTTP_NONE;
}

/* Target → u->rel and u->name, or why not. */
static enum http_status upload_target(struct upload *u, const struct request *req,
				      const char **message)
{
	static struct path p; /* 24 KiB: off the stack, one request at a time */
	enum path_status ps = path_from_target(req->target, req->msg.target_len, &p);
	if (ps != PATH_OK)
		return ps == PATH_TOO_LONG ? HTTP_URI_TOO_LONG : HTTP_BAD_REQUEST;
	enum http_status st = upload_check_last_segment(&p, message);
	if (st != HTTP_NONE)
		return st;
	memcpy(u->rel, p.rel, sizeof(u->rel));
	const char *slash = strrchr(u->rel, '/');
	const char *name = slash ? slash + 1 : u->rel;
	st = upload_check_name(name, message);
	if (st != HTTP_NONE)
		return st;
	/* 404, as for reads: a hidden name is not even known to exist. */
	if (u->site->cfg->no_dotfiles && root_has_dotfile(u->rel)) {
		*message = "File not found";
		return HTTP_NOT_FOUND;
	}
	strcpy(u->name, name); /* at most NAME_MAX bytes: checked */
	return HTTP_NONE;
}

static enum http_status upload_check_size(const struct upload *u, const struct request *req,
					  const char **message)
{
	bool chunked = req->parser.flags & F_CHUNKED;
	if (!chunked && req->parser.content_length > u->limit) {
		*message = "File larger than this server accepts";
		return HTTP_CONTENT_TOO_LARGE;
	}
	return HTTP_NONE;
}

static enum http_status upload_dir_error(int err, const char **message)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		*message = "No such directory (directories are not created)";
		return HTTP_CONFLICT;
	case EXDEV:
	case ELOOP:
		*message = "The directory is outside the served directory";
		return HTTP_FORBIDDEN;
	default:
		return upload_errno_status(err, message);
	}
}

/* The target's directory, through the root's wall. Writes never follow a
 * symlink out of the root, --follow-symlinks or not: serving what a
 * symlink points at is a choice about reads; writing there is not. */
static enum http_status upload_open_dir(struct upload *u, const char **message)
{
	struct root wall = u->site->root;
	wall.follow_symlinks = false;
	char *slash = strrchr(u->rel, '/');
	if (slash)
		*slash = '\0';
	int fd = root_open(&wall, slash ? u->rel : "");
	int err = errno;
	if (slash)
		*slash = '/';
	if (fd < 0)
		return upload_dir_error(err, message);
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		close(fd);
		return upload_dir_error(ENOTDIR, message);
	}
	u->dir_fd = fd;
	return HTTP_NONE;
}

/* The name is free, or (--overwrite) a regular file we may replace. */
static enum http_status upload_check_free(const struct upload *u, const char **message)
{
	struct stat st;
	if (fstatat(u->dir_fd, u->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? HTTP_NONE : upload_errno_status(errno, message);
	if (S_ISDIR(st.st_mode)) {
		*message = "A directory has that name";
		return HTTP_CONFLICT;
	}
	if (!u->site->cfg->overwrite) {
		*message = "File exists";
		return HTTP_CONFLICT;
	}
	if (!S_ISREG(st.st_mode)) {
		*message = "Only regular files are replaced";
		return HTTP_CONFLICT;
	}
	return HTTP_NONE;
}

/* ---- the file being written ---------------------------------------------- */

static bool upload_has_cap_dac_read_search(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	if (syscall(SYS_capget, &h, d) < 0)
		return false;
	return d[CAP_TO_INDEX(CAP_DAC_READ_SEARCH)].effective & CAP_TO_MASK(CAP_DAC_READ_SEARCH);
}

/* linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; without it an
 * O_TMPFILE is linked through /proc/self/fd, which a chroot hides.
 * Decided before a byte is written, so that the data always has a way
 * to its name. */
static bool upload_tmpfile_linkable(bool *via_proc)
{
	*via_proc = !upload_has_cap_dac_read_search();
	return !*via_proc || faccessat(AT_FDCWD, "/proc/self/fd", X_OK, 0) == 0;
}

static uint64_t upload_random(void)
{
	uint64_t r;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r))
		return r;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid();
}

/* A fresh hidden name in dir_fd into u->temp, made by make(): 0, or -1
 * with errno. */
static int upload_fresh_temp(struct upload *u, int (*make)(struct upload *u))
{
	for (int i = 0; i < UPLOAD_TEMP_TRIES; i++) {
		snprintf(u->temp, sizeof(u->temp), UPLOAD_TEMP_PREFIX "%d.%u.%016llx",
			 (int)getpid(), ++u->serial, (unsigned long long)upload_random());
		if (make(u) == 0)
			return 0;
		u->temp[0] = '\0';
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

static int upload_make_named(struct upload *u)
{
	int fd;
	do
		fd = openat(u->dir_fd, u->temp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
			    UPLOAD_MODE);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -1;
	u->fd = fd;
	u->named = true;
	return 0;
}

static int upload_open_tmpfile(struct upload *u)
{
	int fd;
	do
		fd = openat(u->dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, UPLOAD_MODE);
	while (fd < 0 && errno == EINTR);
	if (fd >= 0)
		u->fd = fd;
	return fd < 0 ? -1 : 0;
}

/* Room for an announced size, taken now, so a full disk is a 507 before
 * the client sends anything. File systems without fallocate: no check. */
static enum http_status upload_reserve(const struct upload *u, uint64_t len, const char **message)
{
	if (len == 0 || len > (uint64_t)INT64_MAX)
		return HTTP_NONE;
	int rc;
	do
		rc = fallocate(u->fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)len);
	while (rc < 0 && errno == EINTR);
	if (rc < 0 && (errno == ENOSPC || errno == EDQUOT))
		return upload_errno_status(errno, message);
	return HTTP_NONE;
}

static enum http_status upload_create(struct upload *u, const struct request *req,
				      const char **message)
{
	int rc = -1;
	if (upload_tmpfile_linkable(&u->via_proc)) {
		rc = upload_open_tmpfile(u);
		/* EOPNOTSUPP: the file system has no O_TMPFILE; EISDIR: the
		 * kernel has none. Anything else is an answer. */
		if (rc < 0 && errno != EOPNOTSUPP && errno != EISDIR)
			return upload_errno_status(errno, message);
	}
	if (rc < 0 && upload_fresh_temp(u, upload_make_named) < 0)
		return upload_errno_status(errno, message);
	if (req->parser.flags & F_CHUNKED)
		return HTTP_NONE;
	return upload_reserve(u, req->parser.content_length, message);
}

/* ---- naming it ------------------------------------------------------------ */

/* Give the received file the name `to` in dir_fd; fails with EEXIST
 * when to exists, never replaces. */
static int upload_link(struct upload *u, const char *to)
{
	int rc;
	if (u->named) {
		rc = linkat(u->dir_fd, u->temp, u->dir_fd, to, 0);
		/* File systems without hard links can still refuse to replace. */
		if (rc < 0 && (errno == EPERM || errno == EOPNOTSUPP) &&
		    renameat2(u->dir_fd, u->temp, u->dir_fd, to, RENAME_NOREPLACE) == 0) {
			u->temp[0] = '\0';
			rc = 0;
		}
		return rc;
	}
	if (!u->via_proc)
		return linkat(u->fd, "", u->dir_fd, to, AT_EMPTY_PATH);
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", u->fd);
	return linkat(AT_FDCWD, proc, u->dir_fd, to, AT_SYMLINK_FOLLOW);
}

static int upload_link_temp(struct upload *u)
{
	return upload_link(u, u->temp);
}

/* --overwrite, the name exists: the file gets a hidden name of its own,
 * then takes the target's place in one renameat(). */
static int upload_replace(struct upload *u)
{
	if (!u->named) {
		if (upload_fresh_temp(u, upload_link_temp) < 0)
			return -1;
		u->named = true; /* from now on, what abort must unlink */
	}
	if (renameat(u->dir_fd, u->temp, u->dir_fd, u->name) < 0)
		return -1;
	u->temp[0] = '\0';
	return 0;
}

/* fsync, then the name: HTTP_CREATED, HTTP_OK (replaced) or an error. */
static enum http_status upload_commit(struct upload *u, const char **message)
{
	if (fsync(u->fd) < 0)
		return upload_errno_status(errno, message);
	enum http_status st = HTTP_CREATED;
	if (upload_link(u, u->name) < 0) {
		if (errno != EEXIST || !u->site->cfg->overwrite)
			return upload_errno_status(errno, message);
		if (upload_replace(u) < 0)
			return upload_errno_status(errno, message);
		st = HTTP_OK;
	}
	/* The new name survives a crash too. */
	if (fsync(u->dir_fd) < 0 && errno != EINVAL)
		log_warn("upload: fsync of the directory:");
	return st;
}

static void upload_plan_answer(const struct upload *u, enum http_status st, struct response *resp)
{
	resp->status = st;
	resp->content_type = "text/plain; charset=utf-8";
	buf_append_str(&resp->body, st == HTTP_CREATED ? "Created " : "Replaced ");
	upload_location(u, &resp->body);
	buf_append_str(&resp->body, "\n");
	if (st == HTTP_CREATED)
		upload_location(u, &resp->location);
	if (!buf_ok(&resp->body) || !buf_ok(&resp->location)) {
		buf_free(&resp->body);
		buf_free(&resp->location);
		resp->status = st;
		resp->content_type = NULL; /* the file is there; only the note is lost */
	}
}

/* ---- the hooks ------------------------------------------------------------ */

static enum http_status upload_begin(void *ctx, const struct request *req, const char **message)
{
	struct upload *u = ctx;
	upload_abort(u);
	enum http_status st = HTTP_NONE;
	if (!auth_allows(&u->site->auth, request_header(req, "Authorization")))
		st = HTTP_UNAUTHORIZED;
	if (st == HTTP_NONE)
		st = upload_target(u, req, message);
	if (st == HTTP_NONE)
		st = upload_check_size(u, req, message);
	if (st == HTTP_NONE)
		st = upload_open_dir(u, message);
	if (st == HTTP_NONE)
		st = upload_check_free(u, message);
	if (st == HTTP_NONE)
		st = upload_create(u, req, message);
	if (st != HTTP_NONE) {
		upload_trace(u, (int)st, "refused");
		upload_abort(u);
	}
	return st;
}

static enum http_status upload_data(void *ctx, const char *at, size_t len, const char **message)
{
	struct upload *u = ctx;
	enum http_status st = HTTP_NONE;
	if (len > u->limit - u->received) {
		*message = "File larger than this server accepts";
		st = HTTP_CONTENT_TOO_LARGE;
	}
	while (st == HTTP_NONE && len > 0) {
		ssize_t n = write(u->fd, at, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			st = upload_errno_status(n < 0 ? errno : EIO, message);
			break;
		}
		at += n;
		len -= (size_t)n;
		u->received += (uint64_t)n;
	}
	if (st != HTTP_NONE) {
		upload_trace(u, (int)st, "stopped");
		upload_abort(u);
	}
	return st;
}

void upload_attach(struct upload *u, const struct site *site, struct request *req)
{
	*u = (struct upload){
		.site = site, .dir_fd = -1, .fd = -1, .limit = site->cfg->max_upload};
	if (site->cfg->upload)
		req->put = (struct request_put_hooks){
			.begin = upload_begin, .data = upload_data, .ctx = u};
}

void upload_finish(struct upload *u, struct response *resp)
{
	if (u->fd < 0) { /* nothing to finish: begin refused, or abort came first */
		response_set_error(resp, HTTP_INTERNAL_SERVER_ERROR, NULL);
		return;
	}
	const char *message = NULL;
	enum http_status st = upload_commit(u, &message);
	if (st == HTTP_INTERNAL_SERVER_ERROR)
		log_warn("upload of %s:", u->name);
	if (st == HTTP_CREATED || st == HTTP_OK)
		upload_plan_answer(u, st, resp);
	else
		response_set_error(resp, st, message);
	upload_trace(u, (int)st, st == HTTP_CREATED ? "created" : st == HTTP_OK ? "replaced" : "failed");
	upload_abort(u);
}

void upload_abort(struct upload *u)
{
	if (u->fd >= 0 && close(u->fd) < 0)
		log_warn("upload: close:");
	u->fd = -1;
	if (u->named && u->temp[0] && unlinkat(u->dir_fd, u->temp, 0) < 0)
		log_warn("upload: unlink %s:", u->temp);
	u->named = false;
	u->temp[0] = '\0';
	if (u->dir_fd >= 0 && close(u->dir_fd) < 0)
		log_warn("upload: close the directory:");
	u->dir_fd = -1;
	u->received = 0;
	u->rel[0] = '\0';
	u->name[0] = '\0';
}

/* ---- the start-up warning --------------------------------------------------- */

static bool upload_is_loopback(const struct sockaddr_storage *sa)
{
	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

void upload_warn_if_exposed(const struct config *cfg, const struct sockaddr_storage *bound)
{
	if (!cfg->upload || cfg->auth || cfg->auth_file || upload_is_loopback(bound))
		return;
	log_warn("warning: --upload without --auth or --auth-file, listening beyond "
		 "loopback: anyone who can reach this server can write files");
}
