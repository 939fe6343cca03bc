#!/usr/bin/env bash
# A hung engine (it accepts the connection, takes the request and never
# answers) ends a run with one clear error line, quickly, and leaves no file
# behind: reclaim-plan and reclaim-apply with --timeout 2s, on a unix socket
# and on 127.0.0.1; the request is sent once, never retried. With default
# settings reclaim-plan and reclaim-apply give up within 2 minutes (skipped
# under SANITIZE: it costs a minute).
set -u
source "$(dirname "$0")/../lib/engine.sh"
engine_start || exit 1
W=$RC_T/work
HUNG_PIDS=()
stop_hung() {
	local p
	for p in "${HUNG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	HUNG_PIDS=()
}
trap 'stop_hung; engine_stop' EXIT

# start_hung ADDRESS LOG: tests/fake/hung_engine.py, waits until it listens.
start_hung() {
	/usr/bin/python3 "$ROOT/tests/fake/hung_engine.py" "$1" "$2" &
	HUNG_PIDS+=($!)
	local f=$1 i
	case $f in tcp:*) f=${f#tcp:} ;; esac
	for i in $(seq 1 50); do [ -e "$f" ] && return 0; sleep 0.1; done
	echo "hung_engine.py did not start" >&2
	return 1
}

# hang_run OUT CMD...: runs CMD, its stderr to OUT.err, "rc seconds" to OUT.rc.
hang_run() {
	local out=$1 t0=$SECONDS
	shift
	"$@" >/dev/null 2>"$out.err"
	echo "$? $((SECONDS - t0))" >"$out.rc"
}

# expect_hang NAME MAXSECONDS PATTERN LOG FILE... -- CMD...: runs CMD; ok
# when it exits 1 within MAXSECONDS with one stderr line matching PATTERN,
# LOG records exactly one request, and none of FILE... exists. With
# HANG_OUT=OUT set, CMD is not run: the result hang_run left in OUT is judged.
expect_hang() {
	local name=$1 max=$2 pat=$3 log=$4
	shift 4
	local files=()
	while [ "$1" != -- ]; do
		files+=("$1")
		shift
	done
	shift
	local out=${HANG_OUT:-$W/run}
	if [ -z "${HANG_OUT:-}" ]; then
		: >"$log"
		hang_run "$out" "$@"
	fi
	local rc took why="" f
	read -r rc took <"$out.rc"
	local lines
	lines=$(grep -vc '^Try ' "$out.err")
	[ "$rc" = 1 ] || why="$why rc $rc, want 1;"
	[ "$took" -lt "$max" ] || why="$why took ${took}s, want < ${max}s;"
	[ "$lines" = 1 ] || why="$why $lines stderr lines, want 1;"
	grep -Eq "$pat" "$out.err" || why="$why stderr does not match '$pat';"
	[ "$(wc -l <"$log")" = 1 ] || why="$why $(wc -l <"$log") requests, want 1;"
	for f in "${files[@]}"; do
		[ ! -e "$f" ] || why="$why '$f' exists;"
		ls -a "$(dirname "$f")" | grep -q "^\.$(basename "$f")\.tmp" && why="$why temp file of '$f' left;"
	done
	if [ -z "$why" ]; then
		ok "$name (${took}s)"
	else
		not_ok "$name:$why"
		sed 's/^/  stderr: /' "$out.err" | head -5
		sed 's/^/  request: /' "$log" | head -5
	fi
}

start_hung "$W/hung.sock" "$W/hung.log" || exit 1
start_hung "tcp:$W/hung.port" "$W/hung-tcp.log" || exit 1
PORT=$(cat "$W/hung.port")

expect_hang "reclaim-plan --timeout 2s fails on a hung unix socket" 10 \
	"^reclaim-plan: error: .*hung\.sock.* did not answer GET '/_ping' within 2s$" "$W/hung.log" \
	"$W/p.json" "$W/p.csv" "$W/p.xml" -- \
	"$PLAN" --engine "unix://$W/hung.sock" --timeout 2s -o "$W/p.json" --csv "$W/p.csv" \
	--junit "$W/p.xml"
