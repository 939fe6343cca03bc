#!/usr/bin/env bash
# Harbor / MSR 4 through /api/v2.0, against the double (tests/fakes/harbor):
# reclaim-plan, the details t_harbor_plan leaves: reasons, preconditions,
# the request log, keep-by, the policy file, a robot account. Never pulled and old: a candidate; pulled recently but old:
# kept; an immutable tag: protected, with Harbor's rule named; an accessory
# follows its subject; an index goes with its tag; a repository name with
# '/' is asked for encoded twice; --projects and --repos filter before any
# per-repository request; keep-last ranks by push or pull time
# (--harbor-keep-by, sources.harbor.keep_by); the candidates record the
# pull time the rule read; the scan only reads; bad input and faults end in
# one line and exit 1 (2 for usage); no credential appears in any output.
set -u
source "$(dirname "$0")/../lib/harbor.sh"
source "$ROOT/tests/lib/apply.sh"
T=$HARBOR_T
harbor_start --scenario basic || { not_ok "the double starts"; exit 1; }
D() { harbor_digest "$1"; }

harbor_plan --not-pulled-for 30d --untagged --min-age 0 -v -o "$T/plan.json" \
	--csv "$T/plan.csv" >"$T/plan.out" 2>"$T/plan.err"
check_eq "plan succeeds" "0" "$?"
check "the plan validates against the schema" schema_valid "$T/plan.json"
check_eq "candidates: the old, never-pulled artifacts and their tags; the untagged one; the accessory" \
	"manifest lib/signed@$(D signed-1)
manifest lib/multi@$(D multi-index)
manifest lib/signed@$(D signed-1-sig)
manifest lib/team/app@$(D app-rc)
manifest lib/team/app@$(D app-untagged)
manifest lib/team/app@$(D app-old)
manifest ops/tools@$(D tools-1)
tag lib/multi:multi-1
tag lib/signed:s-1
tag lib/team/app:1.0
tag lib/team/app:rc-2
tag lib/team/app:stable
tag ops/tools:t-1" "$(plan_candidates "$T/plan.json")"
items=$(/usr/bin/python3 - "$T/plan.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for it in p["candidates"] + p["protected"]:
    print(it["object"], it["rule"], it["reclaimable"], json.dumps(it.get("preconditions"), sort_keys=True), it["reason"], sep="|")
s = p["sources"][0]
print("source", s["type"], s["name"], s["identity"]["url"], sep="|")
print("policy", json.dumps(p["policy"]["sources"]), sep="|")
print("gc", p["summary"]["bytes_freed_after_gc"], p["summary"]["bytes_freed_now"], sep="|")
PY
)
check_eq "the source is a harbor, named by host and port, identified by its URL" \
	"source|harbor|harbor-127.0.0.1-${HARBOR_URL##*:}|$HARBOR_URL" "$(grep '^source|' <<<"$items")"
check_eq "the effective policy says what keep-last ranks by" \
	'policy|{"harbor": {"keep_by": "push"}}' "$(grep '^policy|' <<<"$items")"
check "pulled 2 days ago but 300 days old: kept, saying so" \
	grep -q "^lib/team/app:1.1|registry-tags|0|null|pulled 2d ago <= 30d$" <<<"$items"
check "an immutable tag is protected by Harbor's rule" \
	grep -q "^lib/team/app:release-1|immutable|0|null|immutable tag (Harbor tag immutability rule)$" <<<"$items"
check "... and keeps its artifact" \
	grep -q "^lib/team/app@$(D app-frozen)|immutable|0|null|tag 'lib/team/app:release-1' stays: immutable tag" <<<"$items"
check "never pulled: the age counts from the push, and the reason says so" \
	grep -q "^lib/team/app:1.0|registry-tags|0|.*names sha256:[0-9a-f]\{12\}, not pulled for 400d > 30d (never pulled: counted from its push)" <<<"$items"
check "a tag candidate records its digest and the pull time read (the push, never pulled)" \
	grep -q "^lib/team/app:1.0|registry-tags|0|{\"digest\": \"$(D app-old)\", \"pulled_at\": \"20[0-9-]*T[0-9:]*.000Z\"}|" <<<"$items"
check "an artifact candidate records its tags and the pull time read" \
	grep -q "^lib/team/app@$(D app-old)|.*|11000|{\"pulled_at\": \"20[^\"]*\", \"tags\": \\[\"lib/team/app:1.0\"\\]}|" <<<"$items"
check "the accessory follows its subject, with Harbor's size" \
	grep -q "^lib/signed@$(D signed-1-sig)|registry-tags|500|{\"tags\": \\[\\]}|accessory of manifest 'lib/signed@sha256:[0-9a-f]\{12\}', which this plan deletes$" <<<"$items"
