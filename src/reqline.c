/* reqline.c: see reqline.h. */
#include "reqline.h"

#include <stdio.h>
#include <string.h>

static bool all_tchars(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!http_is_tchar((unsigned char)s[i]))
			return false;
	return true;
}

/* "HTTP/2.0" or "HTTP/9.9": well formed (RFC 9112 2.3, one digit each
 * side of the dot), a major version other than ours. "HTTP/9.9.9" is no
 * version at all: a 400, as for python. */
static bool is_other_major_version(const char *v, const char *end)
{
	return end - v == 8 && strncmp(v, "HTTP/", 5) == 0 && v[5] >= '0' && v[5] <= '9' &&
	       v[5] != '1' && v[6] == '.' && v[7] >= '0' && v[7] <= '9';
}

/* llhttp stops at the first byte it does not like; python looks at the
 * whole line. "FOO / HTTP/1.1" or "get / HTTP/1.1" is a method we do not
 * implement (501); "GET / HTTP/3.0" a version we do not speak (505);
 * anything else malformed is a 400. */
static enum http_status classify(const char *line, size_t len, llhttp_errno_t err,
				 char *detail, size_t cap)
{
	const char *sp = memchr(line, ' ', len);
	size_t mlen = sp ? (size_t)(sp - line) : len;
	bool token = mlen > 0 && mlen <= REQUEST_METHOD_LONGEST && all_tchars(line, mlen);
	if (err == HPE_INVALID_METHOD && token && sp) {
		snprintf(detail, cap, "Unsupported method ('%.*s')", (int)(mlen > 64 ? 64 : mlen),
			 line);
		return HTTP_NOT_IMPLEMENTED;
	}
	const char *ver = memrchr(line, ' ', len);
	if (err == HPE_INVALID_VERSION && ver && is_other_major_version(ver + 1, line + len)) {
		snprintf(detail, cap, "Invalid HTTP version (%.16s)", ver + 6);
		return HTTP_VERSION_NOT_SUPPORTED;
	}
	snprintf(detail, cap, "Bad request syntax ('%.*s')", (int)(len > 100 ? 100 : len), line);
	return HTTP_BAD_REQUEST;
}

/* v[0, len) could still grow into "HTTP/d.d". */
static bool may_become_version(const char *v, size_t len)
{
	static const char shape[] = "HTTP/0.0";
	if (len > sizeof(shape) - 1)
		return false;
	for (size_t i = 0; i < len; i++) {
		bool ok = shape[i] == '0' ? v[i] >= '0' && v[i] <= '9' : v[i] == shape[i];
		if (!ok)
			return false;
	}
	return true;
}

/* After llhttp failed, the rest of the request line is worth waiting
 * for only if it can still change the answer from 400 to 501 (a method
 * token we do not implement: decided at the space) or 505 (a well-formed
 * other version: decided by the last word). Anything else -- a first
 * byte no request starts with, a control byte or non-token byte in the
 * method, a method longer than any real one, a bad byte in the target --
 * is a 400 now: a client that sent a TLS handshake, an SSH banner or
 * noise without a line end must not hold its process until the header
 * timeout. The bytes are only recorded, never parsed again. */
static bool worth_waiting(const char *line, size_t len, llhttp_errno_t err)
{
	const char *sp = memchr(line, ' ', len);
	size_t mlen = sp ? (size_t)(sp - line) : len;
	if (mlen == 0 || mlen > REQUEST_METHOD_LONGEST || !all_tchars(line, mlen))
		return false;
	if (err == HPE_INVALID_METHOD)
		return !sp;
	if (err != HPE_INVALID_VERSION)
		return false;
	const char *last = (const char *)memrchr(line, ' ', len) + 1;
	return may_become_version(last, (size_t)(line + len - last));
}

/* A TLS record starts 0x16 (handshake), then major version 3. */
bool reqline_is_tls_handshake(const char *line, size_t len)
{
	return len >= 2 && line[0] == 0x16 && line[1] == 0x03;
}

enum http_status reqline_judge(const char *line, size_t len, bool whole, llhttp_errno_t err,
			       char *detail, size_t cap)
{
	if (!whole && worth_waiting(line, len, err))
		return HTTP_NONE;
	if (reqline_is_tls_handshake(line, len)) {
		snprintf(detail, cap, "TLS handshake on the plain HTTP port");
		return HTTP_BAD_REQUEST;
	}
	return classify(line, len, err, detail, cap);
}

