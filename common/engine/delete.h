/* delete.h: the engine's side of applying a plan: its identity at apply
 * time, and deletes.
 *
 * Deletes are never forced. An image is deleted with noprune=1, so that
 * untagged parents outside the plan stay; an image with several tags loses
 * all but its last by name first (each untag journaled through the
 * executor's rc_apply_env), as `docker rmi a:1 a:2` does. A build-cache
 * record is pruned with a filter on its exact ID. */
#ifndef RC_ENGINE_DELETE_H
#define RC_ENGINE_DELETE_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "err.h"
#include "inventory.h"
#include "plan.h"
#include "source.h"

#define RC_ENGINE_PRUNE_ATTEMPTS 4 /* build-prune tries: 1 + 3 retries, 200 ms doubling */
#define RC_ENGINE_PRUNE_BASE_MS 200L /* the first retry's wait (rc_backoff_ms) */

/* Plans from before the daemon's clock was recorded start "since planning"
 * at scanned_at, the planner's clock, less this much for clock skew. */
#define RC_ENGINE_OLD_PLAN_SKEW_S 300

/* Where "used since planning" starts for items of src: its identity's
 * clock, else its scanned_at less RC_ENGINE_OLD_PLAN_SKEW_S; in ns, 0 when
 * unknown. */
int64_t rc_engine_plan_since_ns(const struct rc_plan_source *src);

/* 0 when info (what rc_engine_connect reported) is the engine src names,
 * else -1 with RC_ERR_REFUSED and a one-line message ("wrong target: ..."). */
int rc_engine_verify(const struct rc_plan_source *src, const struct rc_engine_info *info,
		     struct rc_err *err);

/* Deletes one item through the engine API. Sets *res to RC_REMOVED,
 * RC_REMOVAL_ABSENT (404), RC_REMOVAL_CHANGED (see rc_engine_delete_status and
 * rc_engine_prune_outcome, with the daemon's message) or RC_REMOVAL_FAILED
 * (any other answer, or a transport error after bounded retries), with
 * reason. The HTTP layer retries DELETE; the build-prune POST, idempotent
 * when filtered on one exact record ID, is retried here
 * (RC_ENGINE_PRUNE_ATTEMPTS in all). A build-cache ID that fails
 * rc_engine_build_cache_id_ok is RC_REMOVAL_FAILED before anything is sent.
 * An image with several tags is untagged first: each tag is confirmed to
 * name this image just before its untag, and recorded through env->step
 * ("untag", tag) before it is removed; tags env->steps_done lists may be
 * missing. Returns -1 only when env->step failed (err says why): the run
 * must stop. env may be NULL for a single-step delete. */
int rc_engine_delete(struct rc_engine *e, const struct rc_apply_env *env,
		     const struct rc_plan_item *it, enum rc_removal *res, char *reason,
		     size_t reasonsz, struct rc_err *err);

/* 1 when id has the form of an engine build-cache record ID, [a-z0-9]+ (at
 * most 255 characters). The daemon matches the build-prune "id" filter as an
 * unanchored regular expression, so nothing else may be sent as one. */
int rc_engine_build_cache_id_ok(const char *id);

/* Judges a 2xx answer (body, len) to a build prune filtered on record id:
 * RC_REMOVED when CachesDeleted is exactly [id]; RC_REMOVAL_CHANGED when it
 * is empty or missing (the daemon pruned nothing); RC_REMOVAL_FAILED when the
 * body is not a JSON object or CachesDeleted names any other record: those
 * are listed in reason, since they are gone and were not in the plan. */
enum rc_removal rc_engine_prune_outcome(const char *body, size_t len, const char *id,
					char *reason, size_t reasonsz);

/* Maps an error answer (not 2xx) to a delete of an item of kind, with the
 * daemon's message msg: 404 is RC_REMOVAL_ABSENT; 409, and for networks a 403
 * whose message says the network has active endpoints (a container attached
 * after the re-check), RC_REMOVAL_CHANGED; anything else RC_REMOVAL_FAILED.
 * reason gets the status and message (empty for 404). */
enum rc_removal rc_engine_delete_status(enum rc_kind kind, long status, const char *msg,
					char *reason, size_t reasonsz);

#endif
