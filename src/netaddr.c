#include "netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static int is_v4_mapped(const struct sockaddr_storage *sa)
{
	if (sa->ss_family != AF_INET6)
		return 0;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr);
}

void netaddr_host(const struct sockaddr_storage *sa, char *out, size_t cap)
{
	const void *addr;
	int family = sa->ss_family;
	if (family == AF_INET) {
		addr = &((const struct sockaddr_in *)sa)->sin_addr;
	} else if (is_v4_mapped(sa)) {
		family = AF_INET;
		addr = &((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr[12];
	} else if (family == AF_INET6) {
		addr = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	} else {
		snprintf(out, cap, sa->ss_family == AF_UNIX ? "unix" : "-");
		return;
	}
	if (!inet_ntop(family, addr, out, (socklen_t)cap))
		snprintf(out, cap, "?");
}

void netaddr_key(const struct sockaddr_storage *sa, unsigned char key[NETADDR_KEY_LEN])
{
	memset(key, 0, NETADDR_KEY_LEN);
	if (sa->ss_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->ss_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, NETADDR_KEY_LEN);
	}
}

uint16_t netaddr_port(const struct sockaddr_storage *sa)
{
	if (sa->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return 0;
}

void netaddr_host_port(const struct sockaddr_storage *sa, char *out, size_t cap)
{
	char host[NETADDR_STRLEN];
	netaddr_host(sa, host, sizeof(host));
	if (strchr(host, ':'))
		snprintf(out, cap, "[%s]:%u", host, netaddr_port(sa));
	else
		snprintf(out, cap, "%s:%u", host, netaddr_port(sa));
}
