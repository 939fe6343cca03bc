#!/usr/bin/env bash
# Harbor pagination, reclaim-plan against the double: 3 projects x 2
# repositories x 250 artifacts are walked page by page (page_size 100,
# following Link rel="next"), one request per page, every artifact in the
# plan once; a Link that always points back at the first page, or a page
# that repeats what came before, is a bounded one-line error with no plan.
set -u
source "$(dirname "$0")/../lib/harbor.sh"
T=$HARBOR_T
harbor_start --scenario bench --projects 3 --repos 2 --artifacts 250 || { not_ok "the double starts"; exit 1; }

harbor_plan --not-pulled-for 30d -q -o "$T/plan.json" >/dev/null 2>"$T/plan.err"
check_eq "a paged scan succeeds" "0 " "$? $(cat "$T/plan.err")"
check_eq "every artifact once: 1500 manifests, 1500 tags" "1500 1500 1500" \
	"$(/usr/bin/python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
items = p["candidates"] + p["protected"]
m = [i["object"] for i in items if i["kind"] == "manifest"]
t = [i["object"] for i in items if i["kind"] == "tag"]
print(len(m), len(set(m)), len(t))' "$T/plan.json")"
# the credentials check, then 1 page of projects, 1 of repositories per
# project, 3 of artifacts per repository
check_eq "one credentials check, then requests == pages (1 + 3 + 6 x 3)" "1 22" \
	"$(grep -c '^GET /api/v2.0/users/current 200$' "$HARBOR_LOG") $(grep '^GET ' "$HARBOR_LOG" | grep -vc '/users/current ')"
check_eq "... pages 2 and 3 of each repository were asked" "6 6" \
	"$(grep -c '/artifacts?.*page=2' "$HARBOR_LOG") $(grep -c '/artifacts?.*page=3' "$HARBOR_LOG")"
check_eq "... no page past the end" "0" "$(grep -c '/artifacts?.*page=4' "$HARBOR_LOG")"
check "... '/' in a repository name stays double-encoded on every page" \
	test "$(grep -c '/repositories/team%252Fr001/artifacts?' "$HARBOR_LOG")" -eq 9

fails() { # NAME PATTERN: the plan fails in one line, no plan
	local name=$1 pat=$2 out rc
	rm -f "$T/bad.json"
	out=$(harbor_plan --not-pulled-for 30d -o "$T/bad.json" 2>&1 >/dev/null)
	rc=$?
	check_eq "$name: exits 1" "1" "$rc"
	check_eq "$name: one line" "1" "$(printf '%s\n' "$out" | grep -c .)"
	check "$name: says '$pat' ($(head -1 <<<"$out" | head -c 200))" grep -qE -e "$pat" <<<"$out"
	check "$name: no plan written" test ! -e "$T/bad.json"
}
harbor_fault '{"path_regex": "/projects/p001/repositories/r000/artifacts", "headers": {"Link": "</api/v2.0/projects/p001/repositories/r000/artifacts?page=1&page_size=100>; rel=\"next\""}, "count": -1}'
: >"$HARBOR_LOG"
fails "a Link back to page 1, forever" "Link|page|does not end|loop|twice|repeat"
check "... bounded (a handful of requests to that listing)" \
	test "$(grep -c '/p001/repositories/r000/artifacts' "$HARBOR_LOG")" -le 10
harbor_reset_faults
finish
