/* listing: a directory listing's body, as HTML for people and JSON for
 * scripts, from the entries dirlist.c read and ordered.
 *
 * The HTML keeps python's http.server contract (title and h1, one link
 * per entry, "/" and "@" marks, escaping, percent-encoded hrefs), so
 * wget -r and scripts written against python keep working, and adds
 * sizes, times, sorting and breadcrumbs. A name that is not valid UTF-8
 * is percent-encoded byte by byte in hrefs, which is what our own path
 * decoding turns back into the same name. */
#include "listing.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "httpdate.h"
#include "path.h"
#include "utf8.h"

/* ---- HTML --------------------------------------------------------------- */

/* Small enough to inline, readable on a phone, dark when the system is. */
static const char listing_style[] =
	"<style>\n"
	":root{color-scheme:light dark;--fg:#1d2330;--mute:#5b6474;--bg:#fff;"
	"--line:#e3e6ec;--link:#1a5fb4;--hover:#f3f5f8}\n"
	"@media (prefers-color-scheme:dark){:root{--fg:#e6e8ec;--mute:#9aa3b2;"
	"--bg:#16181d;--line:#2c313a;--link:#8ab4f8;--hover:#1f232a}}\n"
	"body{margin:0 auto;max-width:60rem;padding:1rem;font:16px/1.5 system-ui,"
	"sans-serif;color:var(--fg);background:var(--bg)}\n"
	"h1{font-size:1.3rem;margin:.2rem 0;overflow-wrap:anywhere}\n"
	"nav{color:var(--mute);overflow-wrap:anywhere}\n"
	"a{color:var(--link);text-decoration:none}a:hover{text-decoration:underline}\n"
	"hr{border:0;border-top:1px solid var(--line)}\n"
	"table{width:100%;border-collapse:collapse}\n"
	"th,td{padding:.35rem .5rem;text-align:left;border-bottom:1px solid var(--line)}\n"
	"th{font-weight:600;white-space:nowrap}th form{margin:0}\n"
	/* The sort buttons look like the text around them; the focus ring
	 * stays for keyboard users. */
	"th button{font:inherit;color:inherit;background:none;border:0;padding:0;"
	"margin:0;cursor:pointer}th button:hover{text-decoration:underline}\n"
	"td.n{overflow-wrap:anywhere}td.s,th.s{text-align:right;white-space:nowrap}\n"
	"td.t{white-space:nowrap;color:var(--mute)}tr:hover td{background:var(--hover)}\n"
	"input.filter{font:inherit;color:inherit;background:var(--bg);width:100%;"
	"box-sizing:border-box;margin:.4rem 0;padding:.35rem .5rem;"
	"border:1px solid var(--line);border-radius:4px}\n"
	"@media (max-width:34rem){body{padding:.5rem;font-size:15px}"
	"td.t,th.t{display:none}}\n"
	"</style>\n";

/* --qr: a small corner element, open on demand. Only with --qr, so that
 * the default page is unchanged. */
static const char listing_qr_style[] =
	"<style>\n"
	"details.qr{float:right;margin:.2rem 0 .5rem 1rem;color:var(--mute);text-align:right}\n"
	"details.qr svg{display:block;width:10rem;height:auto;margin:.3rem 0 .2rem auto}\n"
	"</style>\n";

/* The filter box: made by the script, so that without JavaScript the
 * page is the plain listing. Names are lower-cased once; a keystroke
 * only touches the rows whose state changes, so a 10,000-row listing
 * keeps up. "/" focuses it, as on many sites. Its SHA-256 is
 * LISTING_FILTER_SCRIPT_SHA256 (a test holds it to the bytes), for a
 * Content-Security-Policy given with --header. */
