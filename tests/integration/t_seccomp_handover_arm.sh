#!/usr/bin/env bash
# A restarted seccomp monitor that dies before its hand-over stands leaves the container to the
# old watchdog alone (review2 finding 3). The new monitor starts its own watchdog before it
# answers "OK"; if it dies there, that watchdog used to restart a third monitor in a process
# group of its own, which the old watchdog's kill of the failed monitor's group missed: the
# third monitor (or, further down, its own watchdog) served the listeners while the old watchdog
# applied on_error too. Now the new monitor's watchdog restarts or serves only once the old
# watchdog let the hand-over stand (its byte on the WD_ARM pipe).
# strace (attached to the watchdog with -f) SIGKILLs each new monitor at its first capset (its
# hardening: after its watchdog's fork and the adoption, before "OK") and delays every kill(2)
# by 3 s, so the old watchdog's group kill comes after the new monitor's watchdog has seen its
# monitor die (on the old code: after it has restarted another monitor). With on_error allow and
# 2 restarts: exactly one "untraced" alert, the old watchdog alone serves the listeners, and the
# container runs to its end.
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
	| .on_error = \"allow\" | .limits.monitor_restarts = 2 | .runtime.runtimes = [\"$RT\"]"
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
make_bundle "$B" /bin/sh -c 'i=0; while [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done; echo workload-done'
bundle_jq "$B" ".annotations[\"io.cids.profile\"] = \"handover-arm-$$\""
CNAME=$(cname handoverarm)
runtime_cleanup "$RT" "$CNAME"
(
	rc=0
	timeout -k 10 120 "$CIDS_BUILD/cids-runtime" run --bundle "$B" "$CNAME" </dev/null >"$TMP/out" 2>&1 || rc=$?
	echo "$rc" >"$TMP/rc"
) &
BG=$!
wait_for 20 test -s "$TMP/run/monitors/$CNAME.json" || trap_fail "no status file"
mp=$(jq -r .monitor_pid "$TMP/run/monitors/$CNAME.json")
[ "$(cat "/proc/$mp/comm")" = cids-notify ] || trap_fail "pid $mp is not the monitor"
wd=$(ours cids-watchdog)
[ "$(echo "$wd" | wc -w)" = 1 ] || trap_fail "not one watchdog: $wd"
log "monitor $mp, watchdog $wd"

# per tracee: each new monitor dies at its first capset; every group kill waits 3 s
strace -f -qq -p "$wd" -e trace=capset,kill -e inject=capset:signal=KILL:when=1 \
	-e inject=kill:delay_enter=3000000 -o "$TMP/strace" &
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
	trap_fail "no \"untraced\" alert after the new monitor died"
# a tracee killed by SIGKILL in a capset it entered
awk '/capset\(.*= \?$/ { c[$1] = 1 } /killed by SIGKILL/ && c[$1] { k = 1 } END { exit !k }' "$TMP/strace" ||
	trap_fail "strace did not kill the new monitor: $(head -5 "$TMP/strace")"
grep -q "Container \"$CNAME\": monitor died: restarted" "$MONLOG" &&
	trap_fail "a restart succeeded (strace did not kill the new monitor in its hardening)"
# every delayed kill has run by now, on the old code too (a chain of two more restarts)
sleep 10
servers="$(ours cids-watchdog) $(ours cids-notify)"
log "after the failed hand-over: $(untraced_alerts) untraced alert(s), processes: $servers"
[ "$(untraced_alerts)" = 1 ] || trap_fail "$(untraced_alerts) \"untraced\" alerts: a second server of the listeners"
[ "$(echo "$servers" | wc -w)" = 1 ] && [ "$(echo "$servers" | tr -d ' ')" = "$wd" ] ||
	trap_fail "the listeners are served by $servers, not by the old watchdog $wd alone"
stop_strace
wait "$BG" || true
[ "$(cat "$TMP/rc")" = 0 ] || { cat "$TMP/out"; trap_fail "the container failed"; }
assert_grep workload-done "$TMP/out"
wait_for 20 bash -c "[ -z \"\$(pgrep -x cids-watchdog | xargs -r -I{} grep -l -- '$TMP/' /proc/{}/cmdline 2>/dev/null)\" ]" ||
	trap_fail "the old watchdog did not end with the container"
log "PASS"
