#!/usr/bin/env bash
# bench/registry.sh: reclaim against a private docker-registry (distribution)
# on 127.0.0.1, seeded through its API by bench/seed_registry.py: REPOS (100)
# repositories x TAGS (100) tags, one tag in ten sharing its digest with the
# tag before it. Storage under $REG_TMPDIR (default /dev/shm), so that the
# registry's disk does not dominate; both sides of each ratio hit the same
# registry in the same run.
#
# (a) cold plan: `reclaim-plan --registry URL --keep-last 10` against the
#     request floor (bench/registry_floor.py: catalog and tag lists, then
#     curl --parallel --parallel-max 16 for every manifest and config blob),
#     RUNS (3) runs each, alternating, medians (bench/measure.py), peak RSS.
#     Each cold plan starts with an empty --cache-dir of its own under
#     CACHE_TMPDIR (default /var/tmp: a disk, as ~/.cache is), so it pays
#     for writing the cache.
# (a') warm plan: the same plan with a cache a first plan filled (one HEAD
#     per tag, no manifest or config GET) against the cold plan, RUNS runs
#     each, alternating, medians; target: warm <= 0.4x cold.
# (a'') `skopeo inspect` (manifest and config) in a loop over INSPECT_SAMPLE
#     (200) tags spread over the registry, scaled to all its tags, against
#     the cold plan's median; target: the plan >= 8x faster.
# (b) apply: a plan deleting tags t001..t020 of the repositories matching
#     APPLY_REPOS (default all: 2,000 tags, 1,800 manifests, as both tags of
#     each shared pair are in the set). From the same state each time
#     (seed_registry.py restore PUTs the manifests back), ROUNDS (3) rounds,
#     alternating, medians:
#       reclaim  reclaim-apply --auto-approve (re-check + journal + delete)
#       floor    curl --parallel --parallel-max 16 -X DELETE of each manifest
#       skopeo   `skopeo delete` of one tag per manifest, in a loop, over the
#                first SKOPEO_SAMPLE (100) manifests, scaled to all (when
#                skopeo is installed)
#       baseline APPLY_BASELINE, another reclaim-apply binary (e.g. an older
#                build), when given
#     PLAN_ONLY=1 skips (b); APPLY_ONLY=1 skips (a) and (a'). Only the
#     repositories r000..r009 take part in APPLY_REPOS='00[0-9]', so
#     REPOS=10 seeds just those (in 6 s instead of 60).
#
# usage: BUILD=build bash bench/registry.sh
set -u
: "${REG_TMPDIR:=/dev/shm}" "${REPOS:=100}" "${TAGS:=100}" "${RUNS:=3}" "${ROUNDS:=3}"
: "${APPLY_REPOS:=*}" "${SKOPEO_SAMPLE:=100}" "${INSPECT_SAMPLE:=200}" "${CACHE_TMPDIR:=/var/tmp}" "${PLAN_ONLY:=}"
: "${APPLY_ONLY:=}" "${RECORD:=}"
export REG_TMPDIR
source "$(dirname "$0")/../tests/lib/registry.sh"
registry_start anon || exit 1
trap 'exit 130' INT TERM # so that the EXIT trap stops the registry
W=$REG_T/work
ms() { echo $(($(date +%s%N) / 1000000)); }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

echo "seeding $REPOS x $TAGS tags through the API..." >&2
t0=$(ms)
/usr/bin/python3 "$ROOT/bench/seed_registry.py" "$REG_URL" seed "$REPOS" "$TAGS" "$W/manifests.jsonl" || exit 1
echo "seeded $(wc -l <"$W/manifests.jsonl") manifests in $(($(ms) - t0)) ms" >&2

