#!/usr/bin/env bash
# A Harbor that records no pull (PULL_TIME_UPDATE_DISABLE, or pulls by
# digest only): with 10 or more artifacts and none pulled, reclaim-plan
# warns in one line that pull ages count from pushes, and still plans. With
# fewer artifacts it says nothing; a Harbor with pulls (t_harbor_pages) says
# nothing either.
set -u
source "$(dirname "$0")/../lib/harbor.sh"
T=$HARBOR_T
harbor_start --scenario bench --projects 1 --repos 1 --artifacts 12 --no-pulls ||
	{ not_ok "the double starts"; exit 1; }

harbor_plan --not-pulled-for 30d -o "$T/plan.json" >/dev/null 2>"$T/plan.err"
check_eq "the plan succeeds" "0" "$?"
check_eq "one warning line" "1" "$(grep -c . "$T/plan.err")"
check "... naming the Harbor, the count and why" grep -q \
	"^reclaim-plan: warning: Harbor '$HARBOR_URL': none of its 12 artifacts records a pull; if it records none (PULL_TIME_UPDATE_DISABLE, or pulls by digest only), pull ages count from pushes (docs/harbor.md)$" \
	"$T/plan.err"
check "... and the plan still judges pull ages from pushes" \
	jq -e '[.candidates[] | select(.kind == "tag") | .reason | test("never pulled: counted from its push")] | all and length > 0' "$T/plan.json"

# below the threshold: --repos narrows the scan to none, so no warning
harbor_plan --not-pulled-for 30d --repos 'none/x' -o "$T/few.json" >/dev/null 2>"$T/few.err"
check_eq "a scan of fewer than 10 artifacts: no warning" "0 " "$? $(cat "$T/few.err")"
finish
