#!/usr/bin/env bash
# The seccomp backend sees the calls the container's own seccomp profile denies (issue 15, item
# 4). Docker's default profile (private dockerd, runtime "cids" = cids-runtime) denies unshare,
# mount and keyctl (no rule names them: the default ERRNO, EPERM) and clone3 (a rule with
# errnoRet ENOSYS); it allows clone and personality for some arguments only.
# tests/helpers/denied_probe makes those calls and prints each one's errno.
#  0. baseline: the probe under plain runc (no cids) and Docker's profile
#  1. learn: a workload that calls clone3 once per run, until steady: clone3 is judged and
#     learned (in the profile's syscalls) and still fails with ENOSYS, as in the baseline
#  2. detect: unshare(CLONE_NEWUSER), mount, keyctl raise alerts naming each; every call of the
#     probe (those three, clone3, and the argument-dependent clone(CLONE_NEWUSER) and
#     personality(0x12345), which stay plain ERRNO) fails with exactly the baseline's errno
#  3. enforce kill: the process calling unshare is SIGKILLed (exit 137) before it returns
# Before cids-runtime made the profile's denials NOTIFY, 1 and 2 failed: the monitor never saw
# a call the profile denied.
# With argument ptrace1 (t_ptrace1_denied.sh): the same under the ptrace backend with
# ptrace.one_stop, where cids-runtime makes the profile's ERRNO rules and default SCMP_ACT_TRACE
# carrying the errno and the monitor fails each such call with it after judging.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/engine_lib.sh"
source "$(dirname "$0")/seccomp_lib.sh"
source "$(dirname "$0")/docker_lib.sh"

BACKEND=${1:-seccomp}
docker_need
PROBE=$CIDS_BUILD/tests/helpers/denied_probe
for b in cids-hook cids-notify cids tests/helpers/denied_probe; do
	[ -x "$CIDS_BUILD/$b" ] || fail "build $CIDS_BUILD/$b first"
done
BCFG='.backend = "seccomp"'
[ "$BACKEND" != ptrace1 ] || BCFG='.backend = "ptrace" | .ptrace.one_stop = true'
sc_config "$BACKEND-denied-$$" runc kill "$BCFG"
export CIDS_CONFIG=$CFG
docker_start
IMG=cids-denied-bb
make_rootfs "$TMP/rootfs"
cp "$PROBE" "$TMP/rootfs/bin/denied_probe"
tar -C "$TMP/rootfs" -c . | dk import - "$IMG" >/dev/null || fail "docker import"

sc_workload 'shift
denied_probe "$@"'
# alerts_of NAME [ACTION]
alerts_of() { sc_alerts_of "$(dk inspect -f '{{.Id}}' "$1")" "${2:-}"; }
# dk_run NAME RUNTIME MODE ITERATIONS CALL...: the workload, then the probe making CALLs
dk_run() {
	local name=$1 rt=$2 mode=$3
	shift 3
	docker_rm "$name"
	on_exit "docker_rm $name"
	dk run --name "$name" --runtime="$rt" -e CIDS_PROFILE="$KEY" -e CIDS_MODE="$mode" \
		"$IMG" sh -c "$WORK" sh "$@"
}
PROBED="unshare mount keyctl clone3 clone_newuser personality"

# 0. baseline
log "baseline: plain runc"
base=$(dk_run base runc learn 1 $PROBED 2>&1) || { echo "$base"; fail "baseline run failed"; }
echo "$base" | grep 'rc=' >"$TMP/base.calls"
cat "$TMP/base.calls"
grep -q '^unshare rc=-1 errno=1$' "$TMP/base.calls" || fail "Docker's profile did not deny unshare"
grep -q '^clone3 rc=-1 errno=38$' "$TMP/base.calls" || fail "Docker's profile did not deny clone3 with ENOSYS"
[ -z "$(cat "$TMP/log/monitor.log" 2>/dev/null)" ] || fail "cids ran under plain runc"

