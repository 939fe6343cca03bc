#!/usr/bin/env bash
# bench/apply.sh: reclaim-apply against the daemon's own bulk delete and a
# docker rm / docker rmi loop, on identical states of a private dockerd.
#
# Each state: N_IMAGES dangling images (generated `docker save` archive, so the
# IDs repeat from state to state) plus N_CONTAINERS stopped (created)
# containers of one tagged image that stays. Methods, each from a fresh
# identical state, ROUNDS times, medians reported:
#   reclaim  reclaim-apply --auto-approve of a plan that deletes them all
#            (the plan is made first and timed separately)
#   prune    docker container prune -f; docker image prune -f  (the floor:
#            no re-checks, no journal)
#   loop     docker rm ID... one by one, then docker rmi ID... one by one
# Also: the re-check cost per item (a --dry-run does every re-check and
# nothing else) and the journal cost per item (strace -T of the journal's
# write and fdatasync calls).
#
# usage: BUILD=build bash bench/apply.sh   (N_IMAGES=200 N_CONTAINERS=100 ROUNDS=3)
set -u
source "$(dirname "$0")/../tests/lib/engine.sh"
source "$(dirname "$0")/../tests/lib/apply.sh"
: "${N_IMAGES:=200}" "${N_CONTAINERS:=100}" "${ROUNDS:=3}"
engine_start || exit 1
W=$RC_T/work

# An image archive: N dangling images and base:1, one tiny layer each.
/usr/bin/python3 - "$W/images.tar" "$N_IMAGES" <<'PY'
import hashlib, io, json, sys, tarfile
out, n = sys.argv[1], int(sys.argv[2])

def add(tar, name, data):
    ti = tarfile.TarInfo(name)
    ti.size, ti.mtime, ti.mode = len(data), 0, 0o644
    tar.addfile(ti, io.BytesIO(data))

def layer(content):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        add(t, "payload", content)
    return buf.getvalue()

manifest = []
with tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as tar:
    for i in range(n + 1):
        tags = ["base:1"] if i == n else None
        lt = layer(b"reclaim bench image %d\n" % i + b"x" * 1000)
        diff = "sha256:" + hashlib.sha256(lt).hexdigest()
        cfg = json.dumps({"architecture": "amd64", "os": "linux",
                          "created": "2020-01-01T00:00:00Z",
                          "config": {"Cmd": ["/payload"]},
                          "rootfs": {"type": "layers", "diff_ids": [diff]},
                          "history": [{"created": "2020-01-01T00:00:00Z"}]},
                         sort_keys=True).encode()
        cid = hashlib.sha256(cfg).hexdigest()
        add(tar, "%s.json" % cid, cfg)
        add(tar, "l%d/layer.tar" % i, lt)
        manifest.append({"Config": "%s.json" % cid, "RepoTags": tags,
                         "Layers": ["l%d/layer.tar" % i]})
    add(tar, "manifest.json", json.dumps(manifest).encode())
PY

seed() {
	wipe_engine
	D load -q -i "$W/images.tar" >/dev/null || return 1
	seq 1 "$N_CONTAINERS" | xargs -P 4 -I{} "$DOCKER_BIN" -H "unix://$RC_T/docker.sock" \
		create --name "c{}" base:1 >/dev/null || return 1
	local ni nc
	ni=$(D image ls -q -f dangling=true | wc -l)
	nc=$(D ps -aq | wc -l)
	[ "$ni" -eq "$N_IMAGES" ] && [ "$nc" -eq "$N_CONTAINERS" ] || {
		echo "seed: $ni images, $nc containers" >&2
		return 1
	}
}

ms() { echo $(($(date +%s%N) / 1000000)); }
final_ok() {
	[ "$(D ps -aq | wc -l)" -eq 0 ] && [ "$(D image ls -q | wc -l)" -eq 1 ]
}

