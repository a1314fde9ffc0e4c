/* reqline: what a request line that llhttp refused deserves. llhttp stops
 * at the first byte it does not like and says only which part was wrong;
 * python judges the whole line: an unknown method token is 501, a
 * well-formed other version 505, anything else 400. Pure: it looks at the
 * line as recorded so far. */
#ifndef HTTPD_LITE_REQLINE_H
#define HTTPD_LITE_REQLINE_H

#include <stdbool.h>
#include <stddef.h>

#include <llhttp.h>

#include "http.h"

/* The longest method in IANA's HTTP Method Registry, UPDATEREDIRECTREF:
 * a longer token is no method anyone speaks, and a request line that
 * starts with one is refused (400) before its end arrives. */
#define REQUEST_METHOD_LONGEST 17

/* The status for line[0, len) (whole: its end has been seen), after
 * llhttp failed with err, with python's message in detail; HTTP_NONE
 * while the rest of the line can still turn a 400 into a 501 or 505. */
enum http_status reqline_judge(const char *line, size_t len, bool whole, llhttp_errno_t err,
			       char *detail, size_t cap);

/* A TLS ClientHello sent to the plain HTTP port. */
bool reqline_is_tls_handshake(const char *line, size_t len);

#endif
