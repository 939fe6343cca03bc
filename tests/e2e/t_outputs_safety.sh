#!/usr/bin/env bash
# Outputs are safe to write: a failed run leaves earlier reports untouched;
# files follow the umask (the journal stays 0600); only one output may go to
# standard output; the CSV carries no control characters but keeps UTF-8.
# Also usage errors both binaries must give: an empty --engine, a --now out
# of range.
set -u
source "$(dirname "$0")/../lib/engine.sh"
engine_start || exit 1
W=$RC_T/work
NOW=2030-01-02T03:04:05Z
ESC=$(printf '\033')
BEL=$(printf '\007')
CSI=$(printf '\302\233') # U+009B, a C1 control some terminals obey
LABEL="a${ESC}[31mred${BEL}z 日本é${CSI}2J"
D volume create rc-plain >/dev/null

# --- a failed run destroys nothing ---
mkdir "$W/old"
for f in old.csv old.xml; do echo old >"$W/old/$f"; done
"$PLAN" --now "$NOW" --volumes=all --min-age 0 --csv "$W/old/old.csv" --junit "$W/old/old.xml" \
	-o "$W/missing/dir/p.json" >/dev/null 2>"$W/stderr"
check_eq "a run that cannot write its plan exits 1" 1 $?
check "its error names the plan path" grep -q "missing/dir/p.json" "$W/stderr"
check_eq "the earlier CSV is untouched" old "$(cat "$W/old/old.csv")"
check_eq "the earlier JUnit file is untouched" old "$(cat "$W/old/old.xml")"
check_eq "no temporary file is left" "old.csv old.xml" "$(ls -A "$W/old" | tr '\n' ' ' | sed 's/ $//')"
echo old >"$W/old/p.json"
"$PLAN" --now "$NOW" --volumes=all --min-age 0 -o "$W/old/p.json" --csv "$W/old/old.csv" \
	--junit "$W/missing/x.xml" >/dev/null 2>&1
check_eq "a run that cannot write its JUnit file exits 1" 1 $?
check_eq "... and leaves the earlier plan and CSV untouched" "old old" \
	"$(cat "$W/old/p.json") $(cat "$W/old/old.csv")"
"$PLAN" --now "$NOW" --volumes=all --min-age 0 -o "$W/old/p.json" --csv "$W/old/old.csv" \
	--junit "$W/old/old.xml" >/dev/null 2>&1
check_eq "a good run replaces all three" "0 0 0 0" \
	"$? $(grep -c '^old$' "$W/old/p.json") $(grep -c '^old$' "$W/old/old.csv") $(grep -c '^old$' "$W/old/old.xml")"

# --- the umask applies; the journal is 0600 ---
mkdir "$W/m"
(
	umask 077
	"$PLAN" --now "$NOW" --volumes=all --min-age 0 -q -o "$W/m/p.json" --csv "$W/m/p.csv" \
		--junit "$W/m/p.xml" >"$W/m/digest" 2>/dev/null
)
check_eq "umask 077: plan, CSV and JUnit are 0600" "600 600 600" \
	"$(stat -c %a "$W/m/p.json" "$W/m/p.csv" "$W/m/p.xml" | tr '\n' ' ' | sed 's/ $//')"
(
	umask 022
	"$PLAN" --now "$NOW" --volumes=all --min-age 0 -o "$W/m/q.json" >/dev/null 2>&1
)
check_eq "umask 022: the plan is 0644" 644 "$(stat -c %a "$W/m/q.json")"
(
	umask 077
	"$APPLY" --dry-run --auto-approve --report "$W/m/dry.json" --junit "$W/m/dry.xml" \
		"$W/m/p.json" >/dev/null 2>&1
)
check_eq "umask 077: the apply report and JUnit file are 0600" "600 600" \
	"$(stat -c %a "$W/m/dry.json" "$W/m/dry.xml" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
(
	umask 000
	"$APPLY" --approve "$(cat "$W/m/digest")" --report "$W/m/run.json" "$W/m/p.json" \
		>/dev/null 2>&1
)
check_eq "umask 000: the journal stays 0600, the report follows the umask" "600 666" \
	"$(stat -c %a "$W/m/p.journal" "$W/m/run.json" 2>&1 | tr '\n' ' ' | sed 's/ $//')"

