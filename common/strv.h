/* strv.h: a growable list of owned strings.
 *
 * A zeroed struct rc_strv is an empty list. Every string in it is owned by
 * the list; rc_strv_release frees the strings and the array, not the struct,
 * which usually lives inside another object. Lookups are linear: use them
 * on short lists (an object's tags, a run's removed containers), never to
 * join two long ones. */
#ifndef RC_STRV_H
#define RC_STRV_H

#include <stddef.h>

#include "err.h"

struct rc_strv {
	char **v;
	size_t n;
};

/* Appends a copy of s (NULL is taken as ""). Returns 0, or -1 with
 * RC_ERR_NOMEM and the list unchanged. */
int rc_strv_push(struct rc_strv *v, const char *s, struct rc_err *err);

/* Appends a copy of every string of src (may be NULL) to dst. Returns 0, or
 * -1 with RC_ERR_NOMEM; what was appended before the failure stays. */
int rc_strv_push_all(struct rc_strv *dst, const struct rc_strv *src, struct rc_err *err);

/* 1 when s is in v, else 0; 0 when v or s is NULL. */
int rc_strv_has(const struct rc_strv *v, const char *s);

/* 1 when every string of a is in b (both non-NULL), else 0. */
int rc_strv_subset(const struct rc_strv *a, const struct rc_strv *b);

/* Frees the strings and the array and leaves v empty; v may be NULL. */
void rc_strv_release(struct rc_strv *v);

#endif
