#!/usr/bin/env bash
# Refusals: each case exits 4 (refused), with a one-line error, and deletes
# nothing: a byte changed in a candidate, --approve with another digest, no
# approval, an expired plan (also with --now before its expiry: the clock only
# moves forward), a plan for another engine, malformed JSON, a plan that fails
# the schema, a future plan version, an object that is not an exact identity,
# a journal of another plan. Also: output paths that clash (2), a symlinked
# journal (1), output paths that cannot be written and a journal that is not
# a regular file (1, before anything is deleted).
set -u
source "$(dirname "$0")/../lib/engine.sh"
source "$(dirname "$0")/../lib/apply.sh"
engine_start || exit 1
W=$RC_T/work

# A second private engine, to be the wrong target. Same conventions as
# engine_start, under the same temp dir; stopped gracefully before engine A.
B=$RC_T/b
B_PID=""
start_engine_b() {
	mkdir -p "$B/data" "$B/exec" "$B/etc-docker"
	local ns="rcb$(basename "$RC_T" | tr -dc 'a-zA-Z0-9')" i
	# dockerd 20.10 derives its engine ID from /etc/docker/key.json, which
	# every daemon on the host shares; B gets its own /etc/docker in a
	# private mount namespace (newer engines keep the ID in data-root), and
	# like engine A its own network namespace.
	unshare --mount --net --propagation private /bin/sh -c '
		mount --bind "$1/etc-docker" /etc/docker && shift && exec "$@"' sh "$B" \
		dockerd --storage-driver vfs --iptables=false --ip6tables=false --bridge=none \
		--data-root "$B/data" --exec-root "$B/exec" --pidfile "$B/dockerd.pid" \
		-H "unix://$B/docker.sock" --containerd-namespace "$ns" \
		--containerd-plugins-namespace "${ns}p" --log-level warn >"$B/dockerd.log" 2>&1 &
	B_PID=$!
	for i in $(seq 1 150); do
		DOCKER_HOST="unix://$B/docker.sock" "$DOCKER_BIN" version >/dev/null 2>&1 && return 0
		kill -0 "$B_PID" 2>/dev/null || break
		sleep 0.2
	done
	tail -5 "$B/dockerd.log" >&2
	return 1
}
stop_engine_b() {
	[ -n "$B_PID" ] || return 0
	kill -TERM "$B_PID" 2>/dev/null
	local i
	for i in $(seq 1 150); do
		kill -0 "$B_PID" 2>/dev/null || break
		sleep 0.2
	done
	wait "$B_PID" 2>/dev/null
	B_PID=""
}
trap 'stop_engine_b; remove_networks; engine_stop' EXIT

mk_dangling >/dev/null
mk_image unused:1 >/dev/null
mk_image app:1 >/dev/null
D create --name stopped app:1 >/dev/null
D volume create vidle >/dev/null
mk_net idle-net

P=$W/plan.json
"$PLAN" --engine "$DOCKER_HOST" --min-age 0 --images=unused --volumes=all -o "$P" \
	>/dev/null 2>&1
check_eq "plan succeeds" 0 "$?"
dig=$(plan_digest "$P")
check "plan has candidates" test "$(plan_count "$P")" -gt 3
engine_state >"$W/before"

# refused NAME PATTERN APPLY-ARGS...: exit 4, one error line matching
# PATTERN, nothing deleted, no journal created.
refused() {
	local name=$1 pattern=$2
	shift 2
	rm -f "$W/case.journal"
	"$APPLY" --journal "$W/case.journal" "$@" >"$W/out" 2>"$W/err"
	local rc=$?
	sed 's/^/# /' "$W/err"
	check_eq "$name: exits 4" 4 "$rc"
	check "$name: says why ($pattern)" grep -qE "^reclaim-apply: error: .*($pattern)" "$W/err"
	check_eq "$name: exactly one error line" 1 "$(grep -c 'error:' "$W/err")"
	check_eq "$name: deletes nothing" "$(cat "$W/before")" "$(engine_state)"
	check "$name: creates no journal" test ! -e "$W/case.journal"
}

