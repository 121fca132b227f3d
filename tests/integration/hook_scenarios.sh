#!/usr/bin/env bash
# Shared body of t_hook_runc.sh and t_hook_crun.sh: cids-hook with the ptrace backend on a real
# runtime. Usage: hook_scenarios.sh RUNTIME STAGE   (STAGE: createRuntime | prestart)
#
# Learn (several runs of one key until steady, profile in bundle and store), detect (same
# workload: no alert; workload + intrusion: alerts naming process and window), enforce block
# (the intrusion's file is not created, the container exits 0), enforce kill (the process is
# gone, the alert says kill), a seccomp-denied unshare is seen, and a monitor SIGKILLed
# mid-learning leaves the container running and the last checkpoint loadable.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RT=$1 STAGE=$2
need_root
need_cmd "$RT" jq busybox
[ -x "$CIDS_BUILD/cids-hook" ] || fail "build $CIDS_BUILD/cids-hook first"
[ "$RT" = crun ] && ensure_crun_cgroups

KEY="hooktest-$RT-$$"
B=$TMP/bundle
CFG=$TMP/cids.json
ALERTS=$TMP/log/alerts.jsonl
MONLOG=$TMP/log/monitor.log

# loop N: the ordinary workload (no command substitution: every fork happens many times)
loop() { echo "i=0; while [ \$i -lt $1 ]; do ls / >/dev/null; cat /etc/passwd >/dev/null; echo x | grep x >/dev/null; sleep 0.05; i=\$((i + 1)); done"; }
LOOP=$(loop 25)
# the learned workload ends with one more command after its loop (so a fork there is normal)
TAIL='ls /; echo done'

# Learning must see whole runs before judging: on_steady "stay" while learning, the detect and
# enforce runs choose their mode by annotation.
cids_config "$CFG" '.mode = "learn" | .on_steady = "stay"'
make_bundle "$B" sh -c "$LOOP; echo done"
bundle_jq "$B" ".annotations[\"io.cids.profile\"] = \"$KEY\""
bundle_add_hook "$B" "$STAGE" "$CIDS_BUILD/cids-hook" --config "$CFG"

# run_ctr MODE SCRIPT [CFG]: run the bundle with SCRIPT as the workload; output in $TMP/out,
# exit status in $RC. Waits for the monitor to write its last save and exit.
RC=0
run_ctr() {
	local mode=$1 script=$2 cfg=${3:-$CFG} name args
	name=$(cname "$RT")
	args=$(jq -cn --arg s "$script" '["sh","-c",$s]')
	bundle_jq "$B" ".process.args = $args | .annotations[\"io.cids.mode\"] = \"$mode\"
		| .hooks.$STAGE[0].args = [\"cids-hook\", \"--config\", \"$cfg\"]"
	runtime_cleanup "$RT" "$name"
	set +e
	(cd "$B" && timeout 40 "$RT" run "$name" </dev/null >"$TMP/out" 2>"$TMP/err")
	RC=$?
	set -e
	"$RT" delete --force "$name" >/dev/null 2>&1 || true
	wait_monitors
}

# Monitors remove their status file when they have saved and exit.
wait_monitors() {
	wait_for 10 bash -c "! ls '$TMP/run/monitors/'*.json >/dev/null 2>&1" ||
		fail "a monitor did not exit: $(ls "$TMP/run/monitors/")"
}

anomalies() { [ -e "$ALERTS" ] || { echo 0; return; }; grep -c '"rule":"cids_anomalous_window"' "$ALERTS" || true; }
# has_alert FILE|- JQ-CONDITION: some alert line satisfies the condition.
has_alert() { jq -s -e "map(select($2)) | length > 0" "$1" >/dev/null; }
mark_alerts() { touch "$ALERTS"; ALERT_MARK=$(wc -l <"$ALERTS"); }
new_alerts() { tail -n +$((ALERT_MARK + 1)) "$ALERTS"; }

profile_steady() {
	local p=$1
	if "$CIDS_BUILD/cids" profile show --help >/dev/null 2>&1; then
		"$CIDS_BUILD/cids" profile show --json "$p" >"$TMP/show.json" || return 1
		jq -e '[.databases[] | select(.algorithm == "stide" and .k == 4)][0].steady' \
			"$TMP/show.json" >/dev/null
	else
		# without the cids tool: the monitor's own log line says so
		grep -q "steady" "$MONLOG"
	fi
}

# ---------------------------------------------------------------- learn
log "learn: $RT, hook at $STAGE"
steady=0
for run in 1 2 3 4 5 6; do
	run_ctr learn "$(loop 50); $TAIL"
	[ $RC -eq 0 ] || { cat "$TMP/err"; fail "learn run $run: exit $RC"; }
	grep -qx done "$TMP/out" || fail "learn run $run: workload output missing"
	grep -qx bin "$TMP/out" || fail "learn run $run: ls output missing"
	assert_file "$TMP/store/$KEY.profile"
	assert_file "$B/cids.profile"
	if [ -n "${VERBOSE:-}" ]; then "$CIDS_BUILD/cids" profile show --json "$TMP/store/$KEY.profile" | jq -c '[.databases[] | .entries]'; fi
	if [ $run -ge 2 ] && profile_steady "$TMP/store/$KEY.profile"; then
		steady=1
		break
	fi
done
[ $steady -eq 1 ] || fail "profile not steady after $run runs"
log "learn: steady after $run runs"
[ "$(anomalies)" -eq 0 ] || fail "alerts while learning"
grep -q "attached to pid" "$MONLOG" || fail "monitor log has no attach line"

# ---------------------------------------------------------------- detect
log "detect: same workload"
mark_alerts
run_ctr detect "$LOOP; $TAIL"
[ $RC -eq 0 ] || fail "detect run: exit $RC"
if new_alerts | has cids_anomalous_window; then
	new_alerts | jq -c ".output_fields | [.\"proc.name\", .\"cids.window\"]"
	fail "the learned workload raised alerts in detect mode"
fi

log "detect: workload + intrusion"
INTRUSION='cat /etc/shadow >/dev/null; unshare -U true; mount -t tmpfs none /mnt; sh -c "nc -w 1 127.0.0.1 9 </dev/null; wget -q -T 1 http://127.0.0.1:9/ -O /dev/null"'
mark_alerts
run_ctr detect "$LOOP; $INTRUSION; echo done"
grep -qx done "$TMP/out" || fail "detect mode changed the workload's output"
new_alerts >"$TMP/intrusion.jsonl"
n=$(grep -c cids_anomalous_window "$TMP/intrusion.jsonl" || true)
[ -n "${VERBOSE:-}" ] && jq -c ".output_fields | [.\"proc.name\", .\"evt.type\", .\"cids.window\"]" "$TMP/intrusion.jsonl"
[ "$n" -ge 1 ] || fail "intrusion raised no alert"
has_alert "$TMP/intrusion.jsonl" '.rule == "cids_anomalous_window" and (.output_fields
	| (.["cids.window"] | length) == 4 and .["proc.pid"] > 0 and (.["proc.name"] | length) > 0)' || fail "alerts lack process or window"
