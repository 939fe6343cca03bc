#!/usr/bin/env bash
# The Harbor double itself (tests/fakes/harbor), with curl only (no C code):
# auth as Harbor does it (anonymous sees public projects only, 401 where a
# private project is needed, 403 for a robot outside its projects), the
# pagination (X-Total-Count, Link walked to its end), the double encoding of
# a repository name with '/' (single or raw fails as behind Harbor's nginx),
# which artifacts the list shows (no index child, no accessory), DELETE of a
# tag and of an artifact (with its tags, accessories, unreferenced children),
# 412 for an immutable tag and for a referenced child, the GC endpoints,
# faults (429 + Retry-After, 500, hang, truncated), the /_fake/ pull and
# push controls, and HTTPS. The request log holds one "METHOD PATH STATUS"
# line per API request and never a password.
set -u
source "$(dirname "$0")/../lib/harbor.sh"
T=$HARBOR_T
harbor_start --scenario basic || { not_ok "the double starts"; exit 1; }
A=$HARBOR_URL/api/v2.0
ADMIN="$HARBOR_USER:$HARBOR_PASS"
ROBOT="$HARBOR_ROBOT:$HARBOR_ROBOT_PASS"
APP=lib/repositories/team%252Fapp

# req [CURL-ARGS...] URL: status code on stdout; body in $T/b, headers in $T/h
req() { harbor_curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' "$@"; }
hdr() { grep -i "^$1:" "$T/h" | sed 's/^[^:]*: *//; s/\r$//'; }
# js EXPR [FILE]: a Python expression over d, the JSON body
js() { /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[2])); r=eval(sys.argv[1]); print(r if isinstance(r,str) else json.dumps(r))' "$1" "${2:-$T/b}"; }
D() { harbor_digest "$1"; }
errs() { js '"%s %s" % (d["errors"][0]["code"], d["errors"][0]["message"])'; }

# --- systeminfo needs no auth; anonymous sees no private project
check_eq "GET /systeminfo without credentials: 200" "200" "$(req "$A/systeminfo")"
check_eq "GET /projects anonymous: 200 and no private project (as Harbor)" "200 0 []" \
	"$(req "$A/projects") $(hdr X-Total-Count) $(cat "$T/b")"
check_eq "GET /projects with a wrong password: the same (Harbor treats it as anonymous)" "200 []" \
	"$(req -u "admin:wrong-$HARBOR_PASS" "$A/projects") $(cat "$T/b")"
check_eq "GET /projects as admin: lib and ops" "200 2 [\"lib\", \"ops\"]" \
	"$(req -u "$ADMIN" "$A/projects") $(hdr X-Total-Count) $(js '[p["name"] for p in d]')"
check_eq "GET /users/current anonymous: 401 UNAUTHORIZED" "401 UNAUTHORIZED unauthorized" \
	"$(req -u "admin:wrong" "$A/users/current") $(errs)"
check_eq "GET /users/current as admin: 200, who" "200 admin" \
	"$(req -u "$ADMIN" "$A/users/current") $(js 'd["username"]')"
check_eq "GET /users/current as the robot: 412 PRECONDITION (authenticated, no local user)" "412 PRECONDITION" \
	"$(req -u "$ROBOT" "$A/users/current") $(js 'd["errors"][0]["code"]')"

# --- 401 on a private project, exactly Harbor's body, no WWW-Authenticate
check_eq "repositories of a private project, no credentials: 401" "401" "$(req "$A/projects/lib/repositories")"
check_eq "... Harbor's error body, one line" '{"errors": [{"code": "UNAUTHORIZED", "message": "unauthorized"}]}' \
	"$(cat "$T/b")"
check_eq "... JSON content type, no WWW-Authenticate (Harbor's API sends none)" \
	"application/json; charset=utf-8|" "$(hdr Content-Type)|$(hdr WWW-Authenticate)"
check_eq "artifacts with a wrong password: 401" "401 UNAUTHORIZED" \
	"$(req -u "admin:nope" "$A/projects/$APP/artifacts") $(js 'd["errors"][0]["code"]')"

# --- the robot account: its project yes, another no
check_eq "robot: GET /projects lists its project only" '200 ["lib"]' \
	"$(req -u "$ROBOT" "$A/projects") $(js '[p["name"] for p in d]')"
