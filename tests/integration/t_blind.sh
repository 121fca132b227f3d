#!/usr/bin/env bash
# long
# A tenant cannot blind the monitor (issue 14), ptrace backend under runc. One static probe
# (tests/helpers/blind_probe.c) learns its benign behaviour, then each attack runs under
# enforce (block) and must be seen and stopped:
#  1. clone(CLONE_UNTRACED) children and threads and clone3 children are traced (their mkdir
#     is blocked);
#  2. forked children that make two calls and exit are judged (no free prefix), and so is
#     the call right after a blocked one;
#  3. an i386 (int 0x80) mkdir is denied (ENOSYS) and alerted by name;
#  4. io_uring_setup is denied (limits.io_uring "deny") and the alert names it;
#  5. past limits.max_threads new processes are killed, not left untraced;
#  6. a call re-issued after an interrupted one (EINTR) is judged, not taken for a restart;
#  9. a flood of one anomaly does not hide a distinct one (the first of each is written);
#     the alerts file is rotated at limits.alerts_file_mb;
#  7. a profile stops growing at limits.max_profile_mb (alert), its checkpoint still saves;
# 10. the joiner scan reads the container's cgroup, not the host's /proc.
# Run selected parts with BLIND_PARTS="1 2" (default: all).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"

need_root
need_cmd runc jq
PROBE=${BLIND_PROBE:-$CIDS_BUILD/tests/helpers/blind_probe}
[ -x "$PROBE" ] || fail "no $PROBE (make builds it)"
PARTS=${BLIND_PARTS:-1 2 3 4 5 6 7 9 10}
# A kernel that does not run i386 calls (int 0x80 raises SIGSEGV: some PVM guests) has no i386
# attack to stop: the probe then runs as blind_probe_no32, without its i386 calls, and part 3
# is skipped with a line saying so.
PBIN=/bin/blind_probe
if ! { "$PROBE" i386-check >/dev/null; } 2>/dev/null; then
	PBIN=/bin/blind_probe_no32
	log "this kernel does not run i386 calls (int 0x80 fails on the host): part 3 skipped"
	PARTS=${PARTS//3/}
fi
part() { [[ " $PARTS " == *" $1 "* ]]; }

errs=()
err() { echo "FAIL: $*" >&2; errs+=("$*"); }
ALERTS=$TMP/log/alerts.jsonl

cids_config "$TMP/learn.json" '.mode = "learn" | .on_steady = "stay"'
# block: the attacks whose effect (a directory) must not happen
cids_config "$TMP/block.json" '.mode = "enforce" | .on_steady = "stay" | .enforce.action = "block"
	| .detection.threshold = 1 | .limits.max_alerts_per_second = 1000'
# detect: the attacks whose return values the probe prints (a block would stop its write)
cids_config "$TMP/detect.json" '.mode = "detect" | .on_steady = "stay" | .detection.threshold = 1
	| .limits.max_alerts_per_second = 1000'

# run NAME KEY CFG ARGS...: the probe as the container's process; output in $TMP/NAME.out,
# the bundle (its rootfs is where mkdir lands) in $TMP/NAME. Waits for the monitor to finish.
n=0
run() {
	local name=$1 key=$2 cfg=$3 b c
	shift 3
	b=$TMP/$name
	fl_bundle "$b" "$key" "$cfg" createRuntime "$PBIN" "$@"
	cp "$PROBE" "$b/rootfs$PBIN"
	c=$(cname "$name")
	runtime_cleanup runc "$c"
	(cd "$b" && timeout -k 1 60 runc run "$c" </dev/null >"$TMP/$name.out" 2>"$TMP/$name.err") ||
		err "$name: run failed: $(head -c 300 "$TMP/$name.err")"
	runc delete --force "$c" >/dev/null 2>&1 || true
	fl_wait_no_monitors 10 || err "$name: monitor did not exit"
}
# alerts_since MARK: the alert lines written after MARK (a line count).
alerts_since() { fl_new_lines "$ALERTS" "$1"; }
# window_alert FILE SYSCALL: an anomalous-window alert for SYSCALL is in FILE.
window_alert() {
	jq -e -s --arg s "$2" 'map(select(.rule == "cids_anomalous_window"
		and .output_fields["evt.type"] == $s)) | length > 0' "$1" >/dev/null
}

