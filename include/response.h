/* response: what to send back, and sending it. The handler fills a
 * struct response (a plan: status, headers, a body in memory or a file
 * range); response_send turns it into bytes on the socket. */
#ifndef HTTPD_LITE_RESPONSE_H
#define HTTPD_LITE_RESPONSE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "archive_stream.h"
#include "buf.h"
#include "config.h"
#include "http.h"
#include "io.h"
#include "range.h"
#include "validate.h"

/* Status line and headers; Location (at most a request target, 8 KiB,
 * plus a slash) is the only long one. */
#define RESPONSE_HEAD_MAX 12288
#define RESPONSE_ETAG_MAX VALIDATE_ETAG_MAX
#define RESPONSE_BOUNDARY_MAX 40

struct response {
	enum http_status status;
	const char *content_type;  /* NULL: no Content-Type */
	struct buf location;       /* Location value, empty when none */
	struct buf body;           /* a body made in memory (listing, error) */
	int file_fd;               /* a body from a file, or -1 */
	off_t file_offset;
	off_t file_length;
	time_t last_modified;      /* 0: no Last-Modified */
	bool head_only;            /* HEAD: headers as for GET, no body */
	bool http09;               /* an HTTP/0.9 request: the body alone */
	bool close;                /* Connection: close, then close */
	bool keep_alive_header;    /* HTTP/1.0 keep-alive: say so */
	unsigned retry_after;      /* seconds, for 503; 0: no header */
	const char *error_message; /* python's message, for the log */

	/* Validators and representation (files only). */
	char etag[RESPONSE_ETAG_MAX]; /* "" when none */
	bool accept_ranges;        /* Accept-Ranges: bytes */
	const char *content_encoding; /* "gzip", "br"; NULL: identity */
	bool vary_encoding;        /* Vary: Accept-Encoding */
	bool vary_accept;          /* Vary: Accept (listings: HTML or JSON) */
	/* Ranges: one part is file_offset/file_length with Content-Range;
	 * several (nparts > 1) are sent as multipart/byteranges of
	 * content_type, each part its own head and a sendfile. */
	uint64_t range_size;       /* the whole file, for Content-Range */
	bool content_range;        /* single part: bytes a-b/size */
	bool unsatisfied_range;    /* 416: bytes * /size */
	struct range parts[RANGE_MAX];
	unsigned nparts;
	char boundary[RESPONSE_BOUNDARY_MAX];
	/* Methods. */
	const char *allow;         /* Allow header; set for 405 and OPTIONS */
	bool cors_preflight;       /* Access-Control-Allow-Methods & co */
	const char *cors_request_headers; /* echoed; points into the request */
	const char *www_authenticate; /* 401: the challenge (auth.h) */
	/* A folder as an archive (--archives), built while it is sent: no
	 * Content-Length; chunked, or ended by closing (HTTP/1.0). */
	struct archive_stream_plan archive;
	/* --live-reload's stream: conn.c sends the head (no Content-Length,
	 * Cache-Control: no-cache) and hands the connection over. */
	bool event_stream;
};

/* The methods served, for Allow and CORS preflights. */
#define RESPONSE_ALLOW "GET, HEAD, OPTIONS"
#define RESPONSE_ALLOW_UPLOAD "GET, HEAD, OPTIONS, PUT" /* --upload */

/* What the command line adds to responses, built once at start-up: the
 * lines every head carries (--cors, --isolate, --header) and Cache-Control (--cache)
 * on success. */
struct response_extras {
	struct buf tail;    /* those lines, then the blank line ending a head */
	long cache_seconds; /* -1: no Cache-Control */
};

void response_extras_build(struct response_extras *x, const struct config *cfg);
void response_extras_free(struct response_extras *x);

void response_init(struct response *resp);
/* Close the file and free the buffers; ready for response_init again. */
void response_release(struct response *resp);

/* python's error page ("Error response", code, message, explanation)
 * with text/html;charset=utf-8. message NULL: the reason phrase. */
void response_set_error(struct response *resp, enum http_status status,
			const char *message);

/* 206 with one part of the file already set as the body (file_fd,
 * range_size = its size): from first to last, inclusive. */
void response_set_single_range(struct response *resp, const struct range *r);

/* 206 multipart/byteranges of the file body (file_fd, content_type,
 * range_size set) with a fresh boundary. -1 if a part head would not
 * fit (an absurd content type): the response is left as it was. */
int response_set_multipart(struct response *resp, const struct range_set *set);

/* The body length that Content-Length announces. */
uint64_t response_body_length(const struct response *resp);

/* Write the status line, headers (with the extras; x NULL: none) and body
 * to io, completing short writes and retrying EINTR. Returns the body bytes sent (0 for HEAD), or -1
 * when the client went away or timed out, or the file changed size under
 * us: then the connection must be closed, the response is incomplete. */
long long response_send(struct io *io, struct response *resp, const struct response_extras *x);

#endif