# edit FILE OUT PYTHON: applies a python edit (d is the plan) and writes OUT;
# with RESEAL=1 the digest is recomputed, so only the edited check fails.
edit() {
	/usr/bin/python3 - "$1" "$2" "$3" "${RESEAL:-0}" "$ROOT/scripts/plan-digest.py" <<'PY'
import json, subprocess, sys
src, out, code, reseal, tool = sys.argv[1:6]
d = json.load(open(src))
exec(code)
text = json.dumps(d, indent=2)
open(out, "w").write(text + "\n")
if reseal == "1":
    dig = subprocess.run([sys.executable, tool, out], check=True, capture_output=True,
                         text=True).stdout.strip()
    d["digest"] = dig
    open(out, "w").write(json.dumps(d, indent=2) + "\n")
PY
}

# 1. One byte changed in a candidate (still valid JSON, old digest).
edit "$P" "$W/tampered.json" '
c = d["candidates"][0]
c["reason"] = c["reason"][:-1] + chr(ord(c["reason"][-1]) ^ 1)'
check "tampered plan differs from the original by one byte" test \
	"$(cmp -l <(/usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])), indent=2))' "$P") "$W/tampered.json" | wc -l)" -eq 1
refused "tampered candidate" "digest|tamper" --approve "$dig" "$W/tampered.json"
refused "tampered candidate, auto-approved" "digest|tamper" --auto-approve "$W/tampered.json"

# 2. --approve with another digest.
other=sha256:$(printf '%064d' 0)
refused "approve another digest" "does not match" --approve "$other" "$P"

# 3. No approval: the summary and the exact approve command on stdout.
refused "no approval" "not approved" "$P"
check "no approval: prints the exact approve command" \
	grep -qF "reclaim-apply --approve $dig $P" "$W/out"

# 4. Expired plan.
exp=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["expires_at"])' "$P")
refused "expired plan" "expired" --approve "$dig" --now "$exp" "$P"
refused "long expired plan" "expired" --approve "$dig" --now 2099-01-01T00:00:00Z "$P"

# 4b. --now may only move the clock forward: a plan made two hours ago with a
# one-hour TTL stays expired, even with --now inside its lifetime.
past=$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%SZ)
inside=$(date -u -d '-90 minutes' +%Y-%m-%dT%H:%M:%SZ)
"$PLAN" --engine "$DOCKER_HOST" --min-age 0 --images=unused --volumes=all --now "$past" \
	--ttl 1h -o "$W/old.json" >/dev/null 2>&1
check_eq "a plan made 2h ago with a 1h TTL" 0 "$?"
check "the old plan has candidates" test "$(plan_count "$W/old.json")" -gt 3
refused "expired plan, --now before its expiry" "expired" --approve \
	"$(plan_digest "$W/old.json")" --now "$inside" "$W/old.json"
refused "expired plan, --now long before its expiry" "expired" --auto-approve \
	--now 2000-01-01T00:00:00Z "$W/old.json"

# 5. Wrong target: the plan was made on engine A, the engine reached is B.
if start_engine_b; then
	refused "plan for another engine" "wrong target" --approve "$dig" \
		--engine "unix://$B/docker.sock" "$P"
	DOCKER_HOST="unix://$B/docker.sock" refused "another engine through DOCKER_HOST" \
		"wrong target" --approve "$dig" "$P"
	stop_engine_b
else
	not_ok "second engine did not start"
fi

# 6. Malformed JSON.
head -c 200 "$P" >"$W/truncated.json"
refused "truncated JSON" "plan|JSON|parse" --approve "$dig" "$W/truncated.json"
printf '{"format": "reclaim-plan", "version": 1,, }\n' >"$W/garbage.json"
refused "malformed JSON" "plan|JSON|parse" --approve "$dig" "$W/garbage.json"

