#!/usr/bin/env bash
# LXC through lxc.hook.start-host (the shipped one-line include): learn a busybox container to
# steady state (hook version 0), then enforce (hook version 1) and kill an intrusion; the
# profile lands beside the container's config and in the store. cids-hook as lxc.hook.start
# (inside the container) refuses and the container does not start.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engine_lib.sh"
need_root
need_cmd lxc-create lxc-start lxc-stop lxc-destroy jq busybox
[ -x "$CIDS_BUILD/cids-hook" ] && [ -x "$CIDS_BUILD/cids" ] || fail "build cids-hook and cids first"

L=$TMP/lxc
mkdir -p "$L"
learn_cfg=$TMP/learn.json enforce_cfg=$TMP/enforce.json
common='.on_steady = "stay" | .on_error = "deny" | .limits.hook_timeout_s = 20'
cids_config "$learn_cfg" "$common | .mode = \"learn\""
cids_config "$enforce_cfg" "$common | .mode = \"enforce\" | .enforce.action = \"kill\""
sed "s|@BINDIR@|$CIDS_BUILD|g" "$CIDS_SRC/packaging/cids-lxc.conf.in" >"$TMP/cids-lxc.conf"
printf 'lxc.net.0.type = empty\n' >"$TMP/create.conf"

# new_container NAME: a busybox container on our lxcpath with the workload, no network, no console
new_container() {
	local n=$1
	on_exit "lxc-stop -P '$L' -n '$n' -k; lxc-destroy -P '$L' -n '$n' -f; lxc_cgroups_remove '$n'"
	lxc-create -P "$L" -n "$n" -t busybox -f "$TMP/create.conf" >"$TMP/create-$n.log" 2>&1 ||
		{ cat "$TMP/create-$n.log"; fail "lxc-create $n"; }
	workload_install "$L/$n/rootfs"
	echo "lxc.console.path = none" >>"$L/$n/config"
}

# start NAME CONFIG ARGS...: lxc-start in the foreground running cids-work ARGS as init.
# CIDS_CONFIG reaches the hook through lxc-start's environment.
start() {
	local n=$1 cfg=$2; shift 2
	CIDS_CONFIG=$cfg timeout -k 5 60 lxc-start -P "$L" -n "$n" -F -l DEBUG -o "$TMP/lxc-$n.log" \
		-- /usr/bin/cids-work "$@"
}

n=$(cname lxc)
new_container "$n"
echo "lxc.include = $TMP/cids-lxc.conf" >>"$L/$n/config"
grep -q '^lxc.hook.version' "$L/$n/config" && fail "expected the default hook version 0"

log "learning $n (lxc.hook.start-host, hook version 0)"
steady=0
for run in 1 2 3 4 5 6; do
	start "$n" "$learn_cfg" 30 >"$TMP/run$run.out" 2>&1 ||
		{ cat "$TMP/run$run.out"; grep -a 'Script\|ERROR' "$TMP/lxc-$n.log" | tail; fail "learning run $run"; }
	wait_monitors "$TMP/run"
	assert_file "$TMP/store/$n.profile"
	log "run $run: stide k=4 has $(profile_entries "$TMP/store/$n.profile") windows"
	# at least two runs: the second container must continue the first one's profile
	if [ $run -ge 2 ] && profile_steady "$TMP/store/$n.profile"; then steady=$run; break; fi
done
[ $steady -gt 0 ] || { "$CIDS_BUILD/cids" profile show "$TMP/store/$n.profile"; fail "not steady after 6 runs"; }
[ "$(profile_sessions "$TMP/store/$n.profile")" = "$steady" ] ||
	fail "profile has $(profile_sessions "$TMP/store/$n.profile") sessions after $steady runs: not continued"
log "steady after $steady run(s)"
# the copy beside the container's config (LXC keeps no OCI bundle)
assert_file "$L/$n/cids.profile"
profile_steady "$L/$n/cids.profile" || fail "the copy beside the config is not the learned profile"
[ "$(anomaly_count "$TMP/log/alerts.jsonl" "$n")" -eq 0 ] || fail "alerts while learning"

log "enforce (hook version 1): the normal workload runs clean"
echo "lxc.hook.version = 1" >>"$L/$n/config"
start "$n" "$enforce_cfg" 10 >"$TMP/normal.out" 2>&1 || { cat "$TMP/normal.out"; fail "enforce run of the normal workload"; }
wait_monitors "$TMP/run"
[ "$(anomaly_count "$TMP/log/alerts.jsonl" "$n")" -eq 0 ] || { tail -3 "$TMP/log/alerts.jsonl"; fail "false alarm"; }
grep -q "workload: 10 rounds, last command exit status 0" "$TMP/normal.out" || { cat "$TMP/normal.out"; fail "normal workload did not finish"; }

