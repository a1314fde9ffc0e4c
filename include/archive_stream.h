/* archive_stream: a folder sent as a tar, tar.gz or zip archive, built
 * while it is sent (--archives). libarchive writes the format through our
 * write callback, which writes chunks to the connection: memory stays
 * constant whatever the size of the folder, and nothing touches the disk.
 *
 * What goes in is what a listing would show, opened the way the handler
 * opens files: every path relative to the root with root_open (the wall
 * and the symlink policy hold), dotfiles left out with --no-dotfiles,
 * FIFOs, devices and sockets skipped. */
#ifndef HTTPD_LITE_ARCHIVE_STREAM_H
#define HTTPD_LITE_ARCHIVE_STREAM_H

#include <stdbool.h>

#include "buf.h"
#include "io.h"
#include "root.h"

enum archive_stream_format {
	ARCHIVE_STREAM_NONE,
	ARCHIVE_STREAM_TAR,
	ARCHIVE_STREAM_TAR_GZ,
	ARCHIVE_STREAM_ZIP,
};

/* What the handler hands the response: which folder, how. */
struct archive_stream_plan {
	enum archive_stream_format format;
	const struct root *root;
	char *rel;          /* the folder, relative to the root; owned */
	char *top;          /* the folder's name in the archive; owned */
	bool no_dotfiles;
	bool chunked;       /* HTTP/1.1: chunked; else the close ends it */
};

/* "?download=tar" and so on in a query string; NONE when not asked. */
enum archive_stream_format archive_stream_from_query(const char *query);

/* The query value, the file suffix and the media type of a format. */
const char *archive_stream_name(enum archive_stream_format f);    /* "tar.gz" */
const char *archive_stream_type(enum archive_stream_format f);    /* "application/gzip" */

/* Plan the folder rel (relative to the root; "" is the root, archived
 * as top_name). 0, or -1 (ENOMEM). */
int archive_stream_plan(struct archive_stream_plan *plan, enum archive_stream_format f,
			const struct root *root, const char *rel, const char *top_name,
			bool no_dotfiles, bool chunked);
void archive_stream_release(struct archive_stream_plan *plan);

/* The Content-Disposition value for the plan (RFC 6266): attachment, an
 * ASCII filename and the exact one as filename*=UTF-8''. */
void archive_stream_disposition(const struct archive_stream_plan *plan, struct buf *out);

/* Build and send the archive on io, after the head. Returns the body
 * bytes written (chunk framing not counted), or -1 when the archive could
 * not be finished: the client went away or stopped reading (the walk stops
 * at once), or a file changed size while it was read. Then the transfer
 * is left incomplete (no last chunk) and the connection must be closed. */
long long archive_stream_send(struct io *io, const struct archive_stream_plan *plan);

#endif
