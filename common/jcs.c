#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jcs.h"
#include "plan.h"

/* Decodes one UTF-8 sequence at s (n bytes left). Returns its length and
 * stores the code point, or 0 when the sequence is malformed. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and values past U+10FFFF. */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

int rc_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;

	while (len) {
		size_t n = utf8_decode(p, len, &cp);
		if (!n)
			return 0;
		p += n;
		len -= n;
	}
	return 1;
}

void rc_utf8_repair(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t len = strlen(s);
	uint32_t cp;

	while (len) {
		size_t n = utf8_decode(p, len, &cp);
		if (!n) {
			*p = '?';
			n = 1;
		}
		p += n;
		len -= n;
	}
}

struct u16_iter {
	const unsigned char *p;
	size_t left;
	int low; /* pending low surrogate, or -1 */
};

/* Next UTF-16 code unit, or -1 at the end. */
static long u16_next(struct u16_iter *it)
{
	uint32_t cp;
	size_t n;

	if (it->low >= 0) {
		long u = it->low;
		it->low = -1;
		return u;
	}
	if (!it->left)
		return -1;
	n = utf8_decode(it->p, it->left, &cp);
	if (!n) {
		/* Damaged input: order by the raw byte, deterministically. */
		cp = it->p[0];
		n = 1;
	}
	it->p += n;
	it->left -= n;
	if (cp >= 0x10000) {
		cp -= 0x10000;
		it->low = (int)(0xdc00 + (cp & 0x3ff));
		return (long)(0xd800 + (cp >> 10));
	}
	return (long)cp;
}

int rc_jcs_keycmp(const char *a, const char *b)
{
	struct u16_iter ia = {(const unsigned char *)a, strlen(a), -1};
	struct u16_iter ib = {(const unsigned char *)b, strlen(b), -1};

	for (;;) {
		long ua = u16_next(&ia), ub = u16_next(&ib);
		if (ua != ub)
			return ua < ub ? -1 : 1;
		if (ua < 0)
			return 0;
	}
}

static int put_string(struct rc_buf *out, const char *s, struct rc_err *err)
{
	static const char hex[] = "0123456789abcdef";
	size_t len = strlen(s), start = 0, i;

	if (!rc_utf8_valid(s, len))
		return rc_err_set(err, RC_ERR_PLAN, "string is not valid UTF-8");
	if (rc_buf_append(out, "\"", 1, err) < 0)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];
		size_t n = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		esc[0] = '\\';
		switch (c) {
		case '"':
			esc[1] = '"';
			break;
		case '\\':
			esc[1] = '\\';
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			n = 6;
		}
		if (rc_buf_append(out, s + start, i - start, err) < 0 ||
		    rc_buf_append(out, esc, n, err) < 0)
			return -1;
		start = i + 1;
	}
	if (rc_buf_append(out, s + start, len - start, err) < 0)
		return -1;
	return rc_buf_append(out, "\"", 1, err);
}

/* Accepts "-?(0|[1-9][0-9]*)" within +-(2^53-1). */
int rc_jcs_raw_integer(const char *s, int64_t *v)
{
	const char *p = s;
	char *end = NULL;
	long long x;

	if (!s)
		return -1;
	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9' || (*p == '0' && p[1] != '\0'))
		return -1;
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return -1;
	if (strlen(p) > 16)
		return -1;
	x = strtoll(s, &end, 10);
	if (*end != '\0' || x > RC_MAX_EXACT_INT || x < -RC_MAX_EXACT_INT)
		return -1;
	if (x == 0 && *s == '-')
		return -1; /* "-0" is not a literal any writer of ours emits */
	*v = x;
	return 0;
}

static int put_number(struct rc_buf *out, const cJSON *n, struct rc_err *err)
{
	double d = n->valuedouble;
	int64_t v;

	if (!isfinite(d) || d != trunc(d) || d > (double)RC_MAX_EXACT_INT ||
	    d < -(double)RC_MAX_EXACT_INT)
		return rc_err_set(err, RC_ERR_PLAN,
				  "number %.17g is not an integer within +-(2^53-1)", d);
	v = (int64_t)d;
	return rc_buf_printf(out, err, "%" PRId64, v);
}

static int cmp_members(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return rc_jcs_keycmp(x->string, y->string);
}

static int put_value(const cJSON *j, struct rc_buf *out, struct rc_err *err);

static int put_object(const cJSON *obj, struct rc_buf *out, struct rc_err *err)
{
	const cJSON **members = NULL;
	const cJSON *c;
	size_t n = 0, i;
	int rc = -1;

	for (c = obj->child; c; c = c->next)
		n++;
	if (n) {
		members = calloc(n, sizeof(*members));
		if (!members)
			return rc_err_nomem(err);
	}
	i = 0;
	for (c = obj->child; c; c = c->next) {
		if (!c->string) {
			rc_err_set(err, RC_ERR_PLAN, "object member without a name");
			goto out;
		}
		if (!rc_utf8_valid(c->string, strlen(c->string))) {
			rc_err_set(err, RC_ERR_PLAN, "member name is not valid UTF-8");
			goto out;
		}
		members[i++] = c;
	}
	if (n > 1)
		qsort(members, n, sizeof(*members), cmp_members);
	if (rc_buf_append(out, "{", 1, err) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (i && strcmp(members[i - 1]->string, members[i]->string) == 0) {
			char name[128];
			rc_sanitize(name, sizeof(name), members[i]->string);
			rc_err_set(err, RC_ERR_PLAN, "duplicate member name '%s'", name);
			goto out;
		}
		if ((i && rc_buf_append(out, ",", 1, err) < 0) ||
		    put_string(out, members[i]->string, err) < 0 ||
		    rc_buf_append(out, ":", 1, err) < 0 || put_value(members[i], out, err) < 0)
			goto out;
	}
	if (rc_buf_append(out, "}", 1, err) < 0)
		goto out;
	rc = 0;
out:
	free(members);
	return rc;
}

static int put_value(const cJSON *j, struct rc_buf *out, struct rc_err *err)
{
	const cJSON *c;
	int64_t v;

	switch (j->type & 0xff) {
	case cJSON_NULL:
		return rc_buf_puts(out, "null", err);
	case cJSON_True:
		return rc_buf_puts(out, "true", err);
	case cJSON_False:
		return rc_buf_puts(out, "false", err);
	case cJSON_Number:
		return put_number(out, j, err);
	case cJSON_Raw:
		if (rc_jcs_raw_integer(j->valuestring, &v) < 0)
			return rc_err_set(err, RC_ERR_PLAN,
					  "raw value is not an integer within +-(2^53-1)");
		return rc_buf_printf(out, err, "%" PRId64, v);
	case cJSON_String:
		return put_string(out, j->valuestring ? j->valuestring : "", err);
	case cJSON_Array:
		if (rc_buf_append(out, "[", 1, err) < 0)
			return -1;
		for (c = j->child; c; c = c->next)
			if ((c != j->child && rc_buf_append(out, ",", 1, err) < 0) ||
			    put_value(c, out, err) < 0)
				return -1;
		return rc_buf_append(out, "]", 1, err);
	case cJSON_Object:
		return put_object(j, out, err);
	default:
		return rc_err_set(err, RC_ERR_PLAN, "invalid JSON value");
	}
}

int rc_jcs_serialize(const cJSON *json, struct rc_buf *out, struct rc_err *err)
{
	if (!json)
		return rc_err_set(err, RC_ERR_INTERNAL, "no JSON value to canonicalise");
	return put_value(json, out, err);
}
