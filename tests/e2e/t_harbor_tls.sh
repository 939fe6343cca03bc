#!/usr/bin/env bash
# A Harbor over HTTPS: the double serves TLS with a server certificate for
# 127.0.0.1 signed by a throwaway CA made here. Without --tls-ca the plan
# fails with one line naming TLS, exit 1, no plan and no request answered;
# with --tls-ca CA the plan and the apply (and --trigger-gc's POST) work;
# --tls-insecure works, and only when given; a Harbor given without a scheme
# is https://, so credentials never go in clear.
set -u
source "$(dirname "$0")/../lib/harbor.sh"
source "$ROOT/tests/lib/apply.sh"
T=$HARBOR_T
C=$T/pki
mkdir -p "$C"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$C/ca.key" -out "$C/ca.pem" -days 2 \
	-subj "/CN=reclaim test ca" >/dev/null 2>&1 &&
	openssl req -newkey rsa:2048 -nodes -keyout "$C/srv.key" -out "$C/srv.csr" \
		-subj "/CN=127.0.0.1" >/dev/null 2>&1 &&
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$C/ext" &&
	openssl x509 -req -in "$C/srv.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial \
		-out "$C/srv.pem" -days 2 -extfile "$C/ext" >/dev/null 2>&1 ||
	{ not_ok "openssl makes a CA and a server certificate"; exit 1; }
HARBOR_TLS_CERT=$C/srv.pem HARBOR_TLS_KEY=$C/srv.key HARBOR_TLS_CA=$C/ca.pem
harbor_start --scenario basic || { not_ok "the double starts over TLS"; exit 1; }
check_eq "the double speaks HTTPS" "https://127.0.0.1:" "${HARBOR_URL%:*}:"

: >"$HARBOR_LOG"
out=$(harbor_plan --not-pulled-for 30d -o "$T/bad.json" 2>&1 >/dev/null)
check_eq "no --tls-ca: exit 1" "1" "$?"
check_eq "... one line" "1" "$(printf '%s\n' "$out" | grep -c .)"
check "... naming TLS and the certificate" grep -q "checking the credentials: .*TLS: .*certificate" <<<"$out"
check_eq "... no plan, no request answered" "no:0" \
	"$([ -e "$T/bad.json" ] && echo yes || echo no):$(grep -c . "$HARBOR_LOG")"

harbor_plan --not-pulled-for 30d --min-age 0 --tls-ca "$C/ca.pem" -o "$T/plan.json" >/dev/null 2>"$T/plan.err"
check_eq "--tls-ca: the plan works" "0:" "$?:$(cat "$T/plan.err")"
check_eq "... its identity is the https URL" "$HARBOR_URL" \
	"$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sources"][0]["identity"]["url"])' "$T/plan.json")"
harbor_plan --not-pulled-for 30d --tls-insecure -q -o "$T/ins.json" >/dev/null 2>&1
check_eq "--tls-insecure: the plan works" "0" "$?"
harbor_apply --auto-approve --trigger-gc --tls-ca "$C/ca.pem" --report "$T/r.json" "$T/plan.json" \
	>"$T/apply.out" 2>&1
check_eq "the apply works over TLS" "0" "$?"
check "... deleting" grep -q "^deleted " <(report_outcomes "$T/r.json")
check "... and starts the GC" grep -q "^Garbage collection started on Harbor '$HARBOR_URL': run 7$" "$T/apply.out"

# a Harbor given as host:port is https://: against it, a TLS handshake
printf '%s\n' "$HARBOR_PASS" | "$PLAN" --harbor "$HARBOR_HOSTPORT" --username "$HARBOR_USER" \
	--password-stdin --not-pulled-for 30d --tls-ca "$C/ca.pem" -q -o "$T/noscheme.json" >/dev/null 2>&1
check_eq "no scheme means https://" "0" "$?"

leaks=$(grep -rl -e "$HARBOR_PASS" "$T" --exclude=fixture.json 2>/dev/null)
check_eq "no password in any output" "" "$leaks"
finish
