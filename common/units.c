/* units.c: human sizes, durations and timestamps. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "units.h"

/* go-units HumanSize: divide by 1000 while >= 1000, then "%.4g" + unit. */
char *rc_human_size(int64_t bytes, char *out, size_t outsz)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
	double size = (double)bytes;
	size_t i = 0;

	if (!out || !outsz)
		return out;
	while (size >= 1000.0 && i < sizeof(units) / sizeof(units[0]) - 1) {
		size /= 1000.0;
		i++;
	}
	snprintf(out, outsz, "%.4g%s", size, units[i]);
	return out;
}

int rc_parse_int64(const char *s, int64_t *v, struct rc_err *err)
{
	char *end = NULL;
	long long n;

	if (!s || !*s)
		return rc_err_set(err, RC_ERR_USAGE, "invalid number '': empty");
	/* strtoll skips leading space and accepts '+'; we do not */
	if (!(isdigit((unsigned char)s[0]) || (s[0] == '-' && isdigit((unsigned char)s[1]))))
		return rc_err_set(err, RC_ERR_USAGE, "invalid number '%s'", s);
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return rc_err_set(err, RC_ERR_USAGE, "invalid number '%s': out of range", s);
	if (errno || end == s || *end)
		return rc_err_set(err, RC_ERR_USAGE, "invalid number '%s'", s);
	*v = (int64_t)n;
	return 0;
}

int rc_parse_duration(const char *s, int64_t *seconds, struct rc_err *err)
{
	char num[32];
	size_t len;
	int64_t n, mul;
	char unit;
	struct rc_err sub = RC_ERR_INIT;

	if (!s || !*s)
		return rc_err_set(err, RC_ERR_USAGE, "invalid duration '': empty");
	if (strcmp(s, "0") == 0) {
		*seconds = 0;
		return 0;
	}
	len = strlen(s);
	unit = s[len - 1];
	switch (unit) {
	case 's':
		mul = 1;
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	case 'w':
		mul = 7 * 86400;
		break;
	default:
		return rc_err_set(err, RC_ERR_USAGE,
				  "invalid duration '%s': want a number and s, m, h, d or w", s);
	}
	if (len - 1 == 0 || len - 1 >= sizeof(num))
		return rc_err_set(err, RC_ERR_USAGE, "invalid duration '%s'", s);
	memcpy(num, s, len - 1);
	num[len - 1] = '\0';
	if (num[0] == '-' || rc_parse_int64(num, &n, &sub) < 0)
		return rc_err_set(err, RC_ERR_USAGE, "invalid duration '%s'", s);
	if (n > INT64_MAX / mul)
		return rc_err_set(err, RC_ERR_USAGE, "invalid duration '%s': too large", s);
	*seconds = n * mul;
	return 0;
}

char *rc_format_duration(int64_t seconds, char *out, size_t outsz)
{
	if (!out || !outsz)
		return out;
	if (seconds >= 86400 || seconds <= -86400)
		snprintf(out, outsz, "%" PRId64 "d", seconds / 86400);
	else if (seconds >= 3600 || seconds <= -3600)
		snprintf(out, outsz, "%" PRId64 "h", seconds / 3600);
	else if (seconds >= 60 || seconds <= -60)
		snprintf(out, outsz, "%" PRId64 "m", seconds / 60);
	else
		snprintf(out, outsz, "%" PRId64 "s", seconds);
	return out;
}

/* Reads exactly n digits at *p into *v and advances. */
static int digits(const char **p, int n, int *v)
{
	int i, x = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		x = x * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*v = x;
	return 0;
}

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int rc_parse_time(const char *s, int64_t *unix_s, struct rc_err *err)
{
	long ns;

	return rc_parse_time_ns(s, unix_s, &ns, err);
}

int rc_parse_time_ns(const char *s, int64_t *unix_s, long *nsec, struct rc_err *err)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *p = s;
	int Y, M, D, h, m, sec, oh = 0, om = 0, sign = 0, nd = 0;
	long frac = 0;
	struct tm tm;
	time_t t;

	*nsec = 0;

	if (!s)
		return rc_err_set(err, RC_ERR_PROTOCOL, "invalid time ''");
	if (digits(&p, 4, &Y) < 0 || *p++ != '-' || digits(&p, 2, &M) < 0 || *p++ != '-' ||
	    digits(&p, 2, &D) < 0 || (*p != 'T' && *p != 't') || !*p++ || digits(&p, 2, &h) < 0 ||
	    *p++ != ':' || digits(&p, 2, &m) < 0 || *p++ != ':' || digits(&p, 2, &sec) < 0)
		goto bad;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			goto bad;
		/* nanoseconds: the first nine digits count, the rest are cut */
		for (; isdigit((unsigned char)*p); p++, nd++)
			if (nd < 9)
				frac = frac * 10 + (*p - '0');
		for (; nd < 9; nd++)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		p++;
		if (digits(&p, 2, &oh) < 0 || *p++ != ':' || digits(&p, 2, &om) < 0 || oh > 23 ||
		    om > 59)
			goto bad;
	} else {
		goto bad;
	}
	if (*p)
		goto bad;
	if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] + (M == 2 && leap(Y)) || h > 23 ||
	    m > 59 || sec > 60)
		goto bad;
	if (Y < 1970) {
		/* Docker's zero time and anything before the epoch: unknown */
		*unix_s = 0;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = Y - 1900;
	tm.tm_mon = M - 1;
	tm.tm_mday = D;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*unix_s = (int64_t)t - sign * (int64_t)(oh * 3600 + om * 60);
	if (*unix_s < 0)
		*unix_s = 0;
	else
		*nsec = frac;
	return 0;
bad : {
	char q[80];
	rc_sanitize(q, sizeof(q), s);
	return rc_err_set(err, RC_ERR_PROTOCOL, "invalid time '%s': want RFC 3339", q);
}
}

int rc_time_ns(int64_t sec, long ns, int64_t *out)
{
	if (sec < 0 || sec > RC_TIME_NS_MAX_S || ns < 0 || ns > 999999999L)
		return -1;
	*out = sec * 1000000000LL + ns;
	return 0;
}

int rc_parse_now(const char *flag, const char *s, int64_t *unix_s, struct rc_err *err)
{
	char q[80];
	int64_t t;

	rc_sanitize(q, sizeof(q), s ? s : "");
	if (rc_parse_time(s, &t, err) < 0)
		return rc_err_set(err, RC_ERR_USAGE,
				  "invalid %s '%s': want RFC 3339, e.g. 2026-11-27T04:51:09Z", flag,
				  q);
	/* rc_parse_time maps everything up to the epoch to 0 (unknown) */
	if (t <= 0 || t > RC_NOW_MAX)
		return rc_err_set(err, RC_ERR_USAGE,
				  "invalid %s '%s': out of range; want a time after "
				  "1970-01-01T00:00:00Z and up to 9998-12-31T23:59:59Z",
				  flag, q);
	*unix_s = t;
	return 0;
}

char *rc_format_time(int64_t unix_s, char *out, size_t outsz)
{
	struct tm tm;
	time_t t = (time_t)unix_s;

	if (!out || !outsz)
		return out;
	if (!gmtime_r(&t, &tm)) {
		snprintf(out, outsz, "invalid");
		return out;
	}
	snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return out;
}

int64_t rc_size_add(int64_t a, int64_t b)
{
	if (a >= RC_SIZE_SAT || b >= RC_SIZE_SAT || a > RC_SIZE_SAT - b)
		return RC_SIZE_SAT;
	return a + b;
}
