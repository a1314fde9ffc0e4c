/* Integration: HTTPS. A throw-away self-signed certificate (and an
 * encrypted key) made with the openssl command; files, listings, ranges
 * and keep-alive over TLS with curl --cacert; the negotiated protocol;
 * plain HTTP on the TLS port; stalled handshakes; a client that stops
 * reading (the send deadline holds for TLS records too); start-up
 * failures.
 * Skipped as a whole when the binary was built without TLS. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef HTTPD_LITE_TLS
#include <openssl/ssl.h>
#endif

#include "harness.h"

#define WAIT_MS 5000

static char cert[400], key[400], enc_key[400], enc_cert[400], pw[400], bad_pw[400];
static char other_key[400], other_cert[400];
static bool have_tls;

static int run_quiet(const char *const argv[])
{
	struct run_result r;
	if (harness_run(argv, NULL, 20000, &r) < 0)
		return -1;
	int rc = r.exit_code;
	if (rc != 0)
		fprintf(stderr, "%s failed: %.*s\n", argv[0], (int)r.err.len, r.err.data);
	run_result_free(&r);
	return rc;
}

static int make_cert(const char *certp, const char *keyp, const char *pass)
{
	char passarg[64];
	snprintf(passarg, sizeof(passarg), "pass:%s", pass ? pass : "");
	const char *plain[] = {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
			       "-keyout", keyp, "-out", certp, "-days", "2", "-subj",
			       "/CN=localhost", "-addext",
			       "subjectAltName=DNS:localhost,IP:127.0.0.1", NULL};
	const char *genkey[] = {"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
				"rsa_keygen_bits:2048", "-aes256", "-pass", passarg, "-out",
				keyp, NULL};
	const char *signcert[] = {"openssl", "req", "-x509", "-key", keyp, "-passin", passarg,
				  "-out", certp, "-days", "2", "-subj", "/CN=localhost",
				  "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", NULL};
	if (!pass)
		return run_quiet(plain);
	return run_quiet(genkey) || run_quiet(signcert) ? -1 : 0;
}

static bool binary_has_tls(void)
{
	const char *args[] = {"--version", NULL};
	struct run_result r;
	if (harness_run_server(args, NULL, WAIT_MS, &r) < 0)
		return false;
	bool on = harness_contains(r.out.data, r.out.len, "tls=on");
	run_result_free(&r);
	return on;
}

static int group_setup(void **state)
{
	(void)state;
	if (fixture_standard_site(&suite_fx) < 0)
		return -1;
	have_tls = binary_has_tls();
	if (!have_tls)
		return 0;
	fixture_side_path(&suite_fx, "cert.pem", cert, sizeof(cert));
	fixture_side_path(&suite_fx, "key.pem", key, sizeof(key));
	fixture_side_path(&suite_fx, "enc-cert.pem", enc_cert, sizeof(enc_cert));
	fixture_side_path(&suite_fx, "enc-key.pem", enc_key, sizeof(enc_key));
	fixture_side_path(&suite_fx, "other-cert.pem", other_cert, sizeof(other_cert));
	fixture_side_path(&suite_fx, "other-key.pem", other_key, sizeof(other_key));
	fixture_side_path(&suite_fx, "pw.txt", pw, sizeof(pw));
	fixture_side_path(&suite_fx, "bad-pw.txt", bad_pw, sizeof(bad_pw));
	if (make_cert(cert, key, NULL) || make_cert(other_cert, other_key, NULL) ||
	    make_cert(enc_cert, enc_key, "s3cret-pw"))
		return -1;
	char big[512];
	int fd = open(fixture_path(&suite_fx, "big50m.bin", big, sizeof(big)),
		      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)50 << 20) < 0 || close(fd) < 0)
		return -1; /* sparse: 50 MiB that cost no disk */
	if (fixture_write_str(&suite_fx, "../pw.txt", "s3cret-pw\n") < 0 ||
	    fixture_write_str(&suite_fx, "../bad-pw.txt", "wrong\n") < 0)
		return -1;
	return 0;
}

