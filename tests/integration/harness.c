/* harness: see harness.h. Everything here is bounded: each loop that waits
 * for an event carries a deadline, and poll() is the only way it waits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_HEAD_BYTES (1024 * 1024)
#define MAX_BODY_BYTES (64 * 1024 * 1024)
#define POLL_MAX (64 + 2 * HARNESS_MAX_SERVERS)
#define START_ATTEMPTS 5

static struct test_server *servers[HARNESS_MAX_SERVERS];

static int proc_stat(const char *pid, char *state, long *ppid);
/* Open client sockets, fd + 1 (0 = free slot), so that a test that failed
 * half-way (cmocka longjmps out) cannot leave a keep-alive child behind. */
static int client_fds[256];

/* ---- time and buffers ---------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining_ms(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	if (left < 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

static void hbuf_reserve(struct hbuf *b, size_t extra)
{
	size_t want = b->len + extra + 1;
	size_t cap = b->cap ? b->cap : 256;
	char *p;

	if (want <= b->cap)
		return;
	while (cap < want)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p) {
		perror("harness: realloc");
		abort();
	}
	b->data = p;
	b->cap = cap;
}

void hbuf_append(struct hbuf *b, const void *data, size_t len)
{
	hbuf_reserve(b, len);
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void hbuf_append_str(struct hbuf *b, const char *s)
{
	hbuf_append(b, s, strlen(s));
}

void hbuf_free(struct hbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

/* Print up to max bytes with control characters escaped, for diagnostics. */
static void note_bytes(const char *what, const char *p, size_t len)
{
	size_t max = 400;
	size_t i;

	fprintf(stderr, "harness: %s (%zu bytes): \"", what, len);
	for (i = 0; i < len && i < max; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '\r')
			fputs("\\r", stderr);
		else if (ch == '\n')
			fputs("\\n", stderr);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(stderr, "\\x%02x", ch);
		else
			fputc(ch, stderr);
	}
	fprintf(stderr, "\"%s\n", len > max ? "..." : "");
}

/* ---- server pipes: drained whenever the harness waits -------------------- */

static void register_server(struct test_server *s)
{
	size_t i;

	for (i = 0; i < HARNESS_MAX_SERVERS; i++) {
		if (!servers[i]) {
			servers[i] = s;
			return;
		}
	}
	fprintf(stderr, "harness: too many servers at once\n");
	abort();
}

