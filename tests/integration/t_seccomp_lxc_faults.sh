#!/usr/bin/env bash
# The seccomp backend on LXC when things go wrong (issue #15 follow-up):
# 1. two containers of one name under two lxcpaths run at once, each on its own proxy socket
#    (`cids-hook --lxc-proxy`: keyed on the container's directory); the first one's end leaves
#    the second's socket in place;
# 2. on_error allow: the second's cids-notify is SIGKILLed; LXC's monitor reconnects to the
#    socket, which the watchdog still holds, and every call goes through: the workload keeps
#    running (a counter it writes keeps growing, `ls` and `mkdir` succeed) and an alert says so;
# 3. on_error deny: the monitor SIGKILLed, the container is stopped, alert "killed";
# 4. a stale socket file (bound, nobody listening) is replaced; a symlink planted at the socket
#    path is refused (deny: the start fails) and left alone, nothing created at its target;
# 5. no session (the profile in the store is corrupt): on_error allow runs the workload to its
#    end unobserved, deny refuses the start;
# 6. the container's own lxc.seccomp.profile (denying mkdir with EACCES): replaced by cids's
#    unmerged policy, the start is refused with what to do; merged (`--lxc-seccomp-policy=OWN`), its mkdir
#    fails with EACCES as without cids, and is seen (learned in the profile);
# 7. cids-notify cannot start (a cids-hook with no cids-notify beside it): on_error allow
#    serves the proxy from cids-hook itself, every call let through (the workload runs to its
#    end, alert untraced); deny refuses the start.
# It fails on the code before this change: the same name shared one socket, a dead monitor left
# LXC answering ENOSYS (the loop died), and a session error under allow hung the start.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engine_lib.sh"
need_root
need_cmd lxc-create lxc-start lxc-stop lxc-destroy lxc-attach lxc-info jq busybox python3
[ -x "$CIDS_BUILD/cids-hook" ] && [ -x "$CIDS_BUILD/cids-notify" ] && [ -x "$CIDS_BUILD/cids" ] ||
	fail "build cids-hook, cids-notify and cids first"

allow_cfg=$TMP/allow.json deny_cfg=$TMP/deny.json
common='.backend = "seccomp" | .on_steady = "stay" | .mode = "learn" | .limits.hook_timeout_s = 20'
cids_config "$allow_cfg" "$common | .on_error = \"allow\""
cids_config "$deny_cfg" "$common | .on_error = \"deny\""
run_dir=$(jq -r .run_dir "$allow_cfg")
alerts=$TMP/log/alerts.jsonl
sed "s|@BINDIR@|$CIDS_BUILD|g" "$CIDS_SRC/packaging/cids-lxc.conf.in" >"$TMP/cids-lxc.conf"
"$CIDS_BUILD/cids-hook" --lxc-seccomp-policy >"$TMP/cids-seccomp.policy" || fail "--lxc-seccomp-policy"
printf 'lxc.net.0.type = empty\n' >"$TMP/create.conf"

# The workload: count for ever (or $1 rounds), each round an ls, a write and a sleep.
loop='#!/bin/sh
i=0
while [ -z "$1" ] || [ "$i" -lt "$1" ]; do
	ls /etc >/dev/null && i=$((i + 1)) && echo "$i" >/count
	sleep 0.1
done
echo "loop: $i rounds done"
'

