#!/usr/bin/env bash
# reclaim-apply deletes exactly the plan's candidates and nothing else, object
# by object; a dry run deletes nothing; a second apply is a no-op that
# reports every item already done (or absent, with a fresh journal).
set -u
source "$(dirname "$0")/../lib/engine.sh"
source "$(dirname "$0")/../lib/apply.sh"
engine_start || exit 1
trap 'remove_networks; engine_stop' EXIT
W=$RC_T/work

# A mix: in use, protected, and candidates of every engine kind.
mk_image app:1 >/dev/null
mk_image app:2 >/dev/null
mk_image keep:1 keep=yes >/dev/null
mk_image tagged:unused >/dev/null
mk_dangling >/dev/null
mk_dangling >/dev/null
base=$(mk_image base:1)
mk_child "$base" child:1 >/dev/null
D run -d --name web -v vused:/data app:1 >/dev/null
D create --name old app:2 >/dev/null
D create --name never app:1 /bin/busybox true >/dev/null
D run --name exited app:1 /bin/busybox true >/dev/null
D volume create vidle >/dev/null
D volume create --label keep=yes vkept >/dev/null
mk_net used-net
mk_net idle-net
mk_net kept-net --label keep=yes
D network connect used-net web

"$PLAN" --engine "$DOCKER_HOST" --min-age 0 --images=unused --volumes=all --keep-label keep \
	-o "$W/plan.json" >"$W/plan.out" 2>&1
check_eq "plan succeeds" 0 "$?"
n=$(plan_count "$W/plan.json")
check "plan has candidates of every engine kind but build cache" \
	test "$(plan_candidates "$W/plan.json" | awk '{print $1}' | sort -u | tr '\n' ' ')" = \
	"container image network volume "
echo "# $n candidates"
dig=$(plan_digest "$W/plan.json")
engine_state >"$W/before"
state_minus "$W/before" "$W/plan.json" >"$W/expected"
check "some objects must remain" test -s "$W/expected"

# Dry run: every check, nothing deleted, no journal.
"$APPLY" --dry-run --approve "$dig" --report "$W/dry.json" "$W/plan.json" >"$W/dry.out" 2>&1
check_eq "dry run exits 0" 0 "$?"
check_eq "dry run: every item would be deleted" "would-delete" "$(report_outcome_set "$W/dry.json")"
check_eq "dry run deletes nothing" "$(cat "$W/before")" "$(engine_state)"
check "dry run writes no journal" test ! -e "$W/plan.journal"

# Apply.
"$APPLY" --approve "$dig" --report "$W/r1.json" --junit "$W/r1.xml" "$W/plan.json" \
	>"$W/a1.out" 2>"$W/a1.err"
rc=$?
check_eq "apply exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || cat "$W/a1.out" "$W/a1.err"
check_eq "every candidate was deleted" "deleted" "$(report_outcome_set "$W/r1.json")"
check_eq "report lists every candidate in plan order" "$(plan_candidates "$W/plan.json")" \
	"$(report_outcomes "$W/r1.json" | cut -d' ' -f2-)"
engine_state >"$W/after"
check_eq "exactly the candidates are gone, everything else remains" \
	"$(cat "$W/expected")" "$(cat "$W/after")"
check "in-use and protected objects are still there" \
	grep -q ' web running ' "$W/after"
check "summary on stdout counts the deletions" grep -q "deleted *$n\$" "$W/a1.out"
check "summary reports bytes reclaimed" grep -q '^reclaimed [0-9.]*[kMG]*B$' "$W/a1.out"
check "journal written next to the plan" test -s "$W/plan.journal"
check_eq "journal: header, then an intent and an outcome per item" "$((1 + 2 * n))" \
	"$(wc -l <"$W/plan.journal")"
check "JUnit report has one passing case per item" \
	/usr/bin/python3 - "$W/r1.xml" "$n" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = root.findall(".//testcase")
assert len(cases) == int(sys.argv[2]), len(cases)
assert all(not list(c.iter("failure")) and not list(c.iter("skipped")) for c in cases)
PY
bytes=$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["totals"]["bytes_freed"] == sum(c["reclaimable"] for c in json.load(open(sys.argv[2]))["candidates"]))' "$W/r1.json" "$W/plan.json")
check_eq "bytes freed is the sum of the deleted items' reclaimable bytes" True "$bytes"

# Idempotent: a second apply touches nothing.
"$APPLY" --approve "$dig" --report "$W/r2.json" "$W/plan.json" >"$W/a2.out" 2>&1
check_eq "second apply exits 0" 0 "$?"
check_eq "second apply: every item already done" "already-done" "$(report_outcome_set "$W/r2.json")"
check_eq "second apply deletes nothing" "$(cat "$W/after")" "$(engine_state)"

# With a fresh journal, the re-check finds every object gone.
"$APPLY" --approve "$dig" --journal "$W/other.journal" --report "$W/r3.json" "$W/plan.json" \
	>"$W/a3.out" 2>&1
check_eq "apply with a fresh journal exits 0" 0 "$?"
check_eq "fresh journal: every item already absent" "already-absent" \
	"$(report_outcome_set "$W/r3.json")"
check_eq "third apply deletes nothing" "$(cat "$W/after")" "$(engine_state)"

finish
