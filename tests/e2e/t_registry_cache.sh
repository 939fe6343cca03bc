#!/usr/bin/env bash
# The planner's content-addressed cache (docs/registry.md, "The cache")
# against a real docker-registry (anonymous set-up), through
# tests/fake/fault_proxy.py with no faults, which logs every request:
#
#   cold plan           : fills the cache (files 0600, directories 0700)
#   warm plan           : byte-identical plan; only HEADs for manifests (one
#                         per tag and per child), no manifest or config GET
#   faults on HEADs     : 500 and 429 retried; a lasting 500 is one error
#   damaged entries     : a flipped body byte, a changed media type in the
#                         header, a truncated entry and a symbolic link are
#                         each dropped and fetched again; the plan is the same
#   re-pushed tag       : the warm plan sees the new digest (fetches only it)
#   --no-cache          : writes nothing, GETs everything
#   default directory   : $XDG_CACHE_HOME/reclaim, else ~/.cache/reclaim
#   unusable directory  : one warning, the plan is made without the cache
#   bad flags           : usage errors
#   token auth          : the warm plan's HEADs carry the bearer token
set -u
source "$(dirname "$0")/../lib/registry.sh"
PLAN="$ROOT/$BUILD/reclaim-plan"

registry_start anon || exit 1
trap 'fault_proxy_stop; registry_stop' EXIT
W=$REG_T/work
oci_push seed >"$REG_T/seed.txt" || exit 1
# shellcheck disable=SC1091
source "$REG_T/seed.txt"
fault_proxy_start "$W" || { not_ok "the proxy starts"; exit 1; }
ARGS=(--registry "$PURL" --now 2026-01-01T00:00:00Z --older-than 1d
	--match-tags '^(1\.[0-9]|p[0-9]|2)$' --keep-tags '^latest$' --min-age 0)
C=$W/cache

