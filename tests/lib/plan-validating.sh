#!/usr/bin/env bash
# reclaim-plan as the tests run it: the real binary, then every plan it
# wrote with -o/--output is validated against docs/plan.schema.json with
# Debian's python3-jsonschema (an independent implementation). A plan that
# fails the schema fails the command with exit 97, whatever the test expected.
# tests/run.sh turns this on (RC_VALIDATE_PLANS=1); benchmarks and the demo
# run the binary directly.
"$RC_PLAN_REAL" "$@"
rc=$?
out=""
prev=""
for a in "$@"; do
	case $prev in -o | --output) out=$a ;; esac
	case $a in --output=*) out=${a#--output=} ;; esac
	prev=$a
done
[ "${1:-}" = show ] && exit "$rc"
if [ -n "$out" ] && [ "$out" != "-" ] && [ -f "$out" ] && { [ "$rc" -eq 0 ] || [ "$rc" -eq 2 ]; }; then
	if ! /usr/bin/python3 - "$RC_ROOT/docs/plan.schema.json" "$out" <<'PY'; then
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
PY
		echo "reclaim-plan wrote a plan that fails docs/plan.schema.json: $out" >&2
		exit 97
	fi
fi
exit "$rc"