# --- one output on standard output at most ---
for pair in "-o - --csv -" "-o - --junit -" "--csv - --junit -"; do
	# shellcheck disable=SC2086
	"$PLAN" --now "$NOW" $pair >"$W/stdout" 2>"$W/stderr"
	check_eq "reclaim-plan $pair is a usage error, nothing on stdout" "2 1 0" \
		"$? $(grep -c 'standard output' "$W/stderr") $(wc -c <"$W/stdout")"
done
"$APPLY" --dry-run --auto-approve --report - --junit - "$W/m/p.json" >"$W/stdout" 2>"$W/stderr"
check_eq "reclaim-apply --report - --junit - is a usage error" "2 1 0" \
	"$? $(grep -c 'standard output' "$W/stderr") $(wc -c <"$W/stdout")"

# --- the CSV: no control characters, UTF-8 kept ---
D volume create --label "keep=$LABEL" rc-labelled >/dev/null
"$PLAN" --now "$NOW" --volumes=all --min-age 0 --keep-label keep --csv "$W/l.csv" \
	-o "$W/l.json" >/dev/null 2>&1
check_eq "plan with a labelled volume succeeds" 0 $?
check "the label reaches the plan's reason" grep -q 'label keep=a' "$W/l.json"
check "the CSV has no ESC or BEL" sh -c "! grep -q '[$ESC$BEL]' '$W/l.csv'"
check "the CSV has no other C0 control character" \
	sh -c "! LC_ALL=C grep -qP '[\\x00-\\x09\\x0b-\\x1f\\x7f]' '$W/l.csv'"
check "the CSV has no C1 control character" sh -c "! grep -q '$CSI' '$W/l.csv'"
check "the CSV keeps multi-byte UTF-8" grep -q 'label keep=a?\[31mred?z 日本é?2J' "$W/l.csv"
check "the CSV is valid UTF-8" iconv -f UTF-8 -t UTF-8 "$W/l.csv" -o /dev/null

# --- usage errors in both binaries ---
expect_usage() {
	local name=$1 pat=$2
	shift 2
	"$@" >"$W/stdout" 2>"$W/stderr"
	local rc=$?
	if [ "$rc" = 2 ] && [ "$(grep -vc '^Try ' "$W/stderr")" = 1 ] && grep -Eq -- "$pat" "$W/stderr"; then
		ok "$name"
	else
		not_ok "$name (rc $rc, want 2)"
		sed 's/^/  stderr: /' "$W/stderr" | head -5
	fi
}
DOCKER_HOST="$DOCKER_HOST" expect_usage "reclaim-plan --engine '' is a usage error" \
	"empty --engine" "$PLAN" --engine "" -o "$W/e.json"
check "... and writes no plan" test ! -e "$W/e.json"
expect_usage "reclaim-apply --engine '' is a usage error" "empty --engine" \
	"$APPLY" --engine "" --dry-run --auto-approve "$W/m/p.json"
for t in 9999-12-31T23:00:00Z 1960-01-01T00:00:00Z 1970-01-01T00:00:00Z; do
	expect_usage "reclaim-plan --now $t is out of range" "--now '$t': out of range" \
		"$PLAN" --now "$t" -o "$W/e.json"
	expect_usage "reclaim-apply --now $t is out of range" "--now '$t': out of range" \
		"$APPLY" --now "$t" --dry-run --auto-approve "$W/m/p.json"
done
expect_usage "reclaim-plan --now whose plan would expire after 9999 is a usage error" \
	"would expire after 9999-12-31T23:59:59Z" \
	"$PLAN" --now 9998-12-31T12:00:00Z --ttl 366d -o "$W/e.json"
"$PLAN" --now 9998-12-31T12:00:00Z --volumes=all --min-age 0 -o "$W/late.json" >/dev/null 2>&1
check_eq "... with a --ttl that fits, the plan is made" 0 $?
"$APPLY" --now 9998-12-31T12:30:00Z --dry-run --auto-approve "$W/late.json" >/dev/null 2>&1
check_eq "... and reclaim-apply loads it" 0 $?
finish
