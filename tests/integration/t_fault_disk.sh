#!/usr/bin/env bash
# Fault: the store fills up, then becomes read-only, while a container learns (issue 6).
# During each fault: the previous profile in the store is byte-identical, no temporary file is
# left behind, the error is in the monitor log and in one alert, learning goes on (the monitor's
# syscall count grows). Once the fault ends the next checkpoint saves again.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"

errs=()
err() { echo "FAIL: $*" >&2; errs+=("$*"); }

S=$TMP/smallstore
mkdir -p "$S"
mount -t tmpfs -o size=4m,mode=0700 cids-test-store "$S" || skip "cannot mount a tmpfs"
on_exit "umount -l '$S'"
KEY="disk-$$"
CFG=$TMP/cfg.json
cids_config "$CFG" ".mode = \"learn\" | .on_steady = \"stay\" | .store = \"$S\""
B=$TMP/b
fl_bundle "$B" "$KEY" "$CFG" createRuntime sh -c 'while [ ! -e /tmp/stop ]; do ls / >/dev/null; cat /etc/passwd >/dev/null;
	if [ -e /tmp/new ]; then uname -a >/dev/null; id >/dev/null; date >/dev/null; fi; sleep 0.05; done; echo finished'
NAME=$(cname disk)
runtime_cleanup runc "$NAME"
(cd "$B" && exec runc run "$NAME" </dev/null >"$TMP/out" 2>"$TMP/err") &
ctr=$!
on_exit "kill $ctr"
P=$S/$KEY.profile
ST=$(fl_status_file "$NAME")
MONLOG=$TMP/log/monitor.log
ALERTS=$TMP/log/alerts.jsonl
wait_for 10 test -s "$P" || fail "no first checkpoint in the store"
sleep 1
log "profile $(stat -c %s "$P") bytes, store $(df -k --output=used,size "$S" | tail -1)"
syscalls() { jq -r .syscalls "$ST" 2>/dev/null || echo 0; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# the monitor's log since $mark (fault_phase's) reports a failed save
saw_failed_save() { fl_new_lines "$MONLOG" "$mark" | has -i "cannot save.*$KEY"; }

# fault_phase NAME START UNDO: call START to make the store faulty, check a few checkpoints, then
# call UNDO to end it. The marks are taken before the fault starts: the first failed save (the
# only one logged and alerted) may come at once. The profile must stay byte-identical from the
# first failed save on (a save already past its write when the fault came may still land).
fault_phase() {
	local what=$1 start=$2 undo=$3 before n0 n1 mark amark
	mark=$(fl_lines "$MONLOG")
	amark=$(fl_lines "$ALERTS")
	n0=$(syscalls)
	touch "$B/rootfs/tmp/new" # new behaviour: a save would now change the profile
	$start
	# checkpoint_s 0.5: the first failed save, then about 3 more (however slow the machine is)
	wait_for 30 saw_failed_save || true
	before=$(sha "$P")
	sleep 1.5
	n1=$(syscalls)
	[ "$(sha "$P")" = "$before" ] || err "$what: the profile in the store changed during the fault"
	"$CIDS" profile show "$P" >/dev/null 2>&1 || err "$what: the profile in the store is no longer loadable"
	left=$(find "$S" -mindepth 1 ! -name "$KEY.profile" ! -name 'fill.*' | head -3)
	[ -z "$left" ] || err "$what: temporary files left in the store: $left"
	saw_failed_save || err "$what: the monitor log does not report the failed save"
	na=$(fl_new_lines "$ALERTS" "$amark" | grep -c 'profile save to the store failed' || true)
	[ "$na" -ge 1 ] || err "$what: no alert for the failed save"
	[ "$na" -le 1 ] || err "$what: $na alerts for one fault (expected one)"
	[ "$n1" -gt "$n0" ] || err "$what: the monitor stopped counting syscalls ($n0 -> $n1)"
	[ -d "/proc/$(fl_monitor_pid "$NAME")" ] || err "$what: the monitor died"
	rm -f "$B/rootfs/tmp/new"
	log "$what: syscalls $n0 -> $n1 during the fault, profile unchanged"
	$undo
	wait_for 5 bash -c "[ \"\$(sha256sum '$P' | cut -d' ' -f1)\" != '$before' ]" ||
		err "$what: no save once the fault ended"
	"$CIDS" profile show "$P" >/dev/null 2>&1 || err "$what: the profile saved after the fault is not loadable"
	fl_new_lines "$MONLOG" "$mark" | has -i "saved again" || err "$what: the log does not say the profile was saved again"
}

# ---------------------------------------------------------------- disk full
avail() { df -k --output=avail "$S" | tail -1 | tr -d ' '; }
# A save in flight when the store fills frees the old profile's blocks at its rename: top the
# store up until it stays full for longer than a checkpoint interval.
fill() {
	local i
	for i in 1 2 3 4 5; do
		dd if=/dev/zero of="$S/fill.$i" bs=4k 2>/dev/null || true
		sleep 0.7
		[ "$(avail)" -eq 0 ] && break
	done
	[ "$(avail)" -eq 0 ] || err "could not fill the store"
}
unfill() { rm -f "$S"/fill.*; }
fault_phase "disk full" fill unfill

# ---------------------------------------------------------------- read-only store
ro() { mount -o remount,ro "$S"; }
rw() { mount -o remount,rw "$S"; }
on_exit "mount -o remount,rw '$S'"
fault_phase "read-only store" ro rw

touch "$B/rootfs/tmp/stop"
set +e
wait "$ctr"
rc=$?
set -e
[ "$rc" -eq 0 ] || { cat "$TMP/err"; err "container exit $rc"; }
grep -qx finished "$TMP/out" || err "workload did not finish"
fl_wait_no_monitors 10 || err "monitor did not exit"
fl_alerts_valid "$ALERTS" || err "alerts file has non-JSON lines"

fl_sanitizer_report || err "sanitizer reports in the monitor log"
if [ ${#errs[@]} -gt 0 ]; then
	printf 'FAIL %s\n' "${errs[@]}"
	exit 1
fi
log "ok"