check "an untagged artifact: --untagged selects it on its pull time" \
	grep -q "^lib/team/app@$(D app-untagged)|registry-untagged|15000|.*|untagged IMAGE, not pulled for 250d > 30d (never pulled: counted from its push)$" <<<"$items"
check_eq "bytes after GC are Harbor's sizes of the artifacts, nothing now" "gc|112400|0" \
	"$(grep '^gc|' <<<"$items")"
check "the summary says space returns after Harbor's GC" grep -q "Harbor frees space only when its garbage collection runs" "$T/plan.out"
check_eq "the scan proved the credentials, then read the lists only: projects, repositories, artifacts" \
	"GET /api/v2.0/users/current 200
GET /api/v2.0/projects?page=1&page_size=100 200
GET /api/v2.0/projects/lib/repositories?page=1&page_size=100 200
GET /api/v2.0/projects/ops/repositories?page=1&page_size=100 200
GET /api/v2.0/projects/lib/repositories/multi/artifacts?with_tag=true&with_accessory=true&with_immutable_status=true&page=1&page_size=100 200
GET /api/v2.0/projects/lib/repositories/signed/artifacts?with_tag=true&with_accessory=true&with_immutable_status=true&page=1&page_size=100 200
GET /api/v2.0/projects/lib/repositories/team%252Fapp/artifacts?with_tag=true&with_accessory=true&with_immutable_status=true&page=1&page_size=100 200
GET /api/v2.0/projects/ops/repositories/tools/artifacts?with_tag=true&with_accessory=true&with_immutable_status=true&page=1&page_size=100 200" \
	"$(cat "$HARBOR_LOG")"

# tag delete versus artifact delete: rc-2 alone matches, stable stays
: >"$HARBOR_LOG"
harbor_plan --match-tags 'rc-.*' --min-age 0 --projects lib --repos 'lib/team/*' \
	-o "$T/rc.json" >/dev/null 2>"$T/rc.err"
check_eq "--match-tags: the tag alone, the artifact stays for its other tag" \
	"tag lib/team/app:rc-2" "$(plan_candidates "$T/rc.json")"
check "... its reason says only the tag goes" grep -q "only the tag goes: manifest 'lib/team/app@sha256:[0-9a-f]\{12\}' stays for tag 'lib/team/app:stable'" "$T/rc.json"
check_eq "--projects and --repos filter before any per-repository request" \
	"1" "$(grep -c '/artifacts' "$HARBOR_LOG")"
check_eq "... and ops was never listed" "0" "$(grep -c '/projects/ops' "$HARBOR_LOG")"

# keep-last by push time and by pull time
harbor_pull lib team/app 1.0
harbor_plan --keep-last 1 --min-age 0 --repos 'lib/team/app' -o "$T/push.json" >/dev/null 2>&1
check "keep-last by push: the newest push (latest) is kept" \
	grep -qx "tag lib/team/app:latest registry-tags" <(plan_items "$T/push.json" protected)
check "... and the just-pulled 1.0 goes" grep -qx "tag lib/team/app:1.0" <(plan_candidates "$T/push.json")
harbor_plan --keep-last 1 --harbor-keep-by pull --min-age 0 --repos 'lib/team/app' \
	-o "$T/pull.json" >/dev/null 2>&1
check_eq "keep-last by pull: the just-pulled 1.0 is kept, latest goes" \
	"no yes" "$(plan_candidates "$T/pull.json" | grep -qx 'tag lib/team/app:1.0' && echo yes || echo no) $(plan_candidates "$T/pull.json" | grep -qx 'tag lib/team/app:latest' && echo yes || echo no)"
check "... ranked candidates record the pull time" \
	grep -q '"pulled_at"' "$T/pull.json"
cat >"$T/policy.json" <<'JSON'
{"version": 1, "sources": {"harbor": {"keep_by": "pull"}},
 "protect": {"min_age": "0"},
 "rules": [{"name": "keep-1", "kinds": ["tag"], "keep_last": 1}]}
JSON
harbor_plan --policy "$T/policy.json" --repos 'lib/team/app' -o "$T/pol.json" >/dev/null 2>&1
check_eq "the policy file's sources.harbor.keep_by pull: the same choice" \
	"$(plan_candidates "$T/pull.json")" "$(plan_candidates "$T/pol.json")"
check_eq "... recorded in the effective policy" '{"harbor": {"keep_by": "pull"}}' \
	"$(/usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["policy"]["sources"]))' "$T/pol.json")"

