#!/usr/bin/env bash
# Joiners under the ptrace backend (issue 19, item 2): a process entering a running container by
# `runc exec` is judged from its first call, so a one-call attack never runs.
#  1. enforce (block), learned profile: `runc exec CID mkdir /pwned` exits non-zero, /pwned does
#     not exist in the rootfs, an alert names the container, and the container's own workload
#     runs to its end;
#  2. detect: `runc exec CID mkdir /seen` runs (detect never blocks) and its mkdir is alerted:
#     the one-call joiner was traced, not missed; the monitor log says it was stopped at its
#     exec; the container runs to its end;
#  3. the fallback: with the exec stop off, the monitor log says the scan alone runs, and a
#     joiner that waits 0.8 s is still traced by it; --check-config states both;
#  4. the monitor SIGKILLed (on_error allow): a later `runc exec` runs (nothing stops it for
#     ever once its monitor is gone).
# Part 1 runs with runc and crun (crun exec). Before the exec stop (hook/joiner.bpf.c) both failed: the 200 ms scan never saw the mkdir.
# Skips where the monitor could not load the program (no BTF or BPF): the scan's race is then
# documented, not tested.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"

errs=()
err() { echo "FAIL: $*" >&2; errs+=("$*"); }
ALERTS=$TMP/log/alerts.jsonl
MONLOG=$TMP/log/monitor.log

HOST='del(.allow_container_override, .container_key_prefix, .on_unlearned)'
cids_config "$TMP/learn.json" "$HOST | .mode = \"learn\" | .on_steady = \"stay\""
cids_config "$TMP/enforce.json" "$HOST | .mode = \"enforce\" | .enforce.action = \"block\""
cids_config "$TMP/detect.json" "$HOST | .mode = \"detect\""

# --check-config says which joiner handling this host gets: the exec stop here (root, BTF), the
# 200 ms scan where the program cannot load (here: without the privileges to load it)
"$CIDS_BUILD/cids-hook" --config "$TMP/enforce.json" --check-config 2>"$TMP/check.err" >/dev/null ||
	err "--check-config failed: $(cat "$TMP/check.err")"
grep -q 'stopped at their exec by a BPF program' "$TMP/check.err" ||
	err "--check-config does not say joiners are stopped at their exec: $(cat "$TMP/check.err")"
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$CIDS_BUILD/cids-hook" --config "$TMP/enforce.json" --check-config 2>"$TMP/check2.err" >/dev/null || true
	grep -q 'No joiner stop (.*found by a scan every 200 ms' "$TMP/check2.err" ||
		err "--check-config without BPF does not state the scan fallback: $(cat "$TMP/check2.err")"
fi

# long enough for the exec below; the same command learns and is judged (one derived key)
W='ls / >/dev/null; cat /etc/passwd >/dev/null; sleep 3; echo finished'
B=$TMP/b
fl_bundle "$B" "" "$TMP/learn.json" createRuntime sh -c "$W"
for i in 1 2; do
	c=$(cname learn)
	runtime_cleanup runc "$c"
	(cd "$B" && timeout -k 1 40 runc run "$c" </dev/null >"$TMP/learn.out" 2>"$TMP/learn.err") ||
		{ cat "$TMP/learn.err"; fail "learn run $i"; }
	fl_wait_no_monitors 10 || fail "learn monitor $i did not exit"
done
ls "$TMP/store"/w-*.profile >/dev/null 2>&1 || fail "no profile learned: $(ls "$TMP/store")"

# start CFG NAME: run the bundle with $RT under CFG in the background until it is running
# ($c: its name, $ctr: the runtime's pid)
RT=runc
start() {
	local cfg=$1
	c=$(cname "$2")
	bundle_jq "$B" ".hooks.createRuntime[0].args[2] = \"$cfg\""
	runtime_cleanup "$RT" "$c"
	(cd "$B" && exec timeout -k 1 40 "$RT" run "$c" </dev/null >"$TMP/$2.out" 2>"$TMP/$2.err") &
	ctr=$!
	on_exit "kill $ctr 2>/dev/null"
	# running means the hook returned: the monitor is attached (a joiner to wait with would be
	# judged itself)
	wait_for 10 bash -c "[ \"\$($RT state '$c' 2>/dev/null | jq -r .status)\" = running ]" ||
		{ cat "$TMP/$2.err"; fail "$2: the container never ran"; }
}

