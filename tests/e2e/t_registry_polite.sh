#!/usr/bin/env bash
# Being polite to a registry (anonymous docker-registry behind
# tests/fake/fault_proxy.py, which logs every request):
#
#   --max-rps N   : a plan and an apply send at most N requests a second in
#                   all, whatever --parallel: ~65 requests at 10/s take at
#                   least ~6 s; without it the same scan is faster; bad values
#                   are a usage error (exit 2) in both commands
#   Retry-After   : waited as the registry says, at most --timeout
#   progress      : with stderr on a terminal the scan draws one line,
#                   redrawn in place (\r) a few times a second with
#                   repositories done/total, tags and req/s, and clears it
#                   before the summary; on a pipe, or with -q, nothing
set -u
source "$(dirname "$0")/../lib/registry.sh"
PLAN="$ROOT/$BUILD/reclaim-plan"
APPLY="$ROOT/$BUILD/reclaim-apply"

registry_start anon || exit 1
W=$REG_T/work
# three repositories of ten tags: per repository a tag list, ten manifests
# and ten configs
for r in team/one team/two team/three; do
	oci_push tags "$r" v 10 >/dev/null || { not_ok "seeding $r"; exit 1; }
done
fault_proxy_start || { not_ok "the proxy starts"; exit 1; }
# --no-cache: every plan sends the same requests (the cache's HEAD-first
# path is t_registry_cache's)
POLICY=(--keep-last 3 --min-age 0 --no-cache)
now_ms() { echo $(($(date +%s%N) / 1000000)); }
requests() { grep -c . "$W/proxy.log"; }

# --- the pace ---
: >"$W/proxy.log"
t0=$(now_ms)
"$PLAN" --registry "$PURL" "${POLICY[@]}" -q -o "$W/fast.json" >/dev/null 2>"$W/fast.err"
rc=$?
fast_ms=$(($(now_ms) - t0))
fast_n=$(requests)
check_eq "no limit: the plan succeeds" "0 " "$rc $(cat "$W/fast.err")"
check "no limit: about 60 requests ($fast_n)" test "$fast_n" -ge 60 -a "$fast_n" -le 80

: >"$W/proxy.log"
t0=$(now_ms)
"$PLAN" --registry "$PURL" "${POLICY[@]}" --max-rps 10 --parallel 16 -q -o "$W/paced.json" \
	>/dev/null 2>"$W/paced.err"
rc=$?
paced_ms=$(($(now_ms) - t0))
n=$(requests)
# n requests evenly spaced 100 ms apart span (n - 1) * 100 ms at least
min_ms=$(((n - 1) * 100 * 9 / 10))
check_eq "--max-rps 10: the plan succeeds" "0 " "$rc $(cat "$W/paced.err")"
check_eq "... with the requests of the unpaced scan" "$fast_n" "$n"
check "... and takes at least (n-1)/10 s less 10% (${paced_ms} ms >= ${min_ms})" \
	test "$paced_ms" -ge "$min_ms"
check "... but not far more (${paced_ms} ms < $((n * 100 * 2 + 3000)))" \
	test "$paced_ms" -lt $((n * 100 * 2 + 3000))
check "without --max-rps the same scan is faster than that bound (${fast_ms} ms < ${min_ms})" \
	test "$fast_ms" -lt "$min_ms"
check_eq "... and plans the same" "$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["candidates"]))' "$W/fast.json")" \
	"$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["candidates"]))' "$W/paced.json")"

# the apply's re-checks are paced too (dry run: reads only)
"$PLAN" --registry "$PURL" "${POLICY[@]}" --repos team/one -q -o "$W/one.json" >/dev/null 2>&1
D=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["digest"])' "$W/one.json")
: >"$W/proxy.log"
t0=$(now_ms)
"$APPLY" --dry-run --approve "$D" --max-rps 20 --journal "$W/dry.journal" "$W/one.json" \
	>/dev/null 2>"$W/apply.err"
rc=$?
apply_ms=$(($(now_ms) - t0))
n=$(requests)
check_eq "apply --max-rps 20 --dry-run: succeeds" "0" "$rc"
check "... sends requests ($n)" test "$n" -ge 20
check "... at most 20 a second (${apply_ms} ms >= $(((n - 1) * 50 * 9 / 10)))" \
	test "$apply_ms" -ge $(((n - 1) * 50 * 9 / 10))

for bad in 0x10 -1 100001 1.5 ""; do
	out=$("$PLAN" --registry "$PURL" --max-rps "$bad" --keep-last 1 2>&1 >/dev/null)
	check_eq "plan --max-rps '$bad': usage error" "2" "$?"
	check "... says what is wrong" grep -q "invalid --max-rps '$bad': want 0 (no limit) or 1 to 100000" <<<"$out"
	out=$("$APPLY" --max-rps "$bad" --dry-run "$W/paced.json" 2>&1 >/dev/null)
	check_eq "apply --max-rps '$bad': usage error" "2" "$?"
	check "... says what is wrong" grep -q "invalid --max-rps '$bad'" <<<"$out"
done
: >"$W/proxy.log"
"$PLAN" --registry "$PURL" --max-rps 0 "${POLICY[@]}" -q >/dev/null 2>&1
check_eq "--max-rps 0 is no limit" "0 $fast_n" "$? $(requests)"
out=$("$PLAN" --max-rps 5 2>&1 >/dev/null)
check_eq "--max-rps without a registry: usage error" "2" "$?"
check "... naming it" grep -q -- "--max-rps apply to registries" <<<"$out"

