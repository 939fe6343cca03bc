# tests/lib/apply.sh: helpers for reclaim-apply's end-to-end tests.
# Source it after tests/lib/engine.sh.

# plan_digest FILE: the plan's digest field.
plan_digest() {
	/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["digest"])' "$1"
}

# plan_candidates FILE: "kind object" per candidate, in plan order.
plan_candidates() {
	/usr/bin/python3 - "$1" <<'PY'
import json, sys
for it in json.load(open(sys.argv[1]))["candidates"]:
    print(it["kind"], it["object"])
PY
}

# plan_count FILE: number of candidates.
plan_count() {
	/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["candidates"]))' "$1"
}

# report_outcomes FILE: "outcome kind object" per item of a --report file.
report_outcomes() {
	/usr/bin/python3 - "$1" <<'PY'
import json, sys
for it in json.load(open(sys.argv[1]))["items"]:
    print(it["outcome"], it["kind"], it["object"])
PY
}

# report_outcome_set FILE: the distinct outcomes of a report, sorted, space separated.
report_outcome_set() {
	report_outcomes "$1" | awk '{print $1}' | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# report_reason FILE OBJECT: outcome and reason of the item with that object.
report_reason() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
for it in json.load(open(sys.argv[1]))["items"]:
    if it["object"] == sys.argv[2]:
        print(it["outcome"] + ": " + it["reason"])
PY
}

# state_minus STATE_FILE PLAN: the engine_state lines whose object (field 2)
# is not a candidate of PLAN: what must remain after a full apply.
state_minus() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
objs = {it["object"] for it in json.load(open(sys.argv[2]))["candidates"]}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) >= 2 and f[1] in objs:
        continue
    sys.stdout.write(line)
PY
}

# short_state: the engine's state without random container and network IDs,
# for comparing states re-seeded from the same images.
short_state() {
	D image ls -a --no-trunc --format 'image {{.ID}} {{.Repository}}:{{.Tag}}' | sort
	D ps -a --format 'container {{.Names}} {{.State}} {{.Image}}' | sort
	D volume ls --format 'volume {{.Name}}' | sort
	D network ls --format 'network {{.Name}}' | sort
}

# wipe_engine: removes every container, image, volume and custom network of
# the private engine (only ever the one engine_start started).
wipe_engine() {
	local c n
	# Disconnect running containers first: killing or removing them can
	# leave a stale endpoint behind that blocks the network's removal.
	for n in $(D network ls --filter type=custom -q); do
		for c in $(D network inspect -f '{{range $k, $v := .Containers}}{{$k}} {{end}}' "$n"); do
			D network disconnect -f "$n" "$c" >/dev/null 2>&1
		done
	done
	c=$(D ps -q)
	[ -n "$c" ] && D kill $c >/dev/null
	c=$(D ps -aq)
	[ -n "$c" ] && D rm -f $c >/dev/null
	c=$(D image ls -aq --no-trunc | sort -u)
	[ -n "$c" ] && D rmi -f $c >/dev/null 2>&1
	c=$(D volume ls -q)
	[ -n "$c" ] && D volume rm -f $c >/dev/null
	c=$(D network ls --filter type=custom -q)
	[ -n "$c" ] && D network rm $c >/dev/null
	return 0
}

# mk_net NAME [ARGS...]: a custom network on a random 10.x.y.0/24 subnet: the
# default address pools are shared by every dockerd on the host and run out.
mk_net() {
	local name=$1
	shift
	D network create --subnet "10.$((100 + RANDOM % 150)).$((RANDOM % 256)).0/24" "$@" \
		"$name" >/dev/null
}

# remove_networks: disconnects and removes the engine's custom networks, so
# that their bridges on the host do not outlive the test's dockerd. Run it
# before engine_stop (tests trap 'remove_networks; engine_stop' EXIT).
remove_networks() {
	[ -n "$RC_T" ] && [ -S "$RC_T/docker.sock" ] || return 0
	local n c
	for n in $(D network ls --filter type=custom -q 2>/dev/null); do
		for c in $(D network inspect -f '{{range $k, $v := .Containers}}{{$k}} {{end}}' "$n" 2>/dev/null); do
			D network disconnect -f "$n" "$c" >/dev/null 2>&1
		done
		D network rm "$n" >/dev/null 2>&1
	done
	return 0
}

# state_after BEFORE REPORT: the engine_state lines of BEFORE less the objects
# (field 2) that the --report file REPORT says were deleted: what must remain.
state_after() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
gone = {it["object"] for it in json.load(open(sys.argv[2]))["items"]
        if it["outcome"] == "deleted"}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) >= 2 and f[1] in gone:
        continue
    sys.stdout.write(line)
PY
}
