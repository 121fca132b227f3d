#!/usr/bin/env bash
# long
# eBPF backend (cidsd) with runc, containers registered by cids-hook (backend "ebpf"):
#  1. learn: a benign busybox workload reaches steady state; profile in the store and bundle
#  2. detect: the same workload again gives zero alerts
#  3. detect: workload + intrusion (unshare, mount) gives alerts naming the calls and processes
#  4. denied syscalls: a seccomp profile in the bundle denies unshare/mount (they never reach
#     sys_enter); the denied unshare still raises an alert
#  5. enforce/kill: the intruding process (nc, which would otherwise block in accept) is
#     SIGKILLed and the alert says "kill"
#  6. cidsd restarted while a container runs: the container is re-adopted, its intrusion seen
#  7. daemon not running: on_error allow starts the container untraced with an alert line;
#     on_error deny makes the start fail
# cidsd is started by the test (socket, run dir, store under $TMP) and stopped by pid.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ebpf_lib.sh"

need_root
need_cmd runc jq
why=$(ebpf_supported) || skip "$why"
ensure_tracefs

CFG=$TMP/config.json
# Learning sees whole runs before judging (on_steady stay); the detect and enforce runs choose
# their mode by annotation, as in hook_scenarios.sh.
cids_config "$CFG" '.backend = "ebpf" | .mode = "learn" | .on_steady = "stay"
	| .on_error = "allow" | .enforce.action = "kill" | .enforce.max_kills_per_minute = 10'
KEY=ebpf-runc-$$
ALERTS=$TMP/log/alerts.jsonl

# The workload of hook_scenarios.sh without its pipeline (two children of one shell make the
# SIGCHLD interleaving, and so the windows, timing-dependent), no command substitution,
# $1 iterations, then an optional intrusion.
WORK='
i=0
while [ $i -lt $1 ]; do
	ls / >/dev/null; cat /etc/passwd >/dev/null; grep root /etc/group >/dev/null
	i=$((i + 1))
done
case "$2" in
intrude)
	unshare -m true; echo "unshare rc=$?"
	mount -t tmpfs none /mnt; echo "mount rc=$?" ;;
intrude-late)
	sleep 3
	unshare -m true; echo "unshare rc=$?" ;;
intrude-kill)
	# listens (never seen while learning), then blocks in accept until killed
	nc -l -p 12345 >/dev/null
	echo "nc rc=$?" ;;
esac
echo workload-done
'

# run_ctr NAME MODE ITERATIONS [SCENARIO] [BUNDLE-SETUP-FUNCTION]: run to completion, output in
# $TMP/NAME.out, exit status in $TMP/NAME.rc, container id in $TMP/NAME.id.
run_ctr() {
	local name=$1 mode=$2 n=$3 scen=${4:-} setup=${5:-} b=$TMP/b-$1 cname rc=0
	rm -rf "$b"
	ebpf_bundle "$b" "$CFG" "$KEY" "$mode" /bin/sh /work.sh "$n" "$scen"
	printf '%s\n' "$WORK" >"$b/rootfs/work.sh"
	[ -n "$setup" ] && $setup "$b"
	cname=$(cname "$name")
	runtime_cleanup runc "$cname"
	timeout "${CTR_TIMEOUT:-60}" runc run --bundle "$b" "$cname" </dev/null >"$TMP/$name.out" 2>&1 || rc=$?
	echo "$rc" >"$TMP/$name.rc"
	echo "$cname" >"$TMP/$name.id"
	runc delete --force "$cname" >/dev/null 2>&1 || true
	# the daemon saves and forgets the container when its init's pidfd fires
	wait_for 10 bash -c "! ls '$TMP/run/monitors/'*.json >/dev/null 2>&1" ||
		trap_fail "cidsd still has a status file after the container ended"
}

# jq_any EXPR FILE: does any input of FILE pass EXPR? (jq 1.6's -e looks at the last input only)
jq_any() { [ -n "$(jq -c "$1" "$2" 2>/dev/null)" ]; }

alerts_of() { # alerts_of NAME: the anomaly alerts of that container
	local id
	id=$(cat "$TMP/$1.id")
	[ -f "$ALERTS" ] || return 0
	jq -c --arg id "$id" 'select(.output_fields["container.id"] == $id and .rule == "cids_anomalous_window")' "$ALERTS"
}