# --- Retry-After: waited exactly, but never longer than --timeout ---
# timed_plan ARGS...: a quiet plan through the proxy; sets rc and ms
timed_plan() {
	: >"$W/proxy.log"
	t0=$(now_ms)
	"$PLAN" --registry "$PURL" "${POLICY[@]}" "$@" -q >/dev/null 2>"$W/ra.err"
	rc=$?
	ms=$(($(now_ms) - t0))
}
cat >"$W/rules" <<'R'
GET /v2/_catalog 429:2 1
R
timed_plan
check_eq "Retry-After: 2: the plan succeeds" "0 " "$rc $(cat "$W/ra.err")"
check "... after waiting 2 s (${ms} ms >= 2000, < 2000 + ${fast_ms} + 1500)" \
	test "$ms" -ge 2000 -a "$ms" -lt $((2000 + fast_ms + 1500))
cat >"$W/rules" <<'R'
GET /v2/_catalog 429:25 1
R
timed_plan --timeout 3s
check_eq "Retry-After: 25 with --timeout 3s: the plan succeeds" "0 " "$rc $(cat "$W/ra.err")"
check "... waiting the timeout, not 25 s (${ms} ms >= 3000, < 3000 + ${fast_ms} + 1500)" \
	test "$ms" -ge 3000 -a "$ms" -lt $((3000 + fast_ms + 1500))
# a 429 in a parallel window is waited too, before it is asked again
cat >"$W/rules" <<'R'
GET /v2/team/two/manifests/ 429:2 1
R
timed_plan
check_eq "Retry-After: 2 on a manifest fetched in parallel: the plan succeeds" "0 " "$rc $(cat "$W/ra.err")"
check_eq "... the fault was met" 1 "$(grep -c ' 429 injected' "$W/proxy.log")"
check "... after waiting 2 s (${ms} ms >= 2000, < 2000 + ${fast_ms} + 1500)" \
	test "$ms" -ge 2000 -a "$ms" -lt $((2000 + fast_ms + 1500))
: >"$W/rules"

# --- progress ---
# paced, the scan lasts ~3 s: several redraws, at most a few a second
t0=$(now_ms)
/usr/bin/python3 "$ROOT/tests/lib/on_tty.py" "$W/tty.out" "$PLAN" --registry "$PURL" "${POLICY[@]}" \
	--max-rps 20 >"$W/tty.err"
rc=$?
tty_ms=$(($(now_ms) - t0))
check_eq "on a TTY: the plan succeeds" "0" "$rc"
# the lines drawn, one per redraw (\r ESC[K then text)
/usr/bin/python3 - "$W/tty.err" >"$W/lines" <<'PY'
import sys
raw = open(sys.argv[1], "rb").read().decode()
for part in raw.split("\r\x1b[K"):
    if part.strip():
        print(part)
PY
draws=$(grep -c "^registry $PURL: " "$W/lines")
check "the progress line is drawn several times ($draws)" test "$draws" -ge 3
check "... at most ~4 a second ($draws in ${tty_ms} ms)" test "$draws" -le $((tty_ms * 4 / 1000 + 3))
check "... counting repositories and tags upwards" /usr/bin/python3 - "$W/lines" "$PURL" <<'PY'
import re, sys
prev = (-1, -1)
for line in open(sys.argv[1]):
    m = re.match(r"registry " + re.escape(sys.argv[2]) + r": (\d+)/3 repositories, (\d+) tags?, (\d+) req/s$", line.rstrip("\n"))
    if not m:
        continue
    cur = (int(m.group(1)), int(m.group(2)))
    if cur[0] < prev[0] or cur[1] < prev[1] or int(m.group(3)) > 40:
        sys.exit(1)
    prev = cur
sys.exit(0 if prev == (3, 30) else 1)
PY
check_eq "... ending at every repository and tag" "1" \
	"$(grep -cE "^registry $PURL: 3/3 repositories, 30 tags, ([1-9]|1[0-9]|2[0-9]) req/s$" "$W/lines")"
check "... and cleared before anything else is written" \
	/usr/bin/python3 -c 'import sys; r=open(sys.argv[1],"rb").read(); i=r.rfind(b"req/s"); sys.exit(0 if i > 0 and r[i+5:].startswith(b"\r\x1b[K") else 1)' "$W/tty.err"
check "the summary went to stdout, without progress text" grep -q "candidates" "$W/tty.out"
check "... (none in it)" test -z "$(grep -l 'repositories,' "$W/tty.out")"

"$PLAN" --registry "$PURL" "${POLICY[@]}" >/dev/null 2>"$W/pipe.err"
check_eq "stderr not a TTY: the plan succeeds" "0" "$?"
check_eq "... and shows no progress" "" "$(grep -c -e 'repositories' -e $'\r' "$W/pipe.err" | grep -v '^0$')"
/usr/bin/python3 "$ROOT/tests/lib/on_tty.py" "$W/q.out" "$PLAN" --registry "$PURL" "${POLICY[@]}" -q \
	>"$W/q.err"
check_eq "-q on a TTY: the plan succeeds" "0" "$?"
check_eq "... and shows no progress" "" "$(cat "$W/q.err")"
finish
