#!/usr/bin/env bash
# Harbor faults and bad input against the double: a wrong password (which
# Harbor answers on /projects with 200 and the public projects only) fails
# in one line instead of planning nothing; no credentials at all is one
# warning and Harbor's anonymous view; a robot account sees its project
# only, and a 403 on a listing fails in one line; a 404 on the projects
# listing, a 500 that stays (bounded retries), a truncated or malformed
# body, a hang past --timeout: each exits 1 with one line and writes no
# plan; a 429 with Retry-After is waited for and retried; bad flags are
# usage errors (exit 2) before any request; an apply with a wrong password
# or a DELETE answering 500 deletes nothing. No credential in any output.
set -u
source "$(dirname "$0")/../lib/harbor.sh"
source "$ROOT/tests/lib/apply.sh"
T=$HARBOR_T
harbor_start --scenario basic || { not_ok "the double starts"; exit 1; }

# fails NAME PATTERN CMD...: exit 1, one line matching PATTERN, no plan;
# usage_fails: the same with exit 2 (a usage error; its "Try ..." hint aside)
fails() { want_exit=1 fails_with "$@"; }
usage_fails() { want_exit=2 fails_with "$@"; }
fails_with() {
	local name=$1 pat=$2 out rc
	shift 2
	rm -f "$T/bad.json"
	out=$("$@" -o "$T/bad.json" 2>&1 >/dev/null)
	rc=$?
	printf '%s\n' "$out" >>"$T/fails.out"
	check_eq "$name: exits $want_exit" "$want_exit" "$rc"
	check_eq "$name: one line" "1" "$(printf '%s\n' "$out" | grep -v '^Try ' | grep -c .)"
	check "$name: says '$pat' ($(head -1 <<<"$out" | head -c 200))" grep -qE -e "$pat" <<<"$out"
	check "$name: no plan written" test ! -e "$T/bad.json"
}
robot_plan() { printf '%s\n' "$HARBOR_ROBOT_PASS" | "$PLAN" --harbor "$HARBOR_URL" --username "$HARBOR_ROBOT" --password-stdin "$@"; }

# --- credentials
: >"$HARBOR_LOG"
fails "wrong password" "HTTP 401|refused the credentials" \
	bash -c 'printf "%s\n" wrong-pw-x | "$0" --harbor "$1" --username "$2" --password-stdin --not-pulled-for 30d' \
	"$PLAN" "$HARBOR_URL" "$HARBOR_USER"
check_eq "... nothing deleted, no DELETE" "0" "$(grep -c '^DELETE' "$HARBOR_LOG")"
# no credentials at all: Harbor's anonymous view (public projects only; the
# basic scenario has none), said in one warning, the scan partial
: >"$HARBOR_LOG"
"$PLAN" --harbor "$HARBOR_URL" --not-pulled-for 30d -o "$T/anon.json" >"$T/anon.out" 2>"$T/anon.err"
check_eq "no credentials: exit 0, one warning line" "0 1" "$? $(grep -c . "$T/anon.err")"
check "... saying only public projects are seen and nothing can be deleted" \
	grep -q "warning: .*no credentials found: only public projects are seen, and nothing can be deleted" "$T/anon.err"
check_eq "... an empty plan (no public project here)" "0 0" \
	"$(/usr/bin/python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); print(len(p["candidates"]), len(p["protected"]))' "$T/anon.json")"
check_eq "... and no private project was listed" "" \
	"$(grep -E '/projects/(lib|ops)/' "$HARBOR_LOG" | grep -v ' 401$')"
RECLAIM_REGISTRY_USERNAME="$HARBOR_USER" RECLAIM_REGISTRY_PASSWORD="$HARBOR_PASS" \
	"$PLAN" --harbor "$HARBOR_URL" --not-pulled-for 30d -q -o "$T/env.json" >/dev/null 2>"$T/env.err"
check_eq "credentials from the environment work" "0 " "$? $(cat "$T/env.err")"
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "${HARBOR_URL#http://}" \
	"$(printf '%s:%s' "$HARBOR_USER" "$HARBOR_PASS" | base64 -w0)" >"$DOCKER_CONFIG/config.json"
"$PLAN" --harbor "$HARBOR_URL" --not-pulled-for 30d -q -o "$T/cfg.json" >/dev/null 2>"$T/cfg.err"
check_eq "... and from the Docker config" "0 " "$? $(cat "$T/cfg.err")"
rm -f "$DOCKER_CONFIG/config.json"

# --- a robot account: its project only; 403 on a listing is one line
: >"$HARBOR_LOG"
robot_plan --not-pulled-for 30d -q -o "$T/robot.json" >/dev/null 2>"$T/robot.err"
check_eq "robot\$ci: the plan succeeds" "0 " "$? $(cat "$T/robot.err")"
check_eq "... it sees lib only (Harbor lists it no other project)" "lib" \
	"$(/usr/bin/python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); print(" ".join(sorted({i["object"].split("/")[0] for i in p["candidates"]+p["protected"]})))' "$T/robot.json")"
# with_fault JSON CMD...: CMD with that fault in place, then none
with_fault() {
	harbor_fault "$1"
	shift
	"$@"
	harbor_reset_faults
}
with_fault '{"path_regex": "/projects/lib/repositories\\?", "status": 403, "count": -1}' \
	fails "403 on lib's repositories" "HTTP 403" robot_plan --not-pulled-for 30d

