/* recheck.h: is a plan item still true, just before it is deleted?
 *
 * | kind        | still true when                                             |
 * | image       | same ID present; no container in any state references it   |
 * |             | (containers this apply removed are gone, see `gone`); its   |
 * |             | current tags equal preconditions.tags exactly (less tags    |
 * |             | this apply removed); not used since planning (events.h)     |
 * | container   | same ID; state not running, restarting or paused; not run  |
 * |             | since planning: StartedAt and FinishedAt as the plan saw    |
 * | volume      | exists, same creation time, no container mounts it, not    |
 * |             | mounted since planning, size as the plan saw it             |
 * | network     | same ID, no container attached, none connected since       |
 * | build-cache | present, not in use, the id filter matches only it, use    |
 * |             | count and last use as the plan saw them                     |
 *
 * The rc_engine_eval_* functions are pure: they judge parsed engine answers, so the
 * rules are unit-tested without an engine. rc_engine_recheck fetches the answers. */
#ifndef RC_ENGINE_RECHECK_H
#define RC_ENGINE_RECHECK_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "engine.h"
#include "err.h"
#include "events.h"
#include "inventory.h"
#include "plan.h"
#include "source.h"

/* Each returns an enum rc_check, filling reason (sanitised, one line) for
 * RC_CHECK_CHANGED; or -1 with RC_ERR_PROTOCOL when an answer has the wrong
 * shape. `containers` is a /containers/json?all=1 answer (an array); `gone`
 * holds IDs of containers this run removed (or, in a dry run, would remove)
 * and may be NULL. */
/* untagged: tags this apply removed from the image (the journal's untag
 * lines); they may be missing. May be NULL. */
int rc_engine_eval_image(const cJSON *inspect, const cJSON *containers,
			 const struct rc_plan_item *it, const struct rc_strv *gone,
			 const struct rc_strv *untagged, char *reason, size_t reasonsz,
			 struct rc_err *err);
/* since_ns: where "since planning" starts in the daemon's clock; used when
 * the plan records no evidence of its own (plans before it did). */
int rc_engine_eval_container(const cJSON *inspect, const struct rc_plan_item *it, int64_t since_ns,
			     char *reason, size_t reasonsz, struct rc_err *err);
int rc_engine_eval_volume(const cJSON *inspect, const cJSON *containers,
			  const struct rc_plan_item *it, const struct rc_strv *gone, char *reason,
			  size_t reasonsz, struct rc_err *err);
int rc_engine_eval_network(const cJSON *inspect, const cJSON *containers,
			   const struct rc_plan_item *it, const struct rc_strv *gone, char *reason,
			   size_t reasonsz, struct rc_err *err);
/* df is a /system/df answer; an entry that is not listed is RC_CHECK_ABSENT. */
int rc_engine_eval_build_cache(const cJSON *df, const struct rc_plan_item *it, char *reason,
			       size_t reasonsz, struct rc_err *err);

/* df is a /system/df answer: CHANGED when the volume's UsageData.Size
 * differs from the plan's size (when both are known). */
int rc_engine_eval_volume_size(const cJSON *df, const struct rc_plan_item *it, char *reason,
			       size_t reasonsz, struct rc_err *err);

/* What a re-check needs besides the item. */
struct rc_engine_check_ctx {
	struct rc_engine *e;
	struct rc_engine_events *ev; /* the event log since planning; NULL: not consulted */
	int64_t since_ns; /* where "since planning" starts, in the daemon's clock */
	int64_t clock_offset_ns; /* the daemon's clock minus ours */
	const struct rc_strv *gone; /* containers this run removed; may be NULL */
	cJSON *volume_df; /* /system/df, read once for volume sizes (owned) */
	int volume_df_tried;
};

/* Frees what the context read (not e, ev or gone). */
void rc_engine_check_ctx_release(struct rc_engine_check_ctx *ctx);

/* 1 when s is a safe object identity for an API path: 1..255 characters of
 * [A-Za-z0-9_.:-], not starting with '.' or '-'. */
int rc_engine_object_safe(const char *s);

/* 1 when s is an image reference (repo:tag, host:port/repo:tag,
 * repo@sha256:...) that can go into an API path as it is: at most 512 of
 * [A-Za-z0-9_.:/@-], not starting with '/', '.' or '-', no "..". */
int rc_engine_ref_safe(const char *s);

/* The API collection of an item's kind ("/containers/", "/images/",
 * "/volumes/", "/networks/"), the one place that maps kinds onto paths for
 * both re-checks and deletes; NULL for build cache, which has no path of
 * its own. */
const char *rc_engine_object_root(enum rc_kind kind);

/* Asks the engine and evaluates, then, for images, volumes and networks
 * that pass, asks the event log whether they were used since planning
 * (events.h; unproven counts as used). 0 with *res (and reason), or -1 with
 * err when the engine could not be asked or answered an error other than
 * 404. untagged as for rc_engine_eval_image. */
int rc_engine_recheck(struct rc_engine_check_ctx *ctx, const struct rc_plan_item *it,
		      const struct rc_strv *untagged, enum rc_check *res, char *reason,
		      size_t reasonsz, struct rc_err *err);

/* GETs req (rc_engine_path versions it) and parses the answer. 0 with *out
 * owned (cJSON_Delete); 1 when the engine answered 404 (*out NULL); -1 with
 * err otherwise (RC_ERR_HTTP names the path and the daemon's message). */
int rc_engine_get_json(struct rc_engine *e, const struct rc_engine_req *req, cJSON **out,
		       struct rc_err *err);

/* The daemon's error text from a JSON body {"message": ...}, sanitised into
 * out; the raw status line when the body has none. Returns out. */
char *rc_engine_daemon_message(const struct rc_buf *body, long status, char *out, size_t outsz);

#endif
