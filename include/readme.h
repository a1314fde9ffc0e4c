/* readme: a folder's README.md as HTML for its listing (--readme), with
 * libcmark in safe mode: no raw HTML, no javascript: or other unsafe
 * links. */
#ifndef HTTPD_LITE_README_H
#define HTTPD_LITE_README_H

#include <stddef.h>

#include "buf.h"
#include "root.h"

/* Larger READMEs are not rendered (the listing is still answered). */
#define README_MAX_BYTES (1024 * 1024)

/* Markdown text to HTML, appended to out; -1 when cmark fails. */
int readme_markdown_to_html(const char *text, size_t len, struct buf *out);

/* The README.md of the folder dir_rel (relative to the root, opened with
 * root_open: the wall and the symlink policy hold), rendered and
 * appended to out. 0, or -1 when there is none to show (missing, not a
 * regular file, too large, unreadable). */
int readme_render(const struct root *root, const char *dir_rel, struct buf *out);

#endif
