/* Integration: the ways the server starts and shows its sockets — --trace
 * lines, SIGUSR1's table of live children, --reuseport, --inetd and
 * systemd socket activation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define WAIT_MS 5000

static int client_port(const struct client *c)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	assert_int_equal(getsockname(c->fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

/* One keep-alive request on c, leaving the connection open. */
static void keep_alive_get(struct client *c, int port)
{
	struct http_reply r;
	assert_int_equal(client_connect(c, port), 0);
	assert_int_equal(client_send_request(c, "GET", "/hello.txt", NULL), 0);
	assert_int_equal(client_read_reply(c, &r, false), CLIENT_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, HELLO_BODY);
	reply_free(&r);
}

/* The trace line for the client on local port cport: its child's pid. */
static pid_t traced_child(struct test_server *s, int port, int cport)
{
	char ere[160], line[512];
	snprintf(ere, sizeof(ere),
		 "^\\[trace\\] accept fd=[0-9]+ local=127\\.0\\.0\\.1:%d "
		 "remote=127\\.0\\.0\\.1:%d -> child [0-9]+$", port, cport);
	assert_int_equal(harness_wait_stderr_match(s, ere, line, sizeof(line), WAIT_MS), 0);
	const char *p = strstr(line, "-> child ");
	assert_non_null(p);
	return (pid_t)atoi(p + 9);
}

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *rp = strrchr(buf, ')');
	assert_non_null(rp);
	int ppid = 0;
	char st;
	assert_int_equal(sscanf(rp + 2, "%c %d", &st, &ppid), 2);
	return (pid_t)ppid;
}

/* --trace names each socket pair and its child; the children are ours,
 * distinct, and SIGUSR1 lists exactly them with the same pairs. */
static void trace_and_status_match_three_connections(void **state)
{
	(void)state;
	struct test_server s;
	const char *extra[] = {"--trace", NULL};
	assert_int_equal(harness_start(&s, suite_fx.root, extra), 0);
	struct client c[3];
	pid_t kids[3];
	for (int i = 0; i < 3; i++) {
		keep_alive_get(&c[i], s.port);
		kids[i] = traced_child(&s, s.port, client_port(&c[i]));
		assert_int_equal(parent_of(kids[i]), s.pid);
		for (int j = 0; j < i; j++)
			assert_int_not_equal(kids[i], kids[j]);
	}
	assert_int_equal(harness_wait_children(s.pid, 3, WAIT_MS), 0);

	assert_int_equal(kill(s.pid, SIGUSR1), 0);
	assert_int_equal(harness_wait_stderr_match(&s, "^3 live children", NULL, 0, WAIT_MS), 0);
	for (int i = 0; i < 3; i++) {
		char ere[160];
		snprintf(ere, sizeof(ere), "^%d +127\\.0\\.0\\.1:%d +127\\.0\\.0\\.1:%d ",
			 (int)kids[i], client_port(&c[i]), s.port);
		/* the table's rows come in any order: search from the header */
		s.err_pos = 0;
		assert_int_equal(harness_wait_stderr_match(&s, ere, NULL, 0, WAIT_MS), 0);
	}
	for (int i = 0; i < 3; i++) {
		client_close(&c[i]);
		char ere[96];
		snprintf(ere, sizeof(ere), "^\\[trace\\] reap child %d: exit 0$", (int)kids[i]);
		s.err_pos = 0;
		assert_int_equal(harness_wait_stderr_match(&s, ere, NULL, 0, WAIT_MS), 0);
	}
	assert_int_equal(harness_stop(&s), 0);
}

static void close_lines_carry_requests_and_bytes(void **state)
{
	(void)state;
	struct test_server s;
	const char *extra[] = {"--trace", NULL};
	assert_int_equal(harness_start(&s, suite_fx.root, extra), 0);
	struct client c;
	keep_alive_get(&c, s.port);
	struct http_reply r;
	assert_int_equal(client_send_request(&c, "GET", "/hello.txt", NULL), 0);
	assert_int_equal(client_read_reply(&c, &r, false), CLIENT_OK);
	reply_free(&r);
	int cport = client_port(&c);
	pid_t kid = traced_child(&s, s.port, cport);
	client_close(&c);
	char ere[200];
	snprintf(ere, sizeof(ere),
		 "^\\[trace\\] child %d: close fd=[0-9]+ remote=127\\.0\\.0\\.1:%d "
		 "requests=2 bytes=%zu lifetime=[0-9]+\\.[0-9]{3}s$",
		 (int)kid, cport, 2 * strlen(HELLO_BODY));
	assert_int_equal(harness_wait_stderr_match(&s, ere, NULL, 0, WAIT_MS), 0);
	assert_int_equal(harness_stop(&s), 0);
}

