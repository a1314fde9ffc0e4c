#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage_text[] =
	"usage: httpd-lite [-p PORT] [-b ADDRESS] [-d DIRECTORY] [options] [PORT]\n"
	"\n"
	"Serve the files of a directory over HTTP, one process per client.\n"
	"\n"
	"Where to listen:\n"
	"  -p, --port PORT          port to listen on (default 8000; also the\n"
	"                           positional PORT)\n"
	"  -b, --bind ADDRESS       address to bind (default: every interface,\n"
	"                           IPv6 and IPv4)\n"
	"      --backlog N          listen backlog (default 1024)\n"
	"\n"
	"What to serve:\n"
	"  -d, --directory DIR      directory to serve (default: current)\n"
	"\n"
	"Limits:\n"
	"      --max-clients N      connections served at once; more are\n"
	"                           answered 503 (default 1024)\n"
	"      --header-timeout S   seconds to receive a whole request head\n"
	"                           (default 10)\n"
	"      --idle-timeout S     seconds a keep-alive connection may idle\n"
	"                           (default 5)\n"
	"      --send-timeout S     seconds a client may stop reading (default 30)\n"
	"      --max-body BYTES     largest request body accepted (and\n"
	"                           discarded), else 413 (default 1048576)\n"
	"\n"
	"Output:\n"
	"      --trace              log accepts, forks, closes and reaps\n"
	"  -q, --quiet              no access log\n"
	"  -h, --help               show this help and exit\n"
	"  -V, --version            show the version and exit\n"
	"\n"
	"Exit status: 0 after SIGINT/SIGTERM, 1 if the server cannot start,\n"
	"2 for a bad command line.\n";

enum long_only_option {
	OPT_BACKLOG = 256,
	OPT_MAX_CLIENTS,
	OPT_HEADER_TIMEOUT,
	OPT_IDLE_TIMEOUT,
	OPT_SEND_TIMEOUT,
	OPT_MAX_BODY,
	OPT_TRACE,
};

static const struct option long_options[] = {
	{"port", required_argument, NULL, 'p'},
	{"bind", required_argument, NULL, 'b'},
	{"directory", required_argument, NULL, 'd'},
	{"backlog", required_argument, NULL, OPT_BACKLOG},
	{"max-clients", required_argument, NULL, OPT_MAX_CLIENTS},
	{"header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT},
	{"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
	{"send-timeout", required_argument, NULL, OPT_SEND_TIMEOUT},
	{"max-body", required_argument, NULL, OPT_MAX_BODY},
	{"trace", no_argument, NULL, OPT_TRACE},
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
	if (parse_number(s, 1, 65535, &v) < 0)
		usage_error("invalid port '%s': expected a number from 1 to 65535", s);
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
	cfg->header_timeout_ms = CONFIG_DEFAULT_HEADER_TIMEOUT_MS;
	cfg->idle_timeout_ms = CONFIG_DEFAULT_IDLE_TIMEOUT_MS;
	cfg->send_timeout_ms = CONFIG_DEFAULT_SEND_TIMEOUT_MS;
	cfg->max_body = CONFIG_DEFAULT_MAX_BODY;
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
	case 'q': cfg->quiet = true; break;
	case 'h':
		fputs(usage_text, stdout);
		exit(0);
	case 'V':
		printf("httpd-lite %s\n", HTTPD_LITE_VERSION);
		exit(0);
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
}
