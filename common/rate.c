/* rate.c: evenly spaced requests (rate.h). */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "backoff.h"
#include "rate.h"
#include "units.h"

struct rc_rate {
	pthread_mutex_t lock;
	int64_t interval_ns;
	int64_t next_ns; /* the earliest start of the next request; 0: none yet */
};

int rc_rate_parse(const char *arg, long *rps, struct rc_err *err)
{
	struct rc_err e = RC_ERR_INIT;
	int64_t n = -1;
	char q[64];

	if (rc_parse_int64(arg, &n, &e) < 0 || n < 0 || n > RC_RATE_MAX_RPS) {
		rc_sanitize(q, sizeof(q), arg ? arg : "");
		return rc_err_set(err, RC_ERR_USAGE,
				  "invalid --max-rps '%s': want 0 (no limit) or 1 to %ld requests "
				  "per second",
				  q, RC_RATE_MAX_RPS);
	}
	*rps = (long)n;
	return 0;
}

struct rc_rate *rc_rate_new(long rps)
{
	struct rc_rate *r;

	if (rps < 1 || rps > RC_RATE_MAX_RPS)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	if (pthread_mutex_init(&r->lock, NULL) != 0) {
		free(r);
		return NULL;
	}
	r->interval_ns = 1000000000LL / rps;
	return r;
}

void rc_rate_free(struct rc_rate *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* The slot a request asking at now may take: the next one, or now when the
 * pace is idle (a slot in the past is not banked). */
static int64_t due(const struct rc_rate *r, int64_t now_ns)
{
	return r->next_ns > now_ns ? r->next_ns : now_ns;
}

/* Takes the due slot, or with only_now only a slot due at now; returns the
 * ns from now to the slot. */
static int64_t take(struct rc_rate *r, int64_t now_ns, int only_now)
{
	int64_t slot;

	if (!r)
		return 0;
	pthread_mutex_lock(&r->lock);
	slot = due(r, now_ns);
	if (!only_now || slot == now_ns)
		r->next_ns = slot + r->interval_ns;
	pthread_mutex_unlock(&r->lock);
	return slot - now_ns;
}

int64_t rc_rate_reserve_at(struct rc_rate *r, int64_t now_ns)
{
	return take(r, now_ns, 0);
}

int64_t rc_rate_try_at(struct rc_rate *r, int64_t now_ns)
{
	return take(r, now_ns, 1);
}

int64_t rc_rate_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void rc_rate_wait(struct rc_rate *r)
{
	int64_t ns = rc_rate_reserve_at(r, rc_rate_now_ns());

	/* whole ms, rounded up: a request never starts before its slot */
	rc_sleep_ms((long)((ns + 999999) / 1000000));
}

long rc_rate_try_ms(struct rc_rate *r)
{
	int64_t ns = rc_rate_try_at(r, rc_rate_now_ns());

	return (long)((ns + 999999) / 1000000);
}
