/* source.c: the Docker Engine's table of source operations (source.h). */
#include "engine/items.h"
#include "source.h"

static const enum rc_kind engine_kinds[] = {RC_KIND_CONTAINER, RC_KIND_IMAGE, RC_KIND_VOLUME,
					    RC_KIND_NETWORK, RC_KIND_BUILD_CACHE};

const struct rc_source_ops rc_engine_source = {
    .type = "engine",
    .kinds = engine_kinds,
    .n_kinds = sizeof(engine_kinds) / sizeof(engine_kinds[0]),
    .frees_at_once = 1,
    .check_item = rc_engine_check_item,
};
