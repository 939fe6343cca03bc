#!/usr/bin/env bash
# The manifest re-checks' shared tag view (docs/apply.md, "Registry items")
# against a real docker-registry (anonymous set-up), through
# tests/fake/fault_proxy.py with no faults, which logs every request:
#
#   no count     : 7 manifests of one repository, --parallel 3 (batches of
#                  3): one listing serves them all (it stays under 1 s);
#                  another repository: its own
#   change       : a tag put on one digest after planning (not before the
#                  apply) makes that manifest changed, found by the view's
#                  HEADs (no GET of a tag); the rest are deleted
#   tag answers  : the tags that go with their manifests are asked for
#                  together (HEAD), after the last delete
#   default      : 5 manifests, --parallel left at 16: one listing
#   --parallel 1 : one listing for the 3 manifests too
#   no digest    : the registry answers the tags' HEADs without
#                  Docker-Content-Digest (and their GETs too): the view
#                  fetches each tag (GET, the digest hashed from the body)
#                  and still finds the tag put on a digest after planning
#   bad digest   : HEADs answer an invalid Docker-Content-Digest: the same,
#                  the GETs' own digest header checked against their bodies
#   wrong body   : HEADs without the header, GETs whose header is not their
#                  body's digest: the re-checks fail, nothing is deleted
#   time bound   : tag listings slowed to 1.1 s: a view is older than 1 s
#                  when it is ready, so it is never used again, and every
#                  manifest gets its own listing
#   crash        : killed after the first 2 deletes of a batch (one shared
#                  view) were answered, the other 3 unsent; a tag put on a
#                  remaining digest before the rerun makes it changed (the
#                  rerun takes a view of its own); nothing else is deleted
#                  wrongly; the journal holds the crashed run's 5 intents,
#                  the rerun's intents of the 2 it deletes, and one outcome
#                  per manifest, all written by the rerun
#   hung         : every request about one repository hangs past --timeout
#                  (1s): the first re-check fails, saying so, and the
#                  registry is not asked again in this run: the other items
#                  are not attempted (one timeout, not one per item); a
#                  rerun after the registry recovers deletes them all
set -u
source "$(dirname "$0")/../lib/registry.sh"
PLAN="$ROOT/$BUILD/reclaim-plan"
APPLY="$ROOT/$BUILD/reclaim-apply"

registry_start anon || exit 1
trap 'fault_proxy_stop; registry_stop' EXIT
W=$REG_T/work
fault_proxy_start "$W" || { not_ok "the proxy starts"; exit 1; }

head_ref() { "$REG_TOOL" "$REG_URL" head "$1" "$2" 2>&1; }
# listings REPO: tag listings of REPO the proxy saw since its log was emptied
listings() { grep -cE "^GET /v2/$1/tags/list" "$W/proxy.log"; }
# after_last_delete: the proxy's log after its last DELETE
after_last_delete() {
	awk '/^DELETE /{n=NR} {l[NR]=$0} END {for (i=n+1; i<=NR; i++) print l[i]}' "$W/proxy.log"
}
# outcomes REPORT KIND: "object=outcome" of every item of KIND, sorted
outcomes() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(" ".join(sorted(i["object"] + "=" + i["outcome"] for i in r["items"]
                      if i["kind"] == sys.argv[2])))
PY
}
# plan_of NAME REGEX: a plan of the tags matching REGEX, as $W/NAME.json
plan_of() {
	"$PLAN" --registry "$PURL" --older-than 1d --match-tags "$2" --min-age 0 -q \
		-o "$W/$1.json" >/dev/null 2>"$W/$1.err"
	check_eq "$1: the plan is made" "0 " "$? $(cat "$W/$1.err")"
}
# apply NAME ARGS...: applies $W/NAME.json with the proxy's log emptied
apply() {
	local n=$1
	shift
	: >"$W/proxy.log"
	"$APPLY" --auto-approve -q --report "$W/$n.report.json" "$@" "$W/$n.json" >/dev/null 2>&1
}
digest_of() { head_ref "$1" "$2"; }

# --- no count bound, and a change found through a shared view ---
oci_push tags batch b 7 >/dev/null || { not_ok "seed batch"; exit 1; }
oci_push tags other o 2 >/dev/null || { not_ok "seed other"; exit 1; }
plan_of count '^(b|o)[0-9]$'
B4=$(digest_of batch b4)
oci_push retag batch "$B4" b4-new >/dev/null
apply count --parallel 3
check_eq "count: the apply exits 0" 0 "$?"
check_eq "count: 7 manifests, --parallel 3: 1 listing of their repository" 1 "$(listings batch)"
check_eq "count: no manifest of either repository was fetched (GET): the views resolve by HEAD" 0 \
	"$(grep -cE '^GET /v2/(batch|other)/manifests/' "$W/proxy.log")"
check_eq "count: the other repository's 2 manifests: 1 listing" 1 "$(listings other)"
check_eq "count: b4, newly tagged after planning, is changed; the other tags are gone" \
	"batch:b1=already-absent batch:b2=already-absent batch:b3=already-absent batch:b4=changed batch:b5=already-absent batch:b6=already-absent batch:b7=already-absent other:o1=already-absent other:o2=already-absent" \
	"$(outcomes "$W/count.report.json" tag)"
