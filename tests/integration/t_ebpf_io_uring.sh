#!/usr/bin/env bash
# eBPF backend, limits.io_uring "deny" (the default): io_uring is refused in every mode. The
# program sees a call when it returns, so a ring set up is a ring that exists: cidsd kills the
# caller. A container whose own seccomp profile refuses io_uring (Docker 25's default) made a
# call that did nothing: it is alerted as blocked and its process lives on (before, cidsd
# killed it all the same, and mariadbd, which tries io_uring at its start and falls back to
# native AIO, never came up under the eBPF backend).
# A static helper (tests/helpers/syscall_script) in learn mode, forked once so that the parent
# reports the child's fate: io_uring_setup, then 60,000 argument-less calls.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ebpf_lib.sh"

need_root
need_cmd runc jq
why=$(ebpf_supported) || skip "$why"
ensure_tracefs
S=$CIDS_BUILD/tests/helpers/syscall_script
[ -x "$S" ] || fail "$S not built"

CFG=$TMP/config.json
cids_config "$CFG" '.backend = "ebpf" | .mode = "learn" | .on_steady = "stay" | .limits.io_uring = "deny"'
KEY=ebpf-uring-$$
ALERTS=$TMP/log/alerts.jsonl
PAT="getpid getppid getuid getgid geteuid"
# 60,000 calls after the io_uring_setup: time for cidsd's kill (its events come in batches)
STEPS="--fork 1 $(rep 20 $PAT) io_uring getpid*60000"

# run NAME [deny]: the helper as the container's process (the child's status in $TMP/NAME.out);
# with deny, the bundle's seccomp profile fails io_uring_* with EPERM
run() {
	local name=$1 b=$TMP/b-$1 cname rc=0
	local -
	set -f # getpid*60000 is a step, not a glob
	rm -rf "$b"
	# shellcheck disable=SC2086 # the steps are words
	ebpf_bundle "$b" "$CFG" "$KEY" learn /syscall_script $STEPS
	[ "${2:-}" = deny ] && bundle_deny_syscalls "$b" io_uring_setup io_uring_enter io_uring_register
	cp "$S" "$b/rootfs/syscall_script"
	cname=$(cname "$name")
	echo "$cname" >"$TMP/$name.id"
	runtime_cleanup runc "$cname"
	timeout 60 runc run --bundle "$b" "$cname" </dev/null >"$TMP/$name.out" 2>&1 || rc=$?
	runc delete --force "$cname" >/dev/null 2>&1 || true
	echo "$rc" >"$TMP/$name.rc"
}
# uring_alert NAME: that container's cids_io_uring alert for io_uring_setup, as one line
uring_alert() {
	jq -c --arg id "$(cat "$TMP/$1.id")" 'select(.output_fields["container.id"] == $id
		and .rule == "cids_io_uring" and .output_fields["evt.type"] == "io_uring_setup")' "$ALERTS"
}

cidsd_start "$CFG"

log "the container's profile refuses io_uring: alerted, not killed"
run denied deny
[ "$(cat "$TMP/denied.rc")" = 0 ] || { cat "$TMP/denied.out"; fail "denied: the helper failed (exit $(cat "$TMP/denied.rc"))"; }
grep -q '^rc=0$' "$TMP/denied.out" ||
	{ cat "$TMP/denied.out"; fail "denied: the process whose io_uring_setup failed with EPERM was killed"; }
wait_for 10 test -n "$(uring_alert denied)" || fail "denied: no cids_io_uring alert naming io_uring_setup"
uring_alert denied | has '"cids.action":"block"' || fail "denied: the alert does not say blocked: $(uring_alert denied)"

log "no profile: the ring was set up, the process is killed"
run allowed
wait_for 10 test -n "$(uring_alert allowed)" || fail "allowed: no cids_io_uring alert naming io_uring_setup"
grep -q '^rc=137$' "$TMP/allowed.out" ||
	{ cat "$TMP/allowed.out"; fail "allowed: the process that set up an io_uring was not killed"; }
cidsd_stop
log "PASS"
