#!/usr/bin/env bash
# A DTR over HTTPS: the double serves TLS with a server certificate for
# 127.0.0.1 signed by a throwaway CA made here. Without --tls-ca the plan
# fails with one line naming TLS and the certificate problem, exit 1, no
# plan written and no request answered; with a wrong CA the same; with
# --tls-ca CA the plan and the apply work; --tls-insecure works, and only
# when given; an unreadable CA file is a usage error (exit 2). A DTR given
# without a scheme is https:// (the plan's URL says so), so credentials
# never go in clear: against a plain-HTTP listener the handshake fails and
# the listener never sees a request.
set -u
source "$(dirname "$0")/../lib/dtr.sh"
source "$ROOT/tests/lib/apply.sh"
T=$DTR_T
C=$T/pki
mkdir -p "$C"
mkca() { # NAME: a self-signed CA in $C/NAME.pem / .key
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$C/$1.key" -out "$C/$1.pem" -days 2 \
		-subj "/CN=reclaim test $1" >/dev/null 2>&1
}
mkca ca && mkca other &&
	openssl req -newkey rsa:2048 -nodes -keyout "$C/srv.key" -out "$C/srv.csr" \
		-subj "/CN=127.0.0.1" >/dev/null 2>&1 &&
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$C/ext" &&
	openssl x509 -req -in "$C/srv.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial \
		-out "$C/srv.pem" -days 2 -extfile "$C/ext" >/dev/null 2>&1 ||
	{ not_ok "openssl makes a CA and a server certificate"; exit 1; }
DTR_TLS_CERT=$C/srv.pem DTR_TLS_KEY=$C/srv.key DTR_TLS_CA=$C/ca.pem
dtr_start scenario "$DTR_USER" "$DTR_PASS" "$DTR_TOKEN" || { not_ok "the double starts over TLS"; exit 1; }
check_eq "the double speaks HTTPS" "https://127.0.0.1:" "${DTR_URL%:*}:"

fails() { # NAME RC PATTERN ARGS...: the plan fails with one line matching, writes nothing
	local name=$1 want=$2 pat=$3 out rc
	shift 3
	rm -f "$T/bad.json"
	: >"$DTR_LOG"
	out=$(dtr_plan "$@" --keep-last 1 --min-age 0 -o "$T/bad.json" 2>&1 >/dev/null)
	rc=$?
	check_eq "$name: exit $want" "$want" "$rc"
	check_eq "$name: one error line" "1" "$(printf '%s\n' "$out" | grep -vc "^Try 'reclaim-plan --help'")"
	check "$name: says '$pat'" grep -q -e "$pat" <<<"$out"
	check "$name: no plan written" test ! -e "$T/bad.json"
	check_eq "$name: no request was answered" "" "$(cat "$DTR_LOG")"
}
start=$(date +%s%N)
fails "no --tls-ca" 1 "TLS: SSL certificate problem: unable to get local issuer certificate"
# retried, it would take 0.2 + 0.4 + 0.8 s of backoff
check "... at once: a certificate failure is not retried" test $((($(date +%s%N) - start) / 1000000)) -lt 1000
fails "a wrong CA" 1 "TLS: SSL certificate problem" --tls-ca "$C/other.pem"
fails "an unreadable CA file" 2 "cannot read the CA file '$C/none.pem': No such file or directory" \
	--tls-ca "$C/none.pem"

# the certificate names 127.0.0.1, not localhost
rm -f "$T/bad.json"
: >"$DTR_LOG"
out=$(printf '%s\n' "$DTR_PASS" | "$PLAN" --dtr "https://localhost:${DTR_URL##*:}" --username "$DTR_USER" \
	--password-stdin --tls-ca "$C/ca.pem" --keep-last 1 -o "$T/bad.json" 2>&1 >/dev/null)
check_eq "https://localhost: the certificate names 127.0.0.1 only: exit 1" "1" "$?"
check "... the error names the host mismatch" grep -q "TLS: .*'localhost'" <<<"$out"
check_eq "... and nothing was asked" "" "$(cat "$DTR_LOG")"

