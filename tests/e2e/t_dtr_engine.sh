#!/usr/bin/env bash
# One plan over a private dockerd and a DTR (the double): both sources and
# their items in one schema-valid plan, applied in one run (the engine's
# stopped container and dangling image, the DTR's old tags), a second apply
# a no-op. Across the sources, as for a registry (t_registry_mixed): the
# engine runs an image pulled as 127.0.0.1:PORT/team/app@DIGEST, so the
# DTR's tags naming DIGEST in team/app are protected as in use, naming the
# container; once the container is gone they are candidates again.
#
# RepoDigests are written by a push: the image is pushed to a private
# docker-registry on 127.0.0.1:PORT, which is then stopped, and the double
# takes over the same address with tags naming the pushed digest. The
# dockerd has its own network namespace (tests/lib/engine.sh), so the
# registry, the double, the plans and the applies run in it (nsenter).
set -u
source "$(dirname "$0")/../lib/registry.sh"
source "$ROOT/tests/lib/dtr.sh"
source "$ROOT/tests/lib/apply.sh"
engine_start || exit 1
NS=(nsenter "--net=/proc/$RC_DOCKERD_PID/ns/net")
"${NS[@]}" ip link set lo up || { not_ok "loopback up in the engine's namespace"; exit 1; }
REG_EXEC="${NS[*]}" registry_start anon || { not_ok "the registry starts"; exit 1; }
trap 'registry_stop; dtr_stop; engine_stop' EXIT
T=$DTR_T
R=$REG_HOSTPORT

