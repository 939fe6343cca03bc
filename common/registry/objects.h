/* registry/objects.h: a registry scan as the generic objects of
 * ../inventory.h.
 *
 * Here live the registry's facts that the generic decision code must not
 * know (docs/policy.md, "Registries"; docs/sizes.md, "Registries"):
 * - a tag object per repo:tag and a manifest object per manifest of a
 *   repository; a manifest's tags are its members (deleting it removes
 *   them, so it goes only when they all do);
 * - an index holds its children and a subject its referrers (they go with
 *   it and stay with it; a referrer follows its subject);
 * - ages from the config's created time (an index: its newest child's);
 * - blobs (manifest bodies, configs, layers) as parts keyed per registry,
 *   so that after-GC bytes count each blob once across repositories;
 * - what an engine scanned in the same run uses: the containers of an
 *   engine image whose RepoDigests name a manifest of this registry
 *   (host:port/repo@digest) are that manifest's users;
 * - the reasons' wording for all of these. */
#ifndef RC_REGISTRY_OBJECTS_H
#define RC_REGISTRY_OBJECTS_H

#include "err.h"
#include "inventory.h"
#include "registry/inventory.h"

/* Appends scan as one source of type "registry" named scan->name, with
 * identity {"url": scan->url}, and its objects to inv: per repository (in
 * scan order), its manifests, then its tags. Objects already in inv stay;
 * an engine's must be there already (rc_engine_objects clears inv's
 * objects) for its containers to protect what they use. Everything the
 * objects point to is copied into inv: scan may be released afterwards.
 * 0, or -1 with err (RC_ERR_NOMEM); inv then holds the source and part of
 * its objects, and must be cleared. */
int rc_registry_objects(struct rc_inventory *inv, const struct rc_reg_scan *scan,
			struct rc_err *err);

/* What an engine scanned in the same run uses of the source at url (a
 * registry's or a DTR's canonical URL): for each engine image among
 * inv->objects[0..first) that has users (containers) or an "in-use"
 * protection, each of its RepoDigests "host[:port]/REPO@DIGEST" whose host
 * names url (with or without the scheme's default port) is looked up among
 * keys[i], the key of object first + i ("REPO@DIGEST", NULL: not one the
 * engine can use); every object with that key gets the image's containers
 * as users and its "in-use" protection. keys is the caller's, n_objects -
 * first long. 0, or -1 with err (RC_ERR_NOMEM). */
int rc_reg_engine_users(struct rc_inventory *inv, const char *url, size_t first,
			const char *const *keys, struct rc_err *err);

#endif
