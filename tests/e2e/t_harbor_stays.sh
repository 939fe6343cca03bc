#!/usr/bin/env bash
# reclaim-apply of a Harbor plan when an artifact the plan deletes stays
# (docs/harbor.md, "Apply"): what the plan meant to go with it stays too.
# Its accessory (a signature item, planned "accessory of manifest X, which
# this plan deletes") stays when X was pulled since planning, when X's
# DELETE failed, and when X's re-check could not ask Harbor; a dry run
# says the same. The tags the plan meant to go with such an artifact stay
# with it, never deleted alone: when it was re-tagged since planning (a use),
# or gained an accessory (a signature pushed for it: someone is preparing
# it for use), which keeps it too.
set -u
source "$(dirname "$0")/../lib/harbor.sh"
source "$ROOT/tests/lib/apply.sh"
T=$HARBOR_T
harbor_start --scenario basic || { not_ok "the double starts"; exit 1; }
D() { harbor_digest "$1"; }
SUBJ="lib/signed@$(D signed-1)"
SIG="lib/signed@$(D signed-1-sig)"
sig_there() { harbor_digests | grep -qx "$SIG" && echo yes || echo no; }

harbor_plan --not-pulled-for 30d --repos 'lib/signed' -o "$T/sig.json" >/dev/null 2>&1
check_eq "the plan deletes the signed artifact, its signature and its tag" "$(printf '%s\n' \
	"manifest $SIG" "manifest $SUBJ" "tag lib/signed:s-1" | sort)" "$(plan_candidates "$T/sig.json" | sort)"
PD=$(plan_digest "$T/sig.json")

# --- the subject's DELETE fails (500 after the retries): its signature stays
harbor_fault "{\"path_regex\": \"/artifacts/$(D signed-1)\$\", \"method\": \"DELETE\", \"status\": 500, \"count\": -1}"
: >"$HARBOR_LOG"
harbor_apply --approve "$PD" --journal "$T/f.journal" --report "$T/f.json" "$T/sig.json" \
	>/dev/null 2>&1
check_eq "the subject's DELETE fails: exit 3" "3" "$?"
check_eq "... the subject failed, its signature and its tag changed" "failed manifest $SUBJ
changed manifest $SIG
changed tag lib/signed:s-1" "$(report_outcomes "$T/f.json")"
check "... the signature says why" grep -q "^changed: an artifact it is an accessory or child of stayed in this run" \
	<<<"$(report_reason "$T/f.json" "$SIG")"
check_eq "... no DELETE of the signature was sent" "" "$(grep "^DELETE .*$(D signed-1-sig)" "$HARBOR_LOG")"
check_eq "... the signature is still there" "yes" "$(sig_there)"
harbor_reset_faults

# --- the subject's re-check cannot ask Harbor (GET 500): its signature stays
harbor_fault "{\"path_regex\": \"/artifacts/$(D signed-1)\\\\?\", \"method\": \"GET\", \"status\": 500, \"count\": -1}"
: >"$HARBOR_LOG"
harbor_apply --approve "$PD" --journal "$T/g.journal" --report "$T/g.json" "$T/sig.json" \
	>/dev/null 2>&1
check_eq "the subject's re-check fails: exit 3" "3" "$?"
check_eq "... the subject failed, the untagged signature and the tag changed" "failed manifest $SUBJ
changed manifest $SIG
changed tag lib/signed:s-1" "$(report_outcomes "$T/g.json")"
check "... saying it may be an accessory" grep -q "^changed: an artifact planned before it in 'lib/signed' stayed" \
	<<<"$(report_reason "$T/g.json" "$SIG")"
check_eq "... no DELETE was sent" "0" "$(grep -c '^DELETE' "$HARBOR_LOG")"
check_eq "... the signature is still there" "yes" "$(sig_there)"
harbor_reset_faults

