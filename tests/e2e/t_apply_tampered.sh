#!/usr/bin/env bash
# Tampered plans, as an attacker who can edit the plan file does it: change
# what a reviewer reads (an item's name or refs), recompute the digest with
# an independent tool (scripts/plan-digest.py) and get the new digest
# approved. Review must still show what would really be deleted:
# - where the loader can check a name against the object (a volume's name is
#   its object, an image's name is one of its tags), reclaim-apply refuses
#   the plan (exit 4) and deletes nothing;
# - where it cannot (container and network names), reclaim-plan show prints
#   the real ID next to the false name, and reclaim-apply finds the engine's
#   name differs and reports the item changed, deleting nothing.
# Also: a volume name longer than the executor accepts (300 characters) is
# refused when the plan loads (4), not item by item (3).
set -u
source "$(dirname "$0")/../lib/engine.sh"
source "$(dirname "$0")/../lib/apply.sh"
engine_start || exit 1
trap 'remove_networks; engine_stop' EXIT
W=$RC_T/work

img=$(mk_image app:1)
D create --name stopped app:1 >/dev/null
cid=$(D inspect -f '{{.Id}}' stopped)
D volume create prod-db-data >/dev/null
mk_net idle-net
nid=$(D network inspect -f '{{.Id}}' idle-net)

P=$W/plan.json
"$PLAN" --engine "$DOCKER_HOST" --min-age 0 --images=unused --volumes=all -o "$P" \
	>/dev/null 2>&1
check_eq "plan succeeds" 0 "$?"
check_eq "the plan holds the volume, the image, the container and the network" \
	"container $cid
image $img
volume prod-db-data
network $nid" "$(plan_candidates "$P")"
engine_state >"$W/before"

# tamper OUT PYTHON: edits the plan (d) with PYTHON; KEEP_KIND=KIND keeps only the
# candidates of that kind (summary counts fixed, so only the edit is wrong);
# then recomputes the digest with scripts/plan-digest.py and prints it.
tamper() {
	/usr/bin/python3 - "$P" "$1" "$2" "${KEEP_KIND:-}" "$ROOT/scripts/plan-digest.py" <<'PY'
import json, subprocess, sys
src, out, code, only, tool = sys.argv[1:6]
d = json.load(open(src))
def cand(kind):
    return next(c for c in d["candidates"] if c["kind"] == kind)
exec(code)
if only:
    d["candidates"] = [c for c in d["candidates"] if c["kind"] == only]
    s = d["summary"]
    s["candidates"] = len(d["candidates"])
    for k, v in s["by_kind"].items():
        v["count"] = sum(1 for c in d["candidates"] if c["kind"] == k)
        v["bytes"] = sum(max(c["reclaimable"], 0) for c in d["candidates"] if c["kind"] == k)
    s["bytes_freed_now"] = sum(v["bytes"] for v in s["by_kind"].values())
open(out, "w").write(json.dumps(d, indent=2) + "\n")
dig = subprocess.run([sys.executable, tool, out], check=True, capture_output=True,
                     text=True).stdout.strip()
d["digest"] = dig
open(out, "w").write(json.dumps(d, indent=2) + "\n")
print(dig)
PY
}

# refused NAME PLAN DIGEST PATTERN: the approved, re-sealed plan exits 4 with
# one error line matching PATTERN, deletes nothing and writes no journal;
# reclaim-plan show refuses it too, saying the same.
refused() {
	local name=$1 plan=$2 dig=$3 pattern=$4
	check "$name: the re-sealed digest verifies" "$ROOT/scripts/plan-digest.py" --check "$plan"
	rm -f "$W/case.journal"
	"$APPLY" --approve "$dig" --journal "$W/case.journal" "$plan" >"$W/out" 2>"$W/err"
	local rc=$?
	sed 's/^/# /' "$W/err"
	check_eq "$name: exits 4" 4 "$rc"
	check "$name: says why" grep -qE "^reclaim-apply: error: .*($pattern)" "$W/err"
	check_eq "$name: exactly one error line" 1 "$(wc -l <"$W/err")"
	check_eq "$name: deletes nothing" "$(cat "$W/before")" "$(engine_state)"
	check "$name: creates no journal" test ! -e "$W/case.journal"
	"$PLAN" show "$plan" >"$W/show.out" 2>"$W/show.err"
	check_eq "$name: show refuses it (1)" 1 "$?"
	check "$name: show says why" grep -qE "($pattern)" "$W/show.err"
}

# 1. A volume given a harmless-looking name: the issue's example.
dig=$(tamper "$W/vol.json" 'cand("volume")["name"] = "tmp-scratch"')
refused "volume renamed in the plan" "$W/vol.json" "$dig" \
	"name: 'tmp-scratch' is not the name of volume 'prod-db-data'"

# 2. An image named after a tag it does not have.
dig=$(tamper "$W/img.json" 'cand("image")["name"] = "nginx:latest"')
refused "image named after a tag it lacks" "$W/img.json" "$dig" \
	"name: 'nginx:latest' is not a tag of image sha256:"

