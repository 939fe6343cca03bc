#!/usr/bin/env bash
# Deletes sent together in batches (docs/apply.md, "Batches") against a
# real docker-registry (anonymous set-up), through tests/fake/fault_proxy.py,
# which logs every request. Each repository is seeded alike: x1..x10 (x3b
# also names x3) and the kept k1, k2 (the same images as x1, x2) and keep5
# (on x5); the plan takes the tags matching ^x[0-9]+b?$: 7 manifests
# deleted, x1, x2 and x5 untagged through the placeholder.
#
#   same result  : one repository applied in batches (--parallel left at
#                  16), another with --parallel 1: the same outcomes, the
#                  same tags left, each kept tag on the digest it had; the
#                  batch sends its 7 DELETEs after its 7 re-checks (HEADs),
#                  --parallel 1 one after each; --parallel 3: batches of 3;
#                  a rerun is a no-op (already-done, no DELETE, no HEAD)
#   crash        : SIGKILL in the middle of a batch, after its 3rd delete's
#                  answer (every DELETE sent, 2 outcomes journaled), and
#                  after its 4th intent (nothing sent): the rerun completes,
#                  nothing kept is deleted
#   faults       : inside one batch, a DELETE answered 500 every time
#                  (failed, exit 3), one 429 once (retried: deleted), one
#                  reset once after the registry acted (the retry finds it
#                  absent), one slower than --timeout (failed, sent once,
#                  never again); the others deleted; the rerun without
#                  faults completes
#   --fail-fast  : a re-check failing inside a batch: the items before it
#                  are deleted, the rest of the run not attempted; a DELETE
#                  failing inside a batch: the batch's other DELETEs were
#                  sent (deleted), the run stops after the batch
set -u
source "$(dirname "$0")/../lib/registry.sh"
PLAN="$ROOT/$BUILD/reclaim-plan"
APPLY="$ROOT/$BUILD/reclaim-apply"

registry_start anon || exit 1
trap 'fault_proxy_stop; registry_stop' EXIT
W=$REG_T/work
fault_proxy_start "$W" || { not_ok "the proxy starts"; exit 1; }

head_ref() { "$REG_TOOL" "$REG_URL" head "$1" "$2" 2>&1; }
# seed REPO: the fixture above; prints nothing
seed() {
	oci_push tags "$1" x 10 >/dev/null &&
		oci_push retag "$1" "$(head_ref "$1" x3)" x3b >/dev/null &&
		oci_push retag "$1" "$(head_ref "$1" x5)" keep5 >/dev/null &&
		oci_push tags "$1" k 2 >/dev/null
}
# kept REPO: what the kept tags name
kept() { echo "$(head_ref "$1" k1) $(head_ref "$1" k2) $(head_ref "$1" keep5)"; }
# left REPO: the tags the registry lists, sorted
left() {
	curl -s "$REG_URL/v2/$1/tags/list" |
		/usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin).get("tags") or [])))'
}
# summary REPORT: "kind outcome count" of its items, sorted
summary() {
	/usr/bin/python3 - "$1" <<'PY'
import collections, json, sys
r = json.load(open(sys.argv[1]))
c = collections.Counter((i["kind"], i["outcome"]) for i in r["items"])
print(", ".join("%s %s %d" % (k, o, n) for (k, o), n in sorted(c.items())))
PY
}
# reason REPORT OBJECT: outcome and reason of the item of that object
reason() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(" ".join(i["outcome"] + ": " + i["reason"] for i in r["items"] if i["object"] == sys.argv[2]) or "none")
PY
}
# digests PLAN: the planned manifests' digests, one a line
digests() {
	/usr/bin/python3 -c 'import json,sys; [print(c["object"].split("@")[1]) for c in json.load(open(sys.argv[1]))["candidates"] if c["kind"]=="manifest"]' "$1"
}
# order REPO PLAN: the proxy's HEADs (H) and DELETEs (D) of the planned
# manifests, in the order it saw them
order() {
	grep -E "^(HEAD|DELETE) /v2/$1/manifests/sha256:" "$W/proxy.log" |
		grep -F -f <(digests "$2") | cut -c1 | tr -d '\n'
	echo
}
# plan_of NAME REPO: the plan of REPO's x tags, as $W/NAME.json
plan_of() {
	"$PLAN" --registry "$PURL" --repos "$2" --older-than 1d --match-tags '^x[0-9]+b?$' \
		--min-age 0 -q -o "$W/$1.json" >/dev/null 2>"$W/$1.err"
	check_eq "$1: the plan is made" "0 " "$? $(cat "$W/$1.err")"
}
# apply NAME ARGS...: applies $W/NAME.json, the proxy's log emptied first
apply() {
	local n=$1
	shift
	: >"$W/proxy.log"
	"$APPLY" --auto-approve -q --report "$W/$n.report.json" "$@" "$W/$n.json" >/dev/null \
		2>"$W/$n.err"
}
WANT="manifest deleted 7, tag already-absent 8, tag deleted 3"

