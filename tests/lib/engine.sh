# tests/lib/engine.sh: a private dockerd for one test, and small helpers.
#
# Source it, then call engine_start. It never talks to /var/run/docker.sock:
# DOCKER_HOST always points at the socket under the test's temp dir, and
# engine_stop (run on EXIT) stops only the daemon this test started:
# kill its containers, SIGTERM dockerd, wait, unmount leftovers, remove the dir.

: "${BUILD:=build}"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PLAN="$ROOT/$BUILD/reclaim-plan"
if [ "${RC_VALIDATE_PLANS:-}" = 1 ]; then
	# every plan a test writes is also checked against the schema
	export RC_PLAN_REAL="$PLAN" RC_ROOT="$ROOT"
	PLAN="$ROOT/tests/lib/plan-validating.sh"
fi
APPLY="$ROOT/$BUILD/reclaim-apply"
# reclaim-plan keeps a registry cache in $XDG_CACHE_HOME/reclaim by default
# (docs/registry.md, "The cache"): never in the user's ~/.cache. Each script
# starts with an empty one of its own (registry_start gives each registry
# its own again).
export XDG_CACHE_HOME="$ROOT/tests/out/$BUILD/xdg-cache/$(basename "$0" .sh)"
rm -rf "$XDG_CACHE_HOME" && mkdir -p "$XDG_CACHE_HOME"
DOCKER_BIN=${DOCKER_BIN:-/usr/bin/docker}
[ -x "$DOCKER_BIN" ] || DOCKER_BIN=$(command -v docker)
export DOCKER_CLI_HINTS=false DOCKER_BUILDKIT=0
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

RC_T=""
RC_DOCKERD_PID=""
TESTS_FAILED=0

D() { DOCKER_HOST="unix://$RC_T/docker.sock" "$DOCKER_BIN" "$@"; }

engine_start() {
	RC_T=$(mktemp -d /tmp/rc-e2e.XXXXXX)
	mkdir -p "$RC_T/data" "$RC_T/exec" "$RC_T/work" "$RC_T/home"
	local ns
	ns="rc$(basename "$RC_T" | tr -dc 'a-zA-Z0-9')"
	# Its own network namespace: bridges it creates vanish with it, and
	# nothing it does can reach the host's network.
	unshare --net -- dockerd --storage-driver vfs --iptables=false --ip6tables=false --bridge=none \
		--data-root "$RC_T/data" --exec-root "$RC_T/exec" --pidfile "$RC_T/dockerd.pid" \
		-H "unix://$RC_T/docker.sock" --containerd-namespace "$ns" \
		--containerd-plugins-namespace "${ns}p" --log-level warn \
		>"$RC_T/dockerd.log" 2>&1 &
	RC_DOCKERD_PID=$!
	trap engine_stop EXIT
	export DOCKER_HOST="unix://$RC_T/docker.sock"
	export HOME="$RC_T/home"
	local i
	for i in $(seq 1 150); do
		if D version >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$RC_DOCKERD_PID" 2>/dev/null; then
			echo "dockerd exited early:" >&2
			tail -20 "$RC_T/dockerd.log" >&2
			return 1
		fi
		sleep 0.2
	done
	echo "dockerd did not come up in 30s" >&2
	tail -20 "$RC_T/dockerd.log" >&2
	return 1
}

engine_stop() {
	[ -n "$RC_T" ] || return 0
	if [ -n "$RC_DOCKERD_PID" ] && kill -0 "$RC_DOCKERD_PID" 2>/dev/null; then
		local running
		running=$(D ps -q 2>/dev/null)
		[ -n "$running" ] && D kill $running >/dev/null 2>&1
		kill -TERM "$RC_DOCKERD_PID" 2>/dev/null
		local i
		for i in $(seq 1 150); do
			kill -0 "$RC_DOCKERD_PID" 2>/dev/null || break
			sleep 0.2
		done
		wait "$RC_DOCKERD_PID" 2>/dev/null
	fi
	awk -v t="$RC_T" 'index($2, t) == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	rm -rf "$RC_T"
	RC_T=""
	RC_DOCKERD_PID=""
}

# busybox: a static binary to build runnable images FROM scratch.
busybox_path() {
	local b
	for b in /bin/busybox /usr/bin/busybox; do
		if [ -x "$b" ] && file -L "$b" 2>/dev/null | grep -q 'statically linked'; then
			echo "$b"
			return 0
		fi
	done
	echo "no static busybox (apt-get install busybox-static)" >&2
	return 1
}

