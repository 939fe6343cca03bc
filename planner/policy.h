/* policy.h: the policy model of reclaim-plan and its loader.
 *
 * One JSON policy serves every source (the engine now; registries later):
 *
 *   {"version": 1, "protect": {...}, "rules": [{...}, ...]}
 *
 * Protections always win over rules. Rules are ordered; the first rule whose
 * selectors match an object claims it, and its conditions (older_than,
 * not_pulled_for, keep_last) then decide whether the object is a candidate or
 * is kept by that rule. docs/policy.md is the reference.
 *
 * The command-line shorthands (--images, --keep, ...) build the same struct
 * through rp_policy_from_flags, so a policy file can express everything the
 * flags do. */
#ifndef RP_POLICY_H
#define RP_POLICY_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "inventory.h"
#include "plan.h"

#define RP_POLICY_VERSION 1
#define RP_DEFAULT_MIN_AGE 3600 /* "1h" */

/* Kinds a rule can select: bit 1 << enum rc_kind (plan.h), every kind of
 * every source type. */
#define RP_KIND_BIT(k) (1u << (unsigned)(k))
#define RP_KIND_TAG_BIT RP_KIND_BIT(RC_KIND_TAG)
#define RP_KIND_MANIFEST_BIT RP_KIND_BIT(RC_KIND_MANIFEST)
_Static_assert(RC_KIND_COUNT <= 32, "kind bits must fit an unsigned");

/* Container states a rule may select; running, paused, restarting and
 * removing containers are always protected. */
#define RP_STATE_CREATED 1u
#define RP_STATE_EXITED 2u
#define RP_STATE_DEAD 4u
#define RP_STATE_STOPPED (RP_STATE_CREATED | RP_STATE_EXITED | RP_STATE_DEAD)

enum rp_tagged { RP_TAGGED_ANY = 0, RP_TAGGED_YES, RP_TAGGED_NO };
enum rp_volumes { RP_VOLUMES_ANONYMOUS = 0, RP_VOLUMES_ALL };
enum rp_build_cache { RP_BUILD_CACHE_PRIVATE = 0, RP_BUILD_CACHE_ALL };

struct rp_rule {
	char *name; /* unique, required */
	struct rc_strv sources; /* source names or types; empty: any */
	unsigned kinds; /* RP_KIND_* bits; 0: every kind but volume */
	struct rc_strv repositories; /* fnmatch globs; empty: any */
	char *tag_include; /* POSIX ERE, whole tag must match; NULL: none */
	char *tag_exclude;
	regex_t include_re; /* compiled when tag_include != NULL */
	regex_t exclude_re;
	enum rp_tagged tagged;
	unsigned states; /* RP_STATE_* bits; 0: RP_STATE_STOPPED */
	enum rp_volumes volumes;
	enum rp_build_cache build_cache;
	int64_t older_than; /* seconds; -1: no condition */
	int64_t not_pulled_for; /* seconds; -1: no condition (registry only) */
	int64_t keep_last; /* newest N per repository kept; 0: none */
};

struct rp_protect {
	int64_t min_age; /* seconds; 0 disables */
	struct rc_strv labels; /* "KEY" or "KEY=VALUE" */
	struct rc_strv tags; /* fnmatch globs over tags */
	struct rc_strv tags_regex; /* POSIX EREs the whole tag must match */
	regex_t *tags_re; /* compiled, one per tags_regex */
	struct rc_strv refs; /* exact IDs, names, repo:tag, repo@digest */
};

/* What a DTR tag's age is measured on (docs/dtr.md, "Age"): updatedAt,
 * the last push to the tag (the default), or createdAt. */
enum rp_dtr_age { RP_DTR_AGE_UPDATED = 0, RP_DTR_AGE_CREATED };

/* What keep_last ranks Harbor artifacts by (docs/harbor.md): push time
 * (the default, Harbor's "most recently pushed") or pull time ("most
 * recently pulled"). */
enum rp_harbor_keep_by { RP_HARBOR_KEEP_BY_PUSH = 0, RP_HARBOR_KEEP_BY_PULL };

/* Settings per source type: the policy's "sources" object. */
struct rp_sources {
	enum rp_dtr_age dtr_age; /* sources.dtr.age */
	/* sources.dtr is written in the effective policy: the file or
	 * --dtr-age set it, or the plan scans a DTR (main sets it then) */
	int dtr_shown;
	enum rp_harbor_keep_by harbor_keep_by; /* sources.harbor.keep_by */
	int harbor_shown; /* as dtr_shown, for sources.harbor */
};

struct rp_policy {
	struct rp_protect protect;
	struct rp_rule *rules;
	size_t n_rules;
	struct rp_sources sources;
};

/* The command-line shorthands. Durations are seconds, -1 when not given. */
enum rp_images_flag { RP_IMAGES_UNSET = 0, RP_IMAGES_DANGLING, RP_IMAGES_UNUSED };
enum rp_volumes_flag { RP_VOLUMES_UNSET = 0, RP_VOLUMES_FLAG_ANONYMOUS, RP_VOLUMES_FLAG_ALL };

struct rp_flags {
	int64_t containers_older_than;
	enum rp_images_flag images;
	int64_t images_older_than;
	enum rp_volumes_flag volumes;
	struct rc_strv keep_labels; /* owned */
	struct rc_strv keep_tags; /* owned */
	int64_t min_age;

