#!/usr/bin/env bash
# make bench, section seccomp: the seccomp-notify backend's cost on two workloads inside a runc
# container, as ratios against the same container untraced in the same run (runs interleaved):
#   shell  a syscall-heavy busybox shell loop (ls, cat, grep: fork, exec, open, read, ...)
#   http   busybox httpd in the container and a wget loop against it on the container's lo
#   calls  dd with 1-byte blocks: 200,000 read and write calls and nothing else, the cost of
#          one notified call
# Times come from /proc/uptime inside the container around the workload (container start-up is
# not counted). BENCH_REPS (default 3) runs of each. Reports only; never asserts on time.
source "$(dirname "$0")/../tests/integration/lib.sh"
source "$(dirname "$0")/bench_lib.sh"
set +e

REPS=${BENCH_REPS:-3}
bench_need

CFG=$TMP/config.json
cids_config "$CFG" '.backend = "seccomp" | .mode = "learn" | .on_steady = "detect"
	| .on_error = "deny" | .runtime.runtimes = ["runc"] | .allow_container_override = true'
export CIDS_CONFIG=$CFG

SHELL_W='i=0; while [ $i -lt 150 ]; do ls / >/dev/null; cat /etc/passwd >/dev/null; grep root /etc/group >/dev/null; i=$((i + 1)); done'
HTTP_W=$(bench_http_workload 300)
CALLS_W='dd if=/dev/zero of=/dev/null bs=1 count=100000 2>/dev/null'

B=$TMP/bundle
bench_bundle "$B" || { echo "n/a: cannot make a bundle"; exit 0; }

# one_run HOW WORKLOAD KEY: prints the workload's seconds (bench_run); after a seccomp run also
# the monitor's end line ("N calls judged, ..., monitor CPU S s") goes to $TMP/ends
one_run() {
	local how=$1 ends0
	ends0=$(grep -c ': ended (' "$TMP/log/monitor.log" 2>/dev/null)
	bench_run "$B" "$@"
	if [ "$how" != untraced ]; then
		wait_for 10 bash -c "[ \$(grep -c ': ended (' '$TMP/log/monitor.log') -gt ${ends0:-0} ]"
		grep ': ended (' "$TMP/log/monitor.log" | tail -n 1 >>"$TMP/ends"
	fi
}

echo "runc $(runc --version | head -1 | awk '{print $3}'), kernel $(uname -r), $(nproc) CPUs; the machine is shared with other jobs: compare ratios, not seconds"
printf '%-8s %10s %12s %8s   %s\n' workload untraced seccomp ratio "(medians of $REPS, seconds)"
for wl in shell http calls; do
	case $wl in shell) w=$SHELL_W units=150 ;; http) w=$HTTP_W units=300 ;; calls) w=$CALLS_W units=100000 ;; esac
	key=bench-$wl-$$
	# learn to steady first (the measured runs then detect, as a container in service does)
	for _ in 1 2 3 4; do one_run seccomp "$w" "$key" >/dev/null; done
	u=() s=()
	: >"$TMP/ends"
	for ((r = 0; r < REPS; r++)); do
		u+=("$(one_run untraced "$w" "$key")")
		s+=("$(one_run seccomp "$w" "$key")")
	done
	mu=$(printf '%s\n' "${u[@]}" | grep -v '^$' | median)
	ms=$(printf '%s\n' "${s[@]}" | grep -v '^$' | median)
	printf '%-8s %10s %12s %8s   untraced: %s; seccomp: %s\n' "$wl" "$mu" "$ms" \
		"$(awk -v a="$mu" -v b="$ms" 'BEGIN { if (a > 0) printf "%.2fx", b / a; else print "n/a" }')" \
		"${u[*]}" "${s[*]}"
	# where the time goes: notified calls per unit of work, the monitor's CPU per call, and the
	# wall time each call added (seccomp minus untraced, over the calls)
	calls=$(sed -n 's/.*ended (\([0-9]*\) calls judged.*/\1/p' "$TMP/ends" | median)
	cpu=$(sed -n 's/.*monitor CPU \([0-9.]*\) s.*/\1/p' "$TMP/ends" | median)
	awk -v c="$calls" -v cpu="$cpu" -v u="$units" -v a="$mu" -v b="$ms" -v wl="$wl" 'BEGIN {
		if (c > 0) printf "%-8s %d calls judged per run, %.0f per %s; monitor CPU %.1f us per call; wall +%.1f us per call\n",
			wl, c, c / u, (wl == "http" ? "request" : wl == "calls" ? "byte" : "iteration"), cpu * 1e6 / c, (b - a) * 1e6 / c }'
done
mode=$(grep -o 'key "bench-http-[0-9]*": [a-z]*' "$TMP/log/monitor.log" | tail -1 | awk '{print $NF}')
echo "mode of the last measured seccomp run: ${mode:-?}; alerts during the bench: $(wc -l <"$TMP/log/alerts.jsonl" 2>/dev/null || echo 0)"
