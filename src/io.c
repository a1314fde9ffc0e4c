/* io.c: plain sockets use writev/sendfile directly; TLS connections go
 * through a staging buffer so that a response's head and the start of
 * its body share TLS records instead of costing a record (and a packet)
 * each. */
#include "io.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tls.h"

/* Large enough for several full TLS records per write(2). */
#define IO_STAGE_SIZE (64 * 1024)
/* In effect the whole remaining body per call: 256 KiB, 1 MiB and 2 MiB
 * calls were no faster for a 100 MiB file (bench/bench.py). */
#define IO_SENDFILE_CHUNK ((size_t)1 << 30)

/* One connection per process: the staging buffer is static (bss). */
static char io_stage[IO_STAGE_SIZE];
static size_t io_staged;

void io_init_socket(struct io *io, int fd)
{
	io->in_fd = io->out_fd = fd;
	io->is_socket = true;
	io->tls = NULL;
}

ssize_t io_read(struct io *io, void *buf, size_t len)
{
	if (io->tls)
		return tls_read(io->tls, buf, len);
	return read(io->in_fd, buf, len);
}

static int tls_write_all(struct io *io, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = tls_write(io->tls, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int stage_flush(struct io *io)
{
	size_t n = io_staged;
	io_staged = 0;
	return n ? tls_write_all(io, io_stage, n) : 0;
}

/* Append to the staging buffer, writing it out whenever it fills. */
static int stage(struct io *io, const char *p, size_t len)
{
	while (len > 0) {
		size_t room = sizeof(io_stage) - io_staged;
		size_t n = len < room ? len : room;
		memcpy(io_stage + io_staged, p, n);
		io_staged += n;
		p += n;
		len -= n;
		if (io_staged == sizeof(io_stage) && stage_flush(io) < 0)
			return -1;
	}
	return 0;
}

/* One write of the vector; MSG_MORE when more follows at once. */
static ssize_t plain_write_some(struct io *io, struct iovec *iov, int cnt, bool more)
{
	if (more && io->is_socket) {
		struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)cnt};
		return sendmsg(io->out_fd, &msg, MSG_MORE | MSG_NOSIGNAL);
	}
	return writev(io->out_fd, iov, cnt);
}

static int plain_write_all(struct io *io, struct iovec *iov, int cnt, bool more)
{
	while (cnt > 0) {
		ssize_t w = plain_write_some(io, iov, cnt, more);
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

int io_write_all(struct io *io, struct iovec *iov, int cnt, bool more)
{
	if (!io->tls)
		return plain_write_all(io, iov, cnt, more);
	for (int i = 0; i < cnt; i++)
		if (stage(io, iov[i].iov_base, iov[i].iov_len) < 0)
			return -1;
	return more ? 0 : stage_flush(io); /* held for the body's records */
}

static int plain_sendfile_all(struct io *io, int file_fd, off_t offset, off_t length)
{
	while (length > 0) {
		size_t chunk = (uint64_t)length > IO_SENDFILE_CHUNK ? IO_SENDFILE_CHUNK
								     : (size_t)length;
		ssize_t w = sendfile(io->out_fd, file_fd, &offset, chunk);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1; /* 0: the file shrank under us */
		length -= w;
	}
	return 0;
}

/* Corked, the socket sends only full-sized segments until uncorked,
 * which pushes the tail at once. Measured on loopback (bench/bench.py, 4
 * keep-alive connections, sendfile against splice through a pipe,
 * read/write and mmap/write, sendfile won): a body that outgrows what the
 * socket queues at once, and so makes sendfile wait for room, is faster
 * corked (1.5 and 2 MiB +20 %, 100 MiB +30-45 %, the client's CPU per GB
 * down by a third); one the socket takes in a go is faster left to
 * TCP_NODELAY (64 KiB-1 MiB: 10-30 % slower corked). */
#define IO_CORK_ABOVE ((off_t)1 << 20)

/* Failure only costs that gain: over --inetd the socket may be a Unix
 * socket, which has no TCP_CORK. */
static void plain_cork(struct io *io, int on)
{
	(void)setsockopt(io->out_fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
}

static int plain_send_file(struct io *io, int file_fd, off_t offset, off_t length)
{
	if (!io->is_socket || length <= IO_CORK_ABOVE)
		return plain_sendfile_all(io, file_fd, offset, length);
	plain_cork(io, 1);
	int rc = plain_sendfile_all(io, file_fd, offset, length);
	plain_cork(io, 0);
	return rc;
}

static int ktls_send_file(struct io *io, int file_fd, off_t offset, off_t length)
{
	if (stage_flush(io) < 0)
		return -1;
	while (length > 0) {
		size_t chunk = (uint64_t)length > IO_SENDFILE_CHUNK ? IO_SENDFILE_CHUNK
								     : (size_t)length;
		ssize_t w = tls_sendfile(io->tls, file_fd, offset, chunk);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		offset += w;
		length -= w;
	}
	return 0;
}

/* Without kernel TLS the bytes must pass through OpenSSL: read them into
 * the staging buffer behind the head and write full buffers. */
static int staged_send_file(struct io *io, int file_fd, off_t offset, off_t length)
{
	while (length > 0) {
		size_t room = sizeof(io_stage) - io_staged;
		size_t want = (uint64_t)length < room ? (size_t)length : room;
		ssize_t r = pread(file_fd, io_stage + io_staged, want, offset);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1; /* the file shrank under us */
		io_staged += (size_t)r;
		offset += r;
		length -= r;
		if ((io_staged == sizeof(io_stage) || length == 0) && stage_flush(io) < 0)
			return -1;
	}
	return stage_flush(io);
}

int io_send_file(struct io *io, int file_fd, off_t offset, off_t length)
{
	if (!io->tls)
		return plain_send_file(io, file_fd, offset, length);
	if (tls_can_sendfile(io->tls))
		return ktls_send_file(io, file_fd, offset, length);
	return staged_send_file(io, file_fd, offset, length);
}

void io_shutdown_write(struct io *io)
{
	if (io->tls) {
		tls_close(io->tls);
		io->tls = NULL;
	}
	if (io->is_socket)
		(void)shutdown(io->out_fd, SHUT_WR); /* the peer may be gone */
}

void io_close(struct io *io)
{
	if (io->tls) {
		tls_close(io->tls);
		io->tls = NULL;
	}
	if (io->out_fd != io->in_fd && io->out_fd >= 0)
		close(io->out_fd);
	if (io->in_fd >= 0)
		close(io->in_fd);
	io->in_fd = io->out_fd = -1;
}