/* The server with TLS on a free port, its HTTPS banner awaited. */
static void start_tls(struct test_server *s, const char *certp, const char *keyp, const char *pwfile,
		      const char *extra)
{
	int port = harness_free_port();
	char p[16];
	snprintf(p, sizeof(p), "%d", port);
	const char *argv[16] = {"httpd-lite", "-b", "127.0.0.1", "-p", p, "-d", suite_fx.root,
				"--tls-cert", certp};
	int n = 9;
	if (keyp) {
		argv[n++] = "--tls-key";
		argv[n++] = keyp;
	}
	if (pwfile) {
		argv[n++] = "--tls-password-file";
		argv[n++] = pwfile;
	}
	if (extra) {
		argv[n++] = extra;
		argv[n++] = "2";
	}
	argv[n] = NULL;
	assert_int_equal(harness_spawn_on(s, argv, port, true), 0);
}

static void url(char *out, size_t cap, const struct test_server *s, const char *path)
{
	snprintf(out, cap, "https://localhost:%d%s", s->port, path);
}

#define SKIP_WITHOUT_TLS()      \
	do {                    \
		if (!have_tls)  \
			skip(); \
	} while (0)

static void file_listing_and_range_over_https(void **state)
{
	(void)state;
	SKIP_WITHOUT_TLS();
	struct test_server s;
	start_tls(&s, cert, key, NULL, NULL);
	char u[128], resolve[64];
	snprintf(resolve, sizeof(resolve), "localhost:%d:127.0.0.1", s.port);
	struct run_result r;

	url(u, sizeof(u), &s, "/big.bin");
	const char *big[] = {"--cacert", cert, "--resolve", resolve, "-o", "-", u, NULL};
	assert_int_equal(harness_curl(big, &r), 0);
	assert_int_equal(r.exit_code, 0);
	char *body = memmem(r.out.data, r.out.len, "\r\n\r\n", 4);
	assert_non_null(body);
	body += 4;
	assert_int_equal(r.out.len - (size_t)(body - r.out.data), BIG_LEN);
	char *want = malloc(BIG_LEN);
	assert_non_null(want);
	harness_fill(want, BIG_LEN, BIG_SEED);
	assert_memory_equal(body, want, BIG_LEN);
	run_result_free(&r);

	url(u, sizeof(u), &s, "/big.bin");
	const char *range[] = {"--cacert", cert, "--resolve", resolve, "-r", "100-199", u, NULL};
	assert_int_equal(harness_curl(range, &r), 0);
	assert_true(harness_match(r.out.data, "^HTTP/1\\.1 206 Partial Content\r\n"));
	assert_true(harness_contains(r.out.data, r.out.len, "Content-Range: bytes 100-199/"));
	body = memmem(r.out.data, r.out.len, "\r\n\r\n", 4);
	assert_non_null(body);
	assert_int_equal(r.out.len - (size_t)(body + 4 - r.out.data), 100);
	assert_memory_equal(body + 4, want + 100, 100);
	run_result_free(&r);
	free(want);

	url(u, sizeof(u), &s, "/dir/");
	const char *list[] = {"--cacert", cert, "--resolve", resolve, u, NULL};
	assert_int_equal(harness_curl(list, &r), 0);
	assert_true(harness_contains(r.out.data, r.out.len,
				     "<title>Directory listing for /dir/</title>"));
	run_result_free(&r);
	assert_int_equal(harness_stop(&s), 0);
}

static void keep_alive_and_protocol(void **state)
{
	(void)state;
	SKIP_WITHOUT_TLS();
	struct test_server s;
	start_tls(&s, cert, key, NULL, NULL);
	char u1[128], u2[128], u3[128], resolve[64];
	snprintf(resolve, sizeof(resolve), "localhost:%d:127.0.0.1", s.port);
	url(u1, sizeof(u1), &s, "/hello.txt");
	url(u2, sizeof(u2), &s, "/d/f");
	url(u3, sizeof(u3), &s, "/hello.txt");
	const char *args[] = {"-v", "--cacert", cert, "--resolve", resolve, "-w",
			      "connects=%{num_connects}\\n", u1, u2, u3, NULL};
	struct run_result r;
	assert_int_equal(harness_curl(args, &r), 0);
	assert_int_equal(r.exit_code, 0);
	/* three answers over one TLS connection */
	assert_true(harness_match(r.out.data, "connects=1\n(.|\n)*connects=0\n(.|\n)*connects=0\n"));
	assert_true(harness_contains(r.out.data, r.out.len, "\r\n\r\n" HELLO_BODY));
	assert_true(harness_contains(r.out.data, r.out.len, "\r\n\r\n" SLASH_BODY));
	assert_true(harness_match(r.err.data, "SSL connection using TLSv1\\.[23] "));
	assert_true(harness_contains(r.err.data, r.err.len, "ALPN: server accepted http/1.1"));
	run_result_free(&r);

	/* TLS 1.1 and older are refused */
	const char *old[] = {"--cacert", cert, "--resolve", resolve, "--tlsv1.0", "--tls-max",
			     "1.1", u1, NULL};
	assert_int_equal(harness_curl(old, &r), 0);
	assert_int_not_equal(r.exit_code, 0);
	run_result_free(&r);
	assert_int_equal(harness_stop(&s), 0);
}

