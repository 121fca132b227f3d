#!/usr/bin/env bash
# The eBPF backend's seccomp guard (ebpf.seccomp_guard) on runc through cids-runtime. This
# kernel loads no BPF LSM program, so without the guard eBPF enforce kills a process at the exit
# of its anomalous call, after the call ran (issue #19: a one-call `exec CID mkdir /x` made its
# directory). With a steady profile and mode enforce, cids-runtime gives the container a seccomp
# filter that fails every never-learned call with EPERM before it runs; cidsd still sees the call
# at its exit, alerts, and kills (enforce kill) or reports it blocked (enforce block).
#   1. learn (no guard: the log says why), then a benign container in enforce runs to its end
#      with the guard on (its filter fails mkdir and symlink, lets the learned calls run);
#   2. the container's own never-learned mkdir: the directory never exists, the shell is killed;
#   3. a one-call joiner, `runc exec CID mkdir /out/joined`, into that enforcing container: no
#      directory, and the container goes on;
#   4. enforce.action block: the never-learned mkdir fails with EPERM, cidsd reports it blocked
#      and kills nothing: the workload runs to its end;
#   5. control: with ebpf.seccomp_guard false the same mkdir runs before the kill (what this
#      test would see if the guard broke); detect mode never gets the guard.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/engine_lib.sh"
source "$(dirname "$0")/ebpf_lib.sh"
source "$(dirname "$0")/seccomp_lib.sh"

need_root
need_cmd runc jq busybox
why=$(ebpf_supported) || skip "$why"
for b in cids-hook cids-runtime cids; do [ -x "$CIDS_BUILD/$b" ] || fail "build $CIDS_BUILD/$b first"; done
ensure_tracefs
RT=runc

S=$CIDS_BUILD/tests/helpers/syscall_script
[ -x "$S" ] || fail "$S not built"
CTR_FILES=$S
sc_config "ebpf-guard-$$" runc kill '.backend = "ebpf" | .detection.threshold = 1'
export CIDS_CONFIG=$CFG
sc_workload 'case "$2" in
script)
	/syscall_script $3; echo "script rc=$?" ;;
wait)
	sleep "$3" ;;
esac'
PAT="getpid getppid getuid getgid geteuid"
LEARN="$(rep 60 $PAT)"
ATTACK="$(rep 30 $PAT) mkdir $(rep 10 $PAT)"
cidsd_start "$CFG"

guard_of() { jq -c '[.linux.seccomp.syscalls[]? | select(.action == "SCMP_ACT_ERRNO")
	| .names[]] | (index("mkdir") != null, index("getpid") != null)' "$TMP/b-$1/config.json" | tr '\n' ' '; }
rc_of() { cat "$TMP/$1.rc"; }
running() { runc state "$1" 2>/dev/null | jq -e '.status == "running"' >/dev/null; }
# joiner ID STEPS: runc exec the helper into container ID; its exit status
joiner() { local rc=0; runc exec "$1" /syscall_script $2 >"$TMP/joiner.out" 2>&1 || rc=$?; echo $rc; }

log "1. learn until steady (the container's own calls and a joiner's), then benign in enforce"
sc_run_ctr learn learn 10 script "$LEARN"
grep -q 'ebpf.seccomp_guard: no guard (mode learn)' "$TMP/learn.out" ||
	{ cat "$TMP/learn.out"; trap_fail "learn: cids-runtime did not say why there is no guard"; }
sc_start_ctr learn2 learn 10 wait 8
wait_for 20 running "$(cat "$TMP/learn2.id")" || trap_fail "learn2 did not start"
sleep 1
for i in 1 2; do
	[ "$(joiner "$(cat "$TMP/learn2.id")" "$LEARN")" = 0 ] || { cat "$TMP/joiner.out"; trap_fail "learning joiner failed"; }
done
sc_finish_ctr learn2
wait_for 10 test -s "$TMP/store/$KEY.profile" || trap_fail "no profile after learning"
sc_run_ctr benign enforce 10 script "$LEARN"
if ! grep -q "ebpf.seccomp_guard: profile $KEY: the seccomp filter fails with EPERM" "$TMP/benign.out"; then
	cat "$TMP/benign.out"
	trap_fail "enforce: no guard for a steady profile"
