#!/usr/bin/env bash
# Executor benchmark (issue: reclaim-apply). Identical states, each with
# DANGLING dangling images (default 200) and STOPPED stopped containers
# (default 100), are cleaned three ways in the same run:
#   floor:   docker image prune -f + docker container prune -f (no checks, no journal)
#   loop:    docker rm / docker rmi, one CLI call per ID (what people script today)
#   reclaim: reclaim-apply of a plan deleting exactly those objects
# Also: reclaim-apply --dry-run on the same state, which re-checks every item
# and deletes nothing, to give the per-item cost of the re-check.
# Targets: reclaim <= 3x floor; reclaim >= 3x faster than loop.
set -eu
cd "$(dirname "$0")/.."
: "${BUILD:=build}" "${RUNS:=3}" "${DANGLING:=200}" "${STOPPED:=100}"
source tests/lib/engine.sh
engine_start
W=$RC_T/work
/usr/bin/python3 bench/make_images.py "$DANGLING" 1.0 >"$W/images.tar"
mk_image bench/runner:1 >/dev/null
api() { curl -sf --unix-socket "$RC_T/docker.sock" -H 'Content-Type: application/json' "$@"; }

seed() {
	D load -q -i "$W/images.tar" >/dev/null
	local i
	for i in $(seq 1 "$STOPPED"); do
		api -d '{"Image":"bench/runner:1","Cmd":["/bin/busybox","true"]}' \
			http://localhost/v1.41/containers/create >/dev/null
	done
	local ni nc
	ni=$(D images -f dangling=true -q | wc -l)
	nc=$(D ps -aq -f status=created | wc -l)
	[ "$ni" -eq "$DANGLING" ] && [ "$nc" -eq "$STOPPED" ] || {
		echo "seed mismatch: $ni dangling, $nc stopped" >&2
		exit 1
	}
}
clean_left() { echo "$(D images -f dangling=true -q | wc -l) $(D ps -aq | wc -l)"; }
t() { /usr/bin/python3 -c 'import time; print(time.monotonic())'; }

declare -a floor loop ours dry
for r in $(seq 1 "$RUNS"); do
	seed
	a=$(t); D container prune -f >/dev/null; D image prune -f >/dev/null; b=$(t)
	floor+=("$(echo "$b - $a" | bc -l)")
	[ "$(clean_left)" = "0 0" ] || { echo "floor left $(clean_left)" >&2; exit 1; }

	seed
	a=$(t)
	for c in $(D ps -aq); do D rm "$c" >/dev/null; done
	for i in $(D images -f dangling=true -q); do D rmi "$i" >/dev/null; done
	b=$(t)
	loop+=("$(echo "$b - $a" | bc -l)")
	[ "$(clean_left)" = "0 0" ] || { echo "loop left $(clean_left)" >&2; exit 1; }

	seed
	"$PLAN" --engine "$DOCKER_HOST" --min-age 0 -q -o "$W/plan.json" >/dev/null || true
	a=$(t); "$APPLY" --engine "$DOCKER_HOST" --auto-approve --dry-run -q "$W/plan.json" >/dev/null; b=$(t)
	dry+=("$(echo "$b - $a" | bc -l)")
	rm -f "$W/plan.json.journal"
	a=$(t); "$APPLY" --engine "$DOCKER_HOST" --auto-approve -q --report "$W/report.json" "$W/plan.json" >/dev/null; b=$(t)
	ours+=("$(echo "$b - $a" | bc -l)")
	[ "$(clean_left)" = "0 0" ] || { echo "reclaim left $(clean_left)" >&2; exit 1; }
	rm -f "$W/plan.json" "$W/plan.json.journal"
done
/usr/bin/python3 - "${floor[*]}" "${loop[*]}" "${ours[*]}" "${dry[*]}" "$DANGLING" "$STOPPED" <<'PY'
import statistics, sys
f, l, o, d = ([float(x) for x in a.split()] for a in sys.argv[1:5])
items = int(sys.argv[5]) + int(sys.argv[6])
mf, ml, mo, md = (statistics.median(x) for x in (f, l, o, d))
print(f"items: {sys.argv[5]} dangling images + {sys.argv[6]} stopped containers; median of {len(f)} runs")
print(f"floor (prune):        {mf:.2f}s  {[round(x, 2) for x in f]}")
print(f"loop (docker rm/rmi): {ml:.2f}s  {[round(x, 2) for x in l]}")
print(f"reclaim-apply:        {mo:.2f}s  {[round(x, 2) for x in o]}")
print(f"dry run (re-checks):  {md:.2f}s  = {1000 * md / items:.2f} ms per item")
print(f"reclaim / floor: {mo / mf:.2f}x (target <= 3x): {'PASS' if mo <= 3 * mf else 'MISS'}")
print(f"loop / reclaim:  {ml / mo:.2f}x (target >= 3x): {'PASS' if ml >= 3 * mo else 'MISS'}")
PY
