/* rate.h: a request pace shared by every request of a run (--max-rps).
 *
 * Requests are spaced evenly, 1/rps apart: a request may start at the
 * pace's next slot or later, and taking a slot moves the next one on by the
 * interval. A pace idle for a while does not bank slots, so there is never a
 * burst above the rate (a token bucket of depth 1). One pace serves every
 * client that points at it (struct rc_http_opts.pace): all windows of
 * parallel requests, retries, token requests and every registry or DTR of
 * the run share it. Thread-safe.
 *
 * The _at functions take the clock as an argument (CLOCK_MONOTONIC in ns)
 * so that tests can drive them; the others read the clock. */
#ifndef RC_RATE_H
#define RC_RATE_H

#include <stdint.h>

#include "err.h"

#define RC_RATE_MAX_RPS 100000L

/* Parses a --max-rps argument: 0 (no limit) or 1 to RC_RATE_MAX_RPS into
 * *rps. -1 with RC_ERR_USAGE and a message naming the flag otherwise. */
int rc_rate_parse(const char *arg, long *rps, struct rc_err *err);

struct rc_rate;

/* A pace of rps requests per second (1 to RC_RATE_MAX_RPS), or NULL when out
 * of memory or rps is out of range. Free with rc_rate_free (NULL is a no-op). */
struct rc_rate *rc_rate_new(long rps);
void rc_rate_free(struct rc_rate *r);

/* Takes the next slot: returns how many ns after now_ns the request may
 * start (0: at once). The caller then waits that long. r NULL: 0. */
int64_t rc_rate_reserve_at(struct rc_rate *r, int64_t now_ns);

/* Takes a slot only when one is due at now_ns: returns 0 when taken, else
 * the ns until the next slot, taking nothing (for a loop that has other
 * work while it waits). r NULL: 0. */
int64_t rc_rate_try_at(struct rc_rate *r, int64_t now_ns);

/* rc_rate_reserve_at with the clock, then the wait itself. */
void rc_rate_wait(struct rc_rate *r);
/* rc_rate_try_at with the clock; the answer in ms, rounded up. */
long rc_rate_try_ms(struct rc_rate *r);

/* CLOCK_MONOTONIC in ns. */
int64_t rc_rate_now_ns(void);

#endif
