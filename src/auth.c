/* auth.c: HTTP Basic authentication, see auth.h.
 *
 * Timing: names and secrets live in zero-padded fixed-size arrays and are
 * compared whole, every byte, with no early exit, so neither the length
 * nor the first wrong byte of a guess shows in the response time. Every
 * user is compared; when none matches, the first user's secret is still
 * checked (and thrown away), so an unknown name costs what a known one
 * costs, crypt(3) included. Nothing here ever logs a name or a password:
 * error messages name the line, never its content. */
#include "auth.h"

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

/* "Basic " plus the base64 of "user:password" at the longest. */
#define AUTH_B64_MAX (((2 * AUTH_FIELD_MAX + 1) + 2) / 3 * 4)
#define AUTH_LINE_MAX (2 * AUTH_FIELD_MAX + 2)

/* Every byte of both arrays, always. */
static bool same_bytes(const char *a, const char *b, size_t n)
{
	unsigned char diff = 0;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

/* A scratch area for crypt_r: one check at a time per process. */
static struct crypt_data crypt_scratch;

static const char *hash_of(const char *password, const char *setting)
{
	const char *h = crypt_r(password, setting, &crypt_scratch);
	return h && h[0] != '*' ? h : NULL; /* "*0", "*1": failure tokens */
}

/* crypt(3) recomputes a hash from its own setting: a well-formed hash
 * gives back one of the same method, salt and length. */
static bool valid_hash(const char *hash)
{
	const char *h = hash_of("probe", hash);
	if (!h || strlen(h) != strlen(hash))
		return false;
	const char *last = strrchr(hash, '$');
	return strncmp(h, hash, (size_t)(last - hash) + 1) == 0;
}

static bool secret_matches(const struct auth_user *u, const char pass[AUTH_FIELD_MAX + 1])
{
	if (!u->hashed)
		return same_bytes(u->secret, pass, AUTH_FIELD_MAX + 1);
	char got[AUTH_FIELD_MAX + 1] = {0};
	const char *h = hash_of(pass, u->secret);
	if (h && strlen(h) <= AUTH_FIELD_MAX)
		memcpy(got, h, strlen(h));
	bool ok = same_bytes(u->secret, got, sizeof(got));
	return h && ok;
}

/* ---- building the table ------------------------------------------------- */

static bool name_taken(const struct auth *a, const char *name)
{
	for (size_t i = 0; i < a->count; i++)
		if (strcmp(a->users[i].name, name) == 0)
			return true;
	return false;
}

static int add_user(struct auth *a, const char *user, size_t ulen, const char *secret,
		    size_t slen, bool may_hash, const char **why)
{
	if (ulen == 0) {
		*why = "empty user name";
		return -1;
	}
	if (ulen > AUTH_FIELD_MAX || slen > AUTH_FIELD_MAX) {
		*why = "user name or password too long";
		return -1;
	}
	if (memchr(user, '\0', ulen) || memchr(secret, '\0', slen)) {
		*why = "NUL byte";
		return -1;
	}
	if (a->count == AUTH_USERS_MAX) {
		*why = "too many users";
		return -1;
	}
	struct auth_user u = {.hashed = may_hash && slen > 0 && secret[0] == '$'};
	memcpy(u.name, user, ulen);
	memcpy(u.secret, secret, slen);
	if (name_taken(a, u.name)) {
		*why = "user listed twice";
		return -1;
	}
	if (u.hashed && !valid_hash(u.secret)) {
		*why = "not a crypt(3) hash this system knows";
		return -1;
	}
	struct auth_user *grown = realloc(a->users, (a->count + 1) * sizeof(*grown));
	if (!grown) {
		*why = "out of memory";
		return -1;
	}
	a->users = grown;
	a->users[a->count++] = u;
	return 0;
}

int auth_add_plain(struct auth *a, const char *user_pass, const char **why)
{
	const char *colon = strchr(user_pass, ':');
	if (!colon) {
		*why = "expected USER:PASSWORD";
		return -1;
	}
	return add_user(a, user_pass, (size_t)(colon - user_pass), colon + 1, strlen(colon + 1),
			false, why);
}

int auth_add_line(struct auth *a, const char *line, size_t len, const char **why)
{
	const char *colon = memchr(line, ':', len);
	if (!colon) {
		*why = "expected user:password or user:hash";
		return -1;
	}
	size_t ulen = (size_t)(colon - line);
	return add_user(a, line, ulen, colon + 1, len - ulen - 1, true, why);
}

static bool blank_or_comment(const char *line, size_t len)
{
	return len == 0 || line[0] == '#';
}

int auth_load_file(struct auth *a, const char *path, unsigned *line_no, const char **why)
{
	*line_no = 0;
	FILE *f = fopen(path, "re");
	if (!f) {
		*why = NULL;
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;
	errno = 0;
	while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
		++*line_no;
		size_t len = (size_t)n;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len > AUTH_LINE_MAX) {
			*why = "line too long";
			rc = -1;
		} else if (!blank_or_comment(line, len)) {
			rc = auth_add_line(a, line, len, why);
		}
	}
	if (rc == 0 && ferror(f)) {
		*line_no = 0;
		*why = NULL;
		rc = -1;
	}
	/* The line may hold a password: do not leave it in freed memory. */
	if (line)
		explicit_bzero(line, cap);
	free(line);
	fclose(f);
	return rc;
}

