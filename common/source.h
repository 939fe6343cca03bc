/* source.h: the one seam between reclaim's generic code and the things it
 * cleans up.
 *
 * Each source type (the Docker Engine, Registry v2 / OCI, DTR / MSR 2-3 and
 * Harbor / MSR 4) is one table of operations, in the manner of curl's protocol
 * handlers or SQLite's VFS. The planner opens a source and scans it into the
 * inventory; the plan names it with its identity; the executor opens it
 * again, verifies that identity, and re-checks and deletes each item through
 * the same table. Generic code (planner/decide.c, executor/) calls these
 * operations and never names a type. docs/design.md draws the shape.
 *
 * A type's code lives in its own folder under common/ (common/engine/ for
 * the engine); its table is listed in common/source.c. */
#ifndef RC_SOURCE_H
#define RC_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "inventory.h"
#include "plan.h"

struct rc_cache; /* cache.h */
struct rc_source; /* an open source; its type's own state */
struct rc_rate;

/* Default per-request timeout (--timeout) of every source type: a hung
 * daemon or registry fails a run within a minute. */
#define RC_SOURCE_TIMEOUT_MS 60000L

/* How to reach a source, from the command line of either binary. */
struct rc_source_opts {
	const char *name; /* the plan's source name, e.g. "engine" */
	const char *url; /* as given; NULL: the type's default (the engine:
			    DOCKER_HOST, then the default socket) */
	int read_only; /* the planner: the HTTP layer refuses anything but reads */
	long timeout_ms; /* per request; <= 0: the type's default */

	/* Registries (and other sources reached over HTTPS with credentials);
	 * a type that has no use for one ignores it. */
	const char *username; /* --username, or NULL */
	const char *password; /* from --password-stdin, or NULL */
	const char *tls_ca; /* --tls-ca FILE, or NULL: the system store */
	int tls_insecure; /* --tls-insecure: only when given */
	size_t parallel; /* --parallel; 0: the type's default */
	const struct rc_strv *repos; /* --repos globs; NULL or empty: all */
	/* A source that records both a creation and a last-push time per
	 * object (DTR): ages measure the creation instead (--dtr-age created). */
	int age_created;
	/* Harbor: --projects globs (NULL or empty: all), and keep_last ranking
	 * on pull time instead of push time (--harbor-keep-by pull). */
	const struct rc_strv *projects;
	int keep_by_pull;
	struct rc_rate *pace; /* --max-rps: borrowed, shared by every source of
				 the run that paces its requests; NULL: none */
	struct rc_cache *cache; /* the planner's content cache (cache.h), borrowed,
				   or NULL; a type may use it for immutable
				   objects in its scan, never in re-checks */

	/* The executor: the plan being applied and the source of it this opens
	 * (NULL in the planner). A type whose sources the plan locates (a
	 * registry's identity url) is reached there when url is NULL, and may
	 * look at the plan's items for the access it needs. */
	const struct rc_plan *plan;
	const struct rc_plan_source *planned;
};

/* The answer of a re-check. */
enum rc_check {
	RC_CHECK_OK = 0, /* still as planned: may be deleted */
	RC_CHECK_ABSENT, /* already gone */
	RC_CHECK_CHANGED, /* differs from the plan: reason says how */
};

/* The answer of a delete. */
enum rc_removal {
	RC_REMOVED = 0, /* deleted now */
	RC_REMOVAL_ABSENT, /* was already gone: counts as done */
	RC_REMOVAL_CHANGED, /* the source refused because the object changed */
	RC_REMOVAL_FAILED, /* could not be asked, or refused otherwise */
};

/* What the executor lends a source while it applies a plan. A delete may
 * take several steps (an image with three tags: two untags, then the
 * delete); each step is journaled before it is made, so that a rerun after a
 * crash knows which were made. */
struct rc_apply_env {
	int dry_run;
	/* Records that step `event` with `value` (e.g. "untag", "app:1") is
	 * about to be made for it. -1 with err when it cannot be recorded; the
	 * step must then not be made. */
	int (*step)(void *arg, const struct rc_plan_item *it, const char *event, const char *value,
		    struct rc_err *err);
	/* The values of steps `event` recorded for it by earlier runs and this
	 * one; NULL when none. */
	const struct rc_strv *(*steps_done)(void *arg, const struct rc_plan_item *it,
					    const char *event);
	void *arg;
	/* Test hook (RECLAIM_TEST_CRASH_AFTER_UNTAG): SIGKILL once a
	 * multi-step delete has made every step but its last. */
	int crash_before_last_step;
	/* Test hook (RECLAIM_TEST_CRASH_AFTER_BATCH_SENT=N): remove_batch
	 * sends only the first N deletes of a batch of more, waits for their
	 * answers, then SIGKILL: intents of the whole batch are journaled,
	 * no outcome is. 0: off. */
	long crash_after_batch_sent;
};

struct rc_source_ops {
	const char *type; /* "engine": the plan's sources[].type */
	/* The kinds a source of this type can hold, in plan order; a plan's
	 * summary.by_kind lists exactly the kinds of its sources. */
	const enum rc_kind *kinds;
	size_t n_kinds;
	/* The step events its deletes journal through rc_apply_env (e.g.
	 * "untag"), NULL-terminated; NULL when it has none. The journal
	 * refuses a step line of an event no type declares. */
	const char *const *steps;

