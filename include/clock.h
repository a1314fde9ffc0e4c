/* clock: milliseconds on the monotonic clock, for deadlines and
 * lifetimes (never the wall clock, which may jump). */
#ifndef HTTPD_LITE_CLOCK_H
#define HTTPD_LITE_CLOCK_H

/* A vDSO call, no syscall: cheap enough for every request. */
long long clock_now_ms(void);

#endif