# a robot account works as a user name, within its projects
printf '%s\n' "$HARBOR_ROBOT_PASS" | "$PLAN" --harbor "$HARBOR_URL" --username "$HARBOR_ROBOT" \
	--password-stdin --projects lib --not-pulled-for 30d -q -o "$T/robot.json" >/dev/null 2>"$T/robot.err"
check_eq "robot\$ci plans project lib" "0:" "$?:$(cat "$T/robot.err")"
check "... with the same tag candidates" \
	test "$(plan_candidates "$T/robot.json" | grep -c '^tag lib/')" -ge 4

# bad input: usage errors
for args in "--harbor ftp://h" "--harbor http://h.example" "--projects lib" \
	"--harbor-keep-by pull" "--harbor $HARBOR_URL --harbor-keep-by newest" \
	"--harbor $HARBOR_URL --not-pulled-for 3x"; do
	# shellcheck disable=SC2086
	out=$("$PLAN" $args 2>&1 </dev/null)
	check_eq "usage error: $args" "2:1" "$?:$(grep -c . <<<"$out" | awk '{print ($1 <= 2)}')"
done

# bad credentials and faults: one line, exit 1, no plan
printf 'wrong\n' | "$PLAN" --harbor "$HARBOR_URL" --username admin --password-stdin \
	--not-pulled-for 30d -o "$T/bad.json" >/dev/null 2>"$T/bad.err"
check_eq "a wrong password: exit 1" "1" "$?"
check "... saying Harbor refused the credentials from the command line" \
	grep -q "^reclaim-plan: error: Harbor '$HARBOR_URL' refused the credentials from the command line (checking the credentials): HTTP 401" "$T/bad.err"
check_eq "... no plan written" "no" "$([ -e "$T/bad.json" ] && echo yes || echo no)"
env -u RECLAIM_REGISTRY_USERNAME "$PLAN" --harbor "$HARBOR_URL" --not-pulled-for 30d \
	-o "$T/anon.json" >/dev/null 2>"$T/anon.err"
check_eq "no credentials at all: Harbor's anonymous view, exit 0" "0" "$?"
check "... with one warning: public projects only, nothing deletable" \
	grep -q "warning: Harbor '$HARBOR_URL': no credentials found: only public projects are seen" "$T/anon.err"
check "... and nothing else on stderr" test "$(grep -c . "$T/anon.err")" -eq 1
harbor_fault '{"path_regex": "team%252Fapp/artifacts", "method": "GET", "truncate": true, "count": 1}'
harbor_plan --not-pulled-for 30d -o "$T/trunc.json" >/dev/null 2>"$T/trunc.err"
check_eq "a truncated artifact page: exit 1, one line" "1:1" "$?:$(grep -c . "$T/trunc.err")"
check "... naming the repository" grep -q "listing the artifacts of 'lib/team/app'" "$T/trunc.err"
harbor_fault '{"path_regex": "/projects/lib/repositories/signed/artifacts", "method": "GET", "status": 200, "body": "[{\"digest\": \"sha256:1\", \"size\": 1e400}]", "count": 1}'
harbor_plan --not-pulled-for 30d -o "$T/hostile.json" >/dev/null 2>"$T/hostile.err"
check_eq "a hostile artifact: exit 1, one line" "1:1" "$?:$(grep -c . "$T/hostile.err")"
check "... malformed Harbor answer" grep -q "malformed Harbor answer" "$T/hostile.err"
harbor_fault '{"path_regex": "/projects\\?", "method": "GET", "status": 200, "body": "[]", "count": 1}'
harbor_fault '{"path_regex": "/projects/lib/repositories\\?", "method": "GET", "status": 500, "count": -1}'
harbor_plan --not-pulled-for 30d --projects lib -o "$T/e500.json" >/dev/null 2>"$T/e500.err"
check_eq "an empty Harbor plans nothing" "0" "$?"
harbor_plan --not-pulled-for 30d --projects lib -o "$T/e500.json" >/dev/null 2>"$T/e500.err"
check_eq "a 500 that stays, after the retries: exit 1, one line" "1:1" "$?:$(grep -c . "$T/e500.err")"
check "... with the status" grep -q "listing the repositories of project 'lib': HTTP 500" "$T/e500.err"
harbor_reset_faults

# no credential anywhere
leaks=$(grep -rl -e "$HARBOR_PASS" "$T" --exclude=fixture.json 2>/dev/null)
check_eq "no password in any plan, report, log or output" "" "$leaks"
B64=$(printf '%s:%s' "$HARBOR_USER" "$HARBOR_PASS" | base64 -w0)
check_eq "... nor its base64" "" "$(grep -rl -e "$B64" "$T" 2>/dev/null)"
finish