# sent METHOD REGEX: how many requests matching the proxy saw since the log
# was last emptied
sent() { grep -E "^$1 " "$W/proxy.log" | grep -cE "$2"; }
# requests by tag and by digest
TAGREF='/manifests/[^s]|/manifests/s[^h]'
DIGREF='/manifests/sha256:'
plan() { : >"$W/proxy.log"; "$PLAN" "${ARGS[@]}" "$@"; }
entry() { local h=${1#sha256:}; echo "$C/sha256/${h:0:2}/$h"; }
entries() { find "$1" -type f ! -name '.*' 2>/dev/null | wc -l; }

# --- cold, then warm ---
plan --cache-dir "$C" -q -o "$W/cold.json" >/dev/null 2>"$W/cold.err"
check_eq "cold plan succeeds, silently" "0 " "$? $(cat "$W/cold.err")"
cold_tags=$(sent GET "$TAGREF")
cold_digs=$(sent GET "$DIGREF")
cold_blobs=$(sent GET /blobs/)
n=$(entries "$C")
check "cold plan fetched manifests by tag, children by digest, and configs" \
	test "$cold_tags" -ge 10 -a "$cold_digs" -ge 2 -a "$cold_blobs" -ge 5
check_eq "cold plan made no HEAD" 0 "$(sent HEAD .)"
check "cold plan filled the cache" test "$n" -ge 10
check_eq "entries are 0600, directories 0700" "600 700" \
	"$(find "$C/sha256" -type f -printf '%m\n' | sort -u | tr '\n' ' ')$(find "$C" -type d -printf '%m\n' | sort -u)"
check_eq "an entry is the header line and the manifest's bytes" \
	"$(reg_curl "/v2/app/manifests/$APP_10" -H 'Accept: application/vnd.oci.image.manifest.v1+json' | sha256sum)" \
	"$(tail -n +2 "$(entry "$APP_10")" | sha256sum)"

plan --cache-dir "$C" -v -o "$W/warm.json" >/dev/null 2>"$W/warm.err"
check_eq "warm plan succeeds" 0 "$?"
check "warm plan is byte-identical to the cold one" cmp -s "$W/cold.json" "$W/warm.json"
check_eq "warm plan: one HEAD per tag and per child, no manifest or config GET" \
	"$cold_tags $cold_digs 0 0" \
	"$(sent HEAD "$TAGREF") $(sent HEAD "$DIGREF") $(sent GET /manifests/) $(sent GET /blobs/)"
check "warm plan reports hits and no misses (-v)" \
	grep -qE "cache: [1-9][0-9]* hits, 0 misses, 0 stored, 0 dropped" "$W/warm.err"
check_eq "warm plan wrote no entry" "$n" "$(entries "$C")"

# --- faults on the HEADs: retried like GETs; a lasting one fails the plan ---
cat >"$W/rules" <<'R'
HEAD /manifests/ 500 2
HEAD /manifests/ 429:1 1
R
plan --cache-dir "$C" -q -o "$W/head-faults.json" >/dev/null 2>"$W/head-faults.err"
check_eq "transient 500 and 429 on HEADs: the plan completes" "0 " "$? $(cat "$W/head-faults.err")"
check_eq "... every fault was met" 3 "$(grep -c '^HEAD .* injected' "$W/proxy.log")"
check "... and the plan is the same" cmp -s "$W/cold.json" "$W/head-faults.json"
echo 'HEAD /v2/app/manifests/1.0 500 *' >"$W/rules"
rm -f "$W/head-fail.json"
plan --cache-dir "$C" --timeout 10s -q -o "$W/head-fail.json" >/dev/null 2>"$W/head-fail.err"
check_eq "a lasting 500 on a HEAD: exit 1, one error line, no plan" "1 1 no-plan" \
	"$? $(grep -c . "$W/head-fail.err") $([ -e "$W/head-fail.json" ] && echo plan || echo no-plan)"
check "... naming the tag and the status: $(cat "$W/head-fail.err")" \
	grep -qE "^reclaim-plan: error: cannot fetch the manifest of 'app:1.0' on registry .*: HTTP 500" \
	"$W/head-fail.err"
: >"$W/rules"

# --- damaged entries are dropped and fetched again ---
# a flipped byte in a manifest's body
/usr/bin/python3 - "$(entry "$APP_10")" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[-2] ^= 0x20
open(p, "wb").write(bytes(b))
PY
# another media type in an index's header (its body names none of its own
# in some registries; the header check catches the edit either way)
sed -i '1s|application/vnd.oci.image.index.v1+json|application/vnd.oci.image.manifest.v1+json|' \
	"$(entry "$MULTI_IDX")"
# a truncated entry, and a symbolic link in place of one
e=$(entry "$SVC_1")
head -c 40 "$e" >"$e.t" && mv "$e.t" "$e"
e=$(entry "$PAGED_1")
cp "$e" "$W/paged1.entry" && rm "$e" && ln -s "$W/paged1.entry" "$e"
plan --cache-dir "$C" -v -o "$W/repaired.json" >/dev/null 2>"$W/repaired.err"
check_eq "plan over damaged entries succeeds" 0 "$?"
check "... and is byte-identical to the cold one" cmp -s "$W/cold.json" "$W/repaired.json"
check "... four entries dropped, four stored again" \
	grep -qE "cache: [0-9]+ hits, 4 misses, 4 stored, 4 dropped" "$W/repaired.err"
check_eq "... exactly those four manifests were fetched again, nothing else" \
	"app/manifests/1.0 multi/manifests/2 paged/manifests/p1 team/svc/manifests/1" \
	"$(grep -E '^GET ' "$W/proxy.log" | grep -E '/manifests/|/blobs/' |
		sed -E 's|^GET /v2/([^ ]*) .*|\1|' | sort | tr '\n' ' ' | sed 's/ $//')"
check "... the entries are whole again" \
	test "$(tail -n +2 "$(entry "$APP_10")" | sha256sum | cut -c1-64)" = "${APP_10#sha256:}" \
	-a ! -L "$(entry "$PAGED_1")" -a "$(tail -n +2 "$(entry "$SVC_1")" | sha256sum | cut -c1-64)" = "${SVC_1#sha256:}"
plan --cache-dir "$C" -v -o /dev/null >/dev/null 2>"$W/after.err"
check "the next plan hits them" grep -qE "cache: [1-9][0-9]* hits, 0 misses" "$W/after.err"

# --- a HEAD without Content-Type is not settled by the cache ---
# An entry's header is no secret (anyone who can write the directory can
# give it a valid check): its media type is never trusted. The index's entry
# claims another media type, with a check that matches; its HEAD comes back
# without a Content-Type, so the manifest is fetched again.
/usr/bin/python3 - "$(entry "$MULTI_IDX")" "$MULTI_IDX" <<'PY'
import hashlib, sys
p, d = sys.argv[1], sys.argv[2]
b = open(p, "rb").read()
body = b[b.index(b"\n") + 1:]
mt = "application/vnd.example.lie"
check = hashlib.sha256(f"{d} {mt}".encode()).hexdigest()
open(p, "wb").write(f"reclaim-cache 1 {check} {mt}\n".encode() + body)
PY
echo 'HEAD /v2/multi/manifests/2 noct *' >"$W/rules"
plan --cache-dir "$C" -v -o "$W/noct.json" >/dev/null 2>"$W/noct.err"
check_eq "a HEAD without Content-Type: the plan succeeds" 0 "$?"
check_eq "... the HEAD was answered so" 1 "$(grep -c '^HEAD /v2/multi/manifests/2 200 noct' "$W/proxy.log")"
check_eq "... and the index was fetched, not taken from the cache" 1 "$(sent GET '/v2/multi/manifests/2 ')"
check "... and the plan is the cold one" cmp -s "$W/cold.json" "$W/noct.json"
: >"$W/rules"

# --- --no-cache, and the default directory ---
XDG_CACHE_HOME=$W/xdg-none plan --no-cache -q -o "$W/nocache.json" >/dev/null 2>&1
check_eq "--no-cache: succeeds, writes nothing" "0 absent" "$? $([ -e "$W/xdg-none" ] && echo present || echo absent)"
check "... the same plan" cmp -s "$W/cold.json" "$W/nocache.json"
check_eq "... GETs every manifest and config, no HEAD" "$cold_tags $cold_digs $cold_blobs 0" \
	"$(sent GET "$TAGREF") $(sent GET "$DIGREF") $(sent GET /blobs/) $(sent HEAD .)"
XDG_CACHE_HOME=$W/xdg plan -q -o /dev/null >/dev/null 2>&1
check_eq "default: \$XDG_CACHE_HOME/reclaim" "0 $n" "$? $(entries "$W/xdg/reclaim")"
env -u XDG_CACHE_HOME HOME="$W/home" "$PLAN" "${ARGS[@]}" -q -o /dev/null >/dev/null 2>&1
check_eq "default without XDG_CACHE_HOME: ~/.cache/reclaim" "0 $n" "$? $(entries "$W/home/.cache/reclaim")"
env -u XDG_CACHE_HOME -u HOME "$PLAN" "${ARGS[@]}" -q -o /dev/null >/dev/null 2>"$W/nohome.err"
check_eq "no XDG_CACHE_HOME and no HOME: planned without a cache" "0" "$?"

# --- a re-pushed tag ---
new=$(oci_push image app 1.0 2023-06-01T00:00:00Z)
check "the tag was re-pushed" test -n "$new" -a "$new" != "$APP_10"
plan --cache-dir "$C" -q -o "$W/repushed.json" >/dev/null 2>&1
check_eq "warm plan after a re-push succeeds" 0 "$?"
check_eq "... fetched only the new manifest and its config" \
	"1 0 1" "$(sent GET "$TAGREF") $(sent GET "$DIGREF") $(sent GET /blobs/)"
plan --no-cache -q -o "$W/repushed-live.json" >/dev/null 2>&1
check "... and is the plan made without the cache" cmp -s "$W/repushed-live.json" "$W/repushed.json"
check "... which names the new digest" grep -q "$new" "$W/repushed.json"

# --- an unusable directory warns once and the plan is made anyway ---
: >"$W/file"
plan --cache-dir "$W/file/cache" -o "$W/nodir.json" >/dev/null 2>"$W/nodir.err"
check_eq "a cache directory under a regular file: the plan succeeds" 0 "$?"
check_eq "... with one warning" \
	"1 reclaim-plan: warning: cannot create cache directory '$W/file/cache': Not a directory; planning without a cache" \
	"$(wc -l <"$W/nodir.err") $(cat "$W/nodir.err")"
check "... the same plan as without a cache" cmp -s "$W/repushed-live.json" "$W/nodir.json"
if [ "$(id -u)" != 0 ]; then
	mkdir "$W/ro" && chmod 0500 "$W/ro"
	plan --cache-dir "$W/ro" -q -o /dev/null >/dev/null 2>"$W/ro.err"
	check_eq "a read-only directory: the plan succeeds" 0 "$?"
	chmod 0700 "$W/ro"
fi

# --- bad flags ---
"$PLAN" "${ARGS[@]}" --cache-dir '' -o /dev/null >/dev/null 2>"$W/bad1.err"
check_eq "--cache-dir '' is a usage error" "2 reclaim-plan: error: empty --cache-dir: want a directory" \
	"$? $(head -1 "$W/bad1.err")"
"$PLAN" "${ARGS[@]}" --cache-dir "$C" --no-cache -o /dev/null >/dev/null 2>"$W/bad2.err"
check_eq "--cache-dir with --no-cache is a usage error" \
	"2 reclaim-plan: error: --cache-dir and --no-cache exclude each other" "$? $(head -1 "$W/bad2.err")"
# --- with bearer tokens: the HEADs authenticate like the GETs ---
fault_proxy_stop
registry_stop
registry_start token || exit 1
W=$REG_T/work
oci_push seed >/dev/null || exit 1
fault_proxy_start "$W" || { not_ok "the proxy starts (token)"; exit 1; }
ARGS[1]=$PURL
C=$W/cache
export RECLAIM_REGISTRY_USERNAME=$REG_USER RECLAIM_REGISTRY_PASSWORD=$REG_PASS
plan --cache-dir "$C" -q -o "$W/cold.json" >/dev/null 2>"$W/cold.err"
check_eq "token auth: cold plan" "0 " "$? $(cat "$W/cold.err")"
cold_tags=$(sent GET "$TAGREF")
plan --cache-dir "$C" -q -o "$W/warm.json" >/dev/null 2>"$W/warm.err"
check_eq "token auth: warm plan" "0 " "$? $(cat "$W/warm.err")"
check "... byte-identical" cmp -s "$W/cold.json" "$W/warm.json"
check_eq "... HEADs only, each with a token (no 401 answered)" "$cold_tags 0 0 0" \
	"$(sent HEAD "$TAGREF") $(sent GET /manifests/) $(sent GET /blobs/) $(grep -cE '^HEAD .* 401' "$W/proxy.log")"
unset RECLAIM_REGISTRY_USERNAME RECLAIM_REGISTRY_PASSWORD
finish
