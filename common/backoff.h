/* backoff.h: how long to wait before retrying, and the wait itself.
 *
 * One schedule for every retry loop (the HTTP layer's idempotent requests,
 * the engine's build prune): the first retry waits the base, each later
 * one twice the one before, never more than a cap. */
#ifndef RC_BACKOFF_H
#define RC_BACKOFF_H

/* The longest wait of any retry: a server asking for more through
 * Retry-After is the only thing that waits longer. */
#define RC_BACKOFF_CAP_MS 30000L

/* The wait before retry number `attempt` (0 for the first retry): base_ms
 * doubled attempt times, at most cap_ms (base_ms above the cap gives the
 * cap). Never overflows. */
long rc_backoff_ms(long base_ms, int attempt, long cap_ms);

/* Sleeps ms milliseconds, resuming the sleep when a signal interrupts it;
 * returns at once when ms <= 0. */
void rc_sleep_ms(long ms);

#endif
