/* strv.c: a growable list of owned strings. */
#include <stdlib.h>
#include <string.h>

#include "strv.h"

int rc_strv_push(struct rc_strv *v, const char *s, struct rc_err *err)
{
	char **nv;
	char *copy = strdup(s ? s : "");

	if (!copy)
		return rc_err_nomem(err);
	nv = realloc(v->v, (v->n + 1) * sizeof(*nv));
	if (!nv) {
		free(copy);
		return rc_err_nomem(err);
	}
	v->v = nv;
	v->v[v->n++] = copy;
	return 0;
}

int rc_strv_push_all(struct rc_strv *dst, const struct rc_strv *src, struct rc_err *err)
{
	size_t i;

	for (i = 0; src && i < src->n; i++)
		if (rc_strv_push(dst, src->v[i], err) < 0)
			return -1;
	return 0;
}

int rc_strv_has(const struct rc_strv *v, const char *s)
{
	size_t i;

	if (!v || !s)
		return 0;
	for (i = 0; i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return 1;
	return 0;
}

int rc_strv_subset(const struct rc_strv *a, const struct rc_strv *b)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!rc_strv_has(b, a->v[i]))
			return 0;
	return 1;
}

void rc_strv_release(struct rc_strv *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}
