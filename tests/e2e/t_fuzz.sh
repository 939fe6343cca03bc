#!/usr/bin/env bash
# Every parser of untrusted input against its corpus: each fuzz target
# (tests/fuzz/fuzz_TARGET.c) is built as a replayer, $BUILD/fuzz/fuzz_TARGET,
# and fed tests/fuzz/corpus/TARGET/, so sanitizer builds check it too. In the
# plain build, when clang's libFuzzer is there, each target is also fuzzed
# for FUZZ_SECONDS (default 3) seconds starting from its corpus, with a fixed
# seed (FUZZ_SEED, default 1) so that CI is repeatable; longer, random runs
# are `make fuzz` (see docs/testing.md). Every crash found goes into the
# corpus as a regression input.
set -u
source "$(dirname "$0")/../lib/engine.sh"
cd "$ROOT"
targets=()
for src in tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	targets+=("${t#fuzz_}")
done
for t in "${targets[@]}"; do
	dir=tests/fuzz/corpus/$t/
	files=("$dir"*)
	if [ ! -e "${files[0]}" ]; then
		not_ok "corpus for '$t' is empty"
		continue
	fi
	check "replay corpus of '$t' (${#files[@]} inputs)" "$ROOT/$BUILD/fuzz/fuzz_$t" "${files[@]}"
done
for dir in tests/fuzz/corpus/*/; do
	t=$(basename "$dir")
	[ -f "tests/fuzz/fuzz_$t.c" ] || not_ok "corpus '$t' has no fuzz target"
done
check "a replayer fails on a missing input" sh -c "! '$ROOT/$BUILD/fuzz/fuzz_plan' /nonexistent 2>/dev/null"

if [ -z "${SANITIZE:-}" ] && command -v clang >/dev/null &&
	echo 'int LLVMFuzzerTestOneInput(const char *d, long n){(void)d;(void)n;return 0;}' |
	clang -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null; then
	if make --no-print-directory fuzz >"$ROOT/tests/out/fuzz-build.log" 2>&1; then
		ok "libFuzzer build"
		work=$(mktemp -d /tmp/rc-fuzz.XXXXXX)
		for t in "${targets[@]}"; do
			dir=tests/fuzz/corpus/$t/
			mkdir -p "$work/$t"
			# new inputs go to a scratch dir; the committed corpus stays as is
			if build-fuzz/fuzz_"$t" -max_total_time="${FUZZ_SECONDS:-3}" -seed="${FUZZ_SEED:-1}" \
				-rss_limit_mb=1024 -artifact_prefix="$work/$t-" "$work/$t" "$dir" \
				>"$work/$t.log" 2>&1; then
				ok "fuzz '$t' for ${FUZZ_SECONDS:-3}s: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/$t.log" | grep -o '[0-9]*$' || grep -oE '#[0-9]+' "$work/$t.log" | tail -1) runs"
			else
				not_ok "fuzz '$t' found a crash"
				grep -E 'ERROR|SUMMARY|artifact|property' "$work/$t.log" | head -5
			fi
		done
		rm -rf "$work"
	else
		not_ok "libFuzzer build (see tests/out/fuzz-build.log)"
		tail -20 "$ROOT/tests/out/fuzz-build.log"
	fi
else
	echo "# libFuzzer not available or sanitizer pass: replay only"
fi
finish
