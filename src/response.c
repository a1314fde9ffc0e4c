#include "response.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "httpdate.h"

/* Up to this size a file body goes out with the head in one writev. */
#define RESPONSE_SMALL_FILE (16 * 1024)

/* "Name: value" as given on the command line, with the OWS after the
 * colon normalised to one space (config.c validated the bytes). */
static void append_extra_header(struct buf *b, const char *h)
{
	const char *colon = strchr(h, ':');
	const char *value = colon + 1;
	while (*value == ' ' || *value == '\t')
		value++;
	buf_append(b, h, (size_t)(colon - h));
	buf_append_str(b, ": ");
	buf_append_str(b, value);
	buf_append_str(b, "\r\n");
}

void response_extras_build(struct response_extras *x, const struct config *cfg)
{
	buf_init(&x->tail);
	if (cfg->cors)
		buf_append_str(&x->tail,
			       "Access-Control-Allow-Origin: *\r\n"
			       "Access-Control-Expose-Headers: Content-Range, Accept-Ranges, "
			       "ETag, Content-Encoding\r\n");
	/* On every answer, errors and 304s included: a browser checks COEP
	 * and CORP on each subresource, whatever its status. */
	if (cfg->isolate)
		buf_append_str(&x->tail, "Cross-Origin-Opener-Policy: same-origin\r\n"
					 "Cross-Origin-Embedder-Policy: require-corp\r\n"
					 "Cross-Origin-Resource-Policy: same-origin\r\n");
	for (unsigned i = 0; i < cfg->n_extra_headers; i++)
		append_extra_header(&x->tail, cfg->extra_headers[i]);
	buf_append_str(&x->tail, "\r\n");
	x->cache_seconds = cfg->cache_seconds;
}

void response_extras_free(struct response_extras *x)
{
	buf_free(&x->tail);
}

/* The configured lines and the blank line that ends every head. */
static struct iovec common_tail(const struct response_extras *x)
{
	if (!x || !x->tail.len || !buf_ok(&x->tail))
		return (struct iovec){"\r\n", 2};
	return (struct iovec){x->tail.data, x->tail.len};
}

void response_init(struct response *resp)
{
	memset(resp, 0, sizeof(*resp));
	buf_init(&resp->location);
	buf_init(&resp->body);
	resp->file_fd = -1;
}

void response_release(struct response *resp)
{
	archive_stream_release(&resp->archive);
	if (resp->file_fd >= 0)
		close(resp->file_fd); /* read-only file: nothing to lose */
	buf_free(&resp->location);
	buf_free(&resp->body);
	resp->file_fd = -1;
}

void response_set_error(struct response *resp, enum http_status status,
			const char *message)
{
	if (!message)
		message = http_reason(status);
	resp->status = status;
	resp->error_message = message;
	resp->content_type = "text/html;charset=utf-8";
	if (resp->file_fd >= 0)
		close(resp->file_fd);
	resp->file_fd = -1;
	resp->body.len = 0;
	/* Whatever file representation was planned is gone. */
	resp->etag[0] = '\0';
	resp->accept_ranges = false;
	resp->content_encoding = NULL;
	resp->content_range = false;
	resp->nparts = 0;
	if (status == HTTP_METHOD_NOT_ALLOWED)
		resp->allow = RESPONSE_ALLOW; /* RFC 9110 15.5.6: MUST */
	if (!http_status_has_body(status))
		return;
	buf_append_str(&resp->body, "<!DOCTYPE HTML>\n"
				    "<html lang=\"en\">\n"
				    "    <head>\n"
				    "        <meta charset=\"utf-8\">\n"
				    "        <title>Error response</title>\n"
				    "    </head>\n"
				    "    <body>\n"
				    "        <h1>Error response</h1>\n");
	buf_printf(&resp->body, "        <p>Error code: %d</p>\n        <p>Message: ",
		   (int)status);
	buf_append_html(&resp->body, message, strlen(message), false);
	buf_printf(&resp->body,
		   ".</p>\n        <p>Error code explanation: %d - %s.</p>\n"
		   "    </body>\n</html>\n",
		   (int)status, http_explain(status));
}

/* ---- ranges ------------------------------------------------------------ */

/* A part head is a boundary line, Content-Type (from mime: bounded) and
 * Content-Range. */
#define PART_HEAD_MAX 1024

