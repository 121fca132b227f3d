#!/usr/bin/env bash
# A container's init that faults dies under the ptrace backend as it does untraced. A traced init
# never dies of a fault signal it has no handler for: the kernel clears a pid namespace init's
# immunity to signals at a forced fault only while nobody traces it, so the signal handed back
# at signal-delivery-stop is dropped and the instruction faults again, for ever (before the fix
# each traced run below spun until its 30 s time-out). Now the monitor kills it: exit 137 where
# untraced says 128 + the signal (README, "Where traced differs").
#  1. untraced (runc): tests/helpers/fault segv, ill, fpe as the init exit 139, 132, 136
#  2. ptrace, two stops per call (cids-hook at createRuntime, learn): each exits 137 within the
#     time-out, the monitor log names the signal
#  3. ptrace one-stop (ptrace.one_stop, through cids-runtime): the same, the init a shell that
#     execs the faulting program
# A fault signal sent by a process (kill -SEGV from the host) is not a fault: still ignored by a
# traced init, as by an untraced one (4).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/engine_lib.sh"
source "$(dirname "$0")/seccomp_lib.sh"

need_root
need_cmd runc jq busybox
RT=runc
FAULT=$CIDS_BUILD/tests/helpers/fault
for b in cids-hook cids-runtime cids-notify; do
	[ -x "$CIDS_BUILD/$b" ] || fail "build $CIDS_BUILD/$b first"
done
[ -x "$FAULT" ] || fail "build $FAULT first (make)"

declare -A want=([segv]=139 [ill]=132 [fpe]=136) signo=([segv]=11 [ill]=4 [fpe]=8)
B=$TMP/bundle
CFG=$TMP/cids.json
cids_config "$CFG" '.mode = "learn" | .on_steady = "stay"'
make_bundle "$B" /bin/fault
cp "$FAULT" "$B/rootfs/bin/fault"
HOOK=$(jq -cn --arg p "$CIDS_BUILD/cids-hook" --arg c "$CFG" \
	'[{"path": $p, "args": ["cids-hook", "--config", $c], "timeout": 30}]')

# run TRACED MODE: runc run of the faulting init; sets RC and SECS
run() {
	local name t0
	name=$(cname flt)
	if [ "$1" = 1 ]; then
		bundle_jq "$B" ".process.args = [\"/bin/fault\", \"$2\"] | .hooks = {\"createRuntime\": $HOOK}"
	else
		bundle_jq "$B" ".process.args = [\"/bin/fault\", \"$2\"] | del(.hooks)"
	fi
	runtime_cleanup runc "$name"
	t0=$(date +%s)
	RC=0
	(cd "$B" && timeout -k 5 30 runc run "$name" </dev/null >"$TMP/run.out" 2>&1) || RC=$?
	SECS=$(($(date +%s) - t0))
	runc delete --force "$name" >/dev/null 2>&1 || true
	grep -qx faulting "$TMP/run.out" || { cat "$TMP/run.out"; fail "$2: the program did not run"; }
}

log "1. untraced"
for m in segv ill fpe; do
	run 0 "$m"
	[ "$RC" = "${want[$m]}" ] || fail "untraced $m: exit $RC, expected ${want[$m]}"
done
log "   segv, ill, fpe: exit 139, 132, 136"

log "2. ptrace (two stops per call)"
for m in segv ill fpe; do
	run 1 "$m"
	# (137 after the time-out is timeout's SIGKILL of runc: the spin)
	[ "$RC" = 137 ] && [ "$SECS" -lt 20 ] ||
		{ tail -5 "$TMP/log/monitor.log"; fail "traced $m: exit $RC after ${SECS}s, expected 137 at once (killed by the monitor)"; }
	assert_grep "its init took signal ${signo[$m]} (a fault)" "$TMP/log/monitor.log"
done
log "   each killed at its fault (137)"

log "3. ptrace one-stop, through cids-runtime"
sc_config "init-fault-$$" "$RT" block '.backend = "ptrace" | .ptrace.one_stop = true'
export CIDS_CONFIG=$CFG
CTR_FILES=$FAULT CTR_TIMEOUT=30
sc_workload 'case "$2" in fault) exec /fault "$3" ;; esac'
for m in segv ill; do
	t0=$(date +%s)
	sc_run_ctr "f-$m" learn 0 fault "$m"
	secs=$(($(date +%s) - t0))
	rc=$(cat "$TMP/f-$m.rc")
	grep -q 'learn (ptrace1 backend)' "$MONLOG" || trap_fail "the monitor did not run in one-stop mode"
	[ "$rc" = 137 ] && [ "$secs" -lt 25 ] || trap_fail "one-stop $m: exit $rc after ${secs}s, expected 137 at once"
	assert_grep "its init took signal ${signo[$m]} (a fault)" "$MONLOG"
done
log "   segv, ill: killed at the fault (137)"

log "4. kill -SEGV from the host is no fault: the traced init lives on, as untraced"
name=$(cname flt)
bundle_jq "$B" '.process.args = ["sh", "-c", "echo ready; i=0; while [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done; echo finished"]'
bundle_jq "$B" ".hooks = {\"createRuntime\": $HOOK}"
runtime_cleanup runc "$name"
(cd "$B" && exec timeout -k 5 30 runc run "$name" </dev/null >"$TMP/out4" 2>&1) &
bg=$!
wait_for 10 grep -q ready "$TMP/out4" || fail "the shell never got ready"
kill -SEGV "$(runc state "$name" | jq -r .pid)"
rc=0
wait "$bg" || rc=$?
[ "$rc" = 0 ] && grep -qx finished "$TMP/out4" || { cat "$TMP/out4"; fail "kill -SEGV ended the traced init (exit $rc)"; }
log "   finished (exit 0)"
log "ok"
