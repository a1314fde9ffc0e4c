/* request.c: see request.h. The callbacks below only copy and check; all
 * decisions about what to answer are made by the handler, except the
 * ones that must be made before the body is read (method, size limits).
 *
 * llhttp 8.1 (strict) is fed through a few passes of our own, each for
 * one thing it does not do the way RFC 9112 or python want:
 *   record_line     keeps the raw request line: llhttp's error codes alone
 *                   cannot tell 501 (unknown method) or 505 (version) from
 *                   400, nor garbage that can be refused before its LF;
 *   execute_head    turns a bare LF into CRLF, which RFC 9112 2.2 allows
 *                   and strict llhttp refuses;
 *   scan_for_folds  refuses obs-fold lines, which llhttp joins into the
 *                   value even in strict mode;
 *   field_state     refuses empty header names, which llhttp lets through;
 *   is_http09       answers a request line without a version (HTTP/0.9),
 *                   which llhttp does not know. */
#include "request.h"
#include "http.h"
#include "reqline.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static struct request *req_of(llhttp_t *p)
{
	return p->data;
}

/* Record the error to answer; returning this value from a callback makes
 * llhttp stop with HPE_USER (or HPE_CB_*), and our status wins. */
static int fail(struct request *r, enum http_status status, const char *message)
{
	if (r->msg.error == HTTP_NONE) {
		r->msg.error = status;
		r->msg.error_message = message;
	}
	return -1;
}

static int on_message_begin(llhttp_t *p)
{
	req_of(p)->msg.started = true;
	return 0;
}

static int on_method(llhttp_t *p, const char *at, size_t len)
{
	struct request *r = req_of(p);
	if (len > REQUEST_METHOD_MAX - r->msg.method_len)
		return fail(r, HTTP_NOT_IMPLEMENTED, "Unsupported method");
	memcpy(r->method + r->msg.method_len, at, len);
	r->msg.method_len += len;
	r->method[r->msg.method_len] = '\0';
	return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t len)
{
	struct request *r = req_of(p);
	if (len > REQUEST_TARGET_MAX - r->msg.target_len)
		return fail(r, HTTP_URI_TOO_LONG, NULL);
	memcpy(r->target + r->msg.target_len, at, len);
	r->msg.target_len += len;
	r->target[r->msg.target_len] = '\0';
	return 0;
}

static int on_version_complete(llhttp_t *p)
{
	struct request *r = req_of(p);
	if (llhttp_get_http_major(p) != 1) {
		snprintf(r->error_detail, sizeof(r->error_detail),
			 "Invalid HTTP version (%u.%u)", llhttp_get_http_major(p),
			 llhttp_get_http_minor(p));
		return fail(r, HTTP_VERSION_NOT_SUPPORTED, r->error_detail);
	}
	return 0;
}

/* Copy a piece of a name or value into the store; over the limit → 431. */
static int store_append(struct request *r, const char *at, size_t len)
{
	/* +1 keeps room for the terminator each name and value gets. */
	if (len + 1 > sizeof(r->store) - r->msg.store_len)
		return fail(r, HTTP_HEADER_FIELDS_TOO_LARGE, "Line too long");
	memcpy(r->store + r->msg.store_len, at, len);
	r->msg.store_len += len;
	/* Terminated at every step: a request that fails mid-value still
	 * logs that value's start, never the bytes of an older request. */
	r->store[r->msg.store_len] = '\0';
	return 0;
}

static void store_terminate(struct request *r)
{
	r->store[r->msg.store_len++] = '\0';
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
	struct request *r = req_of(p);
	if (r->msg.field_state == FIELD_NONE || r->msg.field_state == FIELD_VALUE_DONE) {
		if (r->msg.nfields == REQUEST_FIELDS_MAX)
			return fail(r, HTTP_HEADER_FIELDS_TOO_LARGE, "Too many headers");
		struct request_field *f = &r->fields[r->msg.nfields++];
		memset(f, 0, sizeof(*f));
		f->name_off = (uint32_t)r->msg.store_len;
		r->msg.field_state = FIELD_NAME;
	} else if (r->msg.field_state != FIELD_NAME) {
		return fail(r, HTTP_BAD_REQUEST, "Bad header line");
	}
	if (store_append(r, at, len) < 0)
		return -1;
	r->fields[r->msg.nfields - 1].name_len += (uint32_t)len;
	return 0;
}

