#!/usr/bin/env bash
# make bench, section backends: the three backends side by side on the same runc container, as
# ratios against the same container untraced, runs interleaved (untraced, ptrace, ptrace1, ebpf,
# seccomp, untraced, ...; ptrace1 is the ptrace backend with ptrace.one_stop: one stop per call), on the machine as it is and again with two CPU burners on the host:
#   shell  40 x (find /bin | md5sum; ls -l /bin; echo | grep; cat): fork, exec, open, read, ...
#   http   busybox httpd in the container, 400 wget requests to it over the container's lo
# Every traced run detects against a profile learned first from the same workload (learn to
# steady, then on_steady detect), as a container in service does. The time is the workload's
# own (/proc/uptime inside the container around it; start-up not counted). BENCH_REPS (default
# 3) runs of each, medians; BENCH_BUSY=0 skips the busy pass. Reports only; never asserts.
source "$(dirname "$0")/../tests/integration/lib.sh"
source "$(dirname "$0")/../tests/integration/ebpf_lib.sh"
source "$(dirname "$0")/bench_lib.sh"
set +e

REPS=${BENCH_REPS:-3}
bench_need
hows="untraced ptrace ptrace1 seccomp"
if why=$(ebpf_supported); then
	ensure_tracefs
	hows="untraced ptrace ptrace1 ebpf seccomp"
else
	echo "eBPF column left out: $why"
fi

# one configuration per backend; the model and thresholds are the product's defaults
for be in ptrace ebpf seccomp; do
	cids_config "$TMP/$be.json" ".backend = \"$be\" | .mode = \"learn\" | .on_steady = \"detect\"
		| .on_error = \"deny\" | .runtime.runtimes = [\"runc\"] | .detection.model = \"tolerant\""
done
jq '.ptrace.one_stop = true' "$TMP/ptrace.json" >"$TMP/ptrace1.json"
if [[ $hows == *ebpf* ]]; then
	cidsd_start "$TMP/ebpf.json" >/dev/null 2>&1 || hows="untraced ptrace ptrace1 seccomp"
fi

SHELL_W='i=0; while [ $i -lt 40 ]; do find /bin | md5sum >/dev/null; ls -l /bin >/dev/null; echo x | grep x >/dev/null; cat /etc/passwd >/dev/null; i=$((i + 1)); done'
HTTP_W=$(bench_http_workload 400)

B=$TMP/bundle
bench_bundle "$B" || { echo "n/a: cannot make a bundle"; exit 0; }

# one_run HOW WORKLOAD KEY: prints the workload's seconds (bench_run), HOW's configuration
one_run() { CIDS_CONFIG=$TMP/$1.json bench_run "$B" "$@"; }

# goal HOW WORKLOAD: issue 17's goal for that cell
goal() {
	case $1/$2 in
	ptrace*/shell) echo 2.0 ;; ptrace*/http) echo 1.4 ;;
	ebpf/*) echo 1.02 ;; seccomp/http) echo 1.4 ;; *) echo - ;;
	esac
}

# learn every backend's profile of both workloads to steady first
for wl in shell http; do
	w=$([ $wl = shell ] && echo "$SHELL_W" || echo "$HTTP_W")
	for how in $hows; do
		[ "$how" = untraced ] && continue
		for _ in 1 2 3 4; do one_run "$how" "$w" "bench-$how-$wl-$$" >/dev/null; done
	done
done

# pass LABEL: the table for the machine as it is now
pass() {
	local wl w how r u cells
	echo "-- $1 (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	printf '%-7s' workload
	for how in $hows; do printf ' %10s' "$how"; done
	printf '   %s\n' "(medians of $REPS runs, seconds; ratio / goal)"
	for wl in shell http; do
		w=$([ $wl = shell ] && echo "$SHELL_W" || echo "$HTTP_W")
		declare -A runs=()
		for ((r = 0; r < REPS; r++)); do
			for how in $hows; do
				runs[$how]+="$(one_run "$how" "$w" "bench-$how-$wl-$$") "
			done
		done
		u=$(printf '%s\n' ${runs[untraced]} | median)
		printf '%-7s %10s' "$wl" "$u"
		cells=""
		for how in $hows; do
			[ "$how" = untraced ] && continue
			m=$(printf '%s\n' ${runs[$how]} | median)
			printf ' %10s' "$m"
			g=$(goal "$how" "$wl")
			cells+="  $how $(ratio "$u" "$m") ($([ "$g" = - ] && echo "no goal" || echo "goal <= ${g}x"))"
		done
		printf '  %s\n' "$cells"
		unset runs
	done
}

echo "runc $(runc --version | head -1 | awk '{print $3}'), kernel $(uname -r), $(nproc) CPUs"
pass "as the machine is"
if [ "${BENCH_BUSY:-1}" != 0 ]; then
	burners=()
	for _ in $(seq "$(nproc)"); do
		sh -c 'while :; do :; done' &
		burners+=($!)
	done
	pass "busy: $(nproc) CPU burners on the host"
	kill "${burners[@]}" 2>/dev/null
	wait "${burners[@]}" 2>/dev/null
fi
for how in $hows; do
	[ "$how" = untraced ] && continue
	echo "$how: modes seen $(grep -o "key \"bench-$how-[a-z]*-$$\": [a-z]*" "$TMP/log/monitor.log" 2>/dev/null |
		awk '{print $NF}' | sort | uniq -c | tr '\n' ' ')"
done
echo "alerts during the bench: $(wc -l <"$TMP/log/alerts.jsonl" 2>/dev/null || echo 0)"
