#!/usr/bin/env bash
# t_plan_matrix: reclaim-plan's exact candidate and protected sets against a
# real private dockerd, across the scenario matrix of issue 2: dangling,
# tagged and unused, used by a stopped / running container, parent and child,
# --keep-label, --keep, --min-age, anonymous versus named volumes, networks
# with and without containers. Each plan is also validated against
# docs/plan.schema.json.
set -u
. "$(dirname "$0")/../lib/engine.sh"

engine_start || { not_ok "engine starts"; exit 1; }
# Bridge networks are host interfaces that outlive a stopped dockerd, and
# several private daemons on one host exhaust docker's default address pools:
# give each network its own 10.x subnet and remove them before the engine stops.
NETS=""
mk_net() {
	local i
	for i in 1 2 3 4 5; do
		if D network create --subnet "10.$((RANDOM % 250 + 1)).$((RANDOM % 250)).0/24" \
			"$1" >/dev/null; then
			NETS="$NETS $1"
			return 0
		fi
	done
	return 1
}
net_cleanup() {
	local ids
	ids=$(D ps -aq 2>/dev/null)
	[ -n "$ids" ] && D rm -f $ids >/dev/null 2>&1
	[ -n "$NETS" ] && D network rm $NETS >/dev/null 2>&1
	NETS=""
}
trap 'net_cleanup; engine_stop' EXIT
OUT="$RC_T/out"
mkdir -p "$OUT"

# A dangling image the way users get one: build a tag again, and the old
# image loses it.
make_dangling() {
	local old
	old=$(mk_image rc/redo:1)
	mk_image rc/redo:1 >/dev/null
	echo "$old"
}
id_of() { D image inspect --format '{{.Id}}' "$1"; }
cid_of() { D container inspect --format '{{.Id}}' "$1"; }

# ---- seed ---------------------------------------------------------------
DANGLING=$(make_dangling)
REDO=$(id_of rc/redo:1)
UNUSED=$(mk_image rc/unused:1)
STOPPED_IMG=$(mk_image rc/stopped:1)
PARENT=$(mk_image rc/parent:1)
CHILD=$(mk_child rc/parent:1 rc/child:1)
PARENT2=$(mk_image rc/parent2:1)
CHILD2=$(mk_child rc/parent2:1 rc/child2:1)
LABELLED=$(mk_image rc/labelled:1 keep=true)
LATEST=$(mk_image rc/app:latest)
KC=$(mk_image rc/kc:1)

check "networks created" mk_net n-free
mk_net n-used
mk_net n-cand

D volume create named-free >/dev/null
# an anonymous volume nobody mounts: its container is gone
D create --name tmp-anon -v /data rc/unused:1 >/dev/null
ANON_FREE=$(D container inspect --format '{{range .Mounts}}{{.Name}}{{end}}' tmp-anon)
D rm tmp-anon >/dev/null

D create --name c-stopped -v /data rc/stopped:1 >/dev/null
ANON_USED=$(D container inspect --format '{{range .Mounts}}{{.Name}}{{end}}' c-stopped)
D run --name c-exited --network n-cand rc/stopped:1 /bin/busybox true
D run -d --name c-running --network n-used -v named-used:/data rc/child2:1 >/dev/null
D run --name c-kept --label keep=true rc/kc:1 /bin/busybox true

check "seeded 4 containers" test "$(D ps -aq | wc -l)" -eq 4
check "anonymous volumes found" test -n "$ANON_FREE" -a -n "$ANON_USED"

