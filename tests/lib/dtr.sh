# tests/lib/dtr.sh: the DTR double (tests/fakes/dtr/dtr.py) for one test.
#
# dtr_start FIXTURE_ARGS...: writes a fixture with tests/fakes/dtr/fixture.py,
# starts the double on 127.0.0.1, sets DTR_URL, DTR_LOG (its request log),
# DTR_T (temp dir); dtr_stop (run on EXIT) stops what it started. DTR_USER,
# DTR_PASS and DTR_TOKEN are fresh per run, so a test can grep every output
# for them. DOCKER_CONFIG points into DTR_T: never the user's ~/.docker.
# Set before dtr_start: DTR_PORT (default: a free one), DTR_EXEC (a prefix
# such as "nsenter --net=/proc/PID/ns/net", to share a private dockerd's
# network namespace; the double and the control requests run under it),
# DTR_TLS_CERT and DTR_TLS_KEY (serve HTTPS: DTR_URL is then https://, and
# the control requests trust DTR_TLS_CA).
source "$(dirname "${BASH_SOURCE[0]}")/engine.sh"
DTR_PID=""
DTR_T=$(mktemp -d /tmp/rc-dtr.XXXXXX)
DTR_USER=admin
DTR_PASS="pw-$RANDOM$RANDOM$RANDOM"
DTR_TOKEN="tok-$RANDOM$RANDOM$RANDOM"
export DOCKER_CONFIG="$DTR_T/docker-config"
mkdir -p "$DOCKER_CONFIG"
unset RECLAIM_REGISTRY_USERNAME RECLAIM_REGISTRY_PASSWORD
FIXTURE="$ROOT/tests/fakes/dtr/fixture.py"

dtr_start() {
	local i
	trap dtr_stop EXIT
	/usr/bin/python3 "$FIXTURE" "$@" >"$DTR_T/fixture.json" || return 1
	rm -f "$DTR_T/port"
	: >"$DTR_T/requests.log"
	local tls=()
	[ -n "${DTR_TLS_CERT:-}" ] && tls=(--tls-cert "$DTR_TLS_CERT" --tls-key "$DTR_TLS_KEY")
	${DTR_EXEC:-} /usr/bin/python3 "$ROOT/tests/fakes/dtr/dtr.py" --fixture "$DTR_T/fixture.json" \
		--port "${DTR_PORT:-0}" --port-file "$DTR_T/port" --log "$DTR_T/requests.log" \
		"${tls[@]}" >"$DTR_T/dtr.out" 2>&1 &
	DTR_PID=$!
	for i in $(seq 1 100); do
		[ -s "$DTR_T/port" ] && break
		sleep 0.05
	done
	[ -s "$DTR_T/port" ] || { cat "$DTR_T/dtr.out" >&2; return 1; }
	DTR_HOSTPORT="127.0.0.1:$(cat "$DTR_T/port")"
	DTR_URL="http${DTR_TLS_CERT:+s}://$DTR_HOSTPORT"
	DTR_LOG="$DTR_T/requests.log"
}

dtr_stop() {
	if [ -n "$DTR_PID" ]; then
		kill "$DTR_PID" 2>/dev/null
		wait "$DTR_PID" 2>/dev/null
		DTR_PID=""
	fi
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$DTR_T"
}

# dtr_control JSON: one state change or fault (see dtr.py).
dtr_curl() { ${DTR_EXEC:-} curl ${DTR_TLS_CA:+--cacert "$DTR_TLS_CA"} "$@"; }
dtr_control() {
	dtr_curl -sf -X POST -H 'Content-Type: application/json' -d "$1" "$DTR_URL/_control" >/dev/null
}

# dtr_state: "ns/repo:tag digest" per tag, sorted.
dtr_state() {
	dtr_curl -sf "$DTR_URL/_control/state" | /usr/bin/python3 -c '
import json, sys
for r, tags in sorted(json.load(sys.stdin).items()):
    for t, d in sorted(tags.items()):
        print("%s:%s %s" % (r, t, d))'
}

dtr_digest() { /usr/bin/python3 "$FIXTURE" digest "$1"; }

# dtr_plan ARGS...: reclaim-plan against the double with the password on stdin.
dtr_plan() { printf '%s\n' "$DTR_PASS" | "$PLAN" --dtr "$DTR_URL" --username "$DTR_USER" --password-stdin "$@"; }
dtr_apply() { printf '%s\n' "$DTR_PASS" | "$APPLY" --username "$DTR_USER" --password-stdin "$@"; }
