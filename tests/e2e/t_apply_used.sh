#!/usr/bin/env bash
# Issue 6 §1 and §2: objects *used* between plan and apply are never deleted,
# even when they look as they did (a container that ran and exited again, a
# volume written below its root by a container already gone, an image run by
# a container already removed, a network a container joined and left); and
# images with several tags are applied, tag by tag, also across a crash.
set -u
source "$(dirname "$0")/../lib/engine.sh"
source "$(dirname "$0")/../lib/apply.sh"
engine_start || exit 1
trap 'remove_networks; engine_stop' EXIT
W=$RC_T/work
quiet() { "$@" >/dev/null 2>&1; }
mk_image base:1 >/dev/null
ran_img=$(mk_image ranimg:1)
tmp_img=$(mk_image tmp:1)
idle_img=$(mk_image idle:1)
D run --name ran ranimg:1 /bin/busybox true >/dev/null
D create --name fresh ranimg:1 /bin/busybox true >/dev/null
D run --name quiet ranimg:1 /bin/busybox true >/dev/null
ran=$(D inspect -f '{{.Id}}' ran)
fresh=$(D inspect -f '{{.Id}}' fresh)
quiet_c=$(D inspect -f '{{.Id}}' quiet)
D volume create vsub >/dev/null
D volume create vidle >/dev/null
D run --rm -v vsub:/data base:1 /bin/busybox sh -c 'mkdir -p /data/sub && echo old >/data/sub/f'
mk_net used-net
mk_net idle-net
used_net=$(D network inspect -f '{{.Id}}' used-net)
idle_net=$(D network inspect -f '{{.Id}}' idle-net)
D run -d --name keeper base:1 >/dev/null

sleep 1.1
"$PLAN" --engine "$DOCKER_HOST" --min-age 0 --images=unused --volumes=all \
	-o "$W/plan.json" >/dev/null 2>"$W/plan.err"
check_eq "plan succeeds" 0 "$?"
dig=$(plan_digest "$W/plan.json")
for obj in "$ran" "$fresh" "$quiet_c" vsub vidle "$tmp_img" "$idle_img" "$used_net" "$idle_net"; do
	check "planned: $obj" grep -q " $obj\$" <(plan_candidates "$W/plan.json")
done
check "the plan records the engine's clock at the scan" /usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["sources"][0]["identity"]
assert s["clock"].endswith("Z") and "." in s["clock"], s' "$W/plan.json"
check "the plan records each container's StartedAt and FinishedAt as evidence" \
	/usr/bin/python3 -c '
import json, sys
for it in json.load(open(sys.argv[1]))["candidates"]:
    if it["kind"] == "container":
        p = it["preconditions"]
        assert p["started_at"] and p["finished_at"], it' "$W/plan.json"

# Used, and left looking as before: nothing runs now, nothing is attached.
D start -a ran >/dev/null
D start -a fresh >/dev/null
D run --rm -v vsub:/data base:1 /bin/busybox sh -c 'echo new >/data/sub/f; echo more >/data/sub/g'
D run --rm tmp:1 /bin/busybox true
D run -d --name joiner --network used-net base:1 >/dev/null
D rm -f joiner >/dev/null
engine_state >"$W/before"

"$APPLY" --approve "$dig" --report "$W/r.json" "$W/plan.json" >"$W/out" 2>"$W/err"
check_eq "apply exits 0 (changed items count as done)" 0 "$?"
reason() { report_reason "$W/r.json" "$1"; }
check "container that ran again and exited is changed" \
	grep -q "^changed: container was started since planning" <(reason "$ran")
check "container created, never started, started since planning is changed" \
	grep -q "^changed: container was started since planning" <(reason "$fresh")
check "both still exist" quiet D inspect "$ran" "$fresh"
check "volume written below its root by a container since removed is changed" \
	grep -q "^changed: volume was mounted by container .* after planning" <(reason vsub)
check_eq "its new data survives" "new" \
	"$(D run --rm -v vsub:/data base:1 /bin/busybox cat /data/sub/f)"
check "image run by a container since removed is changed" \
	grep -q "^changed: container '.*' was created from the image at .* after planning" \
	<(reason "$tmp_img")
check "network a container joined and left since planning is changed" \
	grep -q "^changed: container .* was connected to the network at .* after planning" \
	<(reason "$used_net")
check_eq "unused container is deleted" "deleted: " "$(reason "$quiet_c")"
check_eq "unused volume is deleted" "deleted: " "$(reason vidle)"
check_eq "unused image is deleted" "deleted: " "$(reason "$idle_img")"
check_eq "unused network is deleted" "deleted: " "$(reason "$idle_net")"
check_eq "exactly the unused candidates went; nothing else touched" \
	"$(state_after "$W/before" "$W/r.json")" "$(engine_state)"

