#!/usr/bin/env bash
# The registry client against a real docker-registry (distribution 2.8) in
# each auth set-up: anonymous, htpasswd basic, token. The scan finds what
# tests/lib/oci_push.py pushed (repos, tags, digests, created times, index
# children, signature and artifact subjects); the catalog pages with n=1; a
# bad password is one clear error; the placeholder untag removes one tag and
# keeps its sibling on the same digest; a manifest delete removes it.
set -u
source "$(dirname "$0")/../lib/registry.sh"
[ -x "$REG_TOOL" ] || { echo "build $REG_TOOL first (make check builds it)"; exit 1; }

one_mode() {
	local mode=$1 out err
	registry_start "$mode" || { not_ok "$mode: registry starts"; return; }
	oci_push seed >"$REG_T/seed.txt" || { not_ok "$mode: seed pushed"; registry_stop; return; }
	# shellcheck disable=SC1091
	source "$REG_T/seed.txt"
	if [ "$mode" != anon ]; then
		export RECLAIM_REGISTRY_USERNAME=$REG_USER RECLAIM_REGISTRY_PASSWORD=$REG_PASS
	fi
	out=$REG_T/scan.txt
	[ "$mode" = token ] && : >"$REG_T/token.log"
	"$REG_TOOL" "$REG_URL" scan >"$out" 2>"$REG_T/scan.err"
	if [ "$mode" = token ]; then
		check_eq "token: the scan asks the realm for pull and catalog scopes only" \
			"registry:catalog:* repository:app:pull repository:multi:pull repository:paged:pull repository:team/svc:pull" \
			"$(grep -o 'scope=[^&"]*' "$REG_T/token.log" | sed 's/scope=//' | /usr/bin/python3 -c "import sys,urllib.parse; [print(urllib.parse.unquote(l.strip())) for l in sys.stdin]" | sort -u | tr '\n' ' ' | sed 's/ $//')"
		check "token: credentials went to the realm on every token request" \
			test -z "$(grep '"authorization": false' "$REG_T/token.log")"
	fi
	check_eq "$mode: scan succeeds" "" "$(cat "$REG_T/scan.err")"
	check_eq "$mode: source name and canonical URL" \
		"source registry-${REG_HOSTPORT/:/-} $REG_URL partial=0 referrers=0" "$(head -1 "$out")"
	check_eq "$mode: every repository, sorted" "app multi paged team/svc" \
		"$(awk '$1=="repo"{print $2}' "$out" | tr '\n' ' ' | sed 's/ $//')"
	check_eq "$mode: app:1.0 names its digest" "tag app:1.0 $APP_10" "$(grep '^tag app:1.0 ' "$out")"
	check_eq "$mode: 1.1 and latest share a digest" "$APP_11 $APP_11" \
		"$(grep -E '^tag app:(1.1|latest) ' "$out" | awk '{print $3}' | tr '\n' ' ' | sed 's/ $//')"
	check "$mode: created time from the config, fraction dropped" \
		grep -q "^manifest app@$APP_11 kind=image .*created=2024-02-01T10:20:30Z platform=linux/amd64" "$out"
	check "$mode: the shared base layer is listed under both repositories" \
		test "$(grep -c "^layer .* $BASE_LAYER 18000$" "$out")" = 3
	check_eq "$mode: the index lists its two children" "$MULTI_AMD64 $MULTI_ARM64" \
		"$(awk -v d="multi@$MULTI_IDX" '$1=="child" && $2==d {print $3}' "$out" | tr '\n' ' ' | sed 's/ $//')"
	check "$mode: index children are scanned too, with their platform" \
		grep -q "^manifest multi@$MULTI_ARM64 kind=image .*created=2024-04-02T00:00:00Z platform=linux/arm64" "$out"
	check "$mode: the cosign signature tag names its subject" \
		grep -q "^manifest app@$SIG .*subject=$APP_10 " "$out"
	check "$mode: the OCI artifact carries its subject and type" \
		grep -q "^manifest app@$SBOM .*subject=$APP_11 artifact=application/spdx+json " "$out"
	# pagination: distribution pages its catalog (it ignores n on tag lists)
	"$REG_TOOL" --page 1 "$REG_URL" scan >"$REG_T/scan1.txt" 2>&1
	check_eq "$mode: n=1 pages walk to the same scan" "$(cat "$out")" "$(cat "$REG_T/scan1.txt")"
	"$REG_TOOL" --repos 'team/*' --repos paged "$REG_URL" scan >"$REG_T/part.txt" 2>&1
	check_eq "$mode: --repos globs make a partial scan" "partial=1 paged team/svc" \
		"$(head -1 "$REG_T/part.txt" | grep -o 'partial=1') $(awk '$1=="repo"{print $2}' "$REG_T/part.txt" | tr '\n' ' ' | sed 's/ $//')"
	# a bad password: one clear line, no secret in it
	if [ "$mode" != anon ]; then
		err=$(RECLAIM_REGISTRY_PASSWORD=wrong-password "$REG_TOOL" "$REG_URL" scan 2>&1 >/dev/null)
		check_eq "$mode: a bad password is one line" 1 "$(printf '%s\n' "$err" | wc -l)"
		check "$mode: ... that says the credentials were refused" grep -q "refused the credentials" <<<"$err"
		check "$mode: ... and holds no secret" test -z "$(grep -e wrong-password -e "$REG_PASS" <<<"$err")"
		err=$(env -u RECLAIM_REGISTRY_USERNAME -u RECLAIM_REGISTRY_PASSWORD \
			"$REG_TOOL" --username "$REG_USER" --password-stdin "$REG_URL" head app 1.0 <<<"$REG_PASS" 2>&1)
		check_eq "$mode: --username with --password-stdin works" "$APP_10" "$err"
	fi
	# HEAD
	check_eq "$mode: HEAD resolves a tag" "$APP_11" "$("$REG_TOOL" "$REG_URL" head app latest 2>&1)"
	check_eq "$mode: HEAD of a missing tag is absent" "absent" "$("$REG_TOOL" "$REG_URL" head app nope 2>&1)"
	# the read-only client refuses writes before sending them
	err=$("$REG_TOOL" "$REG_URL" delete paged "$PAGED_1" 2>&1)
	check "$mode: a pull-only client refuses DELETE" grep -q "read-only" <<<"$err"
	# the placeholder untag: 1.1 goes, latest stays on the same digest
	"$REG_TOOL" --access push "$REG_URL" untag app 1.1 "t_registry_client-$mode" >"$REG_T/untag.txt" 2>&1
	check_eq "$mode: the placeholder untag runs its three steps" "blob put delete" \
		"$(awk '{print $2}' "$REG_T/untag.txt" | tr '\n' ' ' | sed 's/ $//')"
	check_eq "$mode: the untagged tag is gone" "absent" "$("$REG_TOOL" "$REG_URL" head app 1.1 2>&1)"
	check_eq "$mode: its sibling still names the old digest" "$APP_11" \
		"$("$REG_TOOL" "$REG_URL" head app latest 2>&1)"
	check_eq "$mode: the old manifest is still there by digest" "$APP_11" \
		"$("$REG_TOOL" "$REG_URL" head app "$APP_11" 2>&1)"
	# manifest delete
	check_eq "$mode: DELETE of a manifest" "deleted" \
		"$("$REG_TOOL" --access delete "$REG_URL" delete paged "$PAGED_1" 2>&1)"
	check_eq "$mode: its tag is gone with it" "absent" "$("$REG_TOOL" "$REG_URL" head paged p1 2>&1)"
	check_eq "$mode: DELETE again is absent, not an error" "absent" \
		"$("$REG_TOOL" --access delete "$REG_URL" delete paged "$PAGED_1" 2>&1)"
	if [ "$mode" = token ]; then
		check "token: -v names the realm" grep -q "uses the token realm '$TOKEN_URL'" \
			<("$REG_TOOL" -v "$REG_URL" head app latest 2>&1)
	fi
	unset RECLAIM_REGISTRY_USERNAME RECLAIM_REGISTRY_PASSWORD
	registry_stop
}

for m in anon basic token; do
	one_mode "$m"
done

# deletion disabled: one clear error naming the setting
REG_DELETE=false registry_start anon || exit 1
d=$(oci_push image off 1)
err=$("$REG_TOOL" --access delete "$REG_URL" delete off "$d" 2>&1)
check "deletion disabled says to enable storage.delete.enabled" grep -q "enable storage.delete.enabled" <<<"$err"
registry_stop
finish