/* Start the binary with argv on a given port; banner awaited. */
static void start_on_port(struct test_server *s, int port, bool reuseport)
{
	char p[16];
	snprintf(p, sizeof(p), "%d", port);
	const char *argv[] = {"httpd-lite", "-b", "127.0.0.1", "-p", p, "-d", suite_fx.root,
			      reuseport ? "--reuseport" : NULL, NULL};
	assert_int_equal(harness_spawn_on(s, argv, port, false), 0);
}

static int count_access_lines(struct test_server *s)
{
	int n = 0;
	char line[512];
	s->err_pos = 0;
	while (harness_read_stderr_line(s, line, sizeof(line), 200) >= 0)
		n += strstr(line, "\"GET /hello.txt HTTP/1.1\" 200") != NULL;
	return n;
}

static void reuseport_two_instances_share_the_port(void **state)
{
	(void)state;
	int port = harness_free_port();
	struct test_server a, b;
	start_on_port(&a, port, true);
	start_on_port(&b, port, true);
	enum { N = 40 };
	for (int i = 0; i < N; i++) {
		struct http_reply r;
		assert_int_equal(client_get(port, "/hello.txt", &r), CLIENT_OK);
		assert_int_equal(r.status, 200);
		reply_free(&r);
	}
	/* The kernel hashes each connection to one of the two sockets:
	 * both answering some of 40 fails by chance with p = 2^-39. */
	int na = count_access_lines(&a), nb = count_access_lines(&b);
	assert_int_equal(na + nb, N);
	assert_true(na > 0);
	assert_true(nb > 0);
	assert_int_equal(harness_stop(&a), 0);
	assert_int_equal(harness_stop(&b), 0);
}

static void without_reuseport_second_instance_fails(void **state)
{
	(void)state;
	struct test_server a;
	int port = harness_free_port();
	start_on_port(&a, port, false);
	char p[16];
	snprintf(p, sizeof(p), "%d", port);
	const char *args[] = {"-b", "127.0.0.1", "-p", p, "-d", suite_fx.root, NULL};
	struct run_result r;
	assert_int_equal(harness_run_server(args, NULL, WAIT_MS, &r), 0);
	assert_int_equal(r.exit_code, 1);
	assert_true(harness_contains(r.err.data, r.err.len, "Address already in use"));
	assert_int_equal(r.out.len, 0);
	run_result_free(&r);
	assert_int_equal(harness_stop(&a), 0);
}

/* Fork and exec the server with the given fds as 0, 1 (and 3 when
 * listen_fd >= 0, with LISTEN_FDS/LISTEN_PID for socket activation). */
static pid_t spawn_with_fds(int in, int out, int listen_fd, const char *const args[])
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid > 0)
		return pid;
	int devnull = open("/dev/null", O_WRONLY);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(devnull, 2) < 0)
		_exit(126);
	if (listen_fd >= 0) {
		/* dup2 onto itself would keep close-on-exec: clear it. */
		if (listen_fd == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(listen_fd, 3) < 0)
			_exit(126);
		char pidbuf[16];
		snprintf(pidbuf, sizeof(pidbuf), "%d", (int)getpid());
		setenv("LISTEN_PID", pidbuf, 1);
		setenv("LISTEN_FDS", "1", 1);
	}
	for (int fd = 4; fd < 1024; fd++)
		if (fd != listen_fd || listen_fd < 0)
			close(fd);
	char *argv[16] = {(char *)harness_bin()};
	for (int i = 0; args[i] && i < 14; i++)
		argv[i + 1] = (char *)args[i];
	execv(harness_bin(), argv);
	_exit(127);
}

static int wait_exit_code(pid_t pid)
{
	for (int i = 0; i < WAIT_MS / 10; i++) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		harness_pump(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

static ssize_t read_all(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	while (n < cap) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, WAIT_MS) <= 0)
			break;
		ssize_t r = read(fd, buf + n, cap - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n < cap ? n : cap - 1] = '\0';
	return (ssize_t)n;
}

