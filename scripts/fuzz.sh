#!/usr/bin/env bash
# Run every fuzz harness (or only fuzz_$H) for FUZZ_SECONDS on a copy of its seed corpus
# (tests/fuzz/corpus/<name>).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
secs=${FUZZ_SECONDS:-60}
rc=0
H=${H:-}
H=${H#fuzz_}
if [ -n "$H" ] && [ ! -x "$BUILD/fuzz/fuzz_$H" ]; then
	echo "no fuzz harness $BUILD/fuzz/fuzz_$H (see tests/fuzz/fuzz_*.c)" >&2
	exit 1
fi
# one harness: its line ("fuzz ok ..." or "fuzz FAIL ..." and the log's end) in $1.out
run_harness() {
	local f=$1 name seeds work log execs
	name=${f##*/}
	seeds=tests/fuzz/corpus/${name#fuzz_}
	work=$(mktemp -d /tmp/cids-fuzz.XXXXXX)
	[ -d "$seeds" ] && cp -r "$seeds"/. "$work"/
	log=$work.log
	if "$f" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$work/" "$work" >"$log" 2>&1; then
		execs=$(grep -a -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
		[ -z "$execs" ] && execs=$(grep -a -o '#[0-9]*' "$log" | tail -1 | tr -d '#')
		echo "fuzz ok $name ${secs}s ${execs:-?} execs, 0 crashes"
		rm -rf "$work" "$log"
	else
		echo "fuzz FAIL $name: crash or leak, input kept in $work"; tail -30 "$log"
	fi
}

# FUZZ_JOBS harnesses at a time (default: one per CPU; each fuzzes on one core)
jobs_max=${FUZZ_JOBS:-$(nproc)}
out=$(mktemp -d /tmp/cids-fuzz-out.XXXXXX)
n=0
for f in "$BUILD"/fuzz/fuzz_${H:-*}; do
	[ -x "$f" ] || continue
	while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
		wait -n
	done
	n=$((n + 1))
	run_harness "$f" >"$out/$(printf '%03d' $n)" 2>&1 &
done
wait
for o in "$out"/*; do
	[ -e "$o" ] || continue
	cat "$o"
	grep -q '^fuzz FAIL' "$o" && rc=1
done
rm -rf "$out"
exit $rc
