/* inventory.h: one model of what the sources hold, whatever the source.
 *
 * A source's scan yields a flat list of objects (struct rc_object): what
 * the generic decision code (planner/decide.c) judges, and all it knows of
 * the source. Whatever is specific to a source type (which objects use
 * which, what its own rules protect, how objects share bytes) arrives as
 * generic attributes of the objects, computed next to the source
 * (common/engine/objects.c for the engine).
 *
 * Times are Unix seconds, 0 when unknown. Byte counts are int64_t, -1 when
 * unknown. Everything is owned by the inventory and freed by
 * rc_inventory_release. */
#ifndef RC_INVENTORY_H
#define RC_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "strv.h"

struct rc_label {
	char *key;
	char *value;
};

struct rc_labels {
	struct rc_label *v;
	size_t n;
};

/* Each source type's own scan, which its code turns into objects. */
#include "engine/inventory.h"

/* Object flags: how the generic rules apply to an object. */
enum {
	/* Holds users' data: only a rule that names its kind selects it. */
	RC_OBJ_DATA = 1u << 0,
	/* A rule's default selection of its kind leaves it alone; only a rule
	 * that takes all of the kind claims it (rp_rule_takes_all). */
	RC_OBJ_RESERVED = 1u << 1,
	/* refs are its "repo:tag" tags, sorted: the tag selectors, tag
	 * protections and keep_last ranking apply, and a candidate requires
	 * them unchanged (preconditions.tags). */
	RC_OBJ_TAGS = 1u << 2,
	/* Its bytes are its parts, counted over the whole set: reclaimable and
	 * the kind's total come from parts, not from `reclaimable`. */
	RC_OBJ_PARTS = 1u << 3,
	/* In use at the scan: its last use is the time of the decision. */
	RC_OBJ_USED_NOW = 1u << 4,
	/* `what` names its age: a candidate's reason reads
	 * "WHAT AGE agoTAIL", and "WHAT AGE ago > LIMITTAIL" under older_than. */
	RC_OBJ_AGE_IN_WHAT = 1u << 5,
	/* A candidate lists its users (preconditions.users_in_plan), which the
	 * plan deletes before it. */
	RC_OBJ_USERS_PRECOND = 1u << 6,
	/* Only a rule that names its kind, or its source by name or type,
	 * selects it: a rule for "everything" leaves it alone (a registry's
	 * objects: without a registry rule nothing of a registry is proposed). */
	RC_OBJ_OPT_IN = 1u << 7,
	/* Without refs, only a rule with `tagged: false` selects it (an
	 * untagged registry manifest). */
	RC_OBJ_UNTAGGED_RULE = 1u << 8,
	/* Its holders decide it alone (a referrer follows its subject): the
	 * rules and default keeps of its members do not hold it back, only
	 * protections (users, its own, refs, labels, tag patterns). */
	RC_OBJ_FOLLOWS = 1u << 9,
	/* keep_last does not rank it: a referrer's tag (a cosign signature)
	 * goes or stays with its subject, and takes no image's slot. */
	RC_OBJ_UNRANKED = 1u << 10,
	/* A candidate records pulled_at (preconditions.pulled_at) when the
	 * rule that chose it reads pull times (not_pulled_for, or keep_last
	 * over rank_time): apply re-checks that it was not pulled since. */
	RC_OBJ_PULL_PRECOND = 1u << 11,
};

/* Another object of the same source that uses this one. */
struct rc_use {
	size_t user; /* its index in the inventory's objects */
	char *reason; /* the protection while that user stays, e.g. "in use by
			 running container 'web'" */
};

/* Bytes an object may share with others (a layer, a blob). */
struct rc_part {
	char *key; /* identity of the part, e.g. a layer's chain ID */
	int64_t size; /* bytes; 0 when unknown */
};

/* One object of one source. Members declared `char *` or as arrays are
 * owned by the inventory; `const char *` members point to static text or
 * into the source's own scan in the same inventory, which lives as long. */
struct rc_object {
	const char *source; /* the source's name (the plan's item source) */
	const char *source_type; /* its type, e.g. the type of source.h */
	int kind; /* enum rc_kind (plan.h) */
	const char *object; /* exact identity: the plan's item object */
	const char *ref_id; /* matched by protect.refs as an ID (in full, without
			       "sha256:", or a hex prefix of 12 or more); NULL
			       when the identity is not an ID */
	const char *name; /* human name, "" when none; protect.refs match it */
	char *label; /* how reasons name it: its name, or a short identity */
	struct rc_strv refs; /* the plan's refs; protect.refs match them. The
				array is owned, the strings are not */
	const struct rc_strv *digests; /* "repo@digest" references, NULL none */
	const struct rc_labels *labels; /* NULL none */
	const char *state; /* a lifecycle state rules select ("exited"), NULL
			      when the kind has none */
	unsigned flags; /* RC_OBJ_* */
	int64_t created;
	int64_t last_used; /* the newest evidence of use (docs/policy.md, "Ages") */
	const char *age_basis; /* the source's time last_used is, named in every
				  reason that states an age or a rank (a DTR's
				  "updatedAt" or "createdAt"); NULL: not named */
	int64_t last_pulled; /* 0 when the source records no pulls */
	const char *pulled_at; /* last_pulled as the source wrote it (RC_OBJ_PULL_PRECOND) */
	int64_t rank_time; /* keep_last ranks on it when non-zero (a Harbor
			      artifact's pull time under keep_by pull), else on
			      last_used */
	int64_t size; /* its own size, -1 unknown */
	int64_t reclaimable; /* what deleting it frees, without RC_OBJ_PARTS */
	size_t level; /* candidates of a kind go in descending level (the
			 engine: an image's ancestors, so children go first) */
	long parent; /* index of the object it is built on, -1 none: a kept
			object keeps its parent */

