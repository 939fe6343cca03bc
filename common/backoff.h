/* backoff.h: how long to wait before retrying, and the wait itself.
 *
 * One schedule for every retry loop (the HTTP layer's idempotent requests,
 * the engine's build prune): the first retry waits the base, each later
 * one twice the one before, never more than a cap. The HTTP layer draws
 * each wait at random from the upper half of that schedule ("equal
 * jitter"), so that many clients failing together do not retry in step,
 * yet each still waits at least half the schedule. */
#ifndef RC_BACKOFF_H
#define RC_BACKOFF_H

#include <stdint.h>

/* The longest wait of any retry, and of a server's Retry-After. */
#define RC_BACKOFF_CAP_MS 30000L

/* The wait before retry number `attempt` (0 for the first retry): base_ms
 * doubled attempt times, at most cap_ms (base_ms above the cap gives the
 * cap). Never overflows. */
long rc_backoff_ms(long base_ms, int attempt, long cap_ms);

/* A small random generator for jitter (splitmix64): not for secrets. The
 * same seed gives the same draws, so tests are repeatable. */
struct rc_rng {
	uint64_t s;
};

void rc_rng_seed(struct rc_rng *r, uint64_t seed);
uint64_t rc_rng_next(struct rc_rng *r);

/* The jittered wait before retry `attempt`: with d = rc_backoff_ms(base_ms,
 * attempt, cap_ms), a value drawn uniformly from [d - d/2, d]. */
long rc_backoff_jitter_ms(long base_ms, int attempt, long cap_ms, struct rc_rng *rng);

/* The wait a Retry-After of retry_after_s seconds asks for, exactly, but at
 * most RC_BACKOFF_CAP_MS and, when timeout_ms > 0, at most timeout_ms (the
 * whole request's limit, --timeout). 0 for a negative value. */
long rc_retry_after_ms(long retry_after_s, long timeout_ms);

/* Sleeps ms milliseconds, resuming the sleep when a signal interrupts it;
 * returns at once when ms <= 0. */
void rc_sleep_ms(long ms);

#endif
