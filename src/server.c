/* server.c — the parent of fork-per-connection.
 *
 * The parent does four things and nothing else: wait until the listening
 * socket is readable, accept() the connection, fork() a child that owns
 * it, and reap children that have exited. It never reads from a client,
 * so no client can stall it. Each accepted socket is closed in the parent
 * right after the fork: from then on the child holds the only copy.
 *
 * Signals only set flags. They stay blocked except inside ppoll(), which
 * unblocks them atomically, so a SIGCHLD or SIGTERM can never slip in
 * between checking the flags and going to sleep.
 *
 * Resource errors never make the loop spin: with no fd left (EMFILE) a
 * spare fd is given up to accept the connection and answer it 503; when
 * accept() or fork() fail for lack of memory or processes the parent
 * answers 503 where it can and stops accepting for a moment.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "conn.h"
#include "io.h"
#include "listing.h"
#include "log.h"
#include "netaddr.h"
#include "qr.h"
#include "response.h"
#include "site.h"

#define ACCEPT_BATCH 64       /* accepts per wake-up, then reap again */
#define BACKOFF_MS 100        /* pause after running out of a resource */
#define SHUTDOWN_GRACE_MS 5000

struct child {
	pid_t pid;
	unsigned char host[NETADDR_KEY_LEN]; /* netaddr_key of the peer */
	struct sockaddr_storage peer;
	struct sockaddr_storage local;
	time_t since;
};

struct server {
	const struct site *site;
	const struct config *cfg;
	int listen_fd;
	struct sockaddr_storage listen_addr; /* bound address, real port (-p 0) */
	int spare_fd; /* given up to accept a connection when out of fds */
	struct child *children;
	unsigned nchildren;
	bool backoff; /* out of a resource: wait before accepting again */
};

static volatile sig_atomic_t got_sigchld, got_stop, got_status, got_reopen;

static void on_signal(int sig)
{
	if (sig == SIGCHLD)
		got_sigchld = 1;
	else if (sig == SIGUSR1)
		got_status = 1;
	else if (sig == SIGHUP)
		got_reopen = 1;
	else
		got_stop = sig;
}

static void ignore_sigpipe(void)
{
	/* A client that goes away must cost an EPIPE, not the process. */
	struct sigaction ign = {.sa_handler = SIG_IGN};
	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGPIPE, &ign, NULL) < 0)
		log_die(EXIT_RUNTIME, "sigaction:");
}

static const int handled_signals[] = {SIGCHLD, SIGINT, SIGTERM, SIGUSR1, SIGHUP};

/* Handlers on, signals blocked; *unblocked gets the mask for ppoll. */
static void install_signals(sigset_t *unblocked)
{
	sigset_t block;
	sigemptyset(&block);
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(handled_signals) / sizeof(handled_signals[0]); i++) {
		sigaddset(&block, handled_signals[i]);
		if (sigaction(handled_signals[i], &sa, NULL) < 0)
			log_die(EXIT_RUNTIME, "sigaction:");
	}
	ignore_sigpipe();
	if (sigprocmask(SIG_BLOCK, &block, unblocked) < 0)
		log_die(EXIT_RUNTIME, "sigprocmask:");
	for (size_t i = 0; i < sizeof(handled_signals) / sizeof(handled_signals[0]); i++)
		sigdelset(unblocked, handled_signals[i]);
}

/* What a child starts from: default dispositions, nothing blocked. Ctrl-C
 * reaches the whole process group; children ignore it and let the
 * parent's SIGTERM end them after their current response. */
