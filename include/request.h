/* request: llhttp callbacks filling a bounded struct request.
 *
 * llhttp hands us each token in pieces (a callback per read, possibly
 * several per token), pointing into the caller's read buffer. We copy
 * every piece into storage owned by the request, so nothing here points
 * into a buffer that the connection will reuse. The parser pauses after
 * each complete message, which is what keeps pipelined responses in
 * request order. */
#ifndef HTTPD_LITE_REQUEST_H
#define HTTPD_LITE_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <llhttp.h>

#include "http.h"
#include "reqline.h" /* REQUEST_METHOD_LONGEST */

struct request;

#define REQUEST_TARGET_MAX 8192   /* longer → 414 */
#define REQUEST_HEAD_MAX 65536    /* request line + header block → 431 */
#define REQUEST_FIELDS_MAX 100    /* header fields → 431 */
#define REQUEST_METHOD_MAX 32
/* The raw request line kept for the access log and for classifying
 * llhttp's errors (501 vs 400, 505 vs 400). */
#define REQUEST_LINE_MAX (REQUEST_TARGET_MAX + 64)

enum request_state {
	REQUEST_INCOMPLETE, /* feed more bytes */
	REQUEST_COMPLETE,   /* a whole message: answer it */
	REQUEST_FAILED,     /* answer req->error and close */
};

struct request_field {
	uint32_t name_off, name_len;
	uint32_t value_off, value_len;
};

/* Where the header being received stands, to catch what llhttp 8.1.0
 * still lets through: obs-fold continuation lines and empty names. */
enum request_field_state {
	FIELD_NONE,
	FIELD_NAME,
	FIELD_NAME_DONE,
	FIELD_VALUE,
	FIELD_VALUE_DONE,
};

/* A receiver for PUT bodies (uploads), set by the connection. begin is
 * called once the head is complete, before any body byte is read (and
 * before 100 Continue): HTTP_NONE takes the body, any other status
 * refuses the request with it at once (*message: NULL, or python's
 * message, static). data then gets each piece of the body, and may stop
 * the request the same way. Without a receiver, PUT is 405. */
struct request_put_hooks {
	enum http_status (*begin)(void *ctx, const struct request *r, const char **message);
	enum http_status (*data)(void *ctx, const char *at, size_t len, const char **message);
	void *ctx;
};

/* One message's state: reset in one assignment between pipelined
 * requests (request_next), so nothing of one request leaks into the next.
 * The buffers of struct request are not cleared, only these lengths. */
struct request_message {
	enum request_state state;
	enum http_status error;     /* the status to answer when FAILED */
	const char *error_message;  /* python's "message" for the error page */
	bool started;               /* a byte of this message has arrived */
	bool tls_on_plain;          /* it was a TLS handshake, not HTTP */
	size_t line_len;            /* of line */
	bool line_done;
	size_t method_len;
	size_t target_len;
	size_t store_len;           /* of store */
	size_t nfields;             /* of fields */
	enum request_field_state field_state;
	size_t head_bytes;
	bool head_done;
	bool after_lf; /* last head byte seen was LF: obs-fold check */
	bool last_cr;  /* last head byte fed was CR: a LF after it is no bare LF */
	uint64_t body_bytes;
	bool keep_alive;
	bool is_head;   /* HEAD: headers only */
	bool http09;    /* "GET /path" alone: answer with the body alone */
	bool expect_continue; /* HTTP/1.1 with Expect: 100-continue and a body to come */
	bool put_body;  /* the body goes to put.data (body_bytes counts it) */
};

struct request {
	/* Kept from one message to the next. */
	llhttp_t parser;
	llhttp_settings_t settings;
	uint64_t max_body;
	struct request_put_hooks put;

	struct request_message msg;
	char error_detail[160];     /* storage for messages that quote input */
	char line[REQUEST_LINE_MAX + 1]; /* request line as received, no CRLF */
	char method[REQUEST_METHOD_MAX + 1];
	char target[REQUEST_TARGET_MAX + 1];
	char store[REQUEST_HEAD_MAX]; /* header names and values */
	struct request_field fields[REQUEST_FIELDS_MAX];
};

/* Once per connection. */
void request_init(struct request *r, uint64_t max_body);

/* Forget the answered message; parsing goes on with the next one. */
void request_next(struct request *r);

/* Parse up to len bytes. Returns how many were consumed: parsing stops
 * right after a complete message or at an error, and the rest belongs
 * to later calls. Check r->state afterwards. */
size_t request_feed(struct request *r, const char *data, size_t len);

/* The value of the first field called name (case-insensitive), NUL-
 * terminated; NULL if absent. */
const char *request_header(const struct request *r, const char *name);

/* HTTP/1.0 or 1.1, once the request line is parsed. */
unsigned request_http_minor(const struct request *r);

#endif
