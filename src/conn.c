/* conn.c — the child's side of fork-per-connection.
 *
 * The parent accepted the socket and forked; from here on this process
 * owns exactly one socket pair (our port = the listener's port, their
 * ephemeral port) and nothing else of interest. It loops: read into a
 * fixed buffer, feed llhttp until a message is complete, answer it, and
 * go on with whatever bytes are left (pipelining) until the client closes,
 * asks to close, breaks the protocol, or is too slow.
 *
 * The fds are non-blocking (io.c) and every wait is a poll() with a
 * deadline:
 *   - between requests, the idle timeout;
 *   - once a request has started, what is left of the header deadline,
 *     counted from its first byte (the first request: from accept), so a
 *     client trickling a byte at a time is still cut off (slowloris);
 *   - writes wait at most what the send deadline allows (pace.h): a
 *     client that stops reading, or reads at a crawl, is dropped.
 *   - while an upload's body comes in (upload.c), the send timeout bounds
 *     each wait for more of it instead: the head's deadline does not fit a
 *     body that may take minutes.
 */
#include "conn.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "handler.h"
#include "io.h"
#include "livereload.h"
#include "log.h"
#include "netaddr.h"
#include "request.h"
#include "response.h"
#include "tls.h"
#include "upload.h"

#define CONN_READ_BUF 16384
/* After an error we stop reading requests but keep draining what the
 * client still sends for a moment, so that it reads our answer instead
 * of a reset (RFC 9112 9.6). */
#define CONN_LINGER_BYTES (256 * 1024)
#define CONN_LINGER_MS 2000
/* Batched access log lines wait at most this long once a connection is
 * quiet: soon enough that whoever watches the log (or a test reading it
 * after an answer) sees the line at once, long enough that a busy
 * keep-alive connection never stops to write one. */
#define CONN_LOG_FLUSH_MS 100

static volatile sig_atomic_t conn_stopping;

static void on_sigterm(int sig)
{
	(void)sig;
	conn_stopping = 1;
}

struct conn {
	const struct site *site;
	const struct config *cfg;
	struct io io;                 /* the socket, or stdin/stdout; TLS or not */
	char client[NETADDR_STRLEN];
	char rbuf[CONN_READ_BUF];
	size_t rstart, rend;
	struct request req;
	struct upload upload;         /* a PUT body being received (--upload) */
	long long started_ms;         /* accept time (clock_now_ms) */
	long long req_started_ms;     /* first byte of the current request */
	long long idle_since_ms;      /* the last answer went out */
	bool idle_woke;               /* woke up to flush the log while idle */
	unsigned requests;
	unsigned long long bytes_sent;
};

static long long elapsed_ms(long long since_ms)
{
	return clock_now_ms() - since_ms;
}

/* Between requests of a keep-alive connection. */
static bool is_idle(const struct conn *c)
{
	return !c->req.msg.started && c->requests > 0;
}

/* The read timeout this moment calls for; 0 means the deadline passed. */
static unsigned wanted_timeout(const struct conn *c)
{
	long long left;
	if (c->req.msg.put_body)
		return c->cfg->send_timeout_ms; /* per wait: read_more gives up after one */
	if (is_idle(c)) {
		if (!c->idle_woke)
			return c->cfg->idle_timeout_ms;
		left = (long long)c->cfg->idle_timeout_ms - elapsed_ms(c->idle_since_ms);
	} else {
		long long since = c->requests ? c->req_started_ms : c->started_ms;
		left = (long long)c->cfg->header_timeout_ms - elapsed_ms(since);
	}
	return left > 0 ? (unsigned)left : 0;
}

enum read_result { READ_DATA, READ_EOF, READ_TIMEOUT, READ_ERROR, READ_STOP };

/* One read, waiting at most what wanted_timeout() says -- or less while
 * access log lines are batched, so they are written within 0.1 s of the
 * connection going quiet. */
static enum read_result read_more(struct conn *c)
{
	for (;;) {
		if (conn_stopping && !c->req.msg.started)
			return READ_STOP;
		unsigned ms = wanted_timeout(c);
		if (ms == 0)
			return READ_TIMEOUT;
		bool flush_wait = log_pending() && ms > CONN_LOG_FLUSH_MS;
		if (flush_wait)
			ms = CONN_LOG_FLUSH_MS;
		ssize_t n = io_read(&c->io, c->rbuf, sizeof(c->rbuf), ms);
		if (n > 0) {
			c->rstart = 0;
			c->rend = (size_t)n;
			return READ_DATA;
		}
		if (n == 0)
			return READ_EOF;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return READ_ERROR;
		if (flush_wait) {
			log_flush();
			c->idle_woke = is_idle(c);
			continue;
		}
		if (is_idle(c) || c->req.msg.put_body)
			return READ_TIMEOUT; /* idle too long, or an upload stalled */
		/* else wanted_timeout() says whether the head's deadline passed */
	}
}

