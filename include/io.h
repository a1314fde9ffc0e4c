/* io: a connection's bytes in and out, in the clear or through TLS, so
 * that conn.c and response.c are the same code for HTTP and HTTPS. */
#ifndef HTTPD_LITE_IO_H
#define HTTPD_LITE_IO_H

#include <stdbool.h>
#include <sys/types.h>
#include <sys/uio.h>

struct tls_conn;

struct io {
	int in_fd;             /* read side */
	int out_fd;            /* write side: the same socket, or stdout */
	bool is_socket;        /* false for --inetd over pipes */
	struct tls_conn *tls;  /* NULL: cleartext */
};

/* A cleartext io on one connected socket. */
void io_init_socket(struct io *io, int fd);

/* read(2) semantics; EAGAIN when SO_RCVTIMEO ran out. */
ssize_t io_read(struct io *io, void *buf, size_t len);

/* Every byte of iov, or -1 (peer gone, send timeout). more: more of
 * the response follows at once (a file body), so these bytes may be held
 * back to share packets with it (MSG_MORE; for TLS, the same records). */
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
