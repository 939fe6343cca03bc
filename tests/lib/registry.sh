# tests/lib/registry.sh: a private docker-registry (distribution 2.8) for one
# test, in one of three set-ups, and small helpers.
#
# Source it, then call registry_start MODE, MODE one of
#   anon    no authentication
#   basic   htpasswd basic auth (htpasswd -B), user $REG_USER
#   token   auth.token with tests/fake/token_server.py, which signs with a
#           key and certificate generated here with openssl
# It listens on 127.0.0.1 on a free port, keeps its storage under the test's
# temp dir (in $REG_TMPDIR, default /tmp; the benchmarks use /dev/shm), has
# storage.delete.enabled, and sets REG_URL (http://...), REG_HOSTPORT,
# REG_USER, REG_PASS. With REG_EXEC set (e.g. "nsenter
# --net=/proc/PID/ns/net", to share a private dockerd's network namespace),
# the registry and the readiness check run under it. registry_stop (run on
# EXIT) stops what
# this file started, with SIGTERM and a wait. Nothing here touches a daemon
# or port it did not start.

source "$(dirname "${BASH_SOURCE[0]}")/engine.sh"
REGISTRY_BIN=${REGISTRY_BIN:-/usr/bin/docker-registry}
REG_TOOL="$ROOT/$BUILD/tests/tools/reg_scan"
REG_T=""
REG_PID=""
TOKEN_PID=""
REG_USER=tester
REG_PASS="s3cret-$RANDOM$RANDOM"
export REG_USER REG_PASS

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

registry_start() {
	local mode=$1 port auth="" i
	REG_T=$(mktemp -d "${REG_TMPDIR:-/tmp}/rc-reg.XXXXXX")
	mkdir -p "$REG_T/data" "$REG_T/work" "$REG_T/docker-config"
	# credentials come from the test, never from the user's ~/.docker
	export DOCKER_CONFIG="$REG_T/docker-config"
	# and plans cache what they read here, not in ~/.cache or a cache an
	# earlier registry of the same test filled
	export XDG_CACHE_HOME="$REG_T/xdg-cache"
	trap registry_stop EXIT
	port=$(free_port)
	case $mode in
	anon) ;;
	basic)
		htpasswd -Bbn "$REG_USER" "$REG_PASS" >"$REG_T/htpasswd" 2>/dev/null || return 1
		auth="auth:
  htpasswd:
    realm: reclaim-test
    path: $REG_T/htpasswd"
		;;
	token)
		openssl req -x509 -newkey rsa:2048 -nodes -keyout "$REG_T/token.key" \
			-out "$REG_T/token.crt" -days 2 -subj "/CN=reclaim-test-token" \
			>/dev/null 2>&1 || return 1
		/usr/bin/python3 "$ROOT/tests/fake/token_server.py" --key "$REG_T/token.key" \
			--cert "$REG_T/token.crt" --issuer reclaim-test-issuer \
			--service reclaim-test-registry --user "$REG_USER:$REG_PASS" \
			--refresh-token "refresh-$REG_PASS" ${TOKEN_EXPIRES:+--expires-in "$TOKEN_EXPIRES"} \
			--port-file "$REG_T/token.port" --log "$REG_T/token.log" \
			>"$REG_T/token.out" 2>&1 &
		TOKEN_PID=$!
		for i in $(seq 1 100); do
			[ -s "$REG_T/token.port" ] && break
			sleep 0.1
		done
		[ -s "$REG_T/token.port" ] || { cat "$REG_T/token.out" >&2; return 1; }
		TOKEN_URL="http://127.0.0.1:$(cat "$REG_T/token.port")/token"
		auth="auth:
  token:
    realm: $TOKEN_URL
    service: reclaim-test-registry
    issuer: reclaim-test-issuer
    rootcertbundle: $REG_T/token.crt"
		;;
	*)
		echo "registry_start: unknown mode '$mode'" >&2
		return 1
		;;
	esac
	cat >"$REG_T/config.yml" <<YML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $REG_T/data
  delete:
    enabled: ${REG_DELETE:-true}