static void unregister_server(struct test_server *s)
{
	size_t i;

	for (i = 0; i < HARNESS_MAX_SERVERS; i++)
		if (servers[i] == s)
			servers[i] = NULL;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void drain_pipe(int *fd, struct hbuf *b)
{
	char tmp[16384];

	while (*fd >= 0) {
		ssize_t n = read(*fd, tmp, sizeof(tmp));

		if (n > 0) {
			hbuf_append(b, tmp, (size_t)n);
		} else if (n == 0) {
			close_fd(fd);
		} else if (errno == EINTR) {
			continue;
		} else {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				close_fd(fd);
			return;
		}
	}
}

/* poll() fds plus every registered server's pipes, draining the pipes.
 * Returns how many of fds are ready (0 on timeout or EINTR), -1 on error. */
static int poll_pump(struct pollfd *fds, size_t n, int timeout_ms)
{
	struct pollfd all[POLL_MAX];
	int *pipefd[2 * HARNESS_MAX_SERVERS];
	struct hbuf *pipebuf[2 * HARNESS_MAX_SERVERS];
	size_t k = 0, np = 0, i;
	int rc, ready = 0;

	if (n > 64)
		return -1;
	for (i = 0; i < n; i++)
		all[k++] = fds[i];
	for (i = 0; i < HARNESS_MAX_SERVERS; i++) {
		struct test_server *s = servers[i];

		if (!s)
			continue;
		if (s->out_fd >= 0) {
			pipefd[np] = &s->out_fd;
			pipebuf[np++] = &s->out;
			all[k++] = (struct pollfd){ .fd = s->out_fd, .events = POLLIN };
		}
		if (s->err_fd >= 0) {
			pipefd[np] = &s->err_fd;
			pipebuf[np++] = &s->err;
			all[k++] = (struct pollfd){ .fd = s->err_fd, .events = POLLIN };
		}
	}
	rc = poll(all, k, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++) {
		fds[i].revents = all[i].revents;
		if (all[i].revents)
			ready++;
	}
	for (i = 0; i < np; i++)
		if (all[n + i].revents)
			drain_pipe(pipefd[i], pipebuf[i]);
	return ready;
}

void harness_pump(int timeout_ms)
{
	poll_pump(NULL, 0, timeout_ms);
}

/* ---- processes ----------------------------------------------------------- */

const char *harness_bin(void)
{
	static char abs[PATH_MAX];
	const char *bin = getenv("HTTPD_LITE_BIN");

	if (!bin || !*bin)
		bin = "./httpd-lite";
	/* Absolute, so that tests may start the server in another cwd. */
	if (strchr(bin, '/') && realpath(bin, abs))
		return abs;
	return bin;
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	long fd = syscall(SYS_pidfd_open, pid, 0);

	return fd < 0 ? -1 : (int)fd;
#else
	(void)pid;
	return -1;
#endif
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* In the child between fork and exec: only async-signal-safe calls. */
static void exec_child(const char *path, const char *const argv[],
		       const char *cwd, bool search, int out, int err)
{
	int null = open("/dev/null", O_RDONLY);

	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(err, 2) < 0)
		_exit(126);
	if (null > 2)
		close(null);
	if (cwd && chdir(cwd) < 0)
		_exit(126);
	if (search)
		execvp(path, (char *const *)argv);
	else
		execv(path, (char *const *)argv);
	_exit(127);
}

static int spawn_proc(struct test_server *s, const char *path,
		      const char *const argv[], const char *cwd, bool search)
{
	int out[2], err[2];

	memset(s, 0, sizeof(*s));
	s->pid = -1;
	s->pidfd = -1;
	s->out_fd = -1;
	s->err_fd = -1;
	if (pipe2(out, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(out[0]);
		close(out[1]);
		return -1;
	}
	fflush(NULL);
	s->pid = fork();
	if (s->pid == 0)
		exec_child(path, argv, cwd, search, out[1], err[1]);
	close(out[1]);
	close(err[1]);
	if (s->pid < 0) {
		close(out[0]);
		close(err[0]);
		return -1;
	}
	s->out_fd = out[0];
	s->err_fd = err[0];
	set_nonblock(s->out_fd);
	set_nonblock(s->err_fd);
	s->pidfd = open_pidfd(s->pid);
	register_server(s);
	return 0;
}

int harness_spawn(struct test_server *s, const char *const argv[], const char *cwd)
{
	const char *args[64];
	size_t i;

	args[0] = harness_bin();
	for (i = 1; argv[i] && i < 63; i++)
		args[i] = argv[i];
	args[i] = NULL;
	return spawn_proc(s, args[0], args, cwd, !strchr(args[0], '/'));
}

int harness_spawn_on(struct test_server *s, const char *const argv[], int port,
		     bool tls)
{
	char banner[160];

	if (harness_spawn(s, argv, NULL) < 0)
		return -1;
	s->port = port;
	snprintf(banner, sizeof(banner),
		 "Serving %s on 127.0.0.1 port %d (%s://127.0.0.1:%d/) ...",
		 tls ? "HTTPS" : "HTTP", port, tls ? "https" : "http", port);
	return harness_wait_banner(s, banner, HARNESS_WAIT_MS);
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

static bool reap(struct test_server *s)
{
	pid_t r;
	int st;

	if (s->exited)
		return true;
	do
		r = waitpid(s->pid, &st, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == s->pid) {
		s->exited = true;
		s->status = st;
	}
	return s->exited;
}

int harness_wait_exit(struct test_server *s, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	while (!reap(s)) {
		int left = remaining_ms(deadline);

		if (left == 0)
			return -2;
		if (s->pidfd >= 0) {
			struct pollfd p = { .fd = s->pidfd, .events = POLLIN };

			poll_pump(&p, 1, left);
		} else {
			/* No pidfd (old kernel): poll waitpid in short steps. */
			poll_pump(NULL, 0, left < 5 ? left : 5);
		}
	}
	return exit_code(s->status);
}

/* Collect what is left in the pipes once the process is gone. Bounded,
 * since an orphaned grandchild may still hold a pipe open. */
static void drain_after_exit(struct test_server *s, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	while ((s->out_fd >= 0 || s->err_fd >= 0) && remaining_ms(deadline))
		poll_pump(NULL, 0, remaining_ms(deadline));
}

static void release(struct test_server *s)
{
	unregister_server(s);
	close_fd(&s->out_fd);
	close_fd(&s->err_fd);
	close_fd(&s->pidfd);
}

static void free_server(struct test_server *s)
{
	release(s);
	hbuf_free(&s->out);
	hbuf_free(&s->err);
}

/* A server that had to be killed leaves no orphans serving on: its
 * children (processes this harness started, found by parent pid) go too. */
static void kill_children(pid_t pid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char state;
		long ppid;

		if (isdigit((unsigned char)e->d_name[0]) &&
		    proc_stat(e->d_name, &state, &ppid) == 0 && ppid == pid)
			kill((pid_t)atol(e->d_name), SIGKILL);
	}
	closedir(d);
}

int harness_stop_signal(struct test_server *s, int sig, int timeout_ms)
{
	int rc;

	if (s->pid <= 0)
		return -1;
	if (!reap(s) && kill(s->pid, sig) < 0)
		perror("harness: kill");
	rc = harness_wait_exit(s, timeout_ms);
	if (rc == -2) {
		fprintf(stderr, "harness: server %d ignored signal %d for %d ms;"
			" SIGKILL\n", (int)s->pid, sig, timeout_ms);
		kill_children(s->pid);
		kill(s->pid, SIGKILL);
		while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
			;
		rc = -1;
	}
	drain_after_exit(s, 200);
	if (s->err.len && (rc != 0 || getenv("HARNESS_VERBOSE")))
		fprintf(stderr, "harness: server %d stderr:\n%s", (int)s->pid,
			s->err.data);
	free_server(s);
	s->pid = -1;
	return rc;
}

int harness_stop(struct test_server *s)
{
	return harness_stop_signal(s, SIGTERM, HARNESS_STOP_MS);
}

int harness_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int port = -1;

	if (fd < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

int harness_wait_banner(struct test_server *s, const char *expect, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	char *nl;

	while (!(nl = s->out.data ? strchr(s->out.data, '\n') : NULL)) {
		if (s->out_fd < 0 || remaining_ms(deadline) == 0) {
			note_bytes(s->out_fd < 0 ? "stdout closed before banner"
						 : "no banner in time",
				   s->out.data ? s->out.data : "", s->out.len);
			return -1;
		}
		poll_pump(NULL, 0, remaining_ms(deadline));
	}
	if ((size_t)(nl - s->out.data) != strlen(expect) ||
	    memcmp(s->out.data, expect, strlen(expect)) != 0) {
		note_bytes("unexpected banner", s->out.data,
			   (size_t)(nl - s->out.data));
		fprintf(stderr, "harness: expected \"%s\"\n", expect);
		return -1;
	}
	return 0;
}

static int start_once(struct test_server *s, const char *root,
		      const char *extra_args[], int port)
{
	const char *argv[64] = { "httpd-lite", "-b", "127.0.0.1", "-p" };
	char portstr[16];
	size_t n = 4, i;

	snprintf(portstr, sizeof(portstr), "%d", port);
	argv[n++] = portstr;
	argv[n++] = "-d";
	argv[n++] = root;
	for (i = 0; extra_args && extra_args[i] && n < 63; i++)
		argv[n++] = extra_args[i];
	argv[n] = NULL;
	return harness_spawn_on(s, argv, port, false);
}

int harness_start(struct test_server *s, const char *root, const char *extra_args[])
{
	int attempt;

	for (attempt = 0; attempt < START_ATTEMPTS; attempt++) {
		int port = harness_free_port();

		if (port < 0)
			return -1;
		if (start_once(s, root, extra_args, port) == 0)
			return 0;
		if (s->pid <= 0)
			return -1;
		/* Lost the port race: the server exits; anything else is a
		 * real failure and retrying would only hide it. */
		if (harness_wait_exit(s, 1000) == -2) {
			harness_stop(s);
			return -1;
		}
		drain_after_exit(s, 200);
		note_bytes("server exited during start-up; stderr",
			   s->err.data ? s->err.data : "", s->err.len);
		free_server(s);
	}
	return -1;
}

int harness_read_stderr_line(struct test_server *s, char *line, size_t size,
			     int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		const char *start = s->err.data ? s->err.data + s->err_pos : "";
		const char *nl = strchr(start, '\n');

		if (nl) {
			size_t len = (size_t)(nl - start);
			size_t n = len < size - 1 ? len : size - 1;

			memcpy(line, start, n);
			line[n] = '\0';
			s->err_pos += len + 1;
			return (int)n;
		}
		if (s->err_fd < 0 || remaining_ms(deadline) == 0)
			return -1;
		poll_pump(NULL, 0, remaining_ms(deadline));
	}
}

int harness_wait_stderr_match(struct test_server *s, const char *ere, char *line,
			      size_t size, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	char tmp[16384];

	while (harness_read_stderr_line(s, tmp, sizeof(tmp),
					remaining_ms(deadline)) >= 0) {
		if (harness_match(tmp, ere)) {
			if (line)
				snprintf(line, size, "%s", tmp);
			return 0;
		}
	}
	fprintf(stderr, "harness: no stderr line matched /%s/\n", ere);
	note_bytes("server stderr so far", s->err.data ? s->err.data : "",
		   s->err.len);
	return -1;
}

int harness_run(const char *const argv[], const char *cwd, int timeout_ms,
		struct run_result *r)
{
	struct test_server s;
	int64_t deadline = now_ms() + timeout_ms;
	int rc;

	memset(r, 0, sizeof(*r));
	if (spawn_proc(&s, argv[0], argv, cwd, true) < 0)
		return -1;
	rc = harness_wait_exit(&s, timeout_ms);
	if (rc == -2) {
		r->timed_out = true;
		kill_children(s.pid);
		kill(s.pid, SIGKILL);
		while (waitpid(s.pid, NULL, 0) < 0 && errno == EINTR)
			;
		rc = -1;
	}
	drain_after_exit(&s, remaining_ms(deadline) + 200);
	release(&s);
	r->exit_code = rc;
	r->out = s.out;
	r->err = s.err;
	if (!r->out.data)
		hbuf_append(&r->out, "", 0);
	if (!r->err.data)
		hbuf_append(&r->err, "", 0);
	return 0;
}

int harness_run_server(const char *const args[], const char *cwd,
		       int timeout_ms, struct run_result *r)
{
	const char *argv[64];
	size_t i;

	argv[0] = harness_bin();
	for (i = 0; args[i] && i < 62; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	return harness_run(argv, cwd, timeout_ms, r);
}

int harness_curl(const char *const args[], struct run_result *r)
{
	const char *argv[64] = { "curl", "-s", "-S", "-i", "--max-time", "5" };
	size_t n = 6, i;

	for (i = 0; args[i] && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return harness_run(argv, NULL, HARNESS_WAIT_MS + 2000, r);
}

void run_result_free(struct run_result *r)
{
	hbuf_free(&r->out);
	hbuf_free(&r->err);
}

/* ---- /proc --------------------------------------------------------------- */

/* State and parent of a process from /proc/PID/stat; comm may hold ')'. */
static int proc_stat(const char *pid, char *state, long *ppid)
{
	char path[64], buf[1024];
	ssize_t n;
	int fd;
	char *p;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c %ld", state, ppid) != 2)
		return -1;
	return 0;
}

int harness_children(pid_t pid, int *zombies)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int count = 0, z = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char state;
		long ppid;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (proc_stat(e->d_name, &state, &ppid) < 0 || ppid != pid)
			continue;
		count++;
		if (state == 'Z')
			z++;
	}
	closedir(d);
	if (zombies)
		*zombies = z;
	return count;
}

int harness_wait_children(pid_t pid, int want, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	int n, z;

	for (;;) {
		n = harness_children(pid, &z);
		if ((n == want && z == 0) || remaining_ms(deadline) == 0)
			break;
		harness_pump(5);
	}
	if (n == want && z == 0)
		return 0;
	fprintf(stderr, "harness: server %d has %d children (%d zombies),"
		" wanted %d and no zombie\n", (int)pid, n, z, want);
	return -1;
}

/* ---- fixture ------------------------------------------------------------- */

char *fixture_path(const struct fixture *f, const char *rel, char *buf,
		   size_t size)
{
	snprintf(buf, size, "%s/%s", f->root, rel);
	return buf;
}

char *fixture_side_path(const struct fixture *f, const char *name, char *buf,
			size_t size)
{
	snprintf(buf, size, "%s/%s", f->parent, name);
	return buf;
}

int fixture_create(struct fixture *f)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(f->parent, sizeof(f->parent), "%s/httpd-lite-it.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->parent)) {
		perror("harness: mkdtemp");
		return -1;
	}
	snprintf(f->root, sizeof(f->root), "%s/root", f->parent);
	if (mkdir(f->root, 0755) < 0) {
		perror("harness: mkdir root");
		return -1;
	}
	return 0;
}

/* mkdir -p for every directory above path (not path itself). */
static int make_parents(const char *path)
{
	char buf[PATH_MAX];
	char *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST) {
			perror(buf);
			return -1;
		}
		*p = '/';
	}
	return 0;
}

