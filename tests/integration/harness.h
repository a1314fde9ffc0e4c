/* harness: black-box integration testing of the built httpd-lite binary.
 *
 * A test builds a fixture tree in a temporary directory, starts the real
 * server on a free loopback port over it, and talks to it with raw sockets
 * (or curl). Every wait is a poll with a deadline, never a sleep used as
 * synchronisation: start-up waits for the banner on stdout, shutdown waits
 * for the exit through a pidfd, and responses are read until complete.
 *
 * While the harness waits for anything it also drains the stdout and stderr
 * pipes of every running server into memory, so a chatty access log can
 * never fill a pipe and wedge the server mid-test.
 *
 * The binary is $HTTPD_LITE_BIN, default ./httpd-lite (tests run from the
 * repository root). */
#ifndef HTTPD_LITE_TEST_HARNESS_H
#define HTTPD_LITE_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/* Upper bound for any single wait (banner, response, log line, exit). */
#define HARNESS_WAIT_MS 5000
/* Shutdown may legitimately take the server's ~5 s grace for children. */
#define HARNESS_STOP_MS 10000
#define HARNESS_MAX_HEADERS 128
#define HARNESS_MAX_SERVERS 8

/* A growable byte buffer, always NUL-terminated for convenience. */
struct hbuf {
	char *data;
	size_t len;
	size_t cap;
};

struct test_server {
	pid_t pid;
	int pidfd;
	int port;
	int out_fd;		/* read end of the server's stdout, -1 at EOF */
	int err_fd;		/* read end of the server's stderr, -1 at EOF */
	struct hbuf out;	/* everything read from stdout so far */
	struct hbuf err;	/* everything read from stderr so far */
	size_t err_pos;		/* start of the next unread stderr line */
	bool exited;
	int status;		/* raw wait status once exited */
};

/* Result of running a process to completion (CLI checks, curl). */
struct run_result {
	int exit_code;		/* exit code, 128+signal, or -1 if killed */
	bool timed_out;
	struct hbuf out;
	struct hbuf err;
};

/* ---- the server -------------------------------------------------------- */

/* $HTTPD_LITE_BIN or "./httpd-lite". */
const char *harness_bin(void);
/* A port nobody listens on right now (bind 127.0.0.1:0 and close). */
int harness_free_port(void);
/* Start `BIN -b 127.0.0.1 -p PORT -d ROOT EXTRA...` on a free port and wait
 * for its banner; retries with a new port if it loses the port race.
 * extra_args may be NULL. 0 on success, -1 (with a note on stderr). */
int harness_start(struct test_server *s, const char *root, const char *extra_args[]);
/* Start BIN with exactly argv (argv[0] is ignored: replaced by the binary),
 * in directory cwd (NULL: ours); does not wait for anything. */
int harness_spawn(struct test_server *s, const char *const argv[], const char *cwd);
/* harness_spawn (cwd: ours) of a server told to listen on 127.0.0.1:port,
 * then wait for its banner ("Serving HTTP", or with tls "Serving HTTPS"
 * ... on that port); 0, or -1 (with a note on stderr). */
int harness_spawn_on(struct test_server *s, const char *const argv[], int port,
		     bool tls);
/* Wait for the first stdout line and compare it with expect; 0 if equal. */
int harness_wait_banner(struct test_server *s, const char *expect, int timeout_ms);
/* SIGTERM (or sig), bounded wait. With HARNESS_VERBOSE set in the
 * environment the server's stderr is always printed here. Returns the exit code, 128+signal if the
 * server died of a signal, or -1 if it had to be SIGKILLed. Frees s. */
int harness_stop(struct test_server *s);
int harness_stop_signal(struct test_server *s, int sig, int timeout_ms);
/* Wait for the server to exit on its own; exit code as above, -2 if it is
 * still running at the deadline (left running). */
int harness_wait_exit(struct test_server *s, int timeout_ms);

/* Next complete stderr line (without '\n') into line; its length, or -1 if
 * none arrived in time. */
int harness_read_stderr_line(struct test_server *s, char *line, size_t size,
			     int timeout_ms);
/* Read stderr lines until one matches the extended regex ere; 0 if found
 * (copied to line when line != NULL), -1 on timeout. */
int harness_wait_stderr_match(struct test_server *s, const char *ere, char *line,
			      size_t size, int timeout_ms);

/* ---- processes ----------------------------------------------------------- */

/* Run argv (PATH lookup) to completion in cwd, capturing stdout/stderr;
 * SIGKILL after timeout_ms. 0 if it ran, -1 if it could not start. */
int harness_run(const char *const argv[], const char *cwd, int timeout_ms,
		struct run_result *r);
/* Run the server binary with args (NULL-terminated, without argv[0]). */
int harness_run_server(const char *const args[], const char *cwd,
		       int timeout_ms, struct run_result *r);
/* `curl -s -S -i --max-time 5 ARGS...` */
int harness_curl(const char *const args[], struct run_result *r);
void run_result_free(struct run_result *r);

