#!/usr/bin/env bash
# Harbor / MSR 4 through /api/v2.0, against the double (tests/fakes/harbor):
# reclaim-apply, the details t_harbor_apply leaves: exact outcomes and
# reasons, the request sequence, a tag moved, 412 and 500, --dry-run. Each item is re-checked by a GET of its artifact just
# before its DELETE: pulled between plan and apply -> changed; a tag pushed
# onto a candidate artifact -> changed, and its tag planned to go with it
# stays with it; a tag moved -> changed; gone ->
# already-absent. A tag item deletes the tag alone (DELETE .../tags/T), an
# artifact item the artifact, whose accessory and untagged index children
# Harbor deletes with it. The second apply is a no-op. --trigger-gc starts
# one manual GC after a run that deleted something and prints its ID; 412
# (immutable) is 'changed' with Harbor's message, 500 'failed', a wrong
# password exit 1. No credential appears in any output.
set -u
source "$(dirname "$0")/../lib/harbor.sh"
source "$ROOT/tests/lib/apply.sh"
T=$HARBOR_T
harbor_start --scenario basic || { not_ok "the double starts"; exit 1; }
D() { harbor_digest "$1"; }

harbor_plan --not-pulled-for 30d --untagged --min-age 0 -o "$T/plan.json" >/dev/null 2>&1
check_eq "plan succeeds" "0" "$?"
harbor_plan --match-tags 'rc-.*' --min-age 0 --repos 'lib/team/app' -o "$T/rc.json" >/dev/null 2>&1
check_eq "... and the tag-only plan" "0" "$?"
# between plan and apply: app-rc pulled (through stable), a tag pushed onto
# app-old; tools-1 deleted by someone
harbor_pull lib team/app stable
harbor_push lib team/app hotfix "$(D app-old)"
harbor_curl -sf -X DELETE -u "$HARBOR_USER:$HARBOR_PASS" \
	"$HARBOR_URL/api/v2.0/projects/ops/repositories/tools/artifacts/$(D tools-1)" >/dev/null
: >"$HARBOR_LOG"
PD=$(plan_digest "$T/plan.json")
harbor_apply --approve "$PD" --trigger-gc --report "$T/report.json" -v "$T/plan.json" \
	>"$T/apply.out" 2>"$T/apply.err"
check_eq "apply exits 0" "0" "$?"
check_eq "outcomes" \
	"deleted manifest lib/signed@$(D signed-1)
deleted manifest lib/multi@$(D multi-index)
already-absent manifest lib/signed@$(D signed-1-sig)
changed manifest lib/team/app@$(D app-rc)
deleted manifest lib/team/app@$(D app-untagged)
changed manifest lib/team/app@$(D app-old)
already-absent manifest ops/tools@$(D tools-1)
already-absent tag lib/multi:multi-1
already-absent tag lib/signed:s-1
changed tag lib/team/app:1.0
changed tag lib/team/app:rc-2
changed tag lib/team/app:stable
already-absent tag ops/tools:t-1" "$(report_outcomes "$T/report.json")"
check "pulled since planning: changed, saying so" \
	grep -q "^changed: pulled since planning (pull time 20.*, planned 20.*)$" \
	<<<"$(report_reason "$T/report.json" "lib/team/app@$(D app-rc)")"
check "a tag pushed onto the artifact: changed, naming it" \
	grep -q "^changed: gained tag 'hotfix' since planning: the artifact stays$" \
	<<<"$(report_reason "$T/report.json" "lib/team/app@$(D app-old)")"
check "... the tag 1.0, planned to go with its artifact, stays with it" \
	grep -q "^changed: its artifact sha256:[0-9a-f]\{12\} stayed in this run: the tag stays with it$" \
	<<<"$(report_reason "$T/report.json" lib/team/app:1.0)"
check_eq "what remains: the changed, the kept, the immutable; the index's children went with it" \
	"$(printf 'lib/team/app@%s\n' "$(D app-frozen)" "$(D app-new)" "$(D app-old)" \
		"$(D app-pulled)" "$(D app-rc)" | sort)" "$(harbor_digests)"
