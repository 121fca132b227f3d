#!/usr/bin/env bash
# Helpers of the fault / hostile-tenant tests (t_fault_*.sh, t_hostile.sh, t_kill_rate.sh,
# t_monitor_seccomp.sh, tests/stress/s_*.sh). Source after lib.sh.

need_root
need_cmd runc jq busybox
[ -x "$CIDS_BUILD/cids-hook" ] || fail "build $CIDS_BUILD/cids-hook first"
CIDS=$CIDS_BUILD/cids
HELPERS=$CIDS_BUILD/tests/helpers

# One busybox rootfs template per test; every bundle gets its own copy (cp -a is cheap).
_fl_rootfs=""
# fl_bundle DIR KEY CFG STAGE CMD...: a bundle running CMD with cids-hook (CFG) at STAGE and
# annotation io.cids.profile=KEY (none when KEY is "").
fl_bundle() {
	local dir=$1 key=$2 cfg=$3 stage=$4; shift 4
	local args='[]' a
	if [ -z "$_fl_rootfs" ]; then
		_fl_rootfs=$TMP/rootfs.tmpl
		make_rootfs "$_fl_rootfs"
	fi
	mkdir -p "$dir"
	cp -a "$_fl_rootfs" "$dir/rootfs"
	if [ -z "${_fl_spec:-}" ]; then
		_fl_spec=$TMP/spec.json
		(cd "$TMP" && runc spec && mv config.json "$_fl_spec")
	fi
	for a in "$@"; do args=$(jq -c --arg a "$a" '. + [$a]' <<<"$args"); done
	jq --argjson a "$args" --arg k "$key" --arg h "$CIDS_BUILD/cids-hook" --arg c "$cfg" \
		--arg s "$stage" '
		.process.terminal = false | .process.args = $a | .root.readonly = false
		| .hostname = "cids-test"
		| (if $k != "" then .annotations["io.cids.profile"] = $k else . end)
		| .hooks[$s] = [{"path": $h, "args": ["cids-hook", "--config", $c], "timeout": 30}]' \
		"$_fl_spec" >"$dir/config.json"
}

# fl_sh SCRIPT: the JSON args of `sh -c SCRIPT` (for bundle_jq).
fl_sh() { jq -cn --arg s "$1" '["sh","-c",$s]'; }

# fl_status_file NAME: the monitor status file of container NAME.
fl_status_file() { echo "$TMP/run/monitors/$1.json"; }
# fl_monitor_pid NAME: pid of the live monitor of container NAME (from its status file).
fl_monitor_pid() { jq -r '.monitor_pid // empty' "$(fl_status_file "$1")" 2>/dev/null; }

# Processes that belong to this test: their command line mentions $TMP (the hook and monitors
# get --config $TMP/...), or they descend from this shell. Prints "pid comm" lines.
fl_our_procs() {
	local p cmd
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" = $$ ] || [ "$p" = "$BASHPID" ] && continue
		cmd=$({ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null) || continue
		case $cmd in
		*"$TMP"*) case $cmd in *fl_our_procs*|*"grep "*) ;; *) echo "$p $cmd" ;; esac ;;
		esac
	done
}

# fl_monitors: live cids monitors of this test (cids-hook processes whose parent is not a
# runtime: the monitor is re-parented to init / a subreaper after its double fork).
fl_monitors() {
	local p exe
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		exe=$(readlink "/proc/$p/exe" 2>/dev/null) || continue
		[ "$exe" = "$CIDS_BUILD/cids-hook" ] || continue
		{ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | has -F -- "$TMP" || continue
		echo "$p"
	done
}

# fl_wait_no_monitors TIMEOUT: every monitor of this test has exited.
fl_no_monitors() { [ -z "$(fl_monitors)" ]; }
fl_wait_no_monitors() { wait_for "$1" fl_no_monitors; }

# fl_kill_our_monitors: clean-up of monitors that a failing test left behind (by pid).
fl_kill_our_monitors() {
	local p
	for p in $(fl_monitors); do kill -KILL "$p" 2>/dev/null; done
}
on_exit fl_kill_our_monitors

# fl_alerts_valid FILE: every line of FILE is one JSON object.
fl_alerts_valid() {
	local n=0 line
	[ -e "$1" ] || return 0
	while IFS= read -r line; do
		n=$((n + 1))
		jq -e 'type == "object"' <<<"$line" >/dev/null 2>&1 || { echo "line $n not JSON: $line"; return 1; }
	done <"$1"
}

# fl_new_lines FILE MARK: lines of FILE after line MARK.
# A FILE not written yet has no new lines (not an error: the alerts file appears with its first
# alert, and a steady profile may give none).
fl_new_lines() { [ ! -e "$1" ] || tail -n +$(($2 + 1)) "$1"; }
fl_lines() { if [ -e "$1" ]; then wc -l <"$1"; else echo 0; fi; }

# fl_bug TEXT: print a loud line for the report (the test still fails through fail).
fl_bug() { echo "BUG: $*" >&2; }

# fl_sanitizer_report: prints sanitizer reports (ASan, UBSan, LSan) that monitors wrote to the
# monitor logs of this test (build-debug runs: the monitor's stderr is its log); fails if any.
fl_sanitizer_report() {
	local f found=0
	for f in "$TMP"/log/*.log "$TMP"/*/monitor.log; do
		[ -f "$f" ] || continue
		if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f"; then
			grep -E -A12 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f" | head -40
			found=1
		fi
	done
	[ $found -eq 0 ]
}