n=$(cname lxcf)
L1=$TMP/lxc1 L2=$TMP/lxc2
bg_pids=()
mkct() { # mkct LXCPATH: the container $n there, with the cids lines
	local L=$1
	mkdir -p "$L"
	on_exit "lxc-stop -P '$L' -n '$n' -k; lxc-destroy -P '$L' -n '$n' -f; lxc_cgroups_remove '$n'"
	lxc-create -P "$L" -n "$n" -t busybox -f "$TMP/create.conf" >"$TMP/create.log" 2>&1 ||
		{ cat "$TMP/create.log"; fail "lxc-create $L/$n"; }
	printf '%s' "$loop" >"$L/$n/rootfs/bin/cids-loop"
	printf '#!/bin/sh\nmkdir /merged-x\necho "mkdir exit status $?"\n' >"$L/$n/rootfs/bin/cids-mk"
	chmod 0755 "$L/$n/rootfs/bin/cids-loop" "$L/$n/rootfs/bin/cids-mk"
	{
		echo "lxc.console.path = none"
		echo "lxc.include = $TMP/cids-lxc.conf"
		echo "lxc.seccomp.profile = $TMP/cids-seccomp.policy"
		"$CIDS_BUILD/cids-hook" --config "$allow_cfg" --lxc-proxy "$L/$n/config"
	} >>"$L/$n/config"
}
sock_of() { sed -n 's|^lxc.seccomp.notify.proxy = unix:||p' "$1/$n/config"; }
# start_bg LXCPATH CONFIG OUT [ARGS]: lxc-start -F in the background (not -d: README)
start_bg() {
	local L=$1 cfg=$2 out=$3; shift 3
	CIDS_CONFIG=$cfg timeout -k 5 120 lxc-start -P "$L" -n "$n" -F -o "$TMP/lxc-$(basename "$L").log" \
		-l INFO -- /bin/cids-loop "$@" >"$out" 2>&1 &
	bg_pids+=($!)
}
count() { cat "$1/$n/rootfs/count" 2>/dev/null || echo 0; }
count_gt() { [ "$(count "$1")" -gt "$2" ]; }
counting() { # counting LXCPATH: the counter moves
	local c0
	c0=$(count "$1")
	wait_for 10 count_gt "$1" "$((c0 + 3))"
}
# the monitor (not its watchdog, a fork of the same command line) serving socket $1
monitor_of() {
	local p
	for p in $(pgrep -f -- "--socket $1"); do
		if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = cids-notify ]; then echo "$p"; fi
	done
}
no_server() { ! pgrep -f -- "--socket $1" >/dev/null; } # neither monitor nor watchdog on $1
no_server_file() { [ ! -e "$1" ]; }
stop_ct() { lxc-stop -P "$1" -n "$n" -k >/dev/null 2>&1 || true; }
state() { lxc-info -P "$1" -n "$n" -s -H 2>/dev/null || echo gone; }
on_exit 'for p in "${bg_pids[@]}"; do kill $p; done'

mkct "$L1"
mkct "$L2"
s1=$(sock_of "$L1") s2=$(sock_of "$L2")
[ -n "$s1" ] && [ -n "$s2" ] || fail "--lxc-proxy printed no socket"
[ "$s1" != "$s2" ] || fail "one name under two lxcpaths: one socket ($s1)"
log "1. same name \"$n\" under $L1 and $L2: $s1 and $s2"

start_bg "$L1" "$deny_cfg" "$TMP/c1.out"
start_bg "$L2" "$allow_cfg" "$TMP/c2.out"
wait_for 20 test -S "$s1" && wait_for 20 test -S "$s2" || fail "no sockets"
counting "$L1" || { cat "$TMP/c1.out"; grep -a -E "ERROR|WARN" "$TMP/lxc-lxc1.log" | tail -5; ls "$L1/$n/rootfs"; state "$L1"; fail "container 1 does not run"; }
counting "$L2" || { cat "$TMP/c2.out"; tail "$TMP/log/monitor.log"; fail "container 2 does not run"; }
[ "$(grep -c "Container \"$n\": registered" "$TMP/log/monitor.log")" -ge 2 ] || fail "not both registered"
m1=$(monitor_of "$s1") m2=$(monitor_of "$s2")
[ -n "$m1" ] && [ -n "$m2" ] && [ "$m1" != "$m2" ] || fail "monitors: \"$m1\" \"$m2\""
stop_ct "$L1"
wait_for 15 bash -c "! kill -0 $m1" || fail "container 1's monitor did not end"
[ -S "$s2" ] || fail "container 1's end removed container 2's socket"
counting "$L2" || fail "container 2 stopped with container 1"

log "2. on_error allow: container 2's monitor $m2 SIGKILLed"
kill -KILL "$m2"
wait_for 10 bash -c "! kill -0 $m2" || fail "monitor $m2 did not die"
counting "$L2" || { cat "$TMP/c2.out"; grep -a ERROR "$TMP/lxc-lxc2.log" | tail -5; fail "allow: the container stopped counting after its monitor died"; }
timeout -k 5 30 lxc-attach -P "$L2" -n "$n" -- /bin/mkdir /after-death ||
	fail "allow: lxc-attach mkdir failed after the monitor died"
[ -d "$L2/$n/rootfs/after-death" ] || fail "allow: /after-death not made"
[ "$(state "$L2")" = RUNNING ] || fail "allow: container 2 is $(state "$L2")"
jq -e --arg n "$n" 'select(.rule == "cids_monitor" and .output_fields["container.id"] == $n
	and .output_fields["cids.action"] == "untraced")' "$alerts" >/dev/null ||
	{ tail -3 "$alerts"; fail "allow: no untraced alert"; }
grep -a "No seccomp proxy registered" "$TMP/lxc-lxc2.log" | head -2 || true
stop_ct "$L2"
wait_for 15 no_server "$s2" || fail "the watchdog outlived container 2"
log "   the workload ran on (count $(count "$L2")), lxc-attach mkdir worked, alert untraced"