check_eq "count: 8 manifests deleted, b4's changed" "changed 1 deleted 8" \
	"$(outcomes "$W/count.report.json" manifest | tr ' ' '\n' | sed 's/.*=//' | sort | uniq -c | awk '{printf "%s %s ", $2, $1}' | sed 's/ $//')"
check_eq "count: b4-new, on b4's digest, was resolved by HEAD, never fetched" "1 0" \
	"$(grep -c '^HEAD /v2/batch/manifests/b4-new ' "$W/proxy.log") $(grep -c '^GET /v2/batch/manifests/b4-new ' "$W/proxy.log")"
check_eq "count: the 9 tags that go with their manifests: one HEAD each, asked together after the manifests" 9 \
	"$(after_last_delete | grep -cE '^HEAD /v2/(batch|other)/manifests/[bo][0-9] ')"
check_eq "count: b4 and b4-new still name it" "$B4 $B4 $B4" \
	"$(head_ref batch b4) $(head_ref batch b4-new) $(head_ref batch "$B4")"
check_eq "count: b1 and b7 are gone" "absent absent" "$(head_ref batch b1) $(head_ref batch b7)"

# --- the default: one view for 5 manifests ---
oci_push tags wide w 5 >/dev/null
plan_of wide '^w[0-9]$'
apply wide
check_eq "default: the apply exits 0" 0 "$?"
check_eq "default: 5 manifests, --parallel 16: 1 listing" 1 "$(listings wide)"
check_eq "default: all 5 deleted" "absent absent" "$(head_ref wide w1) $(head_ref wide w5)"

# --- --parallel 1: one at a time, still one view ---
oci_push tags one n 3 >/dev/null
plan_of one '^n[0-9]$'
apply one --parallel 1
check_eq "one: the apply exits 0" 0 "$?"
check_eq "one: --parallel 1: one listing for the 3 manifests" 1 "$(listings one)"
check_eq "one: all 3 deleted" "absent absent absent" \
	"$(head_ref one n1) $(head_ref one n2) $(head_ref one n3)"

# --- HEADs without a (valid) Docker-Content-Digest: GET, and still safe ---
# digest_rule NAME METHOD ACTION: a plan of NAME's 4 tags, one of them then
# given to a new tag; the apply with the tags' METHOD answered with ACTION
digest_rule() {
	local n=$1 m=$2 act=$3 d
	oci_push tags "$n" d 4 >/dev/null
	plan_of "$n" '^d[0-9]$'
	d=$(digest_of "$n" d2)
	oci_push retag "$n" "$d" d2-new >/dev/null
	echo "$m /v2/$n/manifests/d[0-9] $act *" >"$W/rules"
	apply "$n"
	check_eq "$act: the apply exits 0" 0 "$?"
	: >"$W/rules"
	check_eq "$act: d2, given a new tag after planning, is changed; d1, d3, d4 are deleted" \
		"changed deleted deleted deleted" \
		"$(outcomes "$W/$n.report.json" manifest | tr ' ' '\n' | sed 's/.*=//' | sort | tr '\n' ' ' | sed 's/ $//')"
	check_eq "$act: d2 and d2-new still name it; d1 is gone" "$d $d absent" \
		"$(head_ref "$n" d2) $(head_ref "$n" d2-new) $(head_ref "$n" d1)"
	check_eq "$act: the view's 5 HEADs were answered with $act" 5 \
		"$(awk '/^DELETE /{exit} {print}' "$W/proxy.log" | grep -cE "^HEAD /v2/$n/manifests/d[0-9](-new)? .* $act\$")"
	check_eq "$act: ... so each of the 5 tags was fetched (GET) before the first DELETE" 5 \
		"$(awk '/^DELETE /{exit} {print}' "$W/proxy.log" | grep -cE "^GET /v2/$n/manifests/d[0-9](-new)? ")"
}
digest_rule nodig '*' nodigest
digest_rule baddig HEAD baddigest

oci_push tags wrong e 3 >/dev/null
plan_of wrong '^e[0-9]$'
E1=$(digest_of wrong e1) E3=$(digest_of wrong e3)
printf '%s\n' 'HEAD /v2/wrong/manifests/e[0-9] nodigest *' \
	'GET /v2/wrong/manifests/e[0-9] wrongdigest *' >"$W/rules"
apply wrong
check_eq "wrong body: the apply exits 3 (failures)" 3 "$?"
: >"$W/rules"
check_eq "wrong body: every manifest failed" "failed failed failed" \
	"$(outcomes "$W/wrong.report.json" manifest | tr ' ' '\n' | sed 's/.*=//' | tr '\n' ' ' | sed 's/ $//')"
check "wrong body: ... saying the body does not match the digest" grep -q "does not match its digest .sha256:e3b0c442" \
	<(/usr/bin/python3 -c 'import json,sys; print([i["reason"] for i in json.load(open(sys.argv[1]))["items"] if i["kind"] == "manifest"][0])' "$W/wrong.report.json")
