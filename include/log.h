/* log: the access log (python's shape), error lines, --trace lines and
 * start-up failures. Every line goes out in one write(2), so lines from
 * concurrent children never interleave. */
#ifndef HTTPD_LITE_LOG_H
#define HTTPD_LITE_LOG_H

#include <stdbool.h>
#include <stddef.h>

void log_init(bool quiet, bool trace);

/* 127.0.0.1 - - [29/Nov/2026 16:30:01] "GET / HTTP/1.1" 200 1234
 * The request line is escaped: control bytes and '"' / '\' never reach
 * the terminal raw. bytes < 0 prints python's "-". */
void log_access(const char *client, const char *request_line, size_t line_len,
		int status, long long bytes);

/* 127.0.0.1 - - [29/Nov/2026 16:30:01] code 404, message File not found */
void log_error_code(const char *client, int status, const char *message);

/* --trace lines; a no-op unless tracing is on. */
bool log_tracing(void);
void log_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "httpd-lite: <message>", and ": strerror(errno)" when fmt ends in ':'. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* log_warn, then exit(status). Start-up only. */
void log_die(int status, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

#endif
