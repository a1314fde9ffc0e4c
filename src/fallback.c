/* fallback.c: answers for paths that lead to no file, see fallback.h. */
#include "fallback.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "negotiate.h"
#include "path.h"

static bool is_ascii_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool fallback_has_extension(const char *rel, bool trailing_slash)
{
	if (trailing_slash)
		return false;
	const char *base = strrchr(rel, '/');
	base = base ? base + 1 : rel;
	const char *dot = strrchr(base, '.');
	/* ".profile" is a name, not an extension (as mime.c reads it). */
	if (!dot || dot == base)
		return false;
	size_t n = strlen(dot + 1);
	if (n == 0 || n > FALLBACK_EXT_MAX)
		return false;
	for (size_t i = 1; i <= n; i++)
		if (!is_ascii_alnum(dot[i]))
			return false;
	return true;
}

bool fallback_accepts_html(const char *accept)
{
	if (!accept)
		return true;
	int html = negotiate_media_weight(accept, "text/html");
	if (html < 0)
		html = negotiate_media_weight(accept, "text/*");
	if (html < 0)
		html = negotiate_media_weight(accept, "*/*");
	return html > 0 && negotiate_media_weight(accept, "application/json") <= html;
}

bool fallback_clean_url_name(const char *rel, char *out, size_t cap)
{
	if (!*rel)
		return false;
	int n = snprintf(out, cap, "%s.html", rel);
	return n > 0 && (size_t)n < cap;
}

int fallback_open_page(const struct root *root, const char *rel, bool no_dotfiles,
		       struct stat *st)
{
	if (no_dotfiles && root_has_dotfile(rel)) {
		errno = ENOENT;
		return -1;
	}
	int fd = root_open(root, rel);
	if (fd < 0)
		return -1;
	int err = fstat(fd, st) < 0 ? errno : S_ISREG(st->st_mode) ? 0 : S_ISDIR(st->st_mode) ? EISDIR : EACCES;
	if (!err)
		return fd;
	close(fd);
	errno = err;
	return -1;
}

/* rel + ".html", if that is a file we may serve. */
static bool found_clean_url(const struct root *root, const struct config *cfg, const char *rel,
			    struct fallback_file *out)
{
	static char name[PATH_MAX_LEN + 8]; /* off the stack; one request at a time */
	if (!fallback_clean_url_name(rel, name, sizeof(name)))
		return false;
	out->fd = fallback_open_page(root, name, cfg->no_dotfiles, &out->st);
	out->rel = name;
	return out->fd >= 0;
}

void fallback_for_missing(const struct root *root, const struct config *cfg,
			  const char *rel, bool trailing_slash, const char *accept,
			  struct fallback_file *out)
{
	*out = (struct fallback_file){.fd = -1};
	if (cfg->clean_urls && found_clean_url(root, cfg, rel, out))
		return;
	if (!cfg->spa_page || fallback_has_extension(rel, trailing_slash))
		return;
	out->vary_accept = true;
	if (!fallback_accepts_html(accept))
		return;
	out->fd = fallback_open_page(root, cfg->spa_page, cfg->no_dotfiles, &out->st);
	out->rel = cfg->spa_page;
}

int fallback_open_404(const struct root *root, const struct config *cfg, struct stat *st)
{
	if (!cfg->not_found_page)
		return -1;
	return fallback_open_page(root, cfg->not_found_page, cfg->no_dotfiles, st);
}

const char *fallback_page_name(const char *arg, const char **why)
{
	while (*arg == '/')
		arg++;
	if (!*arg) {
		*why = "names the directory itself, not a file in it";
		return NULL;
	}
	for (const char *seg = arg; *seg;) {
		size_t n = strcspn(seg, "/");
		if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.')) {
			*why = "has a '.' or '..' segment: name the file beneath the directory";
			return NULL;
		}
		seg += n;
		while (*seg == '/')
			seg++;
	}
	return arg;
}

static void check_page(const struct root *root, const struct config *cfg, const char *flag,
		       const char *rel)
{
	struct stat st;
	if (cfg->no_dotfiles && root_has_dotfile(rel))
		log_die(EXIT_USAGE, "%s '%s': a name beginning with '.' is never served with "
				    "--no-dotfiles",
			flag, rel);
	int fd = fallback_open_page(root, rel, false, &st);
	if (fd < 0)
		log_die(EXIT_USAGE, "%s '%s' is not a file that can be served from '%s':", flag, rel,
			cfg->root);
	if (close(fd) < 0)
		log_warn("close %s:", rel);
}

void fallback_check_pages(const struct root *root, const struct config *cfg)
{
	if (cfg->not_found_page_given)
		check_page(root, cfg, "--404", cfg->not_found_page);
	if (cfg->spa_page)
		check_page(root, cfg, "--spa", cfg->spa_page);
}
