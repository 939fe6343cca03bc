/* registry/inventory.h: what a scan of a Registry v2 / OCI registry finds,
 * as the registry says it.
 *
 * The registry client (registry/client.h) fills a struct rc_reg_scan; the
 * registry's objects code (registry/objects.h) turns it into the flat
 * objects of ../inventory.h that the generic decision code judges. The scan
 * is read-only and holds no credentials. Conventions are those of
 * ../inventory.h: times are Unix seconds, 0 unknown; byte counts int64_t,
 * -1 unknown; everything is owned by the scan (rc_reg_scan_release).
 *
 * Digests are "sha256:<64 lower-case hex>", verified against the bytes
 * they name wherever the scan read those bytes. */
#ifndef RC_REGISTRY_INVENTORY_H
#define RC_REGISTRY_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "strv.h"

/* What a manifest is, by its media type. */
enum rc_reg_mkind {
	RC_REG_IMAGE = 0, /* Docker v2 schema 2 or OCI image manifest */
	RC_REG_INDEX, /* Docker manifest list or OCI image index */
	RC_REG_UNSUPPORTED, /* schema 1 and anything else: reported, left alone */
};

/* A blob a manifest references: its config or a layer. */
struct rc_reg_blob {
	char *digest;
	int64_t size; /* as the manifest declares it */
};

/* One manifest of one repository. A digest pushed to two repositories is
 * two manifests: deletes are per repository. */
struct rc_reg_manifest {
	char *digest;
	char *media_type;
	enum rc_reg_mkind mkind;
	int64_t size; /* bytes of the manifest itself */
	/* RC_REG_IMAGE: */
	struct rc_reg_blob config; /* digest NULL when none */
	struct rc_reg_blob *layers;
	size_t n_layers;
	int64_t created; /* the config's "created", 0 unknown */
	char *os, *arch; /* from the config; NULL unknown */
	char *artifact_type; /* OCI artifactType or the config media type of an
				artifact (signature, SBOM); NULL for images */
	/* RC_REG_INDEX: the children's digests, in the index's order (each is a
	 * manifest of the same repository, scanned too). */
	struct rc_strv children;
	/* OCI 1.1: the manifest this one refers to (a signature's image), or
	 * NULL. Cosign-style tags "sha256-<hex>.sig/.att/.sbom" set it too. */
	char *subject;
};

/* One tag: repo:tag names digest. */
struct rc_reg_tag {
	char *name; /* the tag alone, e.g. "1.4.2" */
	char *digest; /* what it names at the scan */
};

struct rc_reg_repo {
	char *name; /* e.g. "team/app" */
	struct rc_reg_tag *tags; /* in the registry's (lexical) order */
	size_t n_tags;
	struct rc_reg_manifest *manifests; /* every manifest reached: tagged,
					      children of indexes, referrers;
					      sorted by digest (strcmp) */
	size_t n_manifests;
};

struct rc_reg_scan {
	char *url; /* canonical: scheme, lower-case host, port, no trailing
		      slash, never credentials (rc_reg_canonical_url) */
	char *name; /* the plan's source name (rc_reg_source_name) */
	struct rc_reg_repo *repos; /* sorted by name (strcmp) */
	size_t n_repos;
	int partial; /* the scan covered only part of the registry (--repos,
			or a catalog the registry would not list): the after-GC
			figure is an upper bound */
	int referrers_api; /* the registry answered the OCI referrers API */
};

void rc_reg_scan_init(struct rc_reg_scan *s);
void rc_reg_scan_release(struct rc_reg_scan *s);

/* Lookups: the repository of that name, the manifest of that digest in a
 * repository; NULL when absent. */
const struct rc_reg_repo *rc_reg_repo_find(const struct rc_reg_scan *s, const char *name);
const struct rc_reg_manifest *rc_reg_manifest_find(const struct rc_reg_repo *r, const char *digest);

#endif
