/* response: what to send back, and sending it. The handler fills a
 * struct response (a plan: status, headers, a body in memory or a file
 * range); response_send turns it into bytes on the socket. */
#ifndef HTTPD_LITE_RESPONSE_H
#define HTTPD_LITE_RESPONSE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"
#include "http.h"

/* Status line and headers; Location (at most a request target, 8 KiB,
 * plus a slash) is the only long one. */
#define RESPONSE_HEAD_MAX 12288

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
	bool close;                /* Connection: close, then close */
	bool keep_alive_header;    /* HTTP/1.0 keep-alive: say so */
	unsigned retry_after;      /* seconds, for 503; 0: no header */
	const char *error_message; /* python's message, for the log */
};

void response_init(struct response *resp);
/* Close the file and free the buffers; ready for response_init again. */
void response_release(struct response *resp);

/* python's error page ("Error response", code, message, explanation)
 * with text/html;charset=utf-8. message NULL: the reason phrase. */
void response_set_error(struct response *resp, enum http_status status,
			const char *message);

/* The body length that Content-Length announces. */
uint64_t response_body_length(const struct response *resp);

/* Write the status line, headers and body to fd, completing short writes
 * and retrying EINTR. Returns the body bytes sent (0 for HEAD), or -1
 * when the client went away or timed out, or the file changed size under
 * us: then the connection must be closed, the response is incomplete. */
long long response_send(int fd, struct response *resp);

#endif
