/* Integration: bytes that cannot start a request are refused at once.
 * A TLS ClientHello, an SSH banner and 4 KiB of noise, none with a line
 * end, each get a 400 (or at least the close) well before the header
 * timeout -- set to a minute here, so only an immediate answer passes.
 * The TLS handshake also gets a log line saying how to fix it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "harness.h"

static int setup(void **state)
{
	static const char *extra[] = {"--header-timeout", "60", NULL};
	(void)state;
	return harness_start(&suite_srv, suite_fx.root, extra);
}

/* Sent without a line end: answered status, then closed, in far less
 * than the header timeout; the child is gone too. */
static void expect_refused(const void *bytes, size_t len, int status)
{
	struct client c;
	struct http_reply r;
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send(&c, bytes, len));
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_int_equal(r.status, status);
	assert_header(&r, "Connection", "close");
	reply_free(&r);
	assert_int_equal(client_wait_close(&c, HARNESS_WAIT_MS, NULL), 1);
	client_close(&c);
	assert_int_equal(harness_wait_children(suite_srv.pid, 0, HARNESS_WAIT_MS), 0);
}

/* The start of a TLS 1.2 ClientHello as browsers send it: record type
 * 0x16, version 3.1, then the handshake; 50 bytes, no CR or LF. */
static const unsigned char client_hello[50] = {
	0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x5a, 0x2b,
	0x3c, 0x4d, 0x5e, 0x6f, 0x70, 0x81, 0x92, 0xa3, 0xb4, 0xc5, 0xd6, 0xe7, 0xf8,
	0x09, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71, 0x82, 0x93, 0xa4, 0xb5, 0xc6,
	0xd7, 0xe8, 0xf9, 0x20, 0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0x00,
};

static void tls_client_hello_on_plain_port_400(void **state)
{
	(void)state;
	expect_refused(client_hello, sizeof(client_hello), 400);
	assert_int_equal(harness_wait_stderr_match(&suite_srv,
						   "^httpd-lite: 127\\.0\\.0\\.1: a TLS handshake reached "
						   "the plain HTTP port: use http:// URLs, or start "
						   "httpd-lite with --tls-cert and --tls-key to serve "
						   "HTTPS$",
						   NULL, 0, HARNESS_WAIT_MS),
			 0);
}

static void ssh_banner_400(void **state)
{
	static const char banner[] = "SSH-2.0-OpenSSH_9.2";
	(void)state;
	expect_refused(banner, sizeof(banner) - 1, 400);
}

static void random_bytes_without_newline_refused(void **state)
{
	unsigned char noise[4096];
	(void)state;
	harness_fill(noise, sizeof(noise), 7u);
	for (size_t i = 0; i < sizeof(noise); i++)
		if (noise[i] == '\n' || noise[i] == '\r')
			noise[i] = 'x';
	struct client c;
	struct http_reply r;
	assert_rc_ok(client_connect(&c, suite_srv.port));
	assert_rc_ok(client_send(&c, noise, sizeof(noise)));
	/* Whatever the seed's first bytes say (400, or 501 for a token
	 * and a space), the answer comes now and the connection closes. */
	assert_rc_ok(client_read_reply(&c, &r, false));
	assert_true(r.status == 400 || r.status == 501);
	reply_free(&r);
	assert_int_equal(client_wait_close(&c, HARNESS_WAIT_MS, NULL), 1);
	client_close(&c);
}

static void control_byte_in_method_400(void **state)
{
	(void)state;
	expect_refused("GE\x01T /", 6, 400);
}

static void method_longer_than_any_real_one_400(void **state)
{
	(void)state;
	expect_refused("UPDATEREDIRECTREFS", 18, 400);
}

/* Empty lines before the request line stay allowed (RFC 9112 2.2). */
static void leading_empty_lines_still_served(void **state)
{
	static const char req[] = "\r\n\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\n"
				  "Connection: close\r\n\r\n";
	struct http_reply r;
	(void)state;
	assert_rc_ok(client_exchange(suite_srv.port, req, sizeof(req) - 1, false, &r));
	assert_int_equal(r.status, 200);
	assert_body_str(&r, HELLO_BODY);
	reply_free(&r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, suite_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(tls_client_hello_on_plain_port_400),
		T(ssh_banner_400),
		T(random_bytes_without_newline_refused),
		T(control_byte_in_method_400),
		T(method_longer_than_any_real_one_400),
		T(leading_empty_lines_still_served),
	};
	return cmocka_run_group_tests(tests, suite_group_setup, suite_group_teardown);
}
