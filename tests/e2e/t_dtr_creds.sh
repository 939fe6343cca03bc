#!/usr/bin/env bash
# Credentials for a DTR from everywhere the shared lookup looks
# (registry/creds.h): the Docker config's auths (base64 "auth") for
# host:port, for the plan and the apply; a credHelpers entry and a
# credsStore that run a docker-credential-NAME on PATH; and the order:
# --username/--password-stdin over RECLAIM_REGISTRY_USERNAME/_PASSWORD over
# the config, credHelpers over auths. Which credentials were used is read
# from the double's log (it names the user, never a secret): admin and
# reader are different users. Wrong credentials from any source are one
# clean line naming where they came from, exit 1, nothing written. No
# password, token or their base64 appears in any plan, CSV, JUnit, report,
# journal or output.
set -u
source "$(dirname "$0")/../lib/dtr.sh"
source "$ROOT/tests/lib/apply.sh"
T=$DTR_T
dtr_start scenario "$DTR_USER" "$DTR_PASS" "$DTR_TOKEN" || { not_ok "the double starts"; exit 1; }
READER_PASS="reader-$DTR_PASS" # the fixture's read-only user
KEY=$DTR_HOSTPORT             # docker's config key for the DTR
b64() { printf '%s:%s' "$1" "$2" | base64 -w0; }
config() { printf '%s\n' "$1" >"$DOCKER_CONFIG/config.json"; }
users() { awk '{print $4}' "$DTR_LOG" | sort -u | tr '\n' ' ' | sed 's/ $//'; }
O=$T/out
mkdir -p "$O"

# a credential helper: answers for the DTR's key with the reader, logs the keys asked
mkdir -p "$T/bin"
cat >"$T/bin/docker-credential-rctest" <<SH
#!/bin/sh
read -r key
echo "\$1 \$key" >>"$T/helper.log"
if [ "\$key" = "$KEY" ]; then
	printf '{"ServerURL":"%s","Username":"reader","Secret":"%s"}\n' "\$key" "$READER_PASS"
else
	echo "credentials not found in native keychain"
	exit 1
fi
SH
chmod +x "$T/bin/docker-credential-rctest"
export PATH="$T/bin:$PATH"

# plan NAME ARGS...: reclaim-plan with no flags of its own for credentials
# (-v unless ARGS has -q)
plan() {
	local name=$1 v=-v
	shift
	case " $* " in *" -q "*) v= ;; esac
	: >"$DTR_LOG"
	"$PLAN" --dtr "$DTR_URL" --keep-last 2 --min-age 0 $v -o "$O/$name.json" --csv "$O/$name.csv" \
		--junit "$O/$name.junit.xml" "$@" >"$O/$name.out" 2>"$O/$name.err"
}

# 1. auths, for the plan and the apply
config "{\"auths\": {\"$KEY\": {\"auth\": \"$(b64 "$DTR_USER" "$DTR_PASS")\"}}}"
plan auths
check_eq "auths: the plan works with the config's credentials" "0" "$?"
check "... -v says they came from the docker config" grep -q "credentials from docker config" "$O/auths.err"
check_eq "... every request as admin" "user=admin" "$(users)"
check "... the plan validates" schema_valid "$O/auths.json"
: >"$DTR_LOG"
"$APPLY" --approve "$(plan_digest "$O/auths.json")" --report "$O/auths.report.json" \
	--junit "$O/auths.report.junit.xml" --journal "$O/auths.journal" -v "$O/auths.json" \
	>"$O/auths.apply.out" 2>"$O/auths.apply.err"
check_eq "auths: the apply works with them too" "0 deleted" "$? $(report_outcome_set "$O/auths.report.json")"
check_eq "... its DELETEs as admin" "4 user=admin" \
	"$(grep -c '^DELETE .* 204 ' "$DTR_LOG") $(users)"

# 2. a credential helper for the host, then the same helper as credsStore
config "{\"credHelpers\": {\"$KEY\": \"rctest\"}}"
plan helper
check_eq "credHelpers: the plan works" "0" "$?"
check "... -v names the helper" grep -q "credentials from credential helper 'rctest'" "$O/helper.err"
check_eq "... the helper's user (reader) made the requests" "user=reader" "$(users)"
check_eq "... the helper was asked 'get' for host:port" "get $KEY" "$(tail -1 "$T/helper.log")"
config '{"credsStore": "rctest"}'
plan store
check_eq "credsStore: the plan works, as reader" "0 user=reader" "$? $(users)"
config "{\"credHelpers\": {\"$KEY\": \"rctest\"}, \"auths\": {\"$KEY\": {\"auth\": \"$(b64 "$DTR_USER" "$DTR_PASS")\"}}}"
plan helper-over-auths
check_eq "credHelpers wins over auths" "0 user=reader" "$? $(users)"
config '{"credHelpers": {"other.example:5000": "rctest"}}'
plan helper-other
check_eq "a helper for another host is not asked: no credentials, a 401" "1" "$?"
check "... saying none were found" grep -q "refused the credentials (none were found)" "$O/helper-other.err"

