/* units.h: human sizes, durations and timestamps. */
#ifndef RC_UNITS_H
#define RC_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Formats bytes in SI units as the docker CLI does (4 significant digits:
 * "0B", "999B", "1.98MB", "12.3GB"). Returns out. */
char *rc_human_size(int64_t bytes, char *out, size_t outsz);
/* a + b for byte counts that are not negative, stopping at RC_SIZE_SAT
 * instead of overflowing: a sum of sizes a source claims (each at most
 * 2^53) can pass int64_t; past 2^53-1 a plan refuses it anyway. */
#define RC_SIZE_SAT (INT64_C(1) << 62)
int64_t rc_size_add(int64_t a, int64_t b);

/* Parses a duration: an integer followed by s, m, h, d or w ("90m", "36h",
 * "30d", "2w"), or "0". Stores seconds. -1 with RC_ERR_USAGE on bad input
 * or overflow. */
int rc_parse_duration(const char *s, int64_t *seconds, struct rc_err *err);

/* Formats seconds the short way: "45d", "3h", "12m", "30s" (largest unit
 * that divides evenly is not required: 1 decimal-free, truncated). */
char *rc_format_duration(int64_t seconds, char *out, size_t outsz);

/* Parses RFC 3339 ("2026-11-27T04:51:09Z", "...09.123456789+02:00") to Unix
 * seconds (fraction dropped). Docker's zero time "0001-01-01T00:00:00Z" parses
 * to 0... callers treat <= 0 as unknown. -1 on malformed input. */
int rc_parse_time(const char *s, int64_t *unix_s, struct rc_err *err);
/* Like rc_parse_time, and also gives the fraction as nanoseconds (0..999999999;
 * digits past the ninth are cut; 0 when the time parses to 0). */
int rc_parse_time_ns(const char *s, int64_t *unix_s, long *nsec, struct rc_err *err);
/* Unix seconds plus nanoseconds as one int64_t count of nanoseconds. RFC 3339
 * reaches year 9999 but nanoseconds in int64_t stop in 2262: -1 (and *out
 * untouched) when sec is outside 0..RC_TIME_NS_MAX_S or ns outside 0..1e9-1. */
#define RC_TIME_NS_MAX_S 9223372035LL
int rc_time_ns(int64_t sec, long ns, int64_t *out);

/* The last second RFC 3339 can write: 9999-12-31T23:59:59Z. */
#define RC_TIME_MAX 253402300799LL
/* The latest --now either binary accepts, 9998-12-31T23:59:59Z: a plan made
 * then still expires (up to 366 days later) within RC_TIME_MAX. */
#define RC_NOW_MAX 253370764799LL

/* Parses a --now argument: RFC 3339, after 1970-01-01T00:00:00Z and at most
 * RC_NOW_MAX. -1 with RC_ERR_USAGE and a message naming `flag` otherwise. */
int rc_parse_now(const char *flag, const char *s, int64_t *unix_s, struct rc_err *err);

/* Formats Unix seconds as "YYYY-MM-DDTHH:MM:SSZ". Returns out (size >= 21). */
char *rc_format_time(int64_t unix_s, char *out, size_t outsz);

/* Strict integer parsing with strtoll and full checks. */
int rc_parse_int64(const char *s, int64_t *v, struct rc_err *err);

#endif
