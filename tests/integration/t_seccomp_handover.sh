#!/usr/bin/env bash
# long
# A failed hand-over to a restarted seccomp monitor is undone whole (review finding 5a). When the
# new monitor does not say "OK" in time, the old watchdog gives up and applies on_error with its
# own copies of the listeners. The new monitor has by then started a watchdog of its own, which
# holds copies of the same listeners; killing only the new monitor's pid left that watchdog to
# see its monitor die and apply on_error too (or restart another monitor): two servers of one
# listener, two "monitor died" alerts.
# Here strace holds the new monitor in its hardening (capset, after its watchdog is forked and
# the container adopted, before "OK") longer than the hand-over's 15 s: with on_error allow and one
# restart, after the time-out exactly one process of this test serves the listeners (the old
# watchdog), exactly one "untraced" alert is raised, and the container still runs to its end.
# Before the new monitor ran in its own process group, killed whole, the new monitor's watchdog
# survived and raised a second "untraced" alert.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RT=runc
need_root
need_cmd "$RT" jq busybox strace
for b in cids-hook cids-runtime cids-notify; do
	[ -x "$CIDS_BUILD/$b" ] || fail "build $CIDS_BUILD/$b first"
done
ALERTS=$TMP/log/alerts.jsonl
MONLOG=$TMP/log/monitor.log
CFG=$TMP/config.json
cids_config "$CFG" ".backend = \"seccomp\" | .mode = \"learn\" | .on_steady = \"stay\"
	| .on_error = \"allow\" | .limits.monitor_restarts = 1 | .runtime.runtimes = [\"$RT\"]"
export CIDS_CONFIG=$CFG

show() { echo "--- monitor log"; tail -30 "$MONLOG" || true; echo "--- alerts"; tail -5 "$ALERTS" 2>/dev/null || true; }
trap_fail() { show; fail "$@"; }
# ours COMM: processes of that name started for this test (their argv names a socket under $TMP)
ours() {
	local p
	for p in $(pgrep -x "$1"); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | has -- "--socket $TMP/" && echo "$p"
	done
	return 0
}
untraced_alerts() {
	[ -f "$ALERTS" ] || { echo 0; return; }
	jq -c "select(.rule == \"cids_monitor\" and .output_fields[\"container.id\"] == \"$CNAME\"
		and .output_fields[\"cids.action\"] == \"untraced\")" "$ALERTS" | wc -l
}

B=$TMP/bundle
make_bundle "$B" /bin/sh -c 'i=0; while [ $i -lt 45 ]; do sleep 1; i=$((i + 1)); done; echo workload-done'
bundle_jq "$B" ".annotations[\"io.cids.profile\"] = \"handover-$$\""
CNAME=$(cname handover)
runtime_cleanup "$RT" "$CNAME"
(
	rc=0
	timeout -k 10 150 "$CIDS_BUILD/cids-runtime" run --bundle "$B" "$CNAME" </dev/null >"$TMP/out" 2>&1 || rc=$?
	echo "$rc" >"$TMP/rc"
) &
BG=$!
wait_for 20 test -s "$TMP/run/monitors/$CNAME.json" || trap_fail "no status file"
mp=$(jq -r .monitor_pid "$TMP/run/monitors/$CNAME.json")
[ "$(cat "/proc/$mp/comm")" = cids-notify ] || trap_fail "pid $mp is not the monitor"
wd=$(ours cids-watchdog)
[ "$(echo "$wd" | wc -w)" = 1 ] || trap_fail "not one watchdog: $wd"
log "monitor $mp, watchdog $wd"

# every capset of the watchdog's children waits 20 s: the new monitor's hardening (its only
# capset) comes after its own watchdog's fork and the adoption, before its "OK"
strace -f -qq -p "$wd" -e trace=capset -e inject=capset:delay_enter=20000000 -o "$TMP/strace" &
SPID=$!
# strace is our child: killed (if still there) before it is waited for, never by a stale number
stop_strace() {
	[ -n "${SPID:-}" ] || return 0
	kill "$SPID" 2>/dev/null || true
	wait "$SPID" 2>/dev/null || true
	SPID=
}
on_exit stop_strace
sleep 1
kill -KILL "$mp"
wait_for 40 bash -c "[ \"\$(jq -r '.output_fields[\"cids.action\"]' '$ALERTS' 2>/dev/null | grep -c untraced)\" -ge 1 ]" ||
	trap_fail "no \"untraced\" alert after the hand-over timed out"
grep -q "Container \"$CNAME\": monitor died: restarted" "$MONLOG" &&
	trap_fail "the hand-over did not time out (strace did not hold the new monitor)"
# the held capsets have all run out by now (20 s after they began)
sleep 22
servers="$(ours cids-watchdog) $(ours cids-notify)"
log "after the time-out: $(untraced_alerts) untraced alert(s), processes: $servers"
[ "$(untraced_alerts)" = 1 ] || trap_fail "$(untraced_alerts) \"untraced\" alerts: a second server of the listeners"
[ "$(echo "$servers" | wc -w)" = 1 ] && [ "$(echo "$servers" | tr -d ' ')" = "$wd" ] ||
	trap_fail "the listeners are served by $servers, not by the old watchdog $wd alone"
wait "$BG" || true
[ "$(cat "$TMP/rc")" = 0 ] || { cat "$TMP/out"; trap_fail "the container failed"; }
assert_grep workload-done "$TMP/out"
wait_for 20 bash -c "[ -z \"\$(pgrep -x cids-watchdog | xargs -r -I{} grep -l -- '$TMP/' /proc/{}/cmdline 2>/dev/null)\" ]" ||
	trap_fail "the old watchdog did not end with the container"
stop_strace
log "PASS"
