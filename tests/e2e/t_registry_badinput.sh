#!/usr/bin/env bash
# Bad input from a registry: tests/fake/bad_registry.py answers one crafted
# scenario at a time (huge, deeply nested and truncated bodies; a Link that
# loops; a manifest that does not match its digest; a 401 with no usable
# challenge; a token realm on plain HTTP for an HTTPS registry). Each plan
# exits 1 with one error line and writes no plan, and no credential reaches
# the plain-HTTP realm. Redirects to another host or port (manifests to
# 127.0.0.2, blobs to another port) are followed and carry no Authorization
# header.
set -u
source "$(dirname "$0")/../lib/engine.sh"
T=$(mktemp -d /tmp/rc-bad.XXXXXX)
export DOCKER_CONFIG="$T/docker-config" # never the user's credentials
mkdir -p "$DOCKER_CONFIG"
unset RECLAIM_REGISTRY_USERNAME RECLAIM_REGISTRY_PASSWORD
FAKE_PID=""
stop_fake() {
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
	FAKE_PID=""
}
trap 'stop_fake; rm -rf "$T"' EXIT

# start_fake SCENARIO [ARGS...]: sets PORT (and OTHER, the other ports)
start_fake() {
	stop_fake
	rm -f "$T/port" "$T/other" "$T/log"
	# every scenario plans with an empty cache, as a first plan does: the
	# fakes serve the same bytes in several scenarios
	rm -rf "$T/xdg-cache"
	export XDG_CACHE_HOME="$T/xdg-cache"
	/usr/bin/python3 "$ROOT/tests/fake/bad_registry.py" --scenario "$1" --port-file "$T/port" \
		--log "$T/log" --other-port-file "$T/other" "${@:2}" 2>"$T/fake.err" &
	FAKE_PID=$!
	local i
	for i in $(seq 1 50); do [ -s "$T/port" ] && break; sleep 0.1; done
	PORT=$(cat "$T/port" 2>/dev/null)
	OTHER=$(cat "$T/other" 2>/dev/null)
	[ -n "$PORT" ]
}

# plan_fails NAME WANT URL [ARGS...]: exit 1, one error line matching WANT
# (an extended regex), no plan file
plan_fails() {
	local name=$1 want=$2 url=$3 rc
	shift 3
	rm -f "$T/plan.json"
	timeout 60 "$PLAN" --registry "$url" --min-age 0 -q -o "$T/plan.json" "$@" \
		>/dev/null 2>"$T/err"
	rc=$?
	check_eq "$name: exit 1, one error line, no plan" "1 1 no-plan" \
		"$rc $(grep -c . "$T/err") $([ -e "$T/plan.json" ] && echo plan || echo no-plan)"
	check "$name: $(head -c 300 "$T/err")" grep -qE "^reclaim-plan: error: .*$want" "$T/err"
}

start_fake ok || { not_ok "the fake registry starts"; exit 1; }
"$PLAN" --registry "http://127.0.0.1:$PORT" --min-age 0 -q -o "$T/plan.json" >/dev/null 2>"$T/err"
check_eq "the fake's baseline plans" "0 " "$? $(cat "$T/err")"

while read -r sc want; do
	start_fake "$sc" || { not_ok "$sc: the fake starts"; continue; }
	plan_fails "$sc" "$want" "http://127.0.0.1:$PORT"
done <<'CASES'
huge-catalog exceeds the [0-9]+ byte limit
huge-manifest manifest 'app:1' is over the [0-9]+ byte limit
deep-catalog catalog
deep-manifest manifest 'app:1'
trunc-catalog catalog
trunc-tags tags of 'app'
trunc-manifest manifest 'app:1'
link-loop repeats an earlier page \(a loop\)
link-loop-tags tags of 'app'.*repeats an earlier page \(a loop\)
digest-mismatch manifest 'app:1'.*digest
no-challenge without a usable authentication challenge
bad-challenge without a usable authentication challenge
CASES

# HTTPS registry, token realm on plain HTTP: no credentials go there
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
	-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 ||
	not_ok "openssl makes a certificate"
start_fake http-realm --tls "$T/cert.pem" "$T/key.pem" || not_ok "http-realm: the fake starts"
export RECLAIM_REGISTRY_USERNAME=tester RECLAIM_REGISTRY_PASSWORD=pw
plan_fails "a plain-HTTP realm of an HTTPS registry" \
	"refusing to send credentials to the token realm 'http://127.0.0.1:$OTHER/token'" \
	"https://127.0.0.1:$PORT" --tls-ca "$T/cert.pem"
check_eq "... which received no Authorization header" 0 \
	"$(grep '"where": "other"' "$T/log" | grep -ci '"authorization"')"
check_eq "... and the registry was reached over TLS" 1 "$(grep -c '"path": "/v2/"' "$T/log")"
unset RECLAIM_REGISTRY_USERNAME RECLAIM_REGISTRY_PASSWORD

# redirects to another host (127.0.0.2) and another port carry no Authorization
start_fake redirect || not_ok "redirect: the fake starts"
RECLAIM_REGISTRY_USERNAME=tester RECLAIM_REGISTRY_PASSWORD=pw \
	"$PLAN" --registry "http://127.0.0.1:$PORT" --min-age 0 -q -o "$T/plan.json" >/dev/null 2>"$T/err"
check_eq "redirected manifests and blobs: the plan is made" "0 " "$? $(cat "$T/err")"
check "... the registry got the credentials" grep -q '"authorization": "Basic ' "$T/log"
check_eq "... the manifest went to 127.0.0.2, the blob to another port" "manifests blobs" \
	"$(/usr/bin/python3 - "$T/log" <<'PY'
import json, sys
seen = [json.loads(l) for l in open(sys.argv[1])]
out = []
for l in seen:
    if l["where"] == "other":
        kind = "manifests" if "/manifests/" in l["path"] else "blobs"
        if kind not in out:
            out.append(kind)
print(" ".join(out))
PY
)"
check_eq "... and neither carried an Authorization header" 0 \
	"$(grep '"where": "other"' "$T/log" | grep -ci '"authorization"')"
stop_fake
finish
