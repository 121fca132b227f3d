#!/usr/bin/env bash
# Install the Debian packages cids needs, when any is missing:  scripts/deps.sh [SET...]
#   build  compile everything and run the unit tests (make, make check-unit, make install)
#   lint   clang-format, clang-tidy, cppcheck (make lint, make format)
#   fuzz   the libFuzzer harnesses (make fuzz, and make check's short fuzz runs)
#   demo   what make demo runs: runc, Docker, a busybox root, jq
#   test   every runtime and tool the integration tests use (includes demo)
#   servers  the real servers and load tools of make bench and make eval-live (redis, MariaDB,
#          sysbench) and valgrind (make bench's instruction counts)
#   all    every set (the default)
# The Makefile runs it with the sets of the goals it was given (make: build; make demo: build
# demo; make check: build fuzz test; make bench: build test servers). Quiet and quick when
# nothing is missing. Installing needs root and the Debian package registry; without either it
# stops with one line that says what to do. It never starts a service: tests and the demo start
# what they need themselves.
set -euo pipefail

declare -A sets=(
	[build]="build-essential pkg-config clang libseccomp-dev libcap-dev libjson-c-dev
		 libcriterion-dev libbpf-dev bpftool libelf-dev zlib1g-dev"
	[lint]="clang-format clang-tidy cppcheck"
	# llvm: llvm-symbolizer for the sanitizers' stack traces
	[fuzz]="clang llvm libclang-rt-14-dev"
	[demo]="runc docker.io containerd busybox-static jq procps util-linux"
	# uidmap: podman and LXC use it (a Recommends, and deps install without Recommends);
	# debootstrap, zstd, git: t_fresh_machine.sh builds a Debian root and clones into it;
	# python3-prometheus-client: t_status_prometheus.sh parses the metrics with it;
	# python3-grpcio: t_containerd.sh's CRI client (tests/integration/cri_pod.py);
	# bc: tests/stress (make stress); curl, socat: tests/servers (t_servers.sh's web server)
	[test]="runc crun docker.io containerd lxc podman uidmap busybox-static strace iproute2
		util-linux procps psmisc jq chromium python3-prometheus-client python3-grpcio
		debootstrap zstd git bc curl socat"
	# tests/servers' redis and MariaDB (make eval-live, T_SERVERS="web redis" in t_servers.sh,
	# make bench's redis rows); valgrind: scripts/bench_instr.sh counts with callgrind
	[servers]="redis-server redis-tools mariadb-server mariadb-client sysbench valgrind"
)
all_sets="build lint fuzz demo test servers"

args=("${@:-all}")
names=()
for s in "${args[@]}"; do
	if [ "$s" = all ]; then names+=($all_sets); else names+=("$s"); fi
done
want=()
for s in "${names[@]}"; do
	[ -n "${sets[$s]:-}" ] || { echo "deps: unknown set '$s' (sets: $all_sets all)" >&2; exit 2; }
	want+=(${sets[$s]})
done
mapfile -t want < <(printf '%s\n' "${want[@]}" | sort -u)

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
	echo "deps: no dpkg-query/apt-get here (not Debian?): install the equivalents of ${want[*]} yourself, then run make NO_DEPS=1" >&2
	exit 1
fi

# One dpkg-query for every package: installed when the status abbreviation's 2nd letter is i.
installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${want[@]}" 2>/dev/null |
	awk 'substr($1, 2, 1) == "i" { print $2 }' || true)
missing=()
for p in "${want[@]}"; do
	grep -qxF -- "$p" <<<"$installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: ${#missing[@]} Debian packages are missing and installing them needs root: run 'sudo scripts/deps.sh ${args[*]}' (it installs ${missing[*]}), then make again" >&2
	exit 1
fi

log=$(mktemp --suffix=.log /tmp/cids-deps.XXXXXX)
# why_failed: the reason apt gave: the line under its first "Err:", else its last "E:" line.
why_failed() {
	{ sed -n '/^Err:/{n;s/^ *//;p;q}' "$log"; grep -a '^E: ' "$log" | tail -1; } | head -1 | cut -c1-160
}

export DEBIAN_FRONTEND=noninteractive
# Docker's and LXC's packages try to start services through systemd/invoke-rc.d; nothing here
# runs as a service, the tests start what they need themselves.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && created_policy=1
fi
trap 'if [ $created_policy -eq 1 ]; then rm -f "$policy"; fi' EXIT

# apt-get update exits 0 when some index files could not be fetched (an "Err:" line, and "W:
# Failed to fetch"), and a broken third-party source need not stop us: only when the packages
# cannot be installed is an unreached source the reason to report.
unreached() {
	echo "deps: cannot reach the Debian package registry (apt-get: $(why_failed); log: $log): fix the network, apt proxy or sources, then run make again" >&2
	exit 1
}
apt-get update -q >"$log" 2>&1 || unreached
install() { apt-get install -y -q --no-install-recommends "$@" "${missing[@]}" >>"$log" 2>&1; }
install_failed() {
	grep -aq '^Err:' "$log" && unreached
	echo "deps: apt-get install failed ($(why_failed); log: $log): fix that, then run make again" >&2
	exit 1
}
# A dry run first (nothing downloaded), so that what fails there is said in one line.
install --simulate || install_failed
echo "deps: installing ${#missing[@]} Debian packages: ${missing[*]} (log: $log)" >&2
install || install_failed
rm -f "$log"