static void reset_signals_in_child(void)
{
	struct sigaction sa = {.sa_handler = SIG_DFL};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void close_fd(int fd)
{
	/* close() is not retried on EINTR: on Linux the fd is gone anyway. */
	if (fd >= 0 && close(fd) < 0 && errno != EINTR)
		log_warn("close fd %d:", fd);
}

/* A socket closed with unread bytes sends a reset, which can reach the
 * client before it has read our answer, and take the answer with it.
 * Take what already arrived off the socket (never waiting: the parent
 * does not read from clients, it only discards). */
static void drain_unread(int fd)
{
	char sink[4096];
	for (int i = 0; i < 16; i++) {
		ssize_t n = recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
		if (n <= 0 && !(n < 0 && errno == EINTR))
			return;
	}
}

static void refuse(struct server *s, int fd, const struct sockaddr_storage *peer,
		   const char *why)
{
	char client[NETADDR_STRLEN];
	netaddr_host(peer, client, sizeof(client));
	log_error_code(client, HTTP_SERVICE_UNAVAILABLE, why);
	struct response resp;
	response_init(&resp);
	response_set_error(&resp, HTTP_SERVICE_UNAVAILABLE, why);
	resp.retry_after = 1;
	resp.close = true;
	/* Non-blocking and never waiting: a new socket's send buffer is
	 * empty, and a client that does not take the small answer at once
	 * does not get to stall the parent. */
	struct io io;
	io_init_socket(&io, fd);
	if (response_send(&io, &resp, &s->site->extras) < 0 && errno != EPIPE && errno != ECONNRESET)
		log_warn("answering 503 to %s:", client);
	response_release(&resp);
	drain_unread(fd);
	close_fd(fd);
}

static void child_add(struct server *s, pid_t pid, const struct conn_info *ci)
{
	struct child *c = &s->children[s->nchildren++];
	c->pid = pid;
	netaddr_key(&ci->peer, c->host);
	c->peer = ci->peer;
	c->local = ci->local;
	c->since = time(NULL);
}

static void child_remove(struct server *s, pid_t pid)
{
	for (unsigned i = 0; i < s->nchildren; i++) {
		if (s->children[i].pid == pid) {
			s->children[i] = s->children[--s->nchildren];
			return;
		}
	}
}

static void report_exit(pid_t pid, int status)
{
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM && WTERMSIG(status) != SIGKILL)
		log_warn("child %d killed by signal %d (%s)", (int)pid, WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else if (WIFSIGNALED(status))
		log_trace("reap child %d: killed by signal %d", (int)pid, WTERMSIG(status));
	else
		log_trace("reap child %d: exit %d", (int)pid, WEXITSTATUS(status));
}

static void reap_children(struct server *s)
{
	got_sigchld = 0;
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			return; /* none left to reap (0) or no children (ECHILD) */
		child_remove(s, pid);
		report_exit(pid, status);
	}
}