check_eq "robot: lib's repositories: 200, names with the project" '200 ["lib/signed", "lib/multi", "lib/team/app"]' \
	"$(req -u "$ROBOT" "$A/projects/lib/repositories") $(js '[r["name"] for r in d]')"
check_eq "robot: ops's repositories: 403 FORBIDDEN" "403 FORBIDDEN forbidden" \
	"$(req -u "$ROBOT" "$A/projects/ops/repositories") $(errs)"
check_eq "robot: DELETE in ops: 403" "403" \
	"$(req -u "$ROBOT" -X DELETE "$A/projects/ops/repositories/tools/artifacts/t-1")"
check_eq "... and t-1 is still there" "1" "$(harbor_tags | grep -c '^ops/tools:t-1 ')"
check_eq "robot: an unknown project: 403; admin: 404 NOT_FOUND" "403 404" \
	"$(req -u "$ROBOT" "$A/projects/nope/repositories") $(req -u "$ADMIN" "$A/projects/nope/repositories")"

# --- pagination: walk Link rel="next" to its end
check_eq "team/app, page_size=2: 200, X-Total-Count 6, 2 items" "200 6 2" \
	"$(req -u "$ADMIN" "$A/projects/$APP/artifacts?page_size=2&with_tag=true") $(hdr X-Total-Count) $(js 'len(d)')"
check_eq "... Link: the same path (still double-encoded), next page, query sorted" \
	"</api/v2.0/projects/lib/repositories/team%252Fapp/artifacts?page=2&page_size=2&with_tag=true>; rel=\"next\"" "$(hdr Link)"
url="/api/v2.0/projects/$APP/artifacts?page_size=2&with_tag=true"
pages=0
: >"$T/walk"
while [ -n "$url" ] && [ "$pages" -lt 10 ]; do
	req -u "$ADMIN" "$HARBOR_URL$url" >/dev/null
	pages=$((pages + 1))
	js '"\n".join(a["digest"] for a in d)' >>"$T/walk"
	[ "$pages" = 2 ] && link2=$(hdr Link)
	url=$(hdr Link | /usr/bin/python3 -c 'import re,sys; m=re.search(r"<([^>]*)>; rel=\"next\"", sys.stdin.read()); print(m.group(1) if m else "")')
done
check_eq "... the walk ends after 3 pages with 6 distinct artifacts" "3 6 6" \
	"$pages $(grep -c . "$T/walk") $(sort -u "$T/walk" | grep -c .)"
check_eq "... page 2 links prev and next, joined by ' , ' as Harbor does" \
	"</api/v2.0/projects/lib/repositories/team%252Fapp/artifacts?page=1&page_size=2&with_tag=true>; rel=\"prev\" , </api/v2.0/projects/lib/repositories/team%252Fapp/artifacts?page=3&page_size=2&with_tag=true>; rel=\"next\"" \
	"$link2"
check_eq "... newest push first (Harbor's default sort)" \
	"$(D app-new) $(D app-rc) $(D app-untagged) $(D app-pulled) $(D app-old) $(D app-frozen)" \
	"$(tr '\n' ' ' <"$T/walk" | sed 's/ $//')"
check_eq "page_size=100: one page, no Link" "200 6 ||" \
	"$(req -u "$ADMIN" "$A/projects/$APP/artifacts?page_size=100") $(js 'len(d)') |$(hdr Link)|"
check_eq "page_size=101: 422 (swagger maximum 100)" "422" \
	"$(req -u "$ADMIN" "$A/projects/$APP/artifacts?page_size=101")"
check_eq "page_size=0: everything, no Link (no LIMIT in Harbor's orm)" "200 6 ||" \
	"$(req -u "$ADMIN" "$A/projects/$APP/artifacts?page_size=0") $(js 'len(d)') |$(hdr Link)|"
check_eq "page_size=x or with_tag=maybe: 422" "422 422 UNPROCESSABLE_ENTITY" \
	"$(req -u "$ADMIN" "$A/projects/$APP/artifacts?page_size=x") $(req -u "$ADMIN" "$A/projects/$APP/artifacts?with_tag=maybe") $(js 'd["errors"][0]["code"]')"
check_eq "GET /projects?name=p: a fuzzy match (ops)" '["ops"]' \
	"$(req -u "$ADMIN" "$A/projects?name=p" >/dev/null; js '[p["name"] for p in d]')"
