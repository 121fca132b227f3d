#!/usr/bin/env bash
# Install the Debian packages cids builds, tests and demos with, when any is missing.
# Idempotent and quiet when everything is there. Needs root for apt-get.
set -euo pipefail

pkgs=(build-essential pkg-config clang llvm libclang-rt-14-dev clang-format clang-tidy cppcheck
      libseccomp-dev libcap-dev libjson-c-dev libcriterion-dev libbpf-dev bpftool libelf-dev zlib1g-dev
      runc crun containerd docker.io lxc podman busybox-static strace iproute2 uidmap util-linux
      procps psmisc jq chromium redis-server redis-tools python3-prometheus-client)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages: ${missing[*]}" >&2
	echo "deps: run as root (or: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Docker's and LXC's packages try to start services through systemd/invoke-rc.d; nothing here
# runs as a service, the tests start what they need themselves.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 0755 "$policy" && created_policy=1
fi
trap '[ $created_policy -eq 1 ] && rm -f "$policy"' EXIT
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/cids-deps.log 2>&1 || {
	echo "deps: apt-get install failed; see /tmp/cids-deps.log" >&2
	tail -20 /tmp/cids-deps.log >&2
	exit 1
}
