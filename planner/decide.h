/* decide.h: inventory + policy + clock -> plan.
 *
 * The semantics are those of docs/policy.md: protections first (in use,
 * running, predefined, refs, labels, tag patterns, min_age), then the first
 * rule whose selectors match claims the object and its conditions decide.
 * Every scanned object ends up either a candidate or protected, each with the
 * rule and a human reason. Sizes follow docs/sizes.md. */
#ifndef RP_DECIDE_H
#define RP_DECIDE_H

#include <stdint.h>

#include "err.h"
#include "inventory.h"
#include "plan.h"
#include "policy.h"

#define RP_SOURCE_ENGINE "engine"

/* Decides every object of inv under pol at time now (Unix seconds) and
 * appends the candidates, in execution order (containers; images children
 * before parents; volumes; networks; build cache; ties by ID), and the
 * protected objects (by kind, then ID) to plan. Fills plan->summary, with
 * the set-wide image bytes (each layer counted once). Does not touch the
 * plan's header fields. -1 with err (RC_ERR_NOMEM, RC_ERR_INTERNAL) on
 * failure; plan may then hold some items and must be freed. */
int rp_decide(const struct rc_inventory *inv, const struct rp_policy *pol, int64_t now,
	      struct rc_plan *plan, struct rc_err *err);

/* Builds and seals a whole plan: version, tool version RC_VERSION,
 * created_at = now, expires_at = now + ttl, the effective policy and its
 * digest, the engine source from inv->engine (scanned_at = now), the
 * decisions, the summary and the digest. plan must be initialised (rc_plan_init)
 * and empty; the caller frees it in every case. */
int rp_plan_build(const struct rc_inventory *inv, const struct rp_policy *pol, int64_t now,
		  int64_t ttl, struct rc_plan *plan, struct rc_err *err);

#endif