# 3. the order: flags over environment over config
config "{\"auths\": {\"$KEY\": {\"auth\": \"$(b64 "$DTR_USER" "$DTR_PASS")\"}}}"
RECLAIM_REGISTRY_USERNAME=reader RECLAIM_REGISTRY_PASSWORD="$READER_PASS" plan env-over-config
check_eq "the environment wins over the config" "0 user=reader" "$? $(users)"
check "... -v says environment" grep -q "credentials from environment" "$O/env-over-config.err"
printf '%s\n' "$DTR_PASS" | RECLAIM_REGISTRY_USERNAME=reader RECLAIM_REGISTRY_PASSWORD="$READER_PASS" \
	plan flags-over-env --username "$DTR_USER" --password-stdin
check_eq "--username/--password-stdin win over the environment" "0 user=admin" "$? $(users)"
printf '%s\n' "$DTR_PASS" | RECLAIM_REGISTRY_USERNAME=reader RECLAIM_REGISTRY_PASSWORD=wrong-env-secret \
	plan flags-over-bad-env --username "$DTR_USER" --password-stdin
check_eq "... a wrong environment is not even tried when flags are given" "0 user=admin" "$? $(users)"

# 4. wrong credentials from each source: one clean line, exit 1, nothing written
bad() { # NAME ORIGIN ARGS...(env assignments and plan flags, via env)
	local name=$1 origin=$2
	rm -f "$O/$name.json"
	check_eq "$name: exit 1" "1" "$3"
	check_eq "$name: one line" "1" "$(grep -c . "$O/$name.err")"
	check "$name: names the source and the 401" \
		grep -q "^reclaim-plan: error: DTR '$DTR_URL' refused the credentials from the $origin (listing repositories): HTTP 401: NOT_AUTHENTICATED" "$O/$name.err"
	check "$name: no plan written" test ! -e "$O/$name.json"
	check_eq "$name: one request, not retried" "1" "$(grep -c ' 401 ' "$DTR_LOG")"
}
RECLAIM_REGISTRY_USERNAME=admin RECLAIM_REGISTRY_PASSWORD=wrong-env-secret plan bad-env -q
bad bad-env environment $?
printf '%s\n' wrong-flag-secret | plan bad-flags -q --username "$DTR_USER" --password-stdin
bad bad-flags "command line" $?
config "{\"auths\": {\"$KEY\": {\"auth\": \"$(b64 "$DTR_USER" wrong-config-secret)\"}}}"
plan bad-config -q
bad bad-config "docker config" $?

# apply with wrong credentials: one line, nothing deleted
dtr_plan --keep-last 1 --min-age 0 -o "$O/p2.json" >/dev/null 2>&1
: >"$DTR_LOG"
"$APPLY" --approve "$(plan_digest "$O/p2.json")" --report "$O/bad-apply.report.json" \
	--journal "$O/bad-apply.journal" "$O/p2.json" >"$O/bad-apply.out" 2>"$O/bad-apply.err"
rc=$?
check "apply with the config's wrong credentials fails (exit $rc)" test "$rc" -ne 0
check_eq "... in one line" "1" "$(grep -c . "$O/bad-apply.err")"
check "... naming the 401 and the source" grep -q "refused the credentials from the docker config" "$O/bad-apply.err"
check_eq "... and deletes nothing" "0" "$(grep -c '^DELETE' "$DTR_LOG")"

# no secret anywhere: every plan, CSV, JUnit, report, journal and output
leaks=$(grep -rl -e "$DTR_PASS" -e "$DTR_TOKEN" -e "$READER_PASS" -e wrong-env-secret \
	-e wrong-flag-secret -e wrong-config-secret -e "$(b64 "$DTR_USER" "$DTR_PASS")" \
	-e "$(b64 "$DTR_USER" wrong-config-secret)" "$O" "$DTR_LOG" "$T/helper.log")
check_eq "no password, token or base64 credential in any output" "" "$leaks"
check "... and the outputs were there to search" test "$(ls "$O" | wc -l)" -ge 40
finish