# ---- §2: an image with several tags ------------------------------------
wipe_plan() { rm -f "$W"/p2.*; }
multi=$(mk_image multi:1)
D tag multi:1 multi:latest
D tag multi:1 team/multi:2
grown=$(mk_image grown:1)
D tag grown:1 grown:2
"$PLAN" --engine "$DOCKER_HOST" --min-age 0 --images=unused -o "$W/p2.json" >/dev/null 2>&1
check_eq "plan of multi-tag images succeeds" 0 "$?"
check "multi-tag image planned with all its tags as preconditions" /usr/bin/python3 -c '
import json, sys
for it in json.load(open(sys.argv[1]))["candidates"]:
    if it["object"] == sys.argv[2]:
        assert sorted(it["preconditions"]["tags"]) == ["multi:1", "multi:latest", "team/multi:2"], it
        break
else:
    raise SystemExit("not planned")' "$W/p2.json" "$multi"
D tag grown:1 grown:3 # a tag added after planning
engine_state >"$W/before2"
"$APPLY" --approve "$(plan_digest "$W/p2.json")" --report "$W/r2.json" "$W/p2.json" \
	>"$W/out2" 2>"$W/err2"
check_eq "apply exits 0" 0 "$?"
check_eq "image with three tags is deleted, without force" "deleted: " \
	"$(report_reason "$W/r2.json" "$multi")"
check "none of its tags is left" test -z "$(D image ls -q multi; D image ls -q team/multi)"
check_eq "image that gained a tag since planning is changed" \
	"changed: image is now tagged 'grown:3'" "$(report_reason "$W/r2.json" "$grown")"
check_eq "and keeps every tag" "grown:1 grown:2 grown:3" \
	"$(D image inspect -f '{{range .RepoTags}}{{.}} {{end}}' "$grown" | tr ' ' '\n' | sort | xargs)"
check "the journal records each untag before it happens" \
	test "$(grep -c '"event":"untag"' "$W/p2.journal")" -eq 2
check_eq "nothing else touched" "$(state_after "$W/before2" "$W/r2.json")" "$(engine_state)"

# A crash after the untags, before the delete by ID: the rerun finishes.
crash=$(mk_image crash:1)
D tag crash:1 crash:2
D tag crash:1 crash:3
"$PLAN" --engine "$DOCKER_HOST" --min-age 0 --images=unused --keep "grown:*" -o "$W/p3.json" \
	>/dev/null 2>&1
dig3=$(plan_digest "$W/p3.json")
RECLAIM_TEST_CRASH_AFTER_UNTAG=1 "$APPLY" --approve "$dig3" "$W/p3.json" >/dev/null 2>&1
check_eq "the crash hook kills the run" 137 "$?"
check_eq "killed between the untags and the delete: one tag left" "1" \
	"$(D image inspect -f '{{len .RepoTags}}' "$crash")"
"$APPLY" --approve "$dig3" --report "$W/r3.json" "$W/p3.json" >/dev/null 2>&1
check_eq "rerun exits 0" 0 "$?"
check_eq "rerun deletes the image the crash left with one tag" "deleted: " \
	"$(report_reason "$W/r3.json" "$crash")"
"$APPLY" --approve "$dig3" --report "$W/r4.json" "$W/p3.json" >/dev/null 2>&1
check_eq "a third run is a no-op" "already-done" "$(report_outcome_set "$W/r4.json")"

# ---- the event log no longer reaches back to the scan --------------------
lost=$(mk_image lost:1)
D volume create vlost >/dev/null
"$PLAN" --engine "$DOCKER_HOST" --min-age 0 --images=unused --volumes=all \
	-o "$W/p5.json" >/dev/null 2>&1
for i in $(seq 1 140); do
	D volume create "churn$i" >/dev/null
	D volume rm "churn$i" >/dev/null
done
"$APPLY" --approve "$(plan_digest "$W/p5.json")" --report "$W/r5.json" "$W/p5.json" \
	>/dev/null 2>&1
check_eq "apply exits 0" 0 "$?"
check "image is changed: use since planning cannot be proven" \
	grep -q "^changed: cannot prove the image was not used since planning" \
	<(report_reason "$W/r5.json" "$lost")
check "volume is changed, with how to re-plan" \
	grep -q "make a new plan and apply it soon after" <(report_reason "$W/r5.json" vlost)
check "both still exist" quiet D inspect "$lost" vlost

finish