check_eq "page past the end: 200, [] and only a prev-less empty page" "200 [] 6" \
	"$(req -u "$ADMIN" "$A/projects/$APP/artifacts?page=9&page_size=2") $(cat "$T/b") $(hdr X-Total-Count)"

# --- double encoding
check_eq "team%2Fapp (encoded once): 404, no route, as behind Harbor's nginx" \
	"404 NOT_FOUND path /api/v2.0/projects/lib/repositories/team%2Fapp/artifacts was not found" \
	"$(req -u "$ADMIN" "$A/projects/lib/repositories/team%2Fapp/artifacts") $(errs)"
check_eq "team/app raw: 404" "404" "$(req -u "$ADMIN" "$A/projects/lib/repositories/team/app/artifacts")"
check_eq "an unknown repository lists empty (Harbor does not check it)" "200 0 []" \
	"$(req -u "$ADMIN" "$A/projects/lib/repositories/team%252Fnope/artifacts") $(hdr X-Total-Count) $(cat "$T/b")"

# --- what the list shows
check_eq "a tag's immutable shows only with with_immutable_status=true" "false true" \
	"$(req -u "$ADMIN" "$A/projects/$APP/artifacts/release-1" >/dev/null; js 'd["tags"][0]["immutable"]') $(req -u "$ADMIN" "$A/projects/$APP/artifacts/release-1?with_immutable_status=true" >/dev/null; js 'd["tags"][0]["immutable"]')"
check_eq "the untagged artifact: listed, tags null, pull_time zero" "null 0001-01-01T00:00:00.000Z" \
	"$(req -u "$ADMIN" "$A/projects/$APP/artifacts?page_size=100" >/dev/null; js "[a for a in d if a['digest'] == '$(D app-untagged)'][0]['tags']") $(js "[a for a in d if a['digest'] == '$(D app-untagged)'][0]['pull_time']")"
check_eq "multi: only the index is listed, with its 2 references" \
	"1 $(D multi-index) $(D multi-amd64) $(D multi-arm64)" \
	"$(req -u "$ADMIN" "$A/projects/lib/repositories/multi/artifacts" >/dev/null; js 'len(d)') $(js 'd[0]["digest"]') $(js '" ".join(r["child_digest"] for r in d[0]["references"])')"
check_eq "... q=base=* lists the children too" "3" \
	"$(req -u "$ADMIN" "$A/projects/lib/repositories/multi/artifacts?q=base%3D*" >/dev/null; js 'len(d)')"
check_eq "signed: only the subject is listed; its accessory is inside it" \
	"1 signature.cosign $(D signed-1-sig) $(D signed-1)" \
	"$(req -u "$ADMIN" "$A/projects/lib/repositories/signed/artifacts" >/dev/null; js 'len(d)') $(js 'd[0]["accessories"][0]["type"]') $(js 'd[0]["accessories"][0]["digest"]') $(js 'd[0]["accessories"][0]["subject_artifact_digest"]')"
check_eq "the accessory is an artifact of its own (GET by digest)" "200 SIGNATURE" \
	"$(req -u "$ADMIN" "$A/projects/lib/repositories/signed/artifacts/$(D signed-1-sig)") $(js 'd["type"]')"

# --- DELETE of a tag: the artifact and its other tag stay
check_eq "DELETE tag rc-2: 200" "200" \
	"$(req -u "$ADMIN" -X DELETE "$A/projects/$APP/artifacts/$(D app-rc)/tags/rc-2")"
check_eq "... the artifact keeps stable" "lib/team/app:stable $(D app-rc)" \
	"$(harbor_tags | grep " $(D app-rc)$")"
check "... the same again: 404 NOT_FOUND 'tag rc-2 attached to artifact N not found'" \
	grep -qE '^404 NOT_FOUND tag rc-2 attached to artifact [0-9]+ not found$' \
	<<<"$(req -u "$ADMIN" -X DELETE "$A/projects/$APP/artifacts/$(D app-rc)/tags/rc-2") $(errs)"

# --- DELETE of an artifact: its tags go with it
check_eq "DELETE artifact app-old (by digest): 200, empty body" "200 0" \
	"$(req -u "$ADMIN" -X DELETE "$A/projects/$APP/artifacts/$(D app-old)") $(stat -c %s "$T/b")"
check_eq "... gone with its tag 1.0" "0 0" \
	"$(harbor_digests | grep -c "$(D app-old)") $(harbor_tags | grep -c ':1.0 ')"
