#!/usr/bin/env bash
# Faults between reclaim and a real docker-registry (anonymous set-up):
# tests/fake/fault_proxy.py sits in front of it and injects, by rule, 429
# with Retry-After, 5xx answers, connection resets and slow answers. The
# plan and the apply reach the registry only through the proxy (the plan
# names the proxy's URL).
#
#   plan, transient faults   : completes, the same plan as without faults;
#                              Retry-After is waited for
#   plan, lasting faults     : exit 1, one error line, no plan file written;
#                              a 500 is retried a bounded number of times, a
#                              request that timed out (--timeout) not at all
#   apply, faults per item   : a re-check that cannot be made is `failed`
#                              and nothing is deleted for it; a failed index
#                              delete keeps its children, a failed image
#                              delete its signature; a reset after the
#                              registry acted is already-absent on the retry
#   rerun without faults     : completes what failed
set -u
source "$(dirname "$0")/../lib/registry.sh"
PLAN="$ROOT/$BUILD/reclaim-plan"
APPLY="$ROOT/$BUILD/reclaim-apply"

head_ref() { "$REG_TOOL" "$REG_URL" head "$1" "$2" 2>&1; }
outcome() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(" ".join(i["outcome"] for i in r.get("items", []) if i["id"].endswith(sys.argv[2])) or "none")
PY
}
candidates() {
	/usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(c["kind"]+":"+c["object"] for c in json.load(open(sys.argv[1]))["candidates"])))' "$1"
}
# injected METHOD REGEX: how many requests matching got an injected fault
injected() { grep -E "^$1 " "$W/proxy.log" | grep -E "$2" | grep -c ' injected'; }
# sent METHOD REGEX: how many requests matching the proxy saw
sent() { grep -E "^$1 " "$W/proxy.log" | grep -cE "$2"; }

registry_start anon || exit 1
W=$REG_T/work
oci_push seed >"$REG_T/seed.txt" || exit 1
# shellcheck disable=SC1091
source "$REG_T/seed.txt"
fault_proxy_start "$W" || { not_ok "the proxy starts"; exit 1; }
# --no-cache: every plan GETs its manifests and configs, where these faults
# are injected (faults on the cached path's HEADs: t_registry_cache)
POLICY=(--older-than 1d --match-tags '^(1\.[0-9]|p[0-9]|2)$' --keep-tags '^latest$' --min-age 0
	--no-cache)
rules() { cat >"$W/rules"; : >"$W/proxy.log"; }

# --- the plan ---
rules </dev/null
"$PLAN" --registry "$PURL" "${POLICY[@]}" -q -o "$W/clean.json" >/dev/null 2>&1
check_eq "a plan through the proxy, no faults" 0 "$?"

rules <<'R'
GET /v2/_catalog 429:1 1
GET /tags/list 503 1
GET /manifests/ 500 2
GET /blobs/ reset 1
R
t0=$(date +%s%N)
"$PLAN" --registry "$PURL" "${POLICY[@]}" -q -o "$W/faulty.json" >/dev/null 2>"$W/faulty.err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "transient faults: the plan completes" "0 " "$rc $(cat "$W/faulty.err")"
check_eq "... every fault was met" "1 1 2 1" \
	"$(injected GET _catalog) $(injected GET tags/list) $(injected GET /manifests/) $(injected GET /blobs/)"
check_eq "... and the plan is the one made without faults" "$(candidates "$W/clean.json")" \
	"$(candidates "$W/faulty.json")"
check "... after waiting Retry-After: 1 (${ms}ms)" test "$ms" -ge 1000

# plan_fails NAME ARGS...: exit 1, one error line, no plan file
plan_fails() {
	local name=$1 rc
	shift
	rm -f "$W/fail.json"
	"$PLAN" --registry "$PURL" "${POLICY[@]}" -q -o "$W/fail.json" "$@" >/dev/null 2>"$W/fail.err"
	rc=$?
	check_eq "$name: exit 1, one error line, no plan" "1 1 no-plan" \
		"$rc $(grep -c . "$W/fail.err") $([ -e "$W/fail.json" ] && echo plan || echo no-plan)"
	check "$name: the line is an error: $(head -c 200 "$W/fail.err")" grep -q '^reclaim-plan: error: ' "$W/fail.err"
}

rules <<'R'
GET /v2/paged/manifests/p3$ 500 *
R
plan_fails "a lasting 500"
check "... that names the manifest and the status" grep -q "paged:p3.*HTTP 500" "$W/fail.err"
n=$(sent GET ' /v2/paged/manifests/p3 ')
check "... after a bounded number of attempts ($n)" test "$n" -ge 2 -a "$n" -le 6

rules <<'R'
GET /v2/_catalog reset *
R
plan_fails "connection resets"

rules <<'R'
GET /v2/app/tags/list slow:4 *
R
t0=$(date +%s)
plan_fails "a slow answer with --timeout 1s" --timeout 1s
check "... says it timed out" grep -q "did not answer .* within 1s" "$W/fail.err"
check_eq "... and does not retry it" 1 "$(sent GET /v2/app/tags/list)"
check "... and gives up soon ($(($(date +%s) - t0))s)" test $(($(date +%s) - t0)) -le 3