static int on_header_field_complete(llhttp_t *p)
{
	struct request *r = req_of(p);
	if (r->msg.field_state != FIELD_NAME || r->fields[r->msg.nfields - 1].name_len == 0)
		return fail(r, HTTP_BAD_REQUEST, "Empty header name");
	if (r->msg.store_len >= sizeof(r->store))
		return fail(r, HTTP_HEADER_FIELDS_TOO_LARGE, "Line too long");
	store_terminate(r);
	r->msg.field_state = FIELD_NAME_DONE;
	r->fields[r->msg.nfields - 1].value_off = (uint32_t)r->msg.store_len;
	return 0;
}

/* llhttp 8.1.0 hands an obs-fold continuation line to on_header_value
 * after the field's value was already complete, and a line without a
 * name (": x") to on_header_value with no field at all. RFC 9112 5.2
 * lets a server reject both; we do (CVE-2024-27982 shows why). */
static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
	struct request *r = req_of(p);
	if (r->msg.field_state == FIELD_NAME_DONE)
		r->msg.field_state = FIELD_VALUE;
	else if (r->msg.field_state != FIELD_VALUE)
		return fail(r, HTTP_BAD_REQUEST, "Bad header line (folded or nameless)");
	if (store_append(r, at, len) < 0)
		return -1;
	r->fields[r->msg.nfields - 1].value_len += (uint32_t)len;
	return 0;
}

static int on_header_value_complete(llhttp_t *p)
{
	struct request *r = req_of(p);
	if (r->msg.field_state != FIELD_NAME_DONE && r->msg.field_state != FIELD_VALUE)
		return fail(r, HTTP_BAD_REQUEST, "Bad header line (folded or nameless)");
	struct request_field *f = &r->fields[r->msg.nfields - 1];
	/* Trailing whitespace is not part of a field value (RFC 9110 5.5). */
	while (f->value_len > 0 && (r->store[f->value_off + f->value_len - 1] == ' ' ||
				    r->store[f->value_off + f->value_len - 1] == '\t')) {
		f->value_len--;
		r->msg.store_len--;
	}
	if (r->msg.store_len >= sizeof(r->store))
		return fail(r, HTTP_HEADER_FIELDS_TOO_LARGE, "Line too long");
	store_terminate(r);
	r->msg.field_state = FIELD_VALUE_DONE;
	return 0;
}

/* A request line without a version ("GET /path" CRLF) is HTTP/0.9,
 * which RFC 9112 2.3 lets a server answer. llhttp cannot tell until the
 * byte after the line arrives (it then expects headers), and such a
 * client sends none: the line alone decides. Two words and no error. */
static bool is_http09(const struct request *r)
{
	return !r->msg.head_done && r->msg.line_done && r->msg.error == HTTP_NONE && r->msg.method_len > 0 &&
	       r->msg.target_len > 0 && memchr(r->line, ' ', r->msg.line_len) != NULL &&
	       memchr(r->line, ' ', r->msg.line_len) == memrchr(r->line, ' ', r->msg.line_len);
}

/* HTTP/0.9 had GET alone (python answers anything else with a 400);
 * the answer is the body with no status line or headers, then close.
 * Returns what an llhttp callback returns. */
static int accept_http09(struct request *r)
{
	r->msg.http09 = true;
	r->msg.keep_alive = false;
	if (strcmp(r->method, "GET") != 0) {
		snprintf(r->error_detail, sizeof(r->error_detail),
			 "Bad HTTP/0.9 request type ('%.*s')", (int)r->msg.method_len, r->method);
		fail(r, HTTP_BAD_REQUEST, r->error_detail);
		r->msg.state = REQUEST_FAILED;
		return -1;
	}
	r->msg.head_done = true;
	r->msg.state = REQUEST_COMPLETE;
	return HPE_PAUSED;
}

