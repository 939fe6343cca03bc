#!/usr/bin/env bash
# reclaim-plan --harbor against the Harbor double (tests/fakes/harbor, the
# basic scenario): an old never-pulled artifact is a candidate with its tag;
# one pulled recently though old is kept; an immutable tag is protected; an
# index goes whole (its children are never items of their own: Harbor
# deletes them with it); an accessory follows its subject, and stays when
# its subject stays; --match-tags makes one tag of two a tag-level
# candidate; an untagged artifact needs --untagged; a repository name with
# '/' is requested double-encoded and matched by --repos as "project/repo";
# --projects narrows the projects; --harbor-keep-by pull ranks by pull time.
# The scan reads listings only (no per-artifact GET).
set -u
source "$(dirname "$0")/../lib/harbor.sh"
source "$ROOT/tests/lib/apply.sh"
T=$HARBOR_T
harbor_start --scenario basic || { not_ok "the double starts"; exit 1; }
D() { harbor_digest "$1"; }

# items FILE: "bucket kind object rule" per item, sorted
items() {
	/usr/bin/python3 - "$1" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
out = []
for b in ("candidates", "protected"):
    for it in p[b]:
        out.append("%s %s %s %s" % (b[:4], it["kind"], it["object"], it["rule"]))
print("\n".join(sorted(out)))
PY
}
# reason FILE OBJECT: the reason of the item with that object
reason() {
	/usr/bin/python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
print("\n".join(it["reason"] for it in p["candidates"] + p["protected"] if it["object"] == sys.argv[2]))' "$1" "$2"
}
has() { grep -qxF "$2" <<<"$(items "$1")"; }
hasnt() { ! grep -qF " $2 " <<<"$(items "$1" | grep '^cand ') "; }

harbor_plan --not-pulled-for 30d -o "$T/p.json" >"$T/p.out" 2>"$T/p.err"
check_eq "--not-pulled-for 30d: the plan succeeds, nothing on stderr" "0 " "$? $(cat "$T/p.err")"
check "... and validates against the schema" schema_valid "$T/p.json"
check_eq "... its source is a harbor, identified by its URL" "harbor $HARBOR_URL" \
	"$(/usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["sources"][0]; print(s["type"], s["identity"]["url"])' "$T/p.json")"
check "never pulled and old: the artifact is a candidate" has "$T/p.json" "cand manifest lib/team/app@$(D app-old) registry-tags"
check "... with its tag" grep -q "^cand tag lib/team/app:1.0 " <<<"$(items "$T/p.json")"
check "... its reason says how long it was not pulled" grep -q "not pulled for 400d > 30d" <<<"$(reason "$T/p.json" lib/team/app:1.0)"
check "pulled 2 days ago though pushed 300 days ago: kept" grep -q "^prot tag lib/team/app:1.1 " <<<"$(items "$T/p.json")"
check "... the reason says when it was pulled" grep -q "pulled 2d ago" <<<"$(reason "$T/p.json" lib/team/app:1.1)"
check "... and its artifact is kept" grep -q "^prot manifest lib/team/app@$(D app-pulled) " <<<"$(items "$T/p.json")"
check "an immutable tag is protected by default" has "$T/p.json" "prot tag lib/team/app:release-1 immutable"
check "... with why" grep -q "immutable tag (Harbor tag immutability rule)" <<<"$(reason "$T/p.json" lib/team/app:release-1)"
check "... and its artifact is not a candidate" hasnt "$T/p.json" "lib/team/app@$(D app-frozen)"
check "an index: a candidate with its tag" has "$T/p.json" "cand manifest lib/multi@$(D multi-index) registry-tags"
check_eq "... its children are no items (Harbor deletes them with it)" "" \
	"$(items "$T/p.json" | grep -e "$(D multi-amd64)" -e "$(D multi-arm64)")"
check "a signed subject: a candidate" has "$T/p.json" "cand manifest lib/signed@$(D signed-1) registry-tags"
check "... its cosign signature follows it" grep -q "^cand manifest lib/signed@$(D signed-1-sig) " <<<"$(items "$T/p.json")"
check "... saying whose accessory it is" grep -q "accessory of manifest 'lib/signed@sha256:" <<<"$(reason "$T/p.json" "lib/signed@$(D signed-1-sig)")"
check "the untagged artifact is protected without --untagged" grep -q "^prot manifest lib/team/app@$(D app-untagged) " <<<"$(items "$T/p.json")"
check "recently pushed, never pulled (latest): kept, its age counts from push" \
	grep -q "^prot tag lib/team/app:latest " <<<"$(items "$T/p.json")"
check "the summary says the space returns after Harbor's GC" grep -q "Harbor frees space only when its garbage collection runs" "$T/p.out"
check_eq "the scan reads listings only: no per-artifact GET, no DELETE" "" \
	"$(grep -vE '^GET /api/v2\.0/(projects|projects/[^/]+/repositories|projects/[^/]+/repositories/[^/]+/artifacts)\?[^ ]* 200$' "$HARBOR_LOG" | grep -v '^GET /api/v2.0/\(users/current\|systeminfo\) ')"
