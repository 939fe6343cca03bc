/* test_units.c: human sizes (vs docker's go-units output), durations,
 * RFC 3339 times and strict integers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "backoff.h"
#include "hex.h"
#include "units.h"

static const char *hs(int64_t b)
{
	static char out[32];
	return rc_human_size(b, out, sizeof(out));
}

/* Expected strings are what go-units HumanSize (docker system df) prints. */
static void test_human_size_matches_docker(void **state)
{
	(void)state;
	assert_string_equal(hs(0), "0B");
	assert_string_equal(hs(1), "1B");
	assert_string_equal(hs(999), "999B");
	assert_string_equal(hs(1000), "1kB");
	assert_string_equal(hs(1024), "1.024kB");
	assert_string_equal(hs(1980000), "1.98MB");
	assert_string_equal(hs(1982292), "1.982MB"); /* as `docker system df` printed it */
	assert_string_equal(hs(12345678), "12.35MB");
	assert_string_equal(hs(999999), "1000kB"); /* rounds up inside the unit, like Go */
	assert_string_equal(hs(12300000000LL), "12.3GB");
	assert_string_equal(hs(1000000000000LL), "1TB");
	assert_string_equal(hs(1500000000000000LL), "1.5PB");
	assert_string_equal(hs(INT64_MAX), "9.223EB");
}

static void test_human_size_small_buffer_is_terminated(void **state)
{
	char out[4];
	(void)state;
	rc_human_size(1982292, out, sizeof(out));
	assert_string_equal(out, "1.9");
}

static void test_duration_good(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	int64_t s = -1;
	(void)state;
	assert_int_equal(rc_parse_duration("0", &s, &err), 0);
	assert_int_equal(s, 0);
	assert_int_equal(rc_parse_duration("45s", &s, &err), 0);
	assert_int_equal(s, 45);
	assert_int_equal(rc_parse_duration("90m", &s, &err), 0);
	assert_int_equal(s, 5400);
	assert_int_equal(rc_parse_duration("36h", &s, &err), 0);
	assert_int_equal(s, 129600);
	assert_int_equal(rc_parse_duration("30d", &s, &err), 0);
	assert_int_equal(s, 2592000);
	assert_int_equal(rc_parse_duration("2w", &s, &err), 0);
	assert_int_equal(s, 1209600);
	assert_int_equal(rc_parse_duration("0d", &s, &err), 0);
	assert_int_equal(s, 0);
}

static void test_duration_bad(void **state)
{
	static const char *const bad[] = {"",	 "d",	 "10",	"10x", "-1d", "+1d",   " 1d",
					  "1 d", "1.5h", "1dd", "d1",  "1D",  "0x10s", "1e3s"};
	struct rc_err err = RC_ERR_INIT;
	int64_t s = 77;
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc_err_clear(&err);
		assert_int_equal(rc_parse_duration(bad[i], &s, &err), -1);
		assert_int_equal(err.kind, RC_ERR_USAGE);
		assert_non_null(strstr(err.msg, "invalid duration"));
		assert_int_equal(s, 77);
	}
	assert_int_equal(rc_parse_duration(NULL, &s, &err), -1);
}

static void test_duration_overflow(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	int64_t s = 0;
	(void)state;
	/* 15250284452471 weeks * 604800 > INT64_MAX */
	assert_int_equal(rc_parse_duration("15250284452472w", &s, &err), -1);
	assert_non_null(strstr(err.msg, "too large"));
	assert_int_equal(rc_parse_duration("9223372036854775807s", &s, &err), 0);
	assert_true(s == INT64_MAX);
	assert_int_equal(rc_parse_duration("9223372036854775808s", &s, &err), -1);
	assert_int_equal(rc_parse_duration("153722867280912931m", &s, &err), -1);
}

static void test_format_duration(void **state)
{
	char out[32];
	(void)state;
	assert_string_equal(rc_format_duration(0, out, sizeof(out)), "0s");
	assert_string_equal(rc_format_duration(59, out, sizeof(out)), "59s");
	assert_string_equal(rc_format_duration(60, out, sizeof(out)), "1m");
	assert_string_equal(rc_format_duration(3 * 3600 + 59, out, sizeof(out)), "3h");
	assert_string_equal(rc_format_duration(45 * 86400 + 7, out, sizeof(out)), "45d");
}