expect_hang "reclaim-plan --timeout 2s fails on a hung tcp port" 10 \
	"^reclaim-plan: error: 'tcp://127\.0\.0\.1:$PORT' did not answer GET '/_ping' within 2s$" \
	"$W/hung-tcp.log" "$W/p.json" -- \
	"$PLAN" --engine "tcp://127.0.0.1:$PORT" --timeout 2s -o "$W/p.json"
expect_hang "DOCKER_HOST reaches the hung engine the same way" 10 "did not answer GET '/_ping'" \
	"$W/hung.log" "$W/p.json" -- \
	env DOCKER_HOST="unix://$W/hung.sock" "$PLAN" --timeout 2s -o "$W/p.json"

# A real plan with one candidate, made against the private dockerd, then
# applied against the hung engine.
D volume create rc-hung-vol >/dev/null
"$PLAN" --engine "$DOCKER_HOST" --volumes=all --min-age 0 -q -o "$W/plan.json" >"$W/digest" 2>&1
check_eq "a plan with a candidate is made" 0 $?
DIGEST=$(cat "$W/digest")
expect_hang "reclaim-apply --timeout 2s fails on a hung engine" 10 \
	"^reclaim-apply: error: .*hung\.sock.* did not answer GET '/_ping' within 2s$" "$W/hung.log" \
	"$W/plan.journal" "$W/report.json" -- \
	"$APPLY" --engine "unix://$W/hung.sock" --timeout 2s --approve "$DIGEST" \
	--report "$W/report.json" "$W/plan.json"
expect_hang "reclaim-apply --dry-run --timeout 2s fails on a hung tcp port" 10 \
	"did not answer GET '/_ping' within 2s$" "$W/hung-tcp.log" "$W/plan.journal" -- \
	"$APPLY" --engine "tcp://127.0.0.1:$PORT" --timeout 2s --dry-run --auto-approve "$W/plan.json"
check "the volume is still there" sh -c "DOCKER_HOST=$DOCKER_HOST $DOCKER_BIN volume inspect rc-hung-vol >/dev/null"

for bad in 0 0s 5x -3s 2d; do
	"$PLAN" --engine "unix://$W/hung.sock" --timeout "$bad" >/dev/null 2>"$W/stderr"
	check_eq "reclaim-plan --timeout $bad is a usage error" "2 1" \
		"$? $(grep -c -- '--timeout' "$W/stderr")"
	"$APPLY" --timeout "$bad" "$W/plan.json" >/dev/null 2>"$W/stderr"
	check_eq "reclaim-apply --timeout $bad is a usage error" "2 1" \
		"$? $(grep -c -- '--timeout' "$W/stderr")"
done
check "reclaim-plan --help documents --timeout" sh -c "'$PLAN' --help | grep -q -- '--timeout D'"
check "reclaim-apply --help documents --timeout" sh -c "'$APPLY' --help | grep -q -- '--timeout D'"

if [ -n "${SANITIZE:-}" ]; then
	echo "# skipped under SANITIZE: the default-timeout runs (about 60s)"
else
	# reclaim-apply at the same time, on the other hung engine: one minute for both
	: >"$W/hung-tcp.log"
	hang_run "$W/apply-default" "$APPLY" --engine "tcp://127.0.0.1:$PORT" --dry-run \
		--auto-approve "$W/plan.json" &
	apply_pid=$!
	expect_hang "reclaim-plan with default settings gives up within 2 minutes" 120 \
		"^reclaim-plan: error: .* did not answer GET '/_ping' within 60s$" "$W/hung.log" \
		"$W/p.json" -- "$PLAN" --engine "unix://$W/hung.sock" -o "$W/p.json"
	wait "$apply_pid"
	HANG_OUT=$W/apply-default expect_hang \
		"reclaim-apply with default settings gives up within 2 minutes" 120 \
		"^reclaim-apply: error: 'tcp://127\.0\.0\.1:$PORT' did not answer GET '/_ping' within 60s$" \
		"$W/hung-tcp.log" "$W/plan.journal" -- :
fi
finish
