#!/usr/bin/env bash
# Plan and apply against a real docker-registry (distribution 2.8), in each
# auth set-up: anonymous, htpasswd basic, token. What tests/lib/oci_push.py
# seeds is planned with registry flags, changed between plan and apply, then
# applied; each check states what the registry holds afterwards.
#
#   app:1.0 (+ its cosign signature) : candidate -> manifest deleted, signature with it
#   app:1.1 + app:latest (kept)      : only the untag of 1.1 (placeholder), latest stays
#   multi:2, an index of two         : candidate -> index and both children deleted
#   paged:p1                         : re-pushed after planning -> changed, new push stays
#   paged:p2                         : a new tag put on its digest -> changed, both stay
#   paged:p3, p4                     : deleted
#   paged:p5                         : in --keep-refs -> never a candidate
#
# The untag crashes between its placeholder PUT and DELETE
# (RECLAIM_TEST_CRASH_AFTER_UNTAG); a rerun finishes it; a third run is a
# no-op. A bad password is one line, exit 1, nothing deleted. Anonymous
# also runs the real garbage-collect and compares the bytes it frees with
# the plan's bytes_freed_after_gc (within 2%, a base layer shared with kept
# images in play).
set -u
source "$(dirname "$0")/../lib/registry.sh"
PLAN="$ROOT/$BUILD/reclaim-plan"
APPLY="$ROOT/$BUILD/reclaim-apply"

# head REPO REF: the digest it names now, or "absent"
head_ref() { "$REG_TOOL" "$REG_URL" head "$1" "$2" 2>&1; }

# outcome REPORT ITEM-SUFFIX: the outcome of the item whose id ends so
outcome() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
items = r.get("items", [])
print(" ".join(i["outcome"] for i in items if i["id"].endswith(sys.argv[2])) or "none")
PY
}