# 7. Fails the schema, digest re-sealed so only the schema check can fail.
RESEAL=1 edit "$P" "$W/schema.json" 'd["candidates"][0]["kind"] = "spaceship"'
check "re-sealed plan has a valid digest" "$ROOT/scripts/plan-digest.py" --check "$W/schema.json"
refused "plan failing the schema" "kind|schema" --auto-approve "$W/schema.json"
RESEAL=1 edit "$P" "$W/schema2.json" 'd["candidates"][0]["reclaimable"] = "lots"'
refused "wrong type in a candidate" "reclaimable|schema|integer" --auto-approve \
	"$W/schema2.json"
RESEAL=1 edit "$P" "$W/schema3.json" 'del d["sources"][0]["identity"]["id"]'
refused "source without an engine ID" "identity.*'id'|schema|required" --auto-approve \
	"$W/schema3.json"

# 8. A future plan version, re-sealed.
RESEAL=1 edit "$P" "$W/v3.json" 'd["version"] = 3'
refused "future plan version" "unsupported plan version 3" --auto-approve "$W/v3.json"

# 8b. An object that is not its kind's exact identity (a short ID is a prefix
# lookup to the engine), re-sealed.
RESEAL=1 edit "$P" "$W/short.json" '
c = next(c for c in d["candidates"] if c["kind"] == "container")
c["object"] = c["object"][:12]
c["id"] = "engine/container/" + c["object"]'
refused "short container ID" "object: '[0-9a-f]{12}' is not an exact container identity" \
	--auto-approve "$W/short.json"
RESEAL=1 edit "$P" "$W/short2.json" '
c = next(c for c in d["candidates"] if c["kind"] == "image")
c["object"] = c["object"][:19]
c["id"] = "engine/image/" + c["object"]'
refused "short image ID" "is not an exact image identity" --auto-approve "$W/short2.json"

# 9. A journal that belongs to another plan.
"$PLAN" --engine "$DOCKER_HOST" --min-age 100w -o "$W/empty.json" >/dev/null 2>&1
check_eq "a second plan with no candidates" 0 "$(plan_count "$W/empty.json")"
"$APPLY" --auto-approve --journal "$W/shared.journal" "$W/empty.json" >/dev/null 2>&1
check_eq "applying the second plan writes its journal" 0 "$?"
cp "$W/shared.journal" "$W/shared.before"
"$APPLY" --approve "$dig" --journal "$W/shared.journal" "$P" >"$W/out" 2>"$W/err"
check_eq "journal of another plan: exits 4" 4 "$?"
check "journal of another plan: says so" grep -q "another plan" "$W/err"
check_eq "journal of another plan: deletes nothing" "$(cat "$W/before")" "$(engine_state)"
check "journal of another plan: journal untouched" cmp -s "$W/shared.journal" "$W/shared.before"

# 10. The plan, the journal, the report and the JUnit file must be different
# files (a usage error, 2), and a journal that is a symbolic link is never
# followed (an error, 1). Nothing is deleted or overwritten.
cp "$P" "$W/same.json"
same_path() { # NAME PATTERN APPLY-ARGS...
	local name=$1 pattern=$2
	shift 2
	"$APPLY" "$@" >"$W/out" 2>"$W/err"
	check_eq "$name: usage error (2)" 2 "$?"
	check "$name: says so" grep -qE -e "$pattern" "$W/err"
	check "$name: the plan is untouched" cmp -s "$P" "$W/same.json"
	check_eq "$name: deletes nothing" "$(cat "$W/before")" "$(engine_state)"
}
same_path "--report over the plan" "--report '.*' is the same file as the plan" \
	--approve "$dig" --report "$W/same.json" "$W/same.json"
same_path "--junit over the plan, another spelling" "--junit .* same file as the plan" \
	--approve "$dig" --junit "$W/../work/./same.json" "$W/same.json"
same_path "--report over the default journal" "same file as the default journal" \
	--approve "$dig" --report "$W/same.journal" "$W/same.json"