static void test_time_good(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	int64_t t = -5;
	(void)state;
	assert_int_equal(rc_parse_time("2026-11-27T04:51:09Z", &t, &err), 0);
	assert_int_equal(t, 1795755069);
	assert_int_equal(rc_parse_time("2026-11-27T04:54:38.00011817Z", &t, &err), 0);
	assert_int_equal(t, 1795755278);
	assert_int_equal(rc_parse_time("2026-11-27T06:51:09.123456789+02:00", &t, &err), 0);
	assert_int_equal(t, 1795755069);
	assert_int_equal(rc_parse_time("2026-11-26T23:21:09-05:30", &t, &err), 0);
	assert_int_equal(t, 1795755069);
	assert_int_equal(rc_parse_time("1970-01-01T00:00:00Z", &t, &err), 0);
	assert_int_equal(t, 0);
	assert_int_equal(rc_parse_time("2024-02-29T12:00:00z", &t, &err), 0);
	assert_int_equal(t, 1709208000);
}

static void test_time_zero_is_unknown(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	int64_t t = -5;
	(void)state;
	assert_int_equal(rc_parse_time("0001-01-01T00:00:00Z", &t, &err), 0);
	assert_int_equal(t, 0);
}

static void test_time_garbage(void **state)
{
	static const char *const bad[] = {
	    "",
	    "yesterday",
	    "2026-11-27",
	    "2026-11-27T04:51:09", /* no zone */
	    "2026-11-27 04:51:09Z", /* space */
	    "2026-13-01T00:00:00Z", /* month */
	    "2023-02-29T00:00:00Z", /* not a leap year */
	    "2026-11-27T24:00:00Z",
	    "2026-11-27T04:60:00Z",
	    "2026-11-27T04:51:09.Z", /* empty fraction */
	    "2026-11-27T04:51:09+0200", /* offset without colon */
	    "2026-11-27T04:51:09Zjunk",
	    "2026-11-27T04:51:09+24:00",
	    "1795755069",
	    "-026-11-27T04:51:09Z",
	};
	struct rc_err err = RC_ERR_INIT;
	int64_t t = 42;
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc_err_clear(&err);
		assert_int_equal(rc_parse_time(bad[i], &t, &err), -1);
		assert_int_equal(err.kind, RC_ERR_PROTOCOL);
		assert_int_equal(t, 42);
	}
	/* control characters in the echoed input are sanitised */
	assert_int_equal(rc_parse_time("x\033[2J", &t, &err), -1);
	assert_null(strchr(err.msg, '\033'));
}

static void test_format_time_round_trips(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	char out[32];
	int64_t t = 0;
	(void)state;
	assert_string_equal(rc_format_time(1795755069, out, sizeof(out)), "2026-11-27T04:51:09Z");
	assert_int_equal(rc_parse_time(out, &t, &err), 0);
	assert_int_equal(t, 1795755069);
	assert_string_equal(rc_format_time(0, out, sizeof(out)), "1970-01-01T00:00:00Z");
}

static void test_int64_strict(void **state)
{
	static const char *const bad[] = {"",
					  " 1",
					  "1 ",
					  "+1",
					  "1x",
					  "0x10",
					  "--1",
					  "-",
					  "9223372036854775808",
					  "-9223372036854775809",
					  "1e3"};
	struct rc_err err = RC_ERR_INIT;
	int64_t v = 0;
	size_t i;
	(void)state;
	assert_int_equal(rc_parse_int64("0", &v, &err), 0);
	assert_int_equal(v, 0);
	assert_int_equal(rc_parse_int64("-17", &v, &err), 0);
	assert_int_equal(v, -17);
	assert_int_equal(rc_parse_int64("9223372036854775807", &v, &err), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(rc_parse_int64("-9223372036854775808", &v, &err), 0);
	assert_true(v == INT64_MIN);
	v = 5;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc_err_clear(&err);
		assert_int_equal(rc_parse_int64(bad[i], &v, &err), -1);
		assert_int_equal(err.kind, RC_ERR_USAGE);
		assert_int_equal(v, 5);
	}
	assert_int_equal(rc_parse_int64(NULL, &v, &err), -1);
}

/* --now: RFC 3339 within 1970..9998, else a usage error that says so. */
static void test_parse_now_range(void **state)
{
	static const char *const bad[] = {"9999-12-31T23:00:00Z", "1960-01-01T00:00:00Z",
					  "1970-01-01T00:00:00Z", "0001-01-01T00:00:00Z",
					  "9999-01-01T00:00:00Z"};
	struct rc_err err = RC_ERR_INIT;
	int64_t t = -1;
	size_t i;
	(void)state;
	assert_int_equal(rc_parse_now("--now", "2026-11-27T04:51:09Z", &t, &err), 0);
	assert_int_equal(t, 1795755069);
	assert_int_equal(rc_parse_now("--now", "1970-01-01T00:00:01Z", &t, &err), 0);
	assert_int_equal(t, 1);
	assert_int_equal(rc_parse_now("--now", "9998-12-31T23:59:59Z", &t, &err), 0);
	assert_int_equal(t, RC_NOW_MAX);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc_err_clear(&err);
		assert_int_equal(rc_parse_now("--now", bad[i], &t, &err), -1);
		assert_int_equal(err.kind, RC_ERR_USAGE);
		assert_non_null(strstr(err.msg, "out of range"));
		assert_non_null(strstr(err.msg, bad[i]));
	}
	rc_err_clear(&err);
	assert_int_equal(rc_parse_now("--now", "yesterday", &t, &err), -1);
	assert_int_equal(err.kind, RC_ERR_USAGE);
	assert_non_null(strstr(err.msg, "invalid --now 'yesterday'"));
	/* the largest second RFC 3339 can write */
	{
		char out[32];
		assert_string_equal(rc_format_time(RC_TIME_MAX, out, sizeof(out)),
				    "9999-12-31T23:59:59Z");
		assert_string_equal(rc_format_time(RC_NOW_MAX, out, sizeof(out)),
				    "9998-12-31T23:59:59Z");
	}
}