static void inetd_serves_a_socket_on_stdin(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	const char *args[] = {"--inetd", "-d", suite_fx.root, NULL};
	pid_t pid = spawn_with_fds(sv[1], sv[1], -1, args);
	close(sv[1]);
	const char req[] = "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
			   "GET /d/f HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	assert_int_equal(write(sv[0], req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
	char buf[4096];
	read_all(sv[0], buf, sizeof(buf));
	close(sv[0]);
	assert_int_equal(wait_exit_code(pid), 0);
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(buf, "\r\n\r\n" HELLO_BODY "HTTP/1.1 200 OK\r\n"));
	const char *tail = strstr(buf, "\r\n\r\n" HELLO_BODY);
	assert_non_null(strstr(tail + 4, "\r\n\r\n" SLASH_BODY));
}

static void inetd_over_pipes(void **state)
{
	(void)state;
	int in[2], out[2];
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	const char *args[] = {"--inetd", "-d", suite_fx.root, NULL};
	pid_t pid = spawn_with_fds(in[0], out[1], -1, args);
	close(in[0]);
	close(out[1]);
	const char req[] = "GET /hello.txt HTTP/1.0\r\n\r\n";
	assert_int_equal(write(in[1], req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
	close(in[1]);
	char buf[2048];
	read_all(out[0], buf, sizeof(buf));
	close(out[0]);
	assert_int_equal(wait_exit_code(pid), 0);
	assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
	const char *body = strstr(buf, "\r\n\r\n");
	assert_non_null(body);
	assert_string_equal(body + 4, HELLO_BODY);
}

static int listening_socket(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 16), 0);
	socklen_t len = sizeof(sin);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A launcher binds (as systemd would), passes the socket as fd 3 with
 * LISTEN_FDS/LISTEN_PID, and execs the server, which must not bind. */
static void socket_activation_uses_the_passed_socket(void **state)
{
	(void)state;
	int port;
	int lfd = listening_socket(&port);
	int out[2];
	assert_int_equal(pipe(out), 0);
	int devnull = open("/dev/null", O_RDONLY);
	/* -p names a port that is taken: binding would fail, so success
	 * proves the passed socket was used. */
	char p[16];
	snprintf(p, sizeof(p), "%d", port);
	const char *args[] = {"-p", p, "-d", suite_fx.root, NULL};
	pid_t pid = spawn_with_fds(devnull, out[1], lfd, args);
	close(out[1]);
	close(devnull);
	close(lfd);
	char banner[256];
	size_t n = 0;
	while (n < sizeof(banner) - 1 && !memchr(banner, '\n', n)) {
		struct pollfd pf = {.fd = out[0], .events = POLLIN};
		assert_true(poll(&pf, 1, WAIT_MS) > 0);
		ssize_t r = read(out[0], banner + n, sizeof(banner) - 1 - n);
		assert_true(r > 0);
		n += (size_t)r;
	}
	banner[n] = '\0';
	*strchr(banner, '\n') = '\0'; /* the start-up line; the URLs follow */
	char want[128];
	snprintf(want, sizeof(want), "Serving HTTP on 127.0.0.1 port %d (http://127.0.0.1:%d/) ...",
		 port, port);
	assert_string_equal(banner, want);
	struct http_reply r;
	assert_int_equal(client_get(port, "/hello.txt", &r), CLIENT_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, HELLO_BODY);
	reply_free(&r);
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(wait_exit_code(pid), 0);
	close(out[0]);
}

static void activation_for_another_pid_is_ignored(void **state)
{
	(void)state;
	/* LISTEN_PID names someone else: the server binds as usual. */
	setenv("LISTEN_PID", "1", 1);
	setenv("LISTEN_FDS", "1", 1);
	struct test_server s;
	int rc = harness_start(&s, suite_fx.root, NULL);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	assert_int_equal(rc, 0);
	struct http_reply r;
	assert_int_equal(client_get(s.port, "/hello.txt", &r), CLIENT_OK);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	assert_int_equal(harness_stop(&s), 0);
}

#define T(f) cmocka_unit_test_teardown(f, suite_cleanup)

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		T(trace_and_status_match_three_connections),
		T(close_lines_carry_requests_and_bytes),
		T(reuseport_two_instances_share_the_port),
		T(without_reuseport_second_instance_fails),
		T(inetd_serves_a_socket_on_stdin),
		T(inetd_over_pipes),
		T(socket_activation_uses_the_passed_socket),
		T(activation_for_another_pid_is_ignored),
	};
	return cmocka_run_group_tests_name("sockets", tests, suite_group_setup, suite_group_teardown);
}