# ------------------------------------------------------------- learning the benign behaviour
for i in 1 2 3; do run "learn$i" blind "$TMP/learn.json" benign; done
grep -q '^read=-4$' "$TMP/learn1.out" || err "benign: the read was not interrupted (EINTR): $(cat "$TMP/learn1.out")"

# a benign run is not flagged (the baseline every attack differs from in one place)
m=$(fl_lines "$ALERTS")
run benign blind "$TMP/block.json" benign
alerts_since "$m" >"$TMP/benign.jsonl"
nb=$(jq -s 'map(select(.rule == "cids_anomalous_window")) | length' "$TMP/benign.jsonl")
[ "$nb" -eq 0 ] || err "benign run under enforce: $nb anomalous windows: $(jq -c '[.output_fields["evt.type"], .output_fields["cids.window"]]' "$TMP/benign.jsonl" | head -6 | tr '\n' ' ')"

# ------------------------------------------------------------- 1. untraced children
if part 1; then
	m=$(fl_lines "$ALERTS")
	run untraced blind "$TMP/block.json" untraced /tmp/untraced
	alerts_since "$m" >"$TMP/untraced.jsonl"
	[ ! -d "$TMP/untraced/rootfs/tmp/untraced0" ] || err "1: the CLONE_UNTRACED child's mkdir ran"
	window_alert "$TMP/untraced.jsonl" mkdir || err "1: no anomalous-window alert for the CLONE_UNTRACED child's mkdir"
	grep -q '"cids_untraced_clone"' "$TMP/untraced.jsonl" || err "1: no cids_untraced_clone alert"
	m=$(fl_lines "$ALERTS")
	run uthread blind "$TMP/block.json" untraced-thread /tmp/uthread
	alerts_since "$m" >"$TMP/uthread.jsonl"
	[ ! -d "$TMP/uthread/rootfs/tmp/uthread0" ] || err "1: the CLONE_UNTRACED thread's mkdir ran"
	window_alert "$TMP/uthread.jsonl" mkdir || err "1: no anomalous-window alert for the CLONE_UNTRACED thread's mkdir"
	run clone3 blind "$TMP/detect.json" clone3 /tmp/clone3
	[ ! -d "$TMP/clone3/rootfs/tmp/clone30" ] || err "1: the clone3(CLONE_UNTRACED) child's mkdir ran"
	grep -q '^clone3=-38$' "$TMP/clone3.out" || err "1: clone3 did not fail with ENOSYS: $(tr '\n' ' ' <"$TMP/clone3.out")"
	log "1: CLONE_UNTRACED child: $(jq -s 'map(select(.rule == "cids_anomalous_window")) | length' "$TMP/untraced.jsonl") window alerts; clone3: $(grep clone3 "$TMP/clone3.out")"
fi

# ------------------------------------------------------------- 2. two calls and exit
if part 2; then
	m=$(fl_lines "$ALERTS")
	run prefix blind "$TMP/block.json" prefix /tmp/pfx
	alerts_since "$m" >"$TMP/prefix.jsonl"
	[ ! -d "$TMP/prefix/rootfs/tmp/pfx0" ] || err "2: the child's two calls ran unjudged (mkdir made its directory)"
	window_alert "$TMP/prefix.jsonl" mkdir || err "2: no anomalous-window alert for the child's mkdir"
fi

# ------------------------------------------------------------- 2b. no free calls after a block
if part 2; then
	m=$(fl_lines "$ALERTS")
	run afterblock blind "$TMP/block.json" afterblock /tmp/afterblock
	alerts_since "$m" >"$TMP/afterblock.jsonl"
	window_alert "$TMP/afterblock.jsonl" sched_yield || err "2: the sched_yield was not flagged"
	[ ! -d "$TMP/afterblock/rootfs/tmp/afterblock" ] || err "2: the mkdir right after a blocked call ran unjudged (stream restarted)"
fi

# ------------------------------------------------------------- 3. i386 calls
if part 3; then
	m=$(fl_lines "$ALERTS")
	run i386 blind "$TMP/detect.json" i386 /tmp/i386dir
	alerts_since "$m" >"$TMP/i386.jsonl"
	[ ! -d "$TMP/i386/rootfs/tmp/i386dir" ] || err "3: the i386 mkdir ran"
	grep -q '^i386 mkdir=-38$' "$TMP/i386.out" || err "3: i386 mkdir did not fail with ENOSYS: $(tr '\n' ' ' <"$TMP/i386.out")"
	jq -e -s 'map(select(.rule == "cids_foreign_abi" and .output_fields["evt.type"] == "i386:mkdir")) | length > 0' \
		"$TMP/i386.jsonl" >/dev/null || err "3: no cids_foreign_abi alert naming the i386 mkdir"