# --- the same result in batches and one at a time ---
seed par && seed seq && seed three || { not_ok "seed"; exit 1; }
KPAR=$(kept par) KSEQ=$(kept seq)
plan_of par par
plan_of seq seq
plan_of three three
apply par
check_eq "batches: the apply exits 0" "0 " "$? $(cat "$W/par.err")"
check_eq "batches: the outcomes" "$WANT" "$(summary "$W/par.report.json")"
check_eq "batches: 7 re-checks, then the 7 DELETEs together" HHHHHHHDDDDDDD \
	"$(order par "$W/par.json")"
apply seq --parallel 1
check_eq "--parallel 1: the apply exits 0" "0 " "$? $(cat "$W/seq.err")"
check_eq "--parallel 1: the same outcomes" "$WANT" "$(summary "$W/seq.report.json")"
check_eq "--parallel 1: each DELETE right after its re-check" HDHDHDHDHDHDHD \
	"$(order seq "$W/seq.json")"
apply three --parallel 3
check_eq "--parallel 3: the apply exits 0" "0 " "$? $(cat "$W/three.err")"
check_eq "--parallel 3: the same outcomes" "$WANT" "$(summary "$W/three.report.json")"
check_eq "--parallel 3: batches of 3" HHHDDDHHHDDDHD "$(order three "$W/three.json")"
check_eq "the same tags are left in each" "k1 k2 keep5|k1 k2 keep5|k1 k2 keep5" \
	"$(left par)|$(left seq)|$(left three)"
check_eq "batches: the kept tags name what they named" "$KPAR" "$(kept par)"
check_eq "--parallel 1: the kept tags name what they named" "$KSEQ" "$(kept seq)"
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ "$(head_ref par "x$i")" = absent ] || not_ok "batches: x$i is gone"
done
apply par
check_eq "batches: a rerun exits 0" "0 " "$? $(cat "$W/par.err")"
check_eq "... everything already done" "manifest already-done 7, tag already-done 11" \
	"$(summary "$W/par.report.json")"
check_eq "... and sends no DELETE, nor a manifest's HEAD" "0 0" \
	"$(grep -c '^DELETE ' "$W/proxy.log") $(grep -c '^HEAD /v2/par/manifests/sha256:' "$W/proxy.log")"

# crash NAME HOOK=N: seeds and plans repository NAME, then applies it with
# the crash hook; sets K (the kept tags before) and RC (the exit status)
crash() {
	seed "$1" || { not_ok "seed $1"; exit 1; }
	K=$(kept "$1")
	plan_of "$1" "$1"
	: >"$W/proxy.log"
	RC=$( (env "$2" "$APPLY" --auto-approve -q "$W/$1.json" >/dev/null 2>&1)
		echo $?) 2>/dev/null
}
# rerun NAME WHAT WANT: the rerun after a crash completes with WANT
rerun() {
	apply "$1"
	check_eq "$2: the rerun exits 0" "0 " "$? $(cat "$W/$1.err")"
	check_eq "... and completes" "$3" "$(summary "$W/$1.report.json")"
	check_eq "... the kept tags name what they named" "$K" "$(kept "$1")"
	check_eq "... the tags left" "k1 k2 keep5" "$(left "$1")"
}

# --- a crash in the middle of a batch, after its deletes were sent ---
crash cra RECLAIM_TEST_CRASH_AFTER_DELETES=3
check_eq "crash after deletes: killed" 137 "$RC"
check_eq "... after every DELETE of the batch was sent" 7 "$(grep -c '^DELETE ' "$W/proxy.log")"
check_eq "... and 2 outcomes journaled" 2 "$(grep -c '"outcome"' "$W/cra.journal")"
rerun cra "crash after deletes" \
	"manifest already-absent 5, manifest already-done 2, tag already-absent 8, tag deleted 3"

# --- a crash in the middle of a batch, before its deletes ---
crash cri RECLAIM_TEST_CRASH_AFTER_INTENT=4
check_eq "crash after intents: killed" 137 "$RC"
check_eq "... before any DELETE" 0 "$(grep -c '^DELETE ' "$W/proxy.log")"
check_eq "... with 4 intents journaled" 4 "$(grep -c '"intent"' "$W/cri.journal")"
rerun cri "crash after intents" "$WANT"