void auth_free(struct auth *a)
{
	if (a->users)
		explicit_bzero(a->users, a->count * sizeof(*a->users));
	free(a->users);
	a->users = NULL;
	a->count = 0;
}

/* ---- checking a request ------------------------------------------------- */

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Standard base64, padding optional; -1 for anything else. */
static long b64_decode(const char *in, size_t len, char *out, size_t outsz)
{
	while (len > 0 && in[len - 1] == '=')
		len--;
	if (len % 4 == 1 || len / 4 * 3 + 3 > outsz)
		return -1;
	size_t o = 0;
	unsigned acc = 0, bits = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64_value((unsigned char)in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	return (long)o;
}

/* "user:password" (n bytes) into zero-padded user and pass. */
static bool split_credentials(const char *dec, size_t n, char user[AUTH_FIELD_MAX + 1],
			      char pass[AUTH_FIELD_MAX + 1])
{
	const char *colon = memchr(dec, ':', n);
	if (!colon || memchr(dec, '\0', n))
		return false;
	size_t ulen = (size_t)(colon - dec);
	size_t plen = n - ulen - 1;
	if (ulen > AUTH_FIELD_MAX || plen > AUTH_FIELD_MAX)
		return false;
	memcpy(user, dec, ulen);
	memcpy(pass, colon + 1, plen);
	return true;
}

/* "Basic <base64 of user:password>" into zero-padded user and pass. */
static bool parse_basic(const char *h, char user[AUTH_FIELD_MAX + 1],
			char pass[AUTH_FIELD_MAX + 1])
{
	if (!h)
		return false;
	while (*h == ' ' || *h == '\t')
		h++;
	if (strncasecmp(h, "Basic", 5) != 0 || (h[5] != ' ' && h[5] != '\t'))
		return false;
	h += 5;
	while (*h == ' ' || *h == '\t')
		h++;
	size_t len = strlen(h);
	while (len > 0 && (h[len - 1] == ' ' || h[len - 1] == '\t'))
		len--;
	char dec[AUTH_B64_MAX];
	long n = len <= AUTH_B64_MAX ? b64_decode(h, len, dec, sizeof(dec)) : -1;
	bool ok = n >= 0 && split_credentials(dec, (size_t)n, user, pass);
	explicit_bzero(dec, sizeof(dec));
	return ok;
}

bool auth_verify(const struct auth *a, const char *authorization)
{
	char user[AUTH_FIELD_MAX + 1] = {0};
	char pass[AUTH_FIELD_MAX + 1] = {0};
	if (a->count == 0 || !parse_basic(authorization, user, pass))
		return false;
	size_t match = a->count;
	for (size_t i = 0; i < a->count; i++)
		if (same_bytes(a->users[i].name, user, sizeof(user)))
			match = i;
	bool ok = secret_matches(&a->users[match < a->count ? match : 0], pass);
	explicit_bzero(pass, sizeof(pass));
	return match < a->count && ok;
}

/* ---- the site's table --------------------------------------------------- */

void auth_configure(struct auth *a, const struct config *cfg)
{
	const char *why = NULL;
	a->on = cfg->auth || cfg->auth_file;
	if (cfg->auth && auth_add_plain(a, cfg->auth, &why) < 0)
		log_die(EXIT_USAGE, "invalid --auth: %s", why);
	if (!cfg->auth_file)
		return;
	unsigned line;
	size_t before = a->count;
	if (auth_load_file(a, cfg->auth_file, &line, &why) < 0) {
		if (line == 0)
			log_die(EXIT_USAGE, "cannot read --auth-file '%s':", cfg->auth_file);
		log_die(EXIT_USAGE, "--auth-file '%s' line %u: %s", cfg->auth_file, line, why);
	}
	if (a->count == before)
		log_die(EXIT_USAGE, "--auth-file '%s': no users in it", cfg->auth_file);
}

bool auth_allows(const struct auth *a, const char *authorization)
{
	return !a->on || auth_verify(a, authorization);
}
