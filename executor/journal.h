/* journal.h: the executor's append-only journal, one JSON object per line.
 *
 *   {"journal":"reclaim","version":1,"plan_digest":"sha256:..."}   header
 *   {"item":"engine/image/sha256:...","event":"intent"}            before a delete
 *   {"item":"...","event":"untag","ref":"app:1"}                    before each step
 *   {"item":"...","event":"outcome","outcome":"deleted","reason":""} after it
 *
 * A journal belongs to exactly one plan digest. Only lines ending in '\n'
 * count: a torn last line (a crash in the middle of a write) is ignored on
 * load and cut off before the next append. An item counts as done when its
 * latest outcome is "deleted" or "already-absent"; an intent without an
 * outcome means "re-check it", which is why lines are fsync'd in batches and
 * not one by one (see docs/apply.md, "Journal"). */
#ifndef RA_JOURNAL_H
#define RA_JOURNAL_H

#include <stddef.h>

#include "err.h"
#include "inventory.h"

#define RA_JOURNAL_SYNC_EVERY 32

struct ra_journal;

/* Reads path when it exists; a missing or empty file is a fresh journal.
 * Writes nothing. Fails with RC_ERR_REFUSED when the header names another
 * plan digest or an unknown journal version, RC_ERR_PLAN when a complete line
 * is not a journal record (the file is not a reclaim journal or was edited,
 * e.g. a header without "version"), RC_ERR_IO when it cannot be read or is a
 * symbolic link (never followed, here or in ra_journal_begin) or anything else
 * but a regular file (a FIFO would block the read; ra_journal_begin refuses
 * one planted later without blocking). On success *out is owned by the caller
 * (ra_journal_free). */
int ra_journal_load(const char *path, const char *plan_digest, struct ra_journal **out,
		    struct rc_err *err);

/* 1 when the item's latest recorded outcome is deleted or already-absent. */
int ra_journal_done(const struct ra_journal *j, const char *item_id);
/* The item's latest recorded outcome, or NULL when it has none. */
const char *ra_journal_last_outcome(const struct ra_journal *j, const char *item_id);
/* Number of complete records read by ra_journal_load (header included). */
size_t ra_journal_records(const struct ra_journal *j);
/* 1 when ra_journal_load found a torn last line. */
int ra_journal_had_torn_tail(const struct ra_journal *j);

/* Opens the file for appending: creates it with its header (fsync'd, and the
 * directory too), or cuts a torn tail off an existing one. Takes an exclusive
 * lock, so a second reclaim-apply on the same journal fails
 * instead of interleaving (RC_ERR_IO). sync_every 0 means RA_JOURNAL_SYNC_EVERY. */
int ra_journal_begin(struct ra_journal *j, unsigned sync_every, struct rc_err *err);

/* Append one line each, with a single write(2); fsync every sync_every
 * lines. outcome is one of "deleted", "already-absent", "changed", "failed";
 * reason may be NULL. */
int ra_journal_intent(struct ra_journal *j, const char *item_id, struct rc_err *err);
int ra_journal_outcome(struct ra_journal *j, const char *item_id, const char *outcome,
		       const char *reason, struct rc_err *err);
/* Before a sub-step of item_id's delete that a source journals (source.h,
 * rc_apply_env; the engine untags an image with several tags one tag at a
 * time, event "untag" with the tag as value): a rerun then knows the step
 * may have been made by this apply. The line is {"item","event","ref":
 * value}. event must be one a source type declares (rc_source_step_known);
 * on load, such a line without a "ref" is not a journal record. */
int ra_journal_step(struct ra_journal *j, const char *item_id, const char *event,
		    const char *value, struct rc_err *err);
/* The values recorded by ra_journal_step for item_id and event, or NULL
 * when none. Valid until the next call that writes to j. */
const struct rc_strv *ra_journal_steps(const struct ra_journal *j, const char *item_id,
				       const char *event);

/* fsyncs the lines written since the last sync. */
int ra_journal_sync(struct ra_journal *j, struct rc_err *err);

/* Syncs, unlocks and closes; frees nothing. Safe when never begun. */
int ra_journal_close(struct ra_journal *j, struct rc_err *err);

/* Closes (ignoring errors) and frees. NULL is a no-op. */
void ra_journal_free(struct ra_journal *j);

#endif