# RECORD=1: one cold plan, its time and peak RSS, nothing else (the
# once-recorded 100,000-tag run: REPOS=1000 TAGS=100 RECORD=1)
if [ -n "$RECORD" ]; then
	rm -rf "$W/record-cache"
	/usr/bin/python3 - "$PLAN" --registry "$REG_URL" --keep-last 10 -q -o "$W/plan-record.json" \
		--cache-dir "$W/record-cache" <<'PY' || exit 1
import os, subprocess, sys, time, json
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, ru = os.wait4(p.pid, 0)
wall = time.monotonic() - t0
assert os.waitstatus_to_exitcode(status) == 0, "reclaim-plan failed"
plan = json.load(open(sys.argv[sys.argv.index("-o") + 1]))
n = sum(i["kind"] == "tag" for i in plan["candidates"] + plan["protected"])
print(f"{os.cpu_count()} CPUs, load {open('/proc/loadavg').read().split()[:3]}")
print(f"record: {n} tags, cold plan {wall:.1f}s, peak RSS {ru.ru_maxrss/1024:.1f} MiB "
      f"({'PASS' if ru.ru_maxrss <= 512*1024 else 'MISS'} <= 512 MiB)")
PY
	exit 0
fi

plan_part() {
# (a) cold plan against the request floor; every cold plan gets an empty
# cache directory of its own (removed with CT at the end)
CT=$(mktemp -d "$CACHE_TMPDIR/rc-bench-cache.XXXXXX") || exit 1
trap 'rm -rf "$CT"; registry_stop' EXIT
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ) # one clock, so that the plans compare
COLD=(/bin/sh -c 'exec "$@" --cache-dir "$(mktemp -d "$CT/cold.XXXXXX")"' cold
	"$PLAN" --registry "$REG_URL" --keep-last 10 --now "$NOW" -q -o "$W/plan-all.json")
export CT
both=$(/usr/bin/python3 "$ROOT/bench/measure.py" "$RUNS" \
	/usr/bin/python3 "$ROOT/bench/registry_floor.py" "$REG_URL" ::: "${COLD[@]}") || exit 1
# (a') warm plan against the cold plan: measure.py's warm-up run fills the
# warm cache
warm=$(/usr/bin/python3 "$ROOT/bench/measure.py" "$RUNS" "${COLD[@]}" ::: \
	"$PLAN" --registry "$REG_URL" --keep-last 10 --now "$NOW" -q -o "$W/plan-warm.json" \
	--cache-dir "$CT/warm") ||
	exit 1
cmp -s "$W/plan-all.json" "$W/plan-warm.json" || { echo "the warm plan differs from the cold one" >&2; exit 1; }
rm -rf "$CT"/cold.*
ntags=$(/usr/bin/python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); print(sum(i["kind"] == "tag" for i in p["candidates"] + p["protected"]))' "$W/plan-all.json")
# (a'') a `skopeo inspect` loop (manifest and config of one tag per call)
# over INSPECT_SAMPLE tags spread over the plan, scaled to all the tags
skopeo_ms=""
if command -v skopeo >/dev/null; then
	/usr/bin/python3 -c 'import json,sys
