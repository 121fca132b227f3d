#!/usr/bin/env bash
# Helpers shared by the tests of containers started through cids-runtime, whose filter rewrite
# the seccomp backend and ptrace one-stop need: seccomp_scenarios.sh (t_seccomp_runc/crun,
# t_ptrace1_runc/crun), t_seccomp_docker.sh, t_seccomp_podman.sh, t_seccomp_denied.sh
# (t_ptrace1_denied) and t_seccomp_restart.sh. Source after lib.sh and engine_lib.sh.

# sc_config KEY RUNTIME ACTION BACKEND_JQ [MORE_JQ]: the configuration every scenario starts
# from in $CFG: learn, on_steady stay, on_error allow, profile key and mode from the container,
# cids-runtime wrapping RUNTIME, enforce.action ACTION, then BACKEND_JQ and MORE_JQ (jq
# assignments). Sets KEY, ALERTS and MONLOG and makes $TMP/out (the workload's bind mount).
sc_config() {
	KEY=$1
	CFG=$TMP/config.json
	cids_config "$CFG" "$4 | .mode = \"learn\" | .on_steady = \"stay\" | .on_error = \"allow\"
		| .allow_container_override = true | .runtime.runtimes = [\"$2\"]
		| .enforce.action = \"$3\"${5:+ | $5}"
	ALERTS=$TMP/log/alerts.jsonl
	MONLOG=$TMP/log/monitor.log
	mkdir -p "$TMP/out"
}

# sc_workload SCENARIO: sets WORK, the workload (sh -c "$WORK" sh ITERATIONS ...): ITERATIONS
# rounds of the same loop (fewer once $TMP/out/stop exists: a long run the test has seen enough
# of), then the shell text SCENARIO (it reads $2 on), then "workload-done".
sc_workload() {
	WORK='
i=0
while [ $i -lt $1 ] && [ ! -e /out/stop ]; do
	ls / >/dev/null; cat /etc/passwd >/dev/null; grep root /etc/group >/dev/null
	i=$((i + 1))
done
'"$1"'
echo workload-done
'
}

show_logs() {
	echo "--- monitor log"; tail -30 "$MONLOG" 2>/dev/null || true
	echo "--- alerts"; tail -5 "$ALERTS" 2>/dev/null || true
}
# trap_fail MESSAGE: the logs, a copy of $TMP in $CIDS_KEEP_FAILED if set, then fail
trap_fail() {
	show_logs
	if [ -n "${CIDS_KEEP_FAILED:-}" ]; then cp -r "$TMP" "$CIDS_KEEP_FAILED"; fi
	fail "$@"
}
set_cfg() { jq "$1" "$CFG" >"$CFG.new" && mv "$CFG.new" "$CFG"; }
# jq_any FILTER FILE: FILTER selects something in FILE (jq 1.6's -e looks at the last input only)
jq_any() { [ -n "$(jq -c "$1" "$2" 2>/dev/null)" ]; }

# sc_alerts_of ID [ACTION]: the anomaly alerts of container ID (of that action)
sc_alerts_of() {
	[ -f "$ALERTS" ] || return 0
	jq -c --arg id "$1" --arg a "${2:-}" 'select(.rule == "cids_anomalous_window"
		and .output_fields["container.id"] == $id
		and ($a == "" or .output_fields["cids.action"] == $a))' "$ALERTS"
}

# sc_monitor_judged BACKEND: a monitor of that backend ran and judged calls
sc_monitor_judged() {
	grep -q "learn ($1 backend)" "$MONLOG" || trap_fail "no $1 monitor ran"
	grep -Eq 'ended \([1-9][0-9]* calls judged' "$MONLOG" || trap_fail "the monitor judged no call"
}

