/* harbor/objects.h: a Harbor scan as the generic objects of ../inventory.h.
 *
 * Harbor's facts the generic decision code must not know (docs/harbor.md):
 * - a `manifest` object per artifact ("project/repo@digest") and a `tag`
 *   object per tag ("project/repo:tag"); an artifact's tags are its members
 *   (deleting it removes them, so it goes only when they all do; a kept
 *   tag keeps it and the other tags go alone, by Harbor's tag DELETE);
 * - ages on push time (age_basis "push_time"); last_pulled is the pull
 *   time, or the push time when never pulled; a tag's is the newest of its
 *   own and its artifact's; keep_last ranks on push time, or on pull time
 *   (RC_HARBOR_KEEP_BY_PULL, rank_time);
 * - an immutable tag is protected, and so keeps its artifact;
 * - an index holds the listed artifacts it references (a kept index keeps
 *   them), an artifact holds its accessories (signatures, SBOMs): they
 *   follow it (Harbor deletes them with it);
 * - bytes: one part per artifact digest, of Harbor's size for it, so that
 *   after-GC bytes count a digest once across repositories;
 * - what an engine scanned in the same run uses (host/project/repo@digest)
 *   protects that artifact (rc_reg_engine_users). */
#ifndef RC_HARBOR_OBJECTS_H
#define RC_HARBOR_OBJECTS_H

#include "err.h"
#include "harbor/harbor.h"
#include "inventory.h"

enum rc_harbor_keep_by { RC_HARBOR_KEEP_BY_PUSH = 0, RC_HARBOR_KEEP_BY_PULL };

/* Appends scan as one source of type "harbor" named scan->name, identity
 * {"url": scan->url}, and its objects to inv. Everything is copied. -1 with
 * err (RC_ERR_NOMEM); inv then holds part of it and must be cleared. */
int rc_harbor_objects(struct rc_inventory *inv, const struct rc_harbor_scan *scan,
		      enum rc_harbor_keep_by keep_by, struct rc_err *err);

#endif
