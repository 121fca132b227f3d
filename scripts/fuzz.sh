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
for f in "$BUILD"/fuzz/fuzz_${H:-*}; do
	[ -x "$f" ] || continue
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
		echo "fuzz FAIL $name: crash or leak, input kept in $work"; tail -30 "$log"; rc=1
	fi
done
exit $rc
