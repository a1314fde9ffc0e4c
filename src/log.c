#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "httpdate.h"

#define LOG_LINE_MAX 4096

static bool log_quiet;
static bool log_trace_on;

void log_init(bool quiet, bool trace)
{
	log_quiet = quiet;
	log_trace_on = trace;
}

bool log_tracing(void)
{
	return log_trace_on;
}

/* Best effort: a log line that cannot be written is not worth failing a
 * response for, but a short write is completed. */
static void log_write(const char *line, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, line, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		line += n;
		len -= (size_t)n;
	}
}

/* Append s escaped like python's log_message: control bytes, DEL, '"'
 * and '\' as \xNN so a request line cannot forge log lines or colours. */
static size_t escape_into(char *out, size_t cap, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < len && o + 4 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
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

void log_access(const char *client, const char *request_line, size_t line_len,
		int status, long long bytes)
{
	if (log_quiet)
		return;
	char line[LOG_LINE_MAX];
	size_t n = (size_t)line_prefix(line, sizeof(line) - 64, client);
	line[n++] = '"';
	n += escape_into(line + n, sizeof(line) - n - 48, request_line, line_len);
	if (bytes < 0)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "\" %d -\n", status);
	else
		n += (size_t)snprintf(line + n, sizeof(line) - n, "\" %d %lld\n",
				      status, bytes);
	log_write(line, n);
}

void log_error_code(const char *client, int status, const char *message)
{
	if (log_quiet)
		return;
	char line[LOG_LINE_MAX];
	size_t n = (size_t)line_prefix(line, sizeof(line) - 64, client);
	n += (size_t)snprintf(line + n, sizeof(line) - n - 48, "code %d, message ", status);
	n += escape_into(line + n, sizeof(line) - n - 2, message, strlen(message));
	line[n++] = '\n';
	log_write(line, n);
}

/* The new length after an snprintf that wrote (or wanted to write) added
 * bytes at offset n of a buffer of cap bytes: truncation is kept silent. */
static size_t append_clamped(size_t cap, size_t n, int added)
{
	if (added < 0)
		return n;
	n += (size_t)added;
	return n < cap ? n : cap - 1;
}

static void log_vline(const char *prefix, const char *fmt, va_list ap, int err)
{
	char line[LOG_LINE_MAX];
	size_t cap = sizeof(line) - 2;
	size_t n = strlen(prefix);
	memcpy(line, prefix, n);
	n = append_clamped(cap, n, vsnprintf(line + n, cap - n, fmt, ap));
	size_t fl = strlen(fmt);
	if (fl && fmt[fl - 1] == ':')
		n = append_clamped(cap, n,
				   snprintf(line + n, cap - n, " %s", strerror(err)));
	line[n++] = '\n';
	log_write(line, n);
}

void log_trace(const char *fmt, ...)
{
	if (!log_trace_on)
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