static void print_status(struct server *s)
{
	got_status = 0;
	char listening[NETADDR_STRLEN];
	netaddr_host_port(&s->listen_addr, listening, sizeof(listening));
	log_plain("%u live children (max %u), listening on %s", s->nchildren, s->cfg->max_clients,
		  listening);
	log_plain("%-8s %-28s %-28s %s", "pid", "remote", "local", "since");
	time_t now = time(NULL);
	for (unsigned i = 0; i < s->nchildren; i++) {
		const struct child *c = &s->children[i];
		char remote[NETADDR_STRLEN], local[NETADDR_STRLEN], when[16];
		netaddr_host_port(&c->peer, remote, sizeof(remote));
		netaddr_host_port(&c->local, local, sizeof(local));
		struct tm tm;
		localtime_r(&c->since, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		log_plain("%-8d %-28s %-28s %s (%lds)", (int)c->pid, remote, local, when,
			  (long)(now - c->since));
	}
}

static void trace_accept(const struct conn_info *ci, pid_t pid)
{
	if (!log_tracing())
		return;
	char local[NETADDR_STRLEN], remote[NETADDR_STRLEN];
	netaddr_host_port(&ci->local, local, sizeof(local));
	netaddr_host_port(&ci->peer, remote, sizeof(remote));
	log_trace("accept fd=%d local=%s remote=%s -> child %d", ci->fd, local, remote, (int)pid);
}

static void run_child(struct server *s, const struct conn_info *ci)
{
	reset_signals_in_child();
	close_fd(s->listen_fd);
	close_fd(s->spare_fd);
	_exit(conn_serve(s->site, ci));
}

/* Children serving the client at host: one pass over the table, which
 * is at most --max-clients long and in memory the parent touches anyway. */
static unsigned children_from(const struct server *s, const unsigned char *host)
{
	unsigned n = 0;
	for (unsigned i = 0; i < s->nchildren; i++)
		n += memcmp(s->children[i].host, host, NETADDR_KEY_LEN) == 0;
	return n;
}

/* --max-per-ip: one address must not take every slot. */
static bool address_at_cap(struct server *s, const struct sockaddr_storage *peer)
{
	if (!s->cfg->max_per_ip)
		return false;
	unsigned char host[NETADDR_KEY_LEN];
	netaddr_key(peer, host);
	if (children_from(s, host) < s->cfg->max_per_ip)
		return false;
	reap_children(s); /* some may have exited since the last look */
	return children_from(s, host) >= s->cfg->max_per_ip;
}

/* Fork a child for an accepted connection; the parent keeps no copy. */
static void hand_off(struct server *s, struct conn_info *ci)
{
	socklen_t len = sizeof(ci->local);
	if (getsockname(ci->fd, (struct sockaddr *)&ci->local, &len) < 0)
		memset(&ci->local, 0, sizeof(ci->local));
	if (s->nchildren >= s->cfg->max_clients)
		reap_children(s); /* some may have exited since the last look */
	if (s->nchildren >= s->cfg->max_clients) {
		refuse(s, ci->fd, &ci->peer, "Too many clients");
		return;
	}
	if (address_at_cap(s, &ci->peer)) {
		refuse(s, ci->fd, &ci->peer, "Too many connections from this address");
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		log_warn("fork:");
		refuse(s, ci->fd, &ci->peer, "Cannot fork");
		s->backoff = true;
		return;
	}
	if (pid == 0)
		run_child(s, ci);
	child_add(s, pid, ci);
	trace_accept(ci, pid);
	close_fd(ci->fd);
}

/* Out of fds: give up the spare one to take the connection off the
 * queue and answer it, instead of leaving it there to wake us again. */
static void shed_with_spare_fd(struct server *s)
{
	if (s->spare_fd < 0)
		return;
	close_fd(s->spare_fd);
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	int fd = accept4(s->listen_fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd >= 0)
		refuse(s, fd, &peer, "Out of file descriptors");
	s->spare_fd = fcntl(s->site->root.fd, F_DUPFD_CLOEXEC, 0);
}

static void accept_batch(struct server *s)
{
	for (int i = 0; i < ACCEPT_BATCH && !got_stop; i++) {
		struct conn_info ci;
		socklen_t len = sizeof(ci.peer);
		/* Non-blocking from the start: the child's io layer wants it so,
		 * and the parent's 503 must never wait. */
		ci.fd = accept4(s->listen_fd, (struct sockaddr *)&ci.peer, &len,
				SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (ci.fd >= 0) {
			ci.out_fd = ci.fd;
			ci.is_socket = true;
			hand_off(s, &ci);
			continue;
		}
		switch (errno) {
		case EAGAIN:
#if EAGAIN != EWOULDBLOCK
		case EWOULDBLOCK:
#endif
			return;
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
			continue; /* that connection is gone; the next may not be */
		case EMFILE:
		case ENFILE:
			log_warn("accept:");
			shed_with_spare_fd(s);
			s->backoff = true;
			return;
		default: /* ENOMEM, ENOBUFS, ... */
			log_warn("accept:");
			s->backoff = true;
			return;
		}
	}
}

/* Sleep until a signal or, unless backing off, a connection arrives. */
static void wait_for_event(struct server *s, const sigset_t *unblocked)
{
	struct pollfd pfd = {.fd = s->listen_fd, .events = POLLIN};
	struct timespec pause = {.tv_sec = 0, .tv_nsec = BACKOFF_MS * 1000000L};
	bool backoff = s->backoff;
	s->backoff = false;
	int n = ppoll(&pfd, backoff ? 0 : 1, backoff ? &pause : NULL, unblocked);
	if (n < 0 && errno != EINTR)
		log_warn("ppoll:");
	if (n > 0 && (pfd.revents & POLLIN))
		accept_batch(s);
}

static void signal_children(struct server *s, int sig)
{
	for (unsigned i = 0; i < s->nchildren; i++)
		if (kill(s->children[i].pid, sig) < 0 && errno != ESRCH)
			log_warn("kill %d:", (int)s->children[i].pid);
}

/* Stop accepting; children finish the response they are sending and
 * exit; whoever is still there after the grace period is killed. */
static void shut_down(struct server *s, const sigset_t *unblocked)
{
	if (got_stop == SIGINT)
		printf("\nKeyboard interrupt received, exiting.\n");
	fflush(stdout);
	close_fd(s->listen_fd);
	s->listen_fd = -1;
	signal_children(s, SIGTERM);
	long long t0 = clock_now_ms();
	reap_children(s);
	while (s->nchildren > 0) {
		long long left = SHUTDOWN_GRACE_MS - (clock_now_ms() - t0);
		if (left <= 0)
			break;
		struct timespec ts = {.tv_sec = left / 1000, .tv_nsec = (left % 1000) * 1000000L};
		if (ppoll(NULL, 0, &ts, unblocked) < 0 && errno != EINTR)
			log_warn("ppoll:");
		reap_children(s);
	}
	signal_children(s, SIGKILL);
	while (s->nchildren > 0) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			break;
		child_remove(s, pid);
	}
}

static void server_init(struct server *s, const struct site *site, struct listener *l)
{
	memset(s, 0, sizeof(*s));
	s->site = site;
	s->cfg = site->cfg;
	s->listen_fd = l->fd;
	s->listen_addr = l->addr;
	/* Any fd will do, and after --chroot there is no /dev/null. */
	s->spare_fd = fcntl(site->root.fd, F_DUPFD_CLOEXEC, 0);
	if (s->spare_fd < 0)
		log_die(EXIT_RUNTIME, "dup:");
	s->children = calloc(s->cfg->max_clients, sizeof(*s->children));
	if (!s->children)
		log_die(EXIT_RUNTIME, "cannot allocate the table of %u children:",
			s->cfg->max_clients);
	site_drop_privileges(site); /* last: it may chroot */
}

static void server_free(struct server *s)
{
	close_fd(s->listen_fd);
	close_fd(s->spare_fd);
	free(s->children);
}

/* --qr: the URL for another machine as a QR code on the terminal, and
 * the same code for every listing page, made once here (the URL needs
 * the bound port) before any child is forked. */
static void show_qr(const char *url, struct site *site)
{
	struct qr q;
	if (!*url || qr_encode(url, &q) < 0) {
		log_warn("--qr: cannot encode '%s' as a QR code", url);
		return;
	}
	struct buf text, svg;
	buf_init(&text);
	buf_init(&svg);
	qr_render_terminal(&q, &text);
	qr_render_svg(&q, url, &svg);
	if (buf_ok(&text) && fwrite(text.data, 1, text.len, stdout) != text.len)
		log_warn("writing the QR code to stdout:");
	fflush(stdout);
	buf_append(&svg, "", 1);
	if (buf_ok(&svg)) {
		listing_qr_html(url, svg.data, &site->listing_qr);
		buf_append(&site->listing_qr, "", 1); /* the listing takes a string */
	}
	if (!buf_ok(&site->listing_qr))
		buf_free(&site->listing_qr);
	buf_free(&text);
	buf_free(&svg);
	qr_free(&q);
}

int server_run(struct site *site, struct listener *l)
{
	struct server s;
	sigset_t unblocked;
	server_init(&s, site, l);
	install_signals(&unblocked);
	char lan_url[NETIF_URL_MAX];
	listener_announce(l, site->tls != NULL, lan_url);
	if (site->cfg->qr)
		show_qr(lan_url, site);
	if (log_tracing()) {
		char where[NETADDR_STRLEN];
		netaddr_host_port(&l->addr, where, sizeof(where));
		log_trace("listening fd=%d on %s (%s); parent pid %d", s.listen_fd, where,
			  l->inherited ? "passed by systemd: socket activation"
				       : "socket, bind, listen done",
			  (int)getpid());
	}
	while (!got_stop) {
		wait_for_event(&s, &unblocked);
		/* Not only on SIGCHLD: when ppoll returns with the listener
		 * ready, it restores the signal mask without delivering a
		 * pending SIGCHLD, so under a steady stream of connections
		 * the flag might never be set. One wait4 per wake-up. */
		reap_children(&s);
		if (got_status)
			print_status(&s);
		if (got_reopen) {
			got_reopen = 0;
			log_reopen();
		}
	}
	shut_down(&s, &unblocked);
	server_free(&s);
	site_close(site);
	return 0;
}
