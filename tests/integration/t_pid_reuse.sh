#!/usr/bin/env bash
# serial
# A stored pid is never signalled once it may name another process (pid_max is small; the suite
# starts thousands of processes). The seccomp backend's watchdog kept the container's init as a
# number and, when its monitor died under on_error deny, SIGKILLed that number; a restarted
# monitor took the number over with pidfd_open and adopted whatever held it. Here the container's
# init exits while its monitor is stopped (SIGSTOP: nobody watches), a decoy outside the
# container takes the init's pid (ns_last_pid set to pid - 1, then a fork), and the monitor is
# SIGKILLed so that its watchdog acts on the stored init:
#  1. limits.monitor_restarts 0, on_error deny: the watchdog's "killed" alert comes, its deny
#     path runs to its end, and the decoy lives (on main before the pidfd hand-over the watchdog
#     SIGKILLed it)
#  2. limits.monitor_restarts 1, on_error deny: the restarted monitor refuses the container ("the
#     container's init ... is gone", from the init's pidfd the first monitor took, handed over
#     with the listeners) instead of adopting the decoy as the container's init, no restarted
#     monitor is left running, and the decoy lives (on that main the new monitor pidfd_open'ed
#     the number and logged "taken over from a dead monitor")
# runc through cids-runtime, the seccomp user-notify backend.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RT=runc
need_root
need_cmd "$RT" jq busybox
for b in cids-hook cids-runtime cids-notify; do
	[ -x "$CIDS_BUILD/$b" ] || fail "build $CIDS_BUILD/$b first"
done
[ -w /proc/sys/kernel/ns_last_pid ] || skip "needs a writable /proc/sys/kernel/ns_last_pid"
ALERTS=$TMP/log/alerts.jsonl
MONLOG=$TMP/log/monitor.log

show() { echo "--- monitor log"; tail -30 "$MONLOG" || true; echo "--- alerts"; tail -5 "$ALERTS" 2>/dev/null || true; }
trap_fail() { show; fail "$@"; }
has_alert() { [ -n "$(jq -c "$1" "$ALERTS" 2>/dev/null)" ]; }
gone() { [ ! -e "/proc/$1" ]; }
# alive PID: a process that has not exited (a zombie counts as dead)
alive() { [ -e "/proc/$1/stat" ] && ! awk '{ exit !($3 == "Z" || $3 == "X") }' "/proc/$1/stat" 2>/dev/null; }

# make_decoy PID: a `sleep` of ours (outside every container) with exactly this pid, in $DECOY.
# The next fork takes ns_last_pid + 1 when it is free; something else may fork in between, so
# retry a few times.
make_decoy() {
	local want=$1 p
	DECOY=
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		gone "$want" || { sleep 0.1; continue; }
		echo $((want - 1)) >/proc/sys/kernel/ns_last_pid
		sleep 1000 >/dev/null 2>&1 &
		p=$!
		if [ "$p" = "$want" ]; then
			DECOY=$p
			return 0
		fi
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	return 1
}

# the cids-notify processes of this test (their --socket is under $TMP)
our_monitors() {
	local p
	for p in $(pgrep -x cids-notify); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | has -- "--socket $TMP/" && echo "$p"
	done
	return 0
}
no_monitors() { [ -z "$(our_monitors)" ]; }

# our child until waited for, so its number stays ours
kill_decoy() {
	[ -n "${DECOY:-}" ] || return 0
	kill -KILL "$DECOY" 2>/dev/null || true
	wait "$DECOY" 2>/dev/null || true
	DECOY=
}
on_exit kill_decoy