static void log_request(struct conn *c, enum http_status status, long long sent)
{
	if (sent > 0)
		c->bytes_sent += (unsigned long long)sent;
	if (c->req.msg.line_len || status != HTTP_REQUEST_TIMEOUT) {
		struct log_entry e = {
			.client = c->client,
			.request_line = c->req.line,
			.line_len = c->req.msg.line_len,
			.status = status,
			/* An upload's line tells its size, not the note's. */
			.bytes = c->req.msg.put_body ? (long long)c->req.msg.body_bytes : sent,
			.referer = request_header(&c->req, "Referer"),
			.user_agent = request_header(&c->req, "User-Agent"),
		};
		log_access(&e);
	}
}

static void send_response(struct conn *c, struct response *resp)
{
	if (resp->status >= 400)
		log_error_code(c->client, resp->status,
			       resp->error_message ? resp->error_message
						   : http_reason(resp->status));
	long long sent = response_send(&c->io, resp, &c->site->extras);
	if (sent < 0)
		resp->close = true;
	if (sent < 0 && c->io.dropped)
		log_trace("child %d: dropped %s: took no byte for %u s, or under %u bytes/s",
			  (int)getpid(), c->client, c->cfg->send_timeout_ms / 1000, PACE_MIN_RATE);
	log_request(c, resp->status, sent);
}

/* --live-reload's event stream: the head, then events until the client
 * goes away; the connection ends with it. 503 when the tree cannot be
 * watched (no inotify instance left). */
static void stream_events(struct conn *c, struct response *resp)
{
	resp->close = true;
	struct livereload lr;
	if (resp->head_only || livereload_open(&lr, c->site, c->io.out_fd) < 0) {
		if (!resp->head_only) {
			resp->event_stream = false;
			response_set_error(resp, HTTP_SERVICE_UNAVAILABLE,
					   "Live reload cannot watch the files");
			resp->retry_after = 5;
		}
		send_response(c, resp);
		return;
	}
	resp->head_only = true; /* the body is the stream */
	long long sent = response_send(&c->io, resp, &c->site->extras);
	if (sent >= 0)
		sent = livereload_run(&lr, &c->io, &conn_stopping);
	livereload_close(&lr);
	log_request(c, resp->status, sent);
}

/* Answer a complete request; false when the connection must close. */
static bool answer_request(struct conn *c)
{
	struct response resp;
	response_init(&resp);
	if (c->req.msg.put_body)
		upload_finish(&c->upload, &resp);
	else
		handler_handle(c->site, &c->req, &resp);
	if (resp.event_stream) {
		stream_events(c, &resp);
		response_release(&resp);
		c->requests++;
		return false;
	}
	/* A target we could not make sense of says the client is confused:
	 * answer and close, as for any malformed request. */
	resp.close = !c->req.msg.keep_alive || conn_stopping ||
		     resp.status == HTTP_BAD_REQUEST || resp.status == HTTP_URI_TOO_LONG ||
		     resp.status >= HTTP_INTERNAL_SERVER_ERROR;
	resp.keep_alive_header = !resp.close && request_http_minor(&c->req) == 0;
	resp.http09 = c->req.msg.http09;
	send_response(c, &resp);
	bool keep = !resp.close;
	response_release(&resp);
	c->requests++;
	return keep;
}

static void answer_error(struct conn *c, enum http_status status, const char *message)
{
	if (c->req.msg.tls_on_plain)
		log_notice(c->client, "a TLS handshake reached the plain HTTP port: use http:// "
				      "URLs, or start httpd-lite with --tls-cert and --tls-key "
				      "to serve HTTPS");
	struct response resp;
	upload_abort(&c->upload); /* nothing half-received stays */
	response_init(&resp);
	response_set_error(&resp, status, message);
	if (status == HTTP_UNAUTHORIZED) /* an upload refused before its body */
		resp.www_authenticate = AUTH_CHALLENGE;
	resp.head_only = c->req.msg.is_head;
	resp.http09 = c->req.msg.http09;
	resp.close = true;
	send_response(c, &resp);
	response_release(&resp);
	if (c->req.msg.started)
		c->requests++;
}

/* Half-close, then read and drop what the client still sends, bounded
 * in bytes and time, so our last answer is not lost to a reset. */