# ------------------------------------------------------------------ 1. enforce: one-call joiner
# enforce_one RUNTIME
enforce_one() {
	RT=$1
	lmark=$(fl_lines "$MONLOG")
	start "$TMP/enforce.json" enforce
	if fl_new_lines "$MONLOG" "$lmark" | has 'found by a scan every'; then
		kill "$ctr"
		skip "the monitor could not load the joiner stop: $(fl_new_lines "$MONLOG" "$lmark" | grep 'found by a scan' | head -1)"
	fi
	mark=$(fl_lines "$ALERTS")
	rc1=0
	"$RT" exec "$c" mkdir /pwned >"$TMP/exec1.out" 2>&1 || rc1=$?
	[ "$rc1" -ne 0 ] || err "$RT enforce: $RT exec mkdir /pwned exited 0"
	if [ -e "$B/rootfs/pwned" ]; then
		err "$RT enforce: /pwned was created by a joiner"
		rmdir "$B/rootfs/pwned"
	else
		log "$RT enforce: /pwned not created ($RT exec exit status $rc1)"
	fi
	wait "$ctr" || err "$RT enforce: the container failed after the exec: $(head -c 300 "$TMP/enforce.err")"
	grep -qx finished "$TMP/enforce.out" || err "$RT enforce: the container's workload did not finish"
	fl_wait_no_monitors 10 || err "$RT enforce: monitor did not exit"
	{ fl_new_lines "$ALERTS" "$mark" || true; } >"$TMP/a1.jsonl"
	jq -e -s --arg c "$c" 'map(select(.output_fields["container.id"] == $c
		and .output_fields["cids.action"] == "block")) | length >= 1' "$TMP/a1.jsonl" >/dev/null ||
		{ jq -c . "$TMP/a1.jsonl" | head -5 || true; err "$RT enforce: no block alert for the joiner"; }
	log "$RT enforce: $(wc -l <"$TMP/a1.jsonl") alerts, $(jq -s 'map(select(.output_fields["evt.type"] == "mkdir")) | length' "$TMP/a1.jsonl") of them for mkdir"
}
enforce_one runc
if command -v crun >/dev/null; then
	ensure_crun_cgroups
	enforce_one crun
else
	log "crun: not installed, its part skipped"
fi
RT=runc

# ------------------------------------------------------------------ 2. detect: traced, not killed
lmark=$(fl_lines "$MONLOG")
start "$TMP/detect.json" detect
mark=$(fl_lines "$ALERTS")
runc exec "$c" mkdir /seen >"$TMP/exec2.out" 2>&1 || err "detect: runc exec mkdir failed: $(cat "$TMP/exec2.out")"
[ -d "$B/rootfs/seen" ] || err "detect: the joiner's mkdir did not run (detect must not block)"
rmdir "$B/rootfs/seen" 2>/dev/null || true
wait "$ctr" || err "detect: the container failed after the exec: $(head -c 300 "$TMP/detect.err")"
grep -qx finished "$TMP/detect.out" || err "detect: the container's workload did not finish"
fl_wait_no_monitors 10 || err "detect: monitor did not exit"
{ fl_new_lines "$ALERTS" "$mark" || true; } >"$TMP/a2.jsonl"
jq -e -s --arg c "$c" 'map(select(.output_fields["container.id"] == $c
	and .output_fields["evt.type"] == "mkdir")) | length >= 1' "$TMP/a2.jsonl" >/dev/null ||
	{ jq -c . "$TMP/a2.jsonl" | head -5 || true; err "detect: the joiner's mkdir was not judged (no alert)"; }