# --- 404, 500, truncated, malformed
with_fault '{"path_regex": "^/api/v2.0/projects\\?", "status": 404, "count": -1}' \
	fails "404 on /projects (not a Harbor there)" "HTTP 404" harbor_plan --not-pulled-for 30d
: >"$HARBOR_LOG"
with_fault '{"path_regex": "/repositories/multi/artifacts", "status": 500, "count": -1}' \
	fails "500 that stays" "HTTP 500" harbor_plan --not-pulled-for 30d
n500=$(grep -c '/repositories/multi/artifacts.* 500$' "$HARBOR_LOG")
check "... retried a bounded number of times ($n500 requests)" test "$n500" -ge 1 -a "$n500" -le 6
with_fault '{"path_regex": "/repositories/team%252Fapp/artifacts", "truncate": true, "count": -1}' \
	fails "truncated artifact JSON" "malformed|truncated|JSON|parse" harbor_plan --not-pulled-for 30d
with_fault '{"path_regex": "/projects/lib/repositories\\?", "status": 200, "body": "{\"not\": \"a list\"}", "count": -1}' \
	fails "a repositories answer that is no list" "malformed|unexpected|JSON|list|array" harbor_plan --not-pulled-for 30d

# --- 429 with Retry-After: waited for, then the same request again
harbor_fault '{"path_regex": "/repositories/signed/artifacts", "status": 429, "retry_after": 2, "count": 1}'
: >"$HARBOR_LOG"
t0=$SECONDS
harbor_plan --not-pulled-for 30d -q -o "$T/429.json" >/dev/null 2>"$T/429.err"
check_eq "429: the plan succeeds" "0" "$?"
check_eq "... the same listing: 429, then 200" "429 200" \
	"$(grep '/repositories/signed/artifacts' "$HARBOR_LOG" | awk '{print $3}' | tr '\n' ' ' | sed 's/ $//')"
check "... Retry-After 2 honoured (>= 2 s)" test $((SECONDS - t0)) -ge 2

# --- a hang past --timeout
harbor_fault '{"path_regex": "/repositories/multi/artifacts", "hang_seconds": 30, "count": -1}'
t0=$SECONDS
fails "a hang with --timeout 2s" "did not answer|timed out|time" harbor_plan --not-pulled-for 30d --timeout 2s
check "... gives up within 15 s" test $((SECONDS - t0)) -le 15
harbor_reset_faults

# --- bad flags: refused before any request
: >"$HARBOR_LOG"
usage_fails "--harbor ftp://" "harbor|URL|https" "$PLAN" --harbor "ftp://$HARBOR_HOSTPORT" --not-pulled-for 30d
usage_fails "--harbor http:// off loopback" "https|loopback|http://" "$PLAN" --harbor "http://harbor.example" --not-pulled-for 30d
usage_fails "--not-pulled-for bogus" "not-pulled-for|duration" harbor_plan --not-pulled-for 30 days
usage_fails "--harbor-keep-by sideways" "harbor-keep-by" harbor_plan --not-pulled-for 30d --harbor-keep-by sideways
usage_fails "--projects without --harbor" "projects" "$PLAN" --registry "http://$HARBOR_HOSTPORT" --projects lib --keep-last 1
check_eq "... none of them sent a request" "0" "$(grep -c . "$HARBOR_LOG")"

# --- apply: a wrong password and a DELETE answering 500 delete nothing
harbor_plan --not-pulled-for 30d -q -o "$T/plan.json" >/dev/null 2>&1
PD=$(plan_digest "$T/plan.json")
: >"$HARBOR_LOG"
printf '%s\n' wrong-apply-pw | "$APPLY" --username "$HARBOR_USER" --password-stdin --approve "$PD" \
	--report "$T/bad-apply.report.json" --journal "$T/bad-apply.journal" "$T/plan.json" \
	>"$T/bad-apply.out" 2>"$T/bad-apply.err"
rc=$?
check "apply with a wrong password fails (exit $rc)" test "$rc" -ne 0
check_eq "... and deletes nothing" "0" "$(grep -c '^DELETE .* 200$' "$HARBOR_LOG")"
before=$(harbor_digests)
harbor_fault '{"path_regex": "/artifacts/", "method": "DELETE", "status": 500, "count": -1}'
: >"$HARBOR_LOG"
harbor_apply --approve "$PD" --fail-fast --report "$T/500.report.json" --journal "$T/500.journal" \
	"$T/plan.json" >"$T/500.out" 2>&1
check_eq "DELETE answering 500: exit 3" "3" "$?"
check_eq "... nothing deleted" "$before" "$(harbor_digests)"
check "... the report says failed, with the 500" grep -q "HTTP 500" <<<"$(/usr/bin/python3 -c 'import json,sys; print("\n".join(i["reason"] for i in json.load(open(sys.argv[1]))["items"] if i["outcome"] == "failed"))' "$T/500.report.json")"
harbor_reset_faults

B64=$(printf '%s:%s' "$HARBOR_USER" "$HARBOR_PASS" | base64 -w0)
check_eq "no password (nor its base64) in any plan, report, journal, log or output" "" \
	"$(grep -rl -e "$HARBOR_PASS" -e "$B64" -e wrong-pw-x -e wrong-apply-pw "$T" --exclude=fixture.json)"
finish
