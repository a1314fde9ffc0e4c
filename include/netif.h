/* netif: the URLs a person can open to reach the server, from the bound
 * address and the machine's interfaces.
 *
 * Reading the interfaces (getifaddrs) is apart from choosing and writing
 * the URLs, so the choice is unit-tested on made-up interfaces. */
#ifndef HTTPD_LITE_NETIF_H
#define HTTPD_LITE_NETIF_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "buf.h"
#include "netaddr.h"

/* Interface addresses looked at, at most; more are not listed. */
#define NETIF_MAX 64
/* "https://[" host "]:65535/" */
#define NETIF_URL_MAX (NETADDR_STRLEN + 24)

struct netif_addr {
	char name[IF_NAMESIZE];       /* "eth0" */
	struct sockaddr_storage addr; /* AF_INET or AF_INET6, port 0 */
	bool loopback;                /* IFF_LOOPBACK */
};

struct netif_url {
	char url[NETIF_URL_MAX];  /* "http://192.168.1.20:8000/" */
	char name[IF_NAMESIZE];   /* the interface; "" for localhost or -b */
	bool loopback;            /* reaches this machine only */
};

/* The addresses of the interfaces that are up, in getifaddrs order, at
 * most max. 0 (with errno) when they cannot be read. */
size_t netif_read(struct netif_addr *out, size_t max);

/* Bound to every address (0.0.0.0 or ::)? */
bool netif_is_wildcard(const struct sockaddr_storage *bound);

/* Can another machine connect: bound to a wildcard or to an address that
 * is not loopback. */
bool netif_reachable(const struct sockaddr_storage *bound);

/* The URLs to print for a server bound to bound (its port is the one in
 * the URLs), at most max:
 *   - bound to a wildcard: scheme://localhost:PORT/, then one per address
 *     of addrs that is not loopback: IPv4 first, then IPv6 in brackets
 *     (only with "::", which also takes IPv6), each in the order given.
 *     Link-local IPv6 (fe80::/10) is left out: it needs a %zone that a
 *     browser does not take. Loopback addresses are left out too, as
 *     localhost names them.
 *   - bound to one address: that address alone.
 * Returns how many were written. */
size_t netif_urls(const struct sockaddr_storage *bound, const char *scheme,
		  const struct netif_addr *addrs, size_t n, struct netif_url *out,
		  size_t max);

/* The URL to hand to another machine: the first that is not loopback,
 * else the first; NULL when n is 0. */
const struct netif_url *netif_lan_url(const struct netif_url *urls, size_t n);

/* The lines printed after the start-up line: "  URL  (eth0)" each, and
 * when reachable, one line saying that other machines can connect. */
void netif_format(const struct netif_url *urls, size_t n, bool reachable, struct buf *out);

#endif
