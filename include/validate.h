/* validate: entity tags and conditional requests (RFC 9110 8.8, 13).
 * Pure: the handler passes the request's fields and the file's
 * validators, and gets back the status the preconditions call for. */
#ifndef HTTPD_LITE_VALIDATE_H
#define HTTPD_LITE_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "http.h"

/* W/"<16 hex>-<16 hex>-<16 hex>.<8 hex>-gz" and the NUL, with room. */
#define VALIDATE_ETAG_MAX 80

/* A strong ETag from what changes whenever the file's bytes may have:
 * inode (a replaced file), size and the nanosecond mtime:
 * "<inode>-<size>-<sec>.<nsec>" in hex. suffix (NULL: none) tells
 * variants apart, e.g. "gz"; weak prefixes W/. out gets "" if it does
 * not fit (it always does with VALIDATE_ETAG_MAX). */
void validate_etag_format(char out[VALIDATE_ETAG_MAX], uint64_t inode, uint64_t size,
			  int64_t mtime_sec, long mtime_nsec, const char *suffix, bool weak);

/* RFC 9110 8.8.3.2. Both arguments are whole entity-tags (W/"x" or
 * "x"); a malformed one never matches. */
bool validate_etag_strong_eq(const char *a, const char *b);
bool validate_etag_weak_eq(const char *a, const char *b);

/* Does the If-Match / If-None-Match value (a "*" or a comma-separated
 * list of entity-tags, empty elements allowed) match etag? "*" matches
 * any current representation. A malformed list matches nothing. */
bool validate_list_matches(const char *list, const char *etag, bool weak);

struct validate_request {
	const char *if_match;            /* NULL when absent */
	const char *if_none_match;
	const char *if_modified_since;
	const char *if_unmodified_since;
	bool get_or_head;                /* 304 only for these; else 412 */
};

/* RFC 9110 13.2.2, in its order: If-Match, else If-Unmodified-Since
 * (412 when false); If-None-Match, else If-Modified-Since for GET/HEAD
 * (304 when the representation is unchanged). Dates compare in whole
 * seconds; a date that does not parse is ignored. Returns HTTP_OK when
 * the request should go on (Range is evaluated after this). */
enum http_status validate_preconditions(const struct validate_request *req,
					const char *etag, time_t mtime);

#endif