check_eq "... GET and DELETE again: 404 'artifact lib/team/app@D not found'" \
	"404 404 NOT_FOUND artifact lib/team/app@$(D app-old) not found" \
	"$(req -u "$ADMIN" "$A/projects/$APP/artifacts/$(D app-old)") $(req -u "$ADMIN" -X DELETE "$A/projects/$APP/artifacts/$(D app-old)") $(errs)"
check_eq "DELETE by an unknown tag: 404 'artifact lib/team/app:nope not found'" \
	"404 NOT_FOUND artifact lib/team/app:nope not found" \
	"$(req -u "$ADMIN" -X DELETE "$A/projects/$APP/artifacts/nope") $(errs)"

# --- 412 for immutable tags
check_eq "DELETE the immutable tag release-1: 412 PRECONDITION" \
	"412 PRECONDITION the tag release-1 configured as immutable, cannot be deleted" \
	"$(req -u "$ADMIN" -X DELETE "$A/projects/$APP/artifacts/$(D app-frozen)/tags/release-1") $(errs)"
check_eq "DELETE its artifact: 412 too" "412 PRECONDITION" \
	"$(req -u "$ADMIN" -X DELETE "$A/projects/$APP/artifacts/$(D app-frozen)") $(js 'd["errors"][0]["code"]')"
check_eq "... and both are still there" "lib/team/app:release-1 $(D app-frozen)" \
	"$(harbor_tags | grep ':release-1 ')"

# --- index: a referenced child refuses; the index takes its children
check_eq "DELETE a child still referenced: 412 VIOLATE_FOREIGN_KEY_CONSTRAINT" \
	"412 VIOLATE_FOREIGN_KEY_CONSTRAINT the deleting artifact is referenced by others" \
	"$(req -u "$ADMIN" -X DELETE "$A/projects/lib/repositories/multi/artifacts/$(D multi-arm64)") $(errs)"
check_eq "DELETE the index by its tag: 200" "200" \
	"$(req -u "$ADMIN" -X DELETE "$A/projects/lib/repositories/multi/artifacts/multi-1")"
check_eq "... its untagged children went with it" "" "$(harbor_digests | grep '^lib/multi@')"

# --- accessory follows its subject
check_eq "DELETE the signed subject: 200, and its signature is gone too" "200 " \
	"$(req -u "$ADMIN" -X DELETE "$A/projects/lib/repositories/signed/artifacts/s-1") $(harbor_digests | grep '^lib/signed@')"

# --- /_fake/pull and /_fake/push
pt() { req -u "$ADMIN" "$A/projects/$APP/artifacts/$1" >/dev/null; js "$2"; }
check_eq "app-new never pulled" "0001-01-01T00:00:00.000Z" "$(pt latest 'd["pull_time"]')"
harbor_pull lib team/app latest
check_eq "pull by tag: artifact and tag pull_time now, equal" "yes yes" \
	"$(pt latest 'str(d["pull_time"][:4] == "'"$(date -u +%Y)"'" and d["pull_time"] == d["tags"][0]["pull_time"]).replace("True","yes")') $(pt latest 'str(d["pull_time"] > d["push_time"]).replace("True","yes")')"
before=$(pt stable 'd["tags"][0]["pull_time"]')
harbor_pull lib team/app "$(D app-rc)"
check_eq "pull by digest: the artifact's pull_time moves, its tag's does not" "moved $before" \
	"$(pt stable '"moved" if d["pull_time"] != "0001-01-01T00:00:00.000Z" else "no"') $(pt stable 'd["tags"][0]["pull_time"]')"
check "pull of an unknown reference: the control fails" test "$(harbor_curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"project":"lib","repo":"team/app","reference":"nope"}' "$HARBOR_URL/_fake/pull")" = 404
harbor_push lib team/app v9 "$(D pushed-9)" 4242
check_eq "push of a new digest: the artifact and its tag appear, newest first" "$(D pushed-9) 4242 v9 0001-01-01T00:00:00.000Z" \
	"$(req -u "$ADMIN" "$A/projects/$APP/artifacts" >/dev/null; js '" ".join([d[0]["digest"], str(d[0]["size"]), d[0]["tags"][0]["name"], d[0]["pull_time"]])')"