void response_set_single_range(struct response *resp, const struct range *r)
{
	resp->status = HTTP_PARTIAL_CONTENT;
	resp->file_offset = (off_t)r->first;
	resp->file_length = (off_t)(r->last - r->first + 1);
	resp->content_range = true;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* A boundary must not occur in the parts. The file's author cannot
 * guess one made from the clock's nanoseconds, the pid and a counter. */
static void make_boundary(char out[RESPONSE_BOUNDARY_MAX])
{
	static uint64_t counter;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t a = mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32) ^ ++counter);
	uint64_t b = mix64(a ^ (uint64_t)ts.tv_sec);
	snprintf(out, RESPONSE_BOUNDARY_MAX, "%016" PRIx64 "%016" PRIx64, a, b);
}

/* The head is written with a cursor, not printf: for a small file it is
 * most of what a keep-alive request costs in user space. A header that
 * does not fit makes the whole response fail (our own bounds keep that
 * from happening). */
struct head {
	char *p, *end;
	bool full;
};

static void head_put(struct head *h, const char *s, size_t len)
{
	if (h->full || len > (size_t)(h->end - h->p)) {
		h->full = true;
		return;
	}
	memcpy(h->p, s, len);
	h->p += len;
}

static void head_str(struct head *h, const char *s)
{
	head_put(h, s, strlen(s));
}

static void head_u64(struct head *h, uint64_t v)
{
	char digits[BUF_U64_MAX];
	head_put(h, digits, (size_t)(buf_put_u64(digits, v) - digits));
}

/* "Name: value" CRLF */
static void head_field(struct head *h, const char *name, const char *value)
{
	head_str(h, name);
	head_put(h, ": ", 2);
	head_str(h, value);
	head_put(h, "\r\n", 2);
}

/* The bytes before part i: CRLF (the preamble's end for the first),
 * the delimiter, the part's fields and the blank line. The same bytes
 * at planning and at sending: Content-Length counts them. */
static int head_end(const struct head *h, const char *start)
{
	return h->full ? -1 : (int)(h->p - start);
}

static int part_head(const struct response *resp, unsigned i, char *out, size_t cap)
{
	const struct range *r = &resp->parts[i];
	struct head h = {out, out + cap, false};
	head_str(&h, "\r\n--");
	head_str(&h, resp->boundary);
	head_put(&h, "\r\n", 2);
	if (resp->content_type)
		head_field(&h, "Content-Type", resp->content_type);
	head_str(&h, "Content-Range: bytes ");
	head_u64(&h, r->first);
	head_put(&h, "-", 1);
	head_u64(&h, r->last);
	head_put(&h, "/", 1);
	head_u64(&h, resp->range_size);
	head_put(&h, "\r\n\r\n", 4);
	return head_end(&h, out);
}

static int part_tail(const struct response *resp, char *out, size_t cap)
{
	struct head h = {out, out + cap, false};
	head_str(&h, "\r\n--");
	head_str(&h, resp->boundary);
	head_str(&h, "--\r\n");
	return head_end(&h, out);
}

int response_set_multipart(struct response *resp, const struct range_set *set)
{
	char scratch[PART_HEAD_MAX];
	make_boundary(resp->boundary);
	memcpy(resp->parts, set->r, set->n * sizeof(set->r[0]));
	resp->nparts = set->n;
	for (unsigned i = 0; i < resp->nparts; i++) {
		if (part_head(resp, i, scratch, sizeof(scratch)) < 0) {
			resp->nparts = 0;
			return -1;
		}
	}
	resp->status = HTTP_PARTIAL_CONTENT;
	return 0;
}

static uint64_t multipart_length(const struct response *resp)
{
	char scratch[PART_HEAD_MAX];
	uint64_t total = (uint64_t)part_tail(resp, scratch, sizeof(scratch));
	for (unsigned i = 0; i < resp->nparts; i++) {
		const struct range *r = &resp->parts[i];
		total += (uint64_t)part_head(resp, i, scratch, sizeof(scratch));
		total += r->last - r->first + 1;
	}
	return total;
}

uint64_t response_body_length(const struct response *resp)
{
	if (resp->file_fd >= 0 && resp->nparts > 1)
		return multipart_length(resp);
	if (resp->file_fd >= 0)
		return (uint64_t)resp->file_length;
	return resp->body.len;
}

/* The Date header changes once a second; format it once a second. */
static const char *date_now(void)
{
	static time_t cached;
	static char text[HTTPDATE_LEN + 1];
	time_t now = time(NULL);
	if (now != cached || !text[0]) {
		httpdate_format(now, text);
		cached = now;
	}
	return text;
}