# scenario NAME RESTARTS
scenario() {
	local name=$1 restarts=$2 cfg=$TMP/config-$1.json b=$TMP/b-$1 cname mp ip wd i
	cids_config "$cfg" ".backend = \"seccomp\" | .mode = \"learn\" | .on_steady = \"stay\"
		| .on_error = \"deny\" | .limits.monitor_restarts = $restarts
		| .runtime.runtimes = [\"$RT\"]"
	rm -rf "$b"
	make_bundle "$b" /bin/sh -c 'while :; do sleep 1; done'
	bundle_jq "$b" ".annotations[\"io.cids.profile\"] = \"pidreuse-$name-$$\""
	cname=$(cname "$name")
	runtime_cleanup "$RT" "$cname"
	(
		CIDS_CONFIG=$cfg timeout -k 10 120 "$CIDS_BUILD/cids-runtime" run --bundle "$b" "$cname" \
			</dev/null >"$TMP/$name.out" 2>&1 || true
	) &
	echo $! >"$TMP/$name.bg"
	wait_for 20 test -s "$TMP/run/monitors/$cname.json" || trap_fail "$name: no status file"
	mp=$(jq -r .monitor_pid "$TMP/run/monitors/$cname.json")
	[ "$(cat "/proc/$mp/comm")" = cids-notify ] || trap_fail "$name: pid $mp is not the monitor"
	# a stopped monitor must not outlive a failed test (by name: the number may be reused)
	on_exit "[ \"\$(cat /proc/$mp/comm)\" = cids-notify ] && kill -KILL $mp"
	# (the listener reaches the monitor before runc has saved the container's state: "container
	# does not exist" failed the assignment below once, under set -e, with no FAIL line)
	wait_for 20 "$RT" state "$cname" || trap_fail "$name: $RT does not know the container"
	ip=$("$RT" state "$cname" | jq -r .pid)
	[ "$ip" -gt 1 ] || trap_fail "$name: no init pid"
	wd=
	for i in $(ps -o pid= --ppid "$mp"); do
		[ "$(cat "/proc/$i/comm" 2>/dev/null)" = cids-watchdog ] && wd=$i
	done
	[ -n "$wd" ] || trap_fail "$name: the monitor has no watchdog"
	log "$name: monitor $mp, watchdog $wd, container init $ip"

	# nobody watches: the init ends and is reaped (by runc run, its parent)
	kill -STOP "$mp"
	kill -KILL "$ip"
	wait_for 20 gone "$ip" || trap_fail "$name: the init $ip was not reaped"
	make_decoy "$ip" || trap_fail "$name: no decoy got pid $ip (something else kept forking)"
	log "$name: decoy $DECOY holds the dead init's pid"

	kill -KILL "$mp"
	if [ "$restarts" = 0 ]; then
		wait_for 20 has_alert "select(.rule == \"cids_monitor\" and .output_fields[\"container.id\"] == \"$cname\"
			and .output_fields[\"cids.action\"] == \"killed\")" || trap_fail "$name: no \"killed\" alert"
	else
		wait_for 40 grep -q "Container \"$cname\": \(cannot take it over\|taken over\)" "$MONLOG" ||
			trap_fail "$name: the restarted monitor said nothing"
		grep -q "Container \"$cname\": taken over from a dead monitor" "$MONLOG" &&
			trap_fail "$name: the restarted monitor adopted the decoy $DECOY as the container's init"
		grep -q "Container \"$cname\": cannot take it over: the container's init $ip is gone" "$MONLOG" ||
			trap_fail "$name: the restarted monitor refused for another reason"
	fi
	# the watchdog's deny path (kill the init, then whatever waits in a notification) is over
	wait_for 30 gone "$wd" || trap_fail "$name: the watchdog $wd did not finish"
	sleep 0.5
	alive "$DECOY" || trap_fail "$name: the decoy $DECOY (the dead init's pid, outside the container) was killed"
	[ "$(cat "/proc/$DECOY/comm")" = sleep ] || trap_fail "$name: pid $DECOY is no longer the decoy"
	# no monitor is left serving the container (one that adopted the decoy would wait for it)
	wait_for 20 no_monitors || trap_fail "$name: a monitor of this test still runs: $(our_monitors)"
	wait "$(cat "$TMP/$name.bg")" || true
	log "$name: the decoy lived"
	kill_decoy

}

scenario deny 0
scenario restart 1
log "PASS"