fi
[ "$(guard_of benign)" = "true false " ] || trap_fail "benign: the filter does not deny mkdir alone: $(guard_of benign)"
[ "$(rc_of benign)" = 0 ] && grep -q 'script rc=0' "$TMP/benign.out" ||
	{ cat "$TMP/benign.out"; sc_alerts_of "$(cat "$TMP/benign.id")"; trap_fail "benign enforce run failed (exit $(rc_of benign))"; }

# (the shell that ran the helper may be killed too: the windows of its wait for a killed child
# were never learned)
log "2. a never-learned mkdir in the container: denied before it runs, the process killed"
sc_run_ctr intr enforce 10 script "$ATTACK"
sc_alerts_of "$(cat "$TMP/intr.id")" kill | has '"evt.type":"mkdirat"' ||
	{ sc_alerts_of "$(cat "$TMP/intr.id")"; trap_fail "intr: no kill alert for mkdirat"; }
[ ! -e "$TMP/out/dir" ] || trap_fail "the guard let mkdirat run: /out/dir exists"

log "3. a one-call joiner into the enforcing container"
sc_start_ctr host enforce 10 wait 30
id=$(cat "$TMP/host.id")
wait_for 20 running "$id" || trap_fail "the enforce container did not start"
sleep 1
rc=$(joiner "$id" "$(rep 20 $PAT) mkdir")
log "joiner: exit $rc"
[ ! -e "$TMP/out/dir" ] || trap_fail "the joiner's mkdirat ran: /out/dir exists"
[ "$rc" = 137 ] || { cat "$TMP/joiner.out"; trap_fail "the joiner was not killed (exit $rc)"; }
running "$id" || trap_fail "the container did not go on after its joiner was stopped"
sc_alerts_of "$id" kill | has '"evt.type":"mkdirat"' || { sc_alerts_of "$id"; trap_fail "no kill alert for the joiner's mkdirat"; }
runc kill "$id" KILL 2>/dev/null || true
sc_finish_ctr host

log "4. enforce.action block: the never-learned mkdir fails with EPERM, nothing is killed"
set_cfg '.enforce.action = "block"'
cidsd_stop
cidsd_start "$CFG"
sc_run_ctr blk enforce 10 script "$ATTACK"
[ "$(guard_of blk)" = "true false " ] || trap_fail "block: the filter does not deny mkdir alone: $(guard_of blk)"
[ ! -e "$TMP/out/dir" ] || trap_fail "block: the guard let mkdirat run: /out/dir exists"
[ "$(rc_of blk)" = 0 ] && grep -q 'script rc=0' "$TMP/blk.out" ||
	{ cat "$TMP/blk.out"; sc_alerts_of "$(cat "$TMP/blk.id")"; trap_fail "block: the workload did not run to its end (exit $(rc_of blk))"; }
sc_alerts_of "$(cat "$TMP/blk.id")" block | has '"evt.type":"mkdirat"' ||
	{ sc_alerts_of "$(cat "$TMP/blk.id")"; trap_fail "block: no block alert for mkdirat"; }
if sc_alerts_of "$(cat "$TMP/blk.id")" kill | has .; then
	sc_alerts_of "$(cat "$TMP/blk.id")"
	trap_fail "block: a process was killed"
fi
set_cfg '.enforce.action = "kill"'

log "5. controls: detect has no guard; enforce with ebpf.seccomp_guard false lets mkdirat run"
sc_run_ctr det detect 10 script "$ATTACK"
grep -q 'ebpf.seccomp_guard: no guard (mode detect)' "$TMP/det.out" || trap_fail "detect: no reason for no guard"
grep -q 'script rc=0' "$TMP/det.out" && [ -d "$TMP/out/dir" ] || { cat "$TMP/det.out"; trap_fail "detect: mkdirat did not run"; }
rmdir "$TMP/out/dir"
set_cfg '.ebpf.seccomp_guard = false'
cidsd_stop
cidsd_start "$CFG"
sc_run_ctr noguard enforce 10 script "$ATTACK"
[ "$(guard_of noguard)" = "false false " ] || trap_fail "seccomp_guard false: a filter was added anyway"
sc_alerts_of "$(cat "$TMP/noguard.id")" kill | has '"evt.type":"mkdirat"' ||
	{ sc_alerts_of "$(cat "$TMP/noguard.id")"; trap_fail "no guard: no kill alert for mkdirat"; }
[ -d "$TMP/out/dir" ] || trap_fail "no guard: mkdirat did not run before the kill (the control shows nothing)"
log "without the guard the directory was made before the kill; with it, never"
cidsd_stop
log "PASS"