# --- faults on some DELETEs of a batch ---
seed flt || { not_ok "seed flt"; exit 1; }
KFLT=$(kept flt)
plan_of flt flt
D1=$(head_ref flt x3) D2=$(head_ref flt x4) D4=$(head_ref flt x6) D6=$(head_ref flt x7)
cat >"$W/rules" <<R
DELETE /v2/flt/manifests/$D1 500 *
DELETE /v2/flt/manifests/$D2 429:1 1
DELETE /v2/flt/manifests/$D4 reset 1
DELETE /v2/flt/manifests/$D6 slow:8 *
R
apply flt --timeout 1s
check_eq "faults: the apply exits 3 (failures)" "3" "$?"
: >"$W/rules"
check_eq "faults: the DELETEs went out together, once each but the retried" \
	HHHHHHHDDDDDDD "$(order flt "$W/flt.json" | cut -c1-14)"
check "... a lasting 500 fails its item: $(reason "$W/flt.report.json" "flt@$D1")" \
	grep -q "^failed: .*HTTP 500" <(reason "$W/flt.report.json" "flt@$D1")
check_eq "... and it stays" "$D1" "$(head_ref flt "$D1")"
n=$(grep -c "^DELETE /v2/flt/manifests/$D1 " "$W/proxy.log")
check "... after a bounded number of attempts ($n)" test "$n" -ge 2 -a "$n" -le 6
check_eq "... a 429 once is retried: deleted" "deleted: |absent|2" \
	"$(reason "$W/flt.report.json" "flt@$D2")|$(head_ref flt "$D2")|$(grep -c "^DELETE /v2/flt/manifests/$D2 " "$W/proxy.log")"
check_eq "... a reset after the registry acted: the retry finds it absent" \
	"already-absent: |absent" "$(reason "$W/flt.report.json" "flt@$D4")|$(head_ref flt "$D4")"
check "... a DELETE slower than --timeout fails, saying so: $(reason "$W/flt.report.json" "flt@$D6")" \
	grep -q "^failed: .*did not answer DELETE .* within 1s" <(reason "$W/flt.report.json" "flt@$D6")
check_eq "... and is not sent again" 1 "$(grep -c "^DELETE /v2/flt/manifests/$D6 " "$W/proxy.log")"
check_eq "... the others are deleted" \
	"manifest already-absent 1, manifest deleted 4, manifest failed 2, tag already-absent 5, tag changed 3, tag deleted 3" \
	"$(summary "$W/flt.report.json")"
# the slow DELETE reaches the registry after the proxy's wait
for _ in $(seq 1 100); do [ "$(head_ref flt "$D6")" = absent ] && break; sleep 0.1; done
apply flt
check_eq "faults: the rerun without faults exits 0" "0 " "$? $(cat "$W/flt.err")"
check_eq "... x3 is deleted now, x7 was by its slow DELETE" "deleted: |already-absent: " \
	"$(reason "$W/flt.report.json" "flt@$D1")|$(reason "$W/flt.report.json" "flt@$D6")"
check_eq "... the kept tags name what they named" "$KFLT" "$(kept flt)"
check_eq "... the tags left" "k1 k2 keep5" "$(left flt)"

# --- --fail-fast: a re-check failing inside a batch ---
seed ff || { not_ok "seed ff"; exit 1; }
plan_of ff ff
mapfile -t FD < <(digests "$W/ff.json")
echo "HEAD /v2/ff/manifests/${FD[3]} 500 *" >"$W/rules"
apply ff --fail-fast
check_eq "--fail-fast: exit 3" 3 "$?"
: >"$W/rules"
check_eq "... the 3 before it deleted, it failed, the rest not attempted" \
	"manifest deleted 3, manifest failed 1, manifest not-attempted 3, tag not-attempted 11" \
	"$(summary "$W/ff.report.json")"
check_eq "... only those 3 were sent" 3 "$(grep -c '^DELETE ' "$W/proxy.log")"
check_eq "... the 4th and the 5th are there" "${FD[3]} ${FD[4]}" \
	"$(head_ref ff "${FD[3]}") $(head_ref ff "${FD[4]}")"

# --- --fail-fast: a DELETE failing inside a batch ---
seed fd || { not_ok "seed fd"; exit 1; }
plan_of fd fd
mapfile -t DD < <(digests "$W/fd.json")
echo "DELETE /v2/fd/manifests/${DD[1]} 500 *" >"$W/rules"
apply fd --fail-fast
check_eq "--fail-fast, a failed DELETE: exit 3" 3 "$?"
: >"$W/rules"
check_eq "... the batch's other DELETEs were sent: deleted; the run stops after it" \
	"manifest deleted 6, manifest failed 1, tag not-attempted 11" \
	"$(summary "$W/fd.report.json")"
check_eq "... the failed one is there" "${DD[1]}" "$(head_ref fd "${DD[1]}")"
finish