int fixture_write(struct fixture *f, const char *rel, const void *data,
		  size_t len)
{
	char path[PATH_MAX];
	const char *p = data;
	int fd;

	fixture_path(f, rel, path, sizeof(path));
	if (make_parents(path) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(path);
		return -1;
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			perror(path);
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd);
}

int fixture_write_str(struct fixture *f, const char *rel, const char *s)
{
	return fixture_write(f, rel, s, strlen(s));
}

int fixture_mkdir(struct fixture *f, const char *rel)
{
	char path[PATH_MAX];

	fixture_path(f, rel, path, sizeof(path));
	if (make_parents(path) < 0)
		return -1;
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		perror(path);
		return -1;
	}
	return 0;
}

int fixture_symlink(struct fixture *f, const char *target, const char *rel)
{
	char path[PATH_MAX];

	fixture_path(f, rel, path, sizeof(path));
	if (make_parents(path) < 0 || symlink(target, path) < 0) {
		perror(path);
		return -1;
	}
	return 0;
}

int fixture_set_mtime(struct fixture *f, const char *rel, time_t sec,
		      long nsec)
{
	char path[PATH_MAX];
	struct timespec ts[2] = { { sec, nsec }, { sec, nsec } };

	fixture_path(f, rel, path, sizeof(path));
	if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) < 0) {
		perror(path);
		return -1;
	}
	return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int type,
			struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	if (remove(path) < 0)
		perror(path);
	return 0;
}

