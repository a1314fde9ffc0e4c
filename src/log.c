#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "httpdate.h"
#include "utf8.h"

#define LOG_LINE_MAX 4096
#define LOG_BATCH_MAX 4096 /* PIPE_BUF: one atomic write to a pipe */

/* Process-wide on purpose: a process has one log, any layer may report
 * an error, and start-up failures come before a site exists. */
static struct log_options log_opt;
static int log_fd = STDERR_FILENO; /* access and error lines */

static int open_log_file(const char *path)
{
	int fd;
	do
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	while (fd < 0 && errno == EINTR);
	return fd;
}

void log_init(const struct log_options *opt)
{
	log_opt = *opt;
	if (!opt->file)
		return;
	log_fd = open_log_file(opt->file);
	if (log_fd < 0)
		log_die(EXIT_RUNTIME, "cannot open log file '%s':", opt->file);
}

enum log_format log_format_from_name(const char *name)
{
	if (name && strcmp(name, "combined") == 0)
		return LOG_FORMAT_COMBINED;
	if (name && strcmp(name, "common") == 0)
		return LOG_FORMAT_COMMON;
	return LOG_FORMAT_PYTHON;
}

void log_reopen(void)
{
	if (!log_opt.file)
		return;
	int fd = open_log_file(log_opt.file);
	if (fd < 0) {
		log_warn("cannot reopen log file '%s', keeping the old one:", log_opt.file);
		return;
	}
	/* dup2 keeps the fd number, so nothing else needs to know. */
	if (dup2(fd, log_fd) < 0)
		log_warn("dup2 for the log file:");
	close(fd);
}

bool log_tracing(void)
{
	return log_opt.trace;
}

/* Best effort: a log line that cannot be written is not worth failing a
 * response for, but a short write is completed. */
static void log_write_fd(int fd, const char *line, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, line, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		line += n;
		len -= (size_t)n;
	}
}

/* A child batches its access lines: one write(2) for many requests keeps
 * the keep-alive path short. The batch never exceeds PIPE_BUF, so it
 * reaches a pipe in one piece, and conn.c flushes it within 0.1 s of
 * going idle, at close and before exit. One batch per process, like the
 * log itself: a child serves one connection. */
static char log_batch[LOG_BATCH_MAX];
static size_t log_batched;
static bool log_batching;

void log_batch_lines(bool on)
{
	log_flush();
	log_batching = on;
}

void log_flush(void)
{
	size_t n = log_batched;
	log_batched = 0;
	if (n)
		log_write_fd(log_fd, log_batch, n);
}

bool log_pending(void)
{
	return log_batched > 0;
}

static void log_write(const char *line, size_t len)
{
	if (!log_batching || len > sizeof(log_batch)) {
		log_write_fd(log_fd, line, len);
		return;
	}
	if (len > sizeof(log_batch) - log_batched)
		log_flush();
	memcpy(log_batch + log_batched, line, len);
	log_batched += len;
}

/* A well-formed character a terminal would act on, or that reorders or
 * splits what it shows: C1 controls U+0080-U+009F (U+009B is an 8-bit
 * CSI), the line and paragraph separators U+2028-U+2029 and the bidi
 * embeddings, overrides and isolates U+202A-U+202E, U+2066-U+2069. */
static bool is_hidden_control(const unsigned char *s, size_t len)
{
	if (len == 2)
		return s[0] == 0xc2 && s[1] < 0xa0;
	if (len != 3 || s[0] != 0xe2)
		return false;
	return (s[1] == 0x80 && s[2] >= 0xa8 && s[2] <= 0xae) ||
	       (s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9);
}

static bool is_escaped_ascii(unsigned char c, unsigned flags)
{
	return c < 0x20 || c == 0x7f ||
	       ((flags & LOG_ESCAPE_QUOTES) && (c == '"' || c == '\\'));
}

size_t log_escape(char *out, size_t cap, const char *text, size_t len, unsigned flags)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)text;
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len(s + i, len - i);
		bool escape = n == 0 || (n == 1 && is_escaped_ascii(s[i], flags)) ||
			      is_hidden_control(s + i, n);
		if (n == 0)
			n = 1; /* not UTF-8: this byte alone */
		size_t need = escape ? 4 * n : n;
		if (need > cap - o)
			break; /* never half a character */
		for (size_t k = 0; k < n; k++, i++) {
			if (!escape) {
				out[o++] = (char)s[i];
				continue;
			}
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[s[i] >> 4];
			out[o++] = hex[s[i] & 15];
		}
	}
	return o;
}

static int line_prefix(char *out, size_t cap, const char *client)
{
	char when[LOGDATE_LEN + 1];
	logdate_format(time(NULL), when);
	return snprintf(out, cap, "%s - - [%s] ", client, when);
}