static const char listing_filter_script[] =
	"(function(){"
	"var b=document.querySelector('tbody'),t=document.querySelector('table');"
	"if(!b||!t)return;"
	"var r=[],n=[],h=[];"
	"for(var k=0;k<b.rows.length;k++){var w=b.rows[k];"
	"if(w.className=='up')continue;"
	"r.push(w);n.push(w.cells[0].textContent.toLowerCase());h.push(false)}"
	"var i=document.createElement('input');"
	"i.type='search';i.className='filter';i.placeholder='Filter (press /)';"
	"i.setAttribute('aria-label','Filter the names');"
	"t.parentNode.insertBefore(i,t);"
	"i.addEventListener('input',function(){var q=i.value.toLowerCase();"
	"for(var k=0;k<r.length;k++){var x=q!==''&&n[k].indexOf(q)<0;"
	"if(x!==h[k]){h[k]=x;r[k].style.display=x?'none':''}}});"
	"document.addEventListener('keydown',function(e){var a=document.activeElement;"
	"if(e.key=='/'&&!e.ctrlKey&&!e.metaKey&&!e.altKey&&(!a||"
	"(a.tagName!='INPUT'&&a.tagName!='TEXTAREA'))){e.preventDefault();i.focus()}})"
	"})();";

/* --readme: the README below the table, in the page's colours. */
static const char listing_readme_style[] =
	"<style>\n"
	"article.readme{margin-top:1.5rem;overflow-wrap:anywhere}"
	"article.readme img{max-width:100%}"
	"article.readme pre{overflow:auto;padding:.6rem;background:var(--hover);"
	"border:1px solid var(--line)}"
	"article.readme code{font-size:.9em}"
	"article.readme blockquote{margin-left:0;padding-left:1rem;color:var(--mute);"
	"border-left:3px solid var(--line)}\n"
	"</style>\n";

/* --archives: the folder's downloads, as buttons of a GET form (like the
 * sort buttons) so that wget -r does not fetch every folder three more
 * times as archives. */
static const char listing_archives_style[] =
	"<style>\n"
	"form.dl{margin:.4rem 0;color:var(--mute)}form.dl button{font:inherit;"
	"color:var(--link);background:none;border:0;padding:0 .2rem;cursor:pointer}"
	"form.dl button:hover{text-decoration:underline}\n"
	"</style>\n";

static const char listing_archives_form[] =
	"<form class=\"dl\" method=\"get\">Download this folder:"
	"<button name=\"download\" value=\"tar\">.tar</button>"
	"<button name=\"download\" value=\"tar.gz\">.tar.gz</button>"
	"<button name=\"download\" value=\"zip\">.zip</button></form>\n";

void listing_qr_html(const char *url, const char *svg, struct buf *out)
{
	buf_append_str(out, "<details class=\"qr\"><summary>QR code</summary>");
	buf_append_str(out, svg);
	buf_append_str(out, "<a href=\"");
	buf_append_html(out, url, strlen(url), true);
	buf_append_str(out, "\">");
	buf_append_html(out, url, strlen(url), false);
	buf_append_str(out, "</a></details>\n");
}
static void listing_render_title(const char *tag, const char *display_path,
				 struct buf *out)
{
	buf_printf(out, "<%s>Directory listing for ", tag);
	buf_append_html(out, display_path, strlen(display_path), false);
	buf_printf(out, "</%s>\n", tag);
}

/* "/", "/docs/", "/docs/img/": a link for each level of the path. */
static void listing_render_breadcrumbs(const char *display_path, struct buf *out)
{
	buf_append_str(out, "<nav aria-label=\"breadcrumbs\"><a href=\"/\">/</a>");
	const char *seg = display_path + (*display_path == '/');
	while (*seg) {
		const char *end = strchr(seg, '/');
		size_t len = end ? (size_t)(end - seg) : strlen(seg);
		buf_append_str(out, "<a href=\"");
		/* the href is the path up to and including this segment */
		path_percent_encode(display_path, (size_t)(seg - display_path) + len, out);
		buf_append_str(out, "/\">");
		buf_append_html(out, seg, len, false);
		buf_append_str(out, "/</a>");
		seg += len + (end != NULL);
	}
	buf_append_str(out, "</nav>\n");
}

static const char *const listing_key_names[] = {
	[DIRLIST_BY_NAME] = "name",
	[DIRLIST_BY_SIZE] = "size",
	[DIRLIST_BY_MTIME] = "mtime",
};