mk_image web:1 >/dev/null
D tag web:1 "$R/team/app:web"
D push -q "$R/team/app:web" >/dev/null 2>"$T/push.err" || { not_ok "push: $(cat "$T/push.err")"; exit 1; }
REF=$(D image inspect -f '{{range .RepoDigests}}{{println .}}{{end}}' "$R/team/app:web" | grep "^$R/team/app@")
USED=${REF#*@}
check "the engine's image names the pushed digest in RepoDigests" grep -q '^sha256:[0-9a-f]\{64\}$' <<<"$USED"
D run -d --name web "$R/team/app:web" >/dev/null || { not_ok "the container runs"; exit 1; }
D run --name done web:1 /bin/busybox true >/dev/null 2>&1
DONE=$(D inspect -f '{{.Id}}' done)
DANGLING=$(mk_dangling)
registry_stop
export DOCKER_CONFIG="$DTR_T/docker-config" # registry.sh pointed it into its own dir

# the double at the registry's address, with two tags naming the pushed digest
DTR_EXEC="${NS[*]}" # the double and its control requests run in the namespace
DTR_PORT=${R##*:}
dtr_start scenario "$DTR_USER" "$DTR_PASS" "$DTR_TOKEN" ||
	{ not_ok "the double starts on the registry's port"; exit 1; }
trap 'dtr_stop; engine_stop' EXIT
check_eq "the double has the registry's address" "http://$R" "$DTR_URL"
for t in web web-alias; do
	dtr_control "{\"op\":\"repush\",\"repo\":\"team/app\",\"tag\":\"$t\",\"digest\":\"$USED\",\"updatedAt\":\"2023-12-01T00:00:00Z\"}"
done

P=$T/plan.json
plan() { printf '%s\n' "$DTR_PASS" | "${NS[@]}" "$PLAN" --engine "$DOCKER_HOST" --dtr "$DTR_URL" \
	--username "$DTR_USER" --password-stdin --keep-last 2 --min-age 0 "$@"; }
plan -q -o "$P" --csv "$T/plan.csv" --junit "$T/plan.junit.xml" >/dev/null 2>"$T/plan.err"
check_eq "one plan over the engine and the DTR" "0 " "$? $(cat "$T/plan.err")"
check "it validates against the schema" schema_valid "$P"
plan_py() { /usr/bin/python3 -c "import json,sys; p=json.load(open(sys.argv[1])); $1" "$P"; }
check_eq "its sources: the engine, then the DTR" "engine dtr" \
	"$(plan_py 'print(" ".join(s["type"] for s in p["sources"]))')"
check_eq "the engine's candidates: the stopped container and the dangling image" \
	"container $DONE image $DANGLING" \
	"$(plan_py 'print(" ".join(c["kind"]+" "+c["object"] for c in p["candidates"] if c["source"]=="engine"))')"
check_eq "the DTR's candidates: the old tags of team/app" \
	"team/app:v1 team/app:v2 team/app:v3 team/app:v4" \
	"$(plan_py 'print(" ".join(c["object"] for c in p["candidates"] if c["source"].startswith("dtr-")))')"
check_eq "the tags naming the running image's digest are protected, in use" \
	"team/app:web in-use team/app:web-alias in-use" \
	"$(plan_py 'print(" ".join(c["object"]+" "+c["rule"] for c in p["protected"] if c["object"] in ("team/app:web","team/app:web-alias")))')"
check "... the reason names the container, the engine and the reference" \
	grep -q "container 'web' on engine 'engine' (as $R/team/app@$USED)" \
	<(plan_py 'print([c["reason"] for c in p["protected"] if c["object"]=="team/app:web"][0])')
check "the CSV and JUnit list both sources" \
	grep -q "team/app:v1" "$T/plan.csv" && grep -q "$DONE" "$T/plan.csv" && grep -q 'testsuite name="dtr-' "$T/plan.junit.xml"

D=$(plan_digest "$P")
: >"$DTR_LOG"
apply() { printf '%s\n' "$DTR_PASS" | "${NS[@]}" "$APPLY" --engine "$DOCKER_HOST" --username "$DTR_USER" \
	--password-stdin --approve "$D" "$@" "$P"; }
apply --report "$T/report.json" >"$T/apply.out" 2>&1
check_eq "the apply exits 0" "0" "$?"
check_eq "every candidate of both sources is deleted" \
	"deleted container $DONE|deleted image $DANGLING|deleted tag team/app:v1|deleted tag team/app:v2|deleted tag team/app:v3|deleted tag team/app:v4" \
	"$(report_outcomes "$T/report.json" | tr '\n' '|' | sed 's/|$//')"
check_eq "the engine lost them" "" \
	"$(D ps -aq --no-trunc | grep "$DONE"; D image ls -aq --no-trunc | grep "$DANGLING")"
check_eq "the DTR keeps the in-use tags and the newest two" \
	"team/app:v2-alias team/app:v5 team/app:web team/app:web-alias" \
	"$(dtr_state | awk '$1 ~ /^team\/app:/ {print $1}' | tr '\n' ' ' | sed 's/ $//')"
check_eq "the container still runs" running "$(D inspect -f '{{.State.Status}}' web)"

: >"$DTR_LOG"
apply --report "$T/report2.json" >"$T/apply2.out" 2>&1
check_eq "a second apply exits 0" "0" "$?"
check_eq "... and does nothing" "already-done" "$(report_outcome_set "$T/report2.json")"
check_eq "... no DELETE reached the DTR" "0" "$(grep -c '^DELETE' "$DTR_LOG")"

# without the container the digest is not in use: the tags are candidates
D rm -f web >/dev/null
plan -q -o "$T/plan2.json" >/dev/null 2>"$T/plan2.err"
check_eq "once the container is gone, its tags are candidates" "team/app:web team/app:web-alias" \
	"$(/usr/bin/python3 -c 'import json,sys; print(" ".join(c["object"] for c in json.load(open(sys.argv[1]))["candidates"] if c["object"].startswith("team/app:web")))' "$T/plan2.json")"

leaks=$(grep -rl -e "$DTR_PASS" -e "$DTR_TOKEN" "$T" --exclude=fixture.json 2>/dev/null)
check_eq "no password in any plan, CSV, JUnit, report, journal or output" "" "$leaks"
finish
