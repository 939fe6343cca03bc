#!/usr/bin/env bash
# Installs the Debian packages reclaim needs to build, test and demo.
# As root it installs what is missing; otherwise it prints the exact command.
set -eu
pkgs=(
	# build
	gcc make pkg-config libc6-dev libcurl4-openssl-dev libssl-dev libcjson-dev libcsv-dev
	libxml2-dev libcmocka-dev
	# tests and demo: a real engine and registry, a static busybox for images
	docker.io docker-registry busybox-static python3 python3-jsonschema apache2-utils openssl
	file curl ca-certificates iproute2 procps bc strace
)
missing=()
for p in "${pkgs[@]}"; do
	case $p in \#*) continue ;; esac
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$s" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "reclaim: missing Debian packages; run as root:" >&2
	echo "  apt-get install -y ${missing[*]}" >&2
	exit 1
fi
echo "reclaim: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