log "3. on_error deny: container 1 again, its monitor SIGKILLed"
start_bg "$L1" "$deny_cfg" "$TMP/c1b.out"
has_monitor() { [ -n "$(monitor_of "$1")" ]; }
wait_for 20 has_monitor "$s1" || fail "no monitor for container 1"
counting "$L1" || fail "container 1 does not run"
m1=$(monitor_of "$s1")
kill -KILL "$m1"
wait_for 20 bash -c "[ \"\$(lxc-info -P '$L1' -n '$n' -s -H)\" = STOPPED ]" ||
	fail "deny: container 1 is $(state "$L1") after its monitor died"
jq -e --arg n "$n" 'select(.rule == "cids_monitor" and .output_fields["container.id"] == $n
	and .output_fields["cids.action"] == "killed")' "$alerts" >/dev/null ||
	{ tail -3 "$alerts"; fail "deny: no killed alert"; }
wait_for 15 no_server "$s1" || fail "the watchdog outlived container 1"
log "   stopped, alert killed"

log "4. a stale socket is replaced, a planted symlink refused"
# (the dead monitor of step 3 left its socket file behind; else make one nobody listens on)
[ -S "$s1" ] || python3 -c "import socket,sys; socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET).bind(sys.argv[1])" "$s1"
[ -S "$s1" ] || fail "no stale socket made"
CIDS_CONFIG=$deny_cfg timeout -k 5 60 lxc-start -P "$L1" -n "$n" -F -- /bin/cids-loop 5 >"$TMP/c1c.out" 2>&1 ||
	{ cat "$TMP/c1c.out"; tail -5 "$TMP/log/monitor.log"; fail "start over a stale socket"; }
grep -q "loop: 5 rounds done" "$TMP/c1c.out" || { cat "$TMP/c1c.out"; fail "workload over a stale socket"; }
grep -q "Removing the stale socket \"$s1\"" "$TMP/log/monitor.log" || fail "the stale socket was not the one replaced"
wait_monitors "$TMP/run"
mkdir -p "$TMP/elsewhere"
ln -s "$TMP/elsewhere/planted.sock" "$s1"
rc=0
CIDS_CONFIG=$deny_cfg timeout -k 5 60 lxc-start -P "$L1" -n "$n" -F -- /bin/cids-loop 5 >"$TMP/c1d.out" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "deny: started over a planted symlink"
[ -L "$s1" ] || fail "the planted symlink was removed"
[ ! -e "$TMP/elsewhere/planted.sock" ] || fail "a socket was made at the symlink's target"
grep -q "not cids's socket" "$TMP/log/monitor.log" || { tail -5 "$TMP/log/monitor.log"; fail "no reason logged"; }
rm -f "$s1"
log "   stale socket replaced; symlink refused (exit $rc), left alone"

log "5. no session (corrupt profile): allow runs unobserved, deny refuses"
echo "not a profile" >"$TMP/store/$n.profile"
CIDS_CONFIG=$allow_cfg timeout -k 5 60 lxc-start -P "$L1" -n "$n" -F -- /bin/cids-loop 5 >"$TMP/c1e.out" 2>&1 ||
	{ cat "$TMP/c1e.out"; tail -5 "$TMP/log/monitor.log"; fail "allow: no session, the start failed"; }
grep -q "loop: 5 rounds done" "$TMP/c1e.out" || { cat "$TMP/c1e.out"; fail "allow: no session, the workload did not finish"; }
grep -q "Container \"$n\": no session; its calls go through unobserved" "$TMP/log/monitor.log" ||
	fail "allow: the monitor did not pass the calls through"
wait_monitors "$TMP/run"
rc=0
CIDS_CONFIG=$deny_cfg timeout -k 5 60 lxc-start -P "$L1" -n "$n" -F -- /bin/cids-loop 5 >"$TMP/c1f.out" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "deny: no session, yet the container ran"
grep -q "loop: 5 rounds done" "$TMP/c1f.out" && fail "deny: no session, yet the workload ran"
wait_monitors "$TMP/run"
rm -f "$TMP/store/$n.profile"
log "   allow ran the workload, deny refused the start (exit $rc)"

