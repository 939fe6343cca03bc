/* err.h: the one error carrier of reclaim.
 *
 * Every fallible library function takes `struct rc_err *err` as its last
 * parameter and returns 0 on success or -1 on failure, after filling `err`.
 * Callers add context with rc_err_prefix(). Only main() prints errors. */
#ifndef RC_ERR_H
#define RC_ERR_H

#include <stddef.h>

enum rc_err_kind {
	RC_ERR_NONE = 0,
	RC_ERR_USAGE,     /* bad flag or argument */
	RC_ERR_IO,        /* file system; sys_errno is set */
	RC_ERR_CONNECT,   /* cannot reach a daemon or registry */
	RC_ERR_HTTP,      /* server answered with an error status; http_status set */
	RC_ERR_PROTOCOL,  /* malformed, truncated or hostile answer */
	RC_ERR_POLICY,    /* invalid policy */
	RC_ERR_PLAN,      /* plan does not parse or validate */
	RC_ERR_TAMPERED,  /* plan digest mismatch */
	RC_ERR_REFUSED,   /* expired, unapproved, wrong target */
	RC_ERR_READONLY,  /* a write method was attempted in read-only mode */
	RC_ERR_NOMEM,
	RC_ERR_INTERNAL,
};

#define RC_ERR_MSG_MAX 1024

struct rc_err {
	enum rc_err_kind kind;
	int sys_errno;   /* errno when kind is RC_ERR_IO or RC_ERR_CONNECT, else 0 */
	long http_status; /* HTTP status when known, else 0 */
	char msg[RC_ERR_MSG_MAX];
};

#define RC_ERR_INIT {RC_ERR_NONE, 0, 0, ""}

/* Sets kind and a printf-style message; returns -1 so callers can
 * `return rc_err_set(...)`. err may be NULL. */
int rc_err_set(struct rc_err *err, enum rc_err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Sets RC_ERR_NOMEM with the message "out of memory" and returns -1, like
 * rc_err_set; err may be NULL. Allocates nothing, so it is safe to call
 * when memory has run out. */
int rc_err_nomem(struct rc_err *err);

/* Like rc_err_set, and appends ": strerror(errnum)"; records errnum. */
int rc_err_sys(struct rc_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepends "context: " to the message, keeping kind and status. Returns -1. */
int rc_err_prefix(struct rc_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void rc_err_clear(struct rc_err *err);

/* Short name of a kind, e.g. "http", for reports. */
const char *rc_err_kind_name(enum rc_err_kind kind);

/* Copies src into dst (size dstsz, always NUL-terminated), replacing control
 * characters with '?'. Use on server-supplied text before printing it. */
void rc_sanitize(char *dst, size_t dstsz, const char *src);

#endif
