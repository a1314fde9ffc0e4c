/* upload (unit; the integration suite is test_upload.c): the pure pieces -- which names are temporary (never listed or
 * served), when --upload warns at start-up (loopback or not, auth or
 * not), and the listing's control (made by script, names never as HTML). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include "upload.h"

static void test_temp_names(void **state)
{
	(void)state;
	assert_true(upload_is_temp_name(".httpd-lite-upload.123.1.abcdef"));
	assert_true(upload_is_temp_name(".httpd-lite-upload."));
	assert_false(upload_is_temp_name(".httpd-lite-upload"));
	assert_false(upload_is_temp_name("x.httpd-lite-upload.1"));
	assert_false(upload_is_temp_name(".hidden"));
	assert_false(upload_is_temp_name(""));
	assert_true(upload_is_temp_path("a/b/.httpd-lite-upload.9"));
	assert_true(upload_is_temp_path(".httpd-lite-upload.9"));
	assert_false(upload_is_temp_path(".httpd-lite-upload.9/x"));
	assert_false(upload_is_temp_path("a/b"));
	assert_false(upload_is_temp_path(""));
}

/* What upload_warn_if_exposed writes on stderr, into out. */
static void warning_for(const struct config *cfg, const struct sockaddr_storage *ss, char *out,
			size_t size)
{
	int p[2];
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	int saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
	upload_warn_if_exposed(cfg, ss);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	close(p[1]);
	ssize_t n = read(p[0], out, size - 1);
	out[n > 0 ? n : 0] = '\0';
	close(p[0]);
}

static struct sockaddr_storage v4(const char *a)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	in->sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, a, &in->sin_addr), 1);
	return ss;
}

static struct sockaddr_storage v6(const char *a)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in6 *in = (struct sockaddr_in6 *)&ss;
	in->sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, a, &in->sin6_addr), 1);
	return ss;
}

static void test_warning_beyond_loopback(void **state)
{
	struct config cfg = {.upload = true};
	char out[512];
	(void)state;
	const char *exposed[] = {"0.0.0.0", "192.168.1.5", "10.0.0.1"};
	for (size_t i = 0; i < 3; i++) {
		struct sockaddr_storage ss = v4(exposed[i]);
		warning_for(&cfg, &ss, out, sizeof(out));
		assert_non_null(strstr(out, "warning: --upload without --auth"));
	}
	const char *exposed6[] = {"::", "2001:db8::1", "::ffff:192.168.1.5"};
	for (size_t i = 0; i < 3; i++) {
		struct sockaddr_storage ss = v6(exposed6[i]);
		warning_for(&cfg, &ss, out, sizeof(out));
		assert_non_null(strstr(out, "warning:"));
	}
}

static void test_no_warning(void **state)
{
	struct config cfg = {.upload = true};
	char out[512];
	struct sockaddr_storage ss;
	(void)state;
	ss = v4("127.0.0.1");
	warning_for(&cfg, &ss, out, sizeof(out));
	assert_string_equal(out, "");
	ss = v4("127.3.2.1");
	warning_for(&cfg, &ss, out, sizeof(out));
	assert_string_equal(out, "");
	ss = v6("::1");
	warning_for(&cfg, &ss, out, sizeof(out));
	assert_string_equal(out, "");
	ss = v6("::ffff:127.0.0.1");
	warning_for(&cfg, &ss, out, sizeof(out));
	assert_string_equal(out, "");
	/* Beyond loopback, but with a password or without --upload. */
	ss = v4("0.0.0.0");
	cfg.auth = "u:p";
	warning_for(&cfg, &ss, out, sizeof(out));
	assert_string_equal(out, "");
	cfg.auth = NULL;
	cfg.auth_file = "/dev/null";
	warning_for(&cfg, &ss, out, sizeof(out));
	assert_string_equal(out, "");
	cfg = (struct config){.upload = false};
	warning_for(&cfg, &ss, out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_listing_control(void **state)
{
	(void)state;
	const char *h = upload_listing_html();
	assert_true(strncmp(h, "<script>\n", 9) == 0);
	assert_non_null(strstr(h, "</script>\n"));
	assert_non_null(strstr(h, "XMLHttpRequest"));
	assert_non_null(strstr(h, "\"PUT\""));
	assert_non_null(strstr(h, "encodeURIComponent(job.file.name)"));
	assert_non_null(strstr(h, "upload.onprogress"));
	/* File names reach the page as text only. */
	assert_null(strstr(h, "innerHTML"));
	/* Nothing in it could end the script early. */
	assert_ptr_equal(strstr(h, "</"), strstr(h, "</script>\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_temp_names),
		cmocka_unit_test(test_warning_beyond_loopback),
		cmocka_unit_test(test_no_warning),
		cmocka_unit_test(test_listing_control),
	};
	return cmocka_run_group_tests_name("upload", tests, NULL, NULL);
}