static const char *vary_value(const struct response *resp)
{
	if (resp->vary_encoding && resp->vary_accept)
		return "Accept, Accept-Encoding";
	return resp->vary_accept ? "Accept" : "Accept-Encoding";
}

/* Content-Range of a single part, or of an unsatisfiable range. */
static void put_content_range(struct head *h, const struct response *resp)
{
	head_str(h, "Content-Range: bytes ");
	if (resp->unsatisfied_range) {
		head_put(h, "*", 1);
	} else {
		head_u64(h, (uint64_t)resp->file_offset);
		head_put(h, "-", 1);
		head_u64(h, (uint64_t)(resp->file_offset + resp->file_length - 1));
	}
	head_put(h, "/", 1);
	head_u64(h, resp->range_size);
	head_put(h, "\r\n", 2);
}

/* ETag, encoding and range fields, and Cache-Control for what may be
 * cached (not errors: a 404 cached for a day outlives the fix). */
static void put_representation(struct head *h, const struct response *resp, long cache_seconds)
{
	if (resp->etag[0])
		head_field(h, "ETag", resp->etag);
	if (resp->content_encoding)
		head_field(h, "Content-Encoding", resp->content_encoding);
	if (resp->vary_encoding || resp->vary_accept)
		head_field(h, "Vary", vary_value(resp));
	if (resp->accept_ranges)
		head_str(h, "Accept-Ranges: bytes\r\n");
	if (resp->content_range || resp->unsatisfied_range)
		put_content_range(h, resp);
	if (resp->event_stream)
		head_str(h, "Cache-Control: no-cache\r\n");
	else if (cache_seconds >= 0 && resp->status < 400) {
		head_str(h, "Cache-Control: max-age=");
		head_u64(h, (uint64_t)cache_seconds);
		head_put(h, "\r\n", 2);
	}
}

/* Allow, and the answer to a CORS preflight. */
static void put_methods(struct head *h, const struct response *resp)
{
	if (resp->allow)
		head_field(h, "Allow", resp->allow);
	if (resp->cors_preflight) {
		head_field(h, "Access-Control-Allow-Methods", resp->allow ? resp->allow : RESPONSE_ALLOW);
		head_str(h, "Access-Control-Max-Age: 86400\r\n");
		if (resp->cors_request_headers)
			head_field(h, "Access-Control-Allow-Headers", resp->cors_request_headers);
	}
}

static void put_status_line(struct head *h, enum http_status status)
{
	head_str(h, "HTTP/1.1 ");
	head_u64(h, (uint64_t)status);
	head_put(h, " ", 1);
	head_str(h, http_reason(status));
	head_str(h, "\r\nServer: httpd-lite/" HTTPD_LITE_VERSION "\r\n");
	head_field(h, "Date", date_now());
}

/* A streamed archive: its type and file name, and how its end is told. */
static void put_archive_fields(struct head *h, const struct response *resp)
{
	head_field(h, "Content-Type", resp->content_type);
	if (resp->archive.chunked)
		head_str(h, "Transfer-Encoding: chunked\r\n");
	struct buf disposition;
	buf_init(&disposition);
	archive_stream_disposition(&resp->archive, &disposition);
	head_str(h, "Content-Disposition: ");
	if (buf_ok(&disposition))
		head_put(h, disposition.data, disposition.len);
	else
		h->full = true;
	head_put(h, "\r\n", 2);
	buf_free(&disposition);
}

static void put_content_fields(struct head *h, const struct response *resp)
{
	if (resp->archive.format != ARCHIVE_STREAM_NONE) {
		put_archive_fields(h, resp);
		return;
	}
	if (resp->file_fd >= 0 && resp->nparts > 1) {
		head_str(h, "Content-Type: multipart/byteranges; boundary=");
		head_str(h, resp->boundary);
		head_put(h, "\r\n", 2);
	} else if (resp->content_type) {
		head_field(h, "Content-Type", resp->content_type);
	}
	if (http_status_has_body(resp->status) && !resp->event_stream) {
		head_str(h, "Content-Length: ");
		head_u64(h, response_body_length(resp));
		head_put(h, "\r\n", 2);
	}
	if (resp->last_modified) {
		char lm[HTTPDATE_LEN + 1];
		httpdate_format(resp->last_modified, lm);
		head_field(h, "Last-Modified", lm);
	}
}