static void linger_close(struct conn *c)
{
	if (c->io.dropped) { /* too slow to read our answer: no courtesy */
		io_close(&c->io);
		return;
	}
	log_flush(); /* the lines are done; the client may keep us 2 s */
	io_shutdown_write(&c->io);
	long long start = clock_now_ms();
	size_t drained = 0;
	while (c->io.is_socket && drained < CONN_LINGER_BYTES) {
		long long left = CONN_LINGER_MS - elapsed_ms(start);
		struct pollfd p = {.fd = c->io.in_fd, .events = POLLIN};
		if (left <= 0 || poll(&p, 1, (int)left) == 0)
			break;
		ssize_t n = read(c->io.in_fd, c->rbuf, sizeof(c->rbuf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n <= 0)
			break;
		drained += (size_t)n;
	}
	io_close(&c->io);
}

/* The head asked for "100 Continue" before its body (curl does for a
 * body over 1 KiB): say it once, or the client waits a second or more.
 * false when the client is gone. */
static bool answer_continue(struct conn *c)
{
	static const char interim[] = "HTTP/1.1 100 Continue\r\n\r\n";
	if (!c->req.msg.expect_continue)
		return true;
	c->req.msg.expect_continue = false;
	struct iovec iov = {.iov_base = (void *)interim, .iov_len = sizeof(interim) - 1};
	return io_write_all(&c->io, &iov, 1, false) == 0;
}

/* Feed buffered bytes to the parser; answer what completes. Returns
 * false when the connection is done. */
static bool process_buffer(struct conn *c, bool *linger)
{
	while (c->rstart < c->rend || c->req.msg.state != REQUEST_INCOMPLETE) {
		bool was_started = c->req.msg.started;
		c->rstart += request_feed(&c->req, c->rbuf + c->rstart, c->rend - c->rstart);
		if (!was_started && c->req.msg.started)
			c->req_started_ms = clock_now_ms();
		if (c->req.msg.state == REQUEST_FAILED) {
			answer_error(c, c->req.msg.error, c->req.msg.error_message);
			*linger = true;
			return false;
		}
		if (c->req.msg.state != REQUEST_COMPLETE)
			return answer_continue(c); /* everything consumed: read more */
		if (!answer_request(c)) {
			*linger = c->rstart < c->rend;
			return false;
		}
		c->idle_since_ms = clock_now_ms();
		c->idle_woke = false;
		request_next(&c->req);
	}
	return true;
}

static void trace_close(const struct conn *c, const struct conn_info *ci)
{
	if (!log_tracing())
		return;
	char remote[NETADDR_STRLEN];
	netaddr_host_port(&ci->peer, remote, sizeof(remote));
	log_trace("child %d: close fd=%d remote=%s requests=%u bytes=%llu lifetime=%.3fs",
		  (int)getpid(), ci->fd, remote, c->requests, c->bytes_sent,
		  (double)elapsed_ms(c->started_ms) / 1000.0);
}

static void serve_loop(struct conn *c)
{
	bool linger = false;
	for (;;) {
		if (!process_buffer(c, &linger))
			break;
		enum read_result rr = read_more(c);
		if (rr == READ_DATA)
			continue;
		if (rr == READ_TIMEOUT && c->req.msg.started) {
			answer_error(c, HTTP_REQUEST_TIMEOUT, NULL);
			linger = true;
		}
		break;
	}
	if (linger)
		linger_close(c);
	else
		io_close(&c->io);
}

/* Someone sent cleartext HTTP to the HTTPS port: read their request line
 * for the log, answer 400 in cleartext (nginx's 497, as a 400). */
static void refuse_plain_http(struct conn *c)
{
	if (read_more(c) == READ_DATA)
		request_feed(&c->req, c->rbuf, c->rend);
	answer_error(c, HTTP_BAD_REQUEST, "The plain HTTP request was sent to HTTPS port");
	linger_close(c);
}

/* The TLS handshake, bounded by the header timeout; false when there is
 * no TLS connection to serve (the socket is closed then). */
static bool start_tls(struct conn *c)
{
	struct tls_conn *t;
	switch (tls_accept(c->site->tls, c->io.in_fd, c->io.out_fd, c->cfg->header_timeout_ms, &t)) {
	case TLS_ACCEPTED:
		c->io.tls = t;
		if (log_tracing()) {
			char what[160];
			tls_describe(t, what, sizeof(what));
			log_trace("child %d: TLS %s", (int)getpid(), what);
		}
		return true;
	case TLS_PLAIN_HTTP:
		refuse_plain_http(c);
		return false;
	case TLS_NO_HANDSHAKE:
	default:
		io_close(&c->io);
		return false;
	}
}

int conn_serve(const struct site *site, const struct conn_info *ci)
{
	const struct config *cfg = site->cfg;
	static struct conn c; /* ~100 KiB: static, not on the stack */
	struct sigaction sa = {.sa_handler = on_sigterm};
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0)
		return 1;
	c.site = site;
	c.cfg = cfg;
	log_batch_lines(true);
	netaddr_host(&ci->peer, c.client, sizeof(c.client));
	c.started_ms = clock_now_ms();
	request_init(&c.req, cfg->max_body);
	upload_attach(&c.upload, site, &c.req);
	if (io_init(&c.io, ci->fd, ci->out_fd, ci->is_socket, cfg->send_timeout_ms) < 0) {
		log_warn("making the connection non-blocking:");
		io_close(&c.io);
		return 1;
	}
	if (!site->tls || start_tls(&c))
		serve_loop(&c);
	upload_abort(&c.upload); /* the client left or stalled mid-body */
	trace_close(&c, ci);
	log_flush();
	return 0;
}
