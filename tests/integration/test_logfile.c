/* Integration: --log FILE (append, reopened on SIGHUP), --log-format
 * common|combined, --quiet, and --version's feature line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#define WAIT_MS 5000

static struct fixture fx;
static char log_path[400], rotated[420];

static int group_setup(void **state)
{
	(void)state;
	if (fixture_standard_site(&fx) < 0)
		return -1;
	snprintf(log_path, sizeof(log_path), "%s/access.log", fx.parent);
	snprintf(rotated, sizeof(rotated), "%s/access.log.1", fx.parent);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(log_path);
	unlink(rotated);
	fixture_destroy(&fx);
	return 0;
}

static void get_ok(int port, const char *raw)
{
	struct http_reply r;
	assert_int_equal(client_exchange(port, raw, strlen(raw), false, &r), CLIENT_OK);
	reply_free(&r);
}

/* Whole lines of path, waiting (bounded) until it has at least want. */
static char *read_lines(const char *path, int want)
{
	for (int i = 0; i < WAIT_MS / 10; i++) {
		FILE *f = fopen(path, "r");
		if (f) {
			static char buf[8192];
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
			buf[n] = '\0';
			int lines = 0;
			for (size_t k = 0; k < n; k++)
				lines += buf[k] == '\n';
			if (lines >= want)
				return buf;
		}
		harness_pump(10);
	}
	return NULL;
}

static void combined_format_to_file_and_reopen_on_sighup(void **state)
{
	(void)state;
	unlink(log_path);
	unlink(rotated);
	struct test_server s;
	const char *extra[] = {"--log", log_path, "--log-format", "combined", NULL};
	assert_int_equal(harness_start(&s, fx.root, extra), 0);
	get_ok(s.port, "GET /hello.txt HTTP/1.1\r\nHost: h\r\nReferer: http://r/\r\n"
		       "User-Agent: t \"q\"\r\nConnection: close\r\n\r\n");
	char *log = read_lines(log_path, 1);
	assert_non_null(log);
	assert_true(harness_match(log, "^127\\.0\\.0\\.1 - - \\[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:"
				       "[0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}\\] "
				       "\"GET /hello\\.txt HTTP/1\\.1\" 200 14 \"http://r/\" "
				       "\"t \\\\x22q\\\\x22\"\n$"));
	/* logrotate: move the file away, SIGHUP, the next line lands in a
	 * new file at the old name */
	assert_int_equal(rename(log_path, rotated), 0);
	assert_int_equal(kill(s.pid, SIGHUP), 0);
	/* the reopen happens in the parent's loop; a request after it must
	 * be forked from the reopened state: retry until the line shows */
	char *fresh = NULL;
	for (int i = 0; i < 50 && !fresh; i++) {
		get_ok(s.port, "GET /empty.txt HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
		fresh = read_lines(log_path, 1);
	}
	assert_non_null(fresh);
	assert_non_null(strstr(fresh, "\"GET /empty.txt HTTP/1.1\" 200 - \"-\" \"-\""));
	assert_null(strstr(fresh, "hello.txt"));
	assert_int_equal(harness_stop(&s), 0);
	/* nothing of the access log went to stderr */
	assert_false(harness_contains(s.err.data, s.err.len, "GET /"));
}

static void common_format_has_no_python_error_line(void **state)
{
	(void)state;
	unlink(log_path);
	struct test_server s;
	const char *extra[] = {"--log", log_path, "--log-format", "common", NULL};
	assert_int_equal(harness_start(&s, fx.root, extra), 0);
	get_ok(s.port, "GET /nope HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
	char *log = read_lines(log_path, 1);
	assert_non_null(log);
	assert_true(harness_match(log, "^127\\.0\\.0\\.1 - - \\[[^]]+\\] \"GET /nope HTTP/1\\.1\" "
				       "404 [0-9]+\n$"));
	assert_int_equal(harness_stop(&s), 0);
}

static void quiet_logs_nothing(void **state)
{
	(void)state;
	struct test_server s;
	const char *extra[] = {"--quiet", NULL};
	assert_int_equal(harness_start(&s, fx.root, extra), 0);
	get_ok(s.port, "GET /nope HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
	get_ok(s.port, "GET /hello.txt HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
	assert_int_equal(harness_stop(&s), 0);
	assert_false(harness_contains(s.err.data, s.err.len, "GET"));
	assert_false(harness_contains(s.err.data, s.err.len, "code 404"));
}

static void unwritable_log_file_fails_at_start(void **state)
{
	(void)state;
	const char *args[] = {"-b", "127.0.0.1", "-p", "1", "-d", fx.root, "--log",
			      "/nonexistent-dir/x.log", NULL};
	struct run_result r;
	assert_int_equal(harness_run_server(args, NULL, WAIT_MS, &r), 0);
	assert_int_equal(r.exit_code, 1);
	assert_true(harness_contains(r.err.data, r.err.len, "cannot open log file"));
	run_result_free(&r);
}

static void version_names_features(void **state)
{
	(void)state;
	const char *args[] = {"--version", NULL};
	struct run_result r;
	assert_int_equal(harness_run_server(args, NULL, WAIT_MS, &r), 0);
	assert_int_equal(r.exit_code, 0);
	assert_true(harness_match(r.out.data, "^httpd-lite [0-9]+\\.[0-9]+\\.[0-9]+\n"
					      "features: tls=(on|off) "));
	run_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(combined_format_to_file_and_reopen_on_sighup),
		cmocka_unit_test(common_format_has_no_python_error_line),
		cmocka_unit_test(quiet_logs_nothing),
		cmocka_unit_test(unwritable_log_file_fails_at_start),
		cmocka_unit_test(version_names_features),
	};
	return cmocka_run_group_tests_name("logfile", tests, group_setup, group_teardown);
}
