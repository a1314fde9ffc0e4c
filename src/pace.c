/* pace.c: see pace.h. Checkpoints make the rate window slide in steps of
 * timeout / PACE_MARK_DIVISOR with a fixed, small amount of state. */
#include "pace.h"

static void pace_mark(struct pace *p, long long now_ms)
{
	p->newest = p->nmarks ? (p->newest + 1) % PACE_MARKS : 0;
	if (p->nmarks < PACE_MARKS)
		p->nmarks++;
	p->mark_ms[p->newest] = now_ms;
	p->mark_sent[p->newest] = p->sent;
}

static void pace_start(struct pace *p, long long now_ms)
{
	p->active = true;
	p->seen = p->sent;
	p->progress_ms = now_ms;
	p->nmarks = 0;
	pace_mark(p, now_ms);
}

/* The newest checkpoint at least window_ms old, or -1. */
static int pace_window_start(const struct pace *p, long long now_ms, long long window_ms)
{
	for (unsigned k = 0; k < p->nmarks; k++) {
		unsigned i = (p->newest + PACE_MARKS - k) % PACE_MARKS;
		if (now_ms - p->mark_ms[i] >= window_ms)
			return (int)i;
	}
	return -1;
}

static bool pace_too_slow(const struct pace *p, long long now_ms, long long window_ms)
{
	int i = pace_window_start(p, now_ms, window_ms);
	if (i < 0)
		return false;
	uint64_t bytes = p->sent - p->mark_sent[i];
	uint64_t want = (uint64_t)(now_ms - p->mark_ms[i]) * PACE_MIN_RATE / 1000;
	return bytes < want;
}

int pace_wait_ms(struct pace *p, long long now_ms, unsigned timeout_ms)
{
	if (timeout_ms == 0)
		return -1;
	if (!p->active)
		pace_start(p, now_ms);
	if (p->sent != p->seen) {
		p->seen = p->sent;
		p->progress_ms = now_ms;
	}
	long long step = timeout_ms / PACE_MARK_DIVISOR ? timeout_ms / PACE_MARK_DIVISOR : 1;
	if (now_ms - p->mark_ms[p->newest] >= step)
		pace_mark(p, now_ms);
	long long stalled = now_ms - p->progress_ms;
	if (stalled >= (long long)timeout_ms || pace_too_slow(p, now_ms, timeout_ms))
		return -1;
	long long wait = (long long)timeout_ms - stalled;
	long long to_mark = p->mark_ms[p->newest] + step - now_ms;
	if (to_mark < wait)
		wait = to_mark;
	return wait > 0 ? (int)wait : 1;
}