/* What becomes of a method llhttp recognised. GET, HEAD and OPTIONS go
 * to the handler. The other methods of RFC 9110, and PATCH, name things
 * a file server could do but does not: 405 with Allow. The rest llhttp
 * knows (WebDAV, RTSP-ish, PURGE, ...) are not ours to recognise: 501,
 * as for any unknown token. */
static enum http_status method_status(const struct request *r)
{
	switch (llhttp_get_method((llhttp_t *)&r->parser)) {
	case HTTP_GET:
	case HTTP_HEAD:
	case HTTP_OPTIONS:
		return HTTP_OK;
	case HTTP_POST:
	case HTTP_PUT:
	case HTTP_DELETE:
	case HTTP_PATCH:
	case HTTP_CONNECT:
	case HTTP_TRACE:
		return HTTP_METHOD_NOT_ALLOWED;
	default:
		return HTTP_NOT_IMPLEMENTED;
	}
}

/* RFC 9110 10.1.1: Expect: 100-continue from an HTTP/1.1 client that has
 * a body to send (a GET may carry one): it waits for "100 Continue". */
static bool wants_continue(const struct request *r)
{
	const char *expect = request_header(r, "Expect");
	bool has_body = r->parser.content_length > 0 || (r->parser.flags & F_CHUNKED);
	return expect && strcasecmp(expect, "100-continue") == 0 && has_body &&
	       llhttp_get_http_minor((llhttp_t *)&r->parser) >= 1;
}

/* The last point before the body: refuse what we will not serve now, so
 * that a client sending a large body gets its answer without waiting. */
static int on_headers_complete(llhttp_t *p)
{
	struct request *r = req_of(p);
	if (r->msg.field_state != FIELD_NONE && r->msg.field_state != FIELD_VALUE_DONE)
		return fail(r, HTTP_BAD_REQUEST, "Bad header line (folded or nameless)");
	if (llhttp_get_http_major(p) == 0) /* the line came with its headers */
		return accept_http09(r);
	bool put = r->put.begin && llhttp_get_method(p) == HTTP_PUT;
	enum http_status ms = put ? HTTP_OK : method_status(r);
	if (ms != HTTP_OK) {
		/* Refused before any body byte is read; the connection closes. */
		snprintf(r->error_detail, sizeof(r->error_detail), "%s ('%.*s')",
			 ms == HTTP_METHOD_NOT_ALLOWED ? "Method not allowed" : "Unsupported method",
			 (int)r->msg.method_len, r->method);
		return fail(r, ms, r->error_detail);
	}
	/* RFC 9112 6.1: HTTP/1.0 has no Transfer-Encoding, so whoever sent
	 * this framed the body some other way; refuse it (as nginx does)
	 * rather than guess where the next request starts. */
	if (llhttp_get_http_minor(p) == 0 && (p->flags & F_TRANSFER_ENCODING))
		return fail(r, HTTP_BAD_REQUEST, "Transfer-Encoding in an HTTP/1.0 request");
	if (put) {
		const char *message = NULL;
		enum http_status st = r->put.begin(r->put.ctx, r, &message);
		if (st != HTTP_NONE)
			return fail(r, st, message);
		r->msg.put_body = true;
	} else if (p->content_length > r->max_body) {
		return fail(r, HTTP_CONTENT_TOO_LARGE, NULL);
	}
	r->msg.head_done = true;
	r->msg.is_head = llhttp_get_method(p) == HTTP_HEAD;
	r->msg.keep_alive = llhttp_should_keep_alive(p);
	r->msg.expect_continue = wants_continue(r);
	return HPE_PAUSED;
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
	struct request *r = req_of(p);
	if (r->msg.put_body) {
		const char *message = NULL;
		enum http_status st = r->put.data(r->put.ctx, at, len, &message);
		if (st != HTTP_NONE)
			return fail(r, st, message);
		r->msg.body_bytes += len;
		return 0;
	}
	r->msg.body_bytes += len;
	if (r->msg.body_bytes > r->max_body)
		return fail(r, HTTP_CONTENT_TOO_LARGE, NULL);
	return 0;
}