# mk_image TAG [LABEL=VALUE ...]: a runnable image FROM scratch with one
# unique layer; prints the image ID.
mk_image() {
	local tag=$1
	shift
	local ctx
	ctx=$(mktemp -d "$RC_T/work/ctx.XXXXXX")
	cp "$(busybox_path)" "$ctx/busybox"
	printf '%s\n' "$tag $RANDOM $(date +%s%N)" >"$ctx/unique"
	{
		echo "FROM scratch"
		echo "COPY busybox /bin/busybox"
		echo "COPY unique /unique"
		local l
		for l in "$@"; do echo "LABEL $l"; done
		echo 'CMD ["/bin/busybox", "sleep", "3600"]'
	} >"$ctx/Dockerfile"
	D build -q ${tag:+-t "$tag"} "$ctx" | tail -1
	rm -rf "$ctx"
}

# mk_child PARENT TAG: an image built FROM parent with one more layer.
mk_child() {
	local parent=$1 tag=$2 ctx
	ctx=$(mktemp -d "$RC_T/work/ctx.XXXXXX")
	printf '%s\n' "$tag $RANDOM $(date +%s%N)" >"$ctx/child"
	printf 'FROM %s\nCOPY child /child\n' "$parent" >"$ctx/Dockerfile"
	D build -q ${tag:+-t "$tag"} "$ctx" | tail -1
	rm -rf "$ctx"
}

# mk_dangling: an untagged image: build a tag, then build the same tag
# again, which leaves the first image without tags.
mk_dangling() {
	local id tag="rc-dangling-tmp:$RANDOM$RANDOM"
	id=$(mk_image "$tag")
	mk_image "$tag" >/dev/null
	D rmi "$tag" >/dev/null
	echo "$id"
}

# ok NAME / not_ok NAME: TAP-like lines that tests/run.sh counts.
ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $*"
	TESTS_FAILED=$((TESTS_FAILED + 1))
}
# check NAME CMD...: runs CMD; ok when it exits 0.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		printf '  expected: %s\n  actual:   %s\n' "$2" "$3" | head -40
	fi
}
finish() {
	[ "$TESTS_FAILED" -eq 0 ]
}

# Validates a plan against docs/plan.schema.json with Debian's
# python3-jsonschema (an independent implementation).
schema_valid() {
	/usr/bin/python3 - "$ROOT/docs/plan.schema.json" "$1" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.validate(doc, schema)
PY
}

# engine_state: the engine's full state as sorted text lines, for before/after
# comparisons: images with their tags, containers with state and image,
# volumes, networks.
engine_state() {
	D image ls -a --no-trunc --format 'image {{.ID}} {{.Repository}}:{{.Tag}}' | sort
	D ps -a --no-trunc --format 'container {{.ID}} {{.Names}} {{.State}} {{.Image}}' | sort
	D volume ls --format 'volume {{.Name}}' | sort
	D network ls --no-trunc --format 'network {{.ID}} {{.Name}}' | sort
}

# plan_sans_clock FILE: the plan without what only the engine's clock
# decides (sources[].identity.clock, and so the digest), for comparing two plans
# of the same state: everything else must be byte-identical.
plan_sans_clock() {
	/usr/bin/python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
p.pop("digest", None)
for s in p.get("sources", []):
    s.get("identity", {}).pop("clock", None)
print(json.dumps(p, indent=1, ensure_ascii=False))' "$1"
}

# plan_items FILE SECTION: "kind object rule" lines of a plan's candidates or
# protected list, in file order.
plan_items() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
for it in plan[sys.argv[2]]:
    print(it["kind"], it["object"], it["rule"])
PY
}

# start_proxy SOCKET LOG: a recording proxy in front of the private dockerd.
RC_PROXY_PID=""
start_proxy() {
	/usr/bin/python3 "$ROOT/tests/fake/fault_proxy.py" "$1" "$RC_T/docker.sock" "$2" &
	RC_PROXY_PID=$!
	local i
	for i in $(seq 1 50); do [ -S "$1" ] && return 0; sleep 0.1; done
	return 1
}
stop_proxy() {
	[ -n "$RC_PROXY_PID" ] && kill "$RC_PROXY_PID" 2>/dev/null && wait "$RC_PROXY_PID" 2>/dev/null
	RC_PROXY_PID=""
}