same_path "--junit and --journal the same" "--junit .* same file as --journal" \
	--approve "$dig" --journal "$W/x.journal" --junit "$W/x.journal" "$W/same.json"
same_path "--report and --junit the same" "--junit .* same file as --report" \
	--approve "$dig" --report "$W/r.out" --junit "$W/r.out" "$W/same.json"
check "no journal was created" test ! -e "$W/same.journal" -a ! -e "$W/x.journal"
ln -sf "$W/same.json" "$W/link.journal"
same_path "--journal a symbolic link to the plan" "--journal .* same file as the plan" \
	--approve "$dig" --journal "$W/link.journal" "$W/same.json"
printf 'precious\n' >"$W/victim"
ln -sf "$W/victim" "$W/link2.journal"
"$APPLY" --approve "$dig" --journal "$W/link2.journal" "$P" >"$W/out" 2>"$W/err"
check_eq "journal symlinked elsewhere: an error (1)" 1 "$?"
check_eq "journal symlinked elsewhere: the target is untouched" precious "$(cat "$W/victim")"
check_eq "journal symlinked elsewhere: deletes nothing" "$(cat "$W/before")" "$(engine_state)"

# 11. Output paths are checked before anything is deleted: a --report or
# --junit that cannot be written, or a journal that is not a regular file
# (reading a FIFO would hang), is an error (1) before the first deletion, not
# after the last one.
bad_path() { # NAME PATTERN APPLY-ARGS...
	local name=$1 pattern=$2
	shift 2
	rm -f "$W/case.journal"
	timeout 60 "$APPLY" "$@" >"$W/out" 2>"$W/err"
	local rc=$?
	sed 's/^/# /' "$W/err"
	check_eq "$name: an error (1), at once" 1 "$rc"
	check "$name: says why" grep -qE "^reclaim-apply: error: .*($pattern)" "$W/err"
	check_eq "$name: deletes nothing" "$(cat "$W/before")" "$(engine_state)"
	check "$name: creates no journal" test ! -e "$W/case.journal"
}
bad_path "--report in a missing directory" "--report: cannot write '.*/nodir/r.json'" \
	--approve "$dig" --journal "$W/case.journal" --report "$W/nodir/r.json" "$P"
bad_path "--junit in a missing directory" "--junit: cannot write" \
	--approve "$dig" --journal "$W/case.journal" --junit "$W/nodir/r.xml" "$P"
mkdir -p "$W/adir"
bad_path "--report is a directory" "--report: cannot write '.*/adir'" \
	--approve "$dig" --journal "$W/case.journal" --report "$W/adir" "$P"
bad_path "--junit below a regular file" "--junit: cannot write" \
	--approve "$dig" --journal "$W/case.journal" --junit "$P/r.xml" "$P"
mkfifo "$W/fifo.journal"
bad_path "--journal a FIFO" "journal '.*/fifo.journal' is not a regular file" \
	--approve "$dig" --journal "$W/fifo.journal" "$P"
check "--journal a FIFO: the FIFO is left alone" test -p "$W/fifo.journal"
bad_path "--journal a directory" "journal '.*/adir' is not a regular file" \
	--approve "$dig" --journal "$W/adir" "$P"
bad_path "--journal a FIFO, dry run" "not a regular file" \
	--dry-run --approve "$dig" --journal "$W/fifo.journal" "$P"

# Not refusals, for contrast: a missing plan is an error (1), a bad flag a
# usage error (2).
"$APPLY" --approve "$dig" "$W/missing.json" >/dev/null 2>&1
check_eq "missing plan file exits 1" 1 "$?"
"$APPLY" --approve sha256:xyz "$P" >/dev/null 2>"$W/err"
check_eq "malformed --approve is a usage error (2)" 2 "$?"
check "usage error points to --help" grep -q "Try 'reclaim-apply --help'" "$W/err"

# Finally the untouched plan applies.
"$APPLY" --approve "$dig" --journal "$W/final.journal" "$P" >/dev/null 2>&1
check_eq "the genuine plan, approved, applies" 0 "$?"

finish