static int on_message_complete(llhttp_t *p)
{
	struct request *r = req_of(p);
	/* should_keep_alive is final only now (e.g. after a chunked body). */
	r->msg.keep_alive = r->msg.keep_alive && llhttp_should_keep_alive(p);
	r->msg.state = REQUEST_COMPLETE;
	return HPE_PAUSED;
}

static void install_callbacks(llhttp_settings_t *s)
{
	llhttp_settings_init(s);
	s->on_message_begin = on_message_begin;
	s->on_method = on_method;
	s->on_url = on_url;
	s->on_version_complete = on_version_complete;
	s->on_header_field = on_header_field;
	s->on_header_field_complete = on_header_field_complete;
	s->on_header_value = on_header_value;
	s->on_header_value_complete = on_header_value_complete;
	s->on_headers_complete = on_headers_complete;
	s->on_body = on_body;
	s->on_message_complete = on_message_complete;
}

static void clear_message(struct request *r)
{
	r->msg = (struct request_message){.state = REQUEST_INCOMPLETE, .error = HTTP_NONE,
					  .field_state = FIELD_NONE};
	r->error_detail[0] = r->line[0] = r->method[0] = r->target[0] = '\0';
}

void request_init(struct request *r, uint64_t max_body)
{
	install_callbacks(&r->settings);
	llhttp_init(&r->parser, HTTP_REQUEST, &r->settings);
	r->parser.data = r;
	r->max_body = max_body;
	r->put = (struct request_put_hooks){0};
	clear_message(r);
}

void request_next(struct request *r)
{
	clear_message(r);
	llhttp_resume(&r->parser);
}

/* Keep the request line as it arrived (CR and LF stripped, blank lines
 * before it skipped, as RFC 9112 2.2 allows), for the log and for error
 * classification. */
static void record_line(struct request *r, const char *data, size_t len)
{
	for (size_t i = 0; i < len && !r->msg.line_done; i++) {
		char c = data[i];
		if (c == '\n') {
			if (r->msg.line_len == 0)
				continue;
			r->msg.line_done = true;
		} else if (c == '\r') {
			continue;
		} else if (r->msg.line_len < REQUEST_LINE_MAX) {
			r->line[r->msg.line_len++] = c;
			r->line[r->msg.line_len] = '\0';
		}
	}
}


static size_t finish_failed(struct request *r, llhttp_errno_t err, size_t len)
{
	if (r->msg.error == HTTP_NONE) {
		bool whole = r->msg.line_done || r->msg.line_len >= REQUEST_LINE_MAX;
		enum http_status st = reqline_judge(r->line, r->msg.line_len, whole, err,
						    r->error_detail, sizeof(r->error_detail));
		if (st == HTTP_NONE)
			return len; /* stay INCOMPLETE: the rest of the line decides */
		r->msg.tls_on_plain = reqline_is_tls_handshake(r->line, r->msg.line_len);
		fail(r, st, r->error_detail);
	}
	r->msg.state = REQUEST_FAILED;
	return len;
}

/* llhttp 8.1.0 joins an obs-fold continuation line ("X: a\r\n  b") into
 * the value, even when the first line's value is empty, so the callbacks
 * cannot always see it. A head line that begins with SP or HTAB is one,
 * wherever the read boundaries fall. */
static void scan_for_folds(struct request *r, const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (r->msg.after_lf && r->msg.line_done && (data[i] == ' ' || data[i] == '\t')) {
			fail(r, HTTP_BAD_REQUEST, "Bad header line (obsolete line folding)");
			return;
		}
		r->msg.after_lf = data[i] == '\n';
	}
}

/* Where the next LF without a CR before it is in data[off, len), or len.
 * cr_before_off: the byte fed just before data[off] was a CR. */
