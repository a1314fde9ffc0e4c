/* Unit tests for netif: which URLs are printed for a bound address and a
 * made-up set of interfaces (order, brackets, what is left out), whether
 * the server is reachable from the network, the LAN URL, and the lines. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "netif.h"

static struct sockaddr_storage addr(const char *host, unsigned port)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
	} else {
		assert_int_equal(inet_pton(AF_INET6, host, &s6->sin6_addr), 1);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
	}
	return ss;
}

static struct netif_addr iface(const char *name, const char *host, bool loopback)
{
	struct netif_addr a;
	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", name);
	a.addr = addr(host, 0);
	a.loopback = loopback;
	return a;
}

/* A laptop: loopback, wired and wireless, IPv6 of every kind, in the
 * interleaved order getifaddrs gives. */
static size_t laptop(struct netif_addr *a)
{
	size_t n = 0;
	a[n++] = iface("lo", "127.0.0.1", true);
	a[n++] = iface("eth0", "192.168.1.20", false);
	a[n++] = iface("lo", "::1", true);
	a[n++] = iface("eth0", "fe80::1", false);
	a[n++] = iface("eth0", "2001:db8::20", false);
	a[n++] = iface("wlan0", "10.0.0.7", false);
	a[n++] = iface("wlan0", "fd00::7", false);
	a[n++] = iface("eth0", "::ffff:192.168.1.21", false);
	return n;
}

static void expect_urls(const char *bound, unsigned port, const char *scheme,
			const char *const *want, const char *const *names, size_t nwant)
{
	struct netif_addr a[16];
	size_t n = laptop(a);
	struct netif_url u[16];
	struct sockaddr_storage b = addr(bound, port);
	size_t got = netif_urls(&b, scheme, a, n, u, 16);
	assert_int_equal(got, nwant);
	for (size_t i = 0; i < nwant; i++) {
		assert_string_equal(u[i].url, want[i]);
		assert_string_equal(u[i].name, names[i]);
	}
}

static void test_wildcard_dual_stack(void **state)
{
	(void)state;
	static const char *const want[] = {
		"http://localhost:8000/", "http://192.168.1.20:8000/", "http://10.0.0.7:8000/",
		"http://[2001:db8::20]:8000/", "http://[fd00::7]:8000/",
	};
	static const char *const names[] = {"", "eth0", "wlan0", "eth0", "wlan0"};
	expect_urls("::", 8000, "http", want, names, 5);
}

static void test_wildcard_ipv4_only(void **state)
{
	(void)state;
	static const char *const want[] = {
		"https://localhost:443/", "https://192.168.1.20:443/", "https://10.0.0.7:443/",
	};
	static const char *const names[] = {"", "eth0", "wlan0"};
	expect_urls("0.0.0.0", 443, "https", want, names, 3);
}

static void test_one_address_alone(void **state)
{
	(void)state;
	static const char *const empty[] = {""};
	static const char *const v4[] = {"http://192.168.1.20:8080/"};
	expect_urls("192.168.1.20", 8080, "http", v4, empty, 1);
	static const char *const lo[] = {"http://127.0.0.1:1/"};
	expect_urls("127.0.0.1", 1, "http", lo, empty, 1);
	static const char *const v6[] = {"http://[::1]:65535/"};
	expect_urls("::1", 65535, "http", v6, empty, 1);
}

static void test_max_is_kept(void **state)
{
	(void)state;
	struct netif_addr a[16];
	size_t n = laptop(a);
	struct netif_url u[2];
	struct sockaddr_storage b = addr("::", 80);
	assert_int_equal(netif_urls(&b, "http", a, n, u, 2), 2);
	assert_string_equal(u[1].url, "http://192.168.1.20:80/");
	assert_int_equal(netif_urls(&b, "http", a, n, u, 0), 0);
	/* no interfaces at all: localhost still */
	assert_int_equal(netif_urls(&b, "http", a, 0, u, 2), 1);
	assert_string_equal(u[0].url, "http://localhost:80/");
}

static void test_reachable(void **state)
{
	(void)state;
	struct sockaddr_storage b;
	b = addr("::", 1);
	assert_true(netif_reachable(&b));
	assert_true(netif_is_wildcard(&b));
	b = addr("0.0.0.0", 1);
	assert_true(netif_reachable(&b));
	b = addr("192.168.1.20", 1);
	assert_true(netif_reachable(&b));
	assert_false(netif_is_wildcard(&b));
	b = addr("127.0.0.1", 1);
	assert_false(netif_reachable(&b));
	b = addr("127.1.2.3", 1);
	assert_false(netif_reachable(&b));
	b = addr("::1", 1);
	assert_false(netif_reachable(&b));
	b = addr("::ffff:127.0.0.1", 1);
	assert_false(netif_reachable(&b));
	memset(&b, 0, sizeof(b));
	b.ss_family = AF_UNIX;
	assert_false(netif_reachable(&b));
}

static void test_lan_url(void **state)
{
	(void)state;
	struct netif_addr a[16];
	size_t n = laptop(a);
	struct netif_url u[16];
	struct sockaddr_storage b = addr("::", 8000);
	size_t got = netif_urls(&b, "http", a, n, u, 16);
	assert_string_equal(netif_lan_url(u, got)->url, "http://192.168.1.20:8000/");
	got = netif_urls(&b, "http", a, 1, u, 16); /* loopback only */
	assert_string_equal(netif_lan_url(u, got)->url, "http://localhost:8000/");
	assert_null(netif_lan_url(u, 0));
}

static void test_format(void **state)
{
	(void)state;
	struct netif_addr a[16];
	size_t n = laptop(a);
	struct netif_url u[16];
	struct sockaddr_storage b = addr("0.0.0.0", 8000);
	size_t got = netif_urls(&b, "http", a, n, u, 16);
	struct buf out;
	buf_init(&out);
	netif_format(u, got, true, &out);
	buf_append(&out, "", 1);
	assert_string_equal(out.data, "  http://localhost:8000/\n"
				      "  http://192.168.1.20:8000/  (eth0)\n"
				      "  http://10.0.0.7:8000/  (wlan0)\n"
				      "Reachable from the network: other machines can connect.\n");
	buf_free(&out);
	buf_init(&out);
	b = addr("127.0.0.1", 9);
	got = netif_urls(&b, "http", a, n, u, 16);
	netif_format(u, got, false, &out);
	buf_append(&out, "", 1);
	assert_string_equal(out.data, "  http://127.0.0.1:9/\n");
	buf_free(&out);
}

static void test_read_real_interfaces(void **state)
{
	(void)state;
	struct netif_addr a[NETIF_MAX];
	size_t n = netif_read(a, NETIF_MAX);
	/* Every machine that runs the tests has an up loopback. */
	bool lo = false;
	for (size_t i = 0; i < n; i++) {
		assert_true(a[i].addr.ss_family == AF_INET || a[i].addr.ss_family == AF_INET6);
		assert_true(a[i].name[0] != '\0');
		lo = lo || a[i].loopback;
	}
	assert_true(lo);
	assert_true(netif_read(a, 1) <= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wildcard_dual_stack),
		cmocka_unit_test(test_wildcard_ipv4_only),
		cmocka_unit_test(test_one_address_alone),
		cmocka_unit_test(test_max_is_kept),
		cmocka_unit_test(test_reachable),
		cmocka_unit_test(test_lan_url),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_read_real_interfaces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
