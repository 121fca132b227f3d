#!/usr/bin/env bash
# Shared helpers for integration tests. Source it; then use $TMP (removed at exit) and on_exit.
# Tests exit 0 (pass), 77 (skip, after printing "SKIP reason") or anything else (fail).
set -Eeuo pipefail
# A command that stops the test through set -e says so: a FAIL line with where and what (CI
# shows a failed test's FAIL lines only). -E carries the trap into functions; commands inside
# $(...) and ( ) are left out, their caller's own failure is the one reported, and so are
# failures under set +e.
trap '_lib_rc=$?; [ "$BASH_SUBSHELL" -ne 0 ] || [[ $- != *e* ]] ||
	echo "FAIL: ${BASH_SOURCE[0]##*/}:$LINENO: \"$BASH_COMMAND\" exited $_lib_rc" >&2' ERR

# has [GREP-OPTION...] PATTERN: some line of stdin matches, stdin read to its end. Tests write
# `... | has X`, never `... | has X`: under pipefail that pipeline fails when grep has
# matched and left while its producer still writes (SIGPIPE, status 141): bash writes each
# line of `echo "$out"` on its own, and a match on the second line failed t_seccomp_denied.
has() { grep "$@" >/dev/null; }

CIDS_SRC=${CIDS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CIDS_BUILD=${CIDS_BUILD:-$CIDS_SRC/build}
CIDS_SHARED_DATA=${CIDS_SHARED_DATA:-$(cd "$CIDS_SRC/.." && pwd)/shared/data}
export CIDS_SRC CIDS_BUILD CIDS_SHARED_DATA

skip() { echo "SKIP $*"; exit 77; }
fail() { echo "FAIL $*" >&2; exit 1; }
log() { printf '[%s] %s\n' "$(date +%T.%3N)" "$*"; }

need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root"; }
need_cmd() { local c; for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip "needs $c"; done; }

# Cleanup actions run in reverse order at exit, whatever happened.
_cleanups=()
on_exit() { _cleanups+=("$*"); }
_run_cleanups() {
	local rc=$? i
	set +e
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do eval "${_cleanups[$i]}" >/dev/null 2>&1; done
	exit $rc
}
trap _run_cleanups EXIT

TMP=$(mktemp -d /tmp/cids-it.XXXXXX)
chmod 0755 "$TMP"
# CIDS_KEEP_TMP=1 keeps the test's directory (logs, bundles) for a post-mortem
[ -n "${CIDS_KEEP_TMP:-}" ] || on_exit "rm -rf '$TMP'"

# assert helpers
assert() { "$@" || fail "assertion failed: $*"; }
assert_file() { [ -s "$1" ] || fail "expected file $1"; }
assert_no_file() { [ ! -e "$1" ] || fail "did not expect $1"; }
assert_grep() { grep -q -- "$1" "$2" || { echo "--- $2:"; tail -20 "$2" 2>/dev/null; fail "expected \"$1\" in $2"; }; }

# wait_for TIMEOUT_S CMD...: poll until CMD succeeds.
wait_for() {
	local t=$1; shift
	local end=$((SECONDS + t))
	while ! "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

# A busybox-static root filesystem in DIR (applets as relative symlinks).
make_rootfs() {
	local dir=$1 bb a
	bb=$(command -v busybox) || skip "needs busybox-static"
	file -L "$bb" 2>/dev/null | has 'statically linked' || [ -e /bin/busybox ] || true
	mkdir -p "$dir"/{bin,sbin,etc,proc,sys,dev,tmp,root,var/run,usr/bin}
	cp "$bb" "$dir/bin/busybox"
	for a in $("$dir/bin/busybox" --list); do
		[ "$a" = busybox ] || ln -sf busybox "$dir/bin/$a"
	done
	chmod 1777 "$dir/tmp"
	echo 'root:x:0:0:root:/root:/bin/sh' >"$dir/etc/passwd"
	echo 'root::19000:0:99999:7:::' >"$dir/etc/shadow"; chmod 0600 "$dir/etc/shadow"
	echo 'root:x:0:' >"$dir/etc/group"
	echo 'cids-test' >"$dir/etc/hostname"
}

# make_bundle DIR CMD...: an OCI bundle (config.json from `runc spec`) running CMD in busybox.
make_bundle() {
	local dir=$1; shift
	mkdir -p "$dir"
	make_rootfs "$dir/rootfs"
	(cd "$dir" && runc spec)
	local args
	args=$(printf '%s\n' "$@" | jq -R . | jq -s -c .)
	bundle_jq "$dir" ".process.terminal = false | .process.args = $args | .root.readonly = false
		| .hostname = \"cids-test\""
}

# bundle_jq DIR EXPR: edit DIR/config.json in place.
bundle_jq() {
	local dir=$1 expr=$2
	jq "$expr" "$dir/config.json" >"$dir/config.json.new" && mv "$dir/config.json.new" "$dir/config.json"
}

# bundle_add_hook DIR STAGE PATH [ARG...] (STAGE: prestart | createRuntime | poststop ...)
bundle_add_hook() {
	local dir=$1 stage=$2 path=$3; shift 3
	local args
	args=$(printf '%s\n' "$path" "$@" | jq -R . | jq -s -c .)
	bundle_jq "$dir" ".hooks.$stage = ((.hooks.$stage // []) + [{\"path\": \"$path\", \"args\": $args, \"timeout\": 30}])"
}

# crun refuses hybrid cgroups until hugetlb is mounted as a v1 hierarchy (machine quirk).
ensure_crun_cgroups() {
	if [ -d /sys/fs/cgroup/unified ] && ! mountpoint -q /sys/fs/cgroup/hugetlb 2>/dev/null; then
		mkdir -p /sys/fs/cgroup/hugetlb
		mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb 2>/dev/null || true
	fi
}

# eBPF needs tracefs (machine quirk: not mounted at boot).
ensure_tracefs() {
	mountpoint -q /sys/kernel/tracing 2>/dev/null || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
}

# cids_config FILE [JQ-EXPR]: a config for tests with every path under $TMP and fast learning.
# These tests check runtimes, backends and actions on small busybox loops with hand-made
# intrusions, so they learn from one container in a few thousand calls and judge with the
# paper's threshold 1 (detection.model "paper"). The default model (tolerant, quiet_calls,
# min_containers) is tested by tests/servers/ and the unit tests.
cids_config() {
	local file=$1 extra=${2:-.}
	mkdir -p "$TMP/store" "$TMP/log" "$TMP/run"
	chmod 0700 "$TMP/store"
	jq --arg t "$TMP" '
		.store = ($t + "/store") | .alerts = ($t + "/log/alerts.jsonl") | .run_dir = ($t + "/run")
		| .log = ($t + "/log/monitor.log") | .socket = ($t + "/run/cidsd.sock") | .syslog = false
		| .learning.interval_s = 0.2 | .learning.consecutive = 5 | .learning.sigma = 0.15
		| .learning.checkpoint_s = 0.5 | .runtime.hook = ($ENV.CIDS_BUILD + "/cids-hook")
		| .learning.quiet_calls = 0 | .learning.min_containers = 1
		| .detection = {algorithm: "stide", window: 4, frame: 20, model: "paper"}
		| .allow_container_override = true | .container_key_prefix = "" | .on_unlearned = "judge"' \
		"$CIDS_SRC/config.json.example" | jq "$extra" >"$file"
}

# Unique container names per test run.
cname() { echo "cids-$1-$$-$RANDOM"; }

# lxc_cgroups_remove NAME: the cgroups LXC made for container NAME and left behind on this
# hybrid host (lxc.monitor.NAME after every start, lxc.payload.NAME after a hung one; a name
# taken already gets -1, -2 ... at the next start). For on_exit, after lxc-stop.
lxc_cgroups_remove() {
	local n=$1
	find /sys/fs/cgroup -maxdepth 2 -type d \( -name "lxc.payload.$n" -o -name "lxc.monitor.$n" \
		-o -name "lxc.payload.$n-[0-9]*" -o -name "lxc.monitor.$n-[0-9]*" \) \
		-exec find {} -depth -type d -delete \; 2>/dev/null
	return 0
}

# runc/crun delete on exit: runtime_cleanup RUNTIME NAME
runtime_cleanup() {
	local rt=$1 name=$2
	on_exit "$rt kill '$name' KILL; sleep 0.2; $rt delete --force '$name'"
}
