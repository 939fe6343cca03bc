#!/usr/bin/env bash
# Faults: the daemon answers 500 to one delete (every time, so the HTTP
# layer's bounded retries fail too). That item fails, the others are done,
# and the exit status is 3; a rerun directly against the daemon completes it.
# With --fail-fast the run stops at the failure. The daemon going away makes
# the run an error, not a refusal. tests/fake/fault_proxy.py injects the 500.
set -u
source "$(dirname "$0")/../lib/engine.sh"
source "$(dirname "$0")/../lib/apply.sh"
engine_start || exit 1
W=$RC_T/work

PROXY_PID=""
start_fault_proxy() { # SOCKET LOG SUBSTRING
	rm -f "$1"
	/usr/bin/python3 "$ROOT/tests/fake/fault_proxy.py" "$1" "$RC_T/docker.sock" "$2" "$3" &
	PROXY_PID=$!
	local i
	for i in $(seq 1 50); do [ -S "$1" ] && return 0; sleep 0.1; done
	return 1
}
stop_fault_proxy() {
	[ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null && wait "$PROXY_PID" 2>/dev/null
	PROXY_PID=""
}
trap 'stop_fault_proxy; remove_networks; engine_stop' EXIT
quiet() { "$@" >/dev/null 2>&1; }

seed() {
	mk_dangling >/dev/null
	mk_image app:1 >/dev/null
	D create --name first app:1 >/dev/null
	D create --name victim app:1 >/dev/null
	D create --name last app:1 >/dev/null
	D volume create vidle >/dev/null
	mk_net idle-net
}

seed
P=$W/plan.json
"$PLAN" --engine "$DOCKER_HOST" --min-age 0 --volumes=all -o "$P" >/dev/null 2>&1
check_eq "plan succeeds" 0 "$?"
dig=$(plan_digest "$P")
n=$(plan_count "$P")
victim=$(D inspect -f '{{.Id}}' victim)
check "the victim is a candidate" grep -q " $victim\$" <(plan_candidates "$P")

start_fault_proxy "$W/proxy.sock" "$W/proxy.log" "/containers/$victim" || exit 1
"$APPLY" --approve "$dig" --engine "unix://$W/proxy.sock" --report "$W/r1.json" \
	--junit "$W/r1.xml" "$P" >"$W/out1" 2>"$W/err1"
check_eq "a failed delete exits 3" 3 "$?"
stop_fault_proxy
check_eq "the faulty item failed with the daemon's message" "failed: HTTP 500: injected" \
	"$(report_reason "$W/r1.json" "$victim")"
check_eq "every other item was deleted" "$((n - 1))" \
	"$(report_outcomes "$W/r1.json" | grep -c '^deleted ')"
attempts=$(grep -c "^DELETE .*/containers/$victim.* 500\$" "$W/proxy.log")
check "the 500 was retried, a bounded number of times (attempts: $attempts)" \
	test "$attempts" -ge 2 -a "$attempts" -le 10
check "the victim still exists" quiet D inspect victim
check "summary lists the failure" grep -q "injected" "$W/out1"
check "JUnit: one failure" /usr/bin/python3 - "$W/r1.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
failed = [c for c in root.iter("testcase") if c.find("failure") is not None]
assert len(failed) == 1 and "injected" in failed[0].find("failure").get("message"), failed
PY
check "journal records the failure" grep -q '"outcome":"failed"' "$W/plan.journal"

# A rerun directly against the daemon completes the plan.
"$APPLY" --approve "$dig" --report "$W/r2.json" "$P" >"$W/out2" 2>&1
check_eq "rerun exits 0" 0 "$?"
check_eq "rerun deletes the failed item" "deleted: " "$(report_reason "$W/r2.json" "$victim")"
check_eq "rerun leaves the others alone" "$((n - 1))" \
	"$(report_outcomes "$W/r2.json" | grep -c '^already-done ')"
check "the victim is gone" test -z "$(D ps -aq --filter name=victim)"

# --fail-fast: the failure stops the run; later items are not attempted.
seed
"$PLAN" --engine "$DOCKER_HOST" --min-age 0 --volumes=all -o "$W/p2.json" >/dev/null 2>&1
victim=$(D inspect -f '{{.Id}}' victim)
start_fault_proxy "$W/proxy.sock" "$W/proxy2.log" "/containers/$victim" || exit 1
"$APPLY" --auto-approve --fail-fast --engine "unix://$W/proxy.sock" --report "$W/r3.json" \
	"$W/p2.json" >/dev/null 2>&1
check_eq "--fail-fast: exits 3" 3 "$?"
stop_fault_proxy
seq=$(report_outcomes "$W/r3.json" | awk '{print $1}' | uniq | tr '\n' ' ' | sed 's/ $//')
check "--fail-fast: done until the failure, nothing after it ($seq)" \
	grep -qE '^(deleted )?failed not-attempted$' <<<"$seq"
not_attempted=$(report_outcomes "$W/r3.json" | awk '$1 == "not-attempted" {print $3}')
check "--fail-fast: some items were not attempted" test -n "$not_attempted"
check "--fail-fast: items after the failure still exist" quiet D inspect $not_attempted

# A journal that cannot be created: an error (1) before anything is deleted.
before=$(engine_state)
"$APPLY" --auto-approve --journal "$W/no/such/dir/p.journal" "$W/p2.json" >/dev/null 2>"$W/err5"
check_eq "unwritable journal exits 1" 1 "$?"
check "unwritable journal: says so" grep -q "error: cannot open journal" "$W/err5"
check_eq "unwritable journal: nothing deleted" "$before" "$(engine_state)"

# The engine unreachable: an error (1), not a refusal, and nothing recorded.
"$APPLY" --auto-approve --engine "unix://$W/nothing.sock" "$W/p2.json" >/dev/null 2>"$W/err4"
check_eq "unreachable engine exits 1" 1 "$?"
check_eq "unreachable engine: one error line" 1 "$(grep -c 'error:' "$W/err4")"

finish
