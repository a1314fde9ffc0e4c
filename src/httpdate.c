/* httpdate: HTTP dates (RFC 9110 section 5.6.7).
 *
 * Names are written and matched here rather than by strftime/strptime so
 * that the result never depends on the locale. Parsing is strict: exact
 * separators, case-sensitive names (the grammar's %s"..."), every field in
 * range; a date we cannot read is ignored by the caller, which is always
 * safer than misreading it. The weekday must be a valid name but is not
 * checked against the date, as it carries no information of its own. */
#include "httpdate.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static const char *const httpdate_wday[7] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
};

static const char *const httpdate_wday_long[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday",
	"Thursday", "Friday", "Saturday",
};

static const char *const httpdate_month[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* Times outside years 1..9999 are clamped so that the fixed-width fields
 * hold; a day's margin keeps local time inside too. Compared as long long
 * so that the bounds need no 64-bit time_t to be written down. */
#define HTTPDATE_MIN (-62135596800LL + 86400)  /* 0001-01-02 00:00:00 */
#define HTTPDATE_MAX (253402300799LL - 86400)  /* 9999-12-30 23:59:59 */

static time_t httpdate_clamp(time_t t)
{
	if ((long long)t < HTTPDATE_MIN)
		return (time_t)HTTPDATE_MIN;
	if ((long long)t > HTTPDATE_MAX)
		return (time_t)HTTPDATE_MAX;
	return t;
}

/* Writes v as exactly width decimal digits (v is in range by now). */
static void httpdate_digits(char *out, int v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

static void httpdate_hms(char *out, const struct tm *tm)
{
	httpdate_digits(out, tm->tm_hour, 2);
	out[2] = ':';
	httpdate_digits(out + 3, tm->tm_min, 2);
	out[5] = ':';
	httpdate_digits(out + 6, tm->tm_sec, 2);
}

void httpdate_format(time_t t, char out[HTTPDATE_LEN + 1])
{
	struct tm tm;

	t = httpdate_clamp(t);
	if (!gmtime_r(&t, &tm)) {
		memcpy(out, "Thu, 01 Jan 1970 00:00:00 GMT", HTTPDATE_LEN + 1);
		return;
	}
	/* "Sun, 06 Nov 1994 08:49:37 GMT" */
	memcpy(out, httpdate_wday[tm.tm_wday], 3);
	memcpy(out + 3, ", ", 2);
	httpdate_digits(out + 5, tm.tm_mday, 2);
	out[7] = ' ';
	memcpy(out + 8, httpdate_month[tm.tm_mon], 3);
	out[11] = ' ';
	httpdate_digits(out + 12, tm.tm_year + 1900, 4);
	out[16] = ' ';
	httpdate_hms(out + 17, &tm);
	memcpy(out + 25, " GMT", 5);
}

void logdate_format(time_t t, char out[LOGDATE_LEN + 1])
{
	struct tm tm;

	t = httpdate_clamp(t);
	if (!localtime_r(&t, &tm)) {
		memcpy(out, "01/Jan/1970 00:00:00", LOGDATE_LEN + 1);
		return;
	}
	/* "29/Nov/2026 16:30:01" */
	httpdate_digits(out, tm.tm_mday, 2);
	out[2] = '/';
	memcpy(out + 3, httpdate_month[tm.tm_mon], 3);
	out[6] = '/';
	httpdate_digits(out + 7, tm.tm_year + 1900, 4);
	out[11] = ' ';
	httpdate_hms(out + 12, &tm);
	out[20] = '\0';
}

/* ---- parsing ----------------------------------------------------------- */

/* ---- RFC 3339 ---------------------------------------------------------- */

/* Two digits of v (< 100) at p; p after them. */
static char *httpdate_put_2digits(char *p, unsigned v)
{
	*p++ = (char)('0' + v / 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

#define HTTPDATE_RFC3339_MAX 32
/* 9999-12-31T23:59:59Z: the last time with a four-digit year */
#define HTTPDATE_RFC3339_FAST_END INT64_C(253402300799)

/* Days since 1970-01-01 to a date of the proleptic Gregorian calendar,
 * counting in 400-year eras from 0000-03-01 (so that the leap day ends
 * a year); days >= 0 only. */
static void httpdate_civil_date(int64_t days, unsigned *year, unsigned *month,
			       unsigned *day)
{
	int64_t z = days + 719468;  /* days since 0000-03-01 */
	int64_t era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);                  /* [0, 146096] */
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);        /* [0, 365] */
	unsigned mp = (5 * doy + 2) / 153;                             /* March = 0 */
	*day = doy - (153 * mp + 2) / 5 + 1;
	*month = mp < 10 ? mp + 3 : mp - 9;
	*year = (unsigned)(era * 400 + yoe) + (*month <= 2);
}

/* "2026-11-29T16:30:01Z" from digits for 1970 to 9999 ... */
static size_t httpdate_rfc3339_fast(time_t t, char *out)
{
	unsigned year, month, day;
	unsigned secs = (unsigned)(t % 86400);
	httpdate_civil_date(t / 86400, &year, &month, &day);
	char *p = out;
	p = httpdate_put_2digits(p, year / 100);
	p = httpdate_put_2digits(p, year % 100);
	*p++ = '-';
	p = httpdate_put_2digits(p, month);
	*p++ = '-';
	p = httpdate_put_2digits(p, day);
	*p++ = 'T';
	p = httpdate_put_2digits(p, secs / 3600);
	*p++ = ':';
	p = httpdate_put_2digits(p, secs / 60 % 60);
	*p++ = ':';
	p = httpdate_put_2digits(p, secs % 60);
	*p++ = 'Z';
	*p = '\0';
	return (size_t)(p - out);
}

/* ... and from gmtime and strftime before 1970 and after 9999, whose
 * years (none, five digits, a minus) only they get right. */
size_t httpdate_rfc3339(time_t t, char out[HTTPDATE_RFC3339_MAX])
{
	if (t >= 0 && (int64_t)t <= HTTPDATE_RFC3339_FAST_END)
		return httpdate_rfc3339_fast(t, out);
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	return strftime(out, HTTPDATE_RFC3339_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm);
}


struct httpdate_scan {
	const char *p;
	size_t n;
};

static bool httpdate_lit(struct httpdate_scan *sc, const char *lit)
{
	size_t len = strlen(lit);

	if (sc->n < len || memcmp(sc->p, lit, len) != 0)
		return false;
	sc->p += len;
	sc->n -= len;
	return true;
}

static bool httpdate_num(struct httpdate_scan *sc, size_t width, int *v)
{
	if (sc->n < width)
		return false;
	*v = 0;
	for (size_t i = 0; i < width; i++) {
		if (sc->p[i] < '0' || sc->p[i] > '9')
			return false;
		*v = *v * 10 + (sc->p[i] - '0');
	}
	sc->p += width;
	sc->n -= width;
	return true;
}

/* Matches one of names[0..count) and stores its index. */
static bool httpdate_name(struct httpdate_scan *sc, const char *const *names,
			  int count, int *idx)
{
	for (int i = 0; i < count; i++) {
		if (httpdate_lit(sc, names[i])) {
			*idx = i;
			return true;
		}
	}
	return false;
}

static bool httpdate_wday_short(struct httpdate_scan *sc)
{
	int idx;

	return httpdate_name(sc, httpdate_wday, 7, &idx);
}

static bool httpdate_mon(struct httpdate_scan *sc, int *mon)
{
	return httpdate_name(sc, httpdate_month, 12, mon);
}

/* The fields as read; checked for range before use. */
struct httpdate_fields {
	int year, mon, day, hour, min, sec;
};

static bool httpdate_time(struct httpdate_scan *sc, struct httpdate_fields *f)
{
	return httpdate_num(sc, 2, &f->hour) && httpdate_lit(sc, ":") &&
	       httpdate_num(sc, 2, &f->min) && httpdate_lit(sc, ":") &&
	       httpdate_num(sc, 2, &f->sec);
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" */
static bool httpdate_imf(struct httpdate_scan sc, struct httpdate_fields *f)
{
	return httpdate_wday_short(&sc) && httpdate_lit(&sc, ", ") &&
	       httpdate_num(&sc, 2, &f->day) && httpdate_lit(&sc, " ") &&
	       httpdate_mon(&sc, &f->mon) && httpdate_lit(&sc, " ") &&
	       httpdate_num(&sc, 4, &f->year) && httpdate_lit(&sc, " ") &&
	       httpdate_time(&sc, f) && httpdate_lit(&sc, " GMT") && sc.n == 0;
}

/* RFC 9110: a two-digit year more than 50 years in the future is in the
 * past century. Taken to mean the year within (now - 50, now + 50]. */
static int httpdate_full_year(int yy)
{
	time_t now = time(NULL);
	struct tm tm;
	int cur = 1970;

	if (now != (time_t)-1 && gmtime_r(&now, &tm))
		cur = tm.tm_year + 1900;
	int y = cur - cur % 100 + yy;
	if (y > cur + 50)
		y -= 100;
	else if (y <= cur - 50)
		y += 100;
	return y;
}

/* "Sunday, 06-Nov-94 08:49:37 GMT" */
static bool httpdate_rfc850(struct httpdate_scan sc, struct httpdate_fields *f)
{
	int idx;

	if (!(httpdate_name(&sc, httpdate_wday_long, 7, &idx) &&
	      httpdate_lit(&sc, ", ") && httpdate_num(&sc, 2, &f->day) &&
	      httpdate_lit(&sc, "-") && httpdate_mon(&sc, &f->mon) &&
	      httpdate_lit(&sc, "-") && httpdate_num(&sc, 2, &f->year) &&
	      httpdate_lit(&sc, " ") && httpdate_time(&sc, f) &&
	      httpdate_lit(&sc, " GMT") && sc.n == 0))
		return false;
	f->year = httpdate_full_year(f->year);
	return true;
}

/* "Sun Nov  6 08:49:37 1994"; the day is "DD" or " D". */
static bool httpdate_asctime(struct httpdate_scan sc, struct httpdate_fields *f)
{
	if (!(httpdate_wday_short(&sc) && httpdate_lit(&sc, " ") &&
	      httpdate_mon(&sc, &f->mon) && httpdate_lit(&sc, " ")))
		return false;
	if (!(httpdate_lit(&sc, " ") ? httpdate_num(&sc, 1, &f->day)
				     : httpdate_num(&sc, 2, &f->day)))
		return false;
	return httpdate_lit(&sc, " ") && httpdate_time(&sc, f) &&
	       httpdate_lit(&sc, " ") && httpdate_num(&sc, 4, &f->year) &&
	       sc.n == 0;
}

static int httpdate_mdays(int mon, int year)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30,
				      31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return mon == 1 && leap ? 29 : days[mon];
}

/* 60 is a leap second, which the grammar allows; timegm carries it into
 * the next minute. */
static bool httpdate_in_range(const struct httpdate_fields *f)
{
	return f->day >= 1 && f->day <= httpdate_mdays(f->mon, f->year) &&
	       f->hour <= 23 && f->min <= 59 && f->sec <= 60;
}

static bool httpdate_is_space(char c)
{
	return c == ' ' || c == '\t';
}

int httpdate_parse(const char *s, size_t len, time_t *out)
{
	struct httpdate_fields f;
	struct httpdate_scan sc;
	struct tm tm;

	while (len > 0 && httpdate_is_space(*s)) {
		s++;
		len--;
	}
	while (len > 0 && httpdate_is_space(s[len - 1]))
		len--;
	sc.p = s;
	sc.n = len;
	if (!httpdate_imf(sc, &f) && !httpdate_rfc850(sc, &f) &&
	    !httpdate_asctime(sc, &f))
		return -1;
	if (!httpdate_in_range(&f))
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = f.year - 1900;
	tm.tm_mon = f.mon;
	tm.tm_mday = f.day;
	tm.tm_hour = f.hour;
	tm.tm_min = f.min;
	tm.tm_sec = f.sec;
	time_t t = timegm(&tm);
	/* -1 is also 1969-12-31 23:59:59, a real time */
	if (t == (time_t)-1 && !(f.year == 1969 && f.mon == 11 && f.day == 31 &&
				 f.hour == 23 && f.min == 59 && f.sec == 59))
		return -1;
	*out = t;
	return 0;
}
