/* bigread.c — a big-file client that reads in 1 MiB chunks.
 *
 * wrk reads 8 KiB per read(), which caps every server near the same
 * figure for a large file: the client, not the server, is measured.
 * This client opens CONNS connections (one process each), and on each
 * asks for PATH again and again (keep-alive when the server keeps the
 * connection open, a new connection when it closes), reading with a
 * 1 MiB buffer, until SECONDS have passed. It checks the status line and
 * that each body has its Content-Length, and prints the body bytes
 * received per second over all connections.
 *
 * usage: bigread HOST PORT PATH CONNS SECONDS
 * prints: "bytes N seconds S MBps M responses R errors E" (MB = 10^6 B)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1024 * 1024)
#define MAX_CONNS 64

struct tally {
	unsigned long long bytes;
	unsigned long responses;
	unsigned long errors;
};

struct target {
	struct sockaddr_in addr;
	char request[1024];
	size_t request_len;
	double deadline;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int connect_to(const struct target *t)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* Bounded waits: a stalled server costs at most a second past the end. */
	struct timeval tv = {.tv_sec = 1, .tv_usec = 0};
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (const struct sockaddr *)&t->addr, sizeof(t->addr)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One read; 0 on EOF, -1 on error or on a timeout after the deadline. */
static ssize_t read_some(int fd, char *buf, size_t len, const struct target *t)
{
	for (;;) {
		ssize_t n = recv(fd, buf, len, 0);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if ((errno == EAGAIN || errno == EWOULDBLOCK) && now_s() < t->deadline)
			continue;
		return -1;
	}
}

/* Parse "HTTP/1.x 200 ..." and Content-Length out of a complete head. */
static int parse_head(const char *head, size_t len, long long *clen, int *closes)
{
	if (len < 12 || strncmp(head, "HTTP/1.", 7) != 0 || strncmp(head + 9, "200", 3) != 0)
		return -1;
	*clen = -1;
	*closes = head[7] == '0';
	const char *p = memchr(head, '\n', len), *end = head + len;
	while (p && p + 1 < end) {
		p++;
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			*clen = strtoll(p + 15, NULL, 10);
		else if (strncasecmp(p, "Connection:", 11) == 0) {
			const char *v = p + 11;
			while (*v == ' ')
				v++;
			if (strncasecmp(v, "close", 5) == 0)
				*closes = 1;
			else if (strncasecmp(v, "keep-alive", 10) == 0)
				*closes = 0;
		}
		p = memchr(p, '\n', (size_t)(end - p));
	}
	return 0;
}

/* One response. Returns 1 if the connection may be reused, 0 if the
 * server closes it, -1 on error or when the deadline cut it short. */
static int read_response(int fd, char *buf, const struct target *t, struct tally *tl)
{
	size_t have = 0;
	char *eoh = NULL;
	while (!eoh) {
		if (have == CHUNK)
			return -1;
		ssize_t n = read_some(fd, buf + have, CHUNK - have, t);
		if (n <= 0)
			return -1;
		have += (size_t)n;
		eoh = memmem(buf, have, "\r\n\r\n", 4);
	}
	size_t head_len = (size_t)(eoh - buf) + 4;
	long long clen;
	int closes;
	if (parse_head(buf, head_len, &clen, &closes) < 0)
		return -1;
	long long got = (long long)(have - head_len);
	tl->bytes += (unsigned long long)got;
	while (clen < 0 || got < clen) {
		if (now_s() >= t->deadline)
			return -1;
		ssize_t n = read_some(fd, buf, CHUNK, t);
		if (n == 0 && clen < 0)
			return 0; /* body delimited by the close */
		if (n <= 0)
			return -1;
		got += n;
		tl->bytes += (unsigned long long)n;
	}
	if (got != clen)
		return -1;
	tl->responses++;
	return closes ? 0 : 1;
}

static void run_connection(const struct target *t, struct tally *tl)
{
	char *buf = malloc(CHUNK);
	if (!buf) {
		tl->errors++;
		return;
	}
	int fd = -1;
	while (now_s() < t->deadline) {
		if (fd < 0 && (fd = connect_to(t)) < 0) {
			tl->errors++;
			usleep(10000);
			continue;
		}
		int r = send_all(fd, t->request, t->request_len) < 0 ? -1
								    : read_response(fd, buf, t, tl);
		if (r < 0 && now_s() < t->deadline)
			tl->errors++;
		if (r <= 0) {
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0)
		close(fd);
	free(buf);
}

static int start_children(const struct target *t, int conns, pid_t *pids, int *fds)
{
	for (int i = 0; i < conns; i++) {
		int p[2];
		if (pipe(p) < 0)
			return -1;
		pids[i] = fork();
		if (pids[i] < 0)
			return -1;
		if (pids[i] == 0) {
			close(p[0]);
			struct tally tl = {0};
			run_connection(t, &tl);
			ssize_t w = write(p[1], &tl, sizeof(tl));
			_exit(w == (ssize_t)sizeof(tl) ? 0 : 1);
		}
		close(p[1]);
		fds[i] = p[0];
	}
	return 0;
}

static void collect(int conns, const pid_t *pids, const int *fds, struct tally *sum)
{
	for (int i = 0; i < conns; i++) {
		struct tally tl;
		ssize_t n;
		do
			n = read(fds[i], &tl, sizeof(tl));
		while (n < 0 && errno == EINTR);
		if (n == (ssize_t)sizeof(tl)) {
			sum->bytes += tl.bytes;
			sum->responses += tl.responses;
			sum->errors += tl.errors;
		} else {
			sum->errors++;
		}
		close(fds[i]);
		while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
			;
	}
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: bigread HOST PORT PATH CONNS SECONDS\n");
		return 2;
	}
	struct target t = {.addr = {.sin_family = AF_INET}};
	int port = atoi(argv[2]), conns = atoi(argv[4]);
	double seconds = strtod(argv[5], NULL);
	if (inet_pton(AF_INET, argv[1], &t.addr.sin_addr) != 1 || port < 1 || port > 65535 ||
	    conns < 1 || conns > MAX_CONNS || !(seconds > 0 && seconds <= 600)) {
		fprintf(stderr, "bigread: bad arguments\n");
		return 2;
	}
	t.addr.sin_port = htons((unsigned short)port);
	int n = snprintf(t.request, sizeof(t.request), "GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n",
			 argv[3], argv[1], port);
	if (n < 0 || (size_t)n >= sizeof(t.request))
		return 2;
	t.request_len = (size_t)n;
	alarm((unsigned)seconds + 10); /* the whole run is bounded, whatever happens */
	double start = now_s();
	t.deadline = start + seconds;
	pid_t pids[MAX_CONNS];
	int fds[MAX_CONNS];
	if (start_children(&t, conns, pids, fds) < 0) {
		perror("bigread");
		return 1;
	}
	struct tally sum = {0};
	collect(conns, pids, fds, &sum);
	double elapsed = now_s() - start;
	printf("bytes %llu seconds %.3f MBps %.1f responses %lu errors %lu\n", sum.bytes, elapsed,
	       (double)sum.bytes / elapsed / 1e6, sum.responses, sum.errors);
	return sum.responses > 0 ? 0 : 1;
}
