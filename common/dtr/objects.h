/* dtr/objects.h: a DTR scan as the generic objects of ../inventory.h.
 *
 * DTR's facts the generic decision code must not know (docs/dtr.md):
 * - one `tag` object per "ns/repo:tag": DTR deletes tags, never manifests,
 *   and a tag DELETE leaves the other tags on its digest alone, so there
 *   are no manifest objects and no closed sets;
 * - the age is updatedAt (the last push to the tag), or createdAt when
 *   asked (RC_DTR_AGE_CREATED, reclaim-plan --dtr-age created); the
 *   object's age_basis names it, so every reason that states an age or a
 *   rank says which;
 * - layers (manifest.dockerfile[].layerDigest) are parts keyed per DTR, so
 *   that bytes after DTR's garbage collection count each blob once across
 *   the scanned repositories;
 * - protections: a signed tag (inNotary), a repository with immutableTags,
 *   a tag DTR reports with hashMismatch; every tag's reason shows its
 *   repository's server-side tagLimit;
 * - what an engine scanned in the same run uses: the containers of an
 *   engine image whose RepoDigests name host:port/ns/repo@digest on this
 *   DTR are the users of every tag of ns/repo naming that digest
 *   (rc_reg_engine_users). */
#ifndef RC_DTR_OBJECTS_H
#define RC_DTR_OBJECTS_H

#include "dtr/dtr.h"
#include "err.h"
#include "inventory.h"

enum rc_dtr_age { RC_DTR_AGE_UPDATED = 0, RC_DTR_AGE_CREATED };

/* Appends scan as one source of type "dtr" named scan->name, identity
 * {"url": scan->url}, and one object per tag to inv; an engine's objects
 * must be in inv already for its containers to protect the tags they use.
 * Everything is copied:
 * scan may be released afterwards. -1 with err (RC_ERR_NOMEM); inv then
 * holds part of it and must be cleared. */
int rc_dtr_objects(struct rc_inventory *inv, const struct rc_dtr_scan *scan, enum rc_dtr_age age,
		   struct rc_err *err);

#endif