sorted_words() { printf '%s\n' "$@" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'; }

plan_field() {
	/usr/bin/python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# blob_sizes: "digest size" of every blob the registry stores
blob_sizes() {
	find "$REG_T/data/docker/registry/v2/blobs" -name data -type f -printf '%h %s\n' 2>/dev/null |
		sed 's|.*/||' | sort
}

one_mode() {
	local mode=$1 out d err rc
	registry_start "$mode" || { not_ok "$mode: registry starts"; return; }
	oci_push seed >"$REG_T/seed.txt" || { not_ok "$mode: seed pushed"; registry_stop; return; }
	# shellcheck disable=SC1091
	source "$REG_T/seed.txt"
	if [ "$mode" != anon ]; then
		export RECLAIM_REGISTRY_USERNAME=$REG_USER RECLAIM_REGISTRY_PASSWORD=$REG_PASS
	fi
	printf '# what production runs\npaged:p5\n' >"$REG_T/keep.txt"
	out=$REG_T/plan.json
	"$PLAN" --registry "$REG_URL" --older-than 1d --match-tags '^(1\.[0-9]|p[0-9]|2)$' \
		--keep-tags '^latest$' --keep-refs "$REG_T/keep.txt" --min-age 0 -q -o "$out" \
		>"$REG_T/plan.out" 2>"$REG_T/plan.err"
	check_eq "$mode: the plan is made" "" "$(cat "$REG_T/plan.err")"
	check_eq "$mode: the plan's source is the registry, named by its URL" \
		"registry registry-${REG_HOSTPORT/:/-} $REG_URL" \
		"$(plan_field "$out" '" ".join([p["sources"][0]["type"], p["sources"][0]["name"], p["sources"][0]["identity"]["url"]]) + (" +%d" % (len(p["sources"])-1) if len(p["sources"])>1 else "")')"
	check_eq "$mode: candidates" \
		"$(sorted_words manifest:app@$APP_10 manifest:app@$SIG manifest:multi@$MULTI_AMD64 manifest:multi@$MULTI_ARM64 manifest:multi@$MULTI_IDX manifest:paged@$PAGED_1 manifest:paged@$PAGED_2 manifest:paged@$PAGED_3 manifest:paged@$PAGED_4 tag:app:$SIG_TAG tag:app:1.0 tag:app:1.1 tag:multi:2 tag:paged:p1 tag:paged:p2 tag:paged:p3 tag:paged:p4)" \
		"$(plan_field "$out" '" ".join(sorted(c["kind"]+":"+c["object"] for c in p["candidates"]))')"
	check "$mode: the untag of app:1.1 says latest keeps the manifest" \
		grep -q "only the tag goes: manifest 'app@sha256:.*' stays for tag 'app:latest'" <<<"$(plan_field "$out" '[c["reason"] for c in p["candidates"] if c["object"]=="app:1.1"][0]')"
	check_eq "$mode: --keep-refs keeps paged:p5" "keep-ref" \
		"$(plan_field "$out" '[c["rule"] for c in p["protected"] if c["object"]=="paged:p5"][0]')"
	d=$(plan_field "$out" 'p["digest"]')

	# a bad password: one line, exit 1, nothing deleted
	if [ "$mode" != anon ]; then
		err=$(RECLAIM_REGISTRY_PASSWORD=wrong-password "$APPLY" --approve "$d" \
			--journal "$REG_T/bad.journal" "$out" 2>&1 >/dev/null)
		rc=$?
		check_eq "$mode: a bad password exits 1" 1 "$rc"
		check_eq "$mode: ... with one error line" 1 "$(printf '%s\n' "$err" | wc -l)"
		check "$mode: ... that says the credentials were refused" grep -q "refused the credentials" <<<"$err"
		check_eq "$mode: ... and nothing was deleted" "$PAGED_3" "$(head_ref paged p3)"
	fi

	# changes after planning
	oci_push image paged p1 >"$REG_T/p1.new"
	oci_push retag paged "$PAGED_2" p2-new >/dev/null

	# a dry run says what the apply will: p2's tag stays with its changed
	# manifest (the dry run opens the registry read-only)
	"$APPLY" --approve "$d" --dry-run --report "$REG_T/dry.json" "$out" >/dev/null 2>&1
	check_eq "$mode: a dry run after the changes exits 0" 0 "$?"
	check_eq "$mode: ... and says p2's manifest and its tag are changed" "changed changed" \
		"$(outcome "$REG_T/dry.json" "/manifest/paged@$PAGED_2") $(outcome "$REG_T/dry.json" /tag/paged:p2)"
	check_eq "$mode: ... and p3 goes with its manifest" "would-delete would-delete" \
		"$(outcome "$REG_T/dry.json" "/manifest/paged@$PAGED_3") $(outcome "$REG_T/dry.json" /tag/paged:p3)"

	# apply, killed between the placeholder's PUT and its DELETE
	rc=$( (RECLAIM_TEST_CRASH_AFTER_UNTAG=1 "$APPLY" --approve "$d" -q "$out" >/dev/null 2>&1)
		echo $?) 2>/dev/null
	check_eq "$mode: the crash hook kills the run in the untag" 137 "$rc"
	check "$mode: the journal holds the placeholder's steps" \
		grep -q '"event":"untag-put"' "$REG_T/plan.journal"
	check "$mode: app:1.1 names the placeholder until a rerun" \
		test "$(head_ref app 1.1)" != "$APP_11" -a "$(head_ref app 1.1)" != absent
	"$APPLY" --approve "$d" --report "$REG_T/report.json" "$out" >"$REG_T/apply.out" 2>&1
	rc=$?
	check_eq "$mode: the rerun exits 0" 0 "$rc"
	check_eq "$mode: the rerun finishes the untag" deleted "$(outcome "$REG_T/report.json" /tag/app:1.1)"
	check_eq "$mode: app:1.1 is gone" absent "$(head_ref app 1.1)"
	check_eq "$mode: app:latest still names the same digest" "$APP_11" "$(head_ref app latest)"
	check_eq "$mode: ... whose manifest stays" "$APP_11" "$(head_ref app "$APP_11")"
	REG_SCOPE=repository:app:pull reg_curl /v2/app/tags/list >"$REG_T/app-tags.json"
	check "$mode: the tag-deletion probe left no tag of its own" \
		sh -c 'grep -q "\"latest\"" "$1" && ! grep -q reclaim-probe "$1"' _ "$REG_T/app-tags.json"
	check "$mode: ... and found this registry has none (distribution 2.8)" \
		grep -q "untag-blob" "$REG_T/plan.journal"
	check_eq "$mode: app:1.0's manifest is deleted" absent "$(head_ref app "$APP_10")"
	check_eq "$mode: its signature followed it" "absent absent" \
		"$(head_ref app "$SIG") $(head_ref app "$SIG_TAG")"
	check_eq "$mode: the index and both children are gone: no orphan" "absent absent absent" \
		"$(head_ref multi "$MULTI_IDX") $(head_ref multi "$MULTI_AMD64") $(head_ref multi "$MULTI_ARM64")"
	check_eq "$mode: the re-pushed p1 is changed, not deleted" "changed changed" \
		"$(outcome "$REG_T/report.json" "/manifest/paged@$PAGED_1") $(outcome "$REG_T/report.json" /tag/paged:p1)"
	check_eq "$mode: ... and the new push stays at p1" "$(cat "$REG_T/p1.new")" "$(head_ref paged p1)"
	check_eq "$mode: ... and the old p1 manifest stays" "$PAGED_1" "$(head_ref paged "$PAGED_1")"
	check_eq "$mode: a new tag on p2's digest makes it changed" "changed changed" \
		"$(outcome "$REG_T/report.json" "/manifest/paged@$PAGED_2") $(outcome "$REG_T/report.json" /tag/paged:p2)"
	check "$mode: ... naming the new tag" grep -q "paged:p2-new" <<<"$(/usr/bin/python3 -c 'import json,sys; print([i["reason"] for i in json.load(open(sys.argv[1]))["items"] if i["id"].endswith("/manifest/paged@'"$PAGED_2"'")][0])' "$REG_T/report.json")"
	check_eq "$mode: ... and p2 and p2-new still name it" "$PAGED_2 $PAGED_2" \
		"$(head_ref paged p2) $(head_ref paged p2-new)"
	check_eq "$mode: p3 and p4 are deleted" "absent absent" "$(head_ref paged p3) $(head_ref paged p4)"
	check_eq "$mode: p5 (--keep-refs) and team/svc stay" "$PAGED_5 $SVC_1" \
		"$(head_ref paged p5) $(head_ref team/svc 1)"

	# a third run deletes nothing
	"$APPLY" --approve "$d" --report "$REG_T/report3.json" "$out" >/dev/null 2>&1
	check_eq "$mode: a second apply exits 0" 0 "$?"
	check_eq "$mode: ... and touches nothing: done stays done, changed stays changed" \
		"already-done changed" \
		"$(/usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(set(i["outcome"] for i in json.load(open(sys.argv[1]))["items"]))))' "$REG_T/report3.json")"
	unset RECLAIM_REGISTRY_USERNAME RECLAIM_REGISTRY_PASSWORD
	registry_stop
}

for m in anon basic token; do
	one_mode "$m"
done

# Garbage collection frees what the plan says, within 2%: a plan with no
# changes after it, applied, then the real garbage-collect on the stopped
# registry. Blobs are compared by digest from before the apply, so that the
# placeholder's own blobs (made and dropped by the apply) do not count.
registry_start anon || exit 1
oci_push seed >"$REG_T/seed.txt"
# shellcheck disable=SC1091
source "$REG_T/seed.txt"
"$PLAN" --registry "$REG_URL" --older-than 1d --match-tags '^(1\.[0-9]|p[0-9]|2)$' \
	--keep-tags '^latest$' --min-age 0 -q -o "$REG_T/gc.json" >/dev/null 2>&1
blob_sizes >"$REG_T/before.txt"
"$APPLY" --auto-approve -q "$REG_T/gc.json" >/dev/null 2>&1
check_eq "gc: the apply exits 0" 0 "$?"
kill -TERM "$REG_PID" && wait "$REG_PID" 2>/dev/null
REG_PID=""
"$REGISTRY_BIN" garbage-collect "$REG_T/config.yml" >"$REG_T/gc.log" 2>&1
check_eq "gc: garbage-collect runs" 0 "$?"
blob_sizes >"$REG_T/after.txt"
freed=$(join -v1 "$REG_T/before.txt" "$REG_T/after.txt" | awk '{s+=$2} END {print s+0}')
want=$(plan_field "$REG_T/gc.json" 'p["summary"]["bytes_freed_after_gc"]')
check "gc: the base layer shared with kept images is not freed" \
	grep -q "${BASE_LAYER#sha256:}" "$REG_T/after.txt"
check "gc: freed $freed bytes, the plan said $want (within 2%)" \
	/usr/bin/python3 -c "import sys; f,w=$freed,$want; sys.exit(0 if w>0 and abs(f-w)<=0.02*w else 1)"
registry_stop
finish
