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

#include "buf.h"
#include "err.h"
#include "inventory.h"

#define RC_PLAN_FORMAT "reclaim-plan"
#define RC_PLAN_VERSION 2 /* what this reclaim writes */
#define RC_PLAN_VERSION_MIN 1 /* the oldest it still reads and applies */
#define RC_MAX_EXACT_INT 9007199254740991LL /* 2^53 - 1 */

enum rc_kind {
	RC_KIND_CONTAINER = 0,
	RC_KIND_IMAGE,
	RC_KIND_VOLUME,
	RC_KIND_NETWORK,
	RC_KIND_BUILD_CACHE,
	RC_KIND_TAG, /* a registry tag, object "repo:tag" */
	RC_KIND_MANIFEST, /* a registry manifest, object "repo@sha256:<64 hex>" */
	RC_KIND_COUNT
};

/* "container", "image", "volume", "network", "build-cache", "tag",
 * "manifest". */
const char *rc_kind_name(enum rc_kind k);
/* -1 when unknown. */
int rc_kind_parse(const char *s);

/* What the executor must find true just before deleting the item. The
 * evidence of use (started_at, finished_at, usage_count) is what the
 * decision rested on; the executor requires it unchanged (docs/apply.md,
 * "Used since planning"). Plans written before it existed lack it. */
struct rc_precond {
	struct rc_strv tags; /* image, manifest: tags that must still point to `object` */
	struct rc_strv users_in_plan; /* image: containers allowed to reference it
					 because this plan deletes them first */
	char *started_at; /* container: State.StartedAt exactly as inspected, or NULL */
	char *finished_at; /* container: State.FinishedAt exactly as inspected, or NULL */
	int64_t usage_count; /* build cache: UsageCount, -1 when not recorded */
	char *digest; /* tag: the manifest digest it must still name, or NULL */
	char *pulled_at; /* tag, manifest of a source that records pulls
			    (Harbor): the pull time the rule read, as the source
			    wrote it; not pulled since, or the item changed */
};

struct rc_plan_item {
	char *id; /* stable: "<source>/<kind>/<object>" */
	char *source; /* source name, e.g. "engine" */
	enum rc_kind kind;
	char *object; /* exact identity: image ID, container ID, volume name,
			 network ID, build-cache ID */
	char *name; /* human name: container or network name, first tag; may be "" */
	struct rc_strv refs; /* image tags, or container/network name */
	int64_t size; /* the object's own size, -1 unknown */
	int64_t reclaimable; /* bytes this item frees given what is kept */
	int64_t created;
	int64_t last_used;
	char *rule; /* rule that chose it (candidates) or protected it */
	char *reason; /* human reason, e.g. "age 45d > 30d" */
	struct rc_precond pre; /* candidates only */
};

struct rc_plan_source {
	char *name; /* unique in the plan, e.g. "engine" */
	char *type; /* a source type of source.h, e.g. "engine" */
	char *endpoint; /* as reached, e.g. "unix:///run/docker.sock" */
	int64_t scanned_at;
	cJSON *identity; /* type-specific, owned; what apply verifies it reaches
			    (docs/plan-format.md, "Sources"). Engine: {"id",
			    "name", "api_version"[, "clock"]}, clock being the
			    daemon's time when the scan began, UTC with ns */
};

/* A string member of src->identity, NULL when absent or not a string. */
const char *rc_plan_source_str(const struct rc_plan_source *src, const char *key);

struct rc_plan_summary {
	size_t candidates;
	size_t protected_count;
	int64_t bytes_freed_now; /* engine */
	int64_t bytes_freed_after_gc; /* registries */
	size_t count_by_kind[RC_KIND_COUNT];
	int64_t bytes_by_kind[RC_KIND_COUNT];
};

struct rc_plan {
	int version; /* as read; what rc_plan_to_json writes (rc_plan_init: 2) */
	char *tool_version;
	int64_t created_at;
	int64_t expires_at;
	cJSON *policy; /* the effective policy, owned */
	char *policy_digest; /* "sha256:<hex>" of the policy's canonical form */
	struct rc_plan_source *sources;
	size_t n_sources;
	struct rc_plan_summary summary;
	struct rc_plan_item *candidates; /* in execution order */
	size_t n_candidates;
	struct rc_plan_item *protected_items;
	size_t n_protected;
	char *digest; /* "sha256:<hex>"; set by rc_plan_seal or load */
};

void rc_plan_init(struct rc_plan *p);
/* Free the members of p (of it) and leave it empty; the struct itself is the
 * caller's. NULL is a no-op. */
void rc_plan_release(struct rc_plan *p);
void rc_plan_item_release(struct rc_plan_item *it);

/* Appends a copy-free item: takes ownership of *it's members and zeroes *it. */
int rc_plan_add_candidate(struct rc_plan *p, struct rc_plan_item *it, struct rc_err *err);
int rc_plan_add_protected(struct rc_plan *p, struct rc_plan_item *it, struct rc_err *err);
int rc_plan_add_source(struct rc_plan *p, struct rc_plan_source *src, struct rc_err *err);

