#!/usr/bin/env bash
# reclaim-plan against the DTR double (tests/fakes/dtr): REPOS repositories x
# TAGS tags (default 100 x 200 = 20,000 tags, 3 layers each, one shared base
# layer), pages of 100. Prints the plan's wall time (median of RUNS), peak
# RSS, the requests the double logged and the pages the listing has.
# Targets (docs/benchmarks.md): peak RSS <= 32 MiB, requests == pages.
set -eu
cd "$(dirname "$0")/.."
: "${BUILD:=build}" "${REPOS:=100}" "${TAGS:=200}" "${RUNS:=5}"
T=$(mktemp -d /tmp/rc-bench-dtr.XXXXXX)
PID=""
cleanup() { [ -z "$PID" ] || { kill "$PID"; wait "$PID" 2>/dev/null || true; }; rm -rf "$T"; }
trap cleanup EXIT
export DOCKER_CONFIG="$T/docker-config"
mkdir -p "$DOCKER_CONFIG"
python3 tests/fakes/dtr/fixture.py bulk "$REPOS" "$TAGS" bench bench-pw >"$T/fixture.json"
python3 tests/fakes/dtr/dtr.py --fixture "$T/fixture.json" --port-file "$T/port" \
	--log "$T/requests.log" >/dev/null 2>&1 &
PID=$!
for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.05; done
URL="http://127.0.0.1:$(cat "$T/port")"
export RECLAIM_REGISTRY_USERNAME=bench RECLAIM_REGISTRY_PASSWORD=bench-pw
cmd=("$BUILD/reclaim-plan" --dtr "$URL" --keep-last 10 --min-age 0 -q -o "$T/plan.json")
: >"$T/requests.log"
"${cmd[@]}" >/dev/null
requests=$(grep -c . "$T/requests.log")
pages=$((1 + (REPOS + 99) / 100 - 1 + REPOS * ((TAGS + 99) / 100)))
python3 - "$RUNS" "$requests" "$pages" "$REPOS" "$TAGS" "${cmd[@]}" <<'PY'
import os, statistics, subprocess, sys, time
runs, requests, pages, repos, tags = map(int, sys.argv[1:6])
cmd = sys.argv[6:]
walls, rss = [], []
for _ in range(runs):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    walls.append(time.monotonic() - t0)
    rss.append(ru.ru_maxrss)
    assert os.waitstatus_to_exitcode(status) == 0
print(f"DTR double: {repos} repositories x {tags} tags = {repos*tags} tags")
print(f"reclaim-plan: median {statistics.median(walls):.3f}s {[round(w,3) for w in walls]}, "
      f"peak RSS {statistics.median(rss)/1024:.1f} MiB "
      f"({'PASS' if statistics.median(rss) <= 32*1024 else 'MISS'} <= 32 MiB)")
print(f"requests {requests}, pages {pages}: {'PASS' if requests == pages else 'MISS'}")
PY