/* Children of pid (zombies included); *zombies gets how many are zombies. */
int harness_children(pid_t pid, int *zombies);
/* Poll until pid has exactly want children, none of them a zombie: 0, or
 * -1 at the deadline (with a note on stderr). */
int harness_wait_children(pid_t pid, int want, int timeout_ms);
/* Short bounded pause that keeps draining server pipes (for poll loops). */
void harness_pump(int timeout_ms);

/* ---- fixture tree -------------------------------------------------------- */

struct fixture {
	char parent[256];	/* mkdtemp directory, holds root/ and secrets */
	char root[300];		/* parent/root: what the server serves */
};

int fixture_create(struct fixture *f);
/* rel is relative to root ("../x" lands next to root); parents created. */
int fixture_write(struct fixture *f, const char *rel, const void *data,
		  size_t len);
int fixture_write_str(struct fixture *f, const char *rel, const char *s);
int fixture_mkdir(struct fixture *f, const char *rel);
int fixture_symlink(struct fixture *f, const char *target, const char *rel);
int fixture_set_mtime(struct fixture *f, const char *rel, time_t sec,
		      long nsec);
/* root/rel into buf; returns buf. */
char *fixture_path(const struct fixture *f, const char *rel, char *buf,
		   size_t size);
/* parent/name: a scratch file next to the root, never served. */
char *fixture_side_path(const struct fixture *f, const char *name, char *buf,
			size_t size);
/* Recursive removal (symlinks removed, never followed). */
void fixture_destroy(struct fixture *f);

/* The standard site most tests serve (root = f->root):
 *   hello.txt page.html X.HTML style.css app.js data.json image.png
 *   x.tar.gz unknown.zzz noext empty.txt a+b.txt d/f big.bin (BIG_LEN
 *   bytes of harness_fill(BIG_SEED)) p0.txt..p9.txt (pipe_body(i))
 *   old.txt (mtime OLD_MTIME) frac.txt (mtime OLD_MTIME + 0.7 s)
 *   dir/      no index: .hidden <amp&>.txt A.txt _under.txt b.txt café.txt
 *             link -> b.txt, dirlink -> sub, sp ace.txt, sub/inner.txt
 *   withindex/index.html and index.htm, htm/index.htm
 *   idxdir/index.html/ (a directory, so not an index) and idxdir/other.txt
 *   example.com/x.txt (open-redirect bait)
 * and next to root, outside what is served: ../secret.txt (SECRET_BODY). */
int fixture_standard_site(struct fixture *f);
const char *pipe_body(int i);
/* On the standard site: symlinks that lead out of the root, and one that stays in:
 *   out -> ../secret.txt   abs_out -> <parent>/secret.txt
 *   dir/up_out -> ../../secret.txt   esc -> ..   in_link -> hello.txt */
int fixture_escape_links(struct fixture *f);

#define HELLO_BODY "Hello, world!\n"
#define SECRET_BODY "TOP-SECRET-9c1e5b7d-never-served\n"
#define SECRET_MARK "TOP-SECRET-9c1e5b7d"
#define INDEX_HTML_BODY "<p>this is index.html</p>\n"
#define INDEX_HTM_BODY "<p>this is index.htm</p>\n"
#define HTM_ONLY_BODY "<p>htm only</p>\n"
#define PLUS_BODY "plus in the name\n"
#define SLASH_BODY "file d/f\n"
#define BIG_LEN (100 * 1024)
#define BIG_SEED 42u
#define OLD_MTIME ((time_t)1000000000)	/* Sun, 09 Sep 2001 01:46:40 GMT */

/* ---- raw HTTP client ----------------------------------------------------- */

struct client {
	int fd;
	struct hbuf in;		/* received, not yet consumed */
	size_t pos;		/* consumed prefix of in */
	bool eof;
	bool reset;
};

struct reply_field {
	char *name;
	char *value;
};

struct http_reply {
	char version[16];
	int status;
	char reason[128];
	size_t nheaders;
	struct reply_field headers[HARNESS_MAX_HEADERS];
	char *head;		/* raw status line and headers, NUL-terminated */
	size_t head_len;
	char *body;		/* NUL-terminated copy of the body */
	size_t body_len;
};

enum client_rc {
	CLIENT_OK = 0,
	CLIENT_TIMEOUT = -1,
	CLIENT_CLOSED = -2,	/* EOF or reset before a complete response */
	CLIENT_MALFORMED = -3,	/* not parseable as an HTTP/1.x response */
	CLIENT_ERROR = -4,
};

const char *client_rc_name(int rc);
int client_connect(struct client *c, int port);
int client_connect_addr(struct client *c, const char *addr, int port);
int client_send(struct client *c, const void *data, size_t len);
int client_send_str(struct client *c, const char *s);
/* `METHOD TARGET HTTP/1.1`, Host, then extra_headers (each line ending in
 * CRLF, may be NULL), then the blank line. */
int client_send_request(struct client *c, const char *method,
			const char *target, const char *extra_headers);
