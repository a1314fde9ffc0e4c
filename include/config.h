/* config: the command line → struct config. Every flag is validated here,
 * so the rest of the server can trust its configuration. */
#ifndef HTTPD_LITE_CONFIG_H
#define HTTPD_LITE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define CONFIG_DEFAULT_PORT 8000
#define CONFIG_DEFAULT_BACKLOG 1024
#define CONFIG_DEFAULT_MAX_CLIENTS 1024
/* --max-per-ip: a quarter of the default --max-clients. Room for a
 * NAT'd office (40 browsers at 6 connections each) or a download
 * manager, while one address alone cannot take more than a quarter of
 * the default slots: it takes four to fill them. A fixed number, not a
 * fraction of --max-clients: a server lowered to --max-clients 5 must
 * still let one browser open its 6 connections. */
#define CONFIG_DEFAULT_MAX_PER_IP 256
#define CONFIG_DEFAULT_HEADER_TIMEOUT_MS 10000
#define CONFIG_DEFAULT_IDLE_TIMEOUT_MS 5000
#define CONFIG_DEFAULT_SEND_TIMEOUT_MS 30000
#define CONFIG_DEFAULT_MAX_BODY (1024 * 1024)
/* --max-upload: 1 GiB takes photos, documents and most phone videos in
 * one PUT, and bounds what one request can take of the disk. */
#define CONFIG_DEFAULT_MAX_UPLOAD (1024ULL * 1024 * 1024)

/* Exit statuses, as documented in README.md and --help. */
#define EXIT_USAGE 2 /* bad command line */
#define EXIT_RUNTIME 1 /* could not start: bind failed, and so on */

struct config {
	const char *bind;   /* NULL: every interface, dual-stack */
	uint16_t port;
	const char *root;   /* directory to serve */
	int backlog;
	unsigned max_clients;
	unsigned max_per_ip;        /* connections from one address; 0: no cap */
	unsigned header_timeout_ms; /* whole request head, first byte to last */
	unsigned idle_timeout_ms;   /* between keep-alive requests */
	unsigned send_timeout_ms;   /* a client that stops reading */
	uint64_t max_body;          /* request body bytes read and discarded */
	bool trace;
	bool quiet;

	/* HTTP extras: Range, validators, compression, headers */
	bool cors;                 /* Access-Control-Allow-Origin: * */
	bool compress;             /* gzip text types on the fly */
	long cache_seconds;        /* Cache-Control: max-age; -1: none */
	const char **extra_headers; /* "Name: value", validated */
	unsigned n_extra_headers;

	/* Hardening */
	bool follow_symlinks;      /* serve symlinks that leave the root */
	bool no_dotfiles;          /* hide and refuse names beginning '.' */
	const char *auth;          /* "user:password" for Basic auth */
	const char *auth_file;     /* lines "user:password" or crypt(3) hash */
	bool chroot;               /* chroot to the root after binding */
	const char *user;          /* drop to this user after binding */

	/* Receiving files */
	bool upload;               /* PUT creates files beneath the root */
	bool overwrite;            /* ... and may replace existing ones */
	uint64_t max_upload;       /* largest PUT body, else 413 */

	/* Ways to start */
	bool reuseport;            /* SO_REUSEPORT */
	bool inetd;                /* one connection on stdin/stdout */

	/* HTTPS */
	const char *tls_cert;          /* PEM certificate (chain allowed) */
	const char *tls_key;           /* PEM key; NULL: in tls_cert */
	const char *tls_password_file; /* first line: the key's password */

	/* Static-host behaviour (fallback.c) */
	const char *not_found_page; /* 404 body beneath the root; NULL: none */
	bool not_found_page_given;  /* --404: must exist at start-up */
	const char *spa_page;       /* --spa entry page; NULL: off */
	bool clean_urls;            /* /about from about.html */
	bool isolate;               /* COOP, COEP and CORP on every answer */

	/* Listing and logging */
	bool no_listing;           /* 403 instead of a directory listing */
	bool qr;                   /* the LAN URL as a QR code: terminal, listings */
	bool archives;             /* ?download=tar|tar.gz|zip on listed folders */
	bool readme;               /* README.md rendered below listings */
	bool live_reload;          /* inject the reload script, serve its stream */
	const char *log_file;      /* append the access log here */
	const char *log_format;    /* "python" (default), "common", "combined" */
};

/* Fills cfg from argv. Prints usage and exits 0 for --help and --version;
 * prints one line to stderr and exits EXIT_USAGE for a bad command line. */
void config_parse(struct config *cfg, int argc, char **argv);

#endif
