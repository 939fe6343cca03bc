/* plan.h: the plan model, the only contract between planner and executor.
 *
 * The wire format is documented in docs/plan-format.md and
 * docs/plan.schema.json. The planner builds a struct rc_plan and calls
 * rc_plan_write; the executor calls rc_plan_load, which parses, validates
 * against the schema and checks the digest. Times are Unix seconds in the
 * struct and RFC 3339 UTC strings on the wire. Byte counts are exact JSON
 * integers; values beyond 2^53-1 are refused, since cJSON holds doubles. */
#ifndef RC_PLAN_H
#define RC_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "inventory.h"

#define RC_PLAN_FORMAT "reclaim-plan"
#define RC_PLAN_VERSION 1
#define RC_MAX_EXACT_INT 9007199254740991LL /* 2^53 - 1 */

enum rc_kind {
	RC_KIND_CONTAINER = 0,
	RC_KIND_IMAGE,
	RC_KIND_VOLUME,
	RC_KIND_NETWORK,
	RC_KIND_BUILD_CACHE,
	RC_KIND_COUNT
};

/* "container", "image", "volume", "network", "build-cache". */
const char *rc_kind_name(enum rc_kind k);
/* -1 when unknown. */
int rc_kind_parse(const char *s);

/* What the executor must find true just before deleting the item. */
struct rc_precond {
	struct rc_strv tags;        /* image: tags that must still point to `object` */
	struct rc_strv users_in_plan; /* image: containers allowed to reference it
					 because this plan deletes them first */
};

struct rc_plan_item {
	char *id;          /* stable: "<source>/<kind>/<object>" */
	char *source;      /* source name, e.g. "engine" */
	enum rc_kind kind;
	char *object;      /* exact identity: image ID, container ID, volume name,
			      network ID, build-cache ID */
	char *name;        /* human name: container or network name, first tag; may be "" */
	struct rc_strv refs; /* image tags, or container/network name */
	int64_t size;      /* the object's own size, -1 unknown */
	int64_t reclaimable; /* bytes this item frees given what is kept */
	int64_t created;
	int64_t last_used;
	char *rule;        /* rule that chose it (candidates) or protected it */
	char *reason;      /* human reason, e.g. "age 45d > 30d" */
	struct rc_precond pre; /* candidates only */
};

struct rc_plan_source {
	char *name;        /* "engine" */
	char *type;        /* "engine" */
	char *endpoint;
	char *engine_id;
	char *engine_name;
	char *api_version;
	int64_t scanned_at;
};

struct rc_plan_summary {
	size_t candidates;
	size_t protected_count;
	int64_t bytes_freed_now;      /* engine */
	int64_t bytes_freed_after_gc; /* registries */
	size_t count_by_kind[RC_KIND_COUNT];
	int64_t bytes_by_kind[RC_KIND_COUNT];
};

struct rc_plan {
	int version;
	char *tool_version;
	int64_t created_at;
	int64_t expires_at;
	cJSON *policy;          /* the effective policy, owned */
	char *policy_digest;    /* "sha256:<hex>" of the policy's canonical form */
	struct rc_plan_source *sources;
	size_t n_sources;
	struct rc_plan_summary summary;
	struct rc_plan_item *candidates; /* in execution order */
	size_t n_candidates;
	struct rc_plan_item *protected_items;
	size_t n_protected;
	char *digest;           /* "sha256:<hex>"; set by rc_plan_seal or load */
};

void rc_plan_init(struct rc_plan *p);
void rc_plan_free(struct rc_plan *p);
void rc_plan_item_free(struct rc_plan_item *it);

/* Appends a copy-free item: takes ownership of *it's members and zeroes *it. */
int rc_plan_add_candidate(struct rc_plan *p, struct rc_plan_item *it, struct rc_err *err);
int rc_plan_add_protected(struct rc_plan *p, struct rc_plan_item *it, struct rc_err *err);
int rc_plan_add_source(struct rc_plan *p, struct rc_plan_source *src, struct rc_err *err);

/* Recomputes summary from the items. */
void rc_plan_summarise(struct rc_plan *p);

/* Builds the JSON document, without "digest" when with_digest is 0.
 * Returns an owned cJSON (cJSON_Delete), NULL with err on failure. */
cJSON *rc_plan_to_json(const struct rc_plan *p, int with_digest, struct rc_err *err);

/* Computes the digest over the canonical form (RFC 8785) of the document
 * without "digest" and stores it in p->digest. */
int rc_plan_seal(struct rc_plan *p, struct rc_err *err);

/* Serialises the sealed plan: pretty-printed, keys in a fixed order, ending in
 * a newline. Returns an owned string. */
char *rc_plan_render(const struct rc_plan *p, struct rc_err *err);

/* Parses text into p, validates against the schema (RC_ERR_PLAN naming the
 * JSON path) and recomputes the digest (RC_ERR_TAMPERED on mismatch). A plan of
 * an unknown version is RC_ERR_PLAN. */
int rc_plan_parse(const char *text, size_t len, struct rc_plan *p, struct rc_err *err);
/* Reads path (at most 64 MiB) and calls rc_plan_parse. */
int rc_plan_load(const char *path, struct rc_plan *p, struct rc_err *err);

/* sha256:<hex> of the RFC 8785 canonical form of json. Owned string. */
char *rc_json_digest(const cJSON *json, struct rc_err *err);

#endif
