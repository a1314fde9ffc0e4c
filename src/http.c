#include "http.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

struct status_text {
	enum http_status status;
	const char *reason;
	const char *explain;
};

/* Reason phrases are RFC 9110's; explanations are python's, so that the
 * error pages read the same as http.server's. */
static const struct status_text status_table[] = {
	{HTTP_OK, "OK", "Request fulfilled, document follows"},
	{HTTP_CREATED, "Created", "Document created, URL follows"},
	{HTTP_NO_CONTENT, "No Content", "Request fulfilled, nothing follows"},
	{HTTP_PARTIAL_CONTENT, "Partial Content", "Partial content follows"},
	{HTTP_MOVED_PERMANENTLY, "Moved Permanently",
	 "Object moved permanently -- see URI list"},
	{HTTP_NOT_MODIFIED, "Not Modified",
	 "Document has not changed since given time"},
	{HTTP_BAD_REQUEST, "Bad Request",
	 "Bad request syntax or unsupported method"},
	{HTTP_UNAUTHORIZED, "Unauthorized",
	 "No permission -- see authorization schemes"},
	{HTTP_FORBIDDEN, "Forbidden",
	 "Request forbidden -- authorization will not help"},
	{HTTP_NOT_FOUND, "Not Found", "Nothing matches the given URI"},
	{HTTP_METHOD_NOT_ALLOWED, "Method Not Allowed",
	 "Specified method is invalid for this resource"},
	{HTTP_REQUEST_TIMEOUT, "Request Timeout",
	 "Request timed out; try again later"},
	{HTTP_CONFLICT, "Conflict", "Request conflict"},
	{HTTP_PRECONDITION_FAILED, "Precondition Failed",
	 "Precondition in headers is false"},
	{HTTP_CONTENT_TOO_LARGE, "Content Too Large", "Content is too large"},
	{HTTP_URI_TOO_LONG, "URI Too Long", "URI is too long"},
	{HTTP_RANGE_NOT_SATISFIABLE, "Range Not Satisfiable",
	 "Cannot satisfy request range"},
	{HTTP_HEADER_FIELDS_TOO_LARGE, "Request Header Fields Too Large",
	 "The server refused this request because the request header fields "
	 "are too large"},
	{HTTP_INTERNAL_SERVER_ERROR, "Internal Server Error",
	 "Server got itself in trouble"},
	{HTTP_NOT_IMPLEMENTED, "Not Implemented",
	 "Server does not support this operation"},
	{HTTP_SERVICE_UNAVAILABLE, "Service Unavailable",
	 "The server cannot process the request due to a high load"},
	{HTTP_VERSION_NOT_SUPPORTED, "HTTP Version Not Supported",
	 "Cannot fulfill request"},
	{HTTP_INSUFFICIENT_STORAGE, "Insufficient Storage",
	 "There is no room left to store the request's content"},
};

static const struct status_text *status_find(enum http_status status)
{
	for (size_t i = 0; i < sizeof(status_table) / sizeof(status_table[0]); i++)
		if (status_table[i].status == status)
			return &status_table[i];
	return NULL;
}

const char *http_reason(enum http_status status)
{
	const struct status_text *t = status_find(status);
	return t ? t->reason : "Unknown";
}

const char *http_explain(enum http_status status)
{
	const struct status_text *t = status_find(status);
	return t ? t->explain : "";
}

int http_status_has_body(enum http_status status)
{
	return !(status == HTTP_NO_CONTENT || status == HTTP_NOT_MODIFIED ||
		 (status >= 100 && status < 200));
}

bool http_is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}
