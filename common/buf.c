#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static char empty_str[1];

void rc_buf_init(struct rc_buf *b, size_t max)
{
	b->data = empty_str;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : RC_BUF_DEFAULT_MAX;
}

static int grow(struct rc_buf *b, size_t extra, struct rc_err *err)
{
	size_t need, ncap;
	char *p;

	if (!b->max)
		b->max = RC_BUF_DEFAULT_MAX;
	if (!b->data)
		b->data = empty_str;
	if (extra > b->max || b->len > b->max - extra)
		return rc_err_set(err, RC_ERR_PROTOCOL, "data exceeds the %zu byte limit", b->max);
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	p = realloc(b->cap ? b->data : NULL, ncap);
	if (!p)
		return rc_err_nomem(err);
	if (!b->cap)
		p[0] = '\0';
	b->data = p;
	b->cap = ncap;
	return 0;
}

int rc_buf_append(struct rc_buf *b, const void *p, size_t n, struct rc_err *err)
{
	if (grow(b, n, err) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int rc_buf_puts(struct rc_buf *b, const char *s, struct rc_err *err)
{
	return rc_buf_append(b, s, strlen(s), err);
}

int rc_buf_printf(struct rc_buf *b, struct rc_err *err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return rc_err_set(err, RC_ERR_INTERNAL, "format error");
	if (grow(b, (size_t)n, err) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void rc_buf_reset(struct rc_buf *b)
{
	b->len = 0;
	if (b->cap)
		b->data[0] = '\0';
}

char *rc_buf_detach(struct rc_buf *b)
{
	char *s = b->cap ? b->data : strdup("");
	size_t max = b->max;

	rc_buf_init(b, max);
	return s;
}

void rc_buf_release(struct rc_buf *b)
{
	if (!b)
		return;
	if (b->cap)
		free(b->data);
	rc_buf_init(b, b->max);
}

int rc_buf_shell_quote(struct rc_buf *out, const char *s, struct rc_err *err)
{
	const char *c;
	int plain = *s != '\0';

	for (c = s; *c; c++)
		if (!strchr(
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=@%+,",
			*c))
			plain = 0;
	if (plain)
		return rc_buf_puts(out, s, err);
	if (rc_buf_puts(out, "'", err) < 0)
		return -1;
	for (c = s; *c; c++) {
		if (*c == '\'') {
			if (rc_buf_puts(out, "'\\''", err) < 0)
				return -1;
		} else if (rc_buf_append(out, c, 1, err) < 0) {
			return -1;
		}
	}
	return rc_buf_puts(out, "'", err);
}

char *rc_vasprintf(struct rc_err *err, const char *fmt, va_list ap)
{
	va_list again;
	char *s;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n < 0 || !(s = malloc((size_t)n + 1))) {
		va_end(again);
		rc_err_nomem(err);
		return NULL;
	}
	vsnprintf(s, (size_t)n + 1, fmt, again);
	va_end(again);
	return s;
}

char *rc_asprintf(struct rc_err *err, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = rc_vasprintf(err, fmt, ap);
	va_end(ap);
	return s;
}

int rc_buf_put(void *ctx, const char *data, size_t len, struct rc_err *err)
{
	return rc_buf_append(ctx, data, len, err);
}