/* Read one response. no_body: the request was HEAD (also implied by 1xx,
 * 204 and 304). Body by Content-Length, else until EOF. */
int client_read_reply(struct client *c, struct http_reply *r, bool no_body);
/* Wait for the peer to close. 1 if it closed (EOF or RST), 0 on timeout;
 * *extra gets the count of unconsumed bytes that arrived before the close. */
int client_wait_close(struct client *c, int timeout_ms, size_t *extra);
void client_close(struct client *c);
/* Close every client socket still open (test teardown after a failure). */
void harness_close_clients(void);

/* One request on a fresh connection; raw is sent verbatim. */
int client_exchange(int port, const char *raw, size_t len, bool no_body,
		  struct http_reply *r);
/* `METHOD target HTTP/1.1` with Host, extra_headers (each line ending in
 * CRLF, may be NULL) and Connection: close on a fresh connection; a HEAD
 * reply is read without a body. */
int client_request(int port, const char *method, const char *target,
		   const char *extra_headers, struct http_reply *r);
/* `GET target HTTP/1.1` with Host and Connection: close. */
int client_get(int port, const char *target, struct http_reply *r);

/* First header value by case-insensitive name, or NULL. */
const char *reply_header(const struct http_reply *r, const char *name);
size_t reply_header_count(const struct http_reply *r, const char *name);
void reply_free(struct http_reply *r);

/* ---- the usual suite ----------------------------------------------------- */

/* Most suites serve the standard site with a fresh server per test and no
 * extra flags: these are their fixture, their server and the four cmocka
 * hooks they would otherwise each write again. */
extern struct fixture suite_fx;
extern struct test_server suite_srv;
int suite_group_setup(void **state);    /* fixture_standard_site(&suite_fx) */
int suite_group_teardown(void **state);
int suite_setup(void **state);          /* suite_srv on suite_fx, no extra flags */
/* Closes the test's clients; fails the test unless the server then exits
 * 0 on SIGTERM. */
int suite_teardown(void **state);
/* For tests that start suite_srv themselves, with their own flags: start
 * it on suite_fx (extra_args may be NULL), and stop it expecting exit 0;
 * either fails the test otherwise (cmocka must be included first). */
void suite_start(const char *extra_args[]);
void suite_stop(void);
/* Teardown for those tests: closes the clients and stops suite_srv if a
 * failure left it running; never fails. */
int suite_cleanup(void **state);

/* ---- small helpers -------------------------------------------------------- */

/* true if s matches the POSIX extended regex ere. */
bool harness_match(const char *s, const char *ere);
/* memmem wrapper for tests: true if needle occurs in hay. */
bool harness_contains(const void *hay, size_t hay_len, const char *needle);
/* Deterministic pseudo-random bytes (xorshift) for byte-exact body checks. */
void harness_fill(void *buf, size_t len, unsigned seed);

void hbuf_append(struct hbuf *b, const void *data, size_t len);
void hbuf_append_str(struct hbuf *b, const char *s);
void hbuf_free(struct hbuf *b);

/* ---- assertions (cmocka must be included before use) --------------------- */

/* A client_* / http_* call returned CLIENT_OK; otherwise says what it got. */
#define assert_rc_ok(expr)                                                    \
	do {                                                                  \
		int rc_ = (expr);                                             \
		if (rc_ != CLIENT_OK)                                         \
			fail_msg("%s: %s", #expr, client_rc_name(rc_));       \
	} while (0)

/* Header present and equal to expect. */
#define assert_header(r, name, expect)                                        \
	do {                                                                  \
		const char *hv_ = reply_header((r), (name));               \
		if (!hv_)                                                     \
			fail_msg("header %s missing", (name));                \
		assert_string_equal(hv_, (expect));                           \
	} while (0)

/* Header present and matching the extended regex ere. */
#define assert_header_match(r, name, ere)                                     \
	do {                                                                  \
		const char *hv_ = reply_header((r), (name));               \
		if (!hv_)                                                     \
			fail_msg("header %s missing", (name));                \
		if (!harness_match(hv_, (ere)))                               \
			fail_msg("%s: \"%s\" does not match /%s/", (name),     \
				 hv_, (ere));                                 \
	} while (0)

/* Body exactly equal to len bytes at data. */
#define assert_body(r, data, len)                                             \
	do {                                                                  \
		assert_int_equal((r)->body_len, (len));                       \
		assert_memory_equal((r)->body, (data), (len));                \
	} while (0)

#define assert_body_str(r, s) assert_body((r), (s), strlen(s))

#define assert_contains(hay, len, needle)                                     \
	do {                                                                  \
		if (!harness_contains((hay), (len), (needle)))                \
			fail_msg("\"%s\" not found", (needle));               \
	} while (0)

#define IMF_FIXDATE_RE                                                        \
	"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} "                           \
	"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "         \
	"[0-9]{2}:[0-9]{2}:[0-9]{2} GMT$"

#endif
