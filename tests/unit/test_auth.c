/* Unit tests for auth: Basic credentials against plain and crypt(3)
 * passwords, hostile Authorization values, and auth files. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"

static void b64(const char *in, size_t len, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned char)in[i] << 16;
		if (i + 1 < len)
			v |= (unsigned char)in[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)in[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? tab[v & 63] : '=';
	}
	out[o] = '\0';
}

/* "Basic " + base64(creds) */
static const char *basic(const char *creds)
{
	static char h[2048];
	strcpy(h, "Basic ");
	b64(creds, strlen(creds), h + 6);
	return h;
}

static char *sha512_hash(const char *password)
{
	static struct crypt_data cd;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	assert_non_null(crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)));
	char *h = crypt_r(password, salt, &cd);
	assert_non_null(h);
	assert_true(strncmp(h, "$6$", 3) == 0);
	return strdup(h);
}

static void add_line_ok(struct auth *a, const char *line)
{
	const char *why = NULL;
	if (auth_add_line(a, line, strlen(line), &why) != 0)
		fail_msg("\"%s\" refused: %s", line, why);
}

static void add_line_refused(const char *line)
{
	struct auth a = { 0 };
	const char *why = NULL;
	assert_int_equal(auth_add_line(&a, line, strlen(line), &why), -1);
	assert_non_null(why);
	auth_free(&a);
}

static void plain_password(void **state)
{
	struct auth a = { 0 };
	const char *why;
	(void)state;
	assert_int_equal(auth_add_plain(&a, "alice:s3cret", &why), 0);
	assert_true(auth_verify(&a, basic("alice:s3cret")));
	assert_false(auth_verify(&a, basic("alice:s3cre")));
	assert_false(auth_verify(&a, basic("alice:s3crett")));
	assert_false(auth_verify(&a, basic("alice:S3cret")));
	assert_false(auth_verify(&a, basic("alic:s3cret")));
	assert_false(auth_verify(&a, basic("alicee:s3cret")));
	assert_false(auth_verify(&a, basic("bob:s3cret")));
	assert_false(auth_verify(&a, basic(":s3cret")));
	assert_false(auth_verify(&a, basic("alice:")));
	assert_false(auth_verify(&a, basic("alice")));
	assert_false(auth_verify(&a, NULL));
	assert_false(auth_verify(&a, ""));
	auth_free(&a);
}

static void password_with_colon(void **state)
{
	struct auth a = { 0 };
	const char *why;
	(void)state;
	assert_int_equal(auth_add_plain(&a, "u:a:b:c", &why), 0);
	assert_true(auth_verify(&a, basic("u:a:b:c")));
	assert_false(auth_verify(&a, basic("u:a")));
	assert_false(auth_verify(&a, basic("u:a:b")));
	auth_free(&a);
}

static void scheme_and_spacing(void **state)
{
	struct auth a = { 0 };
	const char *why;
	char h[256];
	char enc[128];
	(void)state;
	assert_int_equal(auth_add_plain(&a, "alice:pw", &why), 0);
	b64("alice:pw", 8, enc);
	snprintf(h, sizeof(h), "basic %s", enc);
	assert_true(auth_verify(&a, h));
	snprintf(h, sizeof(h), "BASIC \t  %s  ", enc);
	assert_true(auth_verify(&a, h));
	/* without padding */
	snprintf(h, sizeof(h), "Basic %.*s", (int)strcspn(enc, "="), enc);
	assert_true(auth_verify(&a, h));
	snprintf(h, sizeof(h), "Basic%s", enc);
	assert_false(auth_verify(&a, h));
	snprintf(h, sizeof(h), "Bearer %s", enc);
	assert_false(auth_verify(&a, h));
	snprintf(h, sizeof(h), "Digest %s", enc);
	assert_false(auth_verify(&a, h));
	snprintf(h, sizeof(h), "Basic %s x", enc);
	assert_false(auth_verify(&a, h));
	auth_free(&a);
}

static void hostile_headers(void **state)
{
	static char big[8192];
	struct auth a = { 0 };
	const char *why;
	(void)state;
	assert_int_equal(auth_add_plain(&a, "alice:pw", &why), 0);
	assert_false(auth_verify(&a, "Basic"));
	assert_false(auth_verify(&a, "Basic "));
	assert_false(auth_verify(&a, "Basic ="));
	assert_false(auth_verify(&a, "Basic ===="));
	assert_false(auth_verify(&a, "Basic A"));
	assert_false(auth_verify(&a, "Basic !!!!"));
	assert_false(auth_verify(&a, "Basic YWxp Y2U6cHc="));
	assert_false(auth_verify(&a, "Basic YWxpY2U6cHc=YWxp"));
	/* "alice\0:pw" and "alice:pw\0" */
	assert_false(auth_verify(&a, "Basic YWxpY2UAOnB3"));
	assert_false(auth_verify(&a, "Basic YWxpY2U6cHcA"));
	/* far too long, and just over the field limit */
	memset(big, 'A', sizeof(big) - 1);
	memcpy(big, "Basic ", 6);
	assert_false(auth_verify(&a, big));
	char creds[AUTH_FIELD_MAX + 16];
	memset(creds, 'p', sizeof(creds) - 1);
	creds[sizeof(creds) - 1] = '\0';
	memcpy(creds, "alice:", 6);
	assert_false(auth_verify(&a, basic(creds)));
	auth_free(&a);
}

