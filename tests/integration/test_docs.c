/* Integration: the three places that document the flags agree.
 *
 * Every long flag that `httpd-lite --help` prints must have a row in the
 * README's flag table (a line beginning with '|') and an option entry in
 * the man page (a .B/.BR/.BI line right after .TP); and every flag those
 * rows and entries name must be one --help knows. The README and man page
 * are read from the source tree: $HTTPD_LITE_SRCDIR, else the directory
 * the Makefile compiled in, else the current directory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#ifndef HTTPD_LITE_SRCDIR
#define HTTPD_LITE_SRCDIR "."
#endif

#define RUN_MS 3000
#define FLAGS_MAX 128
#define FLAG_LEN 48
/* Fewer flags than this out of --help means the extraction broke, not
 * that the server lost its options. */
#define FLAGS_EXPECTED_MIN 25

struct flag_list {
	char names[FLAGS_MAX][FLAG_LEN];
	size_t n;
};

static struct flag_list help_flags;

static const char *srcdir(void)
{
	const char *env = getenv("HTTPD_LITE_SRCDIR");
	return env && *env ? env : HTTPD_LITE_SRCDIR;
}

/* The whole file into a NUL-terminated buffer, or NULL. */
static char *read_source_file(const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", srcdir(), name);
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "cannot open %s (set HTTPD_LITE_SRCDIR?)\n", path);
		return NULL;
	}
	struct hbuf b = {0};
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		hbuf_append(&b, chunk, n);
	bool failed = ferror(f) != 0;
	fclose(f);
	if (failed) {
		hbuf_free(&b);
		return NULL;
	}
	hbuf_append(&b, "", 0); /* an empty file still gets a buffer */
	return b.data;
}

/* roff writes a hyphen as "\-": make "\-\-port" read "--port". */
static void unescape_roff_hyphens(char *s)
{
	char *out = s;
	for (const char *in = s; *in; in++) {
		if (in[0] == '\\' && in[1] == '-')
			in++;
		*out++ = *in;
	}
	*out = '\0';
}

static bool is_flag_char(char c)
{
	return islower((unsigned char)c) || isdigit((unsigned char)c) || c == '-';
}

static bool flag_list_has(const struct flag_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->names[i], name) == 0)
			return true;
	return false;
}

/* Every "--name" token in [s, end) (name: a lower-case letter, then
 * letters, digits, hyphens), added once each. */
static void collect_flags(const char *s, const char *end, struct flag_list *l)
{
	for (const char *p = s; p + 2 < end; p++) {
		if (p[0] != '-' || p[1] != '-' || !islower((unsigned char)p[2]) ||
		    (p > s && is_flag_char(p[-1])))
			continue; /* not a flag: "---" of a table rule, "a--b" */
		const char *q = p + 2;
		while (q < end && is_flag_char(*q))
			q++;
		size_t len = (size_t)(q - p);
		if (len > 2 && len < FLAG_LEN && l->n < FLAGS_MAX) {
			char name[FLAG_LEN];
			memcpy(name, p, len);
			name[len] = '\0';
			if (!flag_list_has(l, name))
				strcpy(l->names[l->n++], name);
		}
		p = q - 1;
	}
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The flags named on the README's table rows (lines starting with '|'). */
static void readme_table_flags(const char *text, struct flag_list *l)
{
	for (const char *line = text; *line;) {
		const char *eol = strchr(line, '\n');
		const char *end = eol ? eol : line + strlen(line);
		if (line[0] == '|')
			collect_flags(line, end, l);
		line = eol ? eol + 1 : end;
	}
}

/* The flags named by the man page's option entries: the .B, .BR or .BI
 * line that follows each .TP. */
static void man_entry_flags(const char *text, struct flag_list *l)
{
	bool after_tp = false;
	for (const char *line = text; *line;) {
		const char *eol = strchr(line, '\n');
		const char *end = eol ? eol : line + strlen(line);
		if (after_tp && starts_with(line, ".B"))
			collect_flags(line, end, l);
		after_tp = starts_with(line, ".TP");
		line = eol ? eol + 1 : end;
	}
}

static int group_setup(void **state)
{
	const char *args[] = { "--help", NULL };
	struct run_result r;

	(void)state;
	if (harness_run_server(args, NULL, RUN_MS, &r) != 0 || r.exit_code != 0) {
		fprintf(stderr, "%s --help did not run\n", harness_bin());
		return -1;
	}
	collect_flags(r.out.data, r.out.data + r.out.len, &help_flags);
	run_result_free(&r);
	return 0;
}

/* Each flag of `have` that `want` lacks is printed; the count returned. */
static size_t report_missing(const struct flag_list *have, const struct flag_list *want,
			     const char *what)
{
	size_t missing = 0;
	for (size_t i = 0; i < have->n; i++) {
		if (!flag_list_has(want, have->names[i])) {
			fprintf(stderr, "%s: %s\n", what, have->names[i]);
			missing++;
		}
	}
	return missing;
}

static void help_lists_the_flags(void **state)
{
	(void)state;
	assert_true(help_flags.n >= FLAGS_EXPECTED_MIN);
	assert_true(flag_list_has(&help_flags, "--port"));
	assert_true(flag_list_has(&help_flags, "--tls-password-file"));
	assert_true(flag_list_has(&help_flags, "--version"));
}

static void readme_table_matches_help(void **state)
{
	struct flag_list readme = {0};
	char *text = read_source_file("README.md");

	(void)state;
	assert_non_null(text);
	readme_table_flags(text, &readme);
	free(text);
	assert_int_equal(report_missing(&help_flags, &readme,
					"in --help but not in README.md's flag table"), 0);
	assert_int_equal(report_missing(&readme, &help_flags,
					"in README.md's flag table but not in --help"), 0);
}

static void man_page_matches_help(void **state)
{
	struct flag_list man = {0};
	char *text = read_source_file("httpd-lite.1");

	(void)state;
	assert_non_null(text);
	unescape_roff_hyphens(text);
	man_entry_flags(text, &man);
	free(text);
	assert_int_equal(report_missing(&help_flags, &man,
					"in --help but not an entry of httpd-lite.1"), 0);
	assert_int_equal(report_missing(&man, &help_flags,
					"an entry of httpd-lite.1 but not in --help"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(help_lists_the_flags),
		cmocka_unit_test(readme_table_matches_help),
		cmocka_unit_test(man_page_matches_help),
	};
	return cmocka_run_group_tests_name("docs", tests, group_setup, NULL);
}
