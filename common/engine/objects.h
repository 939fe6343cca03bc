/* engine/objects.h: an engine scan as the generic objects of inventory.h.
 *
 * Here live the engine's facts that the generic decision code must not
 * know (docs/policy.md, "Evaluation", step 1, and docs/sizes.md):
 * - the image graph: the containers that use each image, each image's
 *   parent and depth (candidates go children before parents);
 * - what the engine always protects: running containers, volumes any
 *   container mounts, predefined and swarm networks, build records in use,
 *   images and volumes the engine counts as used by containers the scan
 *   did not list;
 * - which objects a default rule leaves alone: named volumes, shared and
 *   internal/frontend BuildKit records;
 * - layers shared by chain ID, as parts, so sizes are counted set-wise;
 * - the reasons' wording for all of these. */
#ifndef RC_ENGINE_OBJECTS_H
#define RC_ENGINE_OBJECTS_H

#include "err.h"
#include "inventory.h"

/* Appends the engine scan in inv (its engine, images, containers, volumes,
 * networks and build cache) to inv's sources and objects, as one source
 * named name, of type "engine": containers, then images, volumes, networks
 * and build cache, each in scan order. Objects already in inv stay (a
 * registry's; scan the engine first for its containers to protect what
 * they use there). The objects point into the scan, which must not change
 * while they are used; clear inv's objects (rc_inventory_clear_objects) and
 * call again after changing it. 0, or -1 with err (RC_ERR_NOMEM, or an
 * error of rc_chain_id); inv's objects are then cleared. */
int rc_engine_objects(struct rc_inventory *inv, const char *name, struct rc_err *err);

#endif
