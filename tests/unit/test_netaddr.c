/* Unit tests for netaddr: the per-address key that --max-per-ip counts
 * by, and the host text the log shows. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "netaddr.h"

static struct sockaddr_storage v4(const char *a)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(1234);
	assert_int_equal(inet_pton(AF_INET, a, &s4->sin_addr), 1);
	return ss;
}

static struct sockaddr_storage v6(const char *a, uint16_t port)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	assert_int_equal(inet_pton(AF_INET6, a, &s6->sin6_addr), 1);
	return ss;
}

static void mapped_v6_counts_as_its_v4(void **state)
{
	(void)state;
	unsigned char a[NETADDR_KEY_LEN], b[NETADDR_KEY_LEN];
	struct sockaddr_storage x = v4("192.0.2.7"), y = v6("::ffff:192.0.2.7", 999);
	netaddr_key(&x, a);
	netaddr_key(&y, b);
	assert_memory_equal(a, b, NETADDR_KEY_LEN);
	char host[NETADDR_STRLEN];
	netaddr_host(&y, host, sizeof(host));
	assert_string_equal(host, "192.0.2.7");
}

static void ports_do_not_matter_addresses_do(void **state)
{
	(void)state;
	unsigned char a[NETADDR_KEY_LEN], b[NETADDR_KEY_LEN], c[NETADDR_KEY_LEN];
	struct sockaddr_storage x = v6("2001:db8::1", 1), y = v6("2001:db8::1", 2),
				z = v6("2001:db8::2", 1);
	netaddr_key(&x, a);
	netaddr_key(&y, b);
	netaddr_key(&z, c);
	assert_memory_equal(a, b, NETADDR_KEY_LEN);
	assert_memory_not_equal(a, c, NETADDR_KEY_LEN);
}

/* ::1 and 127.0.0.1 are different clients; so are 0.0.0.1 and ::1
 * (no confusion between the v4 form and a v6 address). */
static void loopbacks_differ(void **state)
{
	(void)state;
	unsigned char a[NETADDR_KEY_LEN], b[NETADDR_KEY_LEN], c[NETADDR_KEY_LEN];
	struct sockaddr_storage x = v4("127.0.0.1"), y = v6("::1", 1), z = v4("0.0.0.1");
	netaddr_key(&x, a);
	netaddr_key(&y, b);
	netaddr_key(&z, c);
	assert_memory_not_equal(a, b, NETADDR_KEY_LEN);
	assert_memory_not_equal(b, c, NETADDR_KEY_LEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mapped_v6_counts_as_its_v4),
		cmocka_unit_test(ports_do_not_matter_addresses_do),
		cmocka_unit_test(loopbacks_differ),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
