#!/usr/bin/env bash
# DTR / MSR through /api/v0, against the double (tests/fakes/dtr): plan and
# apply the scenarios of docs/dtr.md. keep-last ranks tags by updatedAt; a
# tag deleted leaves its sibling on the same digest; signed tags and
# immutable repositories are protected with their reasons, and every reason
# shows the repository's tagLimit; a re-push between plan and apply is
# 'changed', a tag deleted meanwhile is 'already-absent'; the second apply
# is a no-op; TAG_IN_NOTARY and NOT_AUTHORIZED fail the item with their
# reason; a not_pulled_for rule is refused; sizes are the fixture's layers,
# counted once; no credential appears in any output.
set -u
source "$(dirname "$0")/../lib/dtr.sh"
source "$ROOT/tests/lib/apply.sh"
T=$DTR_T
dtr_start scenario "$DTR_USER" "$DTR_PASS" "$DTR_TOKEN" || { not_ok "the double starts"; exit 1; }

dtr_plan --keep-last 2 --min-age 0 -o "$T/plan.json" --csv "$T/plan.csv" \
	--junit "$T/plan.junit.xml" -v >"$T/plan.out" 2>"$T/plan.err"
check_eq "plan succeeds" "0" "$?"
check "the plan validates against the schema" schema_valid "$T/plan.json"
check_eq "keep-last 2 by updatedAt: v1 (created last, pushed first) goes, v2 goes though v2-alias stays" \
	"tag team/app:v1 tag team/app:v2 tag team/app:v3 tag team/app:v4" \
	"$(plan_candidates "$T/plan.json" | tr '\n' ' ' | sed 's/ $//')"
items=$(/usr/bin/python3 - "$T/plan.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for it in p["candidates"] + p["protected"]:
    print(it["object"], it["rule"], it.get("reclaimable", ""), it["reason"], sep="|")
print("source", p["sources"][0]["type"], p["sources"][0]["name"], p["sources"][0]["identity"]["url"], sep="|")
print("gc", p["summary"]["bytes_freed_after_gc"], p["summary"]["bytes_freed_now"], sep="|")
PY
)
check_eq "the source is a dtr, named by host and port, identified by its URL" \
	"source|dtr|dtr-127.0.0.1-${DTR_URL##*:}|$DTR_URL" "$(grep '^source|' <<<"$items")"
check_eq "a signed tag is protected, with why" \
	"team/signed:s1|signed|0|signed (inNotary): remove its trust data first, or DTR answers TAG_IN_NOTARY (no tagLimit)" \
	"$(grep '^team/signed:s1|' <<<"$items")"
check "an immutable repository is protected, with its tagLimit" \
	grep -q "^ops/frozen:f1|immutable|0|repository 'ops/frozen' has immutableTags: DTR refuses to delete its tags (tagLimit 3)" <<<"$items"
check "candidates show their repository's tagLimit" \
	grep -q "^team/app:v1|registry-tags|1000|names sha256:[0-9a-f]\{12\} (repository tagLimit 50), updatedAt rank 6 > keep 2$" <<<"$items"
check "a tag a promotion policy made says so" \
	grep -q "^team/app:v3|registry-tags|3000|names sha256:[0-9a-f]\{12\} (repository tagLimit 50; made by promotion policy pp-1), updatedAt rank 4 > keep 2$" <<<"$items"
check "a mirrored tag names where it came from" \
	grep -q "^team/app:v4|registry-tags|4000|names sha256:[0-9a-f]\{12\} (repository tagLimit 50; mirrored from hub.example/library/app:4), updatedAt rank 3 > keep 2$" <<<"$items"
check_eq "set-wise bytes: own layers only; v2's layer is shared with v2-alias, the base with kept tags" \
	"1000 0 3000 4000" \
	"$(grep -E '^team/app:v[1-4]\|' <<<"$items" | cut -d'|' -f3 | tr '\n' ' ' | sed 's/ $//')"
check_eq "bytes after GC are the candidates' unshared layers, nothing now" "gc|8000|0" \
	"$(grep '^gc|' <<<"$items")"
check "the summary names DTR's garbage collection" grep -q "online garbage collection" "$T/plan.out"
check_eq "the scan read pages only: no per-tag GET" "4" "$(grep -c . "$DTR_LOG")"

# between plan and apply: v3 pushed again, v4 deleted by someone, v2-alias untouched
NEW=$(dtr_digest app-3-again)
dtr_control "{\"op\":\"repush\",\"repo\":\"team/app\",\"tag\":\"v3\",\"digest\":\"$NEW\",\"updatedAt\":\"2024-06-20T00:00:00Z\"}"
dtr_control '{"op":"delete_tag","repo":"team/app","tag":"v4"}'
: >"$DTR_LOG"
D=$(plan_digest "$T/plan.json")
dtr_apply --approve "$D" --report "$T/report.json" --junit "$T/report.junit.xml" -v \
	"$T/plan.json" >"$T/apply.out" 2>"$T/apply.err"
