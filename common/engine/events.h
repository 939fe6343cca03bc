/* events.h: what the engine's event log says happened since planning.
 *
 * Volumes, images and networks record no last use, so the executor reads
 * the daemon's event log (GET /events) for evidence that a candidate was
 * used after the plan's scan:
 *
 * | kind    | use since planning                                            |
 * | image   | a container was created from it (by ID, ID prefix, a tag the |
 * |         | plan records, or a digest reference that resolves to it), or |
 * |         | it was tagged                                                 |
 * | volume  | it was mounted                                                |
 * | network | a container was connected to it                               |
 *
 * The daemon keeps only its last 256 events, in memory. The log proves that
 * nothing happened since time T only while it still holds an event older
 * than T: then no later event has been dropped. The first read takes the
 * whole log (since=0) to prove that; each later read asks from the newest
 * event already seen, and must get that event back, else events were
 * dropped between two reads. Once unproven, it stays unproven for the run:
 * rc_engine_events_covered() is 0 and every image, volume and network item is
 * skipped as changed (docs/apply.md, "Used since planning").
 *
 * Times are microseconds since the epoch: cJSON reads timeNano as a double,
 * exact to about a quarter of a microsecond at today's dates, so comparisons
 * keep a margin of RC_ENGINE_EVENTS_MARGIN_US on the safe side. */
#ifndef RC_ENGINE_EVENTS_H
#define RC_ENGINE_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "err.h"
#include "plan.h"

#define RC_ENGINE_EVENTS_MARGIN_US 2

struct rc_engine_events;

/* since_ns: where "since planning" starts, in the daemon's clock (the plan's
 * engine_time). Owned by the caller (rc_engine_events_free). NULL when out of memory. */
struct rc_engine_events *rc_engine_events_new(int64_t since_ns);
void rc_engine_events_free(struct rc_engine_events *ev);

/* Reads the events the daemon logged since the last read, up to its current
 * time (now_ns, in the daemon's clock). 0, or -1 with err when the engine
 * could not be asked or answered something that is not an event stream
 * (then nothing may be deleted on the strength of the log). */
int rc_engine_events_update(struct rc_engine_events *ev, struct rc_engine *e, int64_t now_ns,
			    struct rc_err *err);

/* Feeds one /events answer, as read with since=query_since_us (-1 for the
 * first, whole-log read). Exposed for unit tests; rc_engine_events_update calls it. */
int rc_engine_events_feed(struct rc_engine_events *ev, const char *body, size_t len,
			  int64_t query_since_us, struct rc_err *err);

/* 1 while the log has proven itself complete since planning. */
int rc_engine_events_covered(const struct rc_engine_events *ev);

/* Resolves the digest references (repo@sha256:...) that containers were
 * created from since planning to image IDs, once each, through
 * GET /images/{ref}/json. 0, or -1 with err. */
int rc_engine_events_resolve(struct rc_engine_events *ev, struct rc_engine *e, struct rc_err *err);

/* 1 with reason (one line) when the log shows the item used since
 * planning; 0 when it shows no use. Meaningful only while covered. */
int rc_engine_events_used(const struct rc_engine_events *ev, const struct rc_plan_item *it,
			  char *reason, size_t reasonsz);

/* Normalises an image reference as the docker CLI reads it: a missing tag
 * is ":latest", "docker.io/library/" and "docker.io/" are dropped. Writes
 * into out (truncated to outsz). */
void rc_engine_ref_normalise(const char *ref, char *out, size_t outsz);

#endif
