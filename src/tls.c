/* tls.c: see tls.h for the design (one SSL_CTX loaded before fork, one
 * handshake per child, no session cache, no tickets). */
#include "tls.h"

#include <errno.h>
#include <stdio.h>

#ifdef HTTPD_LITE_TLS

#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "clock.h"
#include "log.h"

/* The first byte of every TLS handshake: record type 22. */
#define TLS_RECORD_HANDSHAKE 0x16

struct tls_conn {
	SSL *ssl;
	bool want_read; /* the last call that would block waits to read */
};

struct tls_server {
	SSL_CTX *ctx;
};

#define TLS_PASSWORD_MAX 1024

/* The root cause among OpenSSL's queued errors (the first one: later
 * ones only say which layer passed it on, like "PEM lib"), as words. */
static const char *ssl_reason(void)
{
	unsigned long e = ERR_peek_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	return r ? r : "unknown error";
}

static bool file_mentions(const char *path, const char *word)
{
	char line[256];
	bool found = false;
	FILE *f = fopen(path, "re");
	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, word) != NULL;
	if (f)
		fclose(f);
	return found;
}

/* Never prompt on the terminal: the password comes from the file or the
 * key fails to load (then the message says to give the file). */
static int password_cb(char *buf, int size, int rwflag, void *u)
{
	(void)rwflag;
	const char *password = u;
	size_t n = password ? strlen(password) : 0;
	if (n == 0 || n >= (size_t)size)
		return 0;
	memcpy(buf, password, n);
	return (int)n;
}

static void read_password_file(const char *path, char tls_password[TLS_PASSWORD_MAX])
{
	FILE *f = fopen(path, "re");
	if (!f)
		log_die(EXIT_RUNTIME, "cannot read TLS password file '%s':", path);
	if (!fgets(tls_password, TLS_PASSWORD_MAX, f))
		tls_password[0] = '\0';
	fclose(f);
	tls_password[strcspn(tls_password, "\r\n")] = '\0';
	if (!tls_password[0])
		log_die(EXIT_RUNTIME, "TLS password file '%s' is empty", path);
}

static void check_readable(const char *what, const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		log_die(EXIT_RUNTIME, "cannot read TLS %s '%s':", what, path);
	fclose(f);
}

/* We speak HTTP/1.1 only: pick it when offered, else go on without ALPN
 * (a client that only offers h2 will then fail, which it must). */
static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		       const unsigned char *in, unsigned int inlen, void *arg)
{
	(void)ssl;
	(void)arg;
	static const char want[] = "http/1.1";
	for (unsigned int i = 0; i < inlen; i += 1u + in[i]) {
		unsigned len = in[i];
		if (i + 1 + len > inlen)
			break;
		if (len == sizeof(want) - 1 && memcmp(in + i + 1, want, len) == 0) {
			*out = in + i + 1;
			*outlen = (unsigned char)len;
			return SSL_TLSEXT_ERR_OK;
		}
	}
	return SSL_TLSEXT_ERR_NOACK;
}