static long format_head(const struct response *resp, long cache_seconds, char *buf, size_t cap)
{
	struct head h = {.p = buf, .end = buf + cap};
	put_status_line(&h, resp->status);
	put_content_fields(&h, resp);
	if (resp->location.len) {
		head_str(&h, "Location: ");
		head_put(&h, resp->location.data, resp->location.len);
		head_put(&h, "\r\n", 2);
	}
	if (resp->retry_after) {
		head_str(&h, "Retry-After: ");
		head_u64(&h, resp->retry_after);
		head_put(&h, "\r\n", 2);
	}
	if (resp->www_authenticate)
		head_field(&h, "WWW-Authenticate", resp->www_authenticate);
	put_representation(&h, resp, cache_seconds);
	put_methods(&h, resp);
	if (resp->close)
		head_str(&h, "Connection: close\r\n");
	else if (resp->keep_alive_header)
		head_str(&h, "Connection: keep-alive\r\n");
	/* The blank line comes with the configured headers: common_tail(x). */
	return h.full ? -1 : (long)(h.p - buf);
}

/* Every part: its head, then its bytes with sendfile; then the closing
 * delimiter. Exactly what multipart_length() counted, or -1. */
static int send_multipart(struct io *io, const struct response *resp)
{
	char text[PART_HEAD_MAX];
	for (unsigned i = 0; i < resp->nparts; i++) {
		const struct range *r = &resp->parts[i];
		int n = part_head(resp, i, text, sizeof(text));
		struct iovec iov = {text, n < 0 ? 0 : (size_t)n};
		if (n < 0 || io_write_all(io, &iov, 1, true) < 0 ||
		    io_send_file(io, resp->file_fd, (off_t)r->first,
				 (off_t)(r->last - r->first + 1)) < 0)
			return -1;
	}
	int n = part_tail(resp, text, sizeof(text));
	struct iovec iov = {text, n < 0 ? 0 : (size_t)n};
	return n < 0 ? -1 : io_write_all(io, &iov, 1, false);
}

/* A small file is read behind the head and both go out in one writev:
 * for a few KiB that costs the kernel less than MSG_MORE + sendfile, with
 * the same two syscalls. A file that shrank since fstat is not answered:
 * nothing was sent yet, and the connection closes. */
static long long send_small_file(struct io *io, struct iovec iov[3], const struct response *resp)
{
	static char small[RESPONSE_SMALL_FILE];
	size_t len = (size_t)resp->file_length, got = 0;
	while (got < len) {
		ssize_t r = pread(resp->file_fd, small + got, len - got, resp->file_offset + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	iov[2] = (struct iovec){small, len};
	return io_write_all(io, iov, 3, false) < 0 ? -1 : (long long)len;
}

long long response_send(struct io *io, struct response *resp, const struct response_extras *x)
{
	char head[RESPONSE_HEAD_MAX];
	bool streamed = resp->archive.format != ARCHIVE_STREAM_NONE;
	if (streamed && !resp->archive.chunked)
		resp->close = true; /* the close is what ends the body */
	long hlen = format_head(resp, x ? x->cache_seconds : -1, head, sizeof(head));
	if (hlen < 0) {
		errno = EOVERFLOW;
		return -1;
	}
	struct iovec iov[3] = {{head, (size_t)hlen}, common_tail(x),
			       {resp->body.data, resp->body.len}};
	if (resp->http09)
		iov[0].iov_len = iov[1].iov_len = 0;
	bool body = !resp->head_only && http_status_has_body(resp->status);
	if (body && streamed) {
		if (io_write_all(io, iov, 2, true) < 0)
			return -1;
		return archive_stream_send(io, &resp->archive);
	}
	if (body && resp->file_fd >= 0 && resp->nparts > 1) {
		if (io_write_all(io, iov, 2, true) < 0 || send_multipart(io, resp) < 0)
			return -1;
		return (long long)response_body_length(resp);
	}
	if (body && resp->file_fd >= 0 && resp->file_length > 0) {
		if (resp->file_length <= RESPONSE_SMALL_FILE)
			return send_small_file(io, iov, resp);
		if (io_write_all(io, iov, 2, true) < 0 ||
		    io_send_file(io, resp->file_fd, resp->file_offset, resp->file_length) < 0)
			return -1;
		return resp->file_length;
	}
	int cnt = (body && resp->file_fd < 0 && resp->body.len) ? 3 : 2;
	if (io_write_all(io, iov, cnt, false) < 0)
		return -1;
	return cnt == 3 ? (long long)resp->body.len : 0;
}