log "6. the container's own policy: refused when replaced, kept and seen when merged"
printf '2\ndenylist\nmkdir errno 13\n' >"$TMP/own.policy"
sed -i "s|^lxc.seccomp.profile = .*|lxc.seccomp.profile = $TMP/own.policy\nlxc.seccomp.profile = $TMP/cids-seccomp.policy|" "$L1/$n/config"
rc=0
CIDS_CONFIG=$allow_cfg timeout -k 5 60 lxc-start -P "$L1" -n "$n" -F -- /bin/cids-mk >"$TMP/c1g.out" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || { cat "$TMP/c1g.out"; fail "cids's policy replaced the container's own, yet it started"; }
# the reason, in the refusal alert (and in LXC's log at DEBUG)
jq -r --arg n "$n" 'select(.rule == "cids_monitor" and .output_fields["container.id"] == $n
	and .output_fields["cids.action"] == "refused") | .output' "$alerts" | tail -1 |
	grep "is replaced by cids's" | has -- "--lxc-seccomp-policy=$TMP/own.policy" ||
	{ tail -2 "$alerts"; fail "no refusal saying to merge"; }
"$CIDS_BUILD/cids-hook" --lxc-seccomp-policy="$TMP/own.policy" >"$TMP/merged.policy" ||
	fail "--lxc-seccomp-policy=OWN"
grep -qx 'mkdir notify' "$TMP/merged.policy" || fail "the merged policy does not notify mkdir"
grep -qx '# cids-denied 83:13' "$TMP/merged.policy" || { head -5 "$TMP/merged.policy"; fail "no denied table"; }
sed -i "s|^lxc.seccomp.profile = $TMP/cids-seccomp.policy|lxc.seccomp.profile = $TMP/merged.policy|" "$L1/$n/config"
rm -f "$TMP/store/$n.profile" "$L1/$n/cids.profile" # mkdir can only be learned from this run
CIDS_CONFIG=$allow_cfg timeout -k 5 60 lxc-start -P "$L1" -n "$n" -F -- /bin/cids-mk >"$TMP/c1h.out" 2>&1 ||
	{ cat "$TMP/c1h.out"; tail -5 "$TMP/log/monitor.log"; fail "the merged policy did not start"; }
wait_monitors "$TMP/run"
cat "$TMP/c1h.out"
grep -q "Permission denied" "$TMP/c1h.out" || fail "the container's own mkdir denial (EACCES) was lost"
grep -q "mkdir exit status 1" "$TMP/c1h.out" || fail "mkdir did not fail"
[ ! -e "$L1/$n/rootfs/merged-x" ] || fail "/merged-x exists: the container's own policy was not in force"
"$CIDS_BUILD/cids" profile show --json --top 0 "$TMP/store/$n.profile" >"$TMP/show.json" &&
	grep -q '"mkdir"' "$TMP/show.json" ||
	{ tail -5 "$TMP/log/monitor.log"; "$CIDS_BUILD/cids" profile show "$TMP/store/$n.profile" | head; fail "the denied mkdir was not seen (not in the learned profile)"; }
log "   replaced: refused; merged: mkdir EACCES as before, learned"

log "7. cids-notify cannot start: allow runs unobserved, deny refuses"
mkdir -p "$TMP/lonely"
cp "$CIDS_BUILD/cids-hook" "$TMP/lonely/cids-hook"
echo "lxc.hook.start-host = $TMP/lonely/cids-hook" >"$TMP/cids-lxc-lonely.conf"
sed -i "s|^lxc.include = $TMP/cids-lxc.conf|lxc.include = $TMP/cids-lxc-lonely.conf|" "$L1/$n/config"
CIDS_CONFIG=$allow_cfg timeout -k 5 60 lxc-start -P "$L1" -n "$n" -F -- /bin/cids-loop 5 >"$TMP/c1i.out" 2>&1 ||
	{ cat "$TMP/c1i.out"; fail "allow: no cids-notify, the start failed"; }
grep -q "loop: 5 rounds done" "$TMP/c1i.out" || { cat "$TMP/c1i.out"; fail "allow: no cids-notify, the workload did not finish"; }
jq -e --arg n "$n" 'select(.rule == "cids_monitor" and .output_fields["container.id"] == $n
	and .output_fields["cids.action"] == "untraced") | select(.output | test("cids-notify"))' "$alerts" >/dev/null ||
	{ tail -2 "$alerts"; fail "allow: no untraced alert naming cids-notify"; }
wait_for 15 no_server_file "$s1" || fail "the pass-through outlived the container (its socket is still there)"
rc=0
CIDS_CONFIG=$deny_cfg timeout -k 5 60 lxc-start -P "$L1" -n "$n" -F -- /bin/cids-loop 5 >"$TMP/c1j.out" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "deny: no cids-notify, yet the container ran"
grep -q "loop: 5 rounds done" "$TMP/c1j.out" && fail "deny: no cids-notify, yet the workload ran"
log "   allow ran the workload through cids-hook's pass-through, deny refused (exit $rc)"
log "ok"
