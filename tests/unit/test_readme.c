/* Unit tests for readme: Markdown becomes HTML, and hostile Markdown
 * cannot put script into a listing: raw HTML blocks and inline tags,
 * event handlers, javascript:/vbscript:/file:/data: links and images in
 * any case, autolinks, HTML entities spelling "javascript". Then reading
 * README.md beneath a root: present, missing, a directory, too large,
 * and a symlink out of the root. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "readme.h"

static char *html_of(const char *md)
{
	struct buf b;
	buf_init(&b);
	assert_int_equal(readme_markdown_to_html(md, strlen(md), &b), 0);
	buf_append(&b, "", 1);
	assert_true(buf_ok(&b));
	return b.data;
}

/* Lower-cased copy, so "JaVaScRiPt:" is found too. */
static char *lower(const char *s)
{
	char *l = strdup(s);
	assert_non_null(l);
	for (char *p = l; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return l;
}

static void test_markdown(void **state)
{
	(void)state;
	char *h = html_of("# Title\n\nSome *text* and `<b>code</b>`, a [link](docs/a%20b.md).\n\n"
			  "- one\n- two\n");
	assert_non_null(strstr(h, "<h1>Title</h1>"));
	assert_non_null(strstr(h, "<em>text</em>"));
	assert_non_null(strstr(h, "<code>&lt;b&gt;code&lt;/b&gt;</code>"));
	assert_non_null(strstr(h, "<a href=\"docs/a%20b.md\">link</a>"));
	assert_non_null(strstr(h, "<li>one</li>"));
	free(h);
}

static void test_hostile(void **state)
{
	(void)state;
	static const char *const hostile[] = {
		"<script>alert(1)</script>\n",
		"text <script>alert(1)</script> text\n",
		"<img src=x onerror=alert(1)>\n",
		"a <img src=x onerror=alert(1)> b\n",
		"<div onclick=\"alert(1)\">x</div>\n",
		"<iframe src=\"https://evil.example/\"></iframe>\n",
		"<style>body{display:none}</style>\n",
		"[x](javascript:alert(1))\n",
		"[x](JaVaScRiPt:alert(1))\n",
		"[x]( javascript:alert(1) )\n",
		"[x](vbscript:msgbox(1))\n",
		"[x](file:///etc/passwd)\n",
		"[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)\n",
		"![i](javascript:alert(1))\n",
		"<javascript:alert(1)>\n",
		"[x][r]\n\n[r]: javascript:alert(1)\n",
		"[x](&#106;avascript:alert(1))\n",
		"[x](java\\\nscript:alert(1))\n",
		"<a href=\"javascript:alert(1)\">x</a>\n",
		"<svg onload=alert(1)>\n",
	};
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		char *h = html_of(hostile[i]);
		char *l = lower(h);
		if (strstr(l, "<script") || strstr(l, "onerror=") || strstr(l, "onclick") ||
		    strstr(l, "onload") || strstr(l, "<iframe") || strstr(l, "<style") ||
		    strstr(l, "<img src=\"x\"") || strstr(l, "<svg") || strstr(l, "<div") ||
		    strstr(l, "href=\"javascript:") || strstr(l, "href=\"vbscript:") ||
		    strstr(l, "href=\"file:") || strstr(l, "href=\"data:") ||
		    strstr(l, "src=\"javascript:") || strstr(l, "<a href=\"javascript"))
			fail_msg("case %zu: %s -> %s", i, hostile[i], h);
		free(l);
		free(h);
	}
}

struct tree {
	char dir[64];
	struct root root;
};

static int setup(void **state)
{
	static struct tree t;
	snprintf(t.dir, sizeof(t.dir), "/tmp/test_readme.XXXXXX");
	if (!mkdtemp(t.dir))
		return -1;
	char p[128];
	snprintf(p, sizeof(p), "%s/root", t.dir);
	if (mkdir(p, 0755) < 0)
		return -1;
	t.root = (struct root){.fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
	*state = &t;
	return t.root.fd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct tree *t = *state;
	close(t->root.fd);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t->dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void put(const struct tree *t, const char *rel, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/root/%s", t->dir, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int render(const struct tree *t, const char *rel, char **html)
{
	struct buf b;
	buf_init(&b);
	int rc = readme_render(&t->root, rel, &b);
	buf_append(&b, "", 1);
	*html = b.data;
	return rc;
}

static void test_render_from_root(void **state)
{
	struct tree *t = *state;
	char *h;
	assert_int_equal(render(t, "", &h), -1); /* none yet */
	free(h);
	put(t, "README.md", "# Top\n");
	assert_int_equal(render(t, "", &h), 0);
	assert_string_equal(h, "<h1>Top</h1>\n");
	free(h);
	char p[256];
	snprintf(p, sizeof(p), "%s/root/sub", t->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/root/sub/README.md", t->dir);
	assert_int_equal(mkdir(p, 0755), 0); /* a directory, not a README */
	assert_int_equal(render(t, "sub", &h), -1);
	free(h);
	/* a symlink out of the root is not followed */
	put(t, "../outside.md", "# Outside\n");
	snprintf(p, sizeof(p), "%s/root/out", t->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/root/out/README.md", t->dir);
	assert_int_equal(symlink("../../outside.md", p), 0);
	assert_int_equal(render(t, "out", &h), -1);
	free(h);
	/* too large to render */
	snprintf(p, sizeof(p), "%s/root/big", t->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/root/big/README.md", t->dir);
	assert_int_equal(truncate(p, 0), -1);
	put(t, "big/README.md", "");
	assert_int_equal(truncate(p, README_MAX_BYTES + 1), 0);
	assert_int_equal(render(t, "big", &h), -1);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test_setup_teardown(test_render_from_root, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
