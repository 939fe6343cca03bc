#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static void vset(struct rc_err *err, const char *fmt, va_list ap)
{
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int rc_err_set(struct rc_err *err, enum rc_err_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->kind = kind;
	err->sys_errno = 0;
	err->http_status = 0;
	va_start(ap, fmt);
	vset(err, fmt, ap);
	va_end(ap);
	return -1;
}

int rc_err_nomem(struct rc_err *err)
{
	return rc_err_set(err, RC_ERR_NOMEM, "out of memory");
}

int rc_err_sys(struct rc_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!err)
		return -1;
	err->kind = RC_ERR_IO;
	err->http_status = 0;
	err->sys_errno = errnum;
	va_start(ap, fmt);
	vset(err, fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(errnum));
	return -1;
}

int rc_err_prefix(struct rc_err *err, const char *fmt, ...)
{
	char ctx[RC_ERR_MSG_MAX];
	char old[RC_ERR_MSG_MAX];
	va_list ap;
	size_t n;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* ctx fills at most the whole message; the old text is cut first */
	n = strnlen(ctx, sizeof(err->msg) - 1);
	memcpy(err->msg, ctx, n);
	snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", old);
	return -1;
}

void rc_err_clear(struct rc_err *err)
{
	if (!err)
		return;
	err->kind = RC_ERR_NONE;
	err->sys_errno = 0;
	err->http_status = 0;
	err->msg[0] = '\0';
}

const char *rc_err_kind_name(enum rc_err_kind kind)
{
	static const char *const names[] = {
		"none", "usage", "io",       "connect",  "http",     "protocol", "policy",
		"plan", "tampered", "refused", "readonly", "nomem", "internal",
	};
	if ((unsigned)kind < sizeof(names) / sizeof(names[0]))
		return names[kind];
	return "unknown";
}

void rc_sanitize(char *dst, size_t dstsz, const char *src)
{
	size_t i = 0;

	if (!dstsz)
		return;
	for (; src && *src && i + 1 < dstsz; src++) {
		unsigned char c = (unsigned char)*src;
		dst[i++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	dst[i] = '\0';
}
