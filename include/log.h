/* log: the access log, error lines, --trace lines and start-up failures.
 * Every line goes out in one write(2), so lines from concurrent children
 * never interleave (O_APPEND files and pipes keep whole writes whole). */
#ifndef HTTPD_LITE_LOG_H
#define HTTPD_LITE_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_format {
	LOG_FORMAT_PYTHON,   /* 127.0.0.1 - - [29/Nov/2026 16:30:01] "GET / HTTP/1.1" 200 1234 */
	LOG_FORMAT_COMMON,   /* Apache/nginx common: [29/Nov/2026:16:30:01 +0000], "-" for 0 */
	LOG_FORMAT_COMBINED, /* common + "Referer" "User-Agent" */
};

struct log_options {
	bool quiet;              /* no access or error lines */
	bool trace;              /* --trace lines on stderr */
	enum log_format format;
	const char *file;        /* access log file (appended), NULL: stderr */
};

/* Opens the access log file if any; one line and exit(1) if it cannot. */
void log_init(const struct log_options *opt);

/* "python", "common" or "combined" (config.c has validated it). */
enum log_format log_format_from_name(const char *name);

/* SIGHUP: open the access log file again, for logrotate. Keeps the old
 * one (and says why) when the new one cannot be opened. */
void log_reopen(void);

/* In a child: collect access and error lines and write them in batches
 * (log_flush) instead of one write(2) each. Off: write at once. */
void log_batch_lines(bool on);
/* Write out what is batched; cheap when nothing is. */
void log_flush(void);
/* Lines are waiting in the batch. */
bool log_pending(void);

/* One request as the access log sees it. */
struct log_entry {
	const char *client;       /* "127.0.0.1" */
	const char *request_line; /* as received, escaped on output */
	size_t line_len;
	int status;
	long long bytes;          /* body bytes sent; < 0: unknown ("-") */
	const char *referer;      /* NULL: "-" (combined format only) */
	const char *user_agent;   /* NULL: "-" (combined format only) */
};

/* The request line, Referer and User-Agent are escaped: control bytes,
 * '"' and '\' never reach the terminal or the log file raw. */
void log_access(const struct log_entry *e);

/* python's error line, before the access line of an error response:
 * 127.0.0.1 - - [29/Nov/2026 16:30:01] code 404, message File not found */
void log_error_code(const char *client, int status, const char *message);

/* Escape text[0, len) into out[0, cap) so that what a line carries is
 * always valid UTF-8 and nothing in it acts on a terminal: C0 controls,
 * DEL, the C1 controls U+0080-U+009F, line/paragraph separators and bidi
 * overrides, and every byte that is not part of well-formed UTF-8 become
 * \xHH (each byte of the sequence: the log shows the bytes received);
 * with LOG_ESCAPE_QUOTES, '"' and '\' too (they delimit log fields). A
 * character that does not fit whole is left out with all that follows.
 * Returns the bytes written (no NUL). Every line the log writes goes
 * through here. */
#define LOG_ESCAPE_QUOTES 1u
size_t log_escape(char *out, size_t cap, const char *text, size_t len, unsigned flags);

/* "httpd-lite: CLIENT: message" on stderr (not the access log), unless
 * quiet: something about a client the operator can act on. */
void log_notice(const char *client, const char *message);

/* One line on stderr as given (escaped), even when quiet: the SIGUSR1
 * table. */
void log_plain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --trace lines; a no-op unless tracing is on. */
bool log_tracing(void);
void log_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "httpd-lite: <message>" on stderr, and ": strerror(errno)" when fmt
 * ends in ':'. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* log_warn, then exit(status). Start-up only. */
void log_die(int status, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

#endif
