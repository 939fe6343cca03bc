/* backoff.c: the retry schedule and an EINTR-safe sleep. */
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "backoff.h"

long rc_backoff_ms(long base_ms, int attempt, long cap_ms)
{
	long ms = base_ms;
	int i;

	for (i = 0; i < attempt && ms < cap_ms; i++)
		ms = ms > cap_ms / 2 ? cap_ms : ms * 2;
	return ms > cap_ms ? cap_ms : ms;
}

void rc_rng_seed(struct rc_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t rc_rng_next(struct rc_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

long rc_backoff_jitter_ms(long base_ms, int attempt, long cap_ms, struct rc_rng *rng)
{
	long d = rc_backoff_ms(base_ms, attempt, cap_ms), half = d / 2;

	if (d <= 0)
		return 0;
	/* d - half + [0, half]: the modulo's bias is negligible for spans of
	 * at most a few million */
	return d - half + (long)(rc_rng_next(rng) % ((uint64_t)half + 1));
}

long rc_retry_after_ms(long retry_after_s, long timeout_ms)
{
	long ms;

	if (retry_after_s <= 0)
		return 0;
	ms = retry_after_s > RC_BACKOFF_CAP_MS / 1000 ? RC_BACKOFF_CAP_MS : retry_after_s * 1000L;
	if (timeout_ms > 0 && ms > timeout_ms)
		ms = timeout_ms;
	return ms;
}

void rc_sleep_ms(long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