# lists "state kind name rule" from a plan; images and volumes without a
# human name print their ID, which the expectations name through variables
items() {
	python3 - "$1" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for state, key in (("candidate", "candidates"), ("protected", "protected")):
    for it in p[key]:
        name = it["name"] or it["object"]
        print(state, it["kind"], name, it["rule"])
PY
}
# the same, in plan order, candidates only
order() {
	python3 - "$1" <<'PY'
import json, sys
for it in json.load(open(sys.argv[1]))["candidates"]:
    print(it["kind"], it["name"] or it["object"])
PY
}
reason_of() { # PLAN NAME -> reason of the item with that name or object
	python3 - "$1" "$2" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for it in p["candidates"] + p["protected"]:
    if sys.argv[2] in (it["name"], it["object"]):
        print(it["reason"])
PY
}
field_of() { # PLAN NAME FIELD -> JSON of a field of that item
	python3 - "$1" "$2" "$3" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for it in p["candidates"] + p["protected"]:
    if sys.argv[2] in (it["name"], it["object"]):
        v = it
        for k in sys.argv[3].split("."):
            v = v[k]
        print(json.dumps(v, sort_keys=True))
PY
}
expect_set() { # NAME PLAN <<EXPECTED
	local want got
	want=$(sort)
	got=$(items "$2" | sort)
	check_eq "$1" "$want" "$got"
}
plan() { # OUT ARGS...
	local out=$1
	shift
	"$PLAN" --engine "$DOCKER_HOST" --now "$NOW" -o "$out" "$@" >"$out.stdout" 2>"$out.stderr"
	echo $? >"$out.rc"
}

NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1

# ---- A: the defaults (docker system prune as a plan) --------------------
plan "$OUT/a.json" --min-age 0
check_eq "A: exit 0" 0 "$(cat "$OUT/a.json.rc")"
check "A: plan is schema-valid" schema_valid "$OUT/a.json"
expect_set "A: defaults: exact candidate and protected sets" "$OUT/a.json" <<EOF
candidate container c-stopped stopped-containers
candidate container c-exited stopped-containers
candidate container c-kept stopped-containers
candidate image $DANGLING dangling-images
candidate network n-free unused-networks
candidate network n-cand unused-networks
protected container c-running running
protected image rc/redo:1 no-rule
protected image rc/unused:1 no-rule
protected image rc/stopped:1 no-rule
protected image rc/parent:1 no-rule
protected image rc/child:1 no-rule
protected image rc/parent2:1 in-use
protected image rc/child2:1 in-use
protected image rc/labelled:1 no-rule
protected image rc/app:latest no-rule
protected image rc/kc:1 no-rule
protected volume named-free no-rule
protected volume named-used in-use
protected volume $ANON_FREE no-rule
protected volume $ANON_USED in-use
protected network none predefined
protected network host predefined
protected network n-used in-use
EOF
check_eq "A: dangling reason" "dangling, unused" "$(reason_of "$OUT/a.json" "$DANGLING")"
check_eq "A: running container reason" "running" "$(reason_of "$OUT/a.json" c-running)"
check_eq "A: image in use by a running container" \
	"in use by running container 'c-running'" "$(reason_of "$OUT/a.json" rc/child2:1)"
check_eq "A: parent of an image in use" \
	"parent of in-use image 'rc/child2:1'" "$(reason_of "$OUT/a.json" rc/parent2:1)"
check_eq "A: tagged image without a rule" \
	"no rule selects it (tagged; --images=unused to include)" \
	"$(reason_of "$OUT/a.json" rc/unused:1)"
check_eq "A: mounted anonymous volume" "mounted by container 'c-stopped'" \
	"$(reason_of "$OUT/a.json" "$ANON_USED")"
check_eq "A: named volume hint" "no rule selects it (named; --volumes=all to include)" \
	"$(reason_of "$OUT/a.json" named-free)"
check_eq "A: network whose containers all go" "unused once containers in this plan go" \
	"$(reason_of "$OUT/a.json" n-cand)"
check_eq "A: network in use" "in use by container 'c-running'" \
	"$(reason_of "$OUT/a.json" n-used)"
check_eq "A: predefined network" "predefined network" "$(reason_of "$OUT/a.json" host)"
check_eq "A: order: containers, images, networks" \
	"container container container image network network" \
	"$(order "$OUT/a.json" | awk '{print $1}' | tr '\n' ' ' | sed 's/ $//')"
check "A: summary names the apply command" \
	grep -q "reclaim-apply --approve sha256:[0-9a-f]\{64\} $OUT/a.json" "$OUT/a.json.stdout"

