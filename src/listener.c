#include "listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "netaddr.h"
#include "netif.h"

static int looks_numeric(const char *s)
{
	return strspn(s, "0123456789.") == strlen(s);
}

/* The address to bind: a literal IPv4 or IPv6 address (brackets allowed)
 * or a host name from /etc/hosts or DNS. Anything else is a usage error. */
static void resolve_bind(const char *bind, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	char lit[INET6_ADDRSTRLEN + 2];
	size_t len = strlen(bind);
	if (len >= 2 && len < sizeof(lit) && bind[0] == '[' && bind[len - 1] == ']') {
		memcpy(lit, bind + 1, len - 2);
		lit[len - 2] = '\0';
		bind = lit;
	}
	if (inet_pton(AF_INET, bind, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		return;
	}
	if (inet_pton(AF_INET6, bind, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		return;
	}
	/* "999.1.1.1" is a broken address, not a host name to ask DNS for. */
	if (looks_numeric(bind) || strchr(bind, ':'))
		log_die(EXIT_USAGE, "invalid bind address '%s'", bind);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE};
	struct addrinfo *res;
	int rc = getaddrinfo(bind, NULL, &hints, &res);
	if (rc != 0)
		log_die(EXIT_USAGE, "invalid bind address '%s': %s", bind, gai_strerror(rc));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (ss->ss_family == AF_INET)
		s4->sin_port = htons(port);
	else
		s6->sin6_port = htons(port);
}

static void any_address(int family, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
		s6->sin6_port = htons(port);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		s4->sin_port = htons(port);
	}
}

static socklen_t addr_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					 : sizeof(struct sockaddr_in);
}

/* socket → SO_REUSEADDR (restart while old connections sit in TIME_WAIT)
 * → SO_REUSEPORT when asked
 * → IPV6_V6ONLY off (one socket for IPv6 and IPv4, like python) → bind →
 * listen. Returns the fd, or -1 with errno and nothing left open. */
static int open_bound(const struct sockaddr_storage *ss, const struct config *cfg)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int on = 1, off = 0;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0)
		goto fail;
	/* Several servers on one port, the kernel spreading connections. */
	if (cfg->reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0)
		goto fail;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) < 0)
		goto fail;
	if (ss->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0)
		goto fail;
	if (bind(fd, (const struct sockaddr *)ss, addr_len(ss)) < 0)
		goto fail;
	if (listen(fd, cfg->backlog) < 0)
		goto fail;
	return fd;
fail:;
	int err = errno;
	close(fd);
	errno = err;
	return -1;
}

static int ipv6_unavailable(int err)
{
	return err == EAFNOSUPPORT || err == EADDRNOTAVAIL || err == EPROTONOSUPPORT;
}

/* systemd socket activation (sd_listen_fds(3)): the manager bound the
 * socket and passed it as fd 3, with LISTEN_PID naming us. */
#define SD_LISTEN_FDS_START 3

static int inherited_listener(void)
{
	const char *pid = getenv("LISTEN_PID");
	const char *fds = getenv("LISTEN_FDS");
	if (!pid || !fds)
		return -1;
	char *end;
	long want = strtol(pid, &end, 10);
	if (*end || want != (long)getpid())
		return -1; /* meant for another process */
	long n = strtol(fds, &end, 10);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (*end || n < 1)
		log_die(EXIT_RUNTIME, "socket activation: LISTEN_FDS='%s' passes no socket", fds);
	if (n > 1)
		log_warn("socket activation: %ld sockets passed, serving the first only", n);
	return SD_LISTEN_FDS_START;
}

/* The passed fd must be a listening stream socket; make it ours. */
static void adopt_listener(int fd, struct listener *l)
{
	int listening = 0, type = 0;
	socklen_t len = sizeof(listening);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0)
		log_die(EXIT_RUNTIME, "socket activation: fd %d:", fd);
	len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM ||
	    !listening)
		log_die(EXIT_RUNTIME, "socket activation: fd %d is not a listening stream socket", fd);
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		log_die(EXIT_RUNTIME, "socket activation: fd %d:", fd);
	l->fd = fd;
	l->inherited = true;
}

void listener_open(const struct config *cfg, struct listener *l)
{
	struct sockaddr_storage ss;
	l->inherited = false;
	int passed = inherited_listener();
	if (passed >= 0) {
		adopt_listener(passed, l);
		socklen_t alen = sizeof(l->addr);
		if (getsockname(l->fd, (struct sockaddr *)&l->addr, &alen) < 0)
			log_die(EXIT_RUNTIME, "getsockname:");
		return;
	}
	if (cfg->bind)
		resolve_bind(cfg->bind, cfg->port, &ss);
	else
		any_address(AF_INET6, cfg->port, &ss);
	l->fd = open_bound(&ss, cfg);
	if (l->fd < 0 && !cfg->bind && ipv6_unavailable(errno)) {
		any_address(AF_INET, cfg->port, &ss);
		l->fd = open_bound(&ss, cfg);
	}
	if (l->fd < 0) {
		char where[NETADDR_STRLEN];
		netaddr_host(&ss, where, sizeof(where));
		log_die(EXIT_RUNTIME, "cannot listen on %s port %u:", where, cfg->port);
	}
	socklen_t len = sizeof(l->addr);
	if (getsockname(l->fd, (struct sockaddr *)&l->addr, &len) < 0)
		log_die(EXIT_RUNTIME, "getsockname:");
}

/* After python's line, the URLs to open and whether other machines can
 * connect. A machine whose interfaces cannot be read lists localhost. */
static void announce_urls(const struct listener *l, const char *scheme,
			  char lan_url[NETIF_URL_MAX])
{
	struct netif_addr addrs[NETIF_MAX];
	size_t n = netif_read(addrs, NETIF_MAX);
	struct netif_url urls[NETIF_MAX + 1];
	size_t nurls = netif_urls(&l->addr, scheme, addrs, n, urls, NETIF_MAX + 1);
	struct buf lines;
	buf_init(&lines);
	netif_format(urls, nurls, netif_reachable(&l->addr), &lines);
	if (buf_ok(&lines) && fwrite(lines.data, 1, lines.len, stdout) != lines.len)
		log_warn("writing the URLs to stdout:");
	buf_free(&lines);
	const struct netif_url *lan = netif_lan_url(urls, nurls);
	snprintf(lan_url, NETIF_URL_MAX, "%s", lan ? lan->url : "");
}

void listener_announce(const struct listener *l, bool tls, char lan_url[NETIF_URL_MAX])
{
	char host[NETADDR_STRLEN];
	netaddr_host(&l->addr, host, sizeof(host));
	unsigned port = netaddr_port(&l->addr);
	const char *open = strchr(host, ':') ? "[" : "";
	const char *close = *open ? "]" : "";
	const char *scheme = tls ? "https" : "http";
	printf("Serving %s on %s port %u (%s://%s%s%s:%u/) ...\n", tls ? "HTTPS" : "HTTP",
	       host, port, scheme, open, host, close, port);
	announce_urls(l, scheme, lan_url);
	fflush(stdout);
}