check_eq "... and the tags: 1.0 and hotfix on app-old" \
	"$(printf '%s\n' "lib/team/app:1.0 $(D app-old)" "lib/team/app:1.1 $(D app-pulled)" \
		"lib/team/app:hotfix $(D app-old)" \
		"lib/team/app:latest $(D app-new)" "lib/team/app:rc-2 $(D app-rc)" \
		"lib/team/app:release-1 $(D app-frozen)" "lib/team/app:stable $(D app-rc)" | sort)" \
	"$(harbor_tags)"
check_eq "each DELETE follows a GET of the same artifact; deletes by digest" \
	"GET $(D signed-1)
DELETE $(D signed-1)
GET $(D multi-index)
DELETE $(D multi-index)
GET $(D signed-1-sig)
GET $(D app-rc)
GET $(D app-untagged)
DELETE $(D app-untagged)
GET $(D app-old)
GET $(D tools-1)
GET multi-1
GET s-1
GET 1.0
GET rc-2
GET stable
GET t-1" \
	"$(grep '/artifacts/' "$HARBOR_LOG" | awk '{n=split($2,p,"/"); q=p[n]; sub(/\?.*/,"",q); print $1, q}')"
check_eq "--trigger-gc: one manual GC after the deletes" \
	"POST /api/v2.0/system/gc/schedule 201" "$(grep -F 'POST' "$HARBOR_LOG")"
check "... its ID printed" grep -q "^Garbage collection started on Harbor '$HARBOR_URL': run 7$" "$T/apply.out"

: >"$HARBOR_LOG"
harbor_apply --approve "$PD" --trigger-gc --report "$T/report2.json" "$T/plan.json" \
	>"$T/apply2.out" 2>&1
check_eq "the second apply exits 0" "0" "$?"
check_eq "... and does nothing: the journal says done" "already-done changed" \
	"$(report_outcome_set "$T/report2.json")"
check_eq "... deletes nothing and starts no GC" "0" "$(grep -c -e '^DELETE' -e '^POST' "$HARBOR_LOG")"

# a tag item: DELETE of that tag alone; the sibling tag and the artifact stay
# (the plan was made before the pull: rc-2's own pull time did not move,
# but its artifact's did, and a tag's pull time is the newer of the two)
harbor_plan --match-tags 'rc-.*' --min-age 0 --repos 'lib/team/app' -o "$T/rc2.json" >/dev/null 2>&1
: >"$HARBOR_LOG"
harbor_apply --auto-approve --report "$T/r3.json" "$T/rc2.json" >/dev/null 2>&1
check_eq "a tag item: deleted" "deleted tag lib/team/app:rc-2" "$(report_outcomes "$T/r3.json")"
check_eq "... by the tag endpoint" \
	"DELETE /api/v2.0/projects/lib/repositories/team%252Fapp/artifacts/$(D app-rc)/tags/rc-2 200" \
	"$(grep '^DELETE' "$HARBOR_LOG")"
check "... the sibling tag stays on the artifact" grep -qx "lib/team/app:stable $(D app-rc)" <(harbor_tags)
# the earlier tag-only plan: its tag is gone now
harbor_apply --auto-approve --report "$T/r3b.json" "$T/rc.json" >/dev/null 2>&1
check_eq "an older plan of the same tag: already-absent" "already-absent tag lib/team/app:rc-2" \
	"$(report_outcomes "$T/r3b.json")"

# a tag moved to another artifact between plan and apply: changed
harbor_plan --match-tags 'stable' --min-age 0 --repos 'lib/team/app' -o "$T/st.json" >/dev/null 2>&1
harbor_push lib team/app stable "$(D app-new)"
harbor_apply --auto-approve --report "$T/r4.json" "$T/st.json" >/dev/null 2>&1
check "a moved tag: changed, naming the new digest" \
	grep -q "^changed: tag now names sha256:[0-9a-f]\{12\}, not sha256:[0-9a-f]\{12\} as planned" \
	<<<"$(report_reason "$T/r4.json" lib/team/app:stable)"

