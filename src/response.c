#include "response.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "httpdate.h"

void response_init(struct response *resp)
{
	memset(resp, 0, sizeof(*resp));
	buf_init(&resp->location);
	buf_init(&resp->body);
	resp->file_fd = -1;
}

void response_release(struct response *resp)
{
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

uint64_t response_body_length(const struct response *resp)
{
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

/* Appends to head[*n], never past cap; a header that does not fit makes
 * the whole response fail (it cannot happen with our own bounds). */
static int head_add(char *head, size_t cap, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int head_add(char *head, size_t cap, size_t *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(head + *n, cap - *n, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= cap - *n)
		return -1;
	*n += (size_t)w;
	return 0;
}

static long format_head(const struct response *resp, char *head, size_t cap)
{
	size_t n = 0;
	int bad = 0;
	bad |= head_add(head, cap, &n, "HTTP/1.1 %d %s\r\nServer: httpd-lite/%s\r\nDate: %s\r\n",
			(int)resp->status, http_reason(resp->status), HTTPD_LITE_VERSION,
			date_now());
	if (resp->content_type)
		bad |= head_add(head, cap, &n, "Content-Type: %s\r\n", resp->content_type);
	if (http_status_has_body(resp->status))
		bad |= head_add(head, cap, &n, "Content-Length: %" PRIu64 "\r\n",
				response_body_length(resp));
	if (resp->last_modified) {
		char lm[HTTPDATE_LEN + 1];
		httpdate_format(resp->last_modified, lm);
		bad |= head_add(head, cap, &n, "Last-Modified: %s\r\n", lm);
	}
	if (resp->location.len)
		bad |= head_add(head, cap, &n, "Location: %.*s\r\n", (int)resp->location.len,
				resp->location.data);
	if (resp->retry_after)
		bad |= head_add(head, cap, &n, "Retry-After: %u\r\n", resp->retry_after);
	if (resp->close)
		bad |= head_add(head, cap, &n, "Connection: close\r\n");
	else if (resp->keep_alive_header)
		bad |= head_add(head, cap, &n, "Connection: keep-alive\r\n");
	bad |= head_add(head, cap, &n, "\r\n");
	return bad ? -1 : (long)n;
}

/* writev until every byte is out. */
static int write_all(int fd, struct iovec *iov, int cnt)
{
	while (cnt > 0) {
		ssize_t w = writev(fd, iov, cnt);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1; /* EPIPE, ECONNRESET, EAGAIN after SO_SNDTIMEO */
		size_t left = (size_t)w;
		while (cnt > 0 && left >= iov->iov_len) {
			left -= iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + left;
			iov->iov_len -= left;
		}
	}
	return 0;
}

/* The head goes out with MSG_MORE so that it shares a packet with the
 * start of the file instead of leaving alone. */
static int send_head_more(int fd, const char *head, size_t len)
{
	while (len > 0) {
		ssize_t w = send(fd, head, len, MSG_MORE | MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		head += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Exactly length bytes from the file, or -1: if the file shrank under us
 * the promised Content-Length cannot be kept, and only closing the
 * connection tells the client. */
static int send_file_range(int fd, int file_fd, off_t offset, off_t length)
{
	while (length > 0) {
		size_t chunk = length > (off_t)(1 << 30) ? (size_t)1 << 30 : (size_t)length;
		ssize_t w = sendfile(fd, file_fd, &offset, chunk);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		length -= w;
	}
	return 0;
}

long long response_send(int fd, struct response *resp)
{
	char head[RESPONSE_HEAD_MAX];
	long hlen = format_head(resp, head, sizeof(head));
	if (hlen < 0) {
		errno = EOVERFLOW;
		return -1;
	}
	bool body = !resp->head_only && http_status_has_body(resp->status);
	if (body && resp->file_fd >= 0 && resp->file_length > 0) {
		if (send_head_more(fd, head, (size_t)hlen) < 0 ||
		    send_file_range(fd, resp->file_fd, resp->file_offset, resp->file_length) < 0)
			return -1;
		return resp->file_length;
	}
	struct iovec iov[2] = {{head, (size_t)hlen}, {resp->body.data, resp->body.len}};
	int cnt = (body && resp->file_fd < 0 && resp->body.len) ? 2 : 1;
	if (write_all(fd, iov, cnt) < 0)
		return -1;
	return cnt == 2 ? (long long)resp->body.len : 0;
}