# stopped at its exec by the BPF program (and seized then, or by the cgroup scan that came
# first), or, after a slow runtime set-up on a loaded machine, held already by the scan before
# its exec: each way judged from its execve on
fl_new_lines "$MONLOG" "$lmark" |
	grep -qE 'stopped at its exec(, traced from its first call|, held already by the scan)|found by the scan before its exec, judged from its execve' ||
	err "detect: the monitor log says neither that the joiner was stopped at its exec nor that it was held before it: $(fl_new_lines "$MONLOG" "$lmark" | grep -m2 'joined' | tr '\n' ' ')"
log "detect: $(wc -l <"$TMP/a2.jsonl") alerts"

# ------------------------------------------------------------------ 3. the fallback
# Without the exec stop (CIDS_MONITOR_NO_JOINER_STOP in the hook's env stands for a host
# without BPF) the log says so and the 200 ms scan still traces a joiner that lives long enough.
lmark=$(fl_lines "$MONLOG")
bundle_jq "$B" '.hooks.createRuntime[0].env = ["CIDS_MONITOR_NO_JOINER_STOP=1"]'
start "$TMP/detect.json" fallback
bundle_jq "$B" 'del(.hooks.createRuntime[0].env)'
mark=$(fl_lines "$ALERTS")
runc exec "$c" sh -c 'sleep 0.8; mkdir /seen' >"$TMP/exec4.out" 2>&1 ||
	err "fallback: runc exec failed: $(cat "$TMP/exec4.out")"
rmdir "$B/rootfs/seen" 2>/dev/null || true
wait "$ctr" || err "fallback: the container failed: $(head -c 300 "$TMP/fallback.err")"
fl_wait_no_monitors 10 || err "fallback: monitor did not exit"
fl_new_lines "$MONLOG" "$lmark" | has 'joiner stop off.*found by a scan every 200 ms' ||
	err "fallback: the monitor log does not state the scan fallback"
{ fl_new_lines "$ALERTS" "$mark" || true; } >"$TMP/a4.jsonl"
jq -e -s --arg c "$c" 'map(select(.output_fields["container.id"] == $c
	and .output_fields["evt.type"] == "mkdir")) | length >= 1' "$TMP/a4.jsonl" >/dev/null ||
	err "fallback: the scan did not trace a joiner that waited 0.8 s (no mkdir alert)"
log "fallback: scan alone stated in the log, a slow joiner traced"

# ------------------------------------------------------------------ 4. monitor SIGKILLed
# The program lives by its monitor's file descriptors (the watchdog holds none): with the
# monitor gone (on_error allow), a joiner runs untraced instead of staying stopped for ever.
start "$TMP/detect.json" killed
mon=""
wait_for 10 bash -c "jq -e .monitor_pid '$(fl_status_file "$c")' >/dev/null 2>&1" &&
	mon=$(fl_monitor_pid "$c")
if [ -z "$mon" ]; then
	err "killed: no monitor pid in $(fl_status_file "$c")"
else
	kill -KILL "$mon"
	sleep 0.3
	timeout 10 runc exec "$c" sh -c 'echo alive' >"$TMP/exec3.out" 2>&1 ||
		err "killed: runc exec after the monitor's death failed or hung: $(cat "$TMP/exec3.out")"
	grep -qx alive "$TMP/exec3.out" || err "killed: the joiner did not run"
	log "killed: monitor $mon SIGKILLed, a later runc exec ran"
fi
wait "$ctr" || err "killed: the container failed: $(head -c 300 "$TMP/killed.err")"
rm -f "$(fl_status_file "$c")" # the SIGKILLed monitor could not remove its own

fl_sanitizer_report || err "sanitizer reports in the monitor log"
if [ ${#errs[@]} -gt 0 ]; then
	printf 'FAIL: %s\n' "${errs[@]}" >&2
	exit 1
fi
[ -n "${JOINER_KEEP:-}" ] && cp -a "$TMP/log" "$JOINER_KEEP"
log "PASS"