	/* What protects it whatever the policy, after its users: */
	const char *protect_rule; /* e.g. "in-use", "running"; NULL none */
	char *protect_reason;
	struct rc_use *users; /* in order of preference for the reason; users
				 use nothing themselves */
	size_t n_users;
	struct rc_part *parts;
	size_t n_parts;

	/* How reasons describe it: */
	char *what; /* a candidate's reason begins so, e.g. "dangling, unused" */
	const char *what_users; /* instead of what when it has users and they
				   all go with this plan; NULL: what */
	const char *what_tail; /* RC_OBJ_AGE_IN_WHAT: after the age, or NULL */
	const char *unclaimed; /* reason when no rule claims it; NULL: "no rule
				  selects it" */
	const char *passed_over; /* reason when a rule of its kind passed it
				    over as reserved; NULL: unclaimed */
	const char *no_pull_time; /* reason when a rule's not_pulled_for meets
				     an unknown pull time */

	/* Evidence of use a candidate records (plan.h, struct rc_precond): */
	const char *started_at, *finished_at; /* NULL none */
	int64_t usage_count; /* -1 none */
	const char *digest; /* what a candidate's identity must still name
			       (preconditions.digest of a registry tag); NULL none */

	/* Closed deletion sets (docs/design.md, "Closed sets"). Index arrays
	 * are owned; the indexes are into the inventory's objects. */
	size_t *members; /* what deleting it removes too (a manifest's tags):
			    it is a candidate only when every member is; a kept
			    member keeps it, and the other members then go
			    alone; what protects it itself keeps its members */
	size_t n_members;
	size_t *holders; /* what it goes with (the indexes that list a child,
			    the subject of a referrer): a holder that stays keeps
			    it; when every holder goes, it goes with them */
	size_t n_holders;
	const char *held_as; /* reasons name the relation so: "child", "referrer" */
	const char *rank_id; /* keep_last ranks this identity (NULL: object);
				objects sharing it in a repository share a rank
				(a registry's tags on one digest) */
	const struct rc_strv *aliases; /* more names protect.refs match (a
					  registry object with its host); NULL */
	const char *note; /* appended to a candidate's reason; NULL none */
};

/* A scanned source, as the plan's sources[] will name it. */
struct rc_inventory_source {
	char *name; /* e.g. "engine" */
	char *type; /* e.g. "engine" */
	char *endpoint; /* as reached */
	struct rc_labels identity; /* the string members of sources[].identity,
				      in order (docs/plan-format.md) */
};

struct rc_inventory {
	struct rc_inventory_source *sources;
	size_t n_sources;
	struct rc_object *objects;
	size_t n_objects;
	void **owned; /* blocks objects point into (rc_inventory_own) */
	size_t n_owned;

	/* The engine's own scan (engine/inventory.h): rc_engine_scan fills
	 * it, rc_engine_objects turns it into sources and objects. */
	struct rc_engine_info engine;
	int64_t layers_size; /* /system/df LayersSize, -1 unknown */
	struct rc_image *images;
	size_t n_images;
	struct rc_container *containers;
	size_t n_containers;
	struct rc_volume *volumes;
	size_t n_volumes;
	struct rc_network *networks;
	size_t n_networks;
	struct rc_build_cache *build_cache;
	size_t n_build_cache;
};

void rc_inventory_init(struct rc_inventory *inv);
/* Frees everything inv holds; inv itself is the caller's. */
void rc_inventory_release(struct rc_inventory *inv);

/* Frees every source and object of inv (not the sources' own scans). */
void rc_inventory_clear_objects(struct rc_inventory *inv);

/* Appends a source named name of type `type`, endpoint as given (NULL: "").
 * Returns it, or NULL with RC_ERR_NOMEM. */
struct rc_inventory_source *rc_inventory_add_source(struct rc_inventory *inv, const char *name,
						    const char *type, const char *endpoint,
						    struct rc_err *err);
/* Appends key=value (NULL: "") to a source's identity. -1 with RC_ERR_NOMEM. */
int rc_inventory_source_set(struct rc_inventory_source *src, const char *key, const char *value,
			    struct rc_err *err);
/* Makes room for n more objects, zeroed past the end. -1 with RC_ERR_NOMEM. */
int rc_inventory_reserve_objects(struct rc_inventory *inv, size_t n, struct rc_err *err);

/* Hands p (malloc'd) to inv: freed with its objects. Returns p, or NULL
 * with RC_ERR_NOMEM, p then freed. NULL p is RC_ERR_NOMEM too, so that
 * rc_inventory_own(inv, strdup(s), err) needs one check. */
void *rc_inventory_own(struct rc_inventory *inv, void *p, struct rc_err *err);

/* Lookups; return NULL when absent. Linear unless noted. */
const struct rc_image *rc_inventory_image(const struct rc_inventory *inv, const char *id);
const char *rc_labels_get(const struct rc_labels *l, const char *key);

/* Frees the labels and leaves l empty; l itself is the caller's. */
void rc_labels_release(struct rc_labels *l);

/* Appends x to the index array *v of *n entries (members, holders). 0, or
 * -1 with RC_ERR_NOMEM (the array is then unchanged). */
int rc_index_push(size_t **v, size_t *n, size_t x, struct rc_err *err);

#endif