static size_t next_bare_lf(const char *data, size_t off, size_t len, bool cr_before_off)
{
	for (size_t i = off; i < len; i++) {
		const char *lf = memchr(data + i, '\n', len - i);
		if (!lf)
			break;
		i = (size_t)(lf - data);
		if (!(i > off ? data[i - 1] == '\r' : cr_before_off))
			return i;
	}
	return len;
}

/* llhttp (strict) wants CRLF; RFC 9112 2.2 lets a server take a bare LF
 * as the end of a head line, and python, nginx and every netcat user
 * count on it. Each bare LF of the head reaches llhttp as CRLF: a "\r"
 * of our own goes first, as if the CR had come in a read of its own. A
 * lone CR is still refused. */
static llhttp_errno_t execute_head(struct request *r, const char *data, size_t len)
{
	size_t off = 0;
	bool cr_before = r->msg.last_cr;
	for (;;) {
		size_t lf = next_bare_lf(data, off, len, cr_before);
		llhttp_errno_t err = llhttp_execute(&r->parser, data + off, lf - off);
		if (err != HPE_OK || lf == len)
			return err;
		err = llhttp_execute(&r->parser, "\r", 1);
		if (err != HPE_OK)
			return err;
		off = lf; /* the LF itself starts the next piece */
		cr_before = true;
	}
}

/* One pass of llhttp over data; returns the bytes it consumed. */
static size_t parse_some(struct request *r, const char *data, size_t len,
			 llhttp_errno_t *err)
{
	bool in_head = !r->msg.head_done;
	*err = in_head ? execute_head(r, data, len) : llhttp_execute(&r->parser, data, len);
	size_t used = len;
	if (*err == HPE_PAUSED || *err == HPE_PAUSED_UPGRADE)
		used = (size_t)(llhttp_get_error_pos(&r->parser) - data);
	if (in_head) {
		/* Pausing after the head makes this the head's exact size. */
		r->msg.head_bytes += used;
		scan_for_folds(r, data, used);
		if (used > 0)
			r->msg.last_cr = data[used - 1] == '\r';
		if (r->msg.head_bytes > REQUEST_HEAD_MAX)
			fail(r, HTTP_HEADER_FIELDS_TOO_LARGE, "Request header too large");
	}
	return used;
}

size_t request_feed(struct request *r, const char *data, size_t len)
{
	if (r->msg.state != REQUEST_INCOMPLETE || len == 0)
		return 0;
	r->msg.started = true;
	record_line(r, data, len);
	llhttp_errno_t err = llhttp_get_errno(&r->parser);
	if (err != HPE_OK && err != HPE_PAUSED)
		return finish_failed(r, err, len);

	size_t off = 0;
	for (;;) {
		off += parse_some(r, data + off, len - off, &err);
		if (r->msg.error != HTTP_NONE ||
		    (err != HPE_OK && err != HPE_PAUSED && err != HPE_PAUSED_UPGRADE))
			return finish_failed(r, err, len);
		if (err == HPE_PAUSED_UPGRADE) {
			/* We speak no other protocol: answer, then close. */
			r->msg.keep_alive = false;
			r->msg.state = REQUEST_COMPLETE;
		}
		if (r->msg.state == REQUEST_INCOMPLETE && is_http09(r))
			(void)accept_http09(r);
		if (r->msg.state != REQUEST_INCOMPLETE)
			return off;
		if (err == HPE_PAUSED) {
			/* Paused after the head: go on even with no bytes left,
			 * so that a body-less message completes now. */
			llhttp_resume(&r->parser);
			continue;
		}
		if (off >= len)
			return off;
	}
}

const char *request_header(const struct request *r, const char *name)
{
	for (size_t i = 0; i < r->msg.nfields; i++) {
		const struct request_field *f = &r->fields[i];
		if (strcasecmp(r->store + f->name_off, name) == 0)
			return r->store + f->value_off;
	}
	return NULL;
}

unsigned request_http_minor(const struct request *r)
{
	return llhttp_get_http_minor((llhttp_t *)&r->parser);
}