static void plain_http_on_tls_port_gets_400(void **state)
{
	(void)state;
	SKIP_WITHOUT_TLS();
	struct test_server s;
	start_tls(&s, cert, key, NULL, NULL);
	struct http_reply r;
	const char req[] = "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n";
	assert_int_equal(client_exchange(s.port, req, sizeof(req) - 1, false, &r), CLIENT_OK);
	assert_int_equal(r.status, 400);
	assert_true(harness_contains(r.body, r.body_len, "plain HTTP request was sent to HTTPS port"));
	assert_string_equal(reply_header(&r, "Connection"), "close");
	reply_free(&r);
	assert_int_equal(harness_stop(&s), 0);
}

/* A client that opens the connection and sends nothing, or half a
 * ClientHello, costs one child for the handshake timeout, then a close. */
static void stalled_handshakes_are_closed(void **state)
{
	(void)state;
	SKIP_WITHOUT_TLS();
	struct test_server s;
	start_tls(&s, cert, key, NULL, "--header-timeout");
	struct client silent, partial;
	assert_int_equal(client_connect(&silent, s.port), 0);
	assert_int_equal(client_connect(&partial, s.port), 0);
	const unsigned char hello_start[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01};
	assert_int_equal(client_send(&partial, hello_start, sizeof(hello_start)), 0);
	size_t extra;
	/* --header-timeout 2: closed well within the bound */
	assert_int_equal(client_wait_close(&silent, 4 * WAIT_MS / 5, &extra), 1);
	assert_int_equal(client_wait_close(&partial, 4 * WAIT_MS / 5, &extra), 1);
	client_close(&silent);
	client_close(&partial);
	assert_int_equal(harness_wait_children(s.pid, 0, WAIT_MS), 0);
	/* and the server still serves */
	struct run_result r;
	char u[128], resolve[64];
	snprintf(resolve, sizeof(resolve), "localhost:%d:127.0.0.1", s.port);
	url(u, sizeof(u), &s, "/hello.txt");
	const char *args[] = {"--cacert", cert, "--resolve", resolve, u, NULL};
	assert_int_equal(harness_curl(args, &r), 0);
	assert_int_equal(r.exit_code, 0);
	run_result_free(&r);
	assert_int_equal(harness_stop(&s), 0);
}

#ifdef HTTPD_LITE_TLS
/* A TLS client with a 64 KiB receive buffer asks for 50 MiB and never
 * reads: with --send-timeout 2 its child is gone within the documented
 * bound (2 x S), whether the records go through OpenSSL or kernel TLS. */
static void tls_client_that_stops_reading_dropped(void **state)
{
	(void)state;
	SKIP_WITHOUT_TLS();
	static const char req[] = "GET /big50m.bin HTTP/1.1\r\nHost: x\r\n\r\n";
	struct test_server s;
	start_tls(&s, cert, key, NULL, "--send-timeout");
	int rcvbuf = 64 * 1024;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s.port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)), 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(ctx);
	SSL *ssl = SSL_new(ctx);
	assert_non_null(ssl);
	assert_int_equal(SSL_set_fd(ssl, fd), 1);
	assert_int_equal(SSL_connect(ssl), 1);
	assert_int_equal(SSL_write(ssl, req, (int)sizeof(req) - 1), (int)sizeof(req) - 1);
	assert_int_equal(harness_wait_children(s.pid, 1, WAIT_MS), 0);
	assert_int_equal(harness_wait_children(s.pid, 0, 2 * 2000 + WAIT_MS), 0);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	assert_int_equal(harness_stop(&s), 0);
}
#endif

