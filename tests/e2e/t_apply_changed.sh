#!/usr/bin/env bash
# State changed between plan and apply: each such item is skipped as
# `changed` with its reason, never deleted, and nothing outside the plan is
# touched. Changes: a container created from a candidate image; a stopped
# candidate container started (its image, a candidate through it, stays too);
# a dangling candidate re-tagged; a tag of a candidate moved away; a
# candidate volume mounted by a new container; a candidate volume deleted and
# re-created under the same name; a candidate network joined by that
# (stopped) container.
set -u
source "$(dirname "$0")/../lib/engine.sh"
source "$(dirname "$0")/../lib/apply.sh"
engine_start || exit 1
trap 'remove_networks; engine_stop' EXIT
W=$RC_T/work

dang_retag=$(mk_dangling)
dang_plain=$(mk_dangling)
used_later=$(mk_image later:1)
moved=$(mk_image moved:1)
mk_image other:1 >/dev/null
started_img=$(mk_image svc:1)
D create --name sleeper svc:1 >/dev/null
D volume create vmount >/dev/null
D volume create vplain >/dev/null
D volume create vrenew >/dev/null
mk_net idle-net
mk_net joined-net
D run -d --name keeper other:1 >/dev/null
sleeper=$(D inspect -f '{{.Id}}' sleeper)
joined_net=$(D network inspect -f '{{.Id}}' joined-net)
idle_net=$(D network inspect -f '{{.Id}}' idle-net)

"$PLAN" --engine "$DOCKER_HOST" --min-age 0 --images=unused --volumes=all \
	-o "$W/plan.json" >/dev/null 2>&1
check_eq "plan succeeds" 0 "$?"
dig=$(plan_digest "$W/plan.json")
for obj in "$dang_retag" "$dang_plain" "$used_later" "$moved" "$started_img" "$sleeper" \
	vmount vplain vrenew "$joined_net" "$idle_net"; do
	check "planned: $obj" grep -q " $obj\$" <(plan_candidates "$W/plan.json")
done

# The world moves on between review and apply.
D create --name newuser later:1 >/dev/null
D start sleeper >/dev/null
D tag "$dang_retag" retagged:1
D tag other:1 moved:1
D create --name mounter -v vmount:/data other:1 >/dev/null
D network connect joined-net mounter
sleep 1.1 # creation times have a resolution of one second
D volume rm vrenew >/dev/null
D volume create vrenew >/dev/null
engine_state >"$W/before"

"$APPLY" --approve "$dig" --report "$W/r.json" --junit "$W/r.xml" "$W/plan.json" \
	>"$W/out" 2>"$W/err"
rc=$?
check_eq "changed items count as success: exit 0" 0 "$rc"
[ "$rc" -eq 0 ] || cat "$W/out" "$W/err"

reason() { report_reason "$W/r.json" "$1"; }
quiet() { "$@" >/dev/null 2>&1; }
check_eq "image now used by a new container is changed" \
	"changed: image is now used by container 'newuser'" "$(reason "$used_later")"
check_eq "started container is changed" "changed: container is now running" \
	"$(reason "$sleeper")"
check_eq "its image, a candidate only through it, is changed too" \
	"changed: image is still used by container 'sleeper', which was not deleted" \
	"$(reason "$started_img")"
check_eq "re-tagged dangling image is changed" "changed: image is now tagged 'retagged:1'" \
	"$(reason "$dang_retag")"
check_eq "image whose tag moved away is changed" \
	"changed: tag 'moved:1' no longer points to this image" "$(reason "$moved")"
check_eq "volume mounted since the plan is changed" \
	"changed: volume is now mounted by container 'mounter'" "$(reason vmount)"
check "volume re-created under the same name is changed" \
	grep -q "^changed: volume was re-created: the plan's was created at " <(reason vrenew)
check "the re-created volume still exists" quiet D volume inspect vrenew
check_eq "network a (stopped) container joined since the plan is changed" \
	"changed: network now has container 'mounter' attached" "$(reason "$joined_net")"
check_eq "untouched network is deleted" "deleted: " "$(reason "$idle_net")"
check_eq "untouched dangling image is deleted" "deleted: " "$(reason "$dang_plain")"
check_eq "untouched volume is deleted" "deleted: " "$(reason vplain)"

# Exactly the unchanged candidates are gone; the changed ones and everything
# outside the plan stay.
expected=$(state_after "$W/before" "$W/r.json")
check_eq "only unchanged candidates were deleted; nothing else touched" "$expected" \
	"$(engine_state)"
check "changed images still exist" quiet D image inspect "$used_later" "$dang_retag" "$moved" \
	"$started_img"
check "summary lists changed items with reasons" \
	grep -q "container 'newuser'" "$W/out"
check "JUnit: changed items are skipped with the reason" \
	/usr/bin/python3 - "$W/r.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
skipped = [c for c in root.iter("testcase") if c.find("skipped") is not None]
assert len(skipped) == 8, len(skipped)
assert any("newuser" in c.find("skipped").get("message", "") for c in skipped)
assert not any(c.find("failure") is not None for c in root.iter("testcase"))
PY

# A rerun with --fail-on-changed: the changed items are re-checked (still
# changed), and the exit status says so.
"$APPLY" --approve "$dig" --fail-on-changed --report "$W/r2.json" "$W/plan.json" \
	>/dev/null 2>&1
check_eq "--fail-on-changed exits 5" 5 "$?"
check_eq "rerun: changed items are re-checked, deleted ones already done" \
	"already-done changed" "$(report_outcome_set "$W/r2.json")"

# Undoing the change does not undo the use: the image was used since
# planning, so this plan never deletes it; a new plan does.
D rm newuser >/dev/null
"$APPLY" --approve "$dig" --report "$W/r3.json" "$W/plan.json" >/dev/null 2>&1
check_eq "rerun after the container is removed again exits 0" 0 "$?"
check "the image stays: it was used since planning" \
	grep -q "^changed: container 'newuser' was created from the image at .* after planning" \
	<(report_reason "$W/r3.json" "$used_later")
"$PLAN" --engine "$DOCKER_HOST" --min-age 0 --images=unused -o "$W/plan2.json" >/dev/null 2>&1
"$APPLY" --approve "$(plan_digest "$W/plan2.json")" --report "$W/r4.json" "$W/plan2.json" \
	>/dev/null 2>&1
check_eq "a new plan's apply exits 0" 0 "$?"
check_eq "a new plan deletes the image no container uses" "deleted: " \
	"$(report_reason "$W/r4.json" "$used_later")"

finish
