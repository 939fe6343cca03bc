#!/usr/bin/env bash
# Crash rule: a crash at any point (kill -9), followed by a rerun, ends in
# exactly the state a clean apply reaches. The test-only hooks kill the
# executor right after its Nth delete (before the outcome line) or right after
# its Nth intent line (before the delete), for every N of a 7-item plan; then
# real kill -9 at random moments. Each case starts from an identical state:
# images are re-loaded from one `docker save` archive, so their IDs repeat.
set -u
source "$(dirname "$0")/../lib/engine.sh"
source "$(dirname "$0")/../lib/apply.sh"
engine_start || exit 1
trap 'remove_networks; engine_stop' EXIT
W=$RC_T/work

mk_image a:1 >/dev/null
mk_image b:1 >/dev/null
mk_image k:1 >/dev/null
dangling=$(mk_dangling)
D save -o "$W/images.tar" a:1 b:1 k:1 "$dangling" || exit 1

# seed: the same state each time. Candidates (7): containers c1 (exited)
# and c2 (created), images a:1 and b:1 (only used by them), the dangling
# image, volume v1, network n1. Protected: running rr with k:1, vk and nk.
seed() {
	wipe_engine
	D load -q -i "$W/images.tar" >/dev/null || return 1
	D run --name c1 a:1 /bin/busybox true >/dev/null || return 1
	D create --name c2 b:1 >/dev/null || return 1
	D volume create v1 >/dev/null
	D volume create vk >/dev/null
	mk_net n1
	mk_net nk
	D run -d --name rr -v vk:/data k:1 >/dev/null || return 1
	D network connect nk rr
}

plan() {
	rm -f "$W/p.json" "$W/p.journal"
	"$PLAN" --engine "$DOCKER_HOST" --min-age 0 --images=unused --volumes=all \
		-o "$W/p.json" >/dev/null 2>&1
}

# Clean reference.
seed || exit 1
plan
check_eq "reference plan has 7 candidates" 7 "$(plan_count "$W/p.json")"
"$APPLY" --auto-approve "$W/p.json" >/dev/null 2>&1
check_eq "clean apply exits 0" 0 "$?"
short_state >"$W/ref"
check "reference keeps the protected objects" grep -q '^container rr running k:1$' "$W/ref"
check "reference has no candidate left" test -z "$(grep -E ' (c1|c2|v1|n1)( |$)|a:1|b:1' "$W/ref")"

# crash_case NAME EXPECT_DONE EXPECT_ABSENT VAR=N: crash, rerun, compare.
crash_case() {
	local name=$1 want_done=$2 want_absent=$3 hook=$4 rc out
	seed || { not_ok "$name: seed"; return; }
	plan
	env "$hook" "$APPLY" --auto-approve "$W/p.json" >"$W/crash.out" 2>&1
	rc=$?
	"$APPLY" --auto-approve --report "$W/rerun.json" "$W/p.json" >"$W/rerun.out" 2>&1
	local rc2=$?
	out=$(report_outcomes "$W/rerun.json" | awk '{print $1}' | sort | uniq -c |
		awk '{printf "%s=%s ", $2, $1}')
	if [ "$rc" -eq 137 ] && [ "$rc2" -eq 0 ] && [ "$(short_state)" = "$(cat "$W/ref")" ] &&
		[ "$(report_outcomes "$W/rerun.json" | grep -c '^already-done ')" = "$want_done" ] &&
		[ "$(report_outcomes "$W/rerun.json" | grep -c '^already-absent ')" = "$want_absent" ] &&
		! grep -qE '^(changed|failed) ' <(report_outcomes "$W/rerun.json"); then
		ok "$name: killed, rerun completes, state equals a clean apply's ($out)"
	else
		not_ok "$name: crash rc $rc (want 137), rerun rc $rc2, rerun: $out"
		diff <(short_state) "$W/ref" | head -10
		tail -5 "$W/rerun.out"
	fi
}

for n in 1 2 3 4 5 6 7; do
	# Killed after delete n, before its outcome line: n-1 done, the nth
	# is re-checked and found absent.
	crash_case "crash after delete $n" $((n - 1)) 1 "RECLAIM_TEST_CRASH_AFTER_DELETES=$n"
done
for n in 1 2 3 4 5 6 7; do
	# Killed after intent n, before its delete: n-1 done, the nth is
	# re-checked, still there, and deleted by the rerun.
	crash_case "crash after intent $n" $((n - 1)) 0 "RECLAIM_TEST_CRASH_AFTER_INTENT=$n"
done

# A hook past the last item never fires: the run completes.
seed && plan
RECLAIM_TEST_CRASH_AFTER_DELETES=8 "$APPLY" --auto-approve "$W/p.json" >/dev/null 2>&1
check_eq "a hook past the last delete does not fire" 0 "$?"

# Real kill -9 at random moments.
for i in 1 2 3 4; do
	seed || continue
	plan
	"$APPLY" --auto-approve "$W/p.json" >/dev/null 2>&1 &
	pid=$!
	delay=$((RANDOM % 70))
	sleep "$(printf '0.%03d' "$delay")"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	"$APPLY" --auto-approve --report "$W/rerun.json" "$W/p.json" >/dev/null 2>&1
	rc2=$?
	check_eq "kill -9 after ${delay}ms (rc $rc): rerun exits 0" 0 "$rc2"
	check_eq "kill -9 after ${delay}ms: state equals a clean apply's" "$(cat "$W/ref")" \
		"$(short_state)"
done

finish