# 1. learn
steady=0
for run in 1 2 3 4 5 6 7 8; do
	log "learn run $run"
	out=$(dk_run "learn$run" cids learn 150 clone3 2>&1) || { echo "$out"; trap_fail "learn run $run failed"; }
	echo "$out" | has workload-done || { echo "$out"; trap_fail "learn run $run: no workload-done"; }
	echo "$out" | has -x 'clone3 rc=-1 errno=38' || { echo "$out"; trap_fail "clone3 did not fail with ENOSYS while learning"; }
	[ -z "$(alerts_of "learn$run")" ] || trap_fail "alerts while learning"
	if [ $run -ge 3 ] && profile_steady "$TMP/store/$KEY.profile"; then
		steady=1
		break
	fi
done
[ $steady -eq 1 ] || trap_fail "profile not steady after $run runs"
grep -q "learn ($BACKEND backend)" "$MONLOG" || trap_fail "no $BACKEND monitor ran"
"$CIDS_BUILD/cids" profile show --json --top 0 "$TMP/store/$KEY.profile" >"$TMP/show.json"
# (ptrace: clone3 is policy, denied with ENOSYS before the profile in every mode, never learned)
[ "$BACKEND" = ptrace1 ] || jq -e '[.. | strings] | index("clone3") != null' "$TMP/show.json" >/dev/null ||
	trap_fail "clone3, denied by the profile, was not learned"
jq -e '[.. | strings] | index("unshare") == null' "$TMP/show.json" >/dev/null ||
	trap_fail "unshare learned, though the workload never called it"

# 2. detect: alerts, and the same errnos as without cids
log "detect: the probe's calls"
out=$(dk_run detect cids detect 20 $PROBED 2>&1) || { echo "$out"; trap_fail "detect run failed"; }
echo "$out" | grep 'rc=' >"$TMP/detect.calls" || true
diff "$TMP/base.calls" "$TMP/detect.calls" ||
	trap_fail "under cids the container saw other results than without it"
wait_for 10 bash -c "[ -n \"\$(jq -c 'select(.output_fields[\"evt.type\"] == \"keyctl\")' '$ALERTS' 2>/dev/null)\" ]" || true
alerts_of detect >"$TMP/detect.alerts"
for call in unshare mount keyctl; do
	# (jq 1.6's -e looks at the last input only: test for output instead)
	[ -n "$(jq -c --arg c "$call" 'select(.output_fields["evt.type"] == $c
		and .output_fields["proc.name"] == "denied_probe")' "$TMP/detect.alerts")" ] ||
		{ head -5 "$TMP/detect.alerts"; trap_fail "no alert names $call"; }
done
log "detect: $(wc -l <"$TMP/detect.alerts") alert(s) on $(jq -r '.output_fields["evt.type"]' "$TMP/detect.alerts" | sort -u | tr '\n' ' ')"

# 3. enforce kill: the caller of unshare dies in the call
log "enforce kill: unshare"
set +e
out=$(dk_run kill cids enforce 20 clone3 unshare 2>&1)
rc=$?
set -e
log "kill run: status $rc: $(echo "$out" | tr '\n' ' ' | head -c 200)"
echo "$out" | has -x "clone3 rc=-1 errno=38" || trap_fail "the probe did not run (its learned clone3)"
! echo "$out" | has '^unshare rc=' || trap_fail "the unshare caller lived on to print its result"
# (ptrace judges write as well: the shell's reaction to its child's death is new too and
# enforce kills it, so only the seccomp backend's shell is sure to go on)
[ "$BACKEND" = ptrace1 ] || echo "$out" | has workload-done ||
	trap_fail "the workload's shell did not go on after its child's death"
wait_for 10 bash -c "[ -n \"\$(jq -c 'select(.output_fields[\"evt.type\"] == \"unshare\" and .output_fields[\"cids.action\"] == \"kill\")' '$ALERTS')\" ]" ||
	trap_fail "no kill alert naming unshare"
[ -n "$(alerts_of kill kill)" ] || trap_fail "the kill alert does not name the container"
log "PASS"
