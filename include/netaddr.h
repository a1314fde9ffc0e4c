/* netaddr: socket addresses as people read them. IPv4-mapped IPv6
 * addresses (::ffff:127.0.0.1, what a dual-stack socket reports for an
 * IPv4 client) are shown as plain IPv4. */
#ifndef HTTPD_LITE_NETADDR_H
#define HTTPD_LITE_NETADDR_H

#include <stdint.h>
#include <sys/socket.h>

/* Enough for "[ffff:...:255.255.255.255%ifname]:65535". */
#define NETADDR_STRLEN 80

/* The host part alone: "127.0.0.1", "::1". */
void netaddr_host(const struct sockaddr_storage *sa, char *out, size_t cap);

/* The host as 16 bytes that compare equal for the same client: IPv4
 * (and IPv4-mapped IPv6) as ::ffff:a.b.c.d, IPv6 as is, anything else
 * (a Unix socket) as all zeros. */
#define NETADDR_KEY_LEN 16
void netaddr_key(const struct sockaddr_storage *sa, unsigned char key[NETADDR_KEY_LEN]);

uint16_t netaddr_port(const struct sockaddr_storage *sa);

/* host:port, with brackets around IPv6 hosts: "[::1]:7001". */
void netaddr_host_port(const struct sockaddr_storage *sa, char *out, size_t cap);

#endif