/* A column head: a button to sort by it, the other way round when it is
 * the current order. A GET form, not a link, so that crawlers (wget -r)
 * do not fetch every listing once per order; the browser builds the same
 * "?sort=KEY&order=ORDER" as the link did, the button first as it comes
 * first in the form. No script needed. */
static void listing_render_head(const struct dirlist_view *view, enum dirlist_key key,
				const char *cls, const char *label, struct buf *out)
{
	bool current = view->key == key;
	bool desc = current && !view->descending;
	buf_printf(out,
		   "<th class=\"%s\"><form method=\"get\"><button name=\"sort\" "
		   "value=\"%s\">%s%s</button><input type=\"hidden\" name=\"order\" "
		   "value=\"%s\"></form></th>",
		   cls, listing_key_names[key], label,
		   !current ? "" : view->descending ? " &#9660;" : " &#9650;",
		   desc ? "desc" : "asc");
}

/* ---- rows, written straight into the buffer ---------------------------------
 *
 * A listing is mostly rows, and a row mostly short pieces: each row gets
 * room for its worst case once (buf_prepare) and is then written with a
 * cursor, no printf, no capacity check per piece. */

static size_t listing_min(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* for string literals only */
#define LISTING_PUT_LIT(p, lit) buf_put(p, lit, sizeof(lit) - 1)

/* "%lld" */
static char *listing_put_int(char *p, long long v)
{
	if (v >= 0)
		return buf_put_u64(p, (uint64_t)v);
	*p++ = '-';
	return buf_put_u64(p, 0 - (uint64_t)v);
}

/* Room for "1023.9 KiB", "-9223372036854775808 B" and the like. */
#define LISTING_SIZE_MAX 32

/* "%.1f" of size / 2^shift, exactly as printf rounds it (to nearest,
 * ties to even): both are exact, size being below 2^53. */
static char *listing_put_tenths(char *p, uint64_t size, unsigned shift)
{
	uint64_t scaled = size * 10;
	uint64_t tenths = scaled >> shift;
	uint64_t rest = scaled & ((UINT64_C(1) << shift) - 1);
	uint64_t half = UINT64_C(1) << (shift - 1);
	if (rest > half || (rest == half && (tenths & 1)))
		tenths++;
	p = buf_put_u64(p, tenths / 10);
	*p++ = '.';
	*p++ = (char)('0' + tenths % 10);
	return p;
}

/* 1023 B, 1.2 KiB, 3.4 MiB, ... */
static char *listing_put_human_size(char *p, off_t size)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	if (size < 1024) {
		p = listing_put_int(p, (long long)size);
		return LISTING_PUT_LIT(p, " B");
	}
	double v = (double)size / 1024.0;
	size_t u = 0;
	/* From 1023.95 up, "%.1f" would round to "1024.0": next unit. */
	while (v >= 1023.95 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024.0;
		u++;
	}
	if ((uint64_t)size < UINT64_C(1) << 53) {
		p = listing_put_tenths(p, (uint64_t)size, 10 * ((unsigned)u + 1));
	} else {
		/* (double)size was rounded: let printf round what it holds
		 * (at most "1023.9", v being below 1024 or at most 8 EiB) */
		char tenths[LISTING_SIZE_MAX];
		int n = snprintf(tenths, sizeof(tenths), "%.1f", v);
		if (n > 0)
			p = buf_put(p, tenths, listing_min((size_t)n, sizeof(tenths) - 1));
	}
	*p++ = ' ';
	return buf_put(p, units[u], 3);
}

static char *listing_put_time(char *p, time_t mtime)
{
	char when[HTTPDATE_RFC3339_MAX];
	size_t len = httpdate_rfc3339(mtime, when);
	p = LISTING_PUT_LIT(p, "<time datetime=\"");
	p = buf_put(p, when, len);
	p = LISTING_PUT_LIT(p, "\">");
	/* "%.10s %.5s" of when and when + 11 */
	p = buf_put(p, when, listing_min(len, 10));
	*p++ = ' ';
	if (len > 11)
		p = buf_put(p, when + 11, listing_min(len - 11, 5));
	return LISTING_PUT_LIT(p, "</time>");
}

