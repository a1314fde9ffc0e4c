/* inetd.c: the --inetd path, see inetd.h. */
#include "inetd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "netaddr.h"

/* socat's EXEC hands us a socketpair, but names the real client in its
 * environment; use that for the log when it parses. */
static void peer_from_socat(struct sockaddr_storage *peer)
{
	const char *addr = getenv("SOCAT_PEERADDR");
	const char *port = getenv("SOCAT_PEERPORT");
	if (!addr)
		return;
	struct sockaddr_in *s4 = (struct sockaddr_in *)peer;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)peer;
	uint16_t p = port ? (uint16_t)atoi(port) : 0;
	memset(peer, 0, sizeof(*peer));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(p);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(p);
	}
}

/* Who is on fd 0: a socket's two ends, or over pipes whatever socat
 * says. Answers go to fd 0 when it is a socket, else to stdout. */
static void describe_stdin(struct conn_info *ci)
{
	*ci = (struct conn_info){.fd = STDIN_FILENO};
	socklen_t len = sizeof(ci->peer);
	bool connected = getpeername(STDIN_FILENO, (struct sockaddr *)&ci->peer, &len) == 0;
	len = sizeof(ci->local);
	if (!connected || getsockname(STDIN_FILENO, (struct sockaddr *)&ci->local, &len) < 0)
		memset(&ci->local, 0, sizeof(ci->local));
	if (ci->peer.ss_family != AF_INET && ci->peer.ss_family != AF_INET6)
		peer_from_socat(&ci->peer);
	ci->out_fd = connected ? STDIN_FILENO : STDOUT_FILENO;
	int type;
	socklen_t tlen = sizeof(type);
	ci->is_socket = getsockopt(STDIN_FILENO, SOL_SOCKET, SO_TYPE, &type, &tlen) == 0;
	if (log_tracing()) {
		char remote[NETADDR_STRLEN];
		netaddr_host_port(&ci->peer, remote, sizeof(remote));
		log_trace("inetd: serving fd 0 remote=%s in pid %d", connected ? remote : "(pipe)",
			  (int)getpid());
	}
}

int inetd_serve(struct site *site)
{
	/* A client that goes away must cost an EPIPE, not the process. */
	struct sigaction ign = {.sa_handler = SIG_IGN};
	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGPIPE, &ign, NULL) < 0)
		log_die(EXIT_RUNTIME, "sigaction:");
	site_drop_privileges(site);
	struct conn_info ci;
	describe_stdin(&ci);
	int rc = conn_serve(site, &ci);
	site_close(site);
	return rc;
}
