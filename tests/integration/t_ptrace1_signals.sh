#!/usr/bin/env bash
# ptrace one-stop mode (ptrace.one_stop through cids-runtime): a signal handler's calls are a
# stream of their own, as in two-stop mode, though no exit stop is seen (the handler's depth
# ends at rt_sigreturn's entry; a restart is read from the signal stop's registers and the
# restored frame). As t_ebpf_signals: a static helper makes a fixed sequence of 200 calls over
# and over while an interval timer delivers SIGALRM at whatever call it is at, the handler makes
# getegid and getpgrp; learned in three runs, then run three times in enforce (kill): no alert,
# never killed. Without per-depth streams the handler's calls land in the interrupted flow's
# windows at positions learning never saw: alerts, and kills in enforce.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ebpf_lib.sh"

need_root
need_cmd runc jq awk
S=$CIDS_BUILD/tests/helpers/syscall_script
[ -x "$S" ] || fail "$S not built"
for b in cids-hook cids-runtime; do [ -x "$CIDS_BUILD/$b" ] || fail "build $CIDS_BUILD/$b first"; done

CFG=$TMP/config.json
cids_config "$CFG" '.backend = "ptrace" | .ptrace.one_stop = true | .mode = "learn"
	| .on_steady = "stay" | .on_error = "deny" | .runtime.runtimes = ["runc"]
	| .detection.algorithm = "stide" | .detection.window = 4 | .detection.threshold = 1
	| .enforce.action = "kill" | .enforce.max_kills_per_minute = 100'
export CIDS_CONFIG=$CFG
KEY=ptrace1-signals-$$
ALERTS=$TMP/log/alerts.jsonl
MONLOG=$TMP/log/monitor.log
SEQ=$(awk 'BEGIN { srand(42); split("getpid getppid getuid getgid geteuid gettid sched_yield", c, " ");
	for (i = 0; i < 200; i++) printf "%s ", c[int(rand() * 7) + 1] }')

# run NAME MODE: the helper with SIGALRM every 100 us through cids-runtime; exit in $TMP/NAME.rc
run() {
	local name=$1 mode=$2 b=$TMP/b-$1 cname rc=0
	rm -rf "$b"
	# shellcheck disable=SC2086 # the steps are words
	ebpf_bundle "$b" "$CFG" "$KEY" "$mode" /syscall_script --sigalrm 100 --repeat 100 $SEQ
	cp "$S" "$b/rootfs/syscall_script"
	cname=$(cname "$name")
	echo "$cname" >"$TMP/$name.id"
	runtime_cleanup runc "$cname"
	timeout 120 "$CIDS_BUILD/cids-runtime" run --bundle "$b" "$cname" </dev/null >"$TMP/$name.out" 2>&1 || rc=$?
	runc delete --force "$cname" >/dev/null 2>&1 || true
	echo "$rc" >"$TMP/$name.rc"
	wait_for 15 bash -c "! ls '$TMP/run/monitors/'*.json >/dev/null 2>&1" ||
		fail "a monitor still has a status file after $name ended"
}

alerts() {
	[ -f "$ALERTS" ] || return 0
	jq -c --arg id "$(cat "$TMP/$1.id")" 'select(.output_fields["container.id"] == $id
		and .rule != "cids_monitor") | [.rule, .output_fields["cids.window"],
		.output_fields["cids.action"]]' "$ALERTS"
}

for i in 1 2 3; do
	log "learn $i"
	run "learn$i" learn
	[ "$(cat "$TMP/learn$i.rc")" = 0 ] || { cat "$TMP/learn$i.out"; fail "learn run $i: exit $(cat "$TMP/learn$i.rc")"; }
	grep -q '^alarms=[1-9]' "$TMP/learn$i.out" || fail "learn run $i: no signal delivered ($(cat "$TMP/learn$i.out"))"
done
grep -q 'learn (ptrace1 backend)' "$MONLOG" || fail "the monitor did not run in one-stop mode"
for i in 1 2 3; do
	log "enforce $i"
	run "enforce$i" enforce
	log "enforce $i: $(grep alarms "$TMP/enforce$i.out"), exit $(cat "$TMP/enforce$i.rc"), $(alerts "enforce$i" | wc -l) alerts"
	[ -z "$(alerts "enforce$i")" ] || { alerts "enforce$i" | head -5; fail "enforce run $i: alerts on the learned calls"; }
	[ "$(cat "$TMP/enforce$i.rc")" = 0 ] || fail "enforce run $i: exit $(cat "$TMP/enforce$i.rc")"
	grep -q '^alarms=[1-9]' "$TMP/enforce$i.out" || fail "enforce run $i: no signal delivered"
done
log "PASS"