# `cat /etc/shadow` makes the same calls as the workload's `cat /etc/passwd`: a syscall-sequence
# detector cannot tell file names apart, so no alert is required for it. Debian's static busybox
# wget segfaults right after execve (untraced too): it is in the intrusion, not required here.
for tool in unshare mount nc; do
	has_alert "$TMP/intrusion.jsonl" ".output_fields[\"proc.name\"] == \"$tool\"" ||
		fail "no alert names \"$tool\""
done
log "detect: $n alerts for the intrusion"

# ---------------------------------------------------------------- enforce: block
log "enforce block"
rm -f "$B/rootfs/tmp/pwned"
mark_alerts
run_ctr enforce "$LOOP; touch /tmp/pwned; echo after; exit 0"
[ -n "${VERBOSE:-}" ] && new_alerts | jq -c ".output_fields | [.\"proc.name\", .\"cids.action\", .\"cids.window\"]"
[ $RC -eq 0 ] || { cat "$TMP/err" "$TMP/out"; fail "enforce/block: container exit $RC, expected 0"; }
assert_no_file "$B/rootfs/tmp/pwned"
grep -qx after "$TMP/out" || fail "enforce/block: the container did not continue"
new_alerts | has_alert - '.output_fields["cids.action"] == "block"' ||
	fail "enforce/block: no block alert"

# ---------------------------------------------------------------- enforce: kill
log "enforce kill"
cids_config "$TMP/kill.json" '.mode = "learn" | .on_steady = "stay" | .enforce.action = "kill"'
mark_alerts
run_ctr enforce "$LOOP; unshare -U sh -c 'echo SURVIVED'; echo after" "$TMP/kill.json"
[ -n "${VERBOSE:-}" ] && new_alerts | jq -c ".output_fields | [.\"proc.name\", .\"cids.action\", .\"cids.window\"]"
grep -q SURVIVED "$TMP/out" && fail "enforce/kill: the intruding process survived"
new_alerts | has_alert - '.output_fields["cids.action"] == "kill" and .output_fields["proc.name"] == "unshare"' ||
	fail "enforce/kill: no alert says unshare was killed"
# (the shell that sees its child die of SIGKILL makes new calls too and may be killed as well)

