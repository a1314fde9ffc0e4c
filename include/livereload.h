/* livereload: --live-reload, the browser side of watch.c.
 *
 * HTML pages served from files and the HTML listing carry a small script,
 * injected before their last </body>, that opens an event stream
 * (Server-Sent Events) at LIVERELOAD_PATH. The child serving that stream
 * watches the tree (watch.h) and sends "event: reload" when anything but
 * a stylesheet changed, or "event: css" with the stylesheets' paths, which
 * the script swaps in place (a cache-busting query) without reloading.
 *
 * An injected page is built in memory (at most LIVERELOAD_INJECT_MAX
 * bytes of file; larger pages go out as they are). It has its own strong
 * ETag ("...-lr") so a validator cached without the flag never matches
 * it, or the other way round; it answers Range with the whole page (no
 * Accept-Ranges) and is never compressed, nor replaced by a .gz or .br
 * sibling. */
#ifndef HTTPD_LITE_LIVERELOAD_H
#define HTTPD_LITE_LIVERELOAD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "io.h"
#include "site.h"
#include "watch.h"

/* The event stream; with --live-reload it is this, never a file. */
#define LIVERELOAD_PATH "/.httpd-lite/live-reload"
#define LIVERELOAD_INJECT_MAX (8 * 1024 * 1024)
/* A comment this often keeps proxies from closing a quiet stream. */
#define LIVERELOAD_PING_MS 20000
/* What the page asks EventSource to wait before reconnecting. */
#define LIVERELOAD_RETRY_MS 1000
/* The injected ETag's suffix: "<inode>-<size>-<mtime>-lr". */
#define LIVERELOAD_ETAG_SUFFIX "lr"

/* The <script> element the pages get. */
extern const char livereload_script[];

/* rel (path.c's, without the leading '/') is the event stream's. */
bool livereload_is_stream(const char *rel);

/* A content type (mime.c's) whose bodies get the script: text/html. */
bool livereload_is_html(const char *content_type);

/* html with the script before its last "</body" (any case, followed by
 * '>' or white space), or at the end when it has none, appended to out. */
void livereload_inject(const char *html, size_t len, struct buf *out);

/* The same in place: body is replaced by the injected page (failed, in
 * buf's way, when out of memory). */
void livereload_inject_buf(struct buf *body);

/* The same for size bytes of the file fd (read whole: -1 when it cannot
 * be read, or has shrunk). */
int livereload_inject_file(int fd, uint64_t size, struct buf *out);

/* One Server-Sent Event: "event: NAME", a "data: " line for each line
 * of data, and the blank line. */
void livereload_frame(struct buf *out, const char *event, const char *data);

/* Start-up: warn when the root has a ".httpd-lite" entry, whose
 * "live-reload" the stream hides. */
void livereload_check_root(int root_fd);

/* A stream's child. */
struct livereload {
	struct watch watch;
	int fd; /* the client's socket, for --trace */
};

/* Watch the site's tree (see watch_open); -1 when it cannot be watched,
 * the reason logged: answer 503 then. */
int livereload_open(struct livereload *lr, const struct site *site, int fd);

/* After the head: send events until the client goes away, a write fails
 * or *stop is set (SIGTERM). Returns the body bytes sent. */
long long livereload_run(struct livereload *lr, struct io *io, volatile sig_atomic_t *stop);

void livereload_close(struct livereload *lr);

#endif
