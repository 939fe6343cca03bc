#!/usr/bin/env bash
# Safety rule 1: a plan run never changes engine state, and reclaim-plan
# sends nothing but GET and HEAD. Also: determinism, and the digest recomputes
# from the documented canonical form with an independent tool.
set -u
source "$(dirname "$0")/../lib/engine.sh"
engine_start || exit 1

mk_image app:1 >/dev/null
mk_image app:2 >/dev/null
mk_dangling >/dev/null
mk_child app:1 app:child >/dev/null
D run -d --name running app:2 >/dev/null
D create --name stopped -v /anon app:1 /bin/busybox true >/dev/null
D volume create named >/dev/null
D network create used-net >/dev/null
D network create idle-net >/dev/null
D network connect used-net running

before=$(engine_state)
W=$RC_T/work
start_proxy "$W/proxy.sock" "$W/requests.log" || exit 1
NOW=2030-01-02T03:04:05Z
"$PLAN" --engine "unix://$W/proxy.sock" --now "$NOW" --min-age 0 --images=unused \
	--volumes=all -o "$W/p1.json" --csv "$W/p1.csv" --junit "$W/p1.xml" >"$W/out1" 2>&1
rc=$?
check_eq "plan run succeeds" 0 "$rc"
stop_proxy
after=$(engine_state)
check_eq "engine state identical after the plan run" "$before" "$after"
methods=$(awk '{print $1}' "$W/requests.log" | sort -u | tr '\n' ' ')
check "requests were recorded" test -s "$W/requests.log"
check_eq "only GET/HEAD were sent" "" "$(awk '$1 != "GET" && $1 != "HEAD"' "$W/requests.log")"
echo "methods seen: $methods"

# Determinism: the same state, policy and clock give byte-identical outputs.
"$PLAN" --engine "$DOCKER_HOST" --now "$NOW" --min-age 0 --images=unused --volumes=all \
	-o "$W/p2.json" --csv "$W/p2.csv" --junit "$W/p2.xml" >/dev/null 2>&1
"$PLAN" --engine "$DOCKER_HOST" --now "$NOW" --min-age 0 --images=unused --volumes=all \
	-o "$W/p2b.json" --csv "$W/p2b.csv" --junit "$W/p2b.xml" >/dev/null 2>&1
check "plan JSON byte-identical across runs but for the engine clock" \
	cmp -s <(plan_sans_clock "$W/p2.json") <(plan_sans_clock "$W/p2b.json")
check "plan CSV byte-identical across runs" cmp -s "$W/p2.csv" "$W/p2b.csv"
check "plan JUnit byte-identical across runs" cmp -s "$W/p2.xml" "$W/p2b.xml"
# Through the proxy only the recorded endpoint differs.
check_eq "plan via the proxy differs only in the endpoint" \
	"$(plan_sans_clock "$W/p1.json" | sed "s#unix://$W/proxy.sock#ENDPOINT#")" \
	"$(plan_sans_clock "$W/p2.json" | sed "s#$DOCKER_HOST#ENDPOINT#")"
check "plan validates against docs/plan.schema.json" schema_valid "$W/p1.json"

# The digest recomputes from the documented recipe (JCS, digest removed),
# here with Python's json module as an independent implementation.
recomputed=$(/usr/bin/python3 - "$W/p1.json" <<'PY'
import hashlib, json, sys
d = json.load(open(sys.argv[1]))
d.pop("digest")
c = json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
print("sha256:" + hashlib.sha256(c.encode()).hexdigest())
PY
)
stored=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["digest"])' "$W/p1.json")
check_eq "digest recomputes independently" "$stored" "$recomputed"
check "summary names the approve command" grep -q "reclaim-apply --approve $stored" "$W/out1"

# A different clock changes created_at and so the digest.
"$PLAN" --engine "$DOCKER_HOST" --now 2030-01-02T03:04:06Z --min-age 0 --images=unused \
	--volumes=all -o "$W/p3.json" >/dev/null 2>&1
d3=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["digest"])' "$W/p3.json")
check "another clock gives another digest" test "$d3" != "$stored"

# A plan that cannot be written takes its reports with it: no CSV or JUnit
# file describes a plan that was not saved.
"$PLAN" --engine "$DOCKER_HOST" --now "$NOW" --min-age 0 --csv "$W/orphan.csv" \
	--junit "$W/orphan.xml" -o "$W/no/such/dir/plan.json" >/dev/null 2>&1
check_eq "unwritable plan path exits 1" 1 $?
check "no orphan CSV or JUnit report is left" test ! -e "$W/orphan.csv" -a ! -e "$W/orphan.xml"

# show re-renders a saved plan after validating it.
check "show accepts the saved plan" "$PLAN" show "$W/p1.json"
finish
