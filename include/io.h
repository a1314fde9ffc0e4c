/* io: a connection's bytes in and out, in the clear or through TLS, so
 * that conn.c and response.c are the same code for HTTP and HTTPS.
 *
 * Every way a byte leaves the server (writev, sendfile, TLS records,
 * kernel TLS sendfile) goes through this one layer. The fds are
 * non-blocking: a write that cannot go on waits in poll() for as long as
 * the send deadline (pace.h) allows, so a client that stops reading, or
 * reads at a crawl, is dropped instead of holding its process. */
#ifndef HTTPD_LITE_IO_H
#define HTTPD_LITE_IO_H

#include <stdbool.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "pace.h"

struct tls_conn;

struct io {
	int in_fd;             /* read side */
	int out_fd;            /* write side: the same socket, or stdout */
	bool is_socket;        /* false for --inetd over pipes */
	struct tls_conn *tls;  /* NULL: cleartext */
	unsigned send_timeout_ms; /* 0: never wait for the client */
	bool dropped;          /* missed the send deadline: close at once */
	int in_flags, out_flags;  /* file status flags to restore; -1: none */
	char *stage;           /* TLS staging buffer (allocated on first use) */
	size_t staged;
	struct pace pace;
};

/* An io on in_fd/out_fd (the same fd for a socket), made non-blocking;
 * the old flags come back at io_close (a pipe or tty may be shared).
 * -1 when fcntl fails. */
int io_init(struct io *io, int in_fd, int out_fd, bool is_socket, unsigned send_timeout_ms);

/* A cleartext io on one connected socket that is already non-blocking
 * (accept4 SOCK_NONBLOCK), which never waits: the parent's 503. */
void io_init_socket(struct io *io, int fd);

/* read(2) semantics, waiting at most timeout_ms for data: -1 with EAGAIN
 * when that passes, EINTR when a signal came. Starts a new transfer for
 * the send deadline. */
ssize_t io_read(struct io *io, void *buf, size_t len, unsigned timeout_ms);

/* Every byte of iov, or -1 (peer gone, send deadline: ETIMEDOUT). more:
 * more of the response follows at once (a file body), so these bytes may
 * be held back to share packets with it (MSG_MORE; for TLS, the same
 * records). */
int io_write_all(struct io *io, struct iovec *iov, int cnt, bool more);

/* Exactly length bytes of file_fd from offset (sendfile(2), corked
 * when large, kernel TLS, or read + write in large chunks for TLS), or -1:
 * also when the file shrank under us and the promised length cannot be
 * kept. */
int io_send_file(struct io *io, int file_fd, off_t offset, off_t length);

/* Half-close our side (TLS: close_notify first). */
void io_shutdown_write(struct io *io);

/* Close everything (TLS: close_notify, then free). */
void io_close(struct io *io);

#endif