# 3. An image whose refs no longer match the tags the executor re-checks.
dig=$(tamper "$W/img2.json" 'c = cand("image"); c["name"] = "nginx:latest"; c["refs"] = ["nginx:latest"]')
refused "image refs that are not its preconditions.tags" "$W/img2.json" "$dig" \
	"refs: the tags of image sha256:"

# 4. A volume name longer than the executor accepts: refused at load (4),
# not per item (3).
long=$(printf 'v%.0s' $(seq 1 300))
dig=$(tamper "$W/long.json" "
c = cand('volume'); c['object'] = c['name'] = '$long'; c['id'] = 'engine/volume/$long'")
refused "a 300-character volume name" "$W/long.json" "$dig" "at most 255 characters"

# applied NAME PLAN DIGEST KIND REASON: the approved, re-sealed plan exits 0,
# its one item (of KIND) is reported changed with REASON, nothing is deleted.
applied() {
	local name=$1 plan=$2 dig=$3 kind=$4 reason=$5
	rm -f "$W/case.journal" "$W/r.json"
	"$APPLY" --approve "$dig" --journal "$W/case.journal" --report "$W/r.json" "$plan" \
		>"$W/out" 2>"$W/err"
	check_eq "$name: exits 0" 0 "$?"
	check_eq "$name: the item is changed" "changed $kind" \
		"$(report_outcomes "$W/r.json" | awk '{print $1, $2}')"
	check_eq "$name: the reason says what changed" "changed: $reason" \
		"$(report_reason "$W/r.json" "$(plan_candidates "$plan" | awk '{print $2}')")"
	check_eq "$name: deletes nothing" "$(cat "$W/before")" "$(engine_state)"
}

# 5. A container renamed in the plan (name and refs agree, so the loader
# cannot tell): show prints its real ID next to the false name, and the
# apply finds the engine's name differs.
dig=$(KEEP_KIND=container tamper "$W/ctr.json" '
c = cand("container"); c["name"] = "tmp-job"; c["refs"] = ["tmp-job"]')
"$PLAN" show "$W/ctr.json" >"$W/show.out" 2>&1
check_eq "renamed container: show accepts the plan" 0 "$?"
sed 's/^/# /' "$W/show.out" | head -5
check "renamed container: show prints the real container ID next to the plan's name" \
	grep -qE "^container +${cid:0:12} +tmp-job " "$W/show.out"
"$APPLY" "$W/ctr.json" >"$W/overview.out" 2>/dev/null
check "renamed container: the unapproved overview prints the real ID too" \
	grep -qE "container ${cid:0:12} \(tmp-job\)" "$W/overview.out"
applied "renamed container" "$W/ctr.json" "$dig" container \
	"container is now named 'stopped'; the plan says 'tmp-job'"

# 6. A network renamed in the plan.
dig=$(KEEP_KIND=network tamper "$W/net.json" '
c = cand("network"); c["name"] = "tmp-net"; c["refs"] = ["tmp-net"]')
"$PLAN" show "$W/net.json" >"$W/show.out" 2>&1
check "renamed network: show prints the real network ID next to the plan's name" \
	grep -qE "^network +${nid:0:12} +tmp-net " "$W/show.out"
applied "renamed network" "$W/net.json" "$dig" network \
	"network is now named 'idle-net'; the plan says 'tmp-net'"

# 7. An image re-labelled consistently (name, refs and preconditions.tags):
# the loader accepts it, and the re-check finds the image's real tag.
dig=$(KEEP_KIND=image tamper "$W/img3.json" '
c = cand("image"); c["name"] = "tmp:scratch"; c["refs"] = ["tmp:scratch"]
c["preconditions"]["tags"] = ["tmp:scratch"]; c["preconditions"]["users_in_plan"] = []')
"$PLAN" show "$W/img3.json" >"$W/show.out" 2>&1
check "re-labelled image: show prints the real image ID next to the plan's name" \
	grep -qE "^image +${img:7:12} +tmp:scratch " "$W/show.out"
applied "re-labelled image" "$W/img3.json" "$dig" image "image is now tagged 'app:1'"

# The genuine plan: show prints every identity, and it applies.
"$PLAN" show "$P" >"$W/show.out" 2>&1
check_eq "genuine plan: show exits 0" 0 "$?"
check "genuine plan: show prints the volume's name in full" \
	grep -qE "^volume +prod-db-data " "$W/show.out"
check "genuine plan: show prints the container's ID and name" \
	grep -qE "^container +${cid:0:12} +stopped " "$W/show.out"
"$APPLY" --approve "$(plan_digest "$P")" "$P" >/dev/null 2>&1
check_eq "genuine plan: applies" 0 "$?"
check_eq "genuine plan: everything planned is gone" "" \
	"$(engine_state | grep -E "prod-db-data|$cid|$nid|${img#sha256:}")"

finish
