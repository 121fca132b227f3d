#!/usr/bin/env bash
# eBPF backend, enforce: an attack whose one never-seen call is a fork, a symlinkat, a mkdirat,
# or an i386 call (int 0x80) does not take effect.
# A static helper makes a learned sequence of argument-less calls, then one attack step
# (tests/helpers/syscall_script). Rows (issues #19 and #14):
#  - a forked child's first call: judged in the kernel, killed at its exit.
#  - fork: the parent is killed at the fork's exit, and the child dies at its own first exit
#    (its return from the fork) before it makes its symlinkat: /out/child-link never exists.
#  - symlinkat / mkdirat: with the BPF LSM (cidsd.json "prevention": true) the call is denied
#    before it runs and the link/directory never exists; without it the process is killed at
#    the call's exit (the link exists: checked, and the missing prevention is printed).
#  - i386 mkdir (39) between x86_64 calls that make it read as getpid (39), a learned window:
#    an alert with rule cids_foreign_abi naming i386:mkdir in detect, a kill in enforce.
#  - the default (tolerant) model: a never-learned mkdirat kills its process at the call's exit,
#    before its next call (a symlinkat: no link).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ebpf_lib.sh"

need_root
need_cmd runc jq
why=$(ebpf_supported) || skip "$why"
ensure_tracefs
S=$CIDS_BUILD/tests/helpers/syscall_script
[ -x "$S" ] || fail "$S not built"

CFG=$TMP/config.json
cids_config "$CFG" '.backend = "ebpf" | .mode = "learn" | .on_steady = "stay" | .on_error = "deny"
	| .detection.algorithm = "stide" | .detection.window = 4 | .detection.frame = 20
	| .detection.threshold = 1 | .enforce.action = "kill" | .enforce.max_kills_per_minute = 100'
KEY=ebpf-prevent-$$
ALERTS=$TMP/log/alerts.jsonl

PAT="getpid getppid getuid getgid geteuid"
LEARN="$(rep 80 $PAT)"

# run NAME MODE STEPS...: the helper as the container's process; its exit status in
# $TMP/NAME.rc, container id in $TMP/NAME.id, /out emptied first
run() {
	local name=$1 mode=$2 b=$TMP/b-$1 cname rc=0; shift 2
	rm -rf "$b" "$TMP/out"
	# shellcheck disable=SC2068 # the steps are words
	ebpf_bundle "$b" "$CFG" "$KEY" "$mode" /syscall_script $@
	cp "$S" "$b/rootfs/syscall_script"
	cname=$(cname "$name")
	echo "$cname" >"$TMP/$name.id"
	runtime_cleanup runc "$cname"
	timeout 60 runc run --bundle "$b" "$cname" </dev/null >"$TMP/$name.out" 2>&1 || rc=$?
	runc delete --force "$cname" >/dev/null 2>&1 || true
	echo "$rc" >"$TMP/$name.rc"
	wait_for 10 bash -c "! ls '$TMP/run/monitors/'*.json >/dev/null 2>&1" ||
		fail "cidsd still has a status file after $name ended"
}

# alerts NAME: that container's alerts as "rule syscall action" lines
alerts() {
	[ -f "$ALERTS" ] || return 0
	jq -r --arg id "$(cat "$TMP/$1.id")" 'select(.output_fields["container.id"] == $id
		and (.rule == "cids_anomalous_window" or .rule == "cids_foreign_abi"))
		| "\(.rule) \(.output_fields["evt.type"]) \(.output_fields["cids.action"])"' "$ALERTS"
}

cidsd_start "$CFG"
log "learn"
run learn-fork learn --fork 1 $LEARN
run learn learn $LEARN
[ "$(cat "$TMP/learn.rc")" = 0 ] || { cat "$TMP/learn.out"; fail "learn run: exit $(cat "$TMP/learn.rc")"; }
# the final save follows the container's end (a container shorter than a status tick has no
# status file to wait for)
wait_for 10 test -s "$TMP/store/$KEY.profile" || fail "no profile after learning"
prevention=$(cidsd_stat prevention)
log "cidsd: prevention in the kernel: $prevention ($(cidsd_stat prevention_why))"

log "benign in enforce: not killed"
run benign enforce $LEARN
[ "$(cat "$TMP/benign.rc")" = 0 ] || { alerts benign; fail "benign run: exit $(cat "$TMP/benign.rc")"; }
grep -q 'detection in the kernel (STIDE k=4' "$TMP/cidsd.log" || fail "detection did not move into the kernel"

log "fork: neither parent nor child runs on"
run fork enforce "$(rep 30 $PAT)" fork "$(rep 10 $PAT)"
[ "$(cat "$TMP/fork.rc")" = 137 ] || { alerts fork; fail "fork: the parent was not killed (exit $(cat "$TMP/fork.rc"))"; }
[ ! -e "$TMP/out/child-link" ] && [ ! -L "$TMP/out/child-link" ] ||
	fail "fork: the child of the anomalous fork ran and made its link"
alerts fork | has '^cids_anomalous_window fork kill$' || { alerts fork; fail "fork: no kill alert for the fork"; }