check_eq "wrong body: nothing was deleted" "0 $E1 $E3" \
	"$(grep -c '^DELETE ' "$W/proxy.log") $(head_ref wrong e1) $(head_ref wrong e3)"

# --- the time bound: no view older than 1 s is used ---
oci_push tags slow s 3 >/dev/null
plan_of slow '^s[0-9]$'
echo 'GET /v2/slow/tags/list slow:1.1 *' >"$W/rules"
apply slow
check_eq "time: the apply exits 0" 0 "$?"
: >"$W/rules"
check_eq "time: listings of 1.1 s: a listing for each of the 3 manifests" 3 "$(listings slow)"
check_eq "time: all 3 deleted" "absent absent absent" \
	"$(head_ref slow s1) $(head_ref slow s2) $(head_ref slow s3)"

# --- a crash inside a shared view, then a change before the rerun ---
oci_push tags crash c 5 >/dev/null
plan_of crash '^c[0-9]$'
: >"$W/proxy.log"
rc=$( (RECLAIM_TEST_CRASH_AFTER_BATCH_SENT=2 "$APPLY" --auto-approve -q "$W/crash.json" \
	>/dev/null 2>&1)
	echo $?) 2>/dev/null
check_eq "crash: the hook kills the run after 2 deletes of the batch" 137 "$rc"
check_eq "crash: ... of which the proxy saw 2" 2 "$(grep -c '^DELETE ' "$W/proxy.log")"
check_eq "crash: ... after one listing" 1 "$(listings crash)"
left=""
for i in 1 2 3 4 5; do
	[ "$(head_ref crash "c$i")" != absent ] && left="$left c$i"
done
check_eq "crash: 2 manifests were deleted, 3 are left" 3 "$(wc -w <<<"$left")"
keep=$(awk '{print $1}' <<<"$left")
KD=$(digest_of crash "$keep")
oci_push retag crash "$KD" "$keep-new" >/dev/null
apply crash
check_eq "crash: the rerun exits 0" 0 "$?"
check_eq "crash: ... with one listing of its own" 1 "$(listings crash)"
check_eq "crash: the newly tagged $keep is changed, not deleted" "$KD $KD" \
	"$(head_ref crash "$keep") $(head_ref crash "$keep-new")"
left2=""
for i in 1 2 3 4 5; do
	[ "$(head_ref crash "c$i")" != absent ] && left2="$left2 c$i"
done
check_eq "crash: every other tag is gone" " $keep" "$left2"
check_eq "crash: the rerun's outcomes" "already-absent 2 changed 1 deleted 2" \
	"$(outcomes "$W/crash.report.json" manifest | tr ' ' '\n' | sed 's/.*=//' | sort | uniq -c | awk '{printf "%s %s ", $2, $1}' | sed 's/ $//')"
# the journal: per manifest, the crashed run's intent, and one outcome;
# the 2 the rerun deleted: its intent too
check_eq "crash: the journal, per manifest: intents and outcomes" \
	"1 1|1 1|1 1|2 1|2 1" \
	"$(/usr/bin/python3 - "$W/crash.journal" <<'PY'
import json, sys
n = {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    i = e.get("item", "")
    if "/manifest/" not in i:
        continue
    a = n.setdefault(i, [0, 0])
    if e.get("event") == "intent":
        a[0] += 1
    elif e.get("event") == "outcome":
        a[1] += 1
print("|".join(sorted("%d %d" % tuple(v) for v in n.values())))
PY
)"
# --- hung: a registry that stops answering in the middle of a run ---
oci_push tags hung h 3 >/dev/null || { not_ok "seed hung"; exit 1; }
plan_of hung '^h[0-9]$'
echo '* /v2/hung/ slow:4 *' >"$W/rules"
SECONDS=0
apply hung --timeout 1s --journal "$W/hung.journal"
rc=$?
took=$SECONDS
check_eq "hung: exit 3 (a failed item)" "3" "$rc"
check "hung: ended within one timeout or two, not one per item (${took}s)" test "$took" -le 4
check_eq "hung: the first item failed, the others not attempted" \
	"failed not-attempted not-attempted not-attempted not-attempted not-attempted" \
	"$(/usr/bin/python3 -c 'import json,sys; print(" ".join(i["outcome"] for i in json.load(open(sys.argv[1]))["items"]))' "$W/hung.report.json")"
check "hung: the first says it timed out" grep -q "re-check failed: .*within 1s" <<<"$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["items"][0]["reason"])' "$W/hung.report.json")"
check "hung: the others say why" grep -q "not attempted: an earlier re-check of its source timed out" \
	<<<"$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["items"][1]["reason"])' "$W/hung.report.json")"
check_eq "hung: no DELETE was sent" "0" "$(grep -c '^DELETE' "$W/proxy.log")"
: >"$W/rules"
apply hung --timeout 1s --journal "$W/hung.journal"
check_eq "hung: a rerun after the registry recovers exits 0" "0" "$?"
check_eq "hung: ... and deletes what the plan holds" "absent absent absent" \
	"$(for t in h1 h2 h3; do head_ref hung "$t" | grep -q sha256 && echo present || echo absent; done | xargs)"
finish