check_eq "apply exits 0" "0" "$?"
check_eq "outcomes: deleted, deleted, changed (re-pushed), already-absent" \
	"deleted tag team/app:v1 deleted tag team/app:v2 changed tag team/app:v3 already-absent tag team/app:v4" \
	"$(report_outcomes "$T/report.json" | tr '\n' ' ' | sed 's/ $//')"
check "the re-push is the reason" grep -q "now names sha256:.*pushed again" <<<"$(report_reason "$T/report.json" team/app:v3)"
check_eq "what remains: v2's sibling on the same digest, the re-pushed v3, v5, and the protected" \
	"ops/frozen:f1 $(dtr_digest frozen-1)
team/app:v2-alias $(dtr_digest app-2)
team/app:v3 $NEW
team/app:v5 $(dtr_digest app-5)
team/signed:s1 $(dtr_digest signed-1)
team/signed:s2 $(dtr_digest signed-2)" "$(dtr_state)"
check_eq "one GET before each DELETE, nothing else" \
	"GET repositories GET v1 DELETE v1 GET v2 DELETE v2 GET v3 GET v4" \
	"$(awk '{n=split($2,p,"/"); q=p[n]; sub(/\?.*/,"",q); print $1, q}' "$DTR_LOG" | tr '\n' ' ' | sed 's/ $//')"

: >"$DTR_LOG"
dtr_apply --approve "$D" --report "$T/report2.json" "$T/plan.json" >"$T/apply2.out" 2>&1
check_eq "the second apply exits 0" "0" "$?"
check_eq "... and does nothing: the journal says done" "already-done changed" \
	"$(report_outcome_set "$T/report2.json")"
check_eq "... and deletes nothing" "0" "$(grep -c '^DELETE' "$DTR_LOG")"

# TAG_IN_NOTARY and NOT_AUTHORIZED fail the item with their reason
dtr_plan --keep-last 1 --min-age 0 --repos 'team/app' -o "$T/p2.json" >/dev/null 2>&1
D2=$(plan_digest "$T/p2.json")
printf '%s\n' "reader-$DTR_PASS" | "$APPLY" --username reader --password-stdin \
	--approve "$D2" --journal "$T/p2-reader.journal" --report "$T/r3.json" "$T/p2.json" >/dev/null 2>&1
check_eq "a read-only user: exit 3, the deletion failed" "3" "$?"
check "... NOT_AUTHORIZED is the reason" grep -q "failed: not allowed to delete tags here (HTTP 403: NOT_AUTHORIZED" \
	<<<"$(report_reason "$T/r3.json" team/app:v2-alias)"
dtr_control '{"op":"fault","mode":"notary","method":"DELETE","match":"/v5","times":1}'
dtr_apply --approve "$D2" --report "$T/r4.json" "$T/p2.json" >/dev/null 2>&1
check_eq "TAG_IN_NOTARY: exit 3" "3" "$?"
check "... the item failed with the reason" grep -q "failed: the tag is signed (TAG_IN_NOTARY: .*remove its trust data first" \
	<<<"$(report_reason "$T/r4.json" team/app:v5)"
check_eq "... the other was deleted" "deleted" "$(report_reason "$T/r4.json" team/app:v2-alias | cut -d: -f1)"

# an access token works as the password
printf '%s\n' "$DTR_TOKEN" | "$PLAN" --dtr "$DTR_URL" --username "$DTR_USER" --password-stdin \
	--keep-last 2 -q >/dev/null 2>"$T/token.err"
check_eq "an access token authenticates" "" "$(cat "$T/token.err")"

# DTR records no pulls: not_pulled_for is refused before anything is read
cat >"$T/pulls.json" <<'JSON'
{"version": 1, "rules": [{"name": "stale", "kinds": ["tag"], "not_pulled_for": "30d"}]}
JSON
: >"$DTR_LOG"
err=$(dtr_plan --policy "$T/pulls.json" 2>&1 >/dev/null)
check_eq "a not_pulled_for rule on a DTR fails" "1" "$?"
check "... saying DTR records no pulls and pointing to Harbor / MSR 4" \
	grep -q "not_pulled_for cannot apply to dtr source .*DTR records no per-tag pull times.*Harbor / MSR 4" <<<"$err"
check_eq "... before any request" "0" "$(grep -c . "$DTR_LOG")"

# no credential anywhere
leaks=$(grep -rl -e "$DTR_PASS" -e "$DTR_TOKEN" "$T" --exclude=fixture.json 2>/dev/null)
check_eq "no password or token in any plan, report, journal, log or output" "" "$leaks"
B64=$(printf '%s:%s' "$DTR_USER" "$DTR_PASS" | base64 -w0)
check_eq "... nor their base64" "" "$(grep -rl -e "$B64" "$T" 2>/dev/null)"
finish
