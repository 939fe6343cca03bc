# tests/lib/harbor.sh: the Harbor / MSR 4 double (tests/fakes/harbor/harbor.py)
# for one test.
#
# harbor_start FIXTURE_ARGS...: writes a fixture with
# tests/fakes/harbor/fixture.py FIXTURE_ARGS... --user "$HARBOR_USER"
# --password "$HARBOR_PASS", starts the double on 127.0.0.1 and sets
# HARBOR_URL, HARBOR_LOG (its request log, "METHOD PATH?QUERY STATUS"),
# HARBOR_T (temp dir). harbor_stop (run on EXIT) stops what it started.
# HARBOR_USER, HARBOR_PASS (and HARBOR_ROBOT / HARBOR_ROBOT_PASS, the robot
# account limited to project "lib") are fresh per run, so a test can grep
# every output for them. DOCKER_CONFIG points into HARBOR_T: never the
# user's ~/.docker.
# Set before harbor_start: HARBOR_PORT (default: a free one), HARBOR_TLS_CERT
# and HARBOR_TLS_KEY (serve HTTPS: HARBOR_URL is then https://, and the
# control requests trust HARBOR_TLS_CA).
source "$(dirname "${BASH_SOURCE[0]}")/engine.sh"
HARBOR_PID=""
HARBOR_T=$(mktemp -d /tmp/rc-harbor.XXXXXX)
HARBOR_USER=admin
HARBOR_PASS="pw-$RANDOM$RANDOM$RANDOM"
HARBOR_ROBOT='robot$ci'
HARBOR_ROBOT_PASS="robot-$HARBOR_PASS"
export DOCKER_CONFIG="$HARBOR_T/docker-config"
mkdir -p "$DOCKER_CONFIG"
unset RECLAIM_REGISTRY_USERNAME RECLAIM_REGISTRY_PASSWORD
HARBOR_FIXTURE="$ROOT/tests/fakes/harbor/fixture.py"

harbor_start() {
	local i
	trap harbor_stop EXIT
	/usr/bin/python3 "$HARBOR_FIXTURE" "$@" --user "$HARBOR_USER" --password "$HARBOR_PASS" \
		>"$HARBOR_T/fixture.json" || return 1
	rm -f "$HARBOR_T/port"
	: >"$HARBOR_T/requests.log"
	local tls=()
	[ -n "${HARBOR_TLS_CERT:-}" ] && tls=(--tls-cert "$HARBOR_TLS_CERT" --tls-key "$HARBOR_TLS_KEY")
	/usr/bin/python3 "$ROOT/tests/fakes/harbor/harbor.py" --fixture "$HARBOR_T/fixture.json" \
		--port "${HARBOR_PORT:-0}" --port-file "$HARBOR_T/port" --log "$HARBOR_T/requests.log" \
		"${tls[@]}" >"$HARBOR_T/harbor.out" 2>&1 &
	HARBOR_PID=$!
	for i in $(seq 1 100); do
		[ -s "$HARBOR_T/port" ] && break
		sleep 0.05
	done
	[ -s "$HARBOR_T/port" ] || { cat "$HARBOR_T/harbor.out" >&2; return 1; }
	HARBOR_HOSTPORT="127.0.0.1:$(cat "$HARBOR_T/port")"
	HARBOR_URL="http${HARBOR_TLS_CERT:+s}://$HARBOR_HOSTPORT"
	HARBOR_LOG="$HARBOR_T/requests.log"
	export HARBOR_URL HARBOR_LOG HARBOR_T HARBOR_USER HARBOR_PASS
}

harbor_stop() {
	if [ -n "$HARBOR_PID" ]; then
		kill "$HARBOR_PID" 2>/dev/null
		wait "$HARBOR_PID" 2>/dev/null
		HARBOR_PID=""
	fi
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$HARBOR_T"
}

# harbor_pki DIR: throwaway CAs DIR/ca.pem and DIR/other.pem, and a server
# certificate for 127.0.0.1 signed by ca: DIR/srv.pem, DIR/srv.key.
harbor_pki() {
	local c=$1 n
	mkdir -p "$c"
	for n in ca other; do
		openssl req -x509 -newkey rsa:2048 -nodes -keyout "$c/$n.key" -out "$c/$n.pem" \
			-days 2 -subj "/CN=reclaim test $n" >/dev/null 2>&1 || return 1
	done
	openssl req -newkey rsa:2048 -nodes -keyout "$c/srv.key" -out "$c/srv.csr" \
		-subj "/CN=127.0.0.1" >/dev/null 2>&1 &&
		printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$c/ext" &&
		openssl x509 -req -in "$c/srv.csr" -CA "$c/ca.pem" -CAkey "$c/ca.key" -CAcreateserial \
			-out "$c/srv.pem" -days 2 -extfile "$c/ext" >/dev/null 2>&1
}