# ---- B: unused images, keep flags, anonymous volumes ------------------
plan "$OUT/b.json" --min-age 0 --images=unused --keep-label keep=true --keep latest \
	--volumes=anonymous --csv "$OUT/b.csv" --junit "$OUT/b.xml"
check_eq "B: exit 0" 0 "$(cat "$OUT/b.json.rc")"
check "B: plan is schema-valid" schema_valid "$OUT/b.json"
expect_set "B: --images=unused --keep-label --keep --volumes=anonymous: exact sets" \
	"$OUT/b.json" <<EOF
candidate container c-stopped stopped-containers
candidate container c-exited stopped-containers
candidate image $DANGLING unused-images
candidate image rc/redo:1 unused-images
candidate image rc/unused:1 unused-images
candidate image rc/stopped:1 unused-images
candidate image rc/parent:1 unused-images
candidate image rc/child:1 unused-images
candidate volume $ANON_FREE anonymous-volumes
candidate network n-free unused-networks
candidate network n-cand unused-networks
protected container c-running running
protected container c-kept keep-label
protected image rc/parent2:1 in-use
protected image rc/child2:1 in-use
protected image rc/labelled:1 keep-label
protected image rc/app:latest keep-tag
protected image rc/kc:1 in-use
protected volume named-free no-rule
protected volume named-used in-use
protected volume $ANON_USED in-use
protected network none predefined
protected network host predefined
protected network n-used in-use
EOF
check_eq "B: keep-label reason" "label keep=true" "$(reason_of "$OUT/b.json" rc/labelled:1)"
check_eq "B: keep tag reason" "tag 'rc/app:latest' matches keep pattern 'latest'" \
	"$(reason_of "$OUT/b.json" rc/app:latest)"
check_eq "B: image used by a stopped container that stays" \
	"in use by exited container 'c-kept'" "$(reason_of "$OUT/b.json" rc/kc:1)"
check_eq "B: image whose users are all candidates" \
	"unused, only used by containers in this plan" "$(reason_of "$OUT/b.json" rc/stopped:1)"
want_users=$(printf '%s\n' "$(cid_of c-stopped)" "$(cid_of c-exited)" | sort |
	python3 -c 'import json,sys; print(json.dumps([l.strip() for l in sys.stdin], sort_keys=True))')
check_eq "B: users_in_plan lists the candidate containers" "$want_users" \
	"$(field_of "$OUT/b.json" rc/stopped:1 preconditions.users_in_plan)"
check_eq "B: preconditions.tags" '["rc/stopped:1"]' \
	"$(field_of "$OUT/b.json" rc/stopped:1 preconditions.tags)"
pos() { order "$OUT/b.json" | grep -n " $1\$" | cut -d: -f1; }
check "B: child image before its parent" test "$(pos rc/child:1)" -lt "$(pos rc/parent:1)"
check "B: containers before the images they use" \
	test "$(pos c-exited)" -lt "$(pos rc/stopped:1)" -a "$(pos c-stopped)" -lt "$(pos rc/stopped:1)"
check "B: images before volumes before networks" \
	test "$(pos rc/unused:1)" -lt "$(pos "$ANON_FREE")" -a "$(pos "$ANON_FREE")" -lt "$(pos n-free)"
check_eq "B: CSV has a header and one row per item" \
	"$(($(items "$OUT/b.json" | wc -l) + 1))" \
	"$(python3 -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1])))))' "$OUT/b.csv")"
check_eq "B: CSV actions" "delete 11 keep 13" \
	"$(python3 -c '
import csv, sys, collections
c = collections.Counter(r["action"] for r in csv.DictReader(open(sys.argv[1])))
print("delete", c["delete"], "keep", c["keep"])' "$OUT/b.csv")"
check_eq "B: JUnit: one failure per candidate" "24 11" \
	"$(python3 -c '
import sys, xml.etree.ElementTree as ET
s = ET.parse(sys.argv[1]).getroot().find("testsuite")
print(s.get("tests"), s.get("failures"))' "$OUT/b.xml")"