show_logs() {
	echo "--- cidsd log"; tail -30 "$TMP/cidsd.log"
	echo "--- alerts"; tail -5 "$ALERTS" 2>/dev/null
}
trap_fail() { show_logs; [ -n "${CIDS_KEEP_FAILED:-}" ] && cp -r "$TMP" "$CIDS_KEEP_FAILED"; fail "$@"; }

profile_steady() {
	"$CIDS_BUILD/cids" profile show --json "$1" >"$TMP/show.json" || return 1
	jq -e '[.databases[] | select(.algorithm == "stide" and .k == 4)][0].steady' "$TMP/show.json" >/dev/null
}

cidsd_start "$CFG"

# 1. learn: several runs of one key until steady.
steady=0
for run in 1 2 3 4 5 6; do
	log "learn run $run"
	run_ctr learn learn 300
	[ "$(cat "$TMP/learn.rc")" = 0 ] || { cat "$TMP/learn.out"; trap_fail "learn run $run failed"; }
	assert_grep workload-done "$TMP/learn.out"
	assert_file "$TMP/store/$KEY.profile"
	assert_file "$TMP/b-learn/cids.profile"
	[ -z "$(alerts_of learn)" ] || trap_fail "alerts while learning"
	if [ $run -ge 4 ] && profile_steady "$TMP/store/$KEY.profile"; then
		steady=1
		break
	fi
done
[ $steady -eq 1 ] || trap_fail "profile not steady after $run runs"
grep -q 'registered' "$TMP/cidsd.log" || trap_fail "cidsd did not register the container"

# A restart of the daemon keeps the learned profile (it lives in the store).
cidsd_stop
cidsd_start "$CFG"

# 2. benign again: detect from the first call (steady profile), zero alerts.
log "detect, benign"
kj0=$(cidsd_stat kernel_judged)
run_ctr benign detect 40
assert_grep workload-done "$TMP/benign.out"
n=$(alerts_of benign | wc -l)
[ "$n" -eq 0 ] || { alerts_of benign | head -3; trap_fail "$n alerts on the benign workload"; }
grep -q 'registered: .*, detect$' "$TMP/cidsd.log" || trap_fail "the container did not run in detect"
# judged in the kernel: windows learned from user-space events match the kernel's own windows
grep -q 'detection in the kernel (STIDE k=4' "$TMP/cidsd.log" || trap_fail "detection did not move into the kernel"
sleep 1.2 # cidsd.json is rewritten every second
kj=$(( $(cidsd_stat kernel_judged) - kj0 ))
log "benign run: $kj calls judged in the kernel"
[ "$kj" -gt 1000 ] || trap_fail "only $kj calls judged in the kernel"

# 3. intrusion in detect mode: alerts naming unshare / mount, the process and the window.
log "detect, intrusion"
run_ctr intr detect 20 intrude
assert_grep workload-done "$TMP/intr.out"
alerts_of intr >"$TMP/intr.alerts"
[ -s "$TMP/intr.alerts" ] || trap_fail "no alert for the intrusion"
jq_any 'select(.output_fields["evt.type"] == "unshare" or .output_fields["evt.type"] == "mount")' \
	"$TMP/intr.alerts" || { head -3 "$TMP/intr.alerts"; trap_fail "no alert names unshare/mount"; }
jq_any 'select(.output_fields["evt.type"] == "unshare" and .output_fields["proc.pid"] > 1
	and .output_fields["thread.tid"] > 1)' "$TMP/intr.alerts" ||
	{ head -3 "$TMP/intr.alerts"; trap_fail "no alert names the unshare process"; }
jq_any 'select((.output_fields["cids.window"] | length) == 4)' "$TMP/intr.alerts" ||
	trap_fail "alerts carry no window"

# 4. denied syscalls: seccomp in the bundle fails unshare and mount before sys_enter.
log "seccomp-denied intrusion"
deny_setup() { bundle_deny_syscalls "$1" unshare mount; }
run_ctr denied detect 20 intrude deny_setup
assert_grep workload-done "$TMP/denied.out"
grep -q 'unshare rc=0' "$TMP/denied.out" && trap_fail "unshare was not denied by the bundle's seccomp profile"
alerts_of denied >"$TMP/denied.alerts"
jq_any 'select(.output_fields["evt.type"] == "unshare")' "$TMP/denied.alerts" ||
	{ head -3 "$TMP/denied.alerts"; trap_fail "the seccomp-denied unshare raised no alert"; }

