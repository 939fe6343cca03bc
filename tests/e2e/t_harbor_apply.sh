#!/usr/bin/env bash
# reclaim-apply of a Harbor plan against the double (basic scenario): a
# 412 from Harbor fails or skips the item with Harbor's message and deletes
# nothing, as does an immutability rule added after planning; a tag-level
# item is DELETE .../artifacts/D/tags/T and the artifact keeps its other
# tag; an artifact-level item is DELETE .../artifacts/D, and Harbor takes
# its tags, its signature and its index children with it; between plan and
# apply, an artifact pulled is 'changed' (skipped), one that gained a tag is
# 'changed', one deleted by someone else is 'already-absent'; the second
# apply is a no-op; --trigger-gc starts one manual GC and prints its ID,
# and without it none starts. Every DELETE is by digest, double-encoded. No
# credential in any plan, report, journal or log.
set -u
source "$(dirname "$0")/../lib/harbor.sh"
source "$ROOT/tests/lib/apply.sh"
T=$HARBOR_T
harbor_start --scenario basic || { not_ok "the double starts"; exit 1; }
D() { harbor_digest "$1"; }
A=$HARBOR_URL/api/v2.0
deletes() { grep '^DELETE ' "$HARBOR_LOG" | awk '{print $2, $3}' | sed 's|^/api/v2.0/projects/||'; }

# --- 412 from Harbor on DELETE: the item does not count as deleted, nothing goes
harbor_plan --not-pulled-for 30d --match-tags '1\.0' -q -o "$T/p412.json" >/dev/null 2>&1
check_eq "a plan for 1.0 alone: the artifact and its tag" "manifest lib/team/app@$(D app-old)
tag lib/team/app:1.0" "$(plan_candidates "$T/p412.json" | sort)"
harbor_fault "{\"path_regex\": \"/artifacts/$(D app-old)\", \"method\": \"DELETE\", \"status\": 412, \"count\": -1, \"body\": \"{\\\"errors\\\":[{\\\"code\\\":\\\"PRECONDITION\\\",\\\"message\\\":\\\"the tag 1.0 configured as immutable, cannot be deleted\\\"}]}\"}"
: >"$HARBOR_LOG"
harbor_apply --approve "$(plan_digest "$T/p412.json")" --report "$T/r412.json" --journal "$T/p412.journal" \
	"$T/p412.json" >"$T/a412.out" 2>&1
rc=$?
check_eq "412: Harbor was asked (at least one DELETE answered 412)" "yes" \
	"$(grep -q '^DELETE .* 412$' "$HARBOR_LOG" && echo yes || echo no)"
check "... apply exits 3 (failed) or reports the item changed" \
	test "$rc" -eq 3 -o -n "$(report_outcomes "$T/r412.json" | grep '^changed ')"
check "... with Harbor's message" \
	grep -qE "^(failed|changed): .*configured as immutable, cannot be deleted" <<<"$(report_reason "$T/r412.json" lib/team/app:1.0; report_reason "$T/r412.json" "lib/team/app@$(D app-old)")"
check_eq "... nothing is reported deleted" "" "$(report_outcomes "$T/r412.json" | grep '^deleted ')"
check_eq "... 1.0 is still there" "lib/team/app:1.0 $(D app-old)" "$(harbor_tags | grep ':1.0 ')"
harbor_reset_faults

# --- an immutability rule added after planning: nothing of that artifact goes
harbor_immutable lib team/app 1.0
: >"$HARBOR_LOG"
harbor_apply --approve "$(plan_digest "$T/p412.json")" --report "$T/rimm.json" --journal "$T/pimm.journal" \
	"$T/p412.json" >"$T/aimm.out" 2>&1
rc=$?
check "immutable since planning: exit 3 or 0, never a crash ($rc)" test "$rc" -eq 0 -o "$rc" -eq 3
check_eq "... nothing reported deleted" "" "$(report_outcomes "$T/rimm.json" | grep '^deleted ')"
check_eq "... no DELETE succeeded" "0" "$(grep -c '^DELETE .* 200$' "$HARBOR_LOG")"
check_eq "... 1.0 is still there" "lib/team/app:1.0 $(D app-old)" "$(harbor_tags | grep ':1.0 ')"
harbor_immutable lib team/app 1.0 false

# --- tag level: --match-tags takes rc-2; the artifact keeps 'stable'
harbor_plan --not-pulled-for 30d --match-tags 'rc-.*' -q -o "$T/tag.json" >/dev/null 2>&1
check_eq "tag-level plan: one candidate, the tag rc-2" "tag lib/team/app:rc-2" "$(plan_candidates "$T/tag.json")"
: >"$HARBOR_LOG"
harbor_apply --approve "$(plan_digest "$T/tag.json")" --report "$T/tag.report.json" \
	--journal "$T/tag.journal" "$T/tag.json" >"$T/tag.out" 2>&1
check_eq "... apply exits 0, the tag deleted" "0 deleted tag lib/team/app:rc-2" \
	"$? $(report_outcomes "$T/tag.report.json")"
check_eq "... one DELETE of the tag, by digest, double-encoded" \
	"lib/repositories/team%252Fapp/artifacts/$(D app-rc)/tags/rc-2 200" "$(deletes)"