/* Fixed text of a row, sizes and time included, with room to spare. */
#define LISTING_ROW_FIXED 256
/* Per byte of name: three in the href (%XX), five in the text (&amp;). */
#define LISTING_ROW_PER_BYTE 8

static char *listing_put_row(char *p, const struct dirlist_entry *e, size_t len)
{
	p = LISTING_PUT_LIT(p, "<tr><td class=\"n\"><a href=\"");
	p = path_percent_encode_to(p, e->name, len);
	if (e->is_dir)
		*p++ = '/';
	p = LISTING_PUT_LIT(p, "\">");
	p = buf_put_html(p, e->name, len, false);
	/* python: a link to a directory shows "@" but still links with "/". */
	if (e->is_link)
		*p++ = '@';
	else if (e->is_dir)
		*p++ = '/';
	p = LISTING_PUT_LIT(p, "</a></td><td class=\"s\">");
	if (e->is_dir)
		*p++ = '-';
	else
		p = listing_put_human_size(p, e->size);
	p = LISTING_PUT_LIT(p, "</td><td class=\"t\">");
	p = listing_put_time(p, e->mtime);
	return LISTING_PUT_LIT(p, "</td></tr>\n");
}

/* Room for a row or JSON object with a name of len bytes; SIZE_MAX (which
 * no buffer gets) when that does not fit a size_t. */
static size_t listing_room(size_t len, size_t fixed, size_t per_byte)
{
	return len > (SIZE_MAX - fixed) / per_byte ? SIZE_MAX : fixed + len * per_byte;
}

static void listing_render_row(const struct dirlist_entry *e, struct buf *out)
{
	size_t len = strlen(e->name);
	char *start = buf_prepare(out, listing_room(len, LISTING_ROW_FIXED, LISTING_ROW_PER_BYTE));
	if (start)
		buf_commit(out, (size_t)(listing_put_row(start, e, len) - start));
}

void listing_render_html(const struct dirlist *list, const char *display_path,
			 const struct dirlist_view *view, const struct listing_extras *extras,
			 struct buf *out)
{
	buf_append_str(out, "<!DOCTYPE HTML>\n"
			    "<html lang=\"en\">\n"
			    "<head>\n"
			    "<meta charset=\"utf-8\">\n"
			    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
	listing_render_title("title", display_path, out);
	buf_append_str(out, listing_style);
	if (extras && extras->qr_html)
		buf_append_str(out, listing_qr_style);
	if (extras && extras->archives)
		buf_append_str(out, listing_archives_style);
	if (extras && extras->readme_html)
		buf_append_str(out, listing_readme_style);
	buf_append_str(out, "</head>\n<body>\n");
	listing_render_title("h1", display_path, out);
	if (extras && extras->qr_html)
		buf_append_str(out, extras->qr_html);
	listing_render_breadcrumbs(display_path, out);
	if (extras && extras->archives)
		buf_append_str(out, listing_archives_form);
	buf_append_str(out, "<hr>\n<table>\n<thead><tr>");
	listing_render_head(view, DIRLIST_BY_NAME, "n", "Name", out);
	listing_render_head(view, DIRLIST_BY_SIZE, "s", "Size", out);
	listing_render_head(view, DIRLIST_BY_MTIME, "t", "Last modified (UTC)", out);
	buf_append_str(out, "</tr></thead>\n<tbody>\n");
	if (strcmp(display_path, "/") != 0)
		buf_append_str(out, "<tr class=\"up\"><td class=\"n\"><a href=\"../\">"
				    "Parent directory</a></td><td class=\"s\">-</td>"
				    "<td class=\"t\"></td></tr>\n");
	for (size_t i = 0; i < list->count; i++)
		listing_render_row(&list->entries[i], out);
	buf_append_str(out, "</tbody>\n</table>\n<hr>\n");
	if (extras && extras->readme_html) {
		buf_append_str(out, "<article class=\"readme\">\n");
		buf_append_str(out, extras->readme_html);
		buf_append_str(out, "</article>\n");
	}
	if (view->html_tail)
		buf_append_str(out, view->html_tail);
	buf_append_str(out, "<script>");
	buf_append_str(out, listing_filter_script);
	buf_append_str(out, "</script>\n</body>\n</html>\n");
}

/* ---- JSON --------------------------------------------------------------- */

/* "\"" and "\\" escaped, control characters as \u00XX, bad UTF-8 as
 * U+FFFD: at most six bytes out per byte in. */
static char *listing_put_json_string(char *p, const char *s, size_t left)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	*p++ = '"';
	while (left > 0) {
		if (*u >= 0x20 && *u < 0x7f && *u != '"' && *u != '\\') {
			*p++ = (char)*u++; /* most names are plain ASCII */
			left--;
			continue;
		}
		size_t n = utf8_seq_len(u, left);
		if (n == 0) {
			p = LISTING_PUT_LIT(p, "\\ufffd");
			n = 1;
		} else if (*u == '"' || *u == '\\') {
			*p++ = '\\';
			*p++ = (char)*u;
		} else if (*u < 0x20 || *u == 0x7f) {
			p = LISTING_PUT_LIT(p, "\\u00");
			*p++ = hex[*u >> 4];
			*p++ = hex[*u & 15];
		} else {
			p = buf_put(p, (const char *)u, n);
		}
		u += n;
		left -= n;
	}
	*p++ = '"';
	return p;
}