static void configure_context(SSL_CTX *ctx)
{
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		log_die(EXIT_RUNTIME, "TLS: cannot require TLS 1.2: %s", ssl_reason());
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
					 SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_ENABLE_KTLS |
					 SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	/* Partial writes let the send deadline see each record accepted,
	 * not only a whole 64 KiB staging buffer. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE);
	SSL_CTX_set_alpn_select_cb(ctx, select_alpn, NULL);
	SSL_CTX_set_default_passwd_cb(ctx, password_cb);
}

static void load_identity(SSL_CTX *ctx, const struct config *cfg)
{
	const char *key = cfg->tls_key ? cfg->tls_key : cfg->tls_cert;
	char tls_password[TLS_PASSWORD_MAX] = "";
	check_readable("certificate", cfg->tls_cert);
	check_readable("key", key);
	if (cfg->tls_password_file)
		read_password_file(cfg->tls_password_file, tls_password);
	SSL_CTX_set_default_passwd_cb_userdata(ctx, tls_password);
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1)
		log_die(EXIT_RUNTIME, "cannot load TLS certificate '%s': %s (a PEM certificate?)",
			cfg->tls_cert, ssl_reason());
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH)
			log_die(EXIT_RUNTIME, "TLS key '%s' does not match certificate '%s'", key,
				cfg->tls_cert);
		const char *hint = !file_mentions(key, "ENCRYPTED") ? " (a PEM private key?)"
				   : cfg->tls_password_file
					   ? " (the key is encrypted: is the password right?)"
					   : " (the key is encrypted: give --tls-password-file)";
		log_die(EXIT_RUNTIME, "cannot load TLS key '%s': %s%s", key, ssl_reason(), hint);
	}
	if (SSL_CTX_check_private_key(ctx) != 1)
		log_die(EXIT_RUNTIME, "TLS key '%s' does not match certificate '%s'", key,
			cfg->tls_cert);
	SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
	explicit_bzero(tls_password, sizeof(tls_password));
}

struct tls_server *tls_server_open(const struct config *cfg)
{
	if (!cfg->tls_cert)
		return NULL;
	struct tls_server *srv = calloc(1, sizeof(*srv));
	if (!srv)
		log_die(EXIT_RUNTIME, "TLS:");
	srv->ctx = SSL_CTX_new(TLS_server_method());
	if (!srv->ctx)
		log_die(EXIT_RUNTIME, "TLS: %s", ssl_reason());
	configure_context(srv->ctx);
	load_identity(srv->ctx, cfg);
	return srv;
}

void tls_server_free(struct tls_server *srv)
{
	if (!srv)
		return;
	SSL_CTX_free(srv->ctx);
	free(srv);
}

/* Wait for fd to be ready for events until deadline (the fds are
 * non-blocking); false when the time is up or poll fails. */
static bool wait_ready(int fd, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - clock_now_ms();
		if (left <= 0)
			return false;
		struct pollfd p = {.fd = fd, .events = events};
		int n = poll(&p, 1, (int)left);
		if (n > 0)
			return true;
		if (n < 0 && errno != EINTR)
			return false;
	}
}

/* Peek at the first byte: a TLS client starts with a handshake record;
 * an ASCII letter is someone speaking plain HTTP to the HTTPS port. */
static enum tls_accept_result first_byte(int fd, long long deadline)
{
	unsigned char c;
	ssize_t n;
	for (;;) {
		n = recv(fd, &c, 1, MSG_PEEK);
		if (n >= 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK))
			break;
		if (errno != EINTR && !wait_ready(fd, POLLIN, deadline))
			return TLS_NO_HANDSHAKE;
	}
	if (n < 0 && errno == ENOTSOCK)
		return TLS_ACCEPTED; /* a pipe: cannot peek, just try */
	if (n <= 0)
		return TLS_NO_HANDSHAKE;
	if (c == TLS_RECORD_HANDSHAKE)
		return TLS_ACCEPTED;
	return (c >= 'A' && c <= 'Z') ? TLS_PLAIN_HTTP : TLS_NO_HANDSHAKE;
}

/* SSL_accept, resumed whenever the fd it waits for is ready, until the
 * deadline. */
static bool handshake(SSL *ssl, int in_fd, int out_fd, long long deadline)
{
	for (;;) {
		int rc = SSL_accept(ssl);
		if (rc == 1)
			return true;
		int err = SSL_get_error(ssl, rc);
		if (err == SSL_ERROR_WANT_READ) {
			if (!wait_ready(in_fd, POLLIN, deadline))
				return false;
		} else if (err == SSL_ERROR_WANT_WRITE) {
			if (!wait_ready(out_fd, POLLOUT, deadline))
				return false;
		} else {
			return false;
		}
	}
}

enum tls_accept_result tls_accept(const struct tls_server *srv, int in_fd, int out_fd,
				  unsigned timeout_ms, struct tls_conn **out)
{
	static struct tls_conn conn; /* one per child */
	long long deadline = clock_now_ms() + timeout_ms;
	enum tls_accept_result first = first_byte(in_fd, deadline);
	if (first != TLS_ACCEPTED)
		return first;
	conn.ssl = SSL_new(srv->ctx);
	if (!conn.ssl || SSL_set_rfd(conn.ssl, in_fd) != 1 || SSL_set_wfd(conn.ssl, out_fd) != 1 ||
	    !handshake(conn.ssl, in_fd, out_fd, deadline)) {
		log_trace("child %d: TLS handshake failed: %s", (int)getpid(), ssl_reason());
		ERR_clear_error();
		SSL_free(conn.ssl);
		conn.ssl = NULL;
		return TLS_NO_HANDSHAKE;
	}
	*out = &conn;
	return TLS_ACCEPTED;
}