# Sizes: the set frees every layer only candidates use, once. rc/parent:1 and
# rc/child:1 share the parent's layers: the child alone frees only its own.
check "B: shared layers count once in the total" python3 - "$OUT/b.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
imgs = [c for c in p["candidates"] if c["kind"] == "image"]
total = p["summary"]["by_kind"]["image"]["bytes"]
own = sum(c["reclaimable"] for c in imgs)
child = [c for c in imgs if c["name"] == "rc/child:1"][0]
parent = [c for c in imgs if c["name"] == "rc/parent:1"][0]
assert child["reclaimable"] < child["size"], (child["reclaimable"], child["size"])
assert parent["reclaimable"] == 0, parent  # all its layers are shared with the child
assert total > own, (total, own)
assert total <= sum(c["size"] for c in imgs)
PY

# ---- C: all volumes -----------------------------------------------------
plan "$OUT/c.json" --min-age 0 --volumes=all
check "C: plan is schema-valid" schema_valid "$OUT/c.json"
check_eq "C: --volumes=all: volume decisions" \
	"$(printf '%s\n' "candidate volume $ANON_FREE unused-volumes" \
		"candidate volume named-free unused-volumes" \
		"protected volume $ANON_USED in-use" \
		"protected volume named-used in-use" | sort)" \
	"$(items "$OUT/c.json" | grep ' volume ' | sort)"

# ---- D: containers older than a duration --------------------------------
plan "$OUT/d.json" --min-age 0 --containers-older-than 1h
check_eq "D: young stopped containers are kept by their rule" \
	"$(printf '%s\n' "protected container c-exited stopped-containers" \
		"protected container c-kept stopped-containers" \
		"protected container c-running running" \
		"protected container c-stopped stopped-containers" | sort)" \
	"$(items "$OUT/d.json" | grep ' container ' | sort)"
check "D: reason says the age" grep -q '^age [0-9]*s <= 1h$' \
	<(reason_of "$OUT/d.json" c-exited)
LATER=$(date -u -d "$NOW + 2 hours" +%Y-%m-%dT%H:%M:%SZ)
"$PLAN" --engine "$DOCKER_HOST" --now "$LATER" --min-age 0 --containers-older-than 1h \
	-o "$OUT/d2.json" >/dev/null
check "D: two hours later they are candidates" grep -q '^exited 2h ago > 1h$' \
	<(reason_of "$OUT/d2.json" c-exited)

# ---- F: a policy file equal to the flags gives the same decisions ---------
cat >"$OUT/policy.json" <<'EOF'
{
  "version": 1,
  "protect": {"min_age": "0", "labels": ["keep=true"], "tags": ["latest"]},
  "rules": [
    {"name": "stopped-containers", "kinds": ["container"]},
    {"name": "unused-images", "kinds": ["image"]},
    {"name": "anonymous-volumes", "kinds": ["volume"], "volumes": "anonymous"},
    {"name": "unused-networks", "kinds": ["network"]},
    {"name": "build-cache", "kinds": ["build-cache"]}
  ]
}
EOF
plan "$OUT/f.json" --policy "$OUT/policy.json"
check_eq "F: --policy equal to B's flags: same items" "$(items "$OUT/b.json")" \
	"$(items "$OUT/f.json")"
check_eq "F: same effective policy digest" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["policy_digest"])' "$OUT/b.json")" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["policy_digest"])' "$OUT/f.json")"
plan "$OUT/g.json" --policy "$OUT/policy.json" --images=dangling
check_eq "F: selection flags with --policy are a usage error" 2 "$(cat "$OUT/g.json.rc")"
check "F: ... and leave no plan" test ! -e "$OUT/g.json"

# ---- determinism and show ------------------------------------------------
plan "$OUT/b2.json" --min-age 0 --images=unused --keep-label keep=true --keep latest \
	--volumes=anonymous