# --- the subject was pulled since planning: it, its signature and its tag stay
harbor_pull lib signed "$(D signed-1)"
for run in dry real; do
	: >"$HARBOR_LOG"
	harbor_apply --approve "$PD" --journal "$T/p-$run.journal" --report "$T/p-$run.json" \
		$([ $run = dry ] && echo --dry-run) "$T/sig.json" >/dev/null 2>&1
	check_eq "$run: pulled since planning: exit 0" "0" "$?"
	check_eq "... all three changed" "changed manifest $SUBJ
changed manifest $SIG
changed tag lib/signed:s-1" "$(report_outcomes "$T/p-$run.json")"
	check_eq "... no DELETE" "0" "$(grep -c '^DELETE' "$HARBOR_LOG")"
	check_eq "... the signature is still there" "yes" "$(sig_there)"
done

# --- an artifact signed since planning stays, and so does its new signature
harbor_plan --not-pulled-for 30d --match-tags '1\.0' --repos 'lib/team/app' -o "$T/sg.json" >/dev/null 2>&1
check_eq "a plan deleting app-old with its tag 1.0" "manifest lib/team/app@$(D app-old)
tag lib/team/app:1.0" "$(plan_candidates "$T/sg.json" | sort)"
NEWSIG=$(D app-old-new-sig)
harbor_sign lib team/app 1.0 "$NEWSIG"
: >"$HARBOR_LOG"
harbor_apply --auto-approve --journal "$T/sg.journal" --report "$T/sg.report.json" "$T/sg.json" \
	>/dev/null 2>&1
check_eq "signed since planning: exit 0" "0" "$?"
check_eq "... the artifact changed" "changed manifest lib/team/app@$(D app-old)" \
	"$(report_outcomes "$T/sg.report.json" | grep manifest)"
check "... saying it gained an accessory" grep -q "^changed: gained accessory sha256:[0-9a-f]\{12\} (signature.cosign) since planning: the artifact stays" \
	<<<"$(report_reason "$T/sg.report.json" "lib/team/app@$(D app-old)")"
check_eq "... and its tag 1.0, planned to go with it, stays with it" "changed tag lib/team/app:1.0" \
	"$(report_outcomes "$T/sg.report.json" | grep tag)"
check_eq "... no DELETE" "0" "$(grep -c '^DELETE' "$HARBOR_LOG")"
check "... the artifact and its new signature are still there" \
	test "$(harbor_digests | grep -cx -e "lib/team/app@$(D app-old)" -e "lib/team/app@$NEWSIG")" -eq 2
check_eq "... 1.0 still names it" "lib/team/app:1.0 $(D app-old)" "$(harbor_tags | grep ':1.0 ')"

# --- re-tagged since planning: the artifact stays, and the tag planned to go with it
harbor_plan --not-pulled-for 30d --match-tags 'rc-2|stable' --min-age 0 --repos 'lib/team/app' \
	-o "$T/rt.json" >/dev/null 2>&1
check_eq "a plan deleting app-rc with its two tags" "manifest lib/team/app@$(D app-rc)
tag lib/team/app:rc-2
tag lib/team/app:stable" "$(plan_candidates "$T/rt.json" | sort)"
harbor_push lib team/app prod "$(D app-rc)"
: >"$HARBOR_LOG"
harbor_apply --auto-approve --journal "$T/rt.journal" --report "$T/rt.report.json" "$T/rt.json" \
	>/dev/null 2>&1
check_eq "re-tagged: exit 0, the artifact and both tags changed" "0 changed manifest lib/team/app@$(D app-rc)
changed tag lib/team/app:rc-2
changed tag lib/team/app:stable" "$? $(report_outcomes "$T/rt.report.json")"
check_eq "... no DELETE" "0" "$(grep -c '^DELETE' "$HARBOR_LOG")"
check_eq "... all three tags still name it" "lib/team/app:prod $(D app-rc)
lib/team/app:rc-2 $(D app-rc)
lib/team/app:stable $(D app-rc)" "$(harbor_tags | grep " $(D app-rc)$")"
finish