rules <<'R'
GET /v2/_catalog 429:1 *
R
plan_fails "429 every time"
check "... that says so" grep -q "HTTP 429" "$W/fail.err"
n=$(sent GET /v2/_catalog)
check "... after a bounded number of attempts ($n)" test "$n" -ge 2 -a "$n" -le 6

# --- the apply ---
P=$W/clean.json
d=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["digest"])' "$P")
rules <<R
HEAD /v2/paged/manifests/$PAGED_3 500 *
DELETE /v2/paged/manifests/$PAGED_4 reset 1
DELETE /v2/paged/manifests/$PAGED_5 slow:2 *
DELETE /v2/multi/manifests/$MULTI_IDX 500 *
HEAD /v2/app/manifests/1.0 429:1 1
DELETE /v2/app/manifests/$APP_10 500 *
R
"$APPLY" --approve "$d" --timeout 1s --report "$W/r1.json" "$P" >"$W/apply1.out" 2>&1
check_eq "apply with faults: exit 3 (failures)" 3 "$?"
check_eq "a re-check that cannot be made fails the item" failed \
	"$(outcome "$W/r1.json" "/manifest/paged@$PAGED_3")"
check_eq "... and nothing is deleted for it" "0 $PAGED_3 $PAGED_3" \
	"$(sent DELETE "/v2/paged/manifests/$PAGED_3") $(head_ref paged "$PAGED_3") $(head_ref paged p3)"
check_eq "a reset after the registry deleted: the retry finds it absent" \
	"already-absent absent" "$(outcome "$W/r1.json" "/manifest/paged@$PAGED_4") $(head_ref paged "$PAGED_4")"
check "a slow delete (--timeout 1s) fails, saying it timed out" grep -q "^failed: .*did not answer" \
	<(/usr/bin/python3 -c 'import json,sys; print([i["outcome"]+": "+i["reason"] for i in json.load(open(sys.argv[1]))["items"] if i["id"].endswith(sys.argv[2])][0])' "$W/r1.json" "/manifest/paged@$PAGED_5")
check_eq "... and is not sent again" 1 "$(sent DELETE "/v2/paged/manifests/$PAGED_5")"
check_eq "a failed index delete fails the index" failed \
	"$(outcome "$W/r1.json" "/manifest/multi@$MULTI_IDX")"
check_eq "... whose children stay: nothing it names is deleted" \
	"$MULTI_IDX $MULTI_AMD64 $MULTI_ARM64" \
	"$(head_ref multi 2) $(head_ref multi "$MULTI_AMD64") $(head_ref multi "$MULTI_ARM64")"
check_eq "... the children are not even asked for" 0 "$(sent '(HEAD|DELETE)' "/v2/multi/manifests/sha256:($(echo "${MULTI_AMD64#sha256:}|${MULTI_ARM64#sha256:}"))")"
check_eq "... and their items are changed, to be checked again by a rerun" "changed changed" \
	"$(outcome "$W/r1.json" "/manifest/multi@$MULTI_AMD64") $(outcome "$W/r1.json" "/manifest/multi@$MULTI_ARM64")"
check_eq "a failed image delete (its re-check through a 429) fails the image" "failed $APP_10 1" \
	"$(outcome "$W/r1.json" "/manifest/app@$APP_10") $(head_ref app "$APP_10") $(injected HEAD " /v2/app/manifests/1.0 ")"
check_eq "... whose signature, planned after it, stays with it" "changed $SIG $SIG" \
	"$(outcome "$W/r1.json" "/manifest/app@$SIG") $(head_ref app "$SIG") $(head_ref app "$SIG_TAG")"
check_eq "... and is not even deleted" 0 "$(sent DELETE "/v2/app/manifests/$SIG")"
check_eq "the kept tag and the untouched repository stay" "$APP_11 $SVC_1" \
	"$(head_ref app latest) $(head_ref team/svc 1)"
sleep 2 # the slow delete reaches the registry after the client gave up

# a rerun without faults completes
rules </dev/null
"$APPLY" --approve "$d" --report "$W/r3.json" "$P" >"$W/apply3.out" 2>&1
check_eq "a rerun without faults exits 0" 0 "$?"
check_eq "... and finishes what failed or stayed" "deleted deleted deleted deleted already-absent" \
	"$(outcome "$W/r3.json" "/manifest/paged@$PAGED_3") $(outcome "$W/r3.json" "/manifest/multi@$MULTI_IDX") $(outcome "$W/r3.json" "/manifest/multi@$MULTI_AMD64") $(outcome "$W/r3.json" "/manifest/multi@$MULTI_ARM64") $(outcome "$W/r3.json" "/manifest/paged@$PAGED_5")"
check_eq "... the image, then its signature" "deleted deleted absent absent" \
	"$(outcome "$W/r3.json" "/manifest/app@$APP_10") $(outcome "$W/r3.json" "/manifest/app@$SIG") $(head_ref app "$APP_10") $(head_ref app "$SIG")"
check_eq "... the index and its children are gone, p3 and p5 too" "absent absent absent absent absent" \
	"$(head_ref multi "$MULTI_IDX") $(head_ref multi "$MULTI_AMD64") $(head_ref multi "$MULTI_ARM64") $(head_ref paged p3) $(head_ref paged "$PAGED_5")"
check_eq "... and what the plan keeps stays" "$APP_11 $APP_11 $SVC_1" \
	"$(head_ref app latest) $(head_ref app "$APP_11") $(head_ref team/svc 1)"
finish