check_eq "... the artifact keeps 'stable'" "lib/team/app:stable $(D app-rc)" "$(harbor_tags | grep " $(D app-rc)$")"
harbor_push lib team/app rc-2 "$(D app-rc)" # back, pushed now: no longer old

# --- the full plan, then changes between plan and apply
harbor_plan --not-pulled-for 30d --untagged -q -o "$T/plan.json" >/dev/null 2>&1
check_eq "the full plan succeeds" "0" "$?"
PD=$(plan_digest "$T/plan.json")
before=$(harbor_tags)
harbor_pull lib team/app 1.0                                 # pulled since planning
harbor_push lib team/app extra "$(D app-untagged)"           # gained a tag
harbor_curl -sf -u "$HARBOR_USER:$HARBOR_PASS" -X DELETE "$A/projects/ops/repositories/tools/artifacts/t-1" >/dev/null
check_eq "(someone else deleted ops/tools meanwhile)" "" "$(harbor_digests | grep '^ops/tools@')"
: >"$HARBOR_LOG"
harbor_apply --approve "$PD" --report "$T/report.json" --journal "$T/apply.journal" --trigger-gc \
	"$T/plan.json" >"$T/apply.out" 2>"$T/apply.err"
check_eq "apply exits 0" "0" "$?"
out=$(report_outcomes "$T/report.json")
check "pulled between plan and apply: its artifact is 'changed'" grep -q "^changed manifest lib/team/app@$(D app-old)$" <<<"$out"
check "... its tag too" grep -q "^changed tag lib/team/app:1.0$" <<<"$out"
check "... and the reason names the pull" grep -qi "pull" <<<"$(report_reason "$T/report.json" "lib/team/app@$(D app-old)")"
check "gained a tag: the untagged artifact is 'changed'" grep -q "^changed manifest lib/team/app@$(D app-untagged)$" <<<"$out"
check "... the reason names the new tag" grep -q "extra" <<<"$(report_reason "$T/report.json" "lib/team/app@$(D app-untagged)")"
check "a tag whose artifact keeps another (stable; rc-2 is new): deleted at tag level" \
	grep -q "^deleted tag lib/team/app:stable$" <<<"$out"
check "deleted by someone else: 'already-absent'" grep -q "^already-absent manifest ops/tools@$(D tools-1)$" <<<"$out"
check "the index: deleted" grep -q "^deleted manifest lib/multi@$(D multi-index)$" <<<"$out"
check "the signed subject: deleted" grep -q "^deleted manifest lib/signed@$(D signed-1)$" <<<"$out"
check "its signature: deleted or already absent with it" \
	grep -qE "^(deleted|already-absent) manifest lib/signed@$(D signed-1-sig)$" <<<"$out"
check_eq "no item failed" "" "$(grep '^failed' <<<"$out")"
check_eq "what remains: the changed, the kept, the protected; the index's children and the signature are gone" \
	"$(printf 'lib/team/app@%s\n' "$(D app-frozen)" "$(D app-new)" "$(D app-old)" "$(D app-pulled)" "$(D app-rc)" "$(D app-untagged)" | sort)" \
	"$(harbor_digests | sort)"
check_eq "... and the tags of what remains" \
	"$( (grep -E '^lib/team/app:' <<<"$before" | grep -v ':stable '; echo "lib/team/app:extra $(D app-untagged)") | sort)" "$(harbor_tags | sort)"
check_eq "the tag-level DELETE of stable" "1" "$(deletes | grep -c "^lib/repositories/team%252Fapp/artifacts/$(D app-rc)/tags/stable 200$")"
check "every DELETE is by digest, double-encoded where the name has '/'" \
	test -z "$(deletes | grep -vE '^(lib|ops)/repositories/(team%252Fapp|multi|signed|tools)/artifacts/sha256:[0-9a-f]{64}(/tags/[^ /]+)? [0-9]{3}$')"
check_eq "--trigger-gc: one manual GC started" "1" "$(grep -c '^POST /api/v2.0/system/gc/schedule 201$' "$HARBOR_LOG")"
check "... its ID (7) is printed" grep -qE '(^|[^0-9])7([^0-9]|$)' <<<"$(grep -i 'gc\|garbage' "$T/apply.out" "$T/apply.err")"
check_eq "... the double holds that run" "7 MANUAL" \
	"$(harbor_state | /usr/bin/python3 -c 'import json,sys; g=json.load(sys.stdin)["gc"]; print(" ".join("%s %s" % (x["id"], x["job_kind"]) for x in g))')"

# --- the second apply is a no-op
: >"$HARBOR_LOG"
harbor_apply --approve "$PD" --report "$T/report2.json" --journal "$T/apply.journal" \
	"$T/plan.json" >"$T/apply2.out" 2>&1
check_eq "the second apply exits 0" "0" "$?"
check_eq "... deletes nothing" "" "$(deletes)"
check_eq "... starts no GC (no --trigger-gc)" "0" "$(grep -c 'system/gc' "$HARBOR_LOG")"
check "... and reports nothing deleted" test -z "$(report_outcomes "$T/report2.json" | grep '^deleted ')"

B64=$(printf '%s:%s' "$HARBOR_USER" "$HARBOR_PASS" | base64 -w0)
check_eq "no password (nor its base64) in any plan, report, journal, log or output" "" \
	"$(grep -rl -e "$HARBOR_PASS" -e "$B64" "$T" --exclude=fixture.json)"
finish
