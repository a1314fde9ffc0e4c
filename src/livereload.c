/* livereload.c: the injected script, the event stream, see livereload.h.
 *
 * The stream's child waits in one ppoll on the client's socket and the
 * inotify fd, with the timeout that the next burst or heartbeat calls
 * for. SIGTERM stays blocked except inside ppoll, so a shutdown cannot
 * slip in between checking the flag and going to sleep. The client going
 * away is seen on the socket (hang-up, or end of stream when read), so
 * the child exits at once; reading works on a blocking socket (poll said
 * it is readable) as on a non-blocking one (EAGAIN is not the end). */
#include "livereload.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* EventSource reconnects by itself after a network error, not after an
 * answer other than 200 (503: no inotify to be had): then the script
 * tries again after 5 s. A changed stylesheet is cloned with a new query
 * and the old one removed once the new one has loaded, so the page never
 * shows unstyled; a stylesheet no <link> names (an @import) refreshes
 * them all. */
const char livereload_script[] =
	"<script>/* httpd-lite --live-reload */(function(){"
	"var P=\"" LIVERELOAD_PATH "\",OLD=\"data-livereload-old\";"
	"function dec(s){try{return decodeURIComponent(s)}catch(e){return s}}"
	"function sheets(){return [].filter.call(document.querySelectorAll(\"link[href]\"),"
	"function(l){return /(^|\\s)stylesheet(\\s|$)/i.test(l.rel)&&!l.hasAttribute(OLD)&&"
	"new URL(l.href).origin===location.origin})}"
	"function swap(l){var n=l.cloneNode(),u=new URL(l.href);"
	"u.searchParams.set(\"livereload\",Date.now());n.href=u.href;l.setAttribute(OLD,\"\");"
	"n.onload=n.onerror=function(){l.remove()};l.after(n)}"
	"function css(e){var want=e.data.split(\"\\n\").map(dec),all=sheets(),"
	"hit=all.filter(function(l){return want.indexOf(dec(new URL(l.href).pathname))>=0});"
	"(hit.length?hit:all).forEach(swap)}"
	"function open(){var s=new EventSource(P);"
	"s.addEventListener(\"reload\",function(){location.reload()});"
	"s.addEventListener(\"css\",css);"
	"s.onerror=function(){if(s.readyState===2)setTimeout(open,5000)}}"
	"open()})();</script>\n";

bool livereload_is_stream(const char *rel)
{
	return strcmp(rel, &LIVERELOAD_PATH[1]) == 0;
}

bool livereload_is_html(const char *content_type)
{
	return content_type && strncasecmp(content_type, "text/html", 9) == 0 &&
	       (content_type[9] == '\0' || content_type[9] == ';' || content_type[9] == ' ');
}

/* ---- injection ------------------------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Offset of the last "</body" that ends its tag name, or len. */
static size_t last_body_close(const char *html, size_t len)
{
	static const char tag[] = "</body";
	const size_t n = sizeof(tag) - 1;
	for (size_t i = len >= n ? len - n + 1 : 0; i-- > 0;) {
		if (strncasecmp(html + i, tag, n) != 0)
			continue;
		if (i + n == len || html[i + n] == '>' || is_space(html[i + n]))
			return i;
	}
	return len;
}

void livereload_inject(const char *html, size_t len, struct buf *out)
{
	size_t at = last_body_close(html, len);
	buf_append(out, html, at);
	buf_append(out, livereload_script, sizeof(livereload_script) - 1);
	buf_append(out, html + at, len - at);
}

void livereload_inject_buf(struct buf *body)
{
	struct buf out;
	buf_init(&out);
	livereload_inject(body->data ? body->data : "", body->len, &out);
	if (!buf_ok(&out))
		body->failed = true;
	buf_free(body);
	*body = out;
}

