/* test_pace.c: the pace of --max-rps (evenly spaced slots, driven by an
 * injected clock) and the retry jitter (bounds, driven by a fixed seed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "backoff.h"
#include "rate.h"

#define MS 1000000LL
#define T0 (1000 * MS) /* any monotonic start */

/* 20 requests a second: one every 50 ms; asked all at once, the n-th
 * waits n intervals, so 60 requests span 59 intervals (2.95 s). */
static void test_pace_spaces_requests_asked_together(void **state)
{
	struct rc_rate *r = rc_rate_new(20);
	int64_t last = -1;

	(void)state;
	assert_non_null(r);
	for (int i = 0; i < 60; i++) {
		int64_t w = rc_rate_reserve_at(r, T0);
		assert_true(w == i * 50 * MS);
		last = w;
	}
	assert_true(last == 59 * 50 * MS);
	rc_rate_free(r);
}

/* Requests asked for slower than the rate never wait, and an idle pace
 * banks nothing: after a long pause the next two are one interval apart,
 * not a burst. */
static void test_pace_idle_banks_no_burst(void **state)
{
	struct rc_rate *r = rc_rate_new(10); /* 100 ms */

	(void)state;
	assert_true(rc_rate_reserve_at(r, T0) == 0);
	assert_true(rc_rate_reserve_at(r, T0 + 150 * MS) == 0);
	assert_true(rc_rate_reserve_at(r, T0 + 400 * MS) == 0);
	/* ten seconds idle */
	assert_true(rc_rate_reserve_at(r, T0 + 10400 * MS) == 0);
	assert_true(rc_rate_reserve_at(r, T0 + 10400 * MS) == 100 * MS);
	assert_true(rc_rate_reserve_at(r, T0 + 10450 * MS) == 150 * MS);
	rc_rate_free(r);
}

/* try takes a slot only when one is due, and otherwise says how long. */
static void test_pace_try_takes_only_due_slots(void **state)
{
	struct rc_rate *r = rc_rate_new(4); /* 250 ms */

	(void)state;
	assert_true(rc_rate_try_at(r, T0) == 0);
	assert_true(rc_rate_try_at(r, T0) == 250 * MS);
	assert_true(rc_rate_try_at(r, T0 + 100 * MS) == 150 * MS);
	/* asking did not move the slot */
	assert_true(rc_rate_try_at(r, T0 + 250 * MS) == 0);
	assert_true(rc_rate_try_at(r, T0 + 260 * MS) == 240 * MS);
	/* reserve and try share the slots */
	assert_true(rc_rate_reserve_at(r, T0 + 300 * MS) == 200 * MS);
	assert_true(rc_rate_try_at(r, T0 + 500 * MS) == 250 * MS);
	rc_rate_free(r);
}

/* The top rate is 10 us apart; no pace at all never waits. */
static void test_pace_limits_and_none(void **state)
{
	struct rc_rate *r = rc_rate_new(RC_RATE_MAX_RPS);

	(void)state;
	assert_null(rc_rate_new(0));
	assert_null(rc_rate_new(-1));
	assert_null(rc_rate_new(RC_RATE_MAX_RPS + 1));
	assert_non_null(r);
	assert_true(rc_rate_reserve_at(r, T0) == 0);
	assert_true(rc_rate_reserve_at(r, T0) == 10000);
	rc_rate_free(r);
	rc_rate_free(NULL);
	assert_true(rc_rate_reserve_at(NULL, T0) == 0);
	assert_true(rc_rate_try_at(NULL, T0) == 0);
	assert_int_equal(rc_rate_try_ms(NULL), 0);
}

/* The real clock: ten requests at 100 a second take at least 90 ms. */
static void test_pace_waits_on_the_clock(void **state)
{
	struct rc_rate *r = rc_rate_new(100);
	int64_t t0 = rc_rate_now_ns();

	(void)state;
	for (int i = 0; i < 10; i++)
		rc_rate_wait(r);
	assert_true(rc_rate_now_ns() - t0 >= 90 * MS);
	rc_rate_free(r);
}

