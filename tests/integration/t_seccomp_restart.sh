#!/usr/bin/env bash
# long
# A restarted seccomp monitor takes the listeners back (limits.monitor_restarts): when a
# container's cids-notify monitor dies, its watchdog (which holds a copy of every listener)
# starts a new monitor and hands it the container. runc through cids-runtime.
#  1. learn to steady (a busybox loop)
#  2. learn, the monitor SIGKILLed between receiving a call and answering it (strace holds its
#     ioctl returns, as in seccomp_scenarios.sh): a new cids-notify (another pid) owns the status
#     file, a "restarted" alert, the log says it took the container over, the container runs to
#     its end (rc 0) and the new monitor judged its calls
#  3. enforce (block), the monitor SIGKILLed while the workload sleeps: the intruder's
#     never-seen `mkdir /out/blocked` after the restart fails with EPERM, the directory never
#     exists, a block alert: the new monitor judges and acts
# Without the restart (before limits.monitor_restarts) the watchdog applied on_error (allow: every
# call let through unjudged), so 2 had no "restarted" alert and 3's mkdir ran.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/engine_lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/seccomp_lib.sh"

RT=runc
CTR_TIMEOUT=120
need_root
need_cmd "$RT" jq busybox strace
for b in cids-hook cids-runtime cids-notify cids; do
	[ -x "$CIDS_BUILD/$b" ] || fail "build $CIDS_BUILD/$b first"
done
sc_config "seccomp-restart-$$" "$RT" block '.backend = "seccomp"' \
	'.limits.monitor_restarts = 2 | .detection.model = "tolerant"'
export CIDS_CONFIG=$CFG

sc_workload 'sleep 0.2
case "$2" in
block)
	sleep "$3"; mkdir /out/blocked; echo "mkdir rc=$?" ;;
esac'
has_alert() { jq_any "$1" "$ALERTS"; }

# 1. learn
steady=0
for run in 1 2 3 4 5 6 7 8; do
	log "learn run $run"
	sc_run_ctr learn learn 150
	[ "$(cat "$TMP/learn.rc")" = 0 ] || { cat "$TMP/learn.out"; trap_fail "learn run $run failed"; }
	if [ $run -ge 3 ] && profile_steady "$TMP/store/$KEY.profile"; then steady=1; break; fi
done
[ $steady -eq 1 ] || trap_fail "profile not steady after $run runs"

# 2. the monitor dies holding a received, unanswered call
log "learn: monitor SIGKILLed while it judges a call"
sc_start_ctr die learn 4000
id=$(cat "$TMP/die.id")
sc_kill_judging die
mp=$MP
wait_for 20 has_alert "select(.rule == \"cids_monitor\" and .output_fields[\"container.id\"] == \"$id\"
	and .output_fields[\"cids.action\"] == \"restarted\")" || trap_fail "no \"restarted\" alert"
wait_for 10 bash -c "[ -s '$TMP/run/monitors/$id.json' ] && [ \"\$(jq -r .monitor_pid '$TMP/run/monitors/$id.json')\" != $mp ]" ||
	trap_fail "no new monitor in the status file"
np=$(monitor_pid_of "$id")
[ "$(cat /proc/$np/comm)" = cids-notify ] || trap_fail "the new monitor pid $np is not a cids-notify"
log "monitor $mp killed, $np took over"
sleep 0.5 # (the new monitor judges some rounds; the rest would only take time)
touch "$TMP/out/stop"
sc_finish_ctr die
rm -f "$TMP/out/stop"
[ "$(cat "$TMP/die.rc")" = 0 ] || { cat "$TMP/die.out"; trap_fail "the container failed after the restart"; }
assert_grep workload-done "$TMP/die.out"
grep -q "Container \"$id\": taken over from a dead monitor" "$MONLOG" || trap_fail "no take-over in the log"
grep -Eq "Container \"$id\": ended \([1-9][0-9]* calls judged" "$MONLOG" ||
	trap_fail "the new monitor judged no call"
has_alert "select(.output_fields[\"container.id\"] == \"$id\" and .output_fields[\"cids.action\"] == \"untraced\")" &&
	trap_fail "on_error was applied although the monitor was restarted"

# 3. enforce: the new monitor acts
log "enforce: monitor SIGKILLed, then the intruder's mkdir"
sc_start_ctr block enforce 20 block 4
id=$(cat "$TMP/block.id")
wait_for 15 test -s "$TMP/run/monitors/$id.json" || trap_fail "no status file"
sleep 1
mp=$(monitor_pid_of "$id")
[ "$(cat /proc/$mp/comm)" = cids-notify ] || trap_fail "pid $mp is not the monitor"
kill -KILL "$mp"
wait_for 20 has_alert "select(.rule == \"cids_monitor\" and .output_fields[\"container.id\"] == \"$id\"
	and .output_fields[\"cids.action\"] == \"restarted\")" || trap_fail "no \"restarted\" alert"
sc_finish_ctr block
cat "$TMP/block.out"
grep -q "mkdir rc=1" "$TMP/block.out" || trap_fail "the mkdir after the restart did not fail with EPERM"
[ ! -e "$TMP/out/blocked" ] || trap_fail "the mkdir after the restart ran: /out/blocked exists"
has_alert "select(.rule == \"cids_anomalous_window\" and .output_fields[\"container.id\"] == \"$id\"
	and .output_fields[\"cids.action\"] == \"block\" and .output_fields[\"evt.type\"] == \"mkdir\")" ||
	trap_fail "no block alert for the mkdir"
log "PASS"