p = json.load(open(sys.argv[1])); n = int(sys.argv[3])
tags = sorted(i["object"] for i in p["candidates"] + p["protected"] if i["kind"] == "tag")
for t in tags[::max(1, len(tags) // n)][:n]: print("docker://" + sys.argv[2] + "/" + t)' \
		"$W/plan-all.json" "$REG_HOSTPORT" "$INSPECT_SAMPLE" >"$W/inspect.txt"
	t0=$(ms)
	while read -r ref; do
		skopeo inspect --tls-verify=false "$ref" >/dev/null || exit 1
	done <"$W/inspect.txt"
	skopeo_ms=$((($(ms) - t0) * ntags / $(wc -l <"$W/inspect.txt")))
fi

/usr/bin/python3 - "$both" "$warm" "$ntags" "$REPOS" "$TAGS" "$RUNS" "$skopeo_ms" "$INSPECT_SAMPLE" <<'PY'
import json, sys, os
b = json.loads(sys.argv[1])
floor, ours = b["a"], b["b"]
ratio = ours["wall_s"] / floor["wall_s"]
w = json.loads(sys.argv[2])
cold, warm = w["a"], w["b"]
wr = warm["wall_s"] / cold["wall_s"]
print(f"{os.cpu_count()} CPUs, load {open('/proc/loadavg').read().split()[:3]}")
print(f"registry: {sys.argv[4]} repositories x {sys.argv[5]} tags ({sys.argv[3]} tags planned), median of {sys.argv[6]}")
print(f"request floor (catalog, tag lists, curl --parallel 16): {floor['wall_s']:.3f}s {floor['wall_all']}")
print(f"reclaim-plan --registry, cold:                           {ours['wall_s']:.3f}s {ours['wall_all']}, peak RSS {ours['rss_kib']/1024:.1f} MiB")
print(f"cold plan vs floor: {ratio:.2f}x (target <= 1.2x): {'PASS' if ratio <= 1.2 else 'MISS'}")
print(f"peak RSS: {ours['rss_kib']/1024:.1f} MiB (target <= 64 MiB): {'PASS' if ours['rss_kib'] <= 64*1024 else 'MISS'}")
print(f"warm vs cold, same session: cold {cold['wall_s']:.3f}s {cold['wall_all']}, warm {warm['wall_s']:.3f}s {warm['wall_all']}, peak RSS {warm['rss_kib']/1024:.1f} MiB")
print(f"warm plan vs cold plan: {wr:.2f}x (target <= 0.4x): {'PASS' if wr <= 0.4 else 'MISS'}")
if sys.argv[7]:
    sk = int(sys.argv[7]) / 1000
    print(f"skopeo inspect loop ({sys.argv[8]} tags, scaled to {sys.argv[3]}): {sk:.1f}s; "
          f"cold plan {sk / ours['wall_s']:.1f}x faster (target >= 8x): "
          f"{'PASS' if sk / ours['wall_s'] >= 8 else 'MISS'}")
else:
    print("skopeo: not installed, skipped (apt-get install skopeo)")
PY
}
[ -n "$APPLY_ONLY" ] || plan_part || exit 1
[ -n "$PLAN_ONLY" ] && exit 0

# (b) apply
"$PLAN" --registry "$REG_URL" --repos "bench/r$APPLY_REPOS" --match-tags '^t0([01][0-9]|20)$' \
	-q -o "$W/plan-apply.json" >/dev/null || exit 1
read -r n_items n_tags n_mf <<<"$(/usr/bin/python3 - "$W/plan-apply.json" "$W/delete.cfg" "$W/skopeo.txt" "$REG_URL" "$REG_HOSTPORT" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
mf = [c for c in p["candidates"] if c["kind"] == "manifest"]
tags = [c for c in p["candidates"] if c["kind"] == "tag"]
with open(sys.argv[2], "w") as f:
    for c in mf:
        repo, d = c["object"].split("@")
        f.write('url = "%s/v2/%s/manifests/%s"\noutput = "/dev/null"\n' % (sys.argv[4], repo, d))
with open(sys.argv[3], "w") as f:
    for c in mf:
        f.write("docker://%s/%s\n" % (sys.argv[5], c["preconditions"]["tags"][0]))
print(len(p["candidates"]), len(tags), len(mf))
PY
)"
restore() {
	local n
	n=$(/usr/bin/python3 "$ROOT/bench/seed_registry.py" "$REG_URL" restore "$W/manifests.jsonl" \
		'^t0([01][0-9]|20)$')
	# the restore covers every repository; APPLY_REPOS only narrows the plan
	[ "$n" -ge "$n_mf" ] || { echo "restore put back $n manifests, want >= $n_mf" >&2; exit 1; }
}
gone() { # the first planned tag is absent
	local ref
	ref=$(head -1 "$W/skopeo.txt")
	ref=${ref#docker://"$REG_HOSTPORT"/}
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"$REG_URL/v2/${ref%:*}/manifests/${ref##*:}")" = 404 ]
}
have_skopeo=0
command -v skopeo >/dev/null && have_skopeo=1
declare -a T_RC T_FLOOR T_SK T_BASE
for r in $(seq 1 "$ROUNDS"); do
	if [ -n "${APPLY_BASELINE:-}" ]; then
		restore
		t0=$(ms)
		"$APPLY_BASELINE" --auto-approve -q --journal "$W/b$r" "$W/plan-apply.json" ||
			{ echo "the baseline reclaim-apply failed" >&2; exit 1; }
		T_BASE+=($(($(ms) - t0)))
		gone || { echo "the baseline left the tags" >&2; exit 1; }
	fi
	restore
	t0=$(ms)
	"$APPLY" --auto-approve -q --journal "$W/j$r" --report "$W/report$r.json" "$W/plan-apply.json" ||
		{ echo "reclaim-apply failed" >&2; exit 1; }
	T_RC+=($(($(ms) - t0)))
	gone || { echo "reclaim-apply left the tags" >&2; exit 1; }
	restore
	t0=$(ms)
	curl -sS --no-progress-meter --parallel --parallel-max 16 -X DELETE -K "$W/delete.cfg" || exit 1
	T_FLOOR+=($(($(ms) - t0)))
	gone || { echo "curl left the tags" >&2; exit 1; }
	if [ $have_skopeo = 1 ]; then
		restore
		t0=$(ms)
		head -n "$SKOPEO_SAMPLE" "$W/skopeo.txt" | while read -r ref; do
			skopeo delete --tls-verify=false "$ref" || exit 1
		done || exit 1
		t=$(($(ms) - t0))
		T_SK+=($((t * n_mf / (n_mf < SKOPEO_SAMPLE ? n_mf : SKOPEO_SAMPLE))))
	fi
	echo "round $r: reclaim-apply ${T_RC[-1]} ms, curl floor ${T_FLOOR[-1]} ms${T_SK:+, skopeo (scaled) ${T_SK[-1]} ms}${T_BASE:+, baseline ${T_BASE[-1]} ms}" >&2