void fixture_destroy(struct fixture *f)
{
	if (!f->parent[0] || strncmp(f->parent, "/", 1) != 0)
		return;
	nftw(f->parent, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	f->parent[0] = '\0';
}

/* ---- the standard site --------------------------------------------------- */

const char *pipe_body(int i)
{
	static const char *const bodies[10] = {
		"p0\n", "p1:x\n", "p2:xx\n", "p3:xxx\n", "p4:xxxx\n",
		"p5:xxxxx\n", "p6:xxxxxx\n", "p7:xxxxxxx\n", "p8:xxxxxxxx\n",
		"p9:xxxxxxxxx\n",
	};

	return i >= 0 && i < 10 ? bodies[i] : "";
}

int fixture_escape_links(struct fixture *f)
{
	char target[PATH_MAX];

	snprintf(target, sizeof(target), "%s/secret.txt", f->parent);
	return fixture_symlink(f, "../secret.txt", "out") |
	       fixture_symlink(f, target, "abs_out") |
	       fixture_symlink(f, "../../secret.txt", "dir/up_out") |
	       fixture_symlink(f, "..", "esc") |
	       fixture_symlink(f, "hello.txt", "in_link");
}

static int standard_site_files(struct fixture *f)
{
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n',
					     0x1a, '\n', 0, 0, 0, 0 };
	static const unsigned char gz[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
	int rc = 0;

	rc |= fixture_write_str(f, "hello.txt", HELLO_BODY);
	rc |= fixture_write_str(f, "page.html", "<!DOCTYPE html><title>p</title>\n");
	rc |= fixture_write_str(f, "X.HTML", "<p>upper-case extension</p>\n");
	rc |= fixture_write_str(f, "style.css", "body { color: black; }\n");
	rc |= fixture_write_str(f, "app.js", "console.log(1);\n");
	rc |= fixture_write_str(f, "data.json", "{\"a\": 1}\n");
	rc |= fixture_write(f, "image.png", png, sizeof(png));
	rc |= fixture_write(f, "x.tar.gz", gz, sizeof(gz));
	rc |= fixture_write_str(f, "unknown.zzz", "zzz\n");
	rc |= fixture_write_str(f, "noext", "no extension\n");
	rc |= fixture_write_str(f, "empty.txt", "");
	rc |= fixture_write_str(f, "a+b.txt", PLUS_BODY);
	rc |= fixture_write_str(f, "d/f", SLASH_BODY);
	rc |= fixture_write_str(f, "old.txt", "old\n");
	rc |= fixture_set_mtime(f, "old.txt", OLD_MTIME, 0);
	rc |= fixture_write_str(f, "frac.txt", "fraction\n");
	rc |= fixture_set_mtime(f, "frac.txt", OLD_MTIME, 700000000);
	rc |= fixture_write_str(f, "../secret.txt", SECRET_BODY);
	return rc;
}

static int standard_site_dirs(struct fixture *f)
{
	int rc = 0;

	rc |= fixture_write_str(f, "dir/.hidden", "hidden\n");
	rc |= fixture_write_str(f, "dir/<amp&>.txt", "amp\n");
	rc |= fixture_write_str(f, "dir/A.txt", "A\n");
	rc |= fixture_write_str(f, "dir/_under.txt", "under\n");
	rc |= fixture_write_str(f, "dir/b.txt", "b\n");
	rc |= fixture_write_str(f, "dir/caf\xc3\xa9.txt", "cafe\n");
	rc |= fixture_write_str(f, "dir/sp ace.txt", "space\n");
	rc |= fixture_write_str(f, "dir/sub/inner.txt", "inner\n");
	rc |= fixture_symlink(f, "b.txt", "dir/link");
	rc |= fixture_symlink(f, "sub", "dir/dirlink");
	rc |= fixture_write_str(f, "withindex/index.html", INDEX_HTML_BODY);
	rc |= fixture_write_str(f, "withindex/index.htm", INDEX_HTM_BODY);
	rc |= fixture_write_str(f, "htm/index.htm", HTM_ONLY_BODY);
	rc |= fixture_write_str(f, "idxdir/index.html/inside.txt", "inside\n");
	rc |= fixture_write_str(f, "idxdir/other.txt", "other\n");
	rc |= fixture_write_str(f, "example.com/x.txt", "x\n");
	return rc;
}

int fixture_standard_site(struct fixture *f)
{
	char *big = malloc(BIG_LEN);
	char name[32];
	int i, rc;

	if (!big)
		return -1;
	if (fixture_create(f) < 0) {
		free(big);
		return -1;
	}
	rc = standard_site_files(f) | standard_site_dirs(f);
	harness_fill(big, BIG_LEN, BIG_SEED);
	rc |= fixture_write(f, "big.bin", big, BIG_LEN);
	free(big);
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "p%d.txt", i);
		rc |= fixture_write_str(f, name, pipe_body(i));
	}
	return rc ? -1 : 0;
}