fi

# ------------------------------------------------------------- 4. io_uring
if part 4; then
	m=$(fl_lines "$ALERTS")
	run uring blind "$TMP/detect.json" io_uring
	alerts_since "$m" >"$TMP/uring.jsonl"
	grep -q '^io_uring_setup=-1$' "$TMP/uring.out" || err "4: io_uring_setup was not denied (EPERM): $(tr '\n' ' ' <"$TMP/uring.out")"
	jq -e -s 'map(select(.rule == "cids_io_uring" and .output_fields["evt.type"] == "io_uring_setup")) | length > 0' \
		"$TMP/uring.jsonl" >/dev/null || err "4: no cids_io_uring alert naming io_uring_setup"
	# learn mode with io_uring allowed: learned, but never silently
	cids_config "$TMP/uring-allow.json" '.mode = "learn" | .on_steady = "stay" | .limits.io_uring = "allow"'
	m=$(fl_lines "$ALERTS")
	run uring2 uring "$TMP/uring-allow.json" io_uring
	alerts_since "$m" >"$TMP/uring2.jsonl"
	if grep -q '^io_uring_setup=-1$' "$TMP/uring2.out"; then err "4: io_uring denied although limits.io_uring is allow"; fi
	grep -q '"cids_io_uring"' "$TMP/uring2.jsonl" || err "4: io_uring learned silently (no cids_io_uring alert)"
fi

# ------------------------------------------------------------- 5. thread cap
if part 5; then
	# enforce, action alert: nothing is blocked, so only the cap decides what runs
	cids_config "$TMP/cap.json" '.mode = "enforce" | .on_steady = "stay" | .enforce.action = "alert"
		| .limits.max_threads = 6'
	m=$(fl_lines "$ALERTS")
	run cap blind "$TMP/cap.json" cap 10 /tmp/cap
	alerts_since "$m" >"$TMP/cap.jsonl"
	made=$(find "$TMP/cap/rootfs/tmp" -maxdepth 1 -name 'cap*' | wc -l)
	# runc's init has 5 threads before its execve, so the cap is 6: the probe and 5 children
	[ "$made" -le 5 ] || err "5: $made of 10 children made their directory: those past the thread cap (6) ran untraced"
	grep -q '"cids_thread_cap"' "$TMP/cap.jsonl" || err "5: no cids_thread_cap alert"
	log "5: thread cap 6, 10 children: $made directories made"
fi

# ------------------------------------------------------------- 6. restart spoofing
if part 6; then
	m=$(fl_lines "$ALERTS")
	run restart blind "$TMP/detect.json" restart
	alerts_since "$m" >"$TMP/restart.jsonl"
	grep -q '^read=-4$' "$TMP/restart.out" || err "6: the first read was not interrupted: $(tr '\n' ' ' <"$TMP/restart.out")"
	jq -e -s 'map(select(.rule == "cids_anomalous_window" and .output_fields["evt.type"] == "read"
		and (.output_fields["cids.window"][-2:] == ["read", "read"]))) | length > 0' "$TMP/restart.jsonl" >/dev/null ||
		err "6: the read re-issued after EINTR was not judged (taken for the kernel's restart)"
fi