harbor_curl() { curl ${HARBOR_TLS_CA:+--cacert "$HARBOR_TLS_CA"} "$@"; }
# harbor_control PATH JSON: POST to the double's /_fake/PATH; fails on non-2xx.
harbor_control() {
	harbor_curl -sf -X POST -H 'Content-Type: application/json' -d "$2" \
		"$HARBOR_URL/_fake/$1" >/dev/null
}
# harbor_pull PROJECT REPO REF: a pull of REF (tag or digest): pull_time := now.
harbor_pull() {
	harbor_control pull "$(/usr/bin/python3 -c 'import json,sys; print(json.dumps({"project": sys.argv[1], "repo": sys.argv[2], "reference": sys.argv[3]}))' "$@")"
}
# harbor_push PROJECT REPO TAG DIGEST [SIZE]: adds or moves TAG to DIGEST
# (creating the artifact, and the repository, when new).
harbor_push() {
	harbor_control push "$(/usr/bin/python3 -c 'import json,sys; d={"project": sys.argv[1], "repo": sys.argv[2], "tag": sys.argv[3], "digest": sys.argv[4]}; d.update({"size": int(sys.argv[5])} if len(sys.argv) > 5 else {}); print(json.dumps(d))' "$@")"
}
# harbor_sign PROJECT REPO SUBJECT DIGEST: a new accessory DIGEST (a cosign
# signature) of artifact SUBJECT (tag or digest).
harbor_sign() {
	harbor_control sign "$(/usr/bin/python3 -c 'import json,sys; print(json.dumps({"project": sys.argv[1], "repo": sys.argv[2], "subject": sys.argv[3], "digest": sys.argv[4]}))' "$@")"
}
# harbor_immutable PROJECT REPO TAG [true|false]: an immutability rule now
# matches TAG (or no longer does).
harbor_immutable() {
	harbor_control immutable "$(/usr/bin/python3 -c 'import json,sys; print(json.dumps({"project": sys.argv[1], "repo": sys.argv[2], "tag": sys.argv[3], "immutable": (sys.argv[4] if len(sys.argv) > 4 else "true") == "true"}))' "$@")"
}
# harbor_fault JSON: {"path_regex", "method", "status", "count", "retry_after",
# "body", "hang_seconds", "truncate", "headers"} (see harbor.py);
# harbor_reset_faults.
harbor_fault() { harbor_control fault "$1"; }
harbor_reset_faults() { harbor_control reset-faults '{}'; }
# harbor_state: the whole model as JSON.
harbor_state() { harbor_curl -sf "$HARBOR_URL/_fake/state"; }
# harbor_tags: "project/repo:tag digest" per tag, sorted; harbor_digests:
# "project/repo@digest" per artifact, sorted.
harbor_tags() {
	harbor_state | /usr/bin/python3 -c '
import json, sys
for p in json.load(sys.stdin)["projects"]:
    for r in p["repositories"]:
        for a in r["artifacts"]:
            for t in a["tags"]:
                print("%s/%s:%s %s" % (p["name"], r["name"], t["name"], a["digest"]))' | sort
}
harbor_digests() {
	harbor_state | /usr/bin/python3 -c '
import json, sys
for p in json.load(sys.stdin)["projects"]:
    for r in p["repositories"]:
        for a in r["artifacts"]:
            print("%s/%s@%s" % (p["name"], r["name"], a["digest"]))' | sort
}
harbor_digest() { /usr/bin/python3 "$HARBOR_FIXTURE" --digest "$1"; }

# harbor_plan ARGS... / harbor_apply ARGS...: reclaim-plan / -apply against
# the double with the admin password on stdin.
harbor_plan() { printf '%s\n' "$HARBOR_PASS" | "$PLAN" --harbor "$HARBOR_URL" --username "$HARBOR_USER" --password-stdin "$@"; }
harbor_apply() { printf '%s\n' "$HARBOR_PASS" | "$APPLY" --username "$HARBOR_USER" --password-stdin "$@"; }
