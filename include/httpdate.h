/* httpdate: HTTP dates (RFC 9110 section 5.6.7). */
#ifndef HTTPD_LITE_HTTPDATE_H
#define HTTPD_LITE_HTTPDATE_H

#include <stddef.h>
#include <time.h>

/* "Sun, 06 Nov 1994 08:49:37 GMT" */
#define HTTPDATE_LEN 29

/* IMF-fixdate of t (UTC) into out, NUL-terminated. */
void httpdate_format(time_t t, char out[HTTPDATE_LEN + 1]);

/* Parse any of the three formats a recipient must accept:
 *   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
 *   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT"  (two-digit year:
 *                 RFC 9110 rule, a year more than 50 years ahead is in
 *                 the past century)
 *   asctime      "Sun Nov  6 08:49:37 1994"
 * s need not be NUL-terminated. Leading/trailing whitespace is allowed.
 * Out-of-range fields (month 13, hour 25, day 32) are malformed.
 * Returns 0 and stores the time, or -1 when malformed. */
int httpdate_parse(const char *s, size_t len, time_t *out);

/* python's access-log time "29/Nov/2026 16:30:01" (local time). */
#define LOGDATE_LEN 20
void logdate_format(time_t t, char out[LOGDATE_LEN + 1]);

/* RFC 3339 in UTC, "2026-11-29T16:30:01Z" (for listings): digits by
 * hand for 1970 to 9999, gmtime and strftime outside (years before 1970,
 * five digits, a minus). Room for gmtime's widest year. Returns the
 * length; out is NUL-terminated. */
#define HTTPDATE_RFC3339_MAX 32
size_t httpdate_rfc3339(time_t t, char out[HTTPDATE_RFC3339_MAX]);

#endif