# 412 from Harbor (an immutability rule added after planning): changed, with its message
harbor_plan --match-tags 'latest' --min-age 0 --repos 'lib/team/app' -o "$T/l.json" >/dev/null 2>&1
harbor_fault '{"path_regex": "/tags/latest", "method": "DELETE", "status": 412, "count": 1, "body": "{\"errors\":[{\"code\":\"PRECONDITION\",\"message\":\"the tag latest configured as immutable, cannot be deleted\"}]}"}'
harbor_apply --auto-approve --report "$T/r5.json" "$T/l.json" >/dev/null 2>&1
check_eq "412: exit 0 (changed is not a failure)" "0" "$?"
check "... changed, with Harbor's message" \
	grep -q "^changed: Harbor refused it (HTTP 412: PRECONDITION: the tag latest configured as immutable, cannot be deleted)" \
	<<<"$(report_reason "$T/r5.json" lib/team/app:latest)"
harbor_fault '{"path_regex": "/tags/latest", "method": "DELETE", "status": 500, "count": -1}'
harbor_apply --auto-approve --trigger-gc --journal "$T/l2.journal" --report "$T/r6.json" \
	"$T/l.json" >"$T/r6.out" 2>&1
check_eq "500 after the retries: exit 3" "3" "$?"
check "... failed, with the status" grep -q "^failed: Harbor answered HTTP 500" \
	<<<"$(report_reason "$T/r6.json" lib/team/app:latest)"
check_eq "... and a run with a failed item starts no GC" "0" "$(grep -c '^POST' "$HARBOR_LOG")"
harbor_reset_faults

# a dry run deletes nothing and starts no GC
: >"$HARBOR_LOG"
harbor_apply --auto-approve --dry-run --trigger-gc --report "$T/r7.json" "$T/l.json" >/dev/null 2>&1
check_eq "--dry-run: would-delete, no DELETE, no POST" "would-delete:0" \
	"$(report_outcome_set "$T/r7.json"):$(grep -c -e '^DELETE' -e '^POST' "$HARBOR_LOG")"

# a wrong password: exit 1 before any item
printf 'wrong\n' | "$APPLY" --username admin --password-stdin --auto-approve \
	--journal "$T/bad.journal" "$T/l.json" >/dev/null 2>"$T/bad.err"
check_eq "a wrong password: exit 1" "1" "$?"
check "... Harbor refused the credentials, one line" \
	grep -q "^reclaim-apply: .*Harbor '$HARBOR_URL' refused the credentials from the command line (checking the credentials): HTTP 401" "$T/bad.err"

# a pull is a use: a plan whose rule reads only push times (--older-than)
# still records each candidate's pull time, and a pull after planning makes
# the item changed
harbor_plan --match-tags '1\.1' --older-than 250d --min-age 0 --repos 'lib/team/app' \
	-o "$T/push.json" >/dev/null 2>&1
check "a push-time plan records the pull time read" \
	jq -e '[.candidates[].preconditions.pulled_at | strings] | length == 2' "$T/push.json"
harbor_pull lib team/app 1.1
: >"$HARBOR_LOG"
harbor_apply --auto-approve --report "$T/r8.json" "$T/push.json" >/dev/null 2>&1
check_eq "... pulled since planning: both items changed" \
	"changed manifest lib/team/app@$(D app-pulled)
changed tag lib/team/app:1.1" "$(report_outcomes "$T/r8.json")"
check "... saying so" grep -q "^changed: pulled since planning (pull time 20.*, planned 20.*)$" \
	<<<"$(report_reason "$T/r8.json" lib/team/app:1.1)"
check_eq "... nothing deleted" "0" "$(grep -c '^DELETE' "$HARBOR_LOG")"

# no credential anywhere
leaks=$(grep -rl -e "$HARBOR_PASS" "$T" --exclude=fixture.json 2>/dev/null)
check_eq "no password in any plan, report, journal, log or output" "" "$leaks"
B64=$(printf '%s:%s' "$HARBOR_USER" "$HARBOR_PASS" | base64 -w0)
check_eq "... nor its base64" "" "$(grep -rl -e "$B64" "$T" 2>/dev/null)"
finish