# ---------------------------------------------------------------- seccomp-denied syscall
log "seccomp: unshare denied by the container's profile is seen"
bundle_jq "$B" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
	"syscalls": [{"names": ["unshare"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
mark_alerts
run_ctr detect "$LOOP; unshare -U true 2>/dev/null; echo rc=\$?"
grep -qx 'rc=1' "$TMP/out" || fail "seccomp profile did not deny unshare: $(cat "$TMP/out")"
new_alerts | has_alert - '.rule == "cids_anomalous_window"
	and (.output_fields["cids.window"] | index("unshare"))' ||
	fail "the seccomp-denied unshare raised no alert"
bundle_jq "$B" 'del(.linux.seccomp)'

# ---------------------------------------------------------------- runc exec / crun exec
log "$RT exec: a process joining the running container is traced"
name=$(cname "$RT")
args=$(jq -cn --arg s "$(loop 40); $TAIL" '["sh","-c",$s]')
bundle_jq "$B" ".process.args = $args | .annotations[\"io.cids.mode\"] = \"detect\"
	| .hooks.$STAGE[0].args = [\"cids-hook\", \"--config\", \"$CFG\"]"
runtime_cleanup "$RT" "$name"
mark_alerts
(cd "$B" && exec timeout 40 "$RT" run "$name" </dev/null >"$TMP/out" 2>"$TMP/err") &
ctr=$!
on_exit "kill $ctr"
wait_for 10 "$RT" exec "$name" true || fail "$RT exec never worked"
# the scan runs every 200 ms: the joiner waits a little before its intrusion
"$RT" exec "$name" sh -c 'sleep 0.6; unshare -U true; echo exec-done' >"$TMP/exec.out" 2>&1 ||
	fail "$RT exec failed: $(cat "$TMP/exec.out")"
grep -qx exec-done "$TMP/exec.out" || fail "the exec'd process did not finish"
wait $ctr || fail "the container failed after the exec"
wait_monitors
assert_grep "joined the container" "$MONLOG"
new_alerts | has_alert - '.output_fields["proc.name"] == "unshare"' ||
	fail "the intrusion of an exec'd process raised no alert"

# ---------------------------------------------------------------- monitor SIGKILLed
log "monitor SIGKILLed mid-learning"
KEY2="$KEY-kill"
rm -f "$B/cids.profile" # a profile of another key is refused, never overwritten
bundle_jq "$B" ".annotations[\"io.cids.profile\"] = \"$KEY2\""
name=$(cname "$RT")
args=$(jq -cn --arg s 'for i in $(seq 60); do ls / >/dev/null; sleep 0.05; done; echo finished' '["sh","-c",$s]')
bundle_jq "$B" ".process.args = $args | .annotations[\"io.cids.mode\"] = \"learn\"
	| .hooks.$STAGE[0].args = [\"cids-hook\", \"--config\", \"$CFG\"]"
runtime_cleanup "$RT" "$name"
(cd "$B" && exec "$RT" run "$name" </dev/null >"$TMP/out" 2>"$TMP/err") &
ctr=$!
on_exit "kill $ctr"
wait_for 10 bash -c "ls '$TMP/run/monitors/'*.json" || { cat "$TMP/err"; tail -5 "$MONLOG"; fail "no status file"; }
status=$(ls "$TMP/run/monitors/"*.json | head -1)
wait_for 10 test -s "$TMP/store/$KEY2.profile" || fail "no checkpoint before the kill"
sleep 0.3
mon=$(jq -r .monitor_pid "$status")
[ "$mon" -gt 1 ] || fail "no monitor pid in $status"
[ -d "/proc/$mon" ] || fail "monitor $mon not running"
kill -KILL "$mon"
set +e
wait $ctr
rc=$?
set -e
[ $rc -eq 0 ] || fail "container did not survive its monitor: exit $rc"
grep -qx finished "$TMP/out" || fail "container did not finish after the monitor died"
"$CIDS_BUILD/cids" profile show "$TMP/store/$KEY2.profile" >/dev/null ||
	fail "checkpoint in the store is not loadable"
"$CIDS_BUILD/cids" profile show "$B/cids.profile" >/dev/null ||
	fail "checkpoint in the bundle is not loadable"
# its watchdog raised the alert the monitor could not, and removed the stale status file
wait_for 5 grep -q '"cids.message":"monitor died: the container goes on untraced' "$ALERTS" ||
	fail "no alert for the SIGKILLed monitor"
wait_for 5 test ! -e "$status" || fail "stale status file of the dead monitor"

log "monitor SIGKILLed with on_error deny: the container dies with it"
cids_config "$TMP/deny.json" '.mode = "learn" | .on_steady = "stay" | .on_error = "deny"'
name=$(cname "$RT")
bundle_jq "$B" ".hooks.$STAGE[0].args = [\"cids-hook\", \"--config\", \"$TMP/deny.json\"]"
runtime_cleanup "$RT" "$name"
(cd "$B" && exec timeout 40 "$RT" run "$name" </dev/null >"$TMP/out" 2>"$TMP/err") &
ctr=$!
on_exit "kill $ctr"
wait_for 10 bash -c "ls '$TMP/run/monitors/'*.json" || fail "no status file (deny)"
status=$(ls "$TMP/run/monitors/"*.json | head -1)
mon=$(jq -r .monitor_pid "$status")
kill -KILL "$mon"
set +e
wait $ctr
rc=$?
set -e
[ $rc -ne 0 ] || fail "on_error deny: the container went on without its monitor"
grep -qx finished "$TMP/out" && fail "on_error deny: the container finished untraced"
wait_for 5 grep -q '"cids.message":"monitor died: the container was killed' "$ALERTS" ||
	fail "no alert for the SIGKILLed monitor (deny)"
wait_for 5 test ! -e "$status" || fail "stale status file of the dead monitor (deny)"

log "ok"