static void longest_fields_accepted(void **state)
{
	char user[AUTH_FIELD_MAX + 1], line[2 * AUTH_FIELD_MAX + 2];
	struct auth a = { 0 };
	const char *why;
	(void)state;
	memset(user, 'u', AUTH_FIELD_MAX);
	user[AUTH_FIELD_MAX] = '\0';
	snprintf(line, sizeof(line), "%s:%s", user, user);
	assert_int_equal(auth_add_plain(&a, line, &why), 0);
	assert_true(auth_verify(&a, basic(line)));
	auth_free(&a);
	char longer[2 * AUTH_FIELD_MAX + 4];
	snprintf(longer, sizeof(longer), "%s:%sx", user, user);
	assert_int_equal(auth_add_plain(&a, longer, &why), -1);
	auth_free(&a);
}

static void sha512_hash_line(void **state)
{
	struct auth a = { 0 };
	char line[512];
	(void)state;
	char *h = sha512_hash("correct horse");
	snprintf(line, sizeof(line), "bob:%s", h);
	add_line_ok(&a, line);
	add_line_ok(&a, "carol:plain-pw");
	assert_true(auth_verify(&a, basic("bob:correct horse")));
	assert_false(auth_verify(&a, basic("bob:correct hors")));
	assert_false(auth_verify(&a, basic("bob:")));
	/* the hash itself is not the password */
	snprintf(line, sizeof(line), "bob:%s", h);
	assert_false(auth_verify(&a, basic(line)));
	assert_true(auth_verify(&a, basic("carol:plain-pw")));
	assert_false(auth_verify(&a, basic("carol:correct horse")));
	assert_false(auth_verify(&a, basic("dave:correct horse")));
	free(h);
	auth_free(&a);
}

static void other_crypt_methods(void **state)
{
	static const char *const prefixes[] = { "$5$", "$y$", "$2b$" };
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	(void)state;
	assert_non_null(cd);
	for (size_t i = 0; i < 3; i++) {
		char salt[CRYPT_GENSALT_OUTPUT_SIZE], line[512];
		struct auth a = { 0 };
		if (!crypt_gensalt_rn(prefixes[i], 0, NULL, 0, salt, sizeof(salt)))
			continue; /* not built into this libcrypt */
		char *h = crypt_r("pw", salt, cd);
		assert_non_null(h);
		snprintf(line, sizeof(line), "u:%s", h);
		add_line_ok(&a, line);
		assert_true(auth_verify(&a, basic("u:pw")));
		assert_false(auth_verify(&a, basic("u:pW")));
		auth_free(&a);
	}
	free(cd);
}

static void bad_lines_refused(void **state)
{
	(void)state;
	add_line_refused("no colon here");
	add_line_refused(":password");
	add_line_refused("u:$6$");
	add_line_refused("u:$6$salt$tooshort");
	add_line_refused("u:$junk$x");
	add_line_refused("u:$");
	struct auth a = { 0 };
	add_line_ok(&a, "u:one");
	const char *why = NULL;
	assert_int_equal(auth_add_line(&a, "u:two", 5, &why), -1);
	assert_string_equal(why, "user listed twice");
	auth_free(&a);
}

static void write_tmp(char *path, const char *content)
{
	strcpy(path, "/tmp/test_auth.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

static void auth_file_loaded(void **state)
{
	char path[64], content[1024];
	struct auth a = { 0 };
	unsigned line = 99;
	const char *why = NULL;
	(void)state;
	char *h = sha512_hash("hashed pw");
	snprintf(content, sizeof(content),
		 "# users\n\nalice:alice pw\r\n   \nbob:%s\n#carol:x\nlast:no newline", h);
	free(h);
	write_tmp(path, content);
	/* "   " is not blank: a line of spaces is a (bad) entry */
	assert_int_equal(auth_load_file(&a, path, &line, &why), -1);
	assert_int_equal(line, 4);
	auth_free(&a);
	snprintf(content, sizeof(content), "%s", "# users\n\nalice:alice pw\r\nlast:x");
	unlink(path);
	write_tmp(path, content);
	assert_int_equal(auth_load_file(&a, path, &line, &why), 0);
	assert_int_equal(a.count, 2);
	assert_true(auth_verify(&a, basic("alice:alice pw")));
	assert_false(auth_verify(&a, basic("alice:alice pw\r")));
	assert_true(auth_verify(&a, basic("last:x")));
	assert_false(auth_verify(&a, basic("#carol:x")));
	auth_free(&a);
	unlink(path);
}

static void auth_file_errors(void **state)
{
	char path[64];
	struct auth a = { 0 };
	unsigned line = 99;
	const char *why = "x";
	(void)state;
	errno = 0;
	assert_int_equal(auth_load_file(&a, "/nonexistent/auth", &line, &why), -1);
	assert_int_equal(line, 0);
	assert_int_equal(errno, ENOENT);
	write_tmp(path, "a:1\nb:2\nbroken\nd:4\n");
	assert_int_equal(auth_load_file(&a, path, &line, &why), -1);
	assert_int_equal(line, 3);
	assert_non_null(why);
	auth_free(&a);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_password),
		cmocka_unit_test(password_with_colon),
		cmocka_unit_test(scheme_and_spacing),
		cmocka_unit_test(hostile_headers),
		cmocka_unit_test(longest_fields_accepted),
		cmocka_unit_test(sha512_hash_line),
		cmocka_unit_test(other_crypt_methods),
		cmocka_unit_test(bad_lines_refused),
		cmocka_unit_test(auth_file_loaded),
		cmocka_unit_test(auth_file_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
