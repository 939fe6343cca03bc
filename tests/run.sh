#!/usr/bin/env bash
# Runs every unit test (cmocka) and end-to-end script, counts the results and
# ends with the line "N passed, N failed". ONLY=unit or ONLY=e2e narrows it;
# TESTS="t_foo t_bar" picks e2e scripts.
set -u
cd "$(dirname "$0")/.."
: "${BUILD:=build}"
export BUILD
export RC_VALIDATE_PLANS=1
passed=0
failed=0
failures=()
out=tests/out/$BUILD
mkdir -p "$out"

run_unit() {
	local t name log p f
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		log="$out/$name.log"
		CMOCKA_MESSAGE_OUTPUT=stdout "$t" >"$log" 2>&1
		local rc=$?
		p=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$log" | grep -oE '[0-9]+' | head -1)
		f=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$log" | grep -oE '[0-9]+' | head -1)
		p=${p:-0}
		f=${f:-0}
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		passed=$((passed + p))
		failed=$((failed + f))
		if [ "$f" -ne 0 ]; then
			failures+=("$name")
			echo "FAIL unit $name ($f failed); log: $log"
			grep -E '^\[  (FAILED|  ERROR) \]|error:|ERROR|Sanitizer' "$log" | head -20
		else
			echo "pass unit $name ($p)"
		fi
	done
}

run_e2e() {
	local t name log p f rc
	local list=()
	if [ -n "${TESTS:-}" ]; then
		for t in $TESTS; do list+=("tests/e2e/$t.sh"); done
	else
		list=(tests/e2e/t_*.sh)
	fi
	for t in "${list[@]}"; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .sh)
		log="$out/$name.log"
		local start=$SECONDS
		timeout 900 bash "$t" >"$log" 2>&1
		rc=$?
		p=$(grep -c '^ok - ' "$log")
		f=$(grep -c '^not ok - ' "$log")
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		if [ "$rc" -eq 0 ] && [ "$p" -eq 0 ]; then f=$((f + 1)); echo "  $name ran no check" >>"$log"; fi
		passed=$((passed + p))
		failed=$((failed + f))
		if [ "$f" -ne 0 ]; then
			failures+=("$name")
			echo "FAIL e2e $name ($p passed, $f failed, rc $rc, $((SECONDS - start))s); log: $log"
			grep -E '^not ok|expected|actual|error|Sanitizer' "$log" | head -30
		else
			echo "pass e2e $name ($p, $((SECONDS - start))s)"
		fi
	done
}

# Under the sanitizers every report also lands in a file, so a leak or UB in
# a process whose exit code a test does not look at still fails the run.
sandir="$PWD/$out/sanitizer"
rm -rf "$sandir"
if [ -n "${SANITIZE:-}" ]; then
	mkdir -p "$sandir"
	export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:log_path=$sandir/asan"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$sandir/ubsan"
fi

case "${ONLY:-all}" in
unit) run_unit ;;
e2e) run_e2e ;;
*) run_unit; run_e2e ;;
esac

if [ -d "$sandir" ] && [ -n "$(ls -A "$sandir")" ]; then
	failed=$((failed + 1))
	failures+=("sanitizer-reports")
	echo "FAIL sanitizer reports in $sandir:"
	head -n 40 "$sandir"/*
else
	[ -d "$sandir" ] && passed=$((passed + 1)) && echo "pass no sanitizer reports from any process"
fi
echo "$passed $failed" >"$out/counts"
[ ${#failures[@]} -eq 0 ] || echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
