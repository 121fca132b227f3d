#!/usr/bin/env bash
# Runs the test layers and prints one closing line "N passed, N failed, N skipped".
#   unit:        every Criterion binary in $BUILD/tests
#   fuzz:        every libFuzzer harness for FUZZ_CHECK_SECONDS on its seed corpus
#   integration: every tests/integration/t_*.sh (exit 0 pass, 77 skip, else fail), and with
#                STRESS=1 (make stress) every tests/stress/s_*.sh too
# CHECK_ONLY=unit|fuzz|integration runs one layer, CHECK_SKIP=layer leaves one out;
# T=pattern filters unit tests (test_<T>) and integration tests (t_<T>) by name.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD CIDS_BUILD=$PWD/$BUILD CIDS_SRC=$PWD
export CIDS_SHARED_DATA=${CIDS_SHARED_DATA:-$(cd .. && pwd)/shared/data}
only=${CHECK_ONLY:-all}
skip_layer=${CHECK_SKIP:-}
run_layer() { [ "$skip_layer" != "$1" ] && { [ "$only" = all ] || [ "$only" = "$1" ]; }; }
passed=0 failed=0 skipped=0
failures=()
logdir=$(mktemp -d /tmp/cids-check.XXXXXX)

if run_layer unit; then
	echo "== unit tests"
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		name=${t##*/}
		[ -n "${T:-}" ] && [[ $name != *$T* ]] && continue
		out=$("$t" --jobs 1 2>&1); rc=$?
		syn=$(grep -a 'Synthesis' <<<"$out" | tail -1)
		p=$(sed -n 's/.*Passing: *\([0-9]*\).*/\1/p' <<<"$syn"); p=${p:-0}
		f=$(sed -n 's/.*Failing: *\([0-9]*\).*/\1/p' <<<"$syn"); f=${f:-0}
		c=$(sed -n 's/.*Crashing: *\([0-9]*\).*/\1/p' <<<"$syn"); c=${c:-0}
		passed=$((passed + p)); failed=$((failed + f + c))
		if [ $rc -ne 0 ] || [ -z "$syn" ]; then
			[ $((f + c)) -eq 0 ] && failed=$((failed + 1))
			failures+=("unit/$name"); printf '%s\n' "$out" | tail -40
		fi
		printf '  %-28s %s\n' "$name" "${syn#*Synthesis: }"
	done
fi

if run_layer fuzz; then
	echo "== fuzz (short runs; make fuzz for long ones)"
	if make --no-print-directory -s -j"$(nproc)" fuzz-bins BUILD="$BUILD" >"$logdir/fuzz-build.log" 2>&1; then
		if FUZZ_SECONDS=${FUZZ_CHECK_SECONDS:-10} scripts/fuzz.sh >"$logdir/fuzz.log" 2>&1; then
			n=$(grep -c '^fuzz ok' "$logdir/fuzz.log"); passed=$((passed + n))
			grep '^fuzz ok' "$logdir/fuzz.log" | sed 's/^/  /'
		else
			failed=$((failed + 1)); failures+=("fuzz"); tail -40 "$logdir/fuzz.log"
		fi
	else
		failed=$((failed + 1)); failures+=("fuzz-build"); tail -30 "$logdir/fuzz-build.log"
	fi
fi

# One integration test: its log in $logdir/NAME.log, its result in $logdir/NAME.rc ("rc secs").
run_one() {
	local t=$1 name limit own start rc
	name=$(basename "$t" .sh)
	start=$(date +%s)
	# TEST_TIMEOUT (600 s) per test, or more where the test's header says "# timeout: N"
	limit=${TEST_TIMEOUT:-600}
	own=$(head -30 "$t" | sed -n 's/^# timeout: \([0-9][0-9]*\)$/\1/p' | head -1)
	[ -n "$own" ] && [ "$own" -gt "$limit" ] && limit=$own
	timeout -k 10 "$limit" bash "$t" >"$logdir/$name.log" 2>&1; rc=$?
	echo "$rc $(( $(date +%s) - start ))" >"$logdir/$name.rc"
}

# Counts and prints one finished test.
report_one() {
	local name=$1 rc dur
	read -r rc dur <"$logdir/$name.rc"
	case $rc in
	0) passed=$((passed + 1)); printf '  %-36s ok (%ss)\n' "$name" "$dur" ;;
	77) skipped=$((skipped + 1)); printf '  %-36s skipped: %s\n' "$name" \
		"$(grep -a '^SKIP' "$logdir/$name.log" | tail -1)" ;;
	*) failed=$((failed + 1)); failures+=("$name")
	   printf '  %-36s FAILED (rc %s, %ss)\n' "$name" "$rc" "$dur"
	   tail -60 "$logdir/$name.log" | sed 's/^/    | /' ;;
	esac
}

if run_layer integration; then
	# CHECK_JOBS tests at a time (4 on 2 CPUs: much of a test's time is waiting for a
	# container or for learning to level off, not CPU); a test whose header says "# serial"
	# runs alone afterwards: t_pid_reuse (it sets the host's ns_last_pid, then forks), the
	# signal tests (a timer period against the time a traced handler takes), t_servers (false
	# alarms of real servers under load).
	jobs_max=${CHECK_JOBS:-4}
	echo "== integration tests (real runtimes, $jobs_max at a time)"
	tests=(tests/integration/t_*.sh)
	# make stress (STRESS=1) adds the long tests in tests/stress/s_*.sh
	[ -n "${STRESS:-}" ] && tests+=(tests/stress/s_*.sh)
	par=() ser=()
	for t in "${tests[@]}"; do
		[ -e "$t" ] || continue
		name=$(basename "$t" .sh)
		[ -n "${T:-}" ] && [[ $name != *$T* ]] && continue
		head=$(head -30 "$t")
		if [ "$jobs_max" -gt 1 ] && ! grep -qx '# serial' <<<"$head"; then
			# the long ones ("# long") first, so that no long test starts last
			if grep -qx '# long' <<<"$head"; then par=("$t" "${par[@]}"); else par+=("$t"); fi
		else
			ser+=("$t")
		fi
	done
	declare -A running=()
	for t in "${par[@]}"; do
		while [ ${#running[@]} -ge "$jobs_max" ]; do
			wait -n 2>/dev/null
			for pid in "${!running[@]}"; do
				kill -0 "$pid" 2>/dev/null && continue
				wait "$pid" 2>/dev/null
				report_one "${running[$pid]}"; unset "running[$pid]"
			done
		done
		run_one "$t" &
		running[$!]=$(basename "$t" .sh)
	done
	for pid in "${!running[@]}"; do
		wait "$pid" 2>/dev/null
		report_one "${running[$pid]}"
	done
	for t in "${ser[@]}"; do
		run_one "$t"
		report_one "$(basename "$t" .sh)"
	done
fi

# CI shows only the end of this output: repeat each failed test's own FAIL lines (or its last
# lines) here, so that a failure there can be read without the logs directory
for f in "${failures[@]}"; do
	[ -f "$logdir/$f.log" ] || continue
	echo "-- $f:"
	{ grep -a -m 8 -E '^(FAIL|not ok|ERROR)|FAIL:' "$logdir/$f.log" || tail -8 "$logdir/$f.log"; } |
		cut -c1-300 | sed 's/^/   /'
done
[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[*]}"
echo "logs: $logdir"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
