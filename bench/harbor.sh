#!/usr/bin/env bash
# bench/harbor.sh: reclaim-plan against the Harbor double (tests/fakes/harbor):
# PROJECTS (50) x REPOS (20) x ARTIFACTS (20) = 20,000 artifacts of one tag
# each (fixture.py --scenario bench: every other repository name holds a
# '/', a third of the artifacts pulled within 10 days, pushes spread over
# 400 days), `--not-pulled-for 30d`. Prints the plan's wall time (median of
# RUNS) and CPU time, its peak RSS (/usr/bin/time -v, else the process's
# rusage), the requests the double logged against the pages the listings
# have (plus the one credentials check).
set -eu
cd "$(dirname "$0")/.."
: "${BUILD:=build}" "${PROJECTS:=50}" "${REPOS:=20}" "${ARTIFACTS:=20}" "${RUNS:=3}"
T=$(mktemp -d /tmp/rc-bench-harbor.XXXXXX)
PID=""
cleanup() { [ -z "$PID" ] || { kill "$PID"; wait "$PID" 2>/dev/null || true; }; rm -rf "$T"; }
trap cleanup EXIT
export DOCKER_CONFIG="$T/docker-config"
mkdir -p "$DOCKER_CONFIG"
python3 tests/fakes/harbor/fixture.py --scenario bench --projects "$PROJECTS" --repos "$REPOS" \
	--artifacts "$ARTIFACTS" --user bench --password bench-pw >"$T/fixture.json"
python3 tests/fakes/harbor/harbor.py --fixture "$T/fixture.json" --port-file "$T/port" \
	--log "$T/requests.log" >"$T/harbor.out" 2>&1 &
PID=$!
for _ in $(seq 1 200); do [ -s "$T/port" ] && break; sleep 0.05; done
[ -s "$T/port" ] || { cat "$T/harbor.out" >&2; exit 1; }
URL="http://127.0.0.1:$(cat "$T/port")"
export RECLAIM_REGISTRY_USERNAME=bench RECLAIM_REGISTRY_PASSWORD=bench-pw
cmd=("$BUILD/reclaim-plan" --harbor "$URL" --not-pulled-for 30d -q -o "$T/plan.json")
[ -x "${cmd[0]}" ] || { echo "bench/harbor.sh: ${cmd[0]} is not built" >&2; exit 1; }

# one run for the request count (the double logs every API request)
: >"$T/requests.log"
rc=0
"${cmd[@]}" >/dev/null || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 2 ] || { echo "bench/harbor.sh: reclaim-plan exited $rc" >&2; exit 1; }
requests=$(grep -c . "$T/requests.log")
per_method=$(awk '{print $1}' "$T/requests.log" | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}' | sed 's/, $//')
pages=$(( (PROJECTS + 99) / 100 + PROJECTS * ((REPOS + 99) / 100) + PROJECTS * REPOS * ((ARTIFACTS + 99) / 100) ))
candidates=$(python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); print(len(p["candidates"]), len(p["protected"]))' "$T/plan.json")

walls=()
rss=()
cpus=()
for _ in $(seq 1 "$RUNS"); do
	if [ -x /usr/bin/time ]; then
		t0=$(date +%s%N)
		/usr/bin/time -v -o "$T/time.txt" "${cmd[@]}" >/dev/null || true
		walls+=($((($(date +%s%N) - t0) / 1000000)))
		rss+=("$(awk -F': *' '/Maximum resident set size/ {print $2}' "$T/time.txt")")
		cpus+=("$(awk -F': *' '/User time|System time/ {s += $2} END {printf "%d", s * 1000}' "$T/time.txt")")
	else
		read -r w r c < <(python3 -c '
import os, subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, st, ru = os.wait4(p.pid, 0)
print(int((time.monotonic() - t0) * 1000), ru.ru_maxrss, int((ru.ru_utime + ru.ru_stime) * 1000))' "${cmd[@]}")
		walls+=("$w")
		rss+=("$r")
		cpus+=("$c")
	fi
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "Harbor double: $PROJECTS projects x $REPOS repositories x $ARTIFACTS artifacts = $((PROJECTS * REPOS * ARTIFACTS)) artifacts"
echo "reclaim-plan --not-pulled-for 30d: exit $rc, candidates/protected $candidates"
echo "wall: median $(median "${walls[@]}") ms (${walls[*]} ms); reclaim-plan's own CPU (user+sys): median $(median "${cpus[@]}") ms"
echo "peak RSS: median $(( $(median "${rss[@]}") / 1024 )) MiB (${rss[*]} KiB)"
want=$((pages + 1))
echo "requests: $requests ($per_method); 1 credentials check (GET /users/current) + $pages listing pages = $want: $([ "$requests" -eq "$want" ] && echo PASS || echo MISS)"
