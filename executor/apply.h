/* apply.h: apply a verified plan's items, in plan order, with re-checks and
 * the journal. The checks that refuse a whole plan (schema, digest, expiry,
 * approval, engine identity) are ra_verify_*; main() runs them first. */
#ifndef RA_APPLY_H
#define RA_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "err.h"
#include "journal.h"
#include "plan.h"

enum ra_outcome {
	RA_DELETED = 0, /* deleted by this run */
	RA_ALREADY_ABSENT, /* not there any more (404): counts as done */
	RA_ALREADY_DONE, /* the journal records it done: not touched */
	RA_CHANGED, /* no longer matches the plan: skipped, never deleted */
	RA_FAILED, /* the engine could not be asked or refused */
	RA_WOULD_DELETE, /* --dry-run: every check passed */
	RA_NOT_ATTEMPTED, /* --fail-fast stopped the run before this item */
	RA_OUTCOME_COUNT
};

/* "deleted", "already-absent", "already-done", "changed", "failed",
 * "would-delete", "not-attempted". */
const char *ra_outcome_name(enum ra_outcome o);

/* Exit statuses of reclaim-apply (documented in --help, the man page and
 * docs/apply.md). */
#define RA_EXIT_OK 0 /* every item done; changed items count as success */
#define RA_EXIT_ERROR 1 /* error: engine unreachable, journal unwritable... */
#define RA_EXIT_USAGE 2 /* bad command line */
#define RA_EXIT_FAILED 3 /* some deletions failed */
#define RA_EXIT_REFUSED 4 /* plan refused: nothing was touched */
#define RA_EXIT_CHANGED 5 /* changed items, with --fail-on-changed */

#define RA_REASON_MAX 512
#define RA_PRUNE_ATTEMPTS 4 /* build-prune tries: 1 + 3 retries, 200 ms doubling */

struct ra_result {
	const struct rc_plan_item *item; /* borrowed from the plan */
	enum ra_outcome outcome;
	char reason[RA_REASON_MAX];
	int64_t bytes_freed; /* the plan's reclaimable when deleted, else 0 */
	int64_t duration_ms;
};

struct ra_run {
	struct ra_result *results; /* one per candidate, in plan order */
	size_t n;
	size_t count[RA_OUTCOME_COUNT];
	int64_t bytes_freed; /* sum over deleted items */
	int64_t bytes_would_free; /* sum over would-delete items (dry run) */
	int64_t started_at, finished_at;
};

struct ra_opts {
	int dry_run;
	int fail_fast;
	/* Test hooks (RECLAIM_TEST_CRASH_AFTER_DELETES / _AFTER_INTENT): raise
	 * SIGKILL right after the Nth successful delete (before its outcome
	 * line) or right after the Nth intent line (before its delete). 0: off. */
	long crash_after_deletes;
	long crash_after_intent;
	/* RECLAIM_TEST_CRASH_AFTER_UNTAG: SIGKILL once an image with several
	 * tags has lost all but its last, before its delete by ID. */
	int crash_after_untag;
	/* Where "used since planning" starts, in the daemon's clock
	 * (ra_plan_since_ns), and the daemon's clock minus ours. */
	int64_t since_ns;
	int64_t clock_offset_ns;
};

/* Plans from before engine_time was recorded start "since planning" at
 * scanned_at, the planner's clock, less this much for clock skew. */
#define RA_OLD_PLAN_SKEW_S 300

/* Where "used since planning" starts for items of src: its engine_time, else
 * its scanned_at less RA_OLD_PLAN_SKEW_S; in ns, 0 when unknown. */
int64_t ra_plan_since_ns(const struct rc_plan_source *src);

void ra_run_init(struct ra_run *run);
void ra_run_free(struct ra_run *run);

/* Refusals before anything is touched; each returns -1 with RC_ERR_REFUSED
 * and a one-line message. */
int ra_verify_expiry(const struct rc_plan *p, int64_t now, struct rc_err *err);
/* approve may be NULL. auto_approve accepts the plan without a digest; a
 * digest that is given must match even then. */
int ra_verify_approval(const struct rc_plan *p, const char *approve, int auto_approve,
		       struct rc_err *err);
/* The plan's single engine source, or NULL with RC_ERR_REFUSED when the plan
 * has candidates from a source this tool cannot apply (not an engine, or
 * more than one engine). A plan without candidates may return NULL and 0 in
 * err->kind. */
const struct rc_plan_source *ra_plan_engine_source(const struct rc_plan *p, struct rc_err *err);
/* info is what rc_engine_connect reported. */
int ra_verify_engine(const struct rc_plan_source *src, const struct rc_engine_info *info,
		     struct rc_err *err);

/* Applies every candidate of p in order, filling run. j may be NULL only in a
 * dry run. Per-item failures are outcomes, not errors. Returns -1 (run holds
 * the items done so far) only when the run cannot go on safely: the journal
 * cannot be written. */
int ra_apply(const struct rc_plan *p, struct rc_engine *e, struct ra_journal *j,
	     const struct ra_opts *o, struct ra_run *run, struct rc_err *err);

/* Deletes one item through the engine API (never forced; images with
 * noprune=1 so that untagged parents outside the plan stay). Sets *outcome to
 * RA_DELETED, RA_ALREADY_ABSENT (404), RA_CHANGED (see ra_delete_status and
 * ra_prune_outcome, with the daemon's message) or RA_FAILED (any other
 * answer, or a transport error after bounded retries), with reason. The HTTP
 * layer retries DELETE; the build-prune POST, idempotent when filtered on one
 * exact record ID, is retried here (RA_PRUNE_ATTEMPTS in all). A build-cache
 * ID that fails ra_build_cache_id_ok is RA_FAILED before anything is sent. */
void ra_delete(struct rc_engine *e, const struct rc_plan_item *it, enum ra_outcome *outcome,
	       char *reason, size_t reasonsz);

/* 1 when id has the form of an engine build-cache record ID, [a-z0-9]+ (at
 * most 255 characters). The daemon matches the build-prune "id" filter as an
 * unanchored regular expression, so nothing else may be sent as one. */
int ra_build_cache_id_ok(const char *id);

/* Judges a 2xx answer (body, len) to a build prune filtered on record id:
 * RA_DELETED when CachesDeleted is exactly [id]; RA_CHANGED when it is empty
 * or missing (the daemon pruned nothing); RA_FAILED when the body is not a
 * JSON object or CachesDeleted names any other record: those are listed in
 * reason, since they are gone and were not in the plan. */
enum ra_outcome ra_prune_outcome(const char *body, size_t len, const char *id, char *reason,
				 size_t reasonsz);

/* Maps an error answer (not 2xx) to a delete of an item of kind, with the
 * daemon's message msg: 404 is RA_ALREADY_ABSENT; 409, and for networks a 403
 * whose message says the network has active endpoints (a container attached
 * after the re-check), RA_CHANGED; anything else RA_FAILED. reason gets the
 * status and message (empty for 404). */
enum ra_outcome ra_delete_status(enum rc_kind kind, long status, const char *msg, char *reason,
				 size_t reasonsz);

/* Exit status for a finished run: 3 when an item failed, else 5 when an item
 * changed and fail_on_changed, else 0. */
int ra_exit_status(const struct ra_run *run, int fail_on_changed);

#endif
