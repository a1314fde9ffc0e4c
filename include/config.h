/* config: the command line → struct config. Every flag is validated here,
 * so the rest of the server can trust its configuration. */
#ifndef HTTPD_LITE_CONFIG_H
#define HTTPD_LITE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define CONFIG_DEFAULT_PORT 8000
#define CONFIG_DEFAULT_BACKLOG 1024
#define CONFIG_DEFAULT_MAX_CLIENTS 1024
#define CONFIG_DEFAULT_HEADER_TIMEOUT_MS 10000
#define CONFIG_DEFAULT_IDLE_TIMEOUT_MS 5000
#define CONFIG_DEFAULT_SEND_TIMEOUT_MS 30000
#define CONFIG_DEFAULT_MAX_BODY (1024 * 1024)

/* Exit statuses, as documented in README.md and --help. */
#define EXIT_USAGE 2 /* bad command line */
#define EXIT_RUNTIME 1 /* could not start: bind failed, and so on */

struct config {
	const char *bind;   /* NULL: every interface, dual-stack */
	uint16_t port;
	const char *root;   /* directory to serve */
	int backlog;
	unsigned max_clients;
	unsigned header_timeout_ms; /* whole request head, first byte to last */
	unsigned idle_timeout_ms;   /* between keep-alive requests */
	unsigned send_timeout_ms;   /* a client that stops reading */
	uint64_t max_body;          /* request body bytes read and discarded */
	bool trace;
	bool quiet;
};

/* Fills cfg from argv. Prints usage and exits 0 for --help and --version;
 * prints one line to stderr and exits EXIT_USAGE for a bad command line. */
void config_parse(struct config *cfg, int argc, char **argv);

#endif