: >"$DTR_LOG"
dtr_plan --tls-ca "$C/ca.pem" --keep-last 2 --min-age 0 -o "$T/plan.json" >"$T/plan.out" 2>"$T/plan.err"
check_eq "with --tls-ca the plan works" "0 " "$? $(cat "$T/plan.err")"
check "... it validates against the schema" schema_valid "$T/plan.json"
check_eq "... its source URL is https://" "$DTR_URL" \
	"$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sources"][0]["identity"]["url"])' "$T/plan.json")"
check_eq "... the double answered it, authenticated" "4 4" \
	"$(grep -c . "$DTR_LOG") $(grep -c ' 200 user=admin$' "$DTR_LOG")"

dtr_plan --tls-insecure --keep-last 2 --min-age 0 -o "$T/insecure.json" >/dev/null 2>"$T/insecure.err"
check_eq "--tls-insecure works when given" "0 " "$? $(cat "$T/insecure.err")"
check_eq "... the same plan" "$(plan_candidates "$T/plan.json")" "$(plan_candidates "$T/insecure.json")"

# no scheme means https: the same plan by "127.0.0.1:PORT"
printf '%s\n' "$DTR_PASS" | "$PLAN" --dtr "$DTR_HOSTPORT" --username "$DTR_USER" --password-stdin \
	--tls-ca "$C/ca.pem" --keep-last 2 --min-age 0 -o "$T/bare.json" >/dev/null 2>"$T/bare.err"
check_eq "a DTR given without a scheme is https://" "0 $DTR_URL" \
	"$? $(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sources"][0]["identity"]["url"])' "$T/bare.json" 2>&1)"

# apply: TLS is checked there too
D=$(plan_digest "$T/plan.json")
: >"$DTR_LOG"
out=$(dtr_apply --approve "$D" --report "$T/r0.json" "$T/plan.json" 2>&1 >/dev/null)
rc=$?
check "apply without --tls-ca fails (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 3
check "... with the TLS error" grep -q "TLS: SSL certificate problem" <<<"$out"
check_eq "... nothing was asked, nothing deleted" "" "$(cat "$DTR_LOG")"
dtr_apply --tls-ca "$C/ca.pem" --approve "$D" --report "$T/r1.json" "$T/plan.json" >"$T/apply.out" 2>&1
check_eq "apply with --tls-ca works" "0" "$?"
check_eq "... and deletes the candidates" "deleted" "$(report_outcome_set "$T/r1.json")"
check_eq "... over TLS, authenticated: the DELETEs are in the double's log" "4" \
	"$(grep -c '^DELETE .* 204 user=admin$' "$DTR_LOG")"
dtr_apply --tls-insecure --approve "$D" --report "$T/r2.json" "$T/plan.json" >/dev/null 2>&1
check_eq "a second apply with --tls-insecure: a no-op" "0 already-done" "$? $(report_outcome_set "$T/r2.json")"

# a plain-HTTP listener given without a scheme: reclaim speaks TLS to it,
# the handshake fails, and no request (so no credential) reaches it
/usr/bin/python3 "$ROOT/tests/fakes/dtr/dtr.py" --fixture "$T/fixture.json" --port-file "$T/plain.port" \
	--log "$T/plain.log" >"$T/plain.out" 2>&1 &
PLAIN_PID=$!
trap 'kill "$PLAIN_PID" 2>/dev/null; wait "$PLAIN_PID" 2>/dev/null; dtr_stop' EXIT
for i in $(seq 1 100); do [ -s "$T/plain.port" ] && break; sleep 0.05; done
: >"$T/plain.log"
out=$(printf '%s\n' "$DTR_PASS" | "$PLAN" --dtr "127.0.0.1:$(cat "$T/plain.port")" --username "$DTR_USER" \
	--password-stdin --keep-last 1 -o "$T/bad.json" 2>&1 >/dev/null)
check_eq "a plain-HTTP DTR named without a scheme: exit 1" "1" "$?"
check "... a TLS error" grep -q "TLS: " <<<"$out"
check_eq "... the listener saw no request, so no credential" "" "$(cat "$T/plain.log")"
kill "$PLAIN_PID" 2>/dev/null
wait "$PLAIN_PID" 2>/dev/null

leaks=$(grep -rl -e "$DTR_PASS" -e "$DTR_TOKEN" "$T" --exclude=fixture.json 2>/dev/null)
check_eq "no password in any plan, report, journal or output" "" "$leaks"
finish
