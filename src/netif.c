/* netif: which URLs to print at start-up. python prints the bound
 * address ("http://[::]:8000/"), which a browser cannot open; we add
 * localhost and the address of every interface that is up, so the URL
 * for a phone on the same network can be read off the terminal. */
#include "netif.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static bool netif_is_v4_mapped(const struct sockaddr_in6 *s6)
{
	return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr);
}

bool netif_is_wildcard(const struct sockaddr_storage *bound)
{
	if (bound->ss_family == AF_INET)
		return ((const struct sockaddr_in *)bound)->sin_addr.s_addr == htonl(INADDR_ANY);
	if (bound->ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)bound)->sin6_addr);
	return false;
}

static bool netif_is_loopback(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr) >> 24) == 127;
	if (a->ss_family != AF_INET6)
		return false;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)a;
	if (netif_is_v4_mapped(s6))
		return s6->sin6_addr.s6_addr[12] == 127;
	return IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
}

bool netif_reachable(const struct sockaddr_storage *bound)
{
	return (bound->ss_family == AF_INET || bound->ss_family == AF_INET6) &&
	       (netif_is_wildcard(bound) || !netif_is_loopback(bound));
}

size_t netif_read(struct netif_addr *out, size_t max)
{
	struct ifaddrs *all;
	if (getifaddrs(&all) < 0)
		return 0;
	size_t n = 0;
	for (const struct ifaddrs *i = all; i && n < max; i = i->ifa_next) {
		if (!i->ifa_addr || !(i->ifa_flags & IFF_UP))
			continue;
		int family = i->ifa_addr->sa_family;
		if (family != AF_INET && family != AF_INET6)
			continue;
		struct netif_addr *a = &out[n++];
		memset(a, 0, sizeof(*a));
		snprintf(a->name, sizeof(a->name), "%s", i->ifa_name);
		memcpy(&a->addr, i->ifa_addr,
		       family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
		a->loopback = (i->ifa_flags & IFF_LOOPBACK) != 0;
	}
	freeifaddrs(all);
	return n;
}

/* scheme://host:port/ with IPv6 in brackets. */
static void netif_put_url(struct netif_url *u, const char *scheme,
			  const struct sockaddr_storage *a, unsigned port)
{
	char host[NETADDR_STRLEN];
	netaddr_host(a, host, sizeof(host));
	bool v6 = strchr(host, ':') != NULL;
	snprintf(u->url, sizeof(u->url), "%s://%s%s%s:%u/", scheme, v6 ? "[" : "", host,
		 v6 ? "]" : "", port);
}

static bool netif_listable(const struct netif_addr *a, int family)
{
	if (a->loopback || netif_is_loopback(&a->addr) || a->addr.ss_family != family)
		return false;
	if (family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->addr;
		return !IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr) && !netif_is_v4_mapped(s6);
	}
	return true;
}

static size_t netif_add_family(int family, const char *scheme, unsigned port,
			       const struct netif_addr *addrs, size_t n,
			       struct netif_url *out, size_t used, size_t max)
{
	for (size_t i = 0; i < n && used < max; i++) {
		if (!netif_listable(&addrs[i], family))
			continue;
		struct netif_url *u = &out[used++];
		memset(u, 0, sizeof(*u));
		netif_put_url(u, scheme, &addrs[i].addr, port);
		memcpy(u->name, addrs[i].name, sizeof(u->name));
		u->name[sizeof(u->name) - 1] = '\0';
	}
	return used;
}

size_t netif_urls(const struct sockaddr_storage *bound, const char *scheme,
		  const struct netif_addr *addrs, size_t n, struct netif_url *out,
		  size_t max)
{
	unsigned port = netaddr_port(bound);
	if (max == 0)
		return 0;
	memset(&out[0], 0, sizeof(out[0]));
	if (!netif_is_wildcard(bound)) {
		netif_put_url(&out[0], scheme, bound, port);
		out[0].loopback = netif_is_loopback(bound);
		return 1;
	}
	snprintf(out[0].url, sizeof(out[0].url), "%s://localhost:%u/", scheme, port);
	out[0].loopback = true;
	size_t used = netif_add_family(AF_INET, scheme, port, addrs, n, out, 1, max);
	if (bound->ss_family == AF_INET6)
		used = netif_add_family(AF_INET6, scheme, port, addrs, n, out, used, max);
	return used;
}

const struct netif_url *netif_lan_url(const struct netif_url *urls, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!urls[i].loopback)
			return &urls[i];
	return n ? &urls[0] : NULL;
}

void netif_format(const struct netif_url *urls, size_t n, bool reachable, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (urls[i].name[0])
			buf_printf(out, "  %s  (%s)\n", urls[i].url, urls[i].name);
		else
			buf_printf(out, "  %s\n", urls[i].url);
	}
	if (reachable)
		buf_append_str(out, "Reachable from the network: other machines can connect.\n");
}
