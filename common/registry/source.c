/* registry/source.c: the Registry v2 / OCI source type's table (source.h).
 *
 * Two sections. The plan's side needs no client: the kinds, where deletes
 * free space, and the item checks and labels (registry/items.c). The
 * client's side (open, connect, scan, describe, begin, recheck, remove,
 * settled, free) joins with the registry client. */
#include <stddef.h>

#include "registry/items.h"
#include "source.h"

/* ---- the plan's side --------------------------------------------------------- */

/* Plan order: a manifest is deleted before the tags it takes with it are
 * visited (they are then found absent), untags after. */
static const enum rc_kind registry_kinds[] = {RC_KIND_MANIFEST, RC_KIND_TAG};

/* ---- the client's side ------------------------------------------------------- */

/* (to come with registry/client.c) */

const struct rc_source_ops rc_registry_source_ops = {
    .type = "registry",
    .kinds = registry_kinds,
    .n_kinds = sizeof(registry_kinds) / sizeof(registry_kinds[0]),
    .frees_at_once = 0, /* blobs are freed by the registry's garbage collection */
    .steps = NULL,
    .check_item = rc_reg_check_item,
    .source_title = rc_reg_source_title,
    .object_label = rc_reg_object_label,
};
