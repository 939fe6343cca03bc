/* decide.h: inventory + policy + clock -> plan.
 *
 * The semantics are those of docs/policy.md: protections first (users that
 * stay, what the source itself protects, refs, labels, tag patterns,
 * min_age), then the first rule whose selectors match claims the object and
 * its conditions decide. Every object of the inventory (inv->objects, see
 * inventory.h) ends up either a candidate or protected, each with the rule
 * and a human reason. Sizes follow docs/sizes.md. The decisions know no
 * source: what is specific to one comes as attributes of its objects. */
#ifndef RP_DECIDE_H
#define RP_DECIDE_H

#include <stdint.h>

#include "err.h"
#include "inventory.h"
#include "plan.h"
#include "policy.h"

/* Decides every object of inv under pol at time now (Unix seconds) and
 * appends the candidates, in execution order (by kind in enum rc_kind
 * order; within a kind by descending level, so that children go before
 * parents; ties by identity), and the protected objects (by kind, then
 * identity) to plan. Fills plan->summary, with the set-wide bytes of kinds
 * whose objects share parts (each part counted once). Does not touch the
 * plan's header fields. -1 with err (RC_ERR_NOMEM, RC_ERR_INTERNAL) on
 * failure; plan may then hold some items and must be freed. */
int rp_decide(const struct rc_inventory *inv, const struct rp_policy *pol, int64_t now,
	      struct rc_plan *plan, struct rc_err *err);

/* Builds and seals a whole plan: version, tool version RC_VERSION,
 * created_at = now, expires_at = now + ttl, the effective policy and its
 * digest, the sources of inv->sources (scanned_at = now), the
 * decisions, the summary and the digest. plan must be initialised (rc_plan_init)
 * and empty; the caller frees it in every case. */
int rp_plan_build(const struct rc_inventory *inv, const struct rp_policy *pol, int64_t now,
		  int64_t ttl, struct rc_plan *plan, struct rc_err *err);

/* 1 when candidate it goes only because another candidate goes, the
 * collateral of a closed set (docs/design.md, "Closed sets"): a child of an
 * index the plan deletes, a referrer of a deleted subject, a tag that no
 * rule chose removed with its manifest. Read from the reason the set gave
 * it, so it holds for a plan loaded from a file too. 0 otherwise. */
int rp_item_is_collateral(const struct rc_plan_item *it);

#endif
