#!/usr/bin/env bash
# Bad input: every case exits 1 (error) or 2 (usage) with one clear line on
# stderr, and leaves no plan file behind (not even a partial one).
set -u
source "$(dirname "$0")/../lib/engine.sh"
W=$(mktemp -d /tmp/rc-bad.XXXXXX)
FAKE_PID=""
cleanup() {
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
unset DOCKER_HOST

# expect NAME CODE PATTERN -- ARGS...: runs reclaim-plan -o $W/out.json ARGS,
# checks the exit code, that stderr is one line matching PATTERN, and that
# no output file exists.
expect() {
	local name=$1 code=$2 pat=$3
	shift 4
	rm -f "$W"/out.*
	"$PLAN" "$@" -o "$W/out.json" --csv "$W/out.csv" --junit "$W/out.xml" \
		>"$W/stdout" 2>"$W/stderr"
	local rc=$?
	local lines
	lines=$(grep -vc '^Try ' "$W/stderr")
	if [ "$rc" = "$code" ] && [ "$lines" = 1 ] && grep -Eq "$pat" "$W/stderr" &&
		! ls "$W"/out.* >/dev/null 2>&1 && ! ls "$W"/.out* >/dev/null 2>&1; then
		ok "$name"
	else
		not_ok "$name (rc $rc, want $code)"
		sed 's/^/  stderr: /' "$W/stderr" | head -5
		ls -a "$W" | sed 's/^/  file: /'
	fi
}

expect "unreachable socket" 1 "error: .*$W/nope.sock" -- --engine "unix://$W/nope.sock"
DOCKER_HOST="unix://$W/nope.sock" expect "unreachable socket via DOCKER_HOST" 1 "nope.sock" --
expect "unsupported scheme" 2 "error: .*ssh" -- --engine ssh://user@host
DOCKER_HOST=ssh://user@host expect "unsupported DOCKER_HOST scheme" 2 "ssh" --
expect "tcp port with nothing listening" 1 "error: .*127.0.0.1" -- --engine tcp://127.0.0.1:9
expect "unknown flag" 2 "error: .*--bogus" -- --bogus
# the same source twice is refused before any request (nothing listens there)
expect "the same Harbor twice" 2 "error: --harbor 'http://127.0.0.1:9' and 'HTTP://127.0.0.1:9/' are the same source \(http://127.0.0.1:9\)" -- \
	--harbor http://127.0.0.1:9 --harbor HTTP://127.0.0.1:9/ --not-pulled-for 30d
expect "the same registry twice" 2 "error: --registry .* are the same source \(https://reg.example\)" -- \
	--registry reg.example --registry https://REG.example:443 --keep-last 1
expect "invalid duration" 2 "error: .*'3x'" -- --min-age 3x
expect "invalid container age" 2 "error: .*'-5d'" -- --containers-older-than -5d
expect "invalid --images value" 2 "error: .*'sometimes'" -- --images=sometimes
expect "invalid --volumes value" 2 "error: .*'some'" -- --volumes=some
expect "--ttl beyond a year" 2 "error: .*--ttl.*366d" -- --ttl 1000w
expect "--ttl that overflows" 2 "error: .*--ttl" -- --ttl 99999999999999999w
expect "invalid --now" 2 "error: .*'yesterday'" -- --now yesterday
expect "missing policy file" 1 "error: .*$W/none.json" -- --policy "$W/none.json"
printf '{"version":1,\n "rules": [\n  {"name": "x", "kinds": ["image"],\n   "older_than": "3x"}\n ]\n}\n' >"$W/badfield.json"
expect "policy with an invalid field names line and field" 1 "badfield.json:4.*older_than.*3x" -- \
	--policy "$W/badfield.json"
printf '{"version":1,\n "rules": [\n  {"name": "x",, }\n ]\n}\n' >"$W/syntax.json"
expect "policy with a syntax error names the line" 1 "syntax.json:3" -- --policy "$W/syntax.json"
printf '{"version":1, "rules": [{"name":"x","kinds":["image"],"oldr_than":"3d"}]}\n' >"$W/typo.json"
expect "policy with an unknown key" 1 "oldr_than" -- --policy "$W/typo.json"
mkdir "$W/dir.json"
expect "policy that is a directory" 1 "dir.json" -- --policy "$W/dir.json"

for mode in 500 truncated wrongtypes oldapi; do
	rm -f "$W/fake.sock"
	/usr/bin/python3 "$ROOT/tests/fake/fake_engine.py" "$W/fake.sock" "$mode" &
	FAKE_PID=$!
	for i in $(seq 1 50); do [ -S "$W/fake.sock" ] && break; sleep 0.1; done
	case $mode in
	500) pat="HTTP 500|boom" ;;
	truncated) pat="malformed|truncated|parse" ;;
	wrongtypes) pat="malformed|not a|expected" ;;
	oldapi) pat="1\.30|too old|unsupported" ;;
	esac
	expect "daemon answering $mode" 1 "error: .*($pat)" -- --engine "unix://$W/fake.sock"
	kill "$FAKE_PID"
	wait "$FAKE_PID" 2>/dev/null
	FAKE_PID=""
done

# An existing plan file is not clobbered by a failed run.
echo "previous plan" >"$W/keep.json"
"$PLAN" --engine "unix://$W/nope.sock" -o "$W/keep.json" >/dev/null 2>&1
check_eq "failed run leaves an existing plan untouched" "previous plan" "$(cat "$W/keep.json")"

# show refuses a malformed or tampered plan.
printf '{"format":"reclaim-plan",' >"$W/trunc.json"
"$PLAN" show "$W/trunc.json" >/dev/null 2>"$W/stderr"
rc=$?
check_eq "show refuses truncated JSON (exit 1)" 1 "$rc"
check "show names the file" grep -q "trunc.json" "$W/stderr"

# The test harness's own guard: a plan that fails the schema fails the
# command even when the planner exited 0 (tests/lib/plan-validating.sh).
printf '#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = -o ] && echo "{}" >"$2"; shift; done\nexit 0\n' \
	>"$W/fakeplan"
chmod +x "$W/fakeplan"
RC_PLAN_REAL="$W/fakeplan" RC_ROOT="$ROOT" "$ROOT/tests/lib/plan-validating.sh" -o "$W/x.json" \
	>/dev/null 2>&1
check_eq "schema guard rejects a plan that fails the schema" 97 $?

check "--help goes to stdout and exits 0" sh -c "'$PLAN' --help | grep -q -- --min-age"
check "--version exits 0" "$PLAN" --version
finish