# ------------------------------------------------------------- 9. alert floods and the alerts file
if part 9; then
	# max_alerts_per_second 0: only the first alert of each kind gets through. A flood of one
	# anomalous window (getpgrp x 4) must not hide the distinct one that follows (sched_yield).
	cids_config "$TMP/flood.json" '.mode = "detect" | .on_steady = "stay" | .limits.max_alerts_per_second = 0'
	m=$(fl_lines "$ALERTS")
	run flood blind "$TMP/flood.json" flood 3000
	alerts_since "$m" >"$TMP/flood.jsonl"
	window_alert "$TMP/flood.jsonl" sched_yield || err "9: the distinct anomaly after a flood of another was not written"
	nflood=$(jq -s 'map(select(.rule == "cids_anomalous_window" and .output_fields["cids.window"] == ["getpgrp","getpgrp","getpgrp","getpgrp"])) | length' "$TMP/flood.jsonl")
	[ "$nflood" -eq 1 ] || err "9: the flooding window was written $nflood times, expected once"
	grep -q 'repeats of alerts already written not written' "$TMP/flood.jsonl" || err "9: the flood's repeats were not counted"
	# rotation: thousands of distinct windows (the first of each kind is written) past 1 MiB
	mkdir -p "$TMP/rot"
	cids_config "$TMP/rot.json" ".mode = \"detect\" | .on_steady = \"stay\" | .alerts = \"$TMP/rot/alerts.jsonl\"
		| .limits.alerts_file_mb = 1 | .limits.alerts_files = 2 | .limits.max_alerts_per_second = 100000"
	run rot blind "$TMP/rot.json" grow 20000
	[ -s "$TMP/rot/alerts.jsonl.1" ] || err "9: the alerts file was not rotated at 1 MiB: $(ls -l "$TMP/rot" | tail -n +2 | tr '\n' ' ')"
	[ ! -e "$TMP/rot/alerts.jsonl.3" ] || err "9: more rotated files than limits.alerts_files (2)"
	big=$(find "$TMP/rot" -name 'alerts.jsonl*' -size +1100k | head -3)
	[ -z "$big" ] || err "9: alert files past the 1 MiB cap: $big"
	log "9: flood: $(jq -s 'map(select(.rule == "cids_anomalous_window")) | length' "$TMP/flood.jsonl") window alerts written; rotation: $(ls "$TMP/rot" | tr '\n' ' ')"
fi

# ------------------------------------------------------------- 7. profile memory cap
if part 7; then
	cids_config "$TMP/grow.json" '.mode = "learn" | .on_steady = "stay" | .limits.max_profile_mb = 1'
	m=$(fl_lines "$ALERTS")
	run grow grow "$TMP/grow.json" grow 100000
	alerts_since "$m" >"$TMP/grow.jsonl"
	grep -q '"cids_profile_full"' "$TMP/grow.jsonl" || err "7: no cids_profile_full alert at limits.max_profile_mb"
	[ -s "$TMP/store/grow.profile" ] || err "7: the capped profile was not saved"
	"$CIDS" profile show --json "$TMP/store/grow.profile" >"$TMP/grow.show.json" 2>&1 || err "7: the capped profile does not load"
	entries=$(jq '[.. | objects | select(has("entries")) | .entries] | add // 0' "$TMP/grow.show.json" 2>/dev/null || echo "?")
	log "7: profile capped at 1 MiB: $(stat -c %s "$TMP/store/grow.profile" 2>/dev/null) bytes on disk, entries $entries"
fi

# ------------------------------------------------------------- 10. the joiner scan's cost
if part 10; then
	need_cmd strace
	b=$TMP/scan
	fl_bundle "$b" scan "$TMP/learn.json" createRuntime sh -c 'sleep 3'
	c=$(cname scan)
	runtime_cleanup runc "$c"
	(cd "$b" && runc run -d "$c" </dev/null >"$TMP/scan.out" 2>&1) || err "10: runc run -d failed: $(cat "$TMP/scan.out")"
	if wait_for 10 test -s "$(fl_status_file "$c")"; then
		mon=$(fl_monitor_pid "$c")
		timeout -s INT 1.5 strace -qq -p "$mon" -e trace=openat,newfstatat,statx,stat -o "$TMP/scan.strace" 2>/dev/null || true
		nproc_ns=$(grep -cE '"/proc/[0-9]+/ns/pid"' "$TMP/scan.strace" || true)
		ncg=$(grep -c 'cgroup.threads' "$TMP/scan.strace" || true)
		[ "$ncg" -gt 0 ] || err "10: the monitor never read the container's cgroup.threads in 1.5 s: $(head -c 300 "$TMP/scan.strace")"
		[ "$nproc_ns" -eq 0 ] || err "10: the monitor looked at $nproc_ns /proc/<pid>/ns/pid of other processes in 1.5 s"
		log "10: in 1.5 s the monitor read cgroup.threads $ncg times and /proc/<pid>/ns/pid $nproc_ns times"
	else
		err "10: no monitor"
	fi
	runc kill "$c" KILL >/dev/null 2>&1 || true
	sleep 0.3
	runc delete --force "$c" >/dev/null 2>&1 || true
fi

if [ ${#errs[@]} -gt 0 ]; then
	fl_sanitizer_report || true
	fail "${#errs[@]} failure(s): ${errs[0]}"
fi
fl_sanitizer_report
log "ok"