int livereload_inject_file(int fd, uint64_t size, struct buf *out)
{
	if (size > LIVERELOAD_INJECT_MAX)
		return -1;
	char *data = malloc(size ? (size_t)size : 1);
	if (!data)
		return -1;
	size_t got = 0;
	while (got < size) {
		ssize_t r = pread(fd, data + got, (size_t)size - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got == size)
		livereload_inject(data, got, out);
	free(data);
	return got == size && buf_ok(out) ? 0 : -1;
}

/* ---- Server-Sent Events -------------------------------------------------- */

void livereload_frame(struct buf *out, const char *event, const char *data)
{
	buf_printf(out, "event: %s\n", event);
	for (;;) {
		size_t line = strcspn(data, "\r\n");
		buf_append(out, "data: ", 6);
		buf_append(out, data, line);
		buf_append(out, "\n", 1);
		data += line;
		if (!*data)
			break;
		data += (data[0] == '\r' && data[1] == '\n') ? 2 : 1;
	}
	buf_append(out, "\n", 1);
}

void livereload_check_root(int root_fd)
{
	struct stat st;
	const char *entry = &LIVERELOAD_PATH[1];
	size_t dir_len = strcspn(entry, "/");
	char dir[32];
	memcpy(dir, entry, dir_len);
	dir[dir_len] = '\0';
	if (fstatat(root_fd, dir, &st, AT_SYMLINK_NOFOLLOW) == 0)
		log_warn("the served directory has a '%s' entry: with --live-reload, %s is the "
			 "event stream, never a file",
			 dir, LIVERELOAD_PATH);
}

/* ---- the stream ------------------------------------------------------------ */

int livereload_open(struct livereload *lr, const struct site *site, int fd)
{
	lr->fd = fd;
	if (watch_open(&lr->watch, site->root.fd, site->cfg->no_dotfiles, WATCH_MAX_DIRS) < 0)
		return -1;
	if (log_tracing())
		log_trace("child %d: live-reload fd=%d watching %u directories", (int)getpid(), fd,
			  watch_count(&lr->watch));
	return 0;
}

void livereload_close(struct livereload *lr)
{
	watch_close(&lr->watch);
}

static int send_text(struct io *io, const char *text, size_t len, long long *sent)
{
	struct iovec iov = {(void *)text, len};
	if (io_write_all(io, &iov, 1, false) < 0)
		return -1;
	*sent += (long long)len;
	return 0;
}

/* The burst that is due, as one event. */
static int send_change(struct livereload *lr, struct io *io, long long *sent)
{
	struct buf what, frame;
	buf_init(&what);
	buf_init(&frame);
	enum watch_kind kind = watch_burst_take(&lr->watch.burst, &what);
	int rc = 0;
	if (kind != WATCH_NONE) {
		const char *name = kind == WATCH_CSS ? "css" : "reload";
		buf_append(&what, "", 1); /* NUL-terminated */
		livereload_frame(&frame, name, buf_ok(&what) ? what.data : "");
		rc = buf_ok(&frame) ? send_text(io, frame.data, frame.len, sent) : -1;
		if (rc == 0 && log_tracing())
			log_trace("child %d: live-reload fd=%d sent %s %s (watching %u directories)",
				  (int)getpid(), lr->fd, name, what.data, watch_count(&lr->watch));
	}
	buf_free(&what);
	buf_free(&frame);
	return rc;
}

/* The client said something, or hung up. false when it is gone. */
static bool client_still_there(struct io *io)
{
	char scratch[512];
	ssize_t n = io_read(io, scratch, sizeof(scratch), 0);
	if (n > 0)
		return true; /* nothing to answer on this connection: dropped */
	return n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK);
}

static long long wait_ms(const struct livereload *lr, long long now, long long ping_at)
{
	long long burst = watch_burst_wait_ms(&lr->watch.burst, now);
	long long ping = ping_at > now ? ping_at - now : 0;
	return burst >= 0 && burst < ping ? burst : ping;
}

long long livereload_run(struct livereload *lr, struct io *io, volatile sig_atomic_t *stop)
{
	sigset_t term, old;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &term, &old) < 0)
		return 0;
	long long sent = 0;
	static const char hello[] = "retry: " STRINGIFY(LIVERELOAD_RETRY_MS) "\n\n";
	static const char ping[] = ": ping\n\n";
	long long ping_at = clock_now_ms() + LIVERELOAD_PING_MS;
	int rc = send_text(io, hello, sizeof(hello) - 1, &sent);
	log_flush(); /* the stream may last for hours: the log must not wait */
	while (rc == 0 && !*stop) {
		long long now = clock_now_ms(), ms = wait_ms(lr, now, ping_at);
		struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
		struct pollfd fds[2] = {{.fd = io->in_fd, .events = POLLIN | POLLRDHUP},
					{.fd = lr->watch.fd, .events = POLLIN}};
		int n = ppoll(fds, 2, &ts, &old);
		if (n < 0 && errno != EINTR)
			break;
		now = clock_now_ms();
		if (n > 0 && (fds[0].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)))
			break;
		if (n > 0 && (fds[0].revents & POLLIN) && !client_still_there(io))
			break;
		if (n > 0 && (fds[1].revents & POLLIN) && watch_read(&lr->watch, now) < 0)
			break;
		if (watch_burst_wait_ms(&lr->watch.burst, now) == 0)
			rc = send_change(lr, io, &sent);
		if (rc == 0 && now >= ping_at) {
			rc = send_text(io, ping, sizeof(ping) - 1, &sent);
			ping_at = now + LIVERELOAD_PING_MS;
		}
	}
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	return sent;
}
