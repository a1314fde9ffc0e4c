/* http: status codes, their reason phrases, and the explanations python's
 * error pages carry. An error travels up the call chain as the status it
 * will be answered with (quark's idea). */
#ifndef HTTPD_LITE_HTTP_H
#define HTTPD_LITE_HTTP_H

#include <stdbool.h>

enum http_status {
	HTTP_NONE = 0,
	HTTP_OK = 200,
	HTTP_CREATED = 201,
	HTTP_NO_CONTENT = 204,
	HTTP_PARTIAL_CONTENT = 206,
	HTTP_MOVED_PERMANENTLY = 301,
	HTTP_NOT_MODIFIED = 304,
	HTTP_BAD_REQUEST = 400,
	HTTP_UNAUTHORIZED = 401,
	HTTP_FORBIDDEN = 403,
	HTTP_NOT_FOUND = 404,
	HTTP_METHOD_NOT_ALLOWED = 405,
	HTTP_REQUEST_TIMEOUT = 408,
	HTTP_CONFLICT = 409,
	HTTP_PRECONDITION_FAILED = 412,
	HTTP_CONTENT_TOO_LARGE = 413,
	HTTP_URI_TOO_LONG = 414,
	HTTP_RANGE_NOT_SATISFIABLE = 416,
	HTTP_HEADER_FIELDS_TOO_LARGE = 431,
	HTTP_INTERNAL_SERVER_ERROR = 500,
	HTTP_NOT_IMPLEMENTED = 501,
	HTTP_SERVICE_UNAVAILABLE = 503,
	HTTP_VERSION_NOT_SUPPORTED = 505,
	HTTP_INSUFFICIENT_STORAGE = 507,
};

/* "Not Found"; "Unknown" for a code not in the table. */
const char *http_reason(enum http_status status);

/* python's longer explanation for error pages ("Nothing matches the
 * given URI"). */
const char *http_explain(enum http_status status);

/* RFC 9110 5.6.2 tchar: a byte that may appear in a token (method,
 * field name, media type, coding). NUL is not one. */
bool http_is_tchar(unsigned char c);

/* Statuses after which a response never has a body (RFC 9110 6.4.1). */
int http_status_has_body(enum http_status status);

#endif