/* ---- client -------------------------------------------------------------- */

const char *client_rc_name(int rc)
{
	switch (rc) {
	case CLIENT_OK:
		return "ok";
	case CLIENT_TIMEOUT:
		return "timed out";
	case CLIENT_CLOSED:
		return "connection closed (EOF or reset) before a complete"
		       " response";
	case CLIENT_MALFORMED:
		return "malformed response";
	default:
		return "socket error";
	}
}

static void track_client(int fd)
{
	size_t i;

	for (i = 0; i < sizeof(client_fds) / sizeof(client_fds[0]); i++) {
		if (client_fds[i] == 0) {
			client_fds[i] = fd + 1;
			return;
		}
	}
}

static void untrack_client(int fd)
{
	size_t i;

	for (i = 0; i < sizeof(client_fds) / sizeof(client_fds[0]); i++)
		if (client_fds[i] == fd + 1)
			client_fds[i] = 0;
}

void harness_close_clients(void)
{
	size_t i;

	for (i = 0; i < sizeof(client_fds) / sizeof(client_fds[0]); i++) {
		if (client_fds[i]) {
			close(client_fds[i] - 1);
			client_fds[i] = 0;
		}
	}
}

static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int left = remaining_ms(deadline);
		int rc = poll_pump(&p, 1, left);

		if (rc > 0)
			return 0;
		if (rc < 0)
			return CLIENT_ERROR;
		if (left == 0)
			return CLIENT_TIMEOUT;
	}
}

