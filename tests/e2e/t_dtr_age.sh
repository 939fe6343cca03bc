#!/usr/bin/env bash
# DTR tag age on updatedAt (the default) or createdAt (--dtr-age created, or
# the policy's sources.dtr.age), against the double (tests/fakes/dtr). In
# the scenario fixture team/app's tags were created and pushed in different
# orders (v1 created last, pushed first), so keep-last, older-than and
# min-age select different tags in the two modes; every reason that states
# an age or a rank names the time it used; the effective policy in the plan
# records the choice; bad values and --dtr-age without --dtr are usage
# errors (exit 2) that read nothing.
set -u
source "$(dirname "$0")/../lib/dtr.sh"
source "$ROOT/tests/lib/apply.sh"
T=$DTR_T
dtr_start scenario "$DTR_USER" "$DTR_PASS" "$DTR_TOKEN" || { not_ok "the double starts"; exit 1; }

cands() { plan_candidates "$1" | cut -d' ' -f2 | tr '\n' ' ' | sed 's/ $//'; }
# items FILE: "object|rule|reason|last_used_at" per item, candidates first
items() {
	/usr/bin/python3 - "$1" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for it in p["candidates"] + p["protected"]:
    print(it["object"], it["rule"], it["reason"], it.get("last_used_at", ""), sep="|")
PY
}
policy_of() {
	/usr/bin/python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); print(json.dumps(p["policy"].get("sources"), sort_keys=True), p["policy_digest"])' "$1"
}

# keep-last 2: updatedAt keeps v2-alias and v5; createdAt keeps v1 and v5
dtr_plan --keep-last 2 --min-age 0 -o "$T/kl-default.json" >/dev/null 2>"$T/err"
check_eq "default plan succeeds" "0" "$?"
dtr_plan --keep-last 2 --min-age 0 --dtr-age updated -o "$T/kl-updated.json" >/dev/null 2>>"$T/err"
check_eq "--dtr-age updated plan succeeds" "0" "$?"
dtr_plan --keep-last 2 --min-age 0 --dtr-age created -o "$T/kl-created.json" >/dev/null 2>>"$T/err"
check_eq "--dtr-age created plan succeeds" "0" "$?"
check "the plans validate against the schema" schema_valid "$T/kl-created.json"
check_eq "keep-last 2 by updatedAt (default): v1 (created last, pushed first) goes" \
	"team/app:v1 team/app:v2 team/app:v3 team/app:v4" "$(cands "$T/kl-default.json")"
check_eq "... the same with --dtr-age updated" \
	"team/app:v1 team/app:v2 team/app:v3 team/app:v4" "$(cands "$T/kl-updated.json")"
check_eq "keep-last 2 by createdAt: v1 stays, v2-alias (pushed last) goes" \
	"team/app:v2 team/app:v2-alias team/app:v3 team/app:v4" "$(cands "$T/kl-created.json")"
check "an updatedAt candidate's reason names the time it ranked on" \
	grep -qx "team/app:v1|registry-tags|names sha256:[0-9a-f]\{12\} (repository tagLimit 50), updatedAt rank 6 > keep 2|2024-01-01T00:00:00Z" \
	<<<"$(items "$T/kl-default.json")"
check "... and a kept tag's" grep -qx "team/app:v2-alias|registry-tags|updatedAt rank 1 <= keep 2 in 'team/app'|2024-06-10T00:00:00Z" \
	<<<"$(items "$T/kl-default.json")"
check "a createdAt candidate's reason names createdAt, and last_used_at is createdAt" \
	grep -qx "team/app:v2-alias|registry-tags|names sha256:[0-9a-f]\{12\} (repository tagLimit 50), createdAt rank 6 > keep 2|2024-01-02T00:00:00Z" \
	<<<"$(items "$T/kl-created.json")"
check "... and a kept tag's" grep -qx "team/app:v1|registry-tags|createdAt rank 1 <= keep 2 in 'team/app'|2024-05-01T00:00:00Z" \
	<<<"$(items "$T/kl-created.json")"
check_eq "no reason of a createdAt plan mentions updatedAt" "" \
	"$(items "$T/kl-created.json" | grep updatedAt)"
check_eq "the effective policy shows updated, by default too" \
	'{"dtr": {"age": "updated"}}' "$(policy_of "$T/kl-default.json" | cut -d' ' -f1-3)"
check_eq "... and created when asked" \
	'{"dtr": {"age": "created"}}' "$(policy_of "$T/kl-created.json" | cut -d' ' -f1-3)"
check "... so the policy digests differ" test "$(policy_of "$T/kl-default.json" | cut -d' ' -f4)" != \
	"$(policy_of "$T/kl-created.json" | cut -d' ' -f4)"
check_eq "... and default equals --dtr-age updated" "$(policy_of "$T/kl-default.json")" \
	"$(policy_of "$T/kl-updated.json")"

# older-than 30d and min-age 30d at 2024-05-20: updatedAt in June is young,
# createdAt in January is old
NOW=2024-05-20T00:00:00Z
dtr_plan --older-than 30d --min-age 30d --now $NOW -o "$T/ot-updated.json" >/dev/null 2>>"$T/err"
check_eq "older-than plan by updatedAt succeeds" "0" "$?"
dtr_plan --older-than 30d --min-age 30d --now $NOW --dtr-age created -o "$T/ot-created.json" \
	>/dev/null 2>>"$T/err"
check_eq "older-than plan by createdAt succeeds" "0" "$?"
check_eq "older-than 30d by updatedAt: v1, v2, v3 and s2" \
	"team/app:v1 team/app:v2 team/app:v3 team/signed:s2" "$(cands "$T/ot-updated.json")"