check "same state and clock give a byte-identical plan but for the engine clock" \
	cmp -s <(plan_sans_clock "$OUT/b.json") <(plan_sans_clock "$OUT/b2.json")
"$PLAN" show "$OUT/b.json" >"$OUT/show.out" 2>&1
check_eq "show: exit 0" 0 "$?"
check "show: prints the digest" grep -q "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["digest"])' "$OUT/b.json")" "$OUT/show.out"
"$PLAN" --engine "$DOCKER_HOST" --now "$NOW" --min-age 0 -o - >"$OUT/stdout.json" 2>"$OUT/stderr.txt"
check "-o -: the plan on stdout is schema-valid" schema_valid "$OUT/stdout.json"
check "-o -: the summary goes to stderr" grep -q '^Plan digest: sha256:' "$OUT/stderr.txt"
check_eq "-o -: same plan as -o FILE" "$(plan_sans_clock "$OUT/a.json")" \
	"$(plan_sans_clock "$OUT/stdout.json")"
"$PLAN" --engine "$DOCKER_HOST" --now "$NOW" -o "$OUT/partial.json" \
	--csv "$OUT/no/such/dir/x.csv" >/dev/null 2>"$OUT/partial.err"
check_eq "an unwritable output is an error" 1 "$?"
check "... and leaves no plan file" test ! -e "$OUT/partial.json"
"$PLAN" --engine "$DOCKER_HOST" --now "$NOW" --min-age 0 --detailed-exitcode >/dev/null
check_eq "--detailed-exitcode: 2 with candidates" 2 "$?"

# ---- E: --min-age protects what is fresh --------------------------------
sleep 6
FRESH=$(mk_image rc/fresh:1)
"$PLAN" --engine "$DOCKER_HOST" --min-age 5s --images=unused -o "$OUT/e.json" >/dev/null
check "E: plan is schema-valid" schema_valid "$OUT/e.json"
check_eq "E: fresh image kept by min-age" "protected image rc/fresh:1 min-age" \
	"$(items "$OUT/e.json" | grep ' rc/fresh:1 ')"
check_eq "E: older unused image still a candidate" "candidate image rc/unused:1 unused-images" \
	"$(items "$OUT/e.json" | grep ' rc/unused:1 ')"
check "E: min-age reason" grep -q '^younger than min-age 5s (age [0-9]s)$' \
	<(reason_of "$OUT/e.json" rc/fresh:1)
"$PLAN" --engine "$DOCKER_HOST" --images=unused -o "$OUT/e2.json" >/dev/null
check_eq "E: default min-age 1h keeps every unused image" "" \
	"$(items "$OUT/e2.json" | grep '^candidate image')"

# The planner changed nothing.
check_eq "state unchanged: containers" 4 "$(D ps -aq | wc -l)"
check_eq "state unchanged: dangling image still there" "$DANGLING" "$(id_of "$DANGLING")"

# ---- sizes against the daemon's own accounting ---------------------------
# With one container left on rc/child2:1, docker system df counts the layers
# that image shares as reclaimable; the plan does not (docs/sizes.md).
layers_size() {
	curl -s --unix-socket "$RC_T/docker.sock" http://engine/v1.41/system/df |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["LayersSize"])'
}
image_bytes() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["by_kind"]["image"]["bytes"])' "$1"
}
D rm -f c-stopped c-exited c-kept >/dev/null
"$PLAN" --engine "$DOCKER_HOST" --min-age 0 --images=unused -o "$OUT/s1.json" >/dev/null
check "sizes: with an image in use the plan frees less than LayersSize" \
	test "$(image_bytes "$OUT/s1.json")" -lt "$(layers_size)"
D rm -f c-running >/dev/null
"$PLAN" --engine "$DOCKER_HOST" --min-age 0 --images=unused -o "$OUT/s2.json" >/dev/null
check_eq "sizes: every image a candidate: the plan frees exactly LayersSize" \
	"$(layers_size)" "$(image_bytes "$OUT/s2.json")"
check_eq "sizes: no image kept" "" "$(items "$OUT/s2.json" | grep '^protected image')"

finish
