#!/usr/bin/env bash
# eBPF backend: one container cannot take a shared resource from the others (issue #14 item 8).
#  - Ring buffer: cidsd (1 MiB ring, default share: half of it per container) is stopped while
#    a container floods it with getppid calls, then a second container makes a few hundred calls.
#    The flooder loses events (counted as over its share); the other loses none (before the
#    share, the flooder filled the whole ring and the other's events were lost too).
#  - Window table: with --kd-max-windows below the size of a learned profile, the container is
#    judged in cidsd (and its intrusion still alerted), and takes no table entries.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ebpf_lib.sh"

need_root
need_cmd runc jq
why=$(ebpf_supported) || skip "$why"
ensure_tracefs
G=$CIDS_BUILD/tests/helpers/getppid_loop
S=$CIDS_BUILD/tests/helpers/syscall_script
[ -x "$G" ] && [ -x "$S" ] || fail "helpers not built"

CFG=$TMP/config.json
cids_config "$CFG" '.backend = "ebpf" | .mode = "learn" | .on_steady = "stay" | .on_error = "deny"
	| .detection.algorithm = "stide" | .detection.window = 4 | .detection.threshold = 1'
ALERTS=$TMP/log/alerts.jsonl
PAT="getpid getppid getuid getgid geteuid"

# lost_alerts NAME: the "events lost" alerts of container NAME
lost_alerts() {
	[ -f "$ALERTS" ] || return 0
	jq -c --arg id "$1" 'select(.rule == "cids_monitor" and .output_fields["container.id"] == $id
		and (.output_fields["cids.message"] // "" | test("events lost")))' "$ALERTS"
}

log "ring: a flooding container and a quiet one, cidsd stopped"
cidsd_start "$CFG" --ring-mb 1
BF=$TMP/b-flood BQ=$TMP/b-quiet
# the flooder waits for /out/flood, then floods until it is killed
ebpf_bundle "$BF" "$CFG" share-flood learn /bin/sh -c \
	"while [ ! -e /out/flood ]; do sleep 0.05; done; exec /getppid_loop 1000000000"
cp "$G" "$BF/rootfs/getppid_loop"
# the quiet one waits for /out/go, makes its calls, and stays a while so that cidsd's next
# ticks report any loss
ebpf_bundle "$BQ" "$CFG" share-quiet learn /bin/sh -c \
	"while [ ! -e /out/go ]; do sleep 0.05; done; /syscall_script $(rep 80 $PAT); touch /out/done; sleep 2"
cp "$S" "$BQ/rootfs/syscall_script"
flood=$(cname flood) quiet=$(cname quiet)
runtime_cleanup runc "$flood"
runtime_cleanup runc "$quiet"
rm -f "$TMP/out/go" "$TMP/out/done" "$TMP/out/flood"
runc run --bundle "$BQ" "$quiet" </dev/null >"$TMP/quiet.out" 2>&1 &
qpid=$!
on_exit "kill $qpid"
wait_for 10 bash -c "ls '$TMP/run/monitors/'*.json" || fail "the quiet container was not registered"
runc run --bundle "$BF" "$flood" </dev/null >"$TMP/flood.out" 2>&1 &
fpid=$!
on_exit "kill $fpid"
wait_for 10 bash -c "[ \$(ls '$TMP/run/monitors/'*.json | wc -l) = 2 ]" || fail "the flooder was not registered"
kill -STOP "$CIDSD_PID"
on_exit "kill -CONT $CIDSD_PID"
# the flood fills the ring (13,000 events of 1 MiB, the flooder's half with the share) long
# before the quiet container starts its calls
touch "$TMP/out/flood"
sleep 1
touch "$TMP/out/go"
wait_for 10 test -e "$TMP/out/done" || { kill -CONT "$CIDSD_PID"; fail "the quiet container did not make its calls"; }
kill -CONT "$CIDSD_PID"
wait "$qpid" || fail "quiet container failed: $(cat "$TMP/quiet.out")"
runc kill "$flood" KILL
wait "$fpid" || true
wait_for 10 bash -c "! ls '$TMP/run/monitors/'*.json >/dev/null 2>&1" || fail "containers not ended in cidsd"
sleep 1.2
lost=$(cidsd_stat lost)
log "lost events: $lost"
[ "$lost" -gt 0 ] || fail "the flooder lost nothing: the test did not fill the ring"
lost_alerts "$flood" >"$TMP/flood.lost"
grep -q "over the container's share" "$TMP/flood.lost" || { head -3 "$TMP/flood.lost"; fail "the flooder's loss is not reported as over its share"; }
[ -z "$(lost_alerts "$quiet")" ] || { lost_alerts "$quiet"; fail "the quiet container lost events to the flooder"; }
cidsd_stop

log "window table: a profile over a container's share is judged in cidsd"
KEY=share-table-$$
cidsd_start "$CFG" --kd-max-windows 8
run_script() {
	local name=$1 mode=$2 b=$TMP/b-$1 cname; shift 2
	ebpf_bundle "$b" "$CFG" "$KEY" "$mode" /syscall_script "$@"
	cp "$S" "$b/rootfs/syscall_script"
	cname=$(cname "$name")
	echo "$cname" >"$TMP/$name.id"
	runtime_cleanup runc "$cname"
	timeout 60 runc run --bundle "$b" "$cname" </dev/null >"$TMP/$name.out" 2>&1 || fail "$name: exit $?"
	runc delete --force "$cname" >/dev/null 2>&1 || true
	wait_for 10 bash -c "! ls '$TMP/run/monitors/'*.json >/dev/null 2>&1" || fail "$name did not end in cidsd"
}
# shellcheck disable=SC2046 # the steps are words
run_script learn learn $(rep 60 $PAT)
# shellcheck disable=SC2046
run_script intrude detect $(rep 30 $PAT) gettid $(rep 10 $PAT)
grep -q "over a container's share of the kernel's table (8 windows): judged in cidsd" "$TMP/cidsd.log" ||
	{ tail -5 "$TMP/cidsd.log"; fail "the large profile was not kept out of the kernel's table"; }
grep -q 'detection in the kernel (STIDE' "$TMP/cidsd.log" && fail "the large profile went into the kernel"
sleep 1.2
[ "$(cidsd_stat kernel_table_used)" = 0 ] || fail "table entries in use: $(cidsd_stat kernel_table_used)"
[ -n "$(jq -c --arg id "$(cat "$TMP/intrude.id")" 'select(.rule == "cids_anomalous_window"
	and .output_fields["container.id"] == $id and .output_fields["evt.type"] == "gettid")' \
	"$ALERTS")" ] || {
	tail -5 "$TMP/cidsd.log"
	jq -c '[.rule, .output_fields["evt.type"], .output_fields["container.id"]]' "$ALERTS" | sort | uniq -c
	fail "the intrusion was not alerted by cidsd"
}
cidsd_stop
log "PASS"