harbor_pull lib team/app stable
harbor_push lib team/app stable "$(D pushed-9)"
check_eq "push moves a tag: stable now on the new digest, its pull time kept" "lib/team/app:stable $(D pushed-9) yes" \
	"$(harbor_tags | grep ':stable ') $(pt stable '"yes" if [t for t in d["tags"] if t["name"] == "stable"][0]["pull_time"] != "0001-01-01T00:00:00.000Z" else "no"')"
check_eq "... the old artifact is now untagged but still listed" "null" "$(pt "$(D app-rc)" 'd["tags"]')"
check "push cannot move an immutable tag (412)" test "$(harbor_curl -s -o /dev/null -w '%{http_code}' -X POST -d "{\"project\":\"lib\",\"repo\":\"team/app\",\"tag\":\"release-1\",\"digest\":\"$(D pushed-9)\"}" "$HARBOR_URL/_fake/push")" = 412

harbor_immutable lib team/app v9
check_eq "/_fake/immutable: v9 now refuses deletion (412)" "412 PRECONDITION" \
	"$(req -u "$ADMIN" -X DELETE "$A/projects/$APP/artifacts/$(D pushed-9)/tags/v9") $(js 'd["errors"][0]["code"]')"
harbor_immutable lib team/app v9 false
check_eq "... and false lifts it" "200" "$(req -u "$ADMIN" -X DELETE "$A/projects/$APP/artifacts/$(D pushed-9)/tags/v9")"

# --- GC
check_eq "POST /system/gc/schedule Manual: 201, Location /api/v2.0/system/gc/7 (gc_id_start)" \
	"201 /api/v2.0/system/gc/7" \
	"$(req -u "$ADMIN" -X POST -H 'Content-Type: application/json' -d '{"schedule":{"type":"Manual"},"parameters":{"delete_untagged":false,"workers":1}}' "$A/system/gc/schedule") $(hdr Location)"
check_eq "GET /system/gc/7: 200, id 7, MANUAL, its parameters" '200 7 MANUAL {"delete_untagged": false, "workers": 1}' \
	"$(req -u "$ADMIN" "$A/system/gc/7") $(js 'd["id"]') $(js 'd["job_kind"]') $(js 'd["job_parameters"]')"
check_eq "the next run is 8; GET of an unknown run: 404" "201 /api/v2.0/system/gc/8 404" \
	"$(req -u "$ADMIN" -X POST -d '{"schedule":{"type":"Manual"}}' "$A/system/gc/schedule") $(hdr Location) $(req -u "$ADMIN" "$A/system/gc/99")"
check_eq "GC as the robot: 403; anonymous: 401; no schedule type: 400" "403 401 400" \
	"$(req -u "$ROBOT" -X POST -d '{"schedule":{"type":"Manual"}}' "$A/system/gc/schedule") $(req -X POST -d '{"schedule":{"type":"Manual"}}' "$A/system/gc/schedule") $(req -u "$ADMIN" -X POST -d '{}' "$A/system/gc/schedule")"

# --- faults
harbor_fault '{"path_regex": "/repositories/multi/artifacts", "status": 429, "retry_after": 3, "count": 1}'
check_eq "429 fault: 429, Retry-After 3, TOO_MANY_REQUEST" "429 3 TOO_MANY_REQUEST" \
	"$(req -u "$ADMIN" "$A/projects/lib/repositories/multi/artifacts") $(hdr Retry-After) $(js 'd["errors"][0]["code"]')"
check_eq "... count 1: the next request passes" "200" "$(req -u "$ADMIN" "$A/projects/lib/repositories/multi/artifacts")"
harbor_fault '{"path_regex": "team%252Fapp/artifacts\\?", "method": "GET", "status": 500, "count": 2}'
check_eq "500 fault, count 2: another path unaffected; 500 500 then 200" "200 500 UNKNOWN 500 200" \
	"$(req -u "$ADMIN" "$A/projects/lib/repositories/multi/artifacts") $(req -u "$ADMIN" "$A/projects/$APP/artifacts?page=1") $(js 'd["errors"][0]["code"]') $(req -u "$ADMIN" "$A/projects/$APP/artifacts?page=1") $(req -u "$ADMIN" "$A/projects/$APP/artifacts?page=1")"