log "enforce: the intrusion is killed"
touch "$L/$n/rootfs/cids-intrude"
start "$n" "$enforce_cfg" 10 >"$TMP/intrude.out" 2>&1 || true
rm -f "$L/$n/rootfs/cids-intrude"
cat "$TMP/intrude.out"
wait_monitors "$TMP/run"
[ "$(anomaly_count "$TMP/log/alerts.jsonl" "$n")" -gt 0 ] || { tail "$TMP/log/monitor.log"; fail "no alert"; }
alert_match "$TMP/log/alerts.jsonl" "$n" '."proc.name" == "nc" and ."cids.action" == "kill"' ||
	{ tail -3 "$TMP/log/alerts.jsonl"; fail "no kill alert for nc"; }
# nc died by SIGKILL before it could try to connect (the shell that waited for it may be flagged
# and killed too: it never saw a child killed while learning)
grep -q "can't connect" "$TMP/intrude.out" && fail "nc got as far as connect()"
grep -q 'workload: 10 rounds, last command exit status 0' "$TMP/intrude.out" && fail "nc exited normally"

log "enforce: a process joining through lxc-attach is traced and killed"
before=$(anomaly_count "$TMP/log/alerts.jsonl" "$n")
CIDS_CONFIG=$enforce_cfg lxc-start -P "$L" -n "$n" -d -l DEBUG -o "$TMP/lxc-$n-d.log" -- /usr/bin/cids-work 300 ||
	fail "lxc-start -d"
wait_for 10 compgen -G "$TMP/run/monitors/*.json" || fail "no monitor for the detached container"
init=$(lxc-info -P "$L" -n "$n" -p -H)
# One process, no children: it waits a second on a silent pipe (read -t polls, no fork), long
# enough for the joiner scan, then execs nc. A joiner with children (sh -c 'sleep 1; nc') leaves
# an orphan when it is killed; the container's init (here a shell) reaps it, a wait4 pattern it
# never learned, and under the paper model that kills the container (see README, LXC notes).
rc=0
sleep 5 | timeout -k 5 30 lxc-attach -P "$L" -n "$n" -- /bin/sh -c \
	'read -t 1 x; exec /bin/nc -w 1 127.0.0.1 9 </dev/null' >"$TMP/attach.out" 2>&1 || rc=$?
# A one-call joiner: the monitor stops it at its exec (hook/joiner.bpf.c) and judges its first
# call, so the directory is never made (the 200 ms scan alone let it run).
rc1=0
timeout -k 5 30 lxc-attach -P "$L" -n "$n" -- /bin/mkdir /pwned >"$TMP/attach1.out" 2>&1 || rc1=$?
[ -e "$L/$n/rootfs/pwned" ] && fail "a one-call lxc-attach (mkdir /pwned) made the directory"
[ "$rc1" -ne 0 ] || fail "the one-call lxc-attach exited 0"
still=$(lxc-info -P "$L" -n "$n" -s -H)
lxc-stop -P "$L" -n "$n" -k >/dev/null 2>&1 || true
wait_monitors "$TMP/run"
cat "$TMP/attach.out"; jq -c "select(.output_fields[\"proc.pid\"] != $init) | .output" "$TMP/log/alerts.jsonl" | tail -2
[ "$rc" -ne 0 ] || fail "the attached intrusion ran to the end (exit 0)"
grep -q "can't connect" "$TMP/attach.out" && fail "the attached nc got as far as connect()"
alert_match "$TMP/log/alerts.jsonl" "$n" ".\"cids.action\" == \"kill\" and .\"proc.pid\" != $init" ||
	{ tail -3 "$TMP/log/alerts.jsonl"; fail "no kill alert for the attached process"; }
[ "$still" = RUNNING ] || fail "the container's own workload did not survive the attach (state $still)"
log "lxc-attach: $(($(anomaly_count "$TMP/log/alerts.jsonl" "$n") - before)) alert(s), exit status $rc; mkdir /pwned: exit status $rc1, not made"

log "lxc.hook.start (inside the container) is refused"
m=$(cname lxc-in)
new_container "$m"
{
	echo "lxc.mount.entry = $CIDS_BUILD/cids-hook usr/local/bin/cids-hook none ro,bind,create=file 0 0"
	echo "lxc.hook.start = /usr/local/bin/cids-hook"
} >>"$L/$m/config"
rc=0
# no CIDS_CONFIG: the host's path would not exist inside the container anyway
timeout -k 5 60 lxc-start -P "$L" -n "$m" -F -l DEBUG -o "$TMP/lxc-$m.log" -- /usr/bin/cids-work 3 >"$TMP/in.out" 2>&1 || rc=$?
[ $rc -ne 0 ] || fail "the container started with cids-hook as lxc.hook.start"
grep -a 'produced output' "$TMP/lxc-$m.log" | has 'lxc.hook.start-host' ||
	{ grep -a 'Script\|hook' "$TMP/lxc-$m.log" | tail; fail "the refusal does not name lxc.hook.start-host"; }
grep -a 'produced output' "$TMP/lxc-$m.log" | has 'tenant' || fail "the refusal does not say why"
grep -q 'workload:' "$TMP/in.out" && fail "the workload ran"
assert_no_file "$TMP/store/$m.profile"
log "ok"
