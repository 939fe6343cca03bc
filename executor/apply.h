/* apply.h: apply a verified plan's items, in plan order, with re-checks and
 * the journal. The checks that refuse a whole plan (schema, digest, expiry,
 * approval, sources) are ra_verify_* and ra_plan_sources; main() runs them
 * first, and each source's begin verifies its identity. Every item goes
 * through the operations table of its source's type (source.h): nothing
 * here knows a source type. */
#ifndef RA_APPLY_H
#define RA_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "journal.h"
#include "plan.h"
#include "source.h"

enum ra_outcome {
	RA_DELETED = 0, /* deleted by this run */
	RA_ALREADY_ABSENT, /* not there any more (404): counts as done */
	RA_ALREADY_DONE, /* the journal records it done: not touched */
	RA_CHANGED, /* no longer matches the plan: skipped, never deleted */
	RA_FAILED, /* the source could not be asked or refused */
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
#define RA_EXIT_ERROR 1 /* error: source unreachable, journal unwritable... */
#define RA_EXIT_USAGE 2 /* bad command line */
#define RA_EXIT_FAILED 3 /* some deletions failed */
#define RA_EXIT_REFUSED 4 /* plan refused: nothing was touched */
#define RA_EXIT_CHANGED 5 /* changed items, with --fail-on-changed */

#define RA_REASON_MAX 512

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
	/* RECLAIM_TEST_CRASH_AFTER_UNTAG: SIGKILL once a multi-step delete
	 * has made every step but its last (rc_apply_env). */
	int crash_before_last_step;
	/* RECLAIM_TEST_CRASH_AFTER_BATCH_SENT: SIGKILL once the first N
	 * deletes of a batch were answered (rc_apply_env). */
	long crash_after_batch_sent;
};

/* One plan source this run applies. */
struct ra_source {
	const struct rc_plan_source *planned; /* borrowed from the plan */
	const struct rc_source_ops *ops; /* its type's table */
	struct rc_source *s; /* open; NULL until main opens it */
	/* A re-check of it timed out (--timeout): it is not asked again in
	 * this run, its later items are not attempted (a rerun goes on), so a
	 * source that hangs in the middle of a run ends it within one timeout,
	 * not one per item. The message of that timeout. */
	char *hung;
};

struct ra_sources {
	struct ra_source *v;
	size_t n;
};

void ra_run_init(struct ra_run *run);
/* Frees run's results and leaves it empty; run itself is the caller's. */
void ra_run_release(struct ra_run *run);

/* Refusals before anything is touched; each returns -1 with RC_ERR_REFUSED
 * and a one-line message. */
int ra_verify_expiry(const struct rc_plan *p, int64_t now, struct rc_err *err);
/* approve may be NULL. auto_approve accepts the plan without a digest; a
 * digest that is given must match even then. */
int ra_verify_approval(const struct rc_plan *p, const char *approve, int auto_approve,
		       struct rc_err *err);
/* The plan sources to apply, in order of their first candidate: every
 * source with candidates; a plan without candidates still names the first
 * source of a known type, so that its identity is verified. -1 with
 * RC_ERR_REFUSED, before anything is touched, when a candidate names a
 * source the plan does not have, a source whose type has no table
 * (rc_source_find), or when candidates come from two sources of one type
 * that the command line names (the engine: it reaches one); sources the
 * plan locates (ops->located_by_plan: registries) may be several. out is owned by the caller
 * (ra_sources_release), also on failure. */
int ra_plan_sources(const struct rc_plan *p, struct ra_sources *out, struct rc_err *err);
/* Frees each open source, and the list. */
void ra_sources_release(struct ra_sources *srcs);

/* What ra_apply lends each source at begin: steps journaled to j (NULL in a
 * dry run), the dry-run flag and the crash hook of o. j and o must outlive
 * the run. */
void ra_apply_env_init(struct rc_apply_env *env, struct ra_journal *j, const struct ra_opts *o);

/* Applies every candidate of p in order through the table of its source in
 * srcs (opened, connected and begun), filling run. j may be NULL only in a
 * dry run. Per-item failures are outcomes, not errors. Returns -1 (run holds
 * the items done so far) only when the run cannot go on safely: the journal
 * cannot be written. */
int ra_apply(const struct rc_plan *p, const struct ra_sources *srcs, struct ra_journal *j,
	     const struct ra_opts *o, struct ra_run *run, struct rc_err *err);

/* The executor's outcome of a re-check's and a delete's answers. */
enum ra_outcome ra_outcome_of_check(enum rc_check c);
enum ra_outcome ra_outcome_of_removal(enum rc_removal r);

/* Exit status for a finished run: 3 when an item failed, else 5 when an item
 * changed and fail_on_changed, else 0. */
int ra_exit_status(const struct ra_run *run, int fail_on_changed);

#endif
