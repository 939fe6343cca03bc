#!/usr/bin/env bash
# Build cache against the real thing: BuildKit records made by a real build
# are planned as unused build cache (docker builder prune's default set), and
# reclaim-apply removes exactly the planned records by ID; a record a build
# used again since planning is changed and stays (issue 6 §1).
set -u
source "$(dirname "$0")/../lib/engine.sh"
source "$(dirname "$0")/../lib/apply.sh"
engine_start || exit 1
W=$RC_T/work

bk_build() {
	local tag=$1 ctx
	ctx=$(mktemp -d "$W/bk.XXXXXX")
	cp "$(busybox_path)" "$ctx/busybox"
	echo "$tag $RANDOM" >"$ctx/f"
	printf 'FROM scratch\nCOPY busybox /bin/busybox\nCOPY f /f\nRUN ["/bin/busybox", "sh", "-c", "echo %s > /g"]\n' \
		"$tag" >"$ctx/Dockerfile"
	DOCKER_BUILDKIT=1 D build -q --network none -t "$tag" "$ctx" >/dev/null 2>"$W/build.err" || { cat "$W/build.err"; return 1; }
}
cache_ids() {
	curl -s --unix-socket "$RC_T/docker.sock" http://localhost/v1.41/system/df |
		/usr/bin/python3 -c '
import json, sys
for r in json.load(sys.stdin)["BuildCache"] or []:
    print(r["ID"], r["Type"], "inuse" if r["InUse"] else "-", "shared" if r["Shared"] else "-")' | sort
}

if ! bk_build bk:1; then
	echo "# BuildKit build failed: $(head -3 "$W/build.err")"
	not_ok "BuildKit build for build cache records"
	finish
	exit 1
fi
bk_build bk:2
before=$(cache_ids)
check "BuildKit left build cache records" test -n "$before"
echo "$before" | sed 's/^/# cache: /'

"$PLAN" --engine "$DOCKER_HOST" --min-age 0 -o "$W/plan.json" >/dev/null 2>"$W/plan.err"
check_eq "plan succeeds" 0 $?
check "plan validates against the schema" schema_valid "$W/plan.json"
planned=$(/usr/bin/python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
for it in p["candidates"]:
    if it["kind"] == "build-cache":
        print(it["object"])' "$W/plan.json" | sort)
kept=$(/usr/bin/python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
for it in p["protected"]:
    if it["kind"] == "build-cache":
        print(it["object"], it["rule"])' "$W/plan.json" | sort)
expected=$(echo "$before" | awk '$2 != "internal" && $2 != "frontend" && $3 == "-" && $4 == "-" {print $1}' | sort)
check_eq "candidates are exactly the unused records neither shared nor internal (builder prune's default)" "$expected" "$planned"
check "some records are candidates" test -n "$planned"
check "records not chosen are listed as protected with a rule" \
	test "$(echo "$before" | wc -l)" -eq "$(($(echo "$planned" | grep -c .) + $(echo "$kept" | grep -c .)))"

digest=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["digest"])' "$W/plan.json")
"$APPLY" --engine "$DOCKER_HOST" --approve "$digest" --report "$W/report.json" "$W/plan.json" \
	>"$W/apply.out" 2>&1
rc=$?
check_eq "apply exits 0" 0 "$rc"
after=$(cache_ids | awk '{print $1}' | sort)
left_planned=$(comm -12 <(echo "$planned") <(echo "$after"))
check_eq "every planned record is gone" "" "$left_planned"
unplanned_before=$(comm -23 <(echo "$before" | awk '{print $1}' | sort) <(echo "$planned"))
check_eq "every record outside the plan remains" "$unplanned_before" \
	"$(comm -12 <(echo "$unplanned_before") <(echo "$after"))"
check "images built remain" D image inspect bk:1 bk:2

"$APPLY" --engine "$DOCKER_HOST" --approve "$digest" "$W/plan.json" >"$W/apply2.out" 2>&1
check_eq "rerun is a no-op (exit 0)" 0 $?

# ---- Issue 6 §1: a record used by a build since planning is changed ------
# A build from a fixed context directory reuses its records (BuildKit keys a
# local source by the directory), raising their UsageCount; a build from a
# fresh directory leaves records nothing uses again.
fixed=$W/fixed
mkdir -p "$fixed"
cp "$(busybox_path)" "$fixed/busybox"
echo fixed >"$fixed/f"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nCOPY f /f\nRUN ["/bin/busybox", "sh", "-c", "echo fixed > /g"]\n' \
	>"$fixed/Dockerfile"
fx_build() { DOCKER_BUILDKIT=1 D build -q --network none -t "$1" "$fixed" >/dev/null 2>"$W/build.err"; }
ids0=$(cache_ids | awk '{print $1}' | sort)
check "build from a fixed context" fx_build fx:1
ids1=$(cache_ids | awk '{print $1}' | sort)
check "a one-off build" bk_build bk:3
fx_ids=$(comm -13 <(echo "$ids0") <(echo "$ids1"))
idle_ids=$(comm -13 <(echo "$ids1") <(cache_ids | awk '{print $1}' | sort))
"$PLAN" --engine "$DOCKER_HOST" --min-age 0 -o "$W/p2.json" >/dev/null 2>"$W/plan2.err"
check_eq "second plan succeeds" 0 $?
check "the plan records each record's use count as evidence" /usr/bin/python3 -c '
import json, sys
for it in json.load(open(sys.argv[1]))["candidates"]:
    if it["kind"] == "build-cache":
        assert it["preconditions"]["usage_count"] >= 1, it' "$W/p2.json"
planned2=$(/usr/bin/python3 -c '
import json, sys
for it in json.load(open(sys.argv[1]))["candidates"]:
    if it["kind"] == "build-cache":
        print(it["object"])' "$W/p2.json" | sort)
used=$(comm -12 <(echo "$planned2") <(echo "$fx_ids"))
idle=$(comm -12 <(echo "$planned2") <(echo "$idle_ids"))
check "some records of the fixed context are planned" test -n "$used"
check "some records of the one-off build are planned" test -n "$idle"
check "a rebuild from the fixed context uses them again" fx_build fx:2
"$APPLY" --engine "$DOCKER_HOST" --approve "$(plan_digest "$W/p2.json")" \
	--report "$W/r2.json" "$W/p2.json" >"$W/apply3.out" 2>&1
check_eq "apply exits 0 (changed items count as done)" 0 $?
reason() { report_reason "$W/r2.json" "$1"; }
bad=""
for id in $used; do
	reason "$id" | grep -q "^changed: build cache record was used since planning" || bad="$bad $id"
done
check_eq "every record used since planning is changed" "" "$bad"
after2=$(cache_ids | awk '{print $1}' | sort)
check_eq "and every one of them remains" "$used" "$(comm -12 <(echo "$used") <(echo "$after2"))"
bad=""
for id in $idle; do
	[ "$(reason "$id")" = "deleted: " ] || bad="$bad $id"
done
check_eq "records unused since planning are deleted" "" "$bad"
check_eq "and are gone" "" "$(comm -12 <(echo "$idle") <(echo "$after2"))"
finish
