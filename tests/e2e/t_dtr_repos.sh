#!/usr/bin/env bash
# --repos GLOB on a DTR source: only the repositories whose "namespace/repo"
# matches are listed for tags (the double's request log shows no tag
# listing of any other), the plan holds only their tags and says its bytes
# are an upper bound; several globs add up; a glob that matches nothing
# plans nothing and exits 0 after the one repositories listing; a pattern
# fnmatch cannot match (an unclosed '[') is taken literally, as by the
# registry source, and matches nothing.
set -u
source "$(dirname "$0")/../lib/dtr.sh"
source "$ROOT/tests/lib/apply.sh"
T=$DTR_T
dtr_start scenario "$DTR_USER" "$DTR_PASS" "$DTR_TOKEN" || { not_ok "the double starts"; exit 1; }

# "kind object" of every item, sorted, and the notes
items() {
	/usr/bin/python3 - "$1" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for it in sorted(p["candidates"] + p["protected"], key=lambda i: i["object"]):
    print(it["object"])
PY
}
tag_listings() { grep -o '^GET /api/v0/repositories/[^?]*/tags' "$DTR_LOG" | sort -u | sed 's|^GET /api/v0/repositories/||; s|/tags$||' | tr '\n' ' ' | sed 's/ $//'; }

: >"$DTR_LOG"
dtr_plan --repos 'team/a*' --keep-last 2 --min-age 0 -o "$T/a.json" >"$T/a.out" 2>"$T/a.err"
check_eq "--repos 'team/a*': the plan succeeds" "0" "$?"
check "... and validates against the schema" schema_valid "$T/a.json"
check_eq "... only team/app's tags are listed" "team/app" "$(tag_listings)"
check_eq "... no other repository's tag endpoint is requested" "" \
	"$(grep -E '/repositories/(team/signed|ops/frozen)' "$DTR_LOG")"
check_eq "... the plan holds only team/app's tags" \
	"team/app:v1 team/app:v2 team/app:v2-alias team/app:v3 team/app:v4 team/app:v5" \
	"$(items "$T/a.json" | tr '\n' ' ' | sed 's/ $//')"
check_eq "... keep-last works within it" "team/app:v1 team/app:v2 team/app:v3 team/app:v4" \
	"$(plan_candidates "$T/a.json" 2>/dev/null | awk '{print $2}' | tr '\n' ' ' | sed 's/ $//')"
check "... each candidate says its bytes after GC are an upper bound" \
	/usr/bin/python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
sys.exit(0 if p["candidates"] and all("upper bound" in json.dumps(c) for c in p["candidates"]) else 1)' "$T/a.json"

: >"$DTR_LOG"
dtr_plan --repos 'ops/*' --repos '*/signed' --keep-last 1 --min-age 0 -o "$T/b.json" >/dev/null 2>"$T/b.err"
check_eq "two globs: the plan succeeds" "0" "$?"
check_eq "... both repositories and only they are listed for tags" "ops/frozen team/signed" "$(tag_listings)"
check_eq "... and planned" "ops/frozen:f1 team/signed:s1 team/signed:s2" \
	"$(items "$T/b.json" | tr '\n' ' ' | sed 's/ $//')"

# the glob is over "namespace/repo": a bare repository name matches nothing
for g in 'nomatch/*' 'app' '[team/app'; do
	: >"$DTR_LOG"
	dtr_plan --repos "$g" --keep-last 1 --min-age 0 -o "$T/none.json" >/dev/null 2>"$T/none.err"
	check_eq "--repos '$g' matches nothing: exit 0" "0" "$?"
	check_eq "... one request, the repositories listing, no tag listing" \
		"GET /api/v0/repositories?pageSize=100" "$(awk '{print $1, $2}' "$DTR_LOG")"
	check_eq "... an empty plan" "" "$(items "$T/none.json")"
done
check "a plan of nothing still validates" schema_valid "$T/none.json"

# apply of a --repos plan touches only what it lists
D=$(plan_digest "$T/a.json")
: >"$DTR_LOG"
dtr_apply --approve "$D" --report "$T/r.json" "$T/a.json" >/dev/null 2>"$T/apply.err"
check_eq "the --repos plan applies" "0" "$?"
check_eq "... only team/app was touched (after the one ping)" "GET /api/v0/repositories?pageSize=1" \
	"$(grep -v '/repositories/team/app/' "$DTR_LOG" | awk '{print $1, $2}')"
check_eq "... the other repositories are untouched" \
	"ops/frozen:f1 team/app:v2-alias team/app:v5 team/signed:s1 team/signed:s2" \
	"$(dtr_state | awk '{print $1}' | tr '\n' ' ' | sed 's/ $//')"
finish