/* Recomputes summary from the items: counts, and byte totals as sums of the
 * candidates' reclaimable bytes (unknown counts as 0), "now" for engine
 * sources and "after GC" for the others. A planner that knows better (shared
 * layers counted once over the whole set) may overwrite the byte figures
 * afterwards. rc_plan_to_json always recomputes the counts, never the bytes. */
void rc_plan_summarise(struct rc_plan *p);

/* Builds the JSON document, without "digest" when with_digest is 0.
 * Returns an owned cJSON (cJSON_Delete), NULL with err on failure.
 * Integers outside the int32 range are cJSON Raw nodes holding the decimal
 * literal (cJSON would print a large double as "5e+09"); read them with
 * rc_jcs_raw_integer, not valuedouble. Members are in the documented order.
 * Summary counts are recomputed from the items; byte totals are taken from
 * p->summary as they are. */
cJSON *rc_plan_to_json(const struct rc_plan *p, int with_digest, struct rc_err *err);

/* Computes the digest over the canonical form (RFC 8785) of the document
 * without "digest" and stores it in p->digest. It first sets
 * p->policy_digest to rc_json_digest(p->policy) (an empty object when policy
 * is NULL), so the planner need not compute it. Fails with RC_ERR_PLAN when a
 * value cannot be written exactly (an integer beyond 2^53-1, invalid UTF-8, an
 * unknown kind, an item without id/source/object/rule), and whenever the result
 * would not pass rc_plan_parse, with the reader's message prefixed by "the
 * plan would not load", so a sealed plan always loads: the reader runs on
 * the plan without its items, then its item rules (lexical check, schema
 * definition, item parse) on each item in turn, then the id uniqueness rule,
 * so that no more than one item's tree is held at a time. On failure
 * p->digest is NULL. */
int rc_plan_seal(struct rc_plan *p, struct rc_err *err);

/* Serialises the sealed plan: pretty-printed, keys in a fixed order, ending in
 * a newline. Returns an owned string. The same struct renders byte-identically.
 * Refuses (RC_ERR_INTERNAL, NULL) a plan that is not sealed or that changed
 * after rc_plan_seal, so a rendered plan always verifies. */
char *rc_plan_render(const struct rc_plan *p, struct rc_err *err);
/* The same text, passed piecewise to put (buf.h), one item at a time: what
 * writes a plan of 100k items without holding it in memory. Both refuse
 * (RC_ERR_PLAN) a text over RC_PLAN_MAX_BYTES, which rc_plan_load would not
 * read; put has then been given a part of it. */
int rc_plan_render_to(const struct rc_plan *p, rc_put_fn put, void *ctx, struct rc_err *err);

/* Seals p, renders it and writes it to path atomically (see fsutil.h; "-" is
 * standard output), mode 0666 less the umask. */
int rc_plan_write(struct rc_plan *p, const char *path, struct rc_err *err);

/* Parses text into p, validates against the schema (RC_ERR_PLAN naming the
 * JSON path) and recomputes the digest (RC_ERR_TAMPERED on mismatch). A plan of
 * an unknown version is RC_ERR_PLAN ("unsupported plan version 2 (this reclaim
 * reads version 1)"). Also RC_ERR_PLAN: malformed or truncated JSON, numbers
 * that are not integer literals, "\u0000" in a string, duplicate member names,
 * an item id other than "<source>/<kind>/<object>", duplicate item ids, an
 * item whose source is not in "sources", summary counts that disagree with
 * the item lists, a policy_digest that does not match the inline policy.
 * p is initialised here (its old content is not freed); on failure it is left
 * empty, and rc_plan_release on it is harmless. The plan's expiry is not checked
 * here: that is the executor's decision. */
int rc_plan_parse(const char *text, size_t len, struct rc_plan *p, struct rc_err *err);
/* Reads path (at most RC_PLAN_MAX_BYTES; "-" is standard input) and parses
 * it like rc_plan_parse, and more strictly: every item's object must be the
 * exact identity of its kind (docs/plan-format.md, "Items": sha256:<64 hex>
 * images, 64-hex containers and networks, docker volume names of at most 255
 * characters, [a-z0-9]+ build-cache IDs), and every item's name and refs must
 * agree with its object where the kind allows the check (a volume's name is
 * its object; an image's name is one of its refs, and a candidate's refs are
 * its preconditions.tags; a container's or network's refs are its name), all
 * RC_ERR_PLAN naming the item. Files are what reaches the executor from
 * outside; plans built in memory come from a scan. Errors are prefixed with
 * the path. */
int rc_plan_load(const char *path, struct rc_plan *p, struct rc_err *err);

/* 256 MiB: a registry plan of 100,000 tags is over 64 MiB (a loaded plan
 * takes a few times its size in memory in reclaim-apply). */
#define RC_PLAN_MAX_BYTES ((size_t)256 << 20)

/* sha256:<hex> of the RFC 8785 canonical form of json. Owned string, or NULL
 * with err (RC_ERR_PLAN when json holds a value outside jcs.h's rules). */
char *rc_json_digest(const cJSON *json, struct rc_err *err);

/* docs/plan.schema.json (version 2) and docs/plan-v1.schema.json, embedded
 * at build time (common/plan_schema.c). */
extern const char rc_plan_schema_json[];
extern const char rc_plan_schema_v1_json[];

#endif