check_eq "older-than 30d by createdAt: all of team/app but v1 (created 2024-05-01), and s2" \
	"team/app:v2 team/app:v2-alias team/app:v3 team/app:v4 team/app:v5 team/signed:s2" \
	"$(cands "$T/ot-created.json")"
check "an older-than reason names updatedAt" \
	grep -qx "team/app:v1|registry-tags|names sha256:[0-9a-f]\{12\} (repository tagLimit 50), updatedAt age 140d > 30d|2024-01-01T00:00:00Z" \
	<<<"$(items "$T/ot-updated.json")"
check "... and createdAt" \
	grep -qx "team/app:v5|registry-tags|names sha256:[0-9a-f]\{12\} (repository tagLimit 50), createdAt age 136d > 30d|2024-01-05T00:00:00Z" \
	<<<"$(items "$T/ot-created.json")"
check "min-age by createdAt keeps v1, saying so" \
	grep -qx "team/app:v1|min-age|younger than min-age 30d (createdAt age 19d)|2024-05-01T00:00:00Z" \
	<<<"$(items "$T/ot-created.json")"
check "min-age by updatedAt keeps v5, saying so" \
	grep -q "^team/app:v5|min-age|younger than min-age 30d (updatedAt age " <<<"$(items "$T/ot-updated.json")"

# the policy file's form; --dtr-age replaces it, as --min-age does
cat >"$T/created.json" <<'JSON'
{"version": 1, "sources": {"dtr": {"age": "created"}},
 "protect": {"min_age": "0"},
 "rules": [{"name": "registry-tags", "kinds": ["tag"], "keep_last": 2}]}
JSON
dtr_plan --policy "$T/created.json" -o "$T/pf-created.json" >/dev/null 2>>"$T/err"
check_eq "a policy with sources.dtr.age created plans" "0" "$?"
check_eq "... and selects as --dtr-age created does" \
	"team/app:v2 team/app:v2-alias team/app:v3 team/app:v4" "$(cands "$T/pf-created.json")"
check_eq "... and records it in the effective policy" '{"dtr": {"age": "created"}}' \
	"$(policy_of "$T/pf-created.json" | cut -d' ' -f1-3)"
dtr_plan --policy "$T/created.json" --dtr-age updated -o "$T/pf-updated.json" >/dev/null 2>>"$T/err"
check_eq "--dtr-age updated over the file's created" \
	"team/app:v1 team/app:v2 team/app:v3 team/app:v4" "$(cands "$T/pf-updated.json")"
check_eq "... recorded in the effective policy" '{"dtr": {"age": "updated"}}' \
	"$(policy_of "$T/pf-updated.json" | cut -d' ' -f1-3)"
check_eq "no plan wrote to stderr" "" "$(cat "$T/err")"

# bad input: one line, exit 2, nothing read
: >"$DTR_LOG"
dtr_plan --keep-last 2 --dtr-age pushed -o "$T/bad.json" >"$T/bad.out" 2>"$T/bad.err"
check_eq "--dtr-age pushed: exit 2" "2" "$?"
check_eq "... with one clear line" "reclaim-plan: error: invalid --dtr-age 'pushed': want updated or created" \
	"$(head -1 "$T/bad.err")"
dtr_plan --keep-last 2 --dtr-age '' >/dev/null 2>"$T/bad.err"
check_eq "--dtr-age '': exit 2" "2" "$?"
check_eq "... naming it" "reclaim-plan: error: invalid --dtr-age '': want updated or created" \
	"$(head -1 "$T/bad.err")"
"$PLAN" --registry http://127.0.0.1:9 --keep-last 2 --dtr-age created >/dev/null 2>"$T/bad.err"
check_eq "--dtr-age without --dtr: exit 2" "2" "$?"
check_eq "... saying it needs --dtr" "reclaim-plan: error: --dtr-age applies to DTR sources: give --dtr URL" \
	"$(head -1 "$T/bad.err")"
"$PLAN" --dtr-age created >/dev/null 2>"$T/bad.err"
check_eq "--dtr-age alone (no source): exit 2 before any engine is asked" "2" "$?"
check "... the same line" grep -qx "reclaim-plan: error: --dtr-age applies to DTR sources: give --dtr URL" "$T/bad.err"
cat >"$T/bad-policy.json" <<'JSON'
{"version": 1,
 "sources": {"dtr": {"age": "pushed"}},
 "rules": []}
JSON
dtr_plan --policy "$T/bad-policy.json" >/dev/null 2>"$T/bad.err"
check_eq "sources.dtr.age pushed in a policy: exit 1" "1" "$?"
check_eq "... naming file, line and field" \
	"reclaim-plan: error: $T/bad-policy.json:2: sources.dtr.age: want \"updated\" (updatedAt, the last push) or \"created\" (createdAt)" \
	"$(cat "$T/bad.err")"
check_eq "no bad run sent a request" "0" "$(grep -c . "$DTR_LOG")"
check "no bad run wrote a plan" test ! -e "$T/bad.json"
check_eq "the DTR still holds every tag" "9" "$(dtr_state | wc -l)"

# --help and the man page say it
"$PLAN" --help | grep -q -- "--dtr-age updated|created"
check_eq "--help lists --dtr-age" "0" "$?"
check "the man page documents --dtr-age" grep -q 'dtr\\-age' "$ROOT/man/reclaim-plan.1"

leaks=$(grep -rl -e "$DTR_PASS" -e "$DTR_TOKEN" "$T" --exclude=fixture.json 2>/dev/null)
check_eq "no password or token in any plan or output" "" "$leaks"
finish
