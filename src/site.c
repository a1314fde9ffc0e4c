/* site.c: building the site context, see site.h. */
#include "site.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fallback.h"
#include "livereload.h"
#include "log.h"
#include "privdrop.h"
#include "tls.h"

/* Plain inetd hands the client's socket over as stderr too: access lines
 * written there would go down the connection, into the response. */
static bool stderr_is_the_client(const struct config *cfg)
{
	struct stat in, err;
	return cfg->inetd && fstat(STDIN_FILENO, &in) == 0 && fstat(STDERR_FILENO, &err) == 0 &&
	       S_ISSOCK(err.st_mode) && in.st_ino == err.st_ino && in.st_dev == err.st_dev;
}

static void open_log(const struct config *cfg)
{
	bool to_client = stderr_is_the_client(cfg);
	struct log_options opt = {
		.quiet = cfg->quiet || to_client,
		.trace = cfg->trace && !to_client,
		.format = log_format_from_name(cfg->log_format),
		.file = cfg->log_file,
	};
	log_init(&opt);
}

static int open_root(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		log_die(EXIT_RUNTIME, "cannot open directory '%s':", dir);
	return fd;
}

void site_open(struct site *site, const struct config *cfg)
{
	*site = (struct site){.cfg = cfg};
	open_log(cfg);
	/* Read /etc/localtime once here, not once in every child, and
	 * before a chroot hides it. */
	tzset();
	site->root = (struct root){.fd = open_root(cfg->root),
				   .follow_symlinks = cfg->follow_symlinks};
	fallback_check_pages(&site->root, cfg);
	if (cfg->live_reload)
		livereload_check_root(site->root.fd);
	mime_load(&site->mime, MIME_SYSTEM_FILE);
	auth_configure(&site->auth, cfg);
	response_extras_build(&site->extras, cfg);
	site->tls = tls_server_open(cfg);
}

void site_drop_privileges(const struct site *site)
{
	privdrop_apply(site->cfg, site->root.fd);
}

void site_close(struct site *site)
{
	if (site->root.fd >= 0 && close(site->root.fd) < 0)
		log_warn("close the root:");
	site->root.fd = -1;
	mime_free(&site->mime);
	auth_free(&site->auth);
	response_extras_free(&site->extras);
	tls_server_free(site->tls);
	site->tls = NULL;
	buf_free(&site->listing_qr);
}
