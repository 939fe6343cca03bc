/* backoff.c: the retry schedule and an EINTR-safe sleep. */
#include <errno.h>
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
