#!/usr/bin/env bash
# One plan over a private dockerd and a private docker-registry: an image the
# engine runs, pushed from the engine to the registry (so its RepoDigests
# name the registry's manifest), keeps its registry tags, protected as in
# use; an unused tag of the same repository is planned and deleted; after
# the apply the in-use manifest and its tags still resolve.
#
# The dockerd has a network namespace of its own (tests/lib/engine.sh); the
# registry, the plan and the apply run in it too (nsenter), so that the
# daemon reaches the registry on its 127.0.0.1 (insecure by default there).
set -u
source "$(dirname "$0")/../lib/registry.sh"
engine_start || exit 1
NS=(nsenter "--net=/proc/$RC_DOCKERD_PID/ns/net")
"${NS[@]}" ip link set lo up || { not_ok "loopback up in the engine's namespace"; exit 1; }
REG_EXEC="${NS[*]}" registry_start anon || { not_ok "the registry starts"; exit 1; }
trap 'registry_stop; engine_stop' EXIT
W=$REG_T/work
head_ref() { "${NS[@]}" "$REG_TOOL" "$REG_URL" head "$1" "$2" 2>&1; }
R=$REG_HOSTPORT

mk_image web:1 >/dev/null
mk_image web:old >/dev/null
D tag web:1 "$R/app:1" && D tag web:1 "$R/app:prod" && D tag web:old "$R/app:old"
for t in 1 prod old; do
	D push -q "$R/app:$t" >/dev/null 2>"$W/push.err" || { not_ok "push app:$t: $(cat "$W/push.err")"; exit 1; }
done
D run -d --name web "$R/app:1" >/dev/null || { not_ok "the container runs"; exit 1; }
USED=$(head_ref app 1)
OLD=$(head_ref app old)
check "the engine's image names the registry's manifest in RepoDigests" \
	grep -qx "$R/app@$USED" <(D image inspect -f '{{range .RepoDigests}}{{println .}}{{end}}' "$R/app:1")

P=$W/plan.json
"${NS[@]}" "$PLAN" --engine "$DOCKER_HOST" --registry "$REG_URL" --match-tags '.*' --min-age 0 \
	-q -o "$P" >/dev/null 2>"$W/plan.err"
check_eq "one plan over the engine and the registry" "0 " "$? $(cat "$W/plan.err")"
plan_py() { /usr/bin/python3 -c "import json,sys; p=json.load(open(sys.argv[1])); $1" "$P"; }
check_eq "its sources: the engine, then the registry" "engine registry" \
	"$(plan_py 'print(" ".join(s["type"] for s in p["sources"]))')"
check_eq "the in-use manifest is protected, as in use" "in-use" \
	"$(plan_py 'print(" ".join(c["rule"] for c in p["protected"] if c["object"]=="app@'"$USED"'"))')"
check "... with a reason naming the engine's container" grep -q "web" \
	<(plan_py 'print([c["reason"] for c in p["protected"] if c["object"]=="app@'"$USED"'"][0])')
check_eq "its tags are not candidates" "" \
	"$(plan_py 'print(" ".join(c["object"] for c in p["candidates"] if c["object"] in ("app:1","app:prod","app@'"$USED"'")))')"
check_eq "the unused tag and its manifest are candidates" "manifest:app@$OLD tag:app:old" \
	"$(plan_py 'print(" ".join(sorted(c["kind"]+":"+c["object"] for c in p["candidates"] if c["source"].startswith("registry"))))')"

d=$(plan_py 'print(p["digest"])')
"${NS[@]}" "$APPLY" --approve "$d" --engine "$DOCKER_HOST" --report "$W/report.json" "$P" \
	>"$W/apply.out" 2>&1
check_eq "the apply exits 0" 0 "$?"
check_eq "the unused tag's manifest is deleted" absent "$(head_ref app "$OLD")"
check_eq "the in-use manifest and its tags still resolve" "$USED $USED $USED" \
	"$(head_ref app "$USED") $(head_ref app 1) $(head_ref app prod)"
check_eq "the container still runs" running "$(D inspect -f '{{.State.Status}}' web)"
finish