declare -a T_PLAN T_APPLY T_DRY T_PRUNE T_LOOP
for r in $(seq 1 "$ROUNDS"); do
	seed || exit 1
	rm -f "$W/p.journal"
	t0=$(ms)
	"$PLAN" --engine "$DOCKER_HOST" --min-age 0 -o "$W/p.json" >/dev/null 2>&1 || exit 1
	t1=$(ms)
	"$APPLY" --auto-approve --dry-run -q "$W/p.json" || exit 1
	t2=$(ms)
	"$APPLY" --auto-approve -q --report "$W/r.json" "$W/p.json" || exit 1
	t3=$(ms)
	final_ok || { echo "reclaim left objects behind" >&2; exit 1; }
	T_PLAN+=($((t1 - t0)))
	T_DRY+=($((t2 - t1)))
	T_APPLY+=($((t3 - t2)))
	n_items=$(plan_count "$W/p.json")

	seed || exit 1
	t0=$(ms)
	D container prune -f >/dev/null && D image prune -f >/dev/null
	t1=$(ms)
	final_ok || { echo "prune left objects behind" >&2; exit 1; }
	T_PRUNE+=($((t1 - t0)))

	seed || exit 1
	cs=$(D ps -aq --no-trunc)
	is=$(D image ls -q --no-trunc -f dangling=true)
	t0=$(ms)
	for id in $cs; do D rm "$id" >/dev/null || exit 1; done
	for id in $is; do D rmi "$id" >/dev/null || exit 1; done
	t1=$(ms)
	final_ok || { echo "loop left objects behind" >&2; exit 1; }
	T_LOOP+=($((t1 - t0)))
	echo "round $r: plan ${T_PLAN[-1]}ms, dry run ${T_DRY[-1]}ms, apply ${T_APPLY[-1]}ms," \
		"prune ${T_PRUNE[-1]}ms, loop ${T_LOOP[-1]}ms" >&2
done

# Journal cost: the time spent in the journal's write and fdatasync calls.
seed || exit 1
"$PLAN" --engine "$DOCKER_HOST" --min-age 0 -o "$W/p.json" >/dev/null 2>&1
rm -f "$W/p.journal"
strace -f -T -e trace=openat,write,fdatasync -o "$W/trace" \
	"$APPLY" --auto-approve -q "$W/p.json" || exit 1
journal=$(/usr/bin/python3 - "$W/trace" <<'PY'
import re, sys
fds, writes, syncs, t = set(), 0, 0, 0.0
for line in open(sys.argv[1]):
    m = re.search(r'openat\(.*\.journal".*= (\d+)', line)
    if m:
        fds.add(m.group(1))
        continue
    m = re.search(r'(write|fdatasync)\((\d+).*<([\d.]+)>', line)
    if m and m.group(2) in fds:
        t += float(m.group(3))
        if m.group(1) == "write":
            writes += 1
        else:
            syncs += 1
print(writes, syncs, "%.1f" % (t * 1000))
PY
)

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
mp=$(median "${T_PLAN[@]}")
ma=$(median "${T_APPLY[@]}")
md=$(median "${T_DRY[@]}")
mr=$(median "${T_PRUNE[@]}")
ml=$(median "${T_LOOP[@]}")
read -r jw js jt <<<"$journal"
cat <<EOF
reclaim-apply benchmark: $N_IMAGES dangling images + $N_CONTAINERS stopped containers ($n_items items), median of $ROUNDS
dockerd $(D version -f '{{.Server.Version}}') (API $(D version -f '{{.Server.APIVersion}}')), vfs, $(nproc) CPUs

| method | wall time (ms) | vs prune |
|---|---|---|
| docker container prune + image prune (floor) | $mr | 1.00x |
| reclaim-apply (re-check + journal + delete) | $ma | $(awk -v a="$ma" -v b="$mr" 'BEGIN {printf "%.2fx", a / b}') |
| docker rm / docker rmi loop | $ml | $(awk -v a="$ml" -v b="$mr" 'BEGIN {printf "%.2fx", a / b}') |

- reclaim-apply vs the CLI loop: $(awk -v a="$ml" -v b="$ma" 'BEGIN {printf "%.1fx faster", a / b}')
- making the plan (reclaim-plan, not in the apply time): $mp ms
- re-check per item (--dry-run: every re-check, no delete; the containers are all still there, so an upper bound): $(awk -v a="$md" -v n="$n_items" 'BEGIN {printf "%.2f ms", a / n}') ($md ms for $n_items items, including start-up and plan verification)
- journal per item: $(awk -v a="$jt" -v n="$n_items" 'BEGIN {printf "%.3f ms", a / n}') ($jw writes, $js fdatasync, $jt ms in those calls)
EOF
