/* Unit tests for pace: the send deadline as arithmetic on a clock the
 * test holds, so every bound is exact. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "pace.h"

#define S 8000u /* --send-timeout 8: checkpoints every second */

static struct pace fresh(void)
{
	struct pace p;
	memset(&p, 0, sizeof(p));
	pace_reset(&p);
	return p;
}

static void zero_timeout_never_waits(void **state)
{
	(void)state;
	struct pace p = fresh();
	assert_int_equal(pace_wait_ms(&p, 1000, 0), -1);
}

/* A client that takes nothing is dropped exactly S after the first wait,
 * and the waits it is given never overshoot that. */
static void no_byte_for_timeout_drops(void **state)
{
	(void)state;
	struct pace p = fresh();
	long long t = 5000;
	int ms = pace_wait_ms(&p, t, S);
	assert_true(ms > 0 && ms <= (int)S);
	while ((ms = pace_wait_ms(&p, t, S)) > 0) {
		assert_true(t + ms <= 5000 + S);
		t += ms;
	}
	assert_int_equal(t, 5000 + S);
}

/* 2 KiB/s, delivered in lumps every 2 s (as TCP window updates arrive
 * for a slow reader): above the 1 KiB/s floor, never dropped. */
static void steady_client_above_rate_kept(void **state)
{
	(void)state;
	struct pace p = fresh();
	for (long long t = 0; t < 120000; t += 500) {
		if (t % 2000 == 0)
			pace_sent(&p, 4096);
		assert_true(pace_wait_ms(&p, t, S) > 0);
	}
}

/* Progress every second, but 512 bytes/s: dropped once a whole window
 * shows the average below 1 KiB/s, never before S, never after 2 S. */
static void slow_reader_below_rate_dropped(void **state)
{
	(void)state;
	struct pace p = fresh();
	long long t = 0;
	for (; t <= 3 * (long long)S; t += 250) {
		if (t % 1000 == 0)
			pace_sent(&p, 512);
		if (pace_wait_ms(&p, t, S) < 0)
			break;
	}
	assert_true(t >= (long long)S);
	assert_true(t <= 2 * (long long)S);
}

/* Fast for a long time, then a crawl: the fast past does not buy the
 * crawl more than the bound. */
static void fast_then_crawl_dropped_within_bound(void **state)
{
	(void)state;
	struct pace p = fresh();
	long long t = 0;
	for (; t < 60000; t += 250) {
		pace_sent(&p, 1 << 20);
		assert_true(pace_wait_ms(&p, t, S) > 0);
	}
	long long slowed = t;
	for (; t <= slowed + 3 * (long long)S; t += 250) {
		if (t % 1000 == 0)
			pace_sent(&p, 10);
		if (pace_wait_ms(&p, t, S) < 0)
			break;
	}
	assert_true(t - slowed <= 2 * (long long)S);
}

/* Each read starts a new transfer: a client idle between responses is
 * not measured across them. */
static void reset_starts_afresh(void **state)
{
	(void)state;
	struct pace p = fresh();
	assert_true(pace_wait_ms(&p, 0, S) > 0);
	assert_true(pace_wait_ms(&p, S - 1, S) > 0);
	pace_reset(&p);
	assert_true(pace_wait_ms(&p, 10 * (long long)S, S) > 0);
	assert_true(pace_wait_ms(&p, 11 * (long long)S - 1, S) > 0);
	assert_int_equal(pace_wait_ms(&p, 11 * (long long)S, S), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(zero_timeout_never_waits),
		cmocka_unit_test(no_byte_for_timeout_drops),
		cmocka_unit_test(steady_client_above_rate_kept),
		cmocka_unit_test(slow_reader_below_rate_dropped),
		cmocka_unit_test(fast_then_crawl_dropped_within_bound),
		cmocka_unit_test(reset_starts_afresh),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
