#!/usr/bin/env bash
# A plan in review across an upgrade: reclaim-plan 0.2.0 wrote plan format
# version 1, this reclaim writes version 2, and a version 1 plan still loads,
# shows and applies, with every safety check of its version: the engine
# identity, the evidence of use it recorded, and the approval by its digest.
set -u
source "$(dirname "$0")/../lib/engine.sh"
source "$(dirname "$0")/../lib/apply.sh"
engine_start || exit 1
trap 'remove_networks; engine_stop' EXIT
W=$RC_T/work

mk_image app:1 >/dev/null
mk_image multi:1 >/dev/null
D tag multi:1 multi:latest
mk_dangling >/dev/null
D run -d --name web app:1 >/dev/null
D run --name done app:1 /bin/busybox true >/dev/null
D run --name again app:1 /bin/busybox true >/dev/null
D volume create vidle >/dev/null
mk_net idle-net
sleep 2

"$PLAN" --engine "$DOCKER_HOST" --min-age 0 --containers-older-than 1s --images=unused \
	--volumes=all -o "$W/v2.json" >"$W/plan.out" 2>&1
check_eq "plan succeeds" 0 "$?"
check_eq "this reclaim writes version 2" 2 \
	"$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$W/v2.json")"
/usr/bin/python3 "$ROOT/tests/lib/plan_v1.py" "$W/v2.json" "$W/v1.json"
check "the version 1 plan is sealed" "$ROOT/scripts/plan-digest.py" --check "$W/v1.json"
check "the version 1 plan meets docs/plan-v1.schema.json" /usr/bin/python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))' \
	"$ROOT/docs/plan-v1.schema.json" "$W/v1.json"
plan_candidates "$W/v2.json" | sed "s/^/# /"
dig=$(plan_digest "$W/v1.json")
check "version 1 and 2 differ in digest" test "$dig" != "$(plan_digest "$W/v2.json")"

# show reads it and prints what show prints for version 2, digest aside.
"$PLAN" show "$W/v1.json" >"$W/show1" 2>&1
check_eq "show reads a version 1 plan" 0 "$?"
"$PLAN" show "$W/v2.json" >"$W/show2" 2>&1
check_eq "show: the same review whatever the version" \
	"$(grep -v sha256: "$W/show2")" "$(grep -v sha256: "$W/show1")"

# The approval binds the version 1 digest, not the version 2 one.
"$APPLY" --approve "$(plan_digest "$W/v2.json")" "$W/v1.json" >"$W/wrong.out" 2>&1
check_eq "approval of the other version's digest is refused" 4 "$?"

# Evidence recorded by version 1 still protects: a container run again.
D start -a again >/dev/null 2>&1
engine_state >"$W/before"
"$APPLY" --approve "$dig" --report "$W/r1.json" "$W/v1.json" >"$W/a1.out" 2>"$W/a1.err"
rc=$?
check_eq "apply of the version 1 plan exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || cat "$W/a1.out" "$W/a1.err"
check_eq "the container run since planning is changed, the rest deleted" \
	"changed deleted" "$(report_outcome_set "$W/r1.json")"
check "the rerun container is kept" grep -q "container [0-9a-f]* again " <(engine_state)
check "the multi-tag image went, tags and all" sh -c '! grep -q "multi:" "$1"' _ <(engine_state)
check "the running container and its image remain" grep -q " web running " <(engine_state)
check "the idle volume is gone" sh -c '! grep -q "volume vidle" "$1"' _ <(engine_state)

# A rerun is a no-op through the journal.
"$APPLY" --approve "$dig" --report "$W/r2.json" "$W/v1.json" >"$W/a2.out" 2>&1
check_eq "rerun exits 0" 0 "$?"
check_eq "rerun: deleted items already done, the changed one re-checked" \
	"already-done changed" "$(report_outcome_set "$W/r2.json")"
finish
