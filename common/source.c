/* source.c: the source types this reclaim knows (source.h). A new type adds
 * its table here and its code in its own folder beside common/engine/. */
#include <string.h>

#include "source.h"

/* Each type's table, defined in its folder. */
extern const struct rc_source_ops rc_engine_source_ops;
extern const struct rc_source_ops rc_registry_source_ops;
extern const struct rc_source_ops rc_dtr_source_ops;
extern const struct rc_source_ops rc_harbor_source_ops;

static const struct rc_source_ops *const source_types[] = {
    &rc_engine_source_ops,
    &rc_registry_source_ops,
    &rc_dtr_source_ops,
    &rc_harbor_source_ops,
};

const struct rc_source_ops *rc_source_find(const char *type)
{
	size_t i;

	for (i = 0; type && i < sizeof(source_types) / sizeof(source_types[0]); i++)
		if (strcmp(source_types[i]->type, type) == 0)
			return source_types[i];
	return NULL;
}

int rc_source_step_known(const char *event)
{
	size_t i, k;

	for (i = 0; event && i < sizeof(source_types) / sizeof(source_types[0]); i++)
		for (k = 0; source_types[i]->steps && source_types[i]->steps[k]; k++)
			if (strcmp(source_types[i]->steps[k], event) == 0)
				return 1;
	return 0;
}

size_t rc_source_kind_order(const char *type, int kind)
{
	size_t n = sizeof(source_types) / sizeof(source_types[0]), i, k;

	for (i = 0; type && i < n; i++)
		if (strcmp(source_types[i]->type, type) == 0)
			for (k = 0; k < source_types[i]->n_kinds; k++)
				if ((int)source_types[i]->kinds[k] == kind)
					return i * RC_KIND_COUNT + k;
	return n * RC_KIND_COUNT + (size_t)kind;
}