/* Apache's [10/Oct/2000:13:55:36 -0700], local time. */
static int clf_prefix(char *out, size_t cap, const char *client)
{
	char when[64];
	time_t now = time(NULL);
	struct tm tm;
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	localtime_r(&now, &tm);
	long off = tm.tm_gmtoff / 60;
	snprintf(when, sizeof(when), "%02d/%s/%04d:%02d:%02d:%02d %c%02ld%02ld", tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
	return snprintf(out, cap, "%s - - [%s] ", client, when);
}

/* Appends fmt's output at line[*n], never past cap: a line too long is
 * cut, silently. */
static void vappend(char *line, size_t cap, size_t *n, const char *fmt, va_list ap)
{
	int w = vsnprintf(line + *n, cap - *n, fmt, ap);
	if (w > 0)
		*n = *n + (size_t)w < cap ? *n + (size_t)w : cap - 1;
}

static void append(char *line, size_t cap, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void append(char *line, size_t cap, size_t *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vappend(line, cap, n, fmt, ap);
	va_end(ap);
}

/* Escaped s at line[*n], leaving reserve bytes of cap for what follows. */
static void append_escaped(char *line, size_t cap, size_t *n, const char *s, size_t len,
			   size_t reserve)
{
	if (*n + reserve < cap)
		*n += log_escape(line + *n, cap - *n - reserve, s, len, LOG_ESCAPE_QUOTES);
}

static void append_quoted(char *line, size_t cap, size_t *n, const char *s)
{
	if (!s || !*s) {
		append(line, cap, n, " \"-\"");
		return;
	}
	append(line, cap, n, " \"");
	append_escaped(line, cap, n, s, strlen(s), 2);
	append(line, cap, n, "\"");
}

void log_access(const struct log_entry *e)
{
	if (log_opt.quiet)
		return;
	char line[LOG_LINE_MAX];
	const size_t cap = sizeof(line) - 1; /* room for the newline */
	bool python = log_opt.format == LOG_FORMAT_PYTHON;
	size_t n = (size_t)(python ? line_prefix(line, cap, e->client)
				   : clf_prefix(line, cap, e->client));
	line[n++] = '"';
	append_escaped(line, cap, &n, e->request_line, e->line_len, 64);
	if (e->bytes < 0 || (!python && e->bytes == 0))
		append(line, cap, &n, "\" %d -", e->status);
	else
		append(line, cap, &n, "\" %d %lld", e->status, e->bytes);
	if (log_opt.format == LOG_FORMAT_COMBINED) {
		append_quoted(line, cap, &n, e->referer);
		append_quoted(line, cap, &n, e->user_agent);
	}
	line[n++] = '\n';
	log_write(line, n);
}

void log_error_code(const char *client, int status, const char *message)
{
	/* Apache-style logs have no such line; python's has. */
	if (log_opt.quiet || log_opt.format != LOG_FORMAT_PYTHON)
		return;
	char line[LOG_LINE_MAX];
	const size_t cap = sizeof(line) - 1;
	size_t n = (size_t)line_prefix(line, cap, client);
	append(line, cap, &n, "code %d, message ", status);
	append_escaped(line, cap, &n, message, strlen(message), 0);
	line[n++] = '\n';
	log_write(line, n);
}

/* Trace, warning and status lines carry client bytes too (addresses,
 * messages quoting input): formatted first, then escaped as a whole. */
static void log_vline(const char *prefix, const char *fmt, va_list ap, int err)
{
	char raw[LOG_LINE_MAX], line[LOG_LINE_MAX];
	const size_t cap = sizeof(raw) - 1;
	size_t n = 0;
	append(raw, cap, &n, "%s", prefix);
	vappend(raw, cap, &n, fmt, ap);
	size_t fl = strlen(fmt);
	if (fl && fmt[fl - 1] == ':')
		append(raw, cap, &n, " %s", strerror(err));
	size_t m = log_escape(line, sizeof(line) - 1, raw, n, 0);
	line[m++] = '\n';
	log_flush(); /* keep the order of what this process logged */
	log_write_fd(STDERR_FILENO, line, m);
}

void log_notice(const char *client, const char *message)
{
	if (log_opt.quiet)
		return;
	char line[LOG_LINE_MAX];
	const size_t cap = sizeof(line) - 1;
	size_t n = 0;
	append(line, cap, &n, "httpd-lite: %s: ", client);
	append_escaped(line, cap, &n, message, strlen(message), 0);
	line[n++] = '\n';
	log_flush();
	log_write_fd(STDERR_FILENO, line, n);
}

void log_plain(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vline("", fmt, ap, errno);
	va_end(ap);
}

void log_trace(const char *fmt, ...)
{
	if (!log_opt.trace)
		return;
	va_list ap;
	va_start(ap, fmt);
	log_vline("[trace] ", fmt, ap, errno);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	va_start(ap, fmt);
	log_vline("httpd-lite: ", fmt, ap, err);
	va_end(ap);
}

void log_die(int status, const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	va_start(ap, fmt);
	log_vline("httpd-lite: ", fmt, ap, err);
	va_end(ap);
	exit(status);
}