	/* Registry sources (docs/policy.md, "Registry flags"). Selection: */
	int64_t keep_last; /* --keep-last N; 0 not given */
	int64_t older_than; /* --older-than D */
	char *match_tags; /* --match-tags REGEX; owned, NULL not given */
	int untagged; /* --untagged */
	/* Protection: */
	struct rc_strv keep_tags_regex; /* --keep-tags REGEX (repeatable); owned */
	struct rc_strv keep_refs; /* the refs of --keep-refs FILE; owned */
	int64_t not_pulled_for; /* --not-pulled-for D (Harbor) */
	/* DTR sources: */
	int dtr_age_given; /* --dtr-age */
	enum rp_dtr_age dtr_age;
	/* Harbor sources: */
	int harbor_keep_by_given; /* --harbor-keep-by */
	enum rp_harbor_keep_by harbor_keep_by;
};

/* "updated" or "created" (--dtr-age, sources.dtr.age) into *out: 0, or -1
 * for anything else (*out untouched). */
int rp_dtr_age_parse(const char *s, enum rp_dtr_age *out);
/* "updated" or "created", as the effective policy writes it. */
const char *rp_dtr_age_name(enum rp_dtr_age a);
/* "push" or "pull" (--harbor-keep-by, sources.harbor.keep_by), as
 * rp_dtr_age_parse; and back. */
int rp_harbor_keep_by_parse(const char *s, enum rp_harbor_keep_by *out);
const char *rp_harbor_keep_by_name(enum rp_harbor_keep_by k);

/* Reads a --keep-refs file into f->keep_refs: one `repo:tag` or
 * `repo@sha256:<64 hex>` per line (the repository may start with the
 * registry's host, e.g. `127.0.0.1:5000/team/app:1`); blank lines and
 * lines starting with `#` are skipped, and so is a `#` comment after
 * whitespace. At most 1 MiB. RC_ERR_IO when unreadable; RC_ERR_USAGE
 * naming FILE:LINE for a line that is not such a ref. */
int rp_flags_read_refs(struct rp_flags *f, const char *path, struct rc_err *err);

/* 1 when ref is `repo:tag` or `repo@sha256:<64 hex>` (the repository may
 * start with a registry host). */
int rp_ref_valid(const char *ref);

/* 1 when f holds a registry selection flag (--keep-last, --older-than,
 * --match-tags, --untagged). */
int rp_flags_registry_rules(const struct rp_flags *f);

/* Refuses (RC_ERR_POLICY) a rule with not_pulled_for that may select the
 * tags of source `name` of type `type`, a source that records no pull
 * times (DTR): such a rule would keep everything it claims while looking
 * like a cleanup. `hint` ends the message (what to use instead). */
int rp_policy_check_no_pulls(const struct rp_policy *p, const char *type, const char *name,
			     const char *hint, struct rc_err *err);

void rp_flags_init(struct rp_flags *f);
void rp_flags_release(struct rp_flags *f);

void rp_policy_init(struct rp_policy *p);
void rp_policy_release(struct rp_policy *p); /* releases members; p itself is not freed */

/* Builds the policy the flags describe (docs/policy.md, "Flags"). Without any
 * flag this is the `docker system prune` default: stopped containers, dangling
 * images, unused custom networks, unused build cache, min_age 1h. p must be
 * initialised and empty. -1 with RC_ERR_USAGE on a bad label or pattern. */
int rp_policy_from_flags(const struct rp_flags *f, struct rp_policy *p, struct rc_err *err);

/* Combines flags with a loaded policy file: --keep-label and --keep append
 * protections, --min-age replaces protect.min_age, --dtr-age replaces
 * sources.dtr.age. The selection flags
 * (--containers-older-than, --images, --images-older-than, --volumes) are
 * refused with RC_ERR_USAGE, since the policy's rules select candidates. */
int rp_policy_apply_flags(struct rp_policy *p, const struct rp_flags *f, struct rc_err *err);

/* Parses and validates a policy document. `file` names it in messages.
 * Errors are RC_ERR_POLICY, formatted "FILE:LINE: PATH: problem", e.g.
 * "policy.json:7: rules[1].older_than: invalid duration '3x'", or
 * "FILE:LINE:COL: invalid JSON" for syntax errors. Unknown keys, duplicate
 * keys and wrong types are errors. p must be initialised and empty; on
 * failure it is left empty. */
int rp_policy_parse(const char *text, size_t len, const char *file, struct rp_policy *p,
		    struct rc_err *err);

/* Reads path (at most 1 MiB) and calls rp_policy_parse. An unreadable file is
 * RC_ERR_IO naming it. */
int rp_policy_load(const char *path, struct rp_policy *p, struct rc_err *err);

/* The effective policy as JSON, for the plan: every key in a fixed order,
 * defaults written out, durations in their exact shortest form ("90m",
 * "1h", "0"). Two equal policies give equal documents. Owned (cJSON_Delete);
 * NULL with err on failure. */
cJSON *rp_policy_to_json(const struct rp_policy *p, struct rc_err *err);

/* Formats seconds exactly with the largest unit that divides them ("2w",
 * "36h", "90m", "45s", "0"). Returns out. */
char *rp_format_duration_exact(int64_t seconds, char *out, size_t outsz);

/* Whether rule r claims the objects of kind `kind` (enum rc_kind) that a
 * rule's default leaves alone (RC_OBJ_RESERVED): named volumes with
 * `volumes: all`, shared and internal build records with `build_cache: all`. */
int rp_rule_takes_all(const struct rp_rule *r, int kind);

/* Names of the state bits, "created", "exited", "dead"; NULL otherwise. */
const char *rp_state_name(unsigned bit);
/* The RP_STATE_* bit of a state name, 0 when it is not selectable. */
unsigned rp_state_bit(const char *state);

#endif