int client_connect_addr(struct client *c, const char *addr, int port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai;
	char portstr[16];
	int one = 1, err = 0, rc;
	socklen_t len = sizeof(err);

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	snprintf(portstr, sizeof(portstr), "%d", port);
	if (getaddrinfo(addr, portstr, &hints, &ai) != 0)
		return CLIENT_ERROR;
	c->fd = socket(ai->ai_family,
		       SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0) {
		freeaddrinfo(ai);
		return CLIENT_ERROR;
	}
	track_client(c->fd);
	/* So that one send() is one segment: byte-at-a-time tests mean it. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	rc = connect(c->fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (rc < 0 && errno != EINPROGRESS) {
		perror("harness: connect");
		client_close(c);
		return CLIENT_ERROR;
	}
	if (rc < 0) {
		rc = wait_fd(c->fd, POLLOUT, now_ms() + HARNESS_WAIT_MS);
		if (rc == 0 && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err,
					  &len) == 0 && err != 0)
			rc = CLIENT_ERROR;
		if (rc != 0) {
			fprintf(stderr, "harness: connect to %s:%d: %s\n", addr,
				port, err ? strerror(err) : "timeout");
			client_close(c);
			return rc;
		}
	}
	return CLIENT_OK;
}

int client_connect(struct client *c, int port)
{
	return client_connect_addr(c, "127.0.0.1", port);
}

int client_send(struct client *c, const void *data, size_t len)
{
	int64_t deadline = now_ms() + HARNESS_WAIT_MS;
	const char *p = data;

	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int rc = wait_fd(c->fd, POLLOUT, deadline);

			if (rc != 0)
				return rc;
		} else if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
			return CLIENT_CLOSED;
		} else {
			return CLIENT_ERROR;
		}
	}
	return CLIENT_OK;
}

int client_send_str(struct client *c, const char *s)
{
	return client_send(c, s, strlen(s));
}

int client_send_request(struct client *c, const char *method,
			const char *target, const char *extra_headers)
{
	static const char version_host[] = " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
	struct hbuf req = { 0 };
	int rc;

	hbuf_append(&req, method, strlen(method));
	hbuf_append(&req, " ", 1);
	hbuf_append(&req, target, strlen(target));
	hbuf_append(&req, version_host, strlen(version_host));
	if (extra_headers)
		hbuf_append(&req, extra_headers, strlen(extra_headers));
	hbuf_append(&req, "\r\n", 2);
	rc = client_send(c, req.data, req.len);
	hbuf_free(&req);
	return rc;
}

/* Read more bytes: >0 read, 0 closed (EOF or reset), or a CLIENT_ code. */
static int fill_more(struct client *c, int64_t deadline)
{
	for (;;) {
		ssize_t n;

		if (c->eof || c->reset)
			return 0;
		hbuf_reserve(&c->in, 65536);
		n = recv(c->fd, c->in.data + c->in.len, 65536, 0);
		if (n > 0) {
			c->in.len += (size_t)n;
			c->in.data[c->in.len] = '\0';
			return (int)n;
		}
		if (n == 0) {
			c->eof = true;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == ECONNRESET) {
			c->reset = true;
			return 0;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return CLIENT_ERROR;
		n = wait_fd(c->fd, POLLIN, deadline);
		if (n != 0)
			return (int)n;
	}
}

static void compact(struct client *c)
{
	if (c->pos == 0)
		return;
	memmove(c->in.data, c->in.data + c->pos, c->in.len - c->pos);
	c->in.len -= c->pos;
	c->in.data[c->in.len] = '\0';
	c->pos = 0;
}

static char *dup_range(const char *p, size_t len)
{
	char *s = malloc(len + 1);

	if (!s)
		abort();
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

static int parse_status_line(struct http_reply *r, const char *line, size_t len)
{
	const char *sp;

	if (len < 12 || memcmp(line, "HTTP/1.", 7) != 0 ||
	    !isdigit((unsigned char)line[7]) || line[8] != ' ')
		return -1;
	memcpy(r->version, line, 8);
	r->version[8] = '\0';
	sp = line + 9;
	if (!isdigit((unsigned char)sp[0]) || !isdigit((unsigned char)sp[1]) ||
	    !isdigit((unsigned char)sp[2]) || (len > 12 && sp[3] != ' '))
		return -1;
	r->status = (sp[0] - '0') * 100 + (sp[1] - '0') * 10 + (sp[2] - '0');
	if (len > 13)
		snprintf(r->reason, sizeof(r->reason), "%.*s",
			 (int)(len - 13), line + 13);
	return 0;
}

static int parse_header_line(struct http_reply *r, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	const char *v, *end = line + len;
	size_t i;

	if (!colon || colon == line || r->nheaders >= HARNESS_MAX_HEADERS)
		return -1;
	for (i = 0; line + i < colon; i++)
		if (!isgraph((unsigned char)line[i]))
			return -1;	/* also rejects obs-fold lines */
	for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	r->headers[r->nheaders].name = dup_range(line, (size_t)(colon - line));
	r->headers[r->nheaders].value = dup_range(v, (size_t)(end - v));
	r->nheaders++;
	return 0;
}

static int parse_head(struct http_reply *r, const char *head, size_t len)
{
	const char *p = head, *end = head + len;
	bool first = true;

	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);

		if (memchr(p, '\n', n))
			return -1;	/* a bare LF inside a line */
		if (first ? parse_status_line(r, p, n) < 0
			  : parse_header_line(r, p, n) < 0)
			return -1;
		first = false;
		p += n + 2;
	}
	return first ? -1 : 0;
}

/* Content-Length as a number; -1 absent, -2 invalid or conflicting. */
static long long content_length(const struct http_reply *r)
{
	long long val = -1;
	size_t i;

	for (i = 0; i < r->nheaders; i++) {
		const char *v = r->headers[i].value;
		char *end;
		long long n;

		if (strcasecmp(r->headers[i].name, "Content-Length") != 0)
			continue;
		if (!isdigit((unsigned char)*v))
			return -2;
		errno = 0;
		n = strtoll(v, &end, 10);
		if (*end || errno || (val >= 0 && n != val) ||
		    n > MAX_BODY_BYTES)
			return -2;
		val = n;
	}
	return val;
}

static int read_body(struct client *c, struct http_reply *r, long long len,
		     int64_t deadline)
{
	for (;;) {
		size_t have = c->in.len - c->pos;
		int rc;

		if (len >= 0 && have >= (size_t)len)
			break;
		rc = fill_more(c, deadline);
		if (rc == 0 && len < 0)
			break;	/* body delimited by the close */
		if (rc == 0) {
			note_bytes("connection closed inside the body",
				   c->in.data + c->pos, have);
			return CLIENT_CLOSED;
		}
		if (rc < 0)
			return rc;
	}
	if (len < 0)
		len = (long long)(c->in.len - c->pos);
	r->body = dup_range(c->in.data + c->pos, (size_t)len);
	r->body_len = (size_t)len;
	c->pos += (size_t)len;
	return CLIENT_OK;
}

static int read_head(struct client *c, struct http_reply *r, int64_t deadline)
{
	const char *end;

	while (!(end = memmem(c->in.data + c->pos, c->in.len - c->pos,
			      "\r\n\r\n", 4))) {
		int rc;

		if (c->in.len - c->pos > MAX_HEAD_BYTES)
			return CLIENT_MALFORMED;
		rc = fill_more(c, deadline);
		if (rc == 0) {
			note_bytes(c->reset ? "connection reset before a complete"
					      " response head"
					    : "connection closed before a"
					      " complete response head",
				   c->in.data + c->pos, c->in.len - c->pos);
			return CLIENT_CLOSED;
		}
		if (rc < 0) {
			note_bytes("no complete response head",
				   c->in.data ? c->in.data + c->pos : "",
				   c->in.len - c->pos);
			return rc;
		}
	}
	r->head_len = (size_t)(end - (c->in.data + c->pos));
	r->head = dup_range(c->in.data + c->pos, r->head_len);
	c->pos += r->head_len + 4;
	if (parse_head(r, r->head, r->head_len) < 0) {
		note_bytes("malformed response head", r->head, r->head_len);
		return CLIENT_MALFORMED;
	}
	return CLIENT_OK;
}

int client_read_reply(struct client *c, struct http_reply *r, bool no_body)
{
	int64_t deadline = now_ms() + HARNESS_WAIT_MS;
	long long len;
	int rc;

	memset(r, 0, sizeof(*r));
	compact(c);
	hbuf_reserve(&c->in, 0);
	rc = read_head(c, r, deadline);
	if (rc != CLIENT_OK)
		return rc;
	if (no_body || r->status / 100 == 1 || r->status == 204 ||
	    r->status == 304) {
		r->body = dup_range("", 0);
		return CLIENT_OK;
	}
	if (reply_header(r, "Transfer-Encoding")) {
		note_bytes("unexpected Transfer-Encoding", r->head, r->head_len);
		return CLIENT_MALFORMED;
	}
	len = content_length(r);
	if (len == -2) {
		note_bytes("bad Content-Length", r->head, r->head_len);
		return CLIENT_MALFORMED;
	}
	return read_body(c, r, len, deadline);
}

int client_wait_close(struct client *c, int timeout_ms, size_t *extra)
{
	int64_t deadline = now_ms() + timeout_ms;
	int rc;

	while ((rc = fill_more(c, deadline)) > 0)
		;
	if (extra)
		*extra = c->in.len - c->pos;
	return rc == 0 ? 1 : 0;
}

void client_close(struct client *c)
{
	if (c->fd >= 0)
		untrack_client(c->fd);
	close_fd(&c->fd);
	hbuf_free(&c->in);
	c->pos = 0;
}

int client_exchange(int port, const char *raw, size_t len, bool no_body,
		  struct http_reply *r)
{
	struct client c;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = client_connect(&c, port);
	if (rc != CLIENT_OK)
		return rc;
	rc = client_send(&c, raw, len);
	/* A server may answer and close before reading everything (414,
	 * 431): the response is still what matters. */
	if (rc == CLIENT_OK || rc == CLIENT_CLOSED || rc == CLIENT_TIMEOUT)
		rc = client_read_reply(&c, r, no_body);
	client_close(&c);
	return rc;
}

int client_request(int port, const char *method, const char *target,
		   const char *extra_headers, struct http_reply *r)
{
	struct hbuf headers = { 0 };
	struct client c;
	int rc;

	memset(r, 0, sizeof(*r));
	if (extra_headers)
		hbuf_append_str(&headers, extra_headers);
	hbuf_append_str(&headers, "Connection: close\r\n");
	rc = client_connect(&c, port);
	if (rc == CLIENT_OK)
		rc = client_send_request(&c, method, target, headers.data);
	if (rc == CLIENT_OK)
		rc = client_read_reply(&c, r, strcmp(method, "HEAD") == 0);
	client_close(&c);
	hbuf_free(&headers);
	return rc;
}

int client_get(int port, const char *target, struct http_reply *r)
{
	struct hbuf req = { 0 };
	char tail[128];
	int rc;

	hbuf_append(&req, "GET ", 4);
	hbuf_append(&req, target, strlen(target));
	snprintf(tail, sizeof(tail),
		 " HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n",
		 port);
	hbuf_append(&req, tail, strlen(tail));
	rc = client_exchange(port, req.data, req.len, false, r);
	hbuf_free(&req);
	return rc;
}

const char *reply_header(const struct http_reply *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

size_t reply_header_count(const struct http_reply *r, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			n++;
	return n;
}

void reply_free(struct http_reply *r)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* ---- helpers ------------------------------------------------------------- */

bool harness_match(const char *s, const char *ere)
{
	regex_t re;
	bool ok;
	int rc = regcomp(&re, ere, REG_EXTENDED | REG_NOSUB);

	if (rc != 0) {
		fprintf(stderr, "harness: bad regex /%s/\n", ere);
		return false;
	}
	ok = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

bool harness_contains(const void *hay, size_t hay_len, const char *needle)
{
	return hay && memmem(hay, hay_len, needle, strlen(needle)) != NULL;
}

void harness_fill(void *buf, size_t len, unsigned seed)
{
	unsigned char *p = buf;
	uint32_t x = seed ? seed : 0x9e3779b9u;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)(x >> 24);
	}
}

/* ---- the usual suite ----------------------------------------------------- */

struct fixture suite_fx;
struct test_server suite_srv;

int suite_group_setup(void **state)
{
	(void)state;
	return fixture_standard_site(&suite_fx);
}

int suite_group_teardown(void **state)
{
	(void)state;
	fixture_destroy(&suite_fx);
	return 0;
}

int suite_setup(void **state)
{
	(void)state;
	return harness_start(&suite_srv, suite_fx.root, NULL);
}

int suite_teardown(void **state)
{
	(void)state;
	harness_close_clients();
	return harness_stop(&suite_srv) == 0 ? 0 : -1;
}

void suite_start(const char *extra_args[])
{
	if (harness_start(&suite_srv, suite_fx.root, extra_args) < 0)
		fail_msg("the server did not start on the standard site");
}

void suite_stop(void)
{
	harness_close_clients();
	int rc = harness_stop(&suite_srv);
	if (rc != 0)
		fail_msg("the server exited %d on SIGTERM, expected 0", rc);
}

int suite_cleanup(void **state)
{
	(void)state;
	harness_close_clients();
	if (suite_srv.pid > 0)
		harness_stop(&suite_srv);
	return 0;
}