static void test_pace_parse(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	long rps = -5;
	const char *bad[] = {
	    "", "-1", "100001", "1.5", "20rps", " 20", "+20", "99999999999999999999", "0x10"};

	(void)state;
	assert_int_equal(rc_rate_parse("0", &rps, &err), 0);
	assert_int_equal(rps, 0);
	assert_int_equal(rc_rate_parse("1", &rps, &err), 0);
	assert_int_equal(rps, 1);
	assert_int_equal(rc_rate_parse("100000", &rps, &err), 0);
	assert_int_equal(rps, 100000);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		rps = 7;
		rc_err_clear(&err);
		assert_int_equal(rc_rate_parse(bad[i], &rps, &err), -1);
		assert_int_equal(err.kind, RC_ERR_USAGE);
		assert_non_null(strstr(err.msg, "invalid --max-rps"));
		assert_non_null(strstr(err.msg, "1 to 100000"));
		assert_int_equal(rps, 7);
	}
	rc_err_clear(&err);
	assert_int_equal(rc_rate_parse("\x1b[2J", &rps, &err), -1);
	assert_null(strchr(err.msg, '\x1b'));
}

/* Every jittered wait lies in the upper half of the schedule's wait, over
 * many seeds and every attempt up to the cap and beyond. */
static void test_jitter_bounds(void **state)
{
	(void)state;
	for (uint64_t seed = 0; seed < 200; seed++) {
		struct rc_rng rng;

		rc_rng_seed(&rng, seed);
		for (int attempt = 0; attempt < 12; attempt++) {
			long d = rc_backoff_ms(200, attempt, RC_BACKOFF_CAP_MS);
			long w = rc_backoff_jitter_ms(200, attempt, RC_BACKOFF_CAP_MS, &rng);
			assert_true(w >= d - d / 2);
			assert_true(w <= d);
			assert_true(w <= RC_BACKOFF_CAP_MS);
		}
	}
}

/* The draws spread over the interval (not one fixed point), reach near
 * both ends, and a seed repeats its draws exactly. */
static void test_jitter_spreads_and_repeats(void **state)
{
	struct rc_rng a, b;
	long lo = 1L << 30, hi = 0;
	int distinct = 0;
	long prev = -1;

	(void)state;
	rc_rng_seed(&a, 42);
	rc_rng_seed(&b, 42);
	for (int i = 0; i < 1000; i++) {
		long w = rc_backoff_jitter_ms(200, 2, RC_BACKOFF_CAP_MS, &a); /* 400..800 */
		assert_int_equal(w, rc_backoff_jitter_ms(200, 2, RC_BACKOFF_CAP_MS, &b));
		lo = w < lo ? w : lo;
		hi = w > hi ? w : hi;
		distinct += w != prev;
		prev = w;
	}
	assert_true(lo < 420);
	assert_true(hi > 780);
	assert_true(distinct > 900);
	rc_rng_seed(&b, 43);
	rc_rng_seed(&a, 42);
	assert_true(rc_rng_next(&a) != rc_rng_next(&b));
	/* nothing to wait stays nothing */
	assert_int_equal(rc_backoff_jitter_ms(0, 3, RC_BACKOFF_CAP_MS, &a), 0);
	assert_int_equal(rc_backoff_jitter_ms(1, 0, RC_BACKOFF_CAP_MS, &a), 1);
}

/* Retry-After is waited exactly, up to 30 s and up to the request's
 * timeout. */
static void test_retry_after_is_exact_within_caps(void **state)
{
	(void)state;
	assert_int_equal(rc_retry_after_ms(0, 60000), 0);
	assert_int_equal(rc_retry_after_ms(-1, 60000), 0);
	assert_int_equal(rc_retry_after_ms(1, 60000), 1000);
	assert_int_equal(rc_retry_after_ms(7, 60000), 7000);
	assert_int_equal(rc_retry_after_ms(30, 60000), 30000);
	assert_int_equal(rc_retry_after_ms(31, 60000), RC_BACKOFF_CAP_MS);
	assert_int_equal(rc_retry_after_ms(86400L * 365, 60000), RC_BACKOFF_CAP_MS);
	assert_int_equal(rc_retry_after_ms(20, 5000), 5000);
	assert_int_equal(rc_retry_after_ms(3, 5000), 3000);
	assert_int_equal(rc_retry_after_ms(3, 0), 3000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pace_spaces_requests_asked_together),
	    cmocka_unit_test(test_pace_idle_banks_no_burst),
	    cmocka_unit_test(test_pace_try_takes_only_due_slots),
	    cmocka_unit_test(test_pace_limits_and_none),
	    cmocka_unit_test(test_pace_waits_on_the_clock),
	    cmocka_unit_test(test_pace_parse),
	    cmocka_unit_test(test_jitter_bounds),
	    cmocka_unit_test(test_jitter_spreads_and_repeats),
	    cmocka_unit_test(test_retry_after_is_exact_within_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