static const char *listing_json_type(const struct dirlist_entry *e)
{
	return e->is_link ? "symlink" : e->is_dir ? "dir" : "file";
}

/* Fixed text of a JSON object, size and time included, with room to spare. */
#define LISTING_JSON_FIXED 160
/* Per byte of name: six in "name" (\ufffd), three in "href" (%XX). */
#define LISTING_JSON_PER_BYTE 9

static char *listing_put_json_entry(char *p, const struct dirlist_entry *e, size_t len)
{
	const char *type = listing_json_type(e);
	char when[HTTPDATE_RFC3339_MAX];
	size_t when_len = httpdate_rfc3339(e->mtime, when);
	p = LISTING_PUT_LIT(p, "{\"name\":");
	p = listing_put_json_string(p, e->name, len);
	p = LISTING_PUT_LIT(p, ",\"type\":\"");
	p = buf_put(p, type, strlen(type));
	p = LISTING_PUT_LIT(p, "\",\"size\":");
	p = listing_put_int(p, (long long)e->size);
	p = LISTING_PUT_LIT(p, ",\"mtime\":\"");
	p = buf_put(p, when, when_len);
	p = LISTING_PUT_LIT(p, "\",\"href\":\"");
	/* percent-encoding leaves only ASCII that needs no JSON escape */
	p = path_percent_encode_to(p, e->name, len);
	if (e->is_dir)
		*p++ = '/';
	return LISTING_PUT_LIT(p, "\"}");
}

static void listing_json_entry(const struct dirlist_entry *e, struct buf *out)
{
	size_t len = strlen(e->name);
	char *start = buf_prepare(out, listing_room(len, LISTING_JSON_FIXED, LISTING_JSON_PER_BYTE));
	if (start)
		buf_commit(out, (size_t)(listing_put_json_entry(start, e, len) - start));
}

void listing_render_json(const struct dirlist *list, bool archives, struct buf *out)
{
	buf_append_str(out, archives ? "{\"entries\":[" : "[");
	for (size_t i = 0; i < list->count; i++) {
		if (i)
			buf_append_str(out, ",\n");
		listing_json_entry(&list->entries[i], out);
	}
	if (archives)
		buf_append_str(out, "],\n\"downloads\":{\"tar\":\"?download=tar\","
				    "\"tar.gz\":\"?download=tar.gz\",\"zip\":\"?download=zip\"}}\n");
	else
		buf_append_str(out, "]\n");
}
