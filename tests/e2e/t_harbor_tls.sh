#!/usr/bin/env bash
# Harbor over HTTPS (the double with a throwaway CA): TLS is verified. No
# --tls-ca or a wrong CA fails in one line before any request is answered;
# --tls-ca and --tls-insecure plan the same; the plan's identity is the
# https:// URL; reclaim-apply verifies too, and deletes with --tls-ca.
set -u
source "$(dirname "$0")/../lib/harbor.sh"
source "$ROOT/tests/lib/apply.sh"
T=$HARBOR_T
C=$T/pki
harbor_pki "$C" || { not_ok "openssl makes a CA and a server certificate"; exit 1; }
HARBOR_TLS_CERT=$C/srv.pem HARBOR_TLS_KEY=$C/srv.key HARBOR_TLS_CA=$C/ca.pem
harbor_start --scenario basic || { not_ok "the double starts over TLS"; exit 1; }
check_eq "the double speaks HTTPS" "https://127.0.0.1:" "${HARBOR_URL%:*}:"

fails() { # NAME PATTERN ARGS...: the plan fails with one line, writes nothing, nothing answered
	local name=$1 pat=$2 out rc
	shift 2
	rm -f "$T/bad.json"
	: >"$HARBOR_LOG"
	out=$(harbor_plan "$@" --not-pulled-for 30d -o "$T/bad.json" 2>&1 >/dev/null)
	rc=$?
	check_eq "$name: exit 1" "1" "$rc"
	check_eq "$name: one error line" "1" "$(printf '%s\n' "$out" | grep -vc "^Try 'reclaim-plan --help'")"
	check "$name: says '$pat'" grep -q -e "$pat" <<<"$out"
	check "$name: no plan written" test ! -e "$T/bad.json"
	check_eq "$name: no request was answered" "" "$(cat "$HARBOR_LOG")"
}
fails "no --tls-ca" "TLS"
fails "a wrong CA" "TLS" --tls-ca "$C/other.pem"

: >"$HARBOR_LOG"
harbor_plan --tls-ca "$C/ca.pem" --not-pulled-for 30d -o "$T/plan.json" >"$T/plan.out" 2>"$T/plan.err"
check_eq "with --tls-ca the plan works" "0 " "$? $(cat "$T/plan.err")"
check "... it validates against the schema" schema_valid "$T/plan.json"
check_eq "... its identity is the https:// URL" "$HARBOR_URL" \
	"$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sources"][0]["identity"]["url"])' "$T/plan.json")"
check "... the double answered it" test "$(grep -c ' 200$' "$HARBOR_LOG")" -ge 5
harbor_plan --tls-insecure --not-pulled-for 30d -o "$T/insecure.json" >/dev/null 2>"$T/insecure.err"
check_eq "--tls-insecure works when given" "0 " "$? $(cat "$T/insecure.err")"
check_eq "... the same candidates" "$(plan_candidates "$T/plan.json")" "$(plan_candidates "$T/insecure.json")"

D=$(plan_digest "$T/plan.json")
: >"$HARBOR_LOG"
out=$(harbor_apply --approve "$D" --report "$T/r0.json" --journal "$T/r0.journal" "$T/plan.json" 2>&1 >/dev/null)
rc=$?
check "apply without --tls-ca fails (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 3
check "... with the TLS error" grep -q "TLS" <<<"$out"
check_eq "... nothing was answered, nothing deleted" "" "$(cat "$HARBOR_LOG")"
harbor_apply --tls-ca "$C/ca.pem" --approve "$D" --report "$T/r1.json" --journal "$T/r1.journal" \
	"$T/plan.json" >"$T/apply.out" 2>&1
check_eq "apply with --tls-ca works" "0" "$?"
check "... and deletes over TLS" test "$(grep -c '^DELETE .* 200$' "$HARBOR_LOG")" -ge 1
check_eq "... the old never-pulled artifact is gone" "" "$(harbor_digests | grep "$(harbor_digest app-old)")"

B64=$(printf '%s:%s' "$HARBOR_USER" "$HARBOR_PASS" | base64 -w0)
check_eq "no password in any plan, report, journal or output" "" \
	"$(grep -rl -e "$HARBOR_PASS" -e "$B64" "$T" --exclude=fixture.json)"
finish