# a forked child whose first call is the attack: the kernel judges the child from its first
# call (its streams start with the profile's start symbols, as in cidsd), so it is killed at
# the exit of its symlinkat and never makes its mkdirat (before, its first k-1 calls were
# judged in cidsd, whose kill came later)
log "child: killed at its first call"
run child enforce --fork 1 symlink mkdir "$(rep 10 $PAT)"
grep -q '^rc=137$' "$TMP/child.out" || { cat "$TMP/child.out"; alerts child; fail "child: not killed"; }
[ ! -e "$TMP/out/dir" ] || { alerts child; fail "child: its second call (mkdirat) ran"; }

for attack in symlink:link mkdir:dir; do
	call=${attack%%:*} made=$TMP/out/${attack#*:}
	log "$call: in enforce"
	run "$call" enforce "$(rep 30 $PAT)" "$call" "$(rep 10 $PAT)"
	alerts "$call" | has "^cids_anomalous_window ${call}at kill$" ||
		{ alerts "$call"; fail "$call: no kill alert"; }
	if [ "$prevention" = true ]; then
		[ ! -e "$made" ] && [ ! -L "$made" ] || fail "$call: denied in the kernel, yet $made exists"
		grep -q "denied in the kernel before it ran" "$ALERTS" || fail "$call: the alert does not say it was denied"
	else
		# the kernel cannot deny here: the call ran, then the process was killed
		[ "$(cat "$TMP/$call.rc")" = 137 ] || fail "$call: not killed (exit $(cat "$TMP/$call.rc"))"
		log "$call: no BPF LSM on this kernel: $made was made before the kill (prevention needs the BPF LSM)"
	fi
done

# A kernel that does not run i386 calls (int 0x80 raises SIGSEGV on the host: some PVM guests)
# has no i386 attack to read as x86_64: the part is skipped with a line saying so.
if { "$CIDS_BUILD/tests/helpers/blind_probe" i386-check >/dev/null; } 2>/dev/null; then
	# i386 mkdir is 39, x86_64 getpid: placed where getpid comes in the learned pattern, read as an
	# x86_64 number it makes only learned windows (the mimicry of issue #14)
	MIMIC="$(rep 30 $PAT) getpid getppid getuid getgid geteuid i386_mkdir getppid getuid getgid geteuid $(rep 10 $PAT)"
	log "i386 mkdir read as getpid: detect alerts it"
	run i386-detect detect "$MIMIC"
	[ "$(cat "$TMP/i386-detect.rc")" = 0 ] || fail "i386 in detect: exit $(cat "$TMP/i386-detect.rc")"
	alerts i386-detect | has '^cids_foreign_abi i386:mkdir alert$' ||
		{ alerts i386-detect; fail "i386 mkdir: no cids_foreign_abi alert"; }

	log "i386 mkdir in enforce: killed"
	run i386-enforce enforce "$MIMIC"
	[ "$(cat "$TMP/i386-enforce.rc")" = 137 ] || { alerts i386-enforce; fail "i386 in enforce: not killed (exit $(cat "$TMP/i386-enforce.rc"))"; }
	alerts i386-enforce | has '^cids_foreign_abi i386:mkdir kill$' ||
		{ alerts i386-enforce; fail "i386 mkdir in enforce: no kill alert"; }
	if [ "$prevention" = true ]; then
		[ ! -e "$TMP/out/i386-dir" ] || fail "i386 mkdir: denied in the kernel, yet the directory exists"
	fi
else
	log "this kernel does not run i386 calls (int 0x80 fails on the host): the i386 part skipped"
fi
cidsd_stop

# The default (tolerant) model: the kernel reports every mismatching window and cidsd weighs
# them, but a never-learned call is acted on at once, and the program kills on those calls
# itself: the process dies at the mkdirat's exit and never makes its symlinkat (a kill from
# cidsd came a wake-up later: the link was made).
jq --slurpfile ex "$CIDS_SRC/config.json.example" '.detection = $ex[0].detection' "$CFG" >"$TMP/tolerant.json"
CFG=$TMP/tolerant.json
cidsd_start "$CFG"
log "tolerant model: a never-learned mkdir, then a symlink"
run tolerant enforce "$(rep 30 $PAT)" mkdir symlink "$(rep 10 $PAT)"
grep -q 'processes making a never-learned call killed there' "$TMP/cidsd.log" ||
	fail "tolerant model: kills on never-learned calls are not done in the kernel"
[ "$(cat "$TMP/tolerant.rc")" = 137 ] || { alerts tolerant; fail "tolerant model: not killed (exit $(cat "$TMP/tolerant.rc"))"; }
alerts tolerant | has '^cids_anomalous_window mkdirat kill$' || { alerts tolerant; fail "tolerant model: no kill alert for the mkdirat"; }
# the alert says who killed: the program (cidsd's kill won the race with the next call in 2 of
# 3 runs of the code before, so the link alone does not tell)
jq -r --arg id "$(cat "$TMP/tolerant.id")" 'select(.output_fields["container.id"] == $id
	and .output_fields["evt.type"] == "mkdirat") | .output' "$ALERTS" | has 'killed in the kernel at the call.s exit' ||
	fail "tolerant model: the mkdirat's alert does not say the kernel killed it"
[ ! -e "$TMP/out/link" ] && [ ! -L "$TMP/out/link" ] ||
	{ alerts tolerant; fail "tolerant model: the call after the never-learned mkdirat ran (its link exists)"; }
log "tolerant model: killed at the mkdirat's exit, before its next call"
cidsd_stop
log "PASS"
