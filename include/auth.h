/* auth: HTTP Basic authentication (RFC 7617) for --auth and --auth-file.
 *
 * The users are loaded once, in the parent, before the first fork (and
 * before a chroot), so every child inherits the same read-only table and
 * never opens the file itself. A password is either kept as given or, in
 * the file, as a crypt(3) hash ("$6$..." SHA-512, or any other method
 * libcrypt knows: "$y$", "$5$", "$2b$"). Comparisons take the same time
 * whatever the bytes, and an unknown user costs the same as a known one. */
#ifndef HTTPD_LITE_AUTH_H
#define HTTPD_LITE_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define AUTH_REALM "httpd-lite"
/* The WWW-Authenticate value sent with every 401. */
#define AUTH_CHALLENGE "Basic realm=\"" AUTH_REALM "\""
/* Longest user name, password or hash (bytes); longer lines are refused
 * when loading, longer credentials never match. */
#define AUTH_FIELD_MAX 255
#define AUTH_USERS_MAX 10000

struct auth_user {
	char name[AUTH_FIELD_MAX + 1];   /* zero-padded: compared whole */
	char secret[AUTH_FIELD_MAX + 1]; /* password, or crypt(3) hash */
	bool hashed;
};

struct auth {
	struct auth_user *users;
	size_t count;
	bool on; /* --auth or --auth-file given: every request must match */
};

/* Add "user:password" (a plain password, as --auth gives it). Returns 0,
 * or -1 with a reason in *why. */
int auth_add_plain(struct auth *a, const char *user_pass, const char **why);

/* Add one line of an auth file: "user:password" or "user:$id$...hash".
 * Returns 0, or -1 with a reason in *why. */
int auth_add_line(struct auth *a, const char *line, size_t len, const char **why);

/* Load every line of path ('#' comments and blank lines skipped, CRLF
 * accepted). Returns 0, or -1 with *line_no (0: the file itself, then
 * errno says why) and *why. */
int auth_load_file(struct auth *a, const char *path, unsigned *line_no, const char **why);

/* true if the Authorization header value (NULL when absent) names a user
 * of a with the right password. */
bool auth_verify(const struct auth *a, const char *authorization);

void auth_free(struct auth *a);

/* ---- the site's table -------------------------------------------------- */

/* At start-up: --auth and --auth-file into a (zeroed). A bad file is one
 * line on stderr and exit EXIT_USAGE. */
void auth_configure(struct auth *a, const struct config *cfg);

/* true when the request may go on: no authentication configured, or the
 * Authorization header value (may be NULL) is right. */
bool auth_allows(const struct auth *a, const char *authorization);

#endif
