/* readme: --readme. cmark turns the Markdown into HTML; CMARK_OPT_SAFE
 * drops raw HTML (an HTML block or inline tag becomes a comment) and
 * empties links and images whose URL is javascript:, vbscript:, file: or
 * data: (but for a few image types), so a README cannot run script in
 * the listing's origin. The file is opened like any served file. */
#include "readme.h"

#include <cmark.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path.h"

int readme_markdown_to_html(const char *text, size_t len, struct buf *out)
{
	char *html = cmark_markdown_to_html(text, len, CMARK_OPT_SAFE);
	if (!html)
		return -1;
	buf_append_str(out, html);
	free(html); /* cmark's default allocator is malloc */
	return 0;
}

/* Exactly st_size bytes of fd into text; -1 when the file changed. */
static int readme_read(int fd, char *text, size_t size)
{
	size_t got = 0;
	while (got < size) {
		ssize_t n = read(fd, text + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

int readme_render(const struct root *root, const char *dir_rel, struct buf *out)
{
	char rel[PATH_MAX_LEN + 16];
	int n = snprintf(rel, sizeof(rel), "%s%sREADME.md", dir_rel, *dir_rel ? "/" : "");
	if (n < 0 || (size_t)n >= sizeof(rel))
		return -1;
	int fd = root_open(root, rel);
	if (fd < 0)
		return -1;
	struct stat st;
	int rc = -1;
	char *text = NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= README_MAX_BYTES)
		text = malloc((size_t)st.st_size + 1);
	if (text && readme_read(fd, text, (size_t)st.st_size) == 0)
		rc = readme_markdown_to_html(text, (size_t)st.st_size, out);
	free(text);
	close(fd); /* read-only: nothing to lose */
	return rc;
}
