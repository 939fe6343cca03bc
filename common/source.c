/* source.c: the source types this reclaim knows (source.h). A new type adds
 * its table here and its code in its own folder beside common/engine/. */
#include <string.h>

#include "source.h"

extern const struct rc_source_ops rc_engine_source;

static const struct rc_source_ops *const types[] = {&rc_engine_source};

const struct rc_source_ops *rc_source_find(const char *type)
{
	size_t i;

	for (i = 0; type && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i]->type, type) == 0)
			return types[i];
	return NULL;
}
