/* buf.h: the bounded dynamic buffer, for HTTP bodies and text.
 *
 * A buffer's data is never NULL after rc_buf_init and always NUL-terminated.
 * Every append fails (returns -1, RC_ERR_PROTOCOL) rather than grow past
 * `max`, so a hostile server cannot exhaust memory. max 0 means the default
 * cap RC_BUF_DEFAULT_MAX. */
#ifndef RC_BUF_H
#define RC_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "err.h"

#define RC_BUF_DEFAULT_MAX ((size_t)256 << 20) /* 256 MiB */

struct rc_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

#define RC_BUF_INIT {NULL, 0, 0, 0}

void rc_buf_init(struct rc_buf *b, size_t max);
int rc_buf_append(struct rc_buf *b, const void *p, size_t n, struct rc_err *err);
int rc_buf_puts(struct rc_buf *b, const char *s, struct rc_err *err);
int rc_buf_printf(struct rc_buf *b, struct rc_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Appends s quoted for a POSIX shell: as is when it holds only characters
 * that need no quoting, else in single quotes with ' written as '\''. For
 * commands printed for people to paste. */
int rc_buf_shell_quote(struct rc_buf *b, const char *s, struct rc_err *err);
void rc_buf_reset(struct rc_buf *b);
/* Returns the owned string and leaves b empty; caller frees. Never NULL. */
char *rc_buf_detach(struct rc_buf *b);

/* A sink for content produced piecewise (a plan rendered item by item):
 * takes data[0..len), returns 0 or -1 with err. rc_buf_put appends to the
 * struct rc_buf ctx. */
typedef int (*rc_put_fn)(void *ctx, const char *data, size_t len, struct rc_err *err);
int rc_buf_put(void *ctx, const char *data, size_t len, struct rc_err *err);

/* A new string formatted as by printf, owned by the caller; NULL with
 * RC_ERR_NOMEM. rc_vasprintf takes a va_list. */
char *rc_asprintf(struct rc_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *rc_vasprintf(struct rc_err *err, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Frees b's data and leaves it empty, keeping its cap; b itself is the
 * caller's. b may be NULL. */
void rc_buf_release(struct rc_buf *b);

#endif