/* Nanoseconds in int64_t end in 2262: beyond, a refusal, never an overflow. */
/* The retry schedule of the HTTP layer and the build prune: 200, 400, 800
 * ms and so on, doubling up to the cap and staying there. */
static void test_backoff_doubles_up_to_the_cap(void **state)
{
	(void)state;
	assert_int_equal(rc_backoff_ms(200, 0, RC_BACKOFF_CAP_MS), 200);
	assert_int_equal(rc_backoff_ms(200, 1, RC_BACKOFF_CAP_MS), 400);
	assert_int_equal(rc_backoff_ms(200, 2, RC_BACKOFF_CAP_MS), 800);
	assert_int_equal(rc_backoff_ms(200, 7, RC_BACKOFF_CAP_MS), 25600);
	assert_int_equal(rc_backoff_ms(200, 8, RC_BACKOFF_CAP_MS), 30000);
	assert_int_equal(rc_backoff_ms(200, 1000000, RC_BACKOFF_CAP_MS), 30000);
	assert_int_equal(rc_backoff_ms(90000, 0, RC_BACKOFF_CAP_MS), 30000);
	assert_int_equal(rc_backoff_ms(0, 5, RC_BACKOFF_CAP_MS), 0);
	assert_int_equal(rc_backoff_ms(1, 80, LONG_MAX), LONG_MAX);
}

/* IDs: exactly n digits, then the end; lower case only unless asked. */
static void test_hex_ids(void **state)
{
	(void)state;
	assert_true(rc_is_lower_hex("0123456789abcdef", 16));
	assert_false(rc_is_lower_hex("0123456789abcdeF", 16));
	assert_false(rc_is_lower_hex("0123456789abcdef0", 16));
	assert_false(rc_is_lower_hex("0123456789abcde", 16));
	assert_false(rc_is_lower_hex("01234567 9abcdef", 16));
	assert_false(rc_is_lower_hex("0123456789abcdeg", 16));
	assert_true(rc_is_lower_hex("", 0));
	assert_true(rc_is_hex("0123456789abcdefABCDEF", 22));
	assert_false(rc_is_hex("0123456789abcdefABCDEG", 22));
	assert_false(rc_is_hex("abc", 2));
}

static void test_time_ns_range(void **state)
{
	int64_t out = 42;
	(void)state;
	assert_int_equal(rc_time_ns(1795755069, 123456789, &out), 0);
	assert_true(out == INT64_C(1795755069123456789));
	assert_int_equal(rc_time_ns(RC_TIME_NS_MAX_S, 999999999, &out), 0);
	assert_true(out == INT64_C(9223372035999999999));
	out = 42;
	assert_int_equal(rc_time_ns(RC_TIME_NS_MAX_S + 1, 0, &out), -1);
	assert_int_equal(rc_time_ns(RC_TIME_MAX, 999999999, &out), -1);
	assert_int_equal(rc_time_ns(-1, 0, &out), -1);
	assert_int_equal(rc_time_ns(1, 1000000000L, &out), -1);
	assert_int_equal(rc_time_ns(1, -1, &out), -1);
	assert_true(out == 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_human_size_matches_docker),
	    cmocka_unit_test(test_human_size_small_buffer_is_terminated),
	    cmocka_unit_test(test_duration_good),
	    cmocka_unit_test(test_duration_bad),
	    cmocka_unit_test(test_duration_overflow),
	    cmocka_unit_test(test_format_duration),
	    cmocka_unit_test(test_time_good),
	    cmocka_unit_test(test_time_zero_is_unknown),
	    cmocka_unit_test(test_time_garbage),
	    cmocka_unit_test(test_format_time_round_trips),
	    cmocka_unit_test(test_int64_strict),
	    cmocka_unit_test(test_parse_now_range),
	    cmocka_unit_test(test_time_ns_range),
	    cmocka_unit_test(test_backoff_doubles_up_to_the_cap),
	    cmocka_unit_test(test_hex_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
