/* Unit: the --live-reload script injection, the event framing and the
 * stream's path (livereload.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "livereload.h"

#define SCRIPT livereload_script
#define SCRIPT_LEN strlen(livereload_script)

/* inject(html) must equal before + script + after. */
static void expect_injected(const char *html, const char *before, const char *after)
{
	struct buf out;
	buf_init(&out);
	livereload_inject(html, strlen(html), &out);
	assert_true(buf_ok(&out));
	size_t nb = strlen(before), na = strlen(after);
	if (out.len != nb + SCRIPT_LEN + na || memcmp(out.data, before, nb) != 0 ||
	    memcmp(out.data + nb, SCRIPT, SCRIPT_LEN) != 0 ||
	    memcmp(out.data + nb + SCRIPT_LEN, after, na) != 0)
		fail_msg("\"%s\": script not between \"%s\" and \"%s\"", html, before, after);
	buf_free(&out);
}

static void test_before_body_close(void **state)
{
	(void)state;
	expect_injected("<html><body><p>x</p></body></html>\n", "<html><body><p>x</p>",
			"</body></html>\n");
}

static void test_uppercase_and_mixed_case(void **state)
{
	(void)state;
	expect_injected("<BODY>x</BODY>", "<BODY>x", "</BODY>");
	expect_injected("<body>x</bOdY >", "<body>x", "</bOdY >");
	expect_injected("<body>x</body\n>", "<body>x", "</body\n>");
}

static void test_last_of_several(void **state)
{
	(void)state;
	/* A "</body>" in a comment or a string before the real one. */
	expect_injected("<!-- </body> --><p>x</p></body><!-- tail -->",
			"<!-- </body> --><p>x</p>", "</body><!-- tail -->");
	expect_injected("</body></body></body>", "</body></body>", "</body>");
}

static void test_no_body_close_appends(void **state)
{
	(void)state;
	expect_injected("<p>fragment</p>", "<p>fragment</p>", "");
	expect_injected("", "", "");
	/* Not the tag: "</bodyguard>" and a lone "</bod". */
	expect_injected("<x></bodyguard>", "<x></bodyguard>", "");
	expect_injected("a</bod", "a</bod", "");
	/* "</body" as the very last bytes still counts. */
	expect_injected("a</body", "a", "</body");
}

static void test_inject_buf_and_file(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	buf_append_str(&b, "<body>listing</body>");
	livereload_inject_buf(&b);
	assert_true(buf_ok(&b));
	assert_int_equal(b.len, strlen("<body>listing</body>") + SCRIPT_LEN);
	assert_memory_equal(b.data + b.len - 7, "</body>", 7);
	buf_free(&b);

	char path[] = "/tmp/test_livereload_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	const char page[] = "<html><body>hi</body></html>";
	assert_int_equal(write(fd, page, sizeof(page) - 1), (ssize_t)(sizeof(page) - 1));
	buf_init(&b);
	assert_int_equal(livereload_inject_file(fd, sizeof(page) - 1, &b), 0);
	assert_int_equal(b.len, sizeof(page) - 1 + SCRIPT_LEN);
	assert_memory_equal(b.data, "<html><body>hi", 14);
	buf_free(&b);
	/* Promised more than the file has (it shrank): refused. */
	buf_init(&b);
	assert_int_equal(livereload_inject_file(fd, sizeof(page) + 10, &b), -1);
	buf_free(&b);
	/* Over the cap: refused without reading. */
	buf_init(&b);
	assert_int_equal(livereload_inject_file(fd, (uint64_t)LIVERELOAD_INJECT_MAX + 1, &b), -1);
	buf_free(&b);
	close(fd);
}

static void test_script_shape(void **state)
{
	(void)state;
	assert_memory_equal(SCRIPT, "<script>", 8);
	assert_non_null(strstr(SCRIPT, "new EventSource(P)"));
	assert_non_null(strstr(SCRIPT, "\"" LIVERELOAD_PATH "\""));
	/* Only one "</" in it: its own end tag, so no page can be cut short. */
	const char *end = strstr(SCRIPT, "</");
	assert_non_null(end);
	assert_string_equal(end, "</script>\n");
}

static void test_frame(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	livereload_frame(&b, "reload", "/page.html");
	buf_append(&b, "", 1);
	assert_string_equal(b.data, "event: reload\ndata: /page.html\n\n");
	buf_free(&b);
	buf_init(&b);
	livereload_frame(&b, "css", "/a.css\n/b%20c.css\r\n/d.css");
	buf_append(&b, "", 1);
	assert_string_equal(b.data, "event: css\ndata: /a.css\ndata: /b%20c.css\ndata: /d.css\n\n");
	buf_free(&b);
	buf_init(&b);
	livereload_frame(&b, "reload", "");
	buf_append(&b, "", 1);
	assert_string_equal(b.data, "event: reload\ndata: \n\n");
	buf_free(&b);
}

static void test_stream_path_and_html_types(void **state)
{
	(void)state;
	assert_true(livereload_is_stream(".httpd-lite/live-reload"));
	assert_false(livereload_is_stream(".httpd-lite/live-reload/"));
	assert_false(livereload_is_stream(".httpd-lite"));
	assert_false(livereload_is_stream("/.httpd-lite/live-reload"));
	assert_false(livereload_is_stream(".httpd-lite/live-reloadx"));
	assert_true(livereload_is_html("text/html"));
	assert_true(livereload_is_html("text/html; charset=utf-8"));
	assert_true(livereload_is_html("TEXT/HTML;charset=utf-8"));
	assert_false(livereload_is_html("text/htmlx"));
	assert_false(livereload_is_html("application/xhtml+xml"));
	assert_false(livereload_is_html("text/css"));
	assert_false(livereload_is_html(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_before_body_close),
		cmocka_unit_test(test_uppercase_and_mixed_case),
		cmocka_unit_test(test_last_of_several),
		cmocka_unit_test(test_no_body_close_appends),
		cmocka_unit_test(test_inject_buf_and_file),
		cmocka_unit_test(test_script_shape),
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_stream_path_and_html_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