/* OpenSSL's verdict on a failed call, as errno for the caller. */
static ssize_t io_failure(struct tls_conn *t, int rc)
{
	int err = SSL_get_error(t->ssl, rc);
	ERR_clear_error();
	if (err == SSL_ERROR_ZERO_RETURN)
		return 0;
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
		t->want_read = err == SSL_ERROR_WANT_READ;
		errno = EAGAIN; /* the non-blocking fd is not ready: poll */
		return -1;
	}
	if (err != SSL_ERROR_SYSCALL || errno == 0)
		errno = ECONNRESET;
	return -1;
}

ssize_t tls_read(struct tls_conn *t, void *buf, size_t len)
{
	int rc = SSL_read(t->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
	return rc > 0 ? rc : io_failure(t, rc);
}

ssize_t tls_write(struct tls_conn *t, const void *buf, size_t len)
{
	int rc = SSL_write(t->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
	return rc > 0 ? rc : io_failure(t, rc);
}

bool tls_wants_read(const struct tls_conn *t)
{
	return t->want_read;
}

bool tls_can_sendfile(const struct tls_conn *t)
{
	return BIO_get_ktls_send(SSL_get_wbio(t->ssl)) != 0;
}

ssize_t tls_sendfile(struct tls_conn *t, int file_fd, off_t offset, size_t len)
{
	ossl_ssize_t rc = SSL_sendfile(t->ssl, file_fd, offset, len, 0);
	return rc >= 0 ? (ssize_t)rc : io_failure(t, (int)rc);
}

void tls_describe(const struct tls_conn *t, char *out, size_t cap)
{
	const unsigned char *alpn = NULL;
	unsigned alpn_len = 0;
	SSL_get0_alpn_selected(t->ssl, &alpn, &alpn_len);
	snprintf(out, cap, "%s %s alpn=%.*s ktls=%s", SSL_get_version(t->ssl),
		 SSL_get_cipher_name(t->ssl), alpn_len ? (int)alpn_len : 1,
		 alpn_len ? (const char *)alpn : "-", tls_can_sendfile(t) ? "on" : "off");
}

void tls_close(struct tls_conn *t)
{
	if (!t || !t->ssl)
		return;
	/* One close_notify; waiting for the peer's would let it stall us. */
	(void)SSL_shutdown(t->ssl);
	ERR_clear_error();
	SSL_free(t->ssl);
	t->ssl = NULL;
}

#else /* !HTTPD_LITE_TLS */

struct tls_server *tls_server_open(const struct config *cfg)
{
	(void)cfg;
	return NULL;
}

void tls_server_free(struct tls_server *srv)
{
	(void)srv;
}

enum tls_accept_result tls_accept(const struct tls_server *srv, int in_fd, int out_fd,
				  unsigned timeout_ms, struct tls_conn **out)
{
	(void)srv;
	(void)in_fd;
	(void)out_fd;
	(void)timeout_ms;
	*out = NULL;
	return TLS_NO_HANDSHAKE;
}

ssize_t tls_read(struct tls_conn *t, void *buf, size_t len)
{
	(void)t;
	(void)buf;
	(void)len;
	errno = ENOTSUP;
	return -1;
}

ssize_t tls_write(struct tls_conn *t, const void *buf, size_t len)
{
	return tls_read(t, (void *)buf, len);
}

bool tls_wants_read(const struct tls_conn *t)
{
	(void)t;
	return true;
}

bool tls_can_sendfile(const struct tls_conn *t)
{
	(void)t;
	return false;
}

ssize_t tls_sendfile(struct tls_conn *t, int file_fd, off_t offset, size_t len)
{
	(void)file_fd;
	(void)offset;
	return tls_read(t, NULL, len);
}

void tls_describe(const struct tls_conn *t, char *out, size_t cap)
{
	(void)t;
	snprintf(out, cap, "none");
}

void tls_close(struct tls_conn *t)
{
	(void)t;
}

#endif
