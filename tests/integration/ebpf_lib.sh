#!/usr/bin/env bash
# Helpers for the eBPF backend tests and scripts/bench.sh: start/stop a private cidsd, build a
# runc bundle registered through cids-hook. Source after lib.sh (tests) or on its own (bench:
# then define TMP, on_exit, skip, fail, wait_for first).

ebpf_supported() {
	[ -r /sys/kernel/btf/vmlinux ] || { echo "kernel without BTF (/sys/kernel/btf/vmlinux)"; return 1; }
	[ -x "$CIDS_BUILD/cidsd" ] || { echo "cidsd not built ($CIDS_BUILD/cidsd)"; return 1; }
	return 0
}

# cidsd_start CONFIG [ARGS...]: cidsd in the foreground, its log in $TMP/cidsd.log; sets
# CIDSD_PID and waits for its socket. Stopped (by pid) at exit.
cidsd_start() {
	local cfg=$1; shift
	local sock
	sock=$(jq -r .socket "$cfg")
	"$CIDS_BUILD/cidsd" --foreground --config "$cfg" "$@" >>"$TMP/cidsd.out" 2>>"$TMP/cidsd.log" &
	CIDSD_PID=$!
	on_exit "cidsd_stop quiet"
	if ! wait_for 15 test -S "$sock"; then
		cat "$TMP/cidsd.log" >&2
		fail "cidsd did not open $sock"
	fi
}

# cidsd_stop [quiet]: SIGTERM our cidsd and wait for its final saves; fails when cidsd does not
# exit 0 (a crash, or a leak or error found by a sanitizer build), except with "quiet" (cleanup).
cidsd_stop() {
	local rc=0
	[ -n "${CIDSD_PID:-}" ] || return 0
	kill -TERM "$CIDSD_PID" 2>/dev/null || true
	wait "$CIDSD_PID" 2>/dev/null || rc=$?
	CIDSD_PID=
	if [ $rc -ne 0 ] && [ "${1:-}" != quiet ]; then
		tail -30 "$TMP/cidsd.log" >&2
		fail "cidsd exited with status $rc"
	fi
}

# ebpf_bundle DIR CONFIG KEY MODE CMD...: busybox bundle with cids-hook at createRuntime,
# profile key and mode as annotations, $TMP/out bind-mounted at /out.
ebpf_bundle() {
	local dir=$1 cfg=$2 key=$3 mode=$4; shift 4
	make_bundle "$dir" "$@"
	mkdir -p "$TMP/out"
	bundle_add_hook "$dir" createRuntime "$CIDS_BUILD/cids-hook" --config "$cfg"
	bundle_jq "$dir" ".annotations[\"io.cids.profile\"] = \"$key\"
		| .annotations[\"io.cids.mode\"] = \"$mode\"
		| .mounts += [{\"destination\": \"/out\", \"type\": \"bind\", \"source\": \"$TMP/out\",
			\"options\": [\"rbind\", \"rw\"]}]"
}

# rep N WORD...: the words N times (a call sequence for syscall_script).
rep() { local i; for ((i = 0; i < $1; i++)); do printf '%s ' "${@:2}"; done; }

# bundle_deny_syscalls DIR NAME...: a seccomp profile in the bundle that fails NAMEs with EPERM.
bundle_deny_syscalls() {
	local dir=$1; shift
	local names
	names=$(printf '%s\n' "$@" | jq -R . | jq -s -c .)
	bundle_jq "$dir" ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\",
		\"architectures\": [\"SCMP_ARCH_X86_64\"],
		\"syscalls\": [{\"names\": $names, \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1}]}"
}

# cidsd_stat FIELD: a counter from <run_dir>/cidsd.json (written every second).
cidsd_stat() {
	jq -r ".$1" "$TMP/run/cidsd.json"
}