check "'team/app' is requested double-encoded" grep -q '^GET /api/v2.0/projects/lib/repositories/team%252Fapp/artifacts?' "$HARBOR_LOG"
check "... with tags, accessories and the immutable status" \
	grep -qE '^GET /api/v2.0/projects/lib/repositories/team%252Fapp/artifacts\?.*with_immutable_status=true' "$HARBOR_LOG"

# --untagged selects the untagged artifact
harbor_plan --not-pulled-for 30d --untagged -q -o "$T/u.json" >/dev/null 2>&1
check "--untagged: the untagged old artifact is a candidate" \
	grep -q "^cand manifest lib/team/app@$(D app-untagged) " <<<"$(items "$T/u.json")"

# tag level versus artifact level: --match-tags (a regex) picks one tag of two
harbor_plan --not-pulled-for 30d --match-tags 'rc-.*' -q -o "$T/m.json" >/dev/null 2>&1
check_eq "--match-tags 'rc-.*': the plan succeeds" "0" "$?"
check "... rc-2 is a tag candidate" has "$T/m.json" "cand tag lib/team/app:rc-2 registry-tags"
check "... its artifact is no candidate: it keeps 'stable'" hasnt "$T/m.json" "lib/team/app@$(D app-rc)"
check "... and 1.0 is not matched" hasnt "$T/m.json" "lib/team/app:1.0"
check_eq "without --match-tags both tags go, so the artifact goes" "cand manifest lib/team/app@$(D app-rc) registry-tags" \
	"$(items "$T/p.json" | grep "@$(D app-rc) ")"

# a '/' in the repository name: --repos matches "project/repo"
: >"$HARBOR_LOG"
harbor_plan --not-pulled-for 30d --repos 'lib/team/*' -q -o "$T/r.json" >/dev/null 2>&1
check_eq "--repos 'lib/team/*': the plan succeeds" "0" "$?"
check_eq "... only team/app's artifacts are listed" "lib/repositories/team%252Fapp" \
	"$(grep -o '^GET /api/v2.0/projects/[^?]*/artifacts' "$HARBOR_LOG" | sed 's|^GET /api/v2.0/projects/||; s|/artifacts$||' | sort -u)"
check_eq "... and only its objects are in the plan" "" \
	"$(items "$T/r.json" | awk '{print $3}' | grep -v '^lib/team/app[:@]')"
: >"$HARBOR_LOG"
harbor_plan --not-pulled-for 30d --projects 'o*' -q -o "$T/o.json" >/dev/null 2>&1
check_eq "--projects 'o*': only ops is read" "0 ops" \
	"$? $(grep -o '^GET /api/v2.0/projects/[^/]*/' "$HARBOR_LOG" | cut -d/ -f5 | sort -u | tr '\n' ' ' | sed 's/ $//')"
check_eq "... its one artifact and tag are candidates" "cand manifest ops/tools@$(D tools-1) registry-tags
cand tag ops/tools:t-1 registry-tags" "$(items "$T/o.json")"

# an accessory stays when its subject stays (the subject pulled)
harbor_pull lib signed s-1
harbor_plan --not-pulled-for 30d --repos 'lib/signed' -q -o "$T/s.json" >/dev/null 2>&1
check_eq "subject pulled just now: neither it nor its signature is a candidate" "0" \
	"$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["candidates"]))' "$T/s.json")"

# keep-last ranked by push (default) or by pull: 1.1 pulled now (latest was
# pushed a day ago and never pulled: its pull rank counts from that push)
harbor_pull lib team/app 1.1
harbor_plan --keep-last 1 --min-age 0 --repos 'lib/team/app' -q -o "$T/kpush.json" >/dev/null 2>&1
harbor_plan --keep-last 1 --min-age 0 --harbor-keep-by pull --repos 'lib/team/app' -q -o "$T/kpull.json" >/dev/null 2>&1
check "--keep-last 1 by push: 'latest' (pushed 1 day ago) is kept, 1.1 goes" \
	/usr/bin/python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
c = {i["object"] for i in p["candidates"]}
sys.exit(0 if "lib/team/app:1.1" in c and "lib/team/app:latest" not in c else 1)' "$T/kpush.json"
check "--harbor-keep-by pull: 1.1 (pulled just now) is kept, 'latest' (never pulled, pushed a day ago) goes" \
	/usr/bin/python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
c = {i["object"] for i in p["candidates"]}
sys.exit(0 if "lib/team/app:latest" in c and "lib/team/app:1.1" not in c else 1)' "$T/kpull.json"

# the policy-file forms
cat >"$T/pol.json" <<'JSON'
{"version": 1, "sources": {"harbor": {"keep_by": "pull"}},
 "rules": [{"name": "stale", "kinds": ["tag"], "not_pulled_for": "30d"}]}
JSON
harbor_plan --policy "$T/pol.json" -q -o "$T/pol.plan.json" >/dev/null 2>"$T/pol.err"
check_eq "a policy file with not_pulled_for and sources.harbor.keep_by: the plan succeeds" "0 " "$? $(cat "$T/pol.err")"
check "... 1.0 is a candidate under the rule 'stale'" grep -q "^cand tag lib/team/app:1.0 stale$" <<<"$(items "$T/pol.plan.json")"
check "... 1.1 is not" hasnt "$T/pol.plan.json" "lib/team/app:1.1"

check_eq "no password in any plan, output or log" "" "$(grep -rl -e "$HARBOR_PASS" "$T" --exclude=fixture.json)"
finish
