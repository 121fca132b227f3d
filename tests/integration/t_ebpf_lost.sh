#!/usr/bin/env bash
# Lost events are counted and reported: cidsd with a 1 MiB ring is stopped (SIGSTOP) for a
# second while a container makes getppid calls as fast as it can; the ring overflows. Afterwards
# every call is accounted for (delivered + lost >= calls made), cidsd.json reports the loss, an
# operational alert names the container and the loss, and the container was not disturbed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ebpf_lib.sh"

need_root
need_cmd runc jq
why=$(ebpf_supported) || skip "$why"
G=$CIDS_BUILD/tests/helpers/getppid_loop
[ -x "$G" ] || fail "build $G first"
ensure_tracefs

CFG=$TMP/config.json
cids_config "$CFG" '.backend = "ebpf" | .mode = "learn" | .on_steady = "stay" | .on_error = "deny"'
ALERTS=$TMP/log/alerts.jsonl
CALLS=20000000

cidsd_start "$CFG" --ring-mb 1
B=$TMP/bundle
ebpf_bundle "$B" "$CFG" lost-test learn /getppid_loop "$CALLS"
cp "$G" "$B/rootfs/getppid_loop"
name=$(cname lost)
runtime_cleanup runc "$name"
e0=$(cidsd_stat events)
runc run --bundle "$B" "$name" </dev/null >"$TMP/ctr.out" 2>&1 &
ctr=$!
on_exit "kill $ctr"
wait_for 10 bash -c "ls '$TMP/run/monitors/'*.json" || fail "the container was not registered"
sleep 0.3
kill -STOP "$CIDSD_PID"
on_exit "kill -CONT $CIDSD_PID"
sleep 1
kill -CONT "$CIDSD_PID"
wait "$ctr" || fail "container failed: $(cat "$TMP/ctr.out")"
grep -q "calls=$CALLS " "$TMP/ctr.out" || fail "the workload did not finish: $(cat "$TMP/ctr.out")"
wait_for 10 bash -c "! ls '$TMP/run/monitors/'*.json >/dev/null 2>&1" || fail "container not ended in cidsd"
sleep 1.2 # cidsd.json is rewritten every second

lost=$(cidsd_stat lost)
events=$(($(cidsd_stat events) - e0))
log "calls $CALLS, delivered $events, lost $lost"
[ "$lost" -gt 0 ] || fail "no loss counted although cidsd was stopped with a 1 MiB ring"
[ $((events + lost)) -ge "$CALLS" ] || fail "calls unaccounted for: $events delivered + $lost lost < $CALLS"
[ "$events" -gt 0 ] || fail "nothing delivered"
jq -c 'select(.rule == "cids_monitor" and (.output_fields["cids.message"] // "" | test("events lost")))' \
	"$ALERTS" >"$TMP/lost.alerts"
[ -s "$TMP/lost.alerts" ] || { tail -3 "$ALERTS"; fail "no alert reports the loss"; }
grep -q "$name" "$TMP/lost.alerts" || fail "the loss alert does not name the container"
grep -q 'events lost' "$TMP/cidsd.log" || fail "cidsd's log does not report the loss"
cidsd_stop # exits 0, also under a sanitizer build
log "PASS"