done
outcomes=$(/usr/bin/python3 -c 'import json,sys,collections; print(dict(collections.Counter(i["outcome"] for i in json.load(open(sys.argv[1]))["items"])))' "$W/report1.json")

mr=$(median "${T_RC[@]}")
mf=$(median "${T_FLOOR[@]}")
echo "apply ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)): $n_items items ($n_tags tags, $n_mf manifests), median of $ROUNDS; outcomes $outcomes"
echo "curl --parallel 16 bare DELETEs (floor): $mf ms [${T_FLOOR[*]}]"
echo "reclaim-apply: $mr ms [${T_RC[*]}]: $(awk -v a="$mr" -v b="$mf" 'BEGIN {r = a / b; printf "%.2fx the floor (target <= 3x): %s", r, (r <= 3 ? "PASS" : "MISS")}')"
if [ -n "${APPLY_BASELINE:-}" ]; then
	mb=$(median "${T_BASE[@]}")
	echo "baseline $APPLY_BASELINE: $mb ms [${T_BASE[*]}]: $(awk -v a="$mb" -v b="$mf" 'BEGIN {printf "%.2fx the floor", a / b}')"
fi
if [ $have_skopeo = 1 ]; then
	ms_=$(median "${T_SK[@]}")
	echo "skopeo delete loop ($SKOPEO_SAMPLE of $n_mf, scaled): $ms_ ms [${T_SK[*]}]: reclaim-apply $(awk -v a="$ms_" -v b="$mr" 'BEGIN {r = a / b; printf "%.2fx faster (target >= 5x): %s", r, (r >= 5 ? "PASS" : "MISS")}')"
else
	echo "skopeo: not installed, skipped (apt-get install skopeo)"
fi