	/* Where a delete frees space: 1 at once (an engine), 0 only after the
	 * source's garbage collection (registries). Chooses between the plan
	 * summary's bytes_freed_now and bytes_freed_after_gc. */
	int frees_at_once;

	/* 1 when the plan says where each source of this type is (a registry's
	 * identity url): reclaim-apply reaches it there, so a plan may hold
	 * several. 0 when the command line names the one it reaches (--engine). */
	int located_by_plan;

	/* Checks an item read from a plan file, before anything is applied:
	 * its object has the exact-identity form of its kind, and its name and
	 * refs agree with the object where the kind allows (docs/plan-format.md,
	 * "Items"). 0, or -1 with RC_ERR_PLAN and a message that starts with
	 * path (e.g. "plan.candidates[3]") and names the member. */
	int (*check_item)(const struct rc_plan_item *it, int candidate, const char *path,
			  struct rc_err *err);

	/* For people, in summaries: the planned source in a few words, e.g.
	 * "engine 'host-1' (ID ABCD:...)", and an item's object in its short
	 * form, e.g. docker's 12-digit IDs, a volume's name whole. Both write a
	 * sanitised, terminated string into out. */
	void (*source_title)(const struct rc_plan_source *src, char *out, size_t outsz);
	void (*object_label)(const struct rc_plan_item *it, char *out, size_t outsz);

	/* Creates a client; does not connect yet. RC_ERR_USAGE for a URL this
	 * type cannot use. */
	struct rc_source *(*open)(const struct rc_source_opts *o, struct rc_err *err);
	/* Connects (planner and executor). */
	int (*connect)(struct rc_source *s, struct rc_err *err);
	/* The planner: a full read-only scan of the connected source into inv,
	 * with progress on stderr (rc_progress). */
	int (*scan)(struct rc_source *s, struct rc_inventory *inv, struct rc_err *err);
	/* Describes the connected source for the plan: fills out->endpoint and
	 * out->identity (name, type and scanned_at are the caller's). */
	int (*describe)(struct rc_source *s, struct rc_plan_source *out, struct rc_err *err);

	/* The executor, before any item: 0 when the connected source is the one
	 * the plan names, else -1 with RC_ERR_REFUSED ("wrong target: ..."). It
	 * also takes what it needs from the plan's source for later re-checks
	 * (e.g. where "since planning" starts) and keeps env for deletes. */
	int (*begin)(struct rc_source *s, const struct rc_plan_source *planned,
		     const struct rc_apply_env *env, struct rc_err *err);
	/* Re-checks one item just before its delete (docs/apply.md, "Re-check").
	 * 0 with *res (and reason for RC_CHECK_CHANGED), or -1 with err when the
	 * source could not be asked. */
	int (*recheck)(struct rc_source *s, const struct rc_plan_item *it, enum rc_check *res,
		       char *reason, size_t reasonsz, struct rc_err *err);
	/* Deletes one item (never forced), with reason for anything but
	 * RC_REMOVED. Returns -1 only when a step could not be journaled (env's
	 * step failed): the run must stop. */
	int (*remove)(struct rc_source *s, const struct rc_plan_item *it, enum rc_removal *res,
		      char *reason, size_t reasonsz, struct rc_err *err);
	/* Optional, both or neither: deletes sent together (bounded
	 * parallel), for a source whose deletes are round trips. The executor
	 * asks batch_span at an item of this source, with the n items that
	 * follow it in plan order (its[0] first): how many of them, from the
	 * first, (1..n) go in one batch. A batch holds no two items where one
	 * depends on the other's outcome (a child after its parent, a
	 * signature after its subject), so sending their deletes together
	 * keeps plan order's meaning; 1: the first goes alone, through
	 * remove. The executor then re-checks each item of the batch in plan
	 * order and journals the intent of each that may go, flushes the
	 * journal, and calls remove_batch with those: res[i] and reasons[i]
	 * (reasonsz bytes) as remove's, in the order given. Returns -1 as
	 * remove. */
	size_t (*batch_span)(struct rc_source *s, const struct rc_plan_item *its, size_t n);
	int (*remove_batch)(struct rc_source *s, const struct rc_plan_item *const *its, size_t n,
			    enum rc_removal *res, char *const *reasons, size_t reasonsz,
			    struct rc_err *err);
	/* Tells the source that it is gone for good in this run (deleted,
	 * already absent, done by an earlier run, or would be deleted in a dry
	 * run), so later re-checks do not count it as a user of other items.
	 * -1 with err (RC_ERR_NOMEM). */
	int (*settled)(struct rc_source *s, const struct rc_plan_item *it, struct rc_err *err);

	/* reclaim-apply --trigger-gc, after a run with no failed item: starts
	 * the source's garbage collection when this run deleted something
	 * from it, its run ID into id ("" when nothing was deleted: none
	 * started). NULL for a type without one (-1 with err otherwise). */
	int (*trigger_gc)(struct rc_source *s, char *id, size_t idsz, struct rc_err *err);

	void (*free)(struct rc_source *s);
};

/* The table of a source type; NULL when this reclaim does not know it. */
const struct rc_source_ops *rc_source_find(const char *type);

/* Where items of kind `kind` of a source of type `type` go in a plan's
 * candidates: the types in the order this reclaim lists them, each type's
 * kinds in its table's order (the engine's, then a registry's manifests
 * before their tags); an unknown type or kind after all, in enum order. */
size_t rc_source_kind_order(const char *type, int kind);

/* 1 when some source type declares step event `event` (ops->steps). */
int rc_source_step_known(const char *event);

#endif
