/* listing: the body of a directory listing, HTML or JSON, from the
 * entries dirlist read and ordered. */
#ifndef HTTPD_LITE_LISTING_H
#define HTTPD_LITE_LISTING_H

#include "buf.h"
#include "dirlist.h"

/* What the flags add to an HTML listing; NULL or all zero: nothing, and
 * the page is as without them. */
struct listing_extras {
	const char *qr_html; /* --qr: the element listing_qr_html made */
	bool archives;       /* --archives: buttons to download the folder */
	const char *readme_html; /* --readme: README.md rendered (readme.h) */
};

/* The HTML listing's one inline script (the filter box), as a CSP source:
 * a Content-Security-Policy given with --header keeps the box working
 * with script-src 'sha256-...' of this. */
#define LISTING_FILTER_SCRIPT_SHA256 "wvPluRaYYxeJdSEuGOZzd09pZEl93lUAg6jpHvd8a/A="

/* The HTML listing. Keeps python's contract -- <title> and <h1>
 * "Directory listing for /path/", one <a href> per entry whose text is
 * the HTML-escaped name (directories with "/", symlinks with "@", a
 * symlink to a directory linked with "/"), hrefs percent-encoded -- and
 * adds a table of sizes and times, a parent link, breadcrumbs, sort links
 * in the column heads, a small stylesheet (dark mode too) and a script
 * that adds a filter box (without JavaScript the page is the same).
 * display_path is the decoded URL path of the directory ("/docs/"). */
void listing_render_html(const struct dirlist *list, const char *display_path,
			 const struct dirlist_view *view, const struct listing_extras *extras,
			 struct buf *out);

/* [{"name":..,"type":"file|dir|symlink","size":..,"mtime":"RFC 3339",
 *   "href":..}, ...]: always valid JSON. A name that is not valid UTF-8
 * has each bad byte replaced by U+FFFD in "name"; "href" (percent-
 * encoded) always names the entry exactly. With archives (--archives)
 * the array is {"entries":[...],"downloads":{"tar":"?download=tar",
 * "tar.gz":..,"zip":..}}, the downloads relative to the listing's URL. */
void listing_render_json(const struct dirlist *list, bool archives, struct buf *out);

/* --qr: the element put above the breadcrumbs, a <details> holding svg
 * (qr.h) and url as a link, appended to out. */
void listing_qr_html(const char *url, const char *svg, struct buf *out);

#endif
