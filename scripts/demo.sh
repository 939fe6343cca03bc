#!/usr/bin/env bash
# make demo: a throwaway private dockerd under a temp dir, seeded with a
# realistic mix; reclaim-plan scans it read-only and writes its plan, CSV and
# JUnit files to demo-out/; then everything is stopped and removed.
# It never touches /var/run/docker.sock.
set -eu
cd "$(dirname "$0")/.."
: "${BUILD:=build}"
# shellcheck source=../tests/lib/engine.sh
source tests/lib/engine.sh
out="$ROOT/demo-out"
rm -rf "$out"
mkdir -p "$out"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "starting a private dockerd under a temp dir"
engine_start
echo "DOCKER_HOST=$DOCKER_HOST"

say "seeding images, containers, volumes and networks"
base=$(mk_image demo/base:1.0)
mk_child demo/base:1.0 demo/api:1.0 >/dev/null
mk_child demo/base:1.0 demo/api:1.1 >/dev/null
mk_child demo/base:1.0 demo/api:latest >/dev/null
mk_image demo/worker:2023-01 >/dev/null
mk_image demo/worker:2024-06 com.example.keep=true >/dev/null
mk_image demo/tools:old >/dev/null
for i in 1 2 3; do mk_dangling >/dev/null; done
D run -d --name web demo/api:latest >/dev/null
D create --name migrate-2023 demo/api:1.0 /bin/busybox true >/dev/null
D run --name batch-job demo/worker:2023-01 /bin/busybox true >/dev/null
D create --name scratchpad -v /data demo/tools:old /bin/busybox true >/dev/null
D volume create pgdata >/dev/null
D volume create cache-tmp >/dev/null
D network create demo-frontend >/dev/null
D network create demo-unused >/dev/null
D network connect demo-frontend web
D images
D ps -a

now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
say "reclaim-plan, default policy (what 'docker system prune' would remove), as a plan"
"$PLAN" --engine "$DOCKER_HOST" --min-age 0 --now "$now" -o "$out/prune-like.json" || true

# The seeded images are seconds old; plan as if it were 45 days from now so
# the policy's age rules have something to say.
later=$(date -u -d '+45 days' +%Y-%m-%dT%H:%M:%SZ)
say "reclaim-plan with samples/policies/unused-images-30d.json, as if it were $later"
"$PLAN" --engine "$DOCKER_HOST" --policy samples/policies/unused-images-30d.json \
	--now "$later" -o "$out/plan.json" --csv "$out/plan.csv" --junit "$out/plan.junit.xml" \
	--detailed-exitcode && rc=0 || rc=$?
echo "(exit code $rc: 0 nothing to do, 2 candidates found, 1 error)"

say "the files a pipeline keeps as artifacts"
ls -l "$out"
say "plan.csv"
cat "$out/plan.csv"
say "plan.json (head)"
head -40 "$out/plan.json"
say "reclaim-plan show plan.json re-validates and re-renders the saved plan"
"$PLAN" show "$out/plan.json"

say "the engine is unchanged: planning is read-only"
D images -aq | wc -l | xargs echo "images:"
D ps -aq | wc -l | xargs echo "containers:"

digest=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["digest"])' "$out/plan.json")
say "reclaim-apply without an approval refuses, and shows what it would do"
"$APPLY" --engine "$DOCKER_HOST" --now "$later" "$out/plan.json" && rc=0 || rc=$?
echo "(exit code $rc: 4 means refused)"

say "meanwhile someone starts a container from a candidate image: it will be skipped as 'changed'"
victim=$(/usr/bin/python3 -c '
import json, sys
for it in json.load(open(sys.argv[1]))["candidates"]:
    if it["kind"] == "image" and it["refs"]:
        print(it["refs"][0]); break' "$out/plan.json")
if [ -n "$victim" ]; then
	D create --name late-user "$victim" /bin/busybox true >/dev/null && echo "created a container from $victim"
fi

say "reclaim-apply --approve $digest"
"$APPLY" --engine "$DOCKER_HOST" --now "$later" --approve "$digest" \
	--report "$out/apply-report.json" --junit "$out/apply.junit.xml" "$out/plan.json" && rc=0 || rc=$?
echo "(exit code $rc)"

say "a rerun is a no-op: every item is already done"
"$APPLY" --engine "$DOCKER_HOST" --now "$later" --approve "$digest" "$out/plan.json" | tail -5
D images -aq | wc -l | xargs echo "images left:"
D ps -aq | wc -l | xargs echo "containers left:"

say "stopping the private dockerd"
engine_stop
echo "outputs kept in demo-out/"
