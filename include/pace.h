/* pace: the send deadline of one connection, as pure arithmetic on the
 * clock values the caller passes, so it can be tested without a socket.
 *
 * A transfer is what the server writes between two reads (one response,
 * or several pipelined ones). The write layer (io.c) counts the bytes
 * the client accepted (pace_sent), and each time a write would block it
 * asks pace_wait_ms how long it may wait for room. The answer is "drop
 * the client" when
 *   - it has accepted no byte for timeout_ms (--send-timeout), or
 *   - over the last timeout_ms (measured between checkpoints taken every
 *     timeout_ms / PACE_MARK_DIVISOR, so the window is timeout_ms to
 *     9/8 of it) it accepted less than PACE_MIN_RATE bytes a second.
 *
 * PACE_MIN_RATE is 1 KiB/s: twenty times below a slow real phone link
 * (2G EDGE, ~20 kB/s), three orders of magnitude above a slow-read
 * attacker (bytes a second). With the default --send-timeout 30 a client
 * must take 30 KiB per 30 s once it made the server wait; a client that
 * stops taking bytes at that rate is cut off at most 2 × timeout_ms
 * later (one window to fall behind, the checkpoint spacing on top). */
#ifndef HTTPD_LITE_PACE_H
#define HTTPD_LITE_PACE_H

#include <stdbool.h>
#include <stdint.h>

#define PACE_MIN_RATE 1024     /* bytes per second, averaged over the window */
#define PACE_MARK_DIVISOR 8    /* checkpoints per window */
#define PACE_MARKS (PACE_MARK_DIVISOR + 2)

struct pace {
	bool active;             /* the transfer has had to wait */
	uint64_t sent;           /* bytes accepted in this transfer */
	uint64_t seen;           /* sent at the last wait */
	long long progress_ms;   /* when a byte was last seen accepted */
	long long mark_ms[PACE_MARKS];
	uint64_t mark_sent[PACE_MARKS];
	unsigned nmarks, newest;
};

/* A new transfer: the client is reading again (called by every read). */
static inline void pace_reset(struct pace *p)
{
	p->active = false;
	p->sent = 0;
}

/* The client accepted n more bytes: the fast path, no clock. */
static inline void pace_sent(struct pace *p, uint64_t n)
{
	p->sent += n;
}

/* A write would block at now_ms: how many ms to wait for room (> 0), or
 * -1 when the client must be dropped. timeout_ms 0: never wait. */
int pace_wait_ms(struct pace *p, long long now_ms, unsigned timeout_ms);

#endif
