#!/usr/bin/env bash
# make demo: a throwaway private dockerd under a temp dir, seeded with a
# realistic mix; reclaim-plan scans it read-only and writes its plan, CSV and
# JUnit files to demo-out/; reclaim-apply applies it. Then the registry loop:
# a throwaway private docker-registry on 127.0.0.1, seeded through its API,
# planned, applied, garbage-collected. Everything is stopped and removed at
# the end, also when a step fails or the demo is interrupted.
# It never touches /var/run/docker.sock.
set -eu
cd "$(dirname "$0")/.."
: "${BUILD:=build}"
# registry.sh sources engine.sh: one library, so neither resets the other
# shellcheck source=../tests/lib/registry.sh
source tests/lib/registry.sh
out="$ROOT/demo-out"
rm -rf "$out"
mkdir -p "$out"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# engine_start and registry_start each install their own EXIT trap; this
# one stops both, whichever was started
demo_cleanup() {
	registry_stop || true
	engine_stop || true
}
trap 'exit 130' INT TERM

say "starting a private dockerd under a temp dir"
engine_start
trap demo_cleanup EXIT
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

# ---- the registry loop -------------------------------------------------

# digest_of REPO REF: the digest REF names in the registry now, or "absent"
digest_of() {
	local h
	h=$(curl -sfI -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json' \
		"$REG_URL/v2/$1/manifests/$2") || { echo absent; return 0; }
	printf '%s\n' "$h" | tr -d '\r' | awk 'tolower($1) == "docker-content-digest:" { print $2 }'
}

# registry_tags: every repo:tag of the registry with the digest it names
registry_tags() {
	local repo tag
	for repo in $(curl -sf "$REG_URL/v2/_catalog" | /usr/bin/python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["repositories"]))'); do
		for tag in $(curl -sf "$REG_URL/v2/$repo/tags/list" | /usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["tags"] or [])))'); do
			d=$(digest_of "$repo" "$tag")
			printf '  %-24s %-16s %s\n' "$repo" "${tag:0:16}" "${d:0:19}"
		done
	done
}

# blob_sizes: "digest size" of every blob the registry stores, sorted
blob_sizes() {
	find "$REG_T/data/docker/registry/v2/blobs" -name data -type f -printf '%h %s\n' 2>/dev/null |
		sed 's|.*/||' | LC_ALL=C sort
}

t_reg=$(date +%s)
say "starting a throwaway private docker-registry (distribution) on 127.0.0.1, anonymous"
registry_start anon
trap demo_cleanup EXIT
echo "registry at $REG_URL, storage under $REG_T"

say "pushing three repositories through the registry API"
oci_push demo >"$out/registry-seed.txt"
# shellcheck disable=SC1091
source "$out/registry-seed.txt"
registry_tags
echo "shop/api:1.1.0 and shop/api:stable name the same digest ${API_110:0:19};"
echo "${API_SIG_TAG:0:20}... is a cosign-style signature of shop/api:1.0.0"

say "reclaim-plan --registry $REG_URL --keep-last 2 --keep-tags '^(latest|stable)\$'"
# a throwaway registry's manifests have no place in ~/.cache: the demo's own
# cache directory (docs/registry.md, "The cache")
"$PLAN" --registry "$REG_URL" --keep-last 2 --keep-tags '^(latest|stable)$' \
	--cache-dir "$out/cache" -o "$out/registry-plan.json" --csv "$out/registry-plan.csv"
rdigest=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["digest"])' "$out/registry-plan.json")
after_gc=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["bytes_freed_after_gc"])' "$out/registry-plan.json")

say "the shared digest: the plan removes the tag shop/api:1.1.0 only, its manifest stays for 'stable'"
/usr/bin/python3 -c '
import json, sys
for c in json.load(open(sys.argv[1]))["candidates"]:
    if c["object"] == "shop/api:1.1.0":
        print("  " + c["object"] + ": " + c["reason"])' "$out/registry-plan.json"

blob_sizes >"$out/registry-blobs-before.txt"
say "reclaim-apply --approve $rdigest"
"$APPLY" --approve "$rdigest" --report "$out/registry-apply-report.json" "$out/registry-plan.json" && rc=0 || rc=$?
echo "(exit code $rc)"

say "after the apply"
registry_tags
echo "shop/api:1.1.0 names: $(digest_of shop/api 1.1.0)"
echo "shop/api:stable names: $(digest_of shop/api stable) (the same digest as before: ${API_110})"

say "a rerun is a no-op: every item is already done"
"$APPLY" --approve "$rdigest" "$out/registry-plan.json" | tail -4

say "stopping the registry, then 'docker-registry garbage-collect CONFIG' on its storage"
kill -TERM "$REG_PID" && wait "$REG_PID" 2>/dev/null || true
REG_PID=""
"$REGISTRY_BIN" garbage-collect "$REG_T/config.yml" >"$out/registry-gc.log" 2>&1
blob_sizes >"$out/registry-blobs-after.txt"
# Only blobs that existed before the apply count: the apply's placeholder
# (for the untag) is made and dropped by the apply itself.
join -v1 "$out/registry-blobs-before.txt" "$out/registry-blobs-after.txt" >"$out/registry-blobs-freed.txt"
freed=$(awk '{ s += $2 } END { print s + 0 }' "$out/registry-blobs-freed.txt")
printf '  freed by garbage-collect: %12d bytes (%d of %d blobs)\n' "$freed" \
	"$(wc -l <"$out/registry-blobs-freed.txt")" "$(wc -l <"$out/registry-blobs-before.txt")"
printf '  the plan said (after GC): %12d bytes\n' "$after_gc"
registry_stop
echo "(the registry part took $(($(date +%s) - t_reg))s)"

echo
echo "outputs kept in demo-out/"
