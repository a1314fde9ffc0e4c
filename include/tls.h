/* tls: HTTPS with OpenSSL, the fork-per-client way.
 *
 * The parent loads the certificate and key once, before it forks, into
 * one SSL_CTX; every child inherits it and does its own handshake on its
 * own socket. A forked child cannot share a session cache with its
 * siblings, so the server keeps no session cache and sends no session
 * tickets: each connection does a full handshake, and no ticket key has
 * to live (unrotated) for the server's whole lifetime.
 *
 * Built without OpenSSL (make TLS=0), every function here is a stub and
 * config.c refuses the --tls-* flags. */
#ifndef HTTPD_LITE_TLS_H
#define HTTPD_LITE_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"

struct tls_server; /* the certificate, key and settings: one SSL_CTX */
struct tls_conn;

/* At start-up, before the first fork: load cfg->tls_cert / tls_key (with
 * the password from tls_password_file). One clear line and exit(1) on any
 * problem: unreadable, not PEM, key not matching the certificate, wrong
 * password. NULL without --tls-cert: plain HTTP. */
struct tls_server *tls_server_open(const struct config *cfg);

/* Release it (clean exit, so leak checkers see nothing); NULL is fine. */
void tls_server_free(struct tls_server *srv);

enum tls_accept_result {
	TLS_ACCEPTED,       /* *out is the connection */
	TLS_PLAIN_HTTP,     /* the client spoke cleartext HTTP: answer 400 */
	TLS_NO_HANDSHAKE,   /* timeout, garbage, or the client gave up */
};

/* Child: the TLS handshake on in_fd/out_fd, the whole of it bounded by
 * timeout_ms (a client trickling its ClientHello is cut off too). */
enum tls_accept_result tls_accept(const struct tls_server *srv, int in_fd, int out_fd,
				  unsigned timeout_ms, struct tls_conn **out);

/* The fds are non-blocking (io.c). Like read(2)/write(2): -1 with errno
 * (EAGAIN when the fd is not ready: tls_wants_read says which side to
 * poll; EPIPE/ECONNRESET when the peer is gone), 0 at a clean end of the
 * stream. */
ssize_t tls_read(struct tls_conn *t, void *buf, size_t len);
ssize_t tls_write(struct tls_conn *t, const void *buf, size_t len);

/* After EAGAIN: true to wait for the read side, false the write side. */
bool tls_wants_read(const struct tls_conn *t);

/* Kernel TLS is on for sending: tls_sendfile can be used. */
bool tls_can_sendfile(const struct tls_conn *t);

/* SSL_sendfile: like sendfile(2), for kernel TLS connections only. */
ssize_t tls_sendfile(struct tls_conn *t, int file_fd, off_t offset, size_t len);

/* Negotiated protocol and cipher, for --trace ("TLSv1.3 TLS_AES_..."). */
void tls_describe(const struct tls_conn *t, char *out, size_t cap);

/* close_notify (not waiting for the peer's), then free. */
void tls_close(struct tls_conn *t);

#endif
