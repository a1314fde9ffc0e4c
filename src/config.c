#include "config.h"
#include "fallback.h"
#include "http.h"

#include <llhttp.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* One string per section: ISO C promises string literals of 4095 bytes,
 * not the whole text. */
static const char *const usage_text[] = {
	"usage: httpd-lite [-p PORT] [-b ADDRESS] [-d DIRECTORY] [options] [PORT]\n"
	"\n",
	"Serve the files of a directory over HTTP, one process per client.\n"
	"\n",
	"Where to listen:\n"
	"  -p, --port PORT          port to listen on (default 8000; also the\n"
	"                           positional PORT); 0: a free port the kernel\n"
	"                           picks, printed at start-up\n"
	"  -b, --bind ADDRESS       address to bind (default: every interface,\n"
	"                           IPv6 and IPv4)\n"
	"      --backlog N          listen backlog (default 1024)\n"
	"\n",
	"What to serve:\n"
	"  -d, --directory DIR      directory to serve (default: current)\n"
	"\n",
	"Limits:\n"
	"      --max-clients N      connections served at once; more are\n"
	"                           answered 503 (default 1024)\n"
	"      --max-per-ip N       connections from one client address at once;\n"
	"                           more are answered 503 (default 256; 0: no cap)\n"
	"      --header-timeout S   seconds to receive a whole request head\n"
	"                           (default 10)\n"
	"      --idle-timeout S     seconds a keep-alive connection may idle\n"
	"                           (default 5)\n"
	"      --send-timeout S     seconds a client may take no byte of a response\n"
	"                           (default 30); one that takes under 1 KiB/s\n"
	"                           over S seconds is dropped too\n"
	"                           (also how long an upload's body may stall)\n"
	"      --max-body BYTES     largest request body accepted (and\n"
	"                           discarded), else 413 (default 1048576)\n"
	"\n",
	"HTTP:\n"
	"      --cors               add Access-Control-Allow-Origin: * and answer\n"
	"                           CORS preflight requests\n"
	"      --header 'NAME: VALUE'  add a header to every response (repeatable)\n"
	"      --cache SECONDS      send Cache-Control: max-age=SECONDS\n"
	"      --compress           gzip text files over 1 KiB on the fly\n"
	"      --isolate            send Cross-Origin-Opener-Policy: same-origin,\n"
	"                           Cross-Origin-Embedder-Policy: require-corp and\n"
	"                           Cross-Origin-Resource-Policy: same-origin (for\n"
	"                           SharedArrayBuffer and WebAssembly threads)\n"
	"\n",
	"Like a static host (GitHub Pages, Netlify):\n"
	"      --404 FILE           body of every 404, beneath DIR (default:\n"
	"                           404.html when there is one)\n"
	"      --spa[=FILE]         single-page app: a GET or HEAD of a missing path\n"
	"                           without an extension, from a client accepting\n"
	"                           HTML, gets FILE (default /index.html) with 200\n"
	"      --clean-urls         /about and /about/ served from about.html\n"
	"\n",
	"Safety:\n"
	"      --follow-symlinks    serve symlinks that point outside the directory\n"
	"      --no-dotfiles        hide and refuse names beginning with '.'\n"
	"      --auth USER:PASS     require HTTP Basic authentication\n"
	"      --auth-file FILE     users from FILE (user:password or user:crypt-hash)\n"
	"      --chroot             chroot into the directory after binding (root only)\n"
	"      --user NAME          run as NAME after binding (root only)\n"
	"\n",
	"Receiving files:\n"
	"      --upload             PUT creates files in existing directories, and\n"
	"                           listings get an upload control (off by default)\n"
	"      --overwrite          PUT may replace an existing file, atomically\n"
	"                           (else 409)\n"
	"      --max-upload BYTES   largest file a PUT may send, else 413\n"
	"                           (default 1073741824, 1 GiB)\n"
	"\n",
	"Starting:\n"
	"      --reuseport          set SO_REUSEPORT: several servers share the port\n"
	"      --inetd              serve one connection on stdin/stdout (inetd,\n"
	"                           systemd Accept=yes, socat)\n"
	"\n",
	"HTTPS:\n"
	"      --tls-cert FILE      serve HTTPS with this PEM certificate (chain)\n"
	"      --tls-key FILE       its private key (default: in the cert file)\n"
	"      --tls-password-file FILE  password of an encrypted key (first line)\n"
	"\n",
	"Listing and logging:\n"
	"      --no-listing         answer 403 for directories without an index\n"
	"      --archives           offer each listed folder as .tar, .tar.gz and\n"
	"                           .zip (?download=tar|tar.gz|zip), built as sent\n"
	"      --readme             show a folder's README.md below its listing\n"
	"                           (Markdown, raw HTML and unsafe links dropped)\n"
	"      --qr                 show the URL for other machines as a QR code\n"
	"                           at start-up and on listing pages\n"
	"      --log FILE           append the access log to FILE (reopened on SIGHUP)\n"
	"      --log-format FORMAT  python (default), common or combined\n"
	"\n",
	"Development:\n"
	"      --live-reload        reload pages when a file under DIR changes\n"
	"                           (stylesheets swapped in place); the event\n"
	"                           stream is /.httpd-lite/live-reload\n"
	"\n",
	"Output:\n"
	"      --trace              log accepts, forks, closes and reaps\n"
	"  -q, --quiet              no access log\n"
	"  -h, --help               show this help and exit\n"
	"  -V, --version            show the version and exit\n"
	"\n",
	"Exit status: 0 after SIGINT/SIGTERM, 1 if the server cannot start,\n"
	"2 for a bad command line.\n",
};

