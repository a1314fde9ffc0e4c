/* fallback: what answers a GET or HEAD whose path leads to no file, the
 * way static hosts (GitHub Pages, Netlify, Cloudflare Pages) answer it:
 *
 *   --clean-urls  /about and /about/ are served from about.html;
 *   --spa[=FILE]  an HTML navigation to a path without an extension gets
 *                 the single-page app's entry page, 200;
 *   404 page      every 404 carries 404.html (or --404 FILE) as its body
 *                 when the root has one, else python's error page.
 *
 * Every page is opened through the root's wall (root.c) on each request,
 * with the same symlink and --no-dotfiles rules as any other file: a page
 * that cannot be served that way is as good as absent. */
#ifndef HTTPD_LITE_FALLBACK_H
#define HTTPD_LITE_FALLBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "config.h"
#include "root.h"

/* The longest extension that marks a path as an asset (see below). */
#define FALLBACK_EXT_MAX 8

/* A file found for a missing path, to be served with 200. */
struct fallback_file {
	int fd;          /* -1: none, answer 404 */
	struct stat st;  /* of fd: a regular file */
	const char *rel; /* its name beneath the root (for MIME, siblings) */
	bool vary_accept; /* the answer (file or 404) depended on Accept */
};

/* true when the last segment of rel ends in '.' and 1 to
 * FALLBACK_EXT_MAX ASCII letters or digits: "app.js", "x.png", also
 * "john.smith". Such a path names an asset, and a missing asset must
 * stay a 404. trailing_slash: the path names a directory, never an
 * asset. */
bool fallback_has_extension(const char *rel, bool trailing_slash);

/* Whether an Accept value lets an HTML page answer: the most specific of
 * text/html, text/(any), (any)/(any) that it names has a weight above 0, and
 * application/json is not preferred to it (the listing's rule). No Accept
 * header (NULL) accepts anything (RFC 9110 12.5.1). */
bool fallback_accepts_html(const char *accept);

/* rel + ".html" into out (cap bytes); false when rel is the root itself
 * or the name does not fit. */
bool fallback_clean_url_name(const char *rel, char *out, size_t cap);

/* Open rel beneath the root as a regular file: -1 (errno set) when it is
 * missing, unreadable, not a regular file, outside the root's wall, or a
 * dotfile while no_dotfiles is on. */
int fallback_open_page(const struct root *root, const char *rel, bool no_dotfiles,
		       struct stat *st);

/* For a GET or HEAD of p_rel that opened no file: the clean URL's .html
 * (--clean-urls), else the entry page (--spa) when the path has no
 * extension and the client takes HTML. out->fd -1: answer 404. */
void fallback_for_missing(const struct root *root, const struct config *cfg,
			  const char *rel, bool trailing_slash, const char *accept,
			  struct fallback_file *out);

/* The 404 page (cfg->not_found_page) opened, or -1: python's page then. */
int fallback_open_404(const struct root *root, const struct config *cfg, struct stat *st);

/* A page named on the command line (--404, --spa) made relative to the
 * root: leading slashes dropped. NULL when it is empty, names the root,
 * or holds a "." or ".." segment: *why says which. */
const char *fallback_page_name(const char *arg, const char **why);

/* Start-up: the pages the command line names must be servable now. Exits
 * with one line on stderr (EXIT_USAGE) when one is not. */
void fallback_check_pages(const struct root *root, const struct config *cfg);

#endif
