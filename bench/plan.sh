#!/usr/bin/env bash
# Planner benchmark (issue: engine planner): a private engine seeded with
# 1,000 images (a fifth dangling) and about 300 containers. Measures
# reclaim-plan's wall time and peak RSS against `docker system df -v` on the
# same engine in the same run, median of RUNS (default 5) runs each, the two
# commands alternating so that both see the same machine load.
# Targets: wall <= 2x docker system df -v; peak RSS <= 32 MiB.
set -eu
cd "$(dirname "$0")/.."
: "${BUILD:=build}" "${RUNS:=5}" "${IMAGES:=1000}" "${CONTAINERS:=300}"
source tests/lib/engine.sh
engine_start
W=$RC_T/work
echo "seeding $IMAGES images ($((IMAGES / 5)) dangling) and $CONTAINERS containers..." >&2
/usr/bin/python3 bench/make_images.py "$IMAGES" 0.2 >"$W/images.tar"
D load -q -i "$W/images.tar" >/dev/null
runner=$(mk_image bench/runner:1)
api() { curl -sf --unix-socket "$RC_T/docker.sock" -H 'Content-Type: application/json' "$@"; }
exited=$((CONTAINERS / 10))
for i in $(seq 1 $((CONTAINERS - exited))); do
	idx=$((IMAGES / 5 + i * 7 % (IMAGES * 4 / 5)))
	img="bench/app$((idx % 50)):v$idx"
	api -d "{\"Image\":\"$img\",\"Cmd\":[\"/app\"]}" \
		"http://localhost/v1.41/containers/create?name=c$i" >/dev/null || true
done
for i in $(seq 1 "$exited"); do D run --name "x$i" bench/runner:1 /bin/busybox true >/dev/null; done
nimg=$(D images -aq | wc -l)
nctr=$(D ps -aq | wc -l)
echo "engine: $nimg images, $nctr containers" >&2

both=$(/usr/bin/python3 bench/measure.py "$RUNS" "$DOCKER_BIN" system df -v ::: \
	"$PLAN" --engine "$DOCKER_HOST" --images=unused --min-age 0 -q -o "$W/plan.json")
ref=$(echo "$both" | /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["a"]))')
ours=$(echo "$both" | /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["b"]))')
ncand=$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["candidates"]))' "$W/plan.json")
/usr/bin/python3 - "$ref" "$ours" "$nimg" "$nctr" "$ncand" <<'PY'
import json, sys
ref, ours = json.loads(sys.argv[1]), json.loads(sys.argv[2])
ratio = ours["wall_s"] / ref["wall_s"]
print(f"engine: {sys.argv[3]} images, {sys.argv[4]} containers; plan candidates: {sys.argv[5]}")
print(f"docker system df -v: median {ref['wall_s']:.3f}s {ref['wall_all']}, peak RSS {ref['rss_kib']/1024:.1f} MiB")
print(f"reclaim-plan:        median {ours['wall_s']:.3f}s {ours['wall_all']}, peak RSS {ours['rss_kib']/1024:.1f} MiB")
print(f"wall ratio: {ratio:.2f}x (target <= 2x): {'PASS' if ratio <= 2 else 'MISS'}")
print(f"peak RSS: {ours['rss_kib']/1024:.1f} MiB (target <= 32 MiB): {'PASS' if ours['rss_kib'] <= 32*1024 else 'MISS'}")
PY
