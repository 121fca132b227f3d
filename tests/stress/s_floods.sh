#!/usr/bin/env bash
# Stress (make stress): floods inside a traced container (learn mode, ptrace backend):
#  - a fork bomb, bounded by the container's pids cgroup (linux.resources.pids.limit = 256);
#  - a thread storm (tests/helpers/thread_storm: create + join threads as fast as possible);
#  - a syscall flood (tests/helpers/getppid_loop, asked for 1 M getppid/s).
# The monitor's VmRSS is sampled from /proc every 100 ms: its maximum must stay under
# RSS_BOUND_KB (64 MiB); the monitor survives, exits with its container, and its status file
# either shows it kept up or counts what it lost. Prints the figures for README.
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../integration/fault_lib.sh"
[ -n "${STRESS:-}" ] || skip "stress test: run with make stress (STRESS=1)"
for h in thread_storm getppid_loop; do [ -x "$HELPERS/$h" ] || fail "build $HELPERS/$h first (make all)"; done

RSS_BOUND_KB=${RSS_BOUND_KB:-65536}
errs=()
err() { echo "FAIL: $*" >&2; errs+=("$*"); }
cids_config "$TMP/cfg.json" '.mode = "learn" | .on_steady = "stay"'

# flood NAME SECONDS SCRIPT: run SCRIPT in a traced container for at most SECONDS, sampling the
# monitor. Sets MAXRSS (kB), LAST (last status JSON), OUT.
flood() {
	local what=$1 secs=$2 script=$3 b=$TMP/$1 name st mon t0 sampler
	fl_bundle "$b" "flood-$what-$$" "$TMP/cfg.json" createRuntime sh -c "$script"
	cp "$HELPERS/thread_storm" "$HELPERS/getppid_loop" "$b/rootfs/bin/"
	bundle_jq "$b" '.linux.resources.pids.limit = 256'
	name=$(cname "$what")
	runtime_cleanup runc "$name"
	st=$(fl_status_file "$name")
	OUT=$TMP/$what.out
	(cd "$b" && timeout -k 2 $((secs + 30)) runc run "$name" </dev/null >"$OUT" 2>&1) &
	local ctr=$!
	wait_for 10 test -s "$st" || { err "$what: no monitor"; return; }
	mon=$(fl_monitor_pid "$name")
	# sampler: max VmRSS and the last status file, every 100 ms while the monitor lives
	(
		max=0
		while [ -d "/proc/$mon" ]; do
			r=$(awk '/^VmRSS:/{print $2}' "/proc/$mon/status" 2>/dev/null)
			[ -n "$r" ] && [ "$r" -gt "$max" ] && { max=$r; echo "$max" >"$TMP/$what.rss"; }
			cp "$st" "$TMP/$what.last" 2>/dev/null
			sleep 0.1
		done
	) &
	sampler=$!
	t0=$SECONDS
	while kill -0 "$ctr" 2>/dev/null && [ $((SECONDS - t0)) -lt "$secs" ]; do sleep 0.2; done
	if kill -0 "$ctr" 2>/dev/null; then
		runc kill "$name" KILL >/dev/null 2>&1 || true
	fi
	wait "$ctr" || true
	runc delete --force "$name" >/dev/null 2>&1 || true
	wait_for 15 bash -c "! [ -d /proc/$mon ]" || err "$what: monitor $mon still running after its container ended"
	wait "$sampler" || true
	MAXRSS=$(cat "$TMP/$what.rss" 2>/dev/null || echo 0)
	LAST=$(cat "$TMP/$what.last" 2>/dev/null || echo '{}')
	local sys lost
	sys=$(jq -r '.syscalls // 0' <<<"$LAST")
	lost=$(jq -r '.lost // 0' <<<"$LAST")
	log "$what: monitor max VmRSS ${MAXRSS} kB, syscalls $sys, lost $lost"
	[ "$MAXRSS" -gt 0 ] || err "$what: no RSS sample"
	[ "$MAXRSS" -le "$RSS_BOUND_KB" ] || err "$what: monitor VmRSS ${MAXRSS} kB over the bound $RSS_BOUND_KB kB"
	[ "$sys" -gt 0 ] || err "$what: the monitor saw no syscalls"
	grep -q "\"$name\": tracer failed" "$TMP/log/monitor.log" && err "$what: the tracer failed: $(grep "$name" "$TMP/log/monitor.log" | tail -3)"
	FIG+=" ${what}_max_rss_kb=$MAXRSS ${what}_syscalls=$sys ${what}_lost=$lost"
}
FIG=""

flood forkbomb 8 'f() { f | f & }; f; sleep 30'
forks=$(grep -c 'fork\|Resource\|resource' "$TMP/forkbomb.out" || true)
log "fork bomb: $forks 'cannot fork' lines (the pids limit held)"

flood threads 10 'thread_storm 6 8; echo done'
tinfo=$(grep -o 'threads=.*' "$TMP/threads.out" || echo "threads=? (did not finish)")
grep -q done "$TMP/threads.out" || err "thread storm did not finish: $(tail -3 "$TMP/threads.out")"
FIG+=" thread_storm: $(tr ' ' ',' <<<"$tinfo")"

flood syscalls 60 'getppid_loop 2000000 1 1000000; echo done'
sinfo=$(grep -o 'calls=.*' "$TMP/syscalls.out" || echo "calls=? (did not finish in 60 s)")
grep -q done "$TMP/syscalls.out" || err "syscall flood did not finish: $(tail -3 "$TMP/syscalls.out")"
rate=$(sed -n 's/.* rate=\([0-9.]*\).*/\1/p' <<<"$sinfo")
FIG+=" getppid_flood(asked 1000000/s): $(tr ' ' ',' <<<"$sinfo")"
log "syscall flood: asked 1 M/s, reached ${rate:-?} calls/s under ptrace"

fl_wait_no_monitors 10 || err "monitors left: $(fl_monitors)"
echo "FIGURES floods: rss_bound_kb=$RSS_BOUND_KB$FIG"
fl_sanitizer_report || err "sanitizer reports in the monitor log"
if [ ${#errs[@]} -gt 0 ]; then
	printf 'FAIL %s\n' "${errs[@]}"
	exit 1
fi
log "ok"