harbor_fault '{"path_regex": "/artifacts/latest", "method": "DELETE", "status": 500, "count": -1}'
check_eq "a DELETE-only fault: GET passes, DELETE 500 twice, nothing deleted" "200 500 500 1" \
	"$(req -u "$ADMIN" "$A/projects/$APP/artifacts/latest") $(req -u "$ADMIN" -X DELETE "$A/projects/$APP/artifacts/latest") $(req -u "$ADMIN" -X DELETE "$A/projects/$APP/artifacts/latest") $(harbor_tags | grep -c ':latest ')"
harbor_reset_faults
check_eq "reset-faults: DELETE passes again" "200" "$(req -u "$ADMIN" -X DELETE "$A/projects/$APP/artifacts/latest")"
harbor_fault '{"path_regex": "/projects/lib/repositories\\?", "hang_seconds": 3, "count": 1}'
t0=$SECONDS
harbor_curl -s -o /dev/null --max-time 1 -u "$ADMIN" "$A/projects/lib/repositories?page=1"
check_eq "hang fault: a 1 s client timeout fires (curl 28)" "28" "$?"
check "... within about a second" test $((SECONDS - t0)) -le 2
harbor_fault '{"path_regex": "/projects/lib/repositories", "truncate": true, "count": 1}'
check_eq "truncate fault: 200 with JSON cut short" "200 bad" \
	"$(req -u "$ADMIN" "$A/projects/lib/repositories") $(/usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/b" 2>/dev/null && echo good || echo bad)"
harbor_fault '{"path_regex": "/projects$", "status": 200, "body": "[{\"name\": ", "count": 1}'
check_eq "body fault: the given body verbatim" '200 [{"name": ' "$(req -u "$ADMIN" "$A/projects") $(cat "$T/b")"

# --- HTTPS with --tls-cert/--tls-key (a second double, its own CA)
C=$T/pki
harbor_pki "$C"
check_eq "openssl makes a CA and a server certificate" "0" "$?"
/usr/bin/python3 "$ROOT/tests/fakes/harbor/harbor.py" --fixture "$T/fixture.json" --port-file "$T/tls.port" \
	--log "$T/tls.log" --tls-cert "$C/srv.pem" --tls-key "$C/srv.key" >"$T/tls.out" 2>&1 &
TLS_PID=$!
for _ in $(seq 1 100); do [ -s "$T/tls.port" ] && break; sleep 0.05; done
TLS_URL="https://127.0.0.1:$(cat "$T/tls.port")"
check_eq "HTTPS: trusted through its CA, the API answers" "200" \
	"$(curl -s -o /dev/null -w '%{http_code}' --cacert "$C/ca.pem" -u "$ADMIN" "$TLS_URL/api/v2.0/projects")"
curl -s -o /dev/null "$TLS_URL/api/v2.0/systeminfo"
check_eq "... an unverified certificate fails the handshake (curl 60)" "60" "$?"
curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$(cat "$T/tls.port")/api/v2.0/systeminfo"
check "... plain HTTP to it gets no answer" test "$?" -ne 0
kill "$TLS_PID"
wait "$TLS_PID" 2>/dev/null
check_eq "... and only the answered request is logged" "GET /api/v2.0/projects 200" "$(cat "$T/tls.log")"

harbor_fault '{"path_regex": "/projects\\?page=1", "headers": {"Link": "</api/v2.0/projects?page=1&page_size=1>; rel=\"next\"", "X-Total-Count": "99"}, "count": 1}'
check_eq "headers fault: the real answer with the given Link and X-Total-Count" \
	'200 ["lib"] </api/v2.0/projects?page=1&page_size=1>; rel="next" 99' \
	"$(req -u "$ADMIN" "$A/projects?page=1&page_size=1") $(js '[p["name"] for p in d]') $(hdr Link) $(hdr X-Total-Count)"

# --- the request log
check "the log has one 'METHOD PATH STATUS' line per API request" \
	test -z "$(grep -vE '^(GET|POST|DELETE|PUT|HEAD) /api/v2\.0/[^ ]* [0-9]{3}$' "$HARBOR_LOG")"
check "... the path as received (still double-encoded)" grep -q "^GET /api/v2.0/projects/$APP/artifacts?page_size=2&with_tag=true 200$" "$HARBOR_LOG"
check_eq "... no /_fake/ request" "0" "$(grep -c '_fake' "$HARBOR_LOG")"
check_eq "... no password in it" "" "$(grep -e "$HARBOR_PASS" "$HARBOR_LOG")"
finish