# 5. enforce/kill: the intruder (nc listening, then blocked in accept) is SIGKILLed; without
# the kill it would block until the 20 s timeout. The shell that started it may be killed
# next (printing "Killed" is not in its profile either), so the evidence is the timeout not
# being reached, the kill alert on nc's calls and, if the shell lived to say it, nc's status.
log "enforce, kill"
t0=$SECONDS
CTR_TIMEOUT=20 run_ctr kill enforce 20 intrude-kill
log "kill scenario: container ran $((SECONDS - t0)) s (status $(cat "$TMP/kill.rc"))"
[ "$(cat "$TMP/kill.rc")" != 124 ] || { cat "$TMP/kill.out"; trap_fail "nc was not killed: the container ran into its timeout"; }
if grep -q 'nc rc=' "$TMP/kill.out"; then
	grep -q 'nc rc=137' "$TMP/kill.out" || { cat "$TMP/kill.out"; trap_fail "nc ended without SIGKILL"; }
fi
alerts_of kill >"$TMP/kill.alerts"
jq_any 'select(.output_fields["cids.action"] == "kill" and (.output_fields["cids.window"]
	| any(. == "socket" or . == "bind" or . == "listen" or . == "accept" or . == "setsockopt")))' \
	"$TMP/kill.alerts" || { head -3 "$TMP/kill.alerts"; trap_fail "no kill alert for nc's calls"; }

# 6. cidsd restarts while a container runs: the new daemon re-adopts it (the registration is
# recorded under <run_dir>/cidsd) and still sees its intrusion.
log "cidsd restart, running container re-adopted"
bl=$TMP/b-late
ebpf_bundle "$bl" "$CFG" "$KEY" detect /bin/sh /work.sh 20 intrude-late
printf '%s\n' "$WORK" >"$bl/rootfs/work.sh"
late=$(cname late)
echo "$late" >"$TMP/late.id"
runtime_cleanup runc "$late"
(timeout 30 runc run --bundle "$bl" "$late" </dev/null >"$TMP/late.out" 2>&1; echo $? >"$TMP/late.rc") &
bg=$!
wait_for 10 bash -c "ls '$TMP/run/cidsd/'*.reg" || trap_fail "no registration record"
sleep 0.5
cidsd_stop
cidsd_start "$CFG"
# the socket exists from its bind(), before the new daemon has read its registration records
wait_for 10 grep -q "\"$late\" re-adopted" "$TMP/cidsd.log" || trap_fail "the running container was not re-adopted"
wait $bg
assert_grep workload-done "$TMP/late.out"
alerts_of late >"$TMP/late.alerts"
jq_any 'select(.output_fields["evt.type"] == "unshare")' "$TMP/late.alerts" ||
	{ head -3 "$TMP/late.alerts"; trap_fail "no alert for the intrusion after the restart"; }
wait_for 10 bash -c "! ls '$TMP/run/cidsd/'*.reg >/dev/null 2>&1" || trap_fail "registration record left"

# The daemon cleaned up after every container.
sleep 1.2
[ "$(cidsd_stat containers)" = 0 ] || trap_fail "cidsd still holds $(cidsd_stat containers) containers"
[ "$(cidsd_stat lost)" = 0 ] || log "note: $(cidsd_stat lost) events lost"

# 7. daemon not running.
log "daemon down, on_error allow / deny"
cidsd_stop
run_ctr down-allow learn 2
[ "$(cat "$TMP/down-allow.rc")" = 0 ] || { cat "$TMP/down-allow.out"; fail "on_error allow: container did not run"; }
assert_grep workload-done "$TMP/down-allow.out"
id=$(cat "$TMP/down-allow.id")
jq_any "select(.rule == \"cids_monitor\" and .output_fields[\"container.id\"] == \"$id\"
	and .output_fields[\"cids.action\"] == \"untraced\")" "$ALERTS" ||
	fail "on_error allow: no alert line for the untraced container"

jq '.on_error = "deny"' "$CFG" >"$CFG.new" && mv "$CFG.new" "$CFG"
run_ctr down-deny learn 2
[ "$(cat "$TMP/down-deny.rc")" != 0 ] || fail "on_error deny: the container started without cidsd"
grep -q workload-done "$TMP/down-deny.out" && fail "on_error deny: the workload ran"

log "PASS"