static void encrypted_key_with_password_file(void **state)
{
	(void)state;
	SKIP_WITHOUT_TLS();
	struct test_server s;
	start_tls(&s, enc_cert, enc_key, pw, NULL);
	char u[128];
	snprintf(u, sizeof(u), "https://127.0.0.1:%d/hello.txt", s.port);
	const char *args[] = {"--insecure", u, NULL};
	struct run_result r;
	assert_int_equal(harness_curl(args, &r), 0);
	assert_int_equal(r.exit_code, 0);
	assert_true(harness_contains(r.out.data, r.out.len, "\r\n\r\n" HELLO_BODY));
	run_result_free(&r);
	assert_int_equal(harness_stop(&s), 0);
}

static void expect_start_failure(const char *const tls_args[], const char *message)
{
	const char *args[16] = {"-b", "127.0.0.1", "-p", "1", "-d", suite_fx.root};
	int n = 6;
	for (int i = 0; tls_args[i]; i++)
		args[n++] = tls_args[i];
	args[n] = NULL;
	struct run_result r;
	assert_int_equal(harness_run_server(args, NULL, WAIT_MS, &r), 0);
	assert_int_equal(r.exit_code, 1);
	assert_int_equal(r.out.len, 0); /* no banner: nothing was served */
	if (!harness_contains(r.err.data, r.err.len, message))
		fail_msg("stderr '%.*s' lacks '%s'", (int)r.err.len, r.err.data, message);
	/* one line, and never the key's bytes */
	const char *nl = memchr(r.err.data, '\n', r.err.len);
	assert_non_null(nl);
	assert_int_equal(nl - r.err.data + 1, (long)r.err.len);
	assert_false(harness_contains(r.err.data, r.err.len, "PRIVATE KEY"));
	run_result_free(&r);
}

static void bad_identities_fail_at_start(void **state)
{
	(void)state;
	SKIP_WITHOUT_TLS();
	const char *wrong_pw[] = {"--tls-cert", enc_cert, "--tls-key", enc_key,
				  "--tls-password-file", bad_pw, NULL};
	expect_start_failure(wrong_pw, "is the password right?");
	const char *no_pw[] = {"--tls-cert", enc_cert, "--tls-key", enc_key, NULL};
	expect_start_failure(no_pw, "give --tls-password-file");
	const char *mismatch[] = {"--tls-cert", cert, "--tls-key", other_key, NULL};
	expect_start_failure(mismatch, "does not match certificate");
	const char *missing[] = {"--tls-cert", "/nonexistent/cert.pem", NULL};
	expect_start_failure(missing, "cannot read TLS certificate");
	const char *not_pem[] = {"--tls-cert", key, "--tls-key", key, NULL};
	expect_start_failure(not_pem, "cannot load TLS certificate");
}

static void key_inside_cert_file(void **state)
{
	(void)state;
	SKIP_WITHOUT_TLS();
	char both[420];
	fixture_side_path(&suite_fx, "both.pem", both, sizeof(both));
	FILE *out = fopen(both, "w");
	assert_non_null(out);
	const char *parts[] = {cert, key};
	for (int i = 0; i < 2; i++) {
		FILE *in = fopen(parts[i], "r");
		assert_non_null(in);
		char buf[4096];
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			assert_int_equal(fwrite(buf, 1, n, out), n);
		fclose(in);
	}
	fclose(out);
	struct test_server s;
	start_tls(&s, both, NULL, NULL, NULL);
	char u[128], resolve[64];
	snprintf(resolve, sizeof(resolve), "localhost:%d:127.0.0.1", s.port);
	url(u, sizeof(u), &s, "/hello.txt");
	const char *args[] = {"--cacert", cert, "--resolve", resolve, u, NULL};
	struct run_result r;
	assert_int_equal(harness_curl(args, &r), 0);
	assert_int_equal(r.exit_code, 0);
	run_result_free(&r);
	assert_int_equal(harness_stop(&s), 0);
	unlink(both);
}

#define T(f) cmocka_unit_test_teardown(f, suite_cleanup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(file_listing_and_range_over_https),
		T(keep_alive_and_protocol),
		T(plain_http_on_tls_port_gets_400),
		T(stalled_handshakes_are_closed),
#ifdef HTTPD_LITE_TLS
		T(tls_client_that_stops_reading_dropped),
#endif
		T(encrypted_key_with_password_file),
		T(bad_identities_fail_at_start),
		T(key_inside_cert_file),
	};
	return cmocka_run_group_tests_name("tls", tests, group_setup, suite_group_teardown);
}