http:
  addr: 127.0.0.1:$port
  secret: reclaim-test-secret
$auth
YML
	${REG_EXEC:-} "$REGISTRY_BIN" serve "$REG_T/config.yml" >"$REG_T/registry.log" 2>&1 &
	REG_PID=$!
	REG_HOSTPORT="127.0.0.1:$port"
	REG_URL="http://$REG_HOSTPORT"
	export REG_URL REG_HOSTPORT REG_MODE=$mode
	for i in $(seq 1 100); do
		# "|| true": callers may run under set -e (scripts/demo.sh), and
		# curl fails until the registry listens
		code=$(${REG_EXEC:-} curl -s -o /dev/null -w '%{http_code}' "$REG_URL/v2/" 2>/dev/null) || true
		case $code in 200 | 401) return 0 ;; esac
		if ! kill -0 "$REG_PID" 2>/dev/null; then
			echo "docker-registry exited early:" >&2
			tail -20 "$REG_T/registry.log" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "docker-registry did not come up in 10s" >&2
	return 1
}

registry_stop() {
	local p i
	for p in "$PROXY_PID" "$REG_PID" "$TOKEN_PID"; do
		[ -n "$p" ] || continue
		if kill -0 "$p" 2>/dev/null; then
			kill -TERM "$p" 2>/dev/null
			for i in $(seq 1 50); do
				kill -0 "$p" 2>/dev/null || break
				sleep 0.1
			done
		fi
		wait "$p" 2>/dev/null || true # 143 after SIGTERM: not a failure under set -e
	done
	PROXY_PID=""
	REG_PID=""
	TOKEN_PID=""
	[ -n "$REG_T" ] && rm -rf "$REG_T"
	REG_T=""
}

# reg_curl ARGS...: curl against the registry with whatever auth its mode
# needs (for checks that do not go through reclaim).
reg_curl() {
	local path=$1
	shift
	case $REG_MODE in
	anon) curl -s "$@" "$REG_URL$path" ;;
	basic) curl -s -u "$REG_USER:$REG_PASS" "$@" "$REG_URL$path" ;;
	token)
		local scope=${REG_SCOPE:-registry:catalog:*} tok
		tok=$(curl -s -u "$REG_USER:$REG_PASS" -G --data-urlencode "service=reclaim-test-registry" \
			--data-urlencode "scope=$scope" "$TOKEN_URL" |
			/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
		curl -s -H "Authorization: Bearer $tok" "$@" "$REG_URL$path"
		;;
	esac
}

# fault_proxy_start [DIR]: tests/fake/fault_proxy.py --http in front of the
# registry, with its rules in DIR/rules (created empty when missing: no
# faults) and its request log in DIR/proxy.log; DIR defaults to
# $REG_T/work. Sets PURL to the proxy's URL. fault_proxy_stop stops it, and
# so does registry_stop.
PROXY_PID=""
fault_proxy_start() {
	local d=${1:-$REG_T/work} i
	[ -e "$d/rules" ] || : >"$d/rules"
	/usr/bin/python3 "$ROOT/tests/fake/fault_proxy.py" --http "$REG_URL" --port-file "$d/proxy.port" \
		--log "$d/proxy.log" --rules "$d/rules" &
	PROXY_PID=$!
	for i in $(seq 1 50); do [ -s "$d/proxy.port" ] && break; sleep 0.1; done
	[ -s "$d/proxy.port" ] || return 1
	PURL="http://127.0.0.1:$(cat "$d/proxy.port")"
}
fault_proxy_stop() {
	[ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null && wait "$PROXY_PID" 2>/dev/null
	PROXY_PID=""
}

# oci_push ARGS...: tests/lib/oci_push.py against this registry.
oci_push() { /usr/bin/python3 "$ROOT/tests/lib/oci_push.py" "$REG_URL" "$@"; }