# sc_start_ctr NAME MODE ITERATIONS [SCENARIO [ARG]]: a runc/crun ($RT) bundle of the workload
# ($WORK at /work.sh, key and mode as annotations, $TMP/out at /out), run through cids-runtime in
# the background: container id in $TMP/NAME.id, output in $TMP/NAME.out, exit status in
# $TMP/NAME.rc, the waiting shell's pid in $TMP/NAME.bg. $EXTRA_JQ edits config.json, $CTR_FILES
# are copied into the rootfs, $CTR_TIMEOUT (60 s) bounds the run.
sc_start_ctr() {
	local name=$1 mode=$2 n=$3 scen=${4:-} arg=${5:-} b=$TMP/b-$1 cname
	rm -rf "$b"
	make_bundle "$b" /bin/sh /work.sh "$n" "$scen" "$arg"
	printf '%s\n' "$WORK" >"$b/rootfs/work.sh"
	# shellcheck disable=SC2086 # a list of files
	[ -z "${CTR_FILES:-}" ] || cp $CTR_FILES "$b/rootfs/"
	bundle_jq "$b" ".annotations[\"io.cids.profile\"] = \"$KEY\"
		| .annotations[\"io.cids.mode\"] = \"$mode\"
		| .mounts += [{\"destination\": \"/out\", \"type\": \"bind\", \"source\": \"$TMP/out\",
			\"options\": [\"rbind\", \"rw\"]}]"
	[ -z "${EXTRA_JQ:-}" ] || bundle_jq "$b" "$EXTRA_JQ"
	cname=$(cname "$name")
	echo "$cname" >"$TMP/$name.id"
	runtime_cleanup "$RT" "$cname"
	(
		rc=0
		timeout -k 10 "${CTR_TIMEOUT:-60}" "$CIDS_BUILD/cids-runtime" run --bundle "$b" "$cname" \
			</dev/null >"$TMP/$name.out" 2>&1 || rc=$?
		echo "$rc" >"$TMP/$name.rc"
	) &
	echo $! >"$TMP/$name.bg"
}

# sc_finish_ctr NAME: wait for it, delete it, wait until every monitor saved and exited
sc_finish_ctr() {
	wait "$(cat "$TMP/$1.bg")" || true
	"$RT" delete --force "$(cat "$TMP/$1.id")" >/dev/null 2>&1 || true
	wait_for 20 monitors_idle "$TMP/run" || trap_fail "a monitor did not exit: $(ls "$TMP/run/monitors/")"
}

# sc_run_ctr NAME MODE ITERATIONS [SCENARIO [ARG]]: sc_start_ctr, then sc_finish_ctr
sc_run_ctr() {
	sc_start_ctr "$@"
	sc_finish_ctr "$1"
}

monitor_pid_of() { jq -r .monitor_pid "$TMP/run/monitors/$1.json"; }

# sc_kill_judging NAME: SIGKILL container NAME's cids-notify between its NOTIF_RECV and its answer
# (strace holds every ioctl's return 5 s; the kill comes once the last ioctl it printed is a
# RECV). Such a notification stays "sent" in the kernel and cannot be received again. Sets MP,
# the killed monitor's pid.
sc_kill_judging() {
	local id spid
	id=$(cat "$TMP/$1.id")
	wait_for 15 test -s "$TMP/run/monitors/$id.json" || trap_fail "no status file"
	sleep 0.5
	MP=$(monitor_pid_of "$id")
	[ "$(cat "/proc/$MP/comm")" = cids-notify ] || trap_fail "pid $MP is not the monitor"
	strace -qq -p "$MP" -e trace=ioctl -e inject=ioctl:delay_exit=5000000 \
		-o "$TMP/$1.strace" 2>/dev/null &
	spid=$!
	wait_for 30 bash -c "tail -n 1 '$TMP/$1.strace' | grep -q NOTIF_RECV" ||
		{ kill "$spid"; trap_fail "strace saw no NOTIF_RECV of the monitor"; }
	kill -KILL "$MP"
	wait "$spid" || true
	log "killed in flight: $(tail -n 2 "$TMP/$1.strace" | head -n 1 | cut -c 1-120)"
}