enum long_only_option {
	OPT_BACKLOG = 256,
	OPT_MAX_CLIENTS,
	OPT_MAX_PER_IP,
	OPT_HEADER_TIMEOUT,
	OPT_IDLE_TIMEOUT,
	OPT_SEND_TIMEOUT,
	OPT_MAX_BODY,
	OPT_TRACE,
	OPT_CORS,
	OPT_HEADER,
	OPT_CACHE,
	OPT_COMPRESS,
	OPT_FOLLOW_SYMLINKS,
	OPT_NO_DOTFILES,
	OPT_AUTH,
	OPT_AUTH_FILE,
	OPT_CHROOT,
	OPT_USER,
	OPT_UPLOAD,
	OPT_OVERWRITE,
	OPT_MAX_UPLOAD,
	OPT_REUSEPORT,
	OPT_INETD,
	OPT_NO_LISTING,
	OPT_LOG,
	OPT_LOG_FORMAT,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_TLS_PASSWORD_FILE,
	OPT_QR,
	OPT_ARCHIVES,
	OPT_README,
	OPT_NOT_FOUND_PAGE,
	OPT_SPA,
	OPT_CLEAN_URLS,
	OPT_ISOLATE,
	OPT_LIVE_RELOAD,
};

static const struct option long_options[] = {
	{"port", required_argument, NULL, 'p'},
	{"bind", required_argument, NULL, 'b'},
	{"directory", required_argument, NULL, 'd'},
	{"backlog", required_argument, NULL, OPT_BACKLOG},
	{"max-clients", required_argument, NULL, OPT_MAX_CLIENTS},
	{"max-per-ip", required_argument, NULL, OPT_MAX_PER_IP},
	{"header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT},
	{"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
	{"send-timeout", required_argument, NULL, OPT_SEND_TIMEOUT},
	{"max-body", required_argument, NULL, OPT_MAX_BODY},
	{"trace", no_argument, NULL, OPT_TRACE},
	{"cors", no_argument, NULL, OPT_CORS},
	{"header", required_argument, NULL, OPT_HEADER},
	{"cache", required_argument, NULL, OPT_CACHE},
	{"compress", no_argument, NULL, OPT_COMPRESS},
	{"follow-symlinks", no_argument, NULL, OPT_FOLLOW_SYMLINKS},
	{"no-dotfiles", no_argument, NULL, OPT_NO_DOTFILES},
	{"auth", required_argument, NULL, OPT_AUTH},
	{"auth-file", required_argument, NULL, OPT_AUTH_FILE},
	{"chroot", no_argument, NULL, OPT_CHROOT},
	{"user", required_argument, NULL, OPT_USER},
	{"upload", no_argument, NULL, OPT_UPLOAD},
	{"overwrite", no_argument, NULL, OPT_OVERWRITE},
	{"max-upload", required_argument, NULL, OPT_MAX_UPLOAD},
	{"reuseport", no_argument, NULL, OPT_REUSEPORT},
	{"inetd", no_argument, NULL, OPT_INETD},
	{"no-listing", no_argument, NULL, OPT_NO_LISTING},
	{"log", required_argument, NULL, OPT_LOG},
	{"log-format", required_argument, NULL, OPT_LOG_FORMAT},
	{"tls-cert", required_argument, NULL, OPT_TLS_CERT},
	{"tls-key", required_argument, NULL, OPT_TLS_KEY},
	{"tls-password-file", required_argument, NULL, OPT_TLS_PASSWORD_FILE},
	{"qr", no_argument, NULL, OPT_QR},
	{"archives", no_argument, NULL, OPT_ARCHIVES},
	{"readme", no_argument, NULL, OPT_README},
	{"404", required_argument, NULL, OPT_NOT_FOUND_PAGE},
	{"spa", optional_argument, NULL, OPT_SPA},
	{"clean-urls", no_argument, NULL, OPT_CLEAN_URLS},
	{"isolate", no_argument, NULL, OPT_ISOLATE},
	{"live-reload", no_argument, NULL, OPT_LIVE_RELOAD},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static void usage_error(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

static void usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("httpd-lite: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see httpd-lite --help)\n", stderr);
	exit(EXIT_USAGE);
}

/* A whole decimal number in [min, max], nothing else around it. */
static int parse_number(const char *s, unsigned long long min,
			unsigned long long max, unsigned long long *out)
{
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static uint16_t parse_port(const char *s)
{
	unsigned long long v;
	if (parse_number(s, 0, 65535, &v) < 0)
		usage_error("invalid port '%s': expected a number from 0 to 65535 (0: any free port)",
			    s);
	return (uint16_t)v;
}

static unsigned long long parse_count(const char *flag, const char *s,
				      unsigned long long min, unsigned long long max)
{
	unsigned long long v;
	if (parse_number(s, min, max, &v) < 0)
		usage_error("invalid %s '%s': expected a number from %llu to %llu",
			    flag, s, min, max);
	return v;
}

static unsigned parse_seconds(const char *flag, const char *s)
{
	return (unsigned)parse_count(flag, s, 1, 86400) * 1000u;
}

static void check_directory(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) < 0)
		usage_error("cannot serve directory '%s': %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		usage_error("cannot serve '%s': not a directory", dir);
}

static void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = CONFIG_DEFAULT_PORT;
	cfg->root = ".";
	cfg->backlog = CONFIG_DEFAULT_BACKLOG;
	cfg->max_clients = CONFIG_DEFAULT_MAX_CLIENTS;
	cfg->max_per_ip = CONFIG_DEFAULT_MAX_PER_IP;
	cfg->header_timeout_ms = CONFIG_DEFAULT_HEADER_TIMEOUT_MS;
	cfg->idle_timeout_ms = CONFIG_DEFAULT_IDLE_TIMEOUT_MS;
	cfg->send_timeout_ms = CONFIG_DEFAULT_SEND_TIMEOUT_MS;
	cfg->max_body = CONFIG_DEFAULT_MAX_BODY;
	cfg->max_upload = CONFIG_DEFAULT_MAX_UPLOAD;
	cfg->cache_seconds = -1;
	cfg->log_format = "python";
	cfg->not_found_page = "404.html";
}


/* "Name: value" with a token name and a value of visible characters,
 * spaces and tabs only: nothing that could split the response. */
static void check_header(const char *h)
{
	const char *colon = strchr(h, ':');
	if (!colon || colon == h)
		usage_error("invalid --header '%s': expected 'Name: value'", h);
	for (const char *p = h; p < colon; p++)
		if (!http_is_tchar((unsigned char)*p))
			usage_error("invalid --header '%s': bad character in the name", h);
	for (const char *p = colon + 1; *p; p++)
		if ((unsigned char)*p < 0x20 ? *p != '\t' : *p == 0x7f)
			usage_error("invalid --header '%s': control character in the value", h);
}

static void add_header(struct config *cfg, const char *h)
{
	check_header(h);
	const char **grown = realloc(cfg->extra_headers,
				     (cfg->n_extra_headers + 1) * sizeof(*grown));
	if (!grown)
		usage_error("out of memory");
	grown[cfg->n_extra_headers++] = h;
	cfg->extra_headers = grown;
}

static void check_auth(const char *a)
{
	const char *colon = strchr(a, ':');
	if (!colon || colon == a)
		usage_error("invalid --auth: expected USER:PASSWORD");
}

static const char *check_log_format(const char *f)
{
	if (strcmp(f, "python") && strcmp(f, "common") && strcmp(f, "combined"))
		usage_error("invalid --log-format '%s': expected python, common or combined", f);
	return f;
}

/* --404 and --spa name a file beneath the root; fallback.c checks at
 * start-up that it can be served. */
static const char *page_option(const char *flag, const char *arg)
{
	const char *why;
	const char *rel = fallback_page_name(arg, &why);
	if (!rel)
		usage_error("invalid %s '%s': it %s", flag, arg, why);
	return rel;
}

/* A TLS flag in a build without OpenSSL is refused in one clear line. */
static const char *tls_option(const char *arg)
{
#ifndef HTTPD_LITE_TLS
	usage_error("this build has no TLS support (rebuild with libssl-dev installed, "
		    "without TLS=0)");
#endif
	return arg;
}

/* Build features, so a user can tell what this binary can do. */
static void print_version(void)
{
	printf("httpd-lite %s\n", HTTPD_LITE_VERSION);
#ifdef HTTPD_LITE_TLS
	const char *tls = "on";
#else
	const char *tls = "off";
#endif
	printf("features: tls=%s gzip=on auth-crypt=on llhttp=%d.%d.%d (strict)\n", tls,
	       LLHTTP_VERSION_MAJOR, LLHTTP_VERSION_MINOR, LLHTTP_VERSION_PATCH);
}

static void apply_option(struct config *cfg, int opt, const char *arg)
{
	switch (opt) {
	case 'p': cfg->port = parse_port(arg); break;
	case 'b':
		if (!*arg)
			usage_error("invalid bind address: empty");
		cfg->bind = arg;
		break;
	case 'd': cfg->root = arg; break;
	case OPT_BACKLOG:
		cfg->backlog = (int)parse_count("backlog", arg, 1, INT_MAX);
		break;
	case OPT_MAX_CLIENTS:
		cfg->max_clients = (unsigned)parse_count("max-clients", arg, 1, 1000000);
		break;
	case OPT_MAX_PER_IP:
		cfg->max_per_ip = (unsigned)parse_count("max-per-ip", arg, 0, 1000000);
		break;
	case OPT_HEADER_TIMEOUT:
		cfg->header_timeout_ms = parse_seconds("header-timeout", arg);
		break;
	case OPT_IDLE_TIMEOUT:
		cfg->idle_timeout_ms = parse_seconds("idle-timeout", arg);
		break;
	case OPT_SEND_TIMEOUT:
		cfg->send_timeout_ms = parse_seconds("send-timeout", arg);
		break;
	case OPT_MAX_BODY:
		cfg->max_body = parse_count("max-body", arg, 0, UINT64_MAX);
		break;
	case OPT_TRACE: cfg->trace = true; break;
	case OPT_CORS: cfg->cors = true; break;
	case OPT_HEADER: add_header(cfg, arg); break;
	case OPT_CACHE:
		cfg->cache_seconds = (long)parse_count("cache", arg, 0, 31536000);
		break;
	case OPT_COMPRESS: cfg->compress = true; break;
	case OPT_FOLLOW_SYMLINKS: cfg->follow_symlinks = true; break;
	case OPT_NO_DOTFILES: cfg->no_dotfiles = true; break;
	case OPT_AUTH:
		check_auth(arg);
		cfg->auth = arg;
		break;
	case OPT_AUTH_FILE: cfg->auth_file = arg; break;
	case OPT_CHROOT: cfg->chroot = true; break;
	case OPT_USER: cfg->user = arg; break;
	case OPT_UPLOAD: cfg->upload = true; break;
	case OPT_OVERWRITE: cfg->overwrite = true; break;
	case OPT_MAX_UPLOAD:
		cfg->max_upload = parse_count("max-upload", arg, 0, UINT64_MAX);
		break;
	case OPT_REUSEPORT: cfg->reuseport = true; break;
	case OPT_INETD: cfg->inetd = true; break;
	case OPT_NO_LISTING: cfg->no_listing = true; break;
	case OPT_QR: cfg->qr = true; break;
	case OPT_ARCHIVES: cfg->archives = true; break;
	case OPT_README: cfg->readme = true; break;
	case OPT_LOG: cfg->log_file = arg; break;
	case OPT_LOG_FORMAT: cfg->log_format = check_log_format(arg); break;
	case OPT_TLS_CERT: cfg->tls_cert = tls_option(arg); break;
	case OPT_TLS_KEY: cfg->tls_key = tls_option(arg); break;
	case OPT_TLS_PASSWORD_FILE: cfg->tls_password_file = tls_option(arg); break;
	case OPT_NOT_FOUND_PAGE:
		cfg->not_found_page = page_option("--404", arg);
		cfg->not_found_page_given = true;
		break;
	case OPT_SPA: cfg->spa_page = page_option("--spa", arg ? arg : "/index.html"); break;
	case OPT_CLEAN_URLS: cfg->clean_urls = true; break;
	case OPT_ISOLATE: cfg->isolate = true; break;
	case OPT_LIVE_RELOAD: cfg->live_reload = true; break;
	case 'q': cfg->quiet = true; break;
	case 'h':
		for (size_t i = 0; i < sizeof(usage_text) / sizeof(usage_text[0]); i++)
			fputs(usage_text[i], stdout);
		exit(EXIT_SUCCESS);
	case 'V':
		print_version();
		exit(EXIT_SUCCESS);
	default:
		usage_error("unknown option");
	}
}

void config_parse(struct config *cfg, int argc, char **argv)
{
	config_defaults(cfg);
	int opt;
	opterr = 0; /* we say what is wrong ourselves, on one line */
	while ((opt = getopt_long(argc, argv, ":p:b:d:qhV", long_options, NULL)) != -1) {
		if (opt == ':')
			usage_error("option '%s' needs a value", argv[optind - 1]);
		if (opt == '?')
			usage_error("unknown option '%s'", argv[optind - 1]);
		apply_option(cfg, opt, optarg);
	}
	if (optind < argc)
		cfg->port = parse_port(argv[optind++]);
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	check_directory(cfg->root);
	if ((cfg->tls_key || cfg->tls_password_file) && !cfg->tls_cert)
		usage_error("--tls-key and --tls-password-file need --tls-cert");
	/* A limit equal to the default changes nothing: not worth refusing. */
	if ((cfg->overwrite || cfg->max_upload != CONFIG_DEFAULT_MAX_UPLOAD) && !cfg->upload)
		usage_error("--overwrite and --max-upload need --upload");
}
