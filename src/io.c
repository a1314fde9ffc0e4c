/* io.c: plain sockets use writev/sendfile directly; TLS connections go
 * through a staging buffer so that a response's head and the start of
 * its body share TLS records instead of costing a record (and a packet)
 * each. Every write that would block waits in io_wait(), the one place
 * that enforces the send deadline (pace.h). */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "tls.h"

/* Large enough for several full TLS records per write(2). */
#define IO_STAGE_SIZE (64 * 1024)
/* In effect the whole remaining body per call: 256 KiB, 1 MiB and 2 MiB
 * calls were no faster for a 100 MiB file (bench/bench.py). */
#define IO_SENDFILE_CHUNK ((size_t)1 << 30)

static int make_nonblocking(int fd, int *saved)
{
	*saved = -1;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -1;
	if (fl & O_NONBLOCK)
		return 0;
	if (fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	*saved = fl;
	return 0;
}

int io_init(struct io *io, int in_fd, int out_fd, bool is_socket, unsigned send_timeout_ms)
{
	memset(io, 0, sizeof(*io));
	io->in_fd = in_fd;
	io->out_fd = out_fd;
	io->is_socket = is_socket;
	io->send_timeout_ms = send_timeout_ms;
	io->out_flags = -1;
	if (make_nonblocking(in_fd, &io->in_flags) < 0)
		return -1;
	return out_fd == in_fd ? 0 : make_nonblocking(out_fd, &io->out_flags);
}

void io_init_socket(struct io *io, int fd)
{
	memset(io, 0, sizeof(*io));
	io->in_fd = io->out_fd = fd;
	io->is_socket = true;
	io->in_flags = io->out_flags = -1;
}

/* The client missed the send deadline: the close will be a reset, so
 * the kernel does not go on trying to deliver what is queued for it
 * (megabytes, to a client that reads bytes a second). */
static void io_drop(struct io *io)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	io->dropped = true;
	if (io->is_socket)
		(void)setsockopt(io->out_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

/* Wait until fd is ready for events, for as long as the send deadline
 * allows; -1 with ETIMEDOUT when the client must be dropped. */
static int io_wait(struct io *io, int fd, short events)
{
	for (;;) {
		int ms = pace_wait_ms(&io->pace, clock_now_ms(), io->send_timeout_ms);
		if (ms < 0) {
			io_drop(io);
			errno = ETIMEDOUT;
			return -1;
		}
		struct pollfd p = {.fd = fd, .events = events};
		int n = poll(&p, 1, ms);
		if (n > 0)
			return 0; /* ready, or an error the next write reports */
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static bool would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK;
}

/* Wait for what OpenSSL asked for: the read side or the write side. */
static int tls_wait(struct io *io, struct tls_conn *t)
{
	bool rd = tls_wants_read(t);
	return io_wait(io, rd ? io->in_fd : io->out_fd, rd ? POLLIN : POLLOUT);
}

/* One wait for a read of at most timeout_ms: 0 when fd is ready, else -1
 * with EAGAIN when the time is up (or poll's errno, EINTR included). */
static int read_wait(int fd, short events, unsigned timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = events};
	int n = poll(&p, 1, timeout_ms > INT32_MAX ? -1 : (int)timeout_ms);
	if (n == 0)
		errno = EAGAIN;
	return n > 0 ? 0 : -1;
}

static ssize_t read_plain(struct io *io, void *buf, size_t len, unsigned timeout_ms)
{
	for (;;) {
		if (read_wait(io->in_fd, POLLIN, timeout_ms) < 0)
			return -1;
		ssize_t r = read(io->in_fd, buf, len);
		if (r >= 0 || !would_block())
			return r;
	}
}

/* OpenSSL may hold decrypted bytes already: ask it first, poll after. */
static ssize_t read_tls(struct io *io, void *buf, size_t len, unsigned timeout_ms)
{
	for (;;) {
		ssize_t r = tls_read(io->tls, buf, len);
		if (r >= 0 || !would_block())
			return r;
		bool rd = tls_wants_read(io->tls);
		if (read_wait(rd ? io->in_fd : io->out_fd, rd ? POLLIN : POLLOUT, timeout_ms) < 0)
			return -1;
	}
}

ssize_t io_read(struct io *io, void *buf, size_t len, unsigned timeout_ms)
{
	pace_reset(&io->pace);
	return io->tls ? read_tls(io, buf, len, timeout_ms) : read_plain(io, buf, len, timeout_ms);
}

static int tls_write_all(struct io *io, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = tls_write(io->tls, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && would_block()) {
			if (tls_wait(io, io->tls) < 0)
				return -1;
			continue;
		}
		if (w <= 0)
			return -1;
		pace_sent(&io->pace, (uint64_t)w);
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int stage_flush(struct io *io)
{
	size_t n = io->staged;
	io->staged = 0;
	return n ? tls_write_all(io, io->stage, n) : 0;
}

static int stage_alloc(struct io *io)
{
	if (!io->stage && !(io->stage = malloc(IO_STAGE_SIZE)))
		return -1;
	return 0;
}

/* Append to the staging buffer, writing it out whenever it fills. */
static int stage(struct io *io, const char *p, size_t len)
{
	if (stage_alloc(io) < 0)
		return -1;
	while (len > 0) {
		size_t room = IO_STAGE_SIZE - io->staged;
		size_t n = len < room ? len : room;
		memcpy(io->stage + io->staged, p, n);
		io->staged += n;
		p += n;
		len -= n;
		if (io->staged == IO_STAGE_SIZE && stage_flush(io) < 0)
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
		if (w < 0 && would_block()) {
			if (io_wait(io, io->out_fd, POLLOUT) < 0)
				return -1;
			continue;
		}
		if (w < 0)
			return -1; /* EPIPE, ECONNRESET */
		pace_sent(&io->pace, (uint64_t)w);
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

static size_t sendfile_chunk(off_t length)
{
	return (uint64_t)length > IO_SENDFILE_CHUNK ? IO_SENDFILE_CHUNK : (size_t)length;
}

static int plain_sendfile_all(struct io *io, int file_fd, off_t offset, off_t length)
{
	while (length > 0) {
		ssize_t w = sendfile(io->out_fd, file_fd, &offset, sendfile_chunk(length));
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && would_block()) {
			if (io_wait(io, io->out_fd, POLLOUT) < 0)
				return -1;
			continue;
		}
		if (w <= 0)
			return -1; /* 0: the file shrank under us */
		pace_sent(&io->pace, (uint64_t)w);
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
		ssize_t w = tls_sendfile(io->tls, file_fd, offset, sendfile_chunk(length));
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && would_block()) {
			if (tls_wait(io, io->tls) < 0)
				return -1;
			continue;
		}
		if (w <= 0)
			return -1;
		pace_sent(&io->pace, (uint64_t)w);
		offset += w;
		length -= w;
	}
	return 0;
}

/* Without kernel TLS the bytes must pass through OpenSSL: read them into
 * the staging buffer behind the head and write full buffers. */
static int staged_send_file(struct io *io, int file_fd, off_t offset, off_t length)
{
	if (stage_alloc(io) < 0)
		return -1;
	while (length > 0) {
		size_t room = IO_STAGE_SIZE - io->staged;
		size_t want = (uint64_t)length < room ? (size_t)length : room;
		ssize_t r = pread(file_fd, io->stage + io->staged, want, offset);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1; /* the file shrank under us */
		io->staged += (size_t)r;
		offset += r;
		length -= r;
		if ((io->staged == IO_STAGE_SIZE || length == 0) && stage_flush(io) < 0)
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

/* Put back what io_init changed: a pipe or tty may outlive us. */
static void restore_flags(int fd, int flags)
{
	if (fd >= 0 && flags >= 0)
		(void)fcntl(fd, F_SETFL, flags);
}

void io_close(struct io *io)
{
	if (io->tls) {
		tls_close(io->tls);
		io->tls = NULL;
	}
	free(io->stage);
	io->stage = NULL;
	io->staged = 0;
	restore_flags(io->in_fd, io->in_flags);
	restore_flags(io->out_fd, io->out_flags);
	if (io->out_fd != io->in_fd && io->out_fd >= 0)
		close(io->out_fd);
	if (io->in_fd >= 0)
		close(io->in_fd);
	io->in_fd = io->out_fd = -1;
}
