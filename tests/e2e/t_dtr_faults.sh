#!/usr/bin/env bash
# DTR pagination and faults against the double: many pages are walked with
# one request per page and no per-tag GET; a bad password, 403 and 500 are
# one clear line; a 429 is honoured and retried; malformed or truncated
# JSON, an X-Next-Page-Start that never ends or repeats are bounded errors;
# no plan is written and nothing is deleted.
set -u
source "$(dirname "$0")/../lib/dtr.sh"
T=$DTR_T
# 3 repositories of 250 tags: 1 page of repositories, 3 pages of tags each
dtr_start bulk 3 250 "$DTR_USER" "$DTR_PASS" || { not_ok "the double starts"; exit 1; }

dtr_plan --keep-last 5 --min-age 0 -o "$T/plan.json" >"$T/plan.out" 2>"$T/plan.err"
check_eq "a paged scan succeeds" "0" "$?"
check_eq "750 tags planned" "750" "$(/usr/bin/python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); print(len(p["candidates"])+len(p["protected"]))' "$T/plan.json")"
check_eq "requests == pages (1 + 3x3), no per-tag GET" "10" "$(grep -c . "$DTR_LOG")"
check_eq "every page but the first of each listing carries pageStart" "6" "$(grep -c 'pageStart=' "$DTR_LOG")"
check_eq "the summary groups candidates by repository, with their bytes after GC" "3" \
	"$(grep -cE '^dtr-127\.0\.0\.1-[0-9]+ +ns[0-2]/repo000[0-2] +245 +0 +0 +[1-9][0-9.]*kB$' "$T/plan.out")"

# --max-rps paces the DTR too: 10 requests at 4 a second span 2.25 s at least
: >"$DTR_LOG"
t0=$(date +%s%N)
dtr_plan --keep-last 5 --min-age 0 --max-rps 4 -q >/dev/null 2>"$T/paced.err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
n=$(grep -c . "$DTR_LOG")
check_eq "--max-rps 4: the plan succeeds, same requests" "0 10" "$rc $n"
check "... at most 4 a second (${ms} ms >= $(((n - 1) * 250 * 9 / 10)))" \
	test "$ms" -ge $(((n - 1) * 250 * 9 / 10))
# progress on a terminal: repositories, tags and req/s, then cleared
printf '%s\n' "$DTR_PASS" >"$T/pw"
/usr/bin/python3 "$ROOT/tests/lib/on_tty.py" "$T/tty.out" bash -c \
	'"$0" --dtr "$1" --username "$2" --password-stdin --keep-last 5 --min-age 0 <"$3"' \
	"$PLAN" "$DTR_URL" "$DTR_USER" "$T/pw" >"$T/tty.err"
check_eq "on a TTY: the plan succeeds" "0" "$?"
check "... the progress line ends at 3/3 repositories, 750 tags, and is cleared" \
	/usr/bin/python3 -c 'import re,sys; r=open(sys.argv[1],"rb").read().decode(); sys.exit(0 if re.search(r"\r\x1b\[KDTR "+re.escape(sys.argv[2])+r": 3/3 repositories, 750 tags, \d+ req/s\r\x1b\[K", r) else 1)' \
	"$T/tty.err" "$DTR_URL"
rm -f "$T/pw"

fails() { # NAME EXPECTED-PATTERN ARGS...: plan fails with one line matching
	local name=$1 pat=$2 out rc
	shift 2
	rm -f "$T/bad.json"
	out=$("$@" -o "$T/bad.json" 2>&1 >/dev/null)
	rc=$?
	check_eq "$name: exits 1" "1" "$rc"
	check_eq "$name: one line" "1" "$(printf '%s\n' "$out" | grep -c .)"
	check "$name: says '$pat'" grep -q -e "$pat" <<<"$out"
	check "$name: no plan written" test ! -e "$T/bad.json"
	check "$name: no secret in it" test -z "$(grep -e "$DTR_PASS" <<<"$out")"
}

: >"$DTR_LOG"
fails "bad password" "refused the credentials.*HTTP 401: NOT_AUTHENTICATED" \
	env DTR_PASS=wrong bash -c 'printf "%s\n" wrong-pw | "$0" --dtr "$1" --username "$2" --password-stdin --keep-last 1' "$PLAN" "$DTR_URL" "$DTR_USER"
check_eq "bad password: one request, not retried" "1" "$(grep -c . "$DTR_LOG")"
fails "no credentials" "refused the credentials (none were found)" "$PLAN" --dtr "$DTR_URL" --keep-last 1

dtr_control '{"op":"fault","mode":"403","match":"/repo0001/tags","times":1}'
fails "403" "HTTP 403: NOT_AUTHORIZED" dtr_plan --keep-last 1

dtr_control '{"op":"fault","mode":"500","match":"/repo0002/tags","times":-1}'
: >"$DTR_LOG"
fails "500" "listing the tags of 'ns2/repo0002': HTTP 500: INTERNAL_ERROR" dtr_plan --keep-last 1
check_eq "500: bounded retries (1 + 3)" "4" "$(grep -c ' 500 ' "$DTR_LOG")"
dtr_control '{"op":"clear_faults"}'

dtr_control '{"op":"fault","mode":"429","match":"/repo0000/tags","times":1}'
: >"$DTR_LOG"
start=$SECONDS
dtr_plan --keep-last 1 -q >/dev/null 2>"$T/429.err"
check_eq "429: the plan succeeds" "0" "$?"
check_eq "429: then the same page again" "429 200" \
	"$(grep 'repo0000/tags?pageSize=100 ' "$DTR_LOG" | awk '{print $3}' | tr '\n' ' ' | sed 's/ $//')"
check "429: Retry-After honoured (>= 1s)" test $((SECONDS - start)) -ge 1

for mode in malformed truncated; do
	dtr_control "{\"op\":\"fault\",\"mode\":\"$mode\",\"match\":\"/repo0001/tags\",\"times\":-1}"
	fails "$mode tag JSON" "malformed DTR answer" dtr_plan --keep-last 1
	dtr_control '{"op":"clear_faults"}'
done

dtr_control '{"op":"fault","mode":"endless","match":"/repo0000/tags","times":-1}'
: >"$DTR_LOG"
fails "endless X-Next-Page-Start" "the listing does not end" dtr_plan --keep-last 1
check "endless: bounded by X-Resource-Count (a handful of pages)" \
	test "$(grep -c 'repo0000/tags' "$DTR_LOG")" -le 5
dtr_control '{"op":"clear_faults"}'
dtr_control '{"op":"fault","mode":"repeat","match":"/api/v0/repositories","times":-1}'
fails "repeating X-Next-Page-Start" "came twice" dtr_plan --keep-last 1
dtr_control '{"op":"clear_faults"}'

# apply: a malformed re-check answer fails the item and deletes nothing
D=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["digest"])' "$T/plan.json")
dtr_control '{"op":"fault","mode":"truncated","match":"/tags/t","times":-1}'
: >"$DTR_LOG"
dtr_apply --approve "$D" --fail-fast --report "$T/r.json" "$T/plan.json" >/dev/null 2>&1
check_eq "a truncated re-check answer: exit 3" "3" "$?"
check_eq "... and nothing deleted" "0" "$(grep -c '^DELETE' "$DTR_LOG")"
dtr_control '{"op":"clear_faults"}'
check_eq "no password in any output" "" "$(grep -rl -e "$DTR_PASS" "$T" --exclude=fixture.json)"
finish
