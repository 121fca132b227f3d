#!/usr/bin/env bash
# Instructions per call of the engine's learn and detect loops and of the session's per-call path
# (what every backend calls for one system call), counted by callgrind: the same figure whatever
# the machine's load, so two revisions compare on a shared machine (make bench's timings do not).
#
#   scripts/bench_instr.sh [REV...]
#
# Counts this tree's build (BUILD, its libraries made first: the column HEAD, uncommitted changes
# included) and each REV, built in a temporary git worktree that is removed afterwards. The
# driver is this tree's tests/bench/bench_instr.c, linked against each revision's libraries (it
# uses only calls old revisions have). Each phase runs once per seed of the tables' hash
# (BENCH_INSTR_SEEDS, default "1 2 3"); the table prints the median and, when the seeds differ,
# the range. BENCH_INSTR_CALLS (default 300000) calls per phase, BENCH_INSTR_PHASES (default:
# all) the phases, as bench_instr.c names them. The last column is HEAD over the first REV.
# An instruction count is not a time: the engine's batch paths wait on cache misses that no
# count shows (make bench's engine section times them against a memory floor).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
calls=${BENCH_INSTR_CALLS:-300000}
seeds=${BENCH_INSTR_SEEDS:-1 2 3}
export CIDS_SHARED_DATA=${CIDS_SHARED_DATA:-$(cd .. && pwd)/shared/data}

command -v valgrind >/dev/null || {
	echo "n/a: valgrind is not installed (scripts/deps.sh servers)"
	exit 0
}
[ -e /usr/include/valgrind/callgrind.h ] || {
	echo "n/a: valgrind's callgrind.h is missing"
	exit 0
}

phases=${BENCH_INSTR_PHASES:-}
if [ -z "$phases" ]; then
	for op in learn learn-many detect detect-many; do
		for algo in stide bosc; do
			for k in 3 4 5 6; do phases+=" engine-$op-$algo-$k"; done
		done
	done
	phases+=" session-learn session-detect"
fi

tmp=$(mktemp -d /tmp/cids-bench-instr.XXXXXX)
trees=()
cleanup() {
	for t in "${trees[@]}"; do git worktree remove --force "$t" >/dev/null 2>&1 || true; done
	rm -rf -- "$tmp"
}
trap cleanup EXIT

# driver TREE OUT: bench_instr linked against TREE's libraries (session/ or, before it, hook/)
driver() {
	local tree=$1 out=$2 sess
	if [ -e "$tree/$BUILD/libcids-session.a" ]; then
		sess=("$tree/$BUILD/libcids-session.a")
	else
		sess=("$tree/$BUILD/obj/hook/session.o" "$tree/$BUILD/obj/hook/session_status.o"
			"$tree/$BUILD/obj/hook/alert.o")
	fi
	# shellcheck disable=SC2046 # pkg-config's flags are words
	gcc -O2 -g -std=gnu17 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -I"$tree/include" \
		tests/bench/bench_instr.c "${sess[@]}" "$tree/$BUILD/libcids-profiles.a" \
		"$tree/$BUILD/libcids-common.a" $(pkg-config --libs libseccomp json-c libcap zlib) \
		-lm -o "$out"
}

names=(HEAD)
make --no-print-directory -s -j2 "$BUILD/libcids-profiles.a" "$BUILD/libcids-common.a" \
	"$BUILD/libcids-session.a" >"$tmp/make.0" 2>&1 || { tail -20 "$tmp/make.0"; exit 1; }
driver . "$tmp/bench_instr.0"
i=1
for rev in "$@"; do
	t=$tmp/tree.$i
	git worktree add --detach "$t" "$rev" >/dev/null 2>&1
	trees+=("$t")
	ln -s "$(cd .. && pwd)/shared" "$tmp/shared" 2>/dev/null || true
	make --no-print-directory -s -C "$t" -j2 NO_DEPS=1 BUILD="$BUILD" all >"$tmp/make.$i" 2>&1 ||
		{ tail -20 "$tmp/make.$i"; exit 1; }
	driver "$t" "$tmp/bench_instr.$i"
	names+=("$(git rev-parse --short "$rev")")
	i=$((i + 1))
done

# count BIN PHASE SEED: instructions per call of PHASE's loop
count() {
	BENCH_INSTR_SEED=$3 valgrind --tool=callgrind --instr-atstart=no \
		--callgrind-out-file="$tmp/cg.out" "$1" "$2" "$calls" >"$tmp/run.out" 2>"$tmp/run.err" ||
		{ cat "$tmp/run.err" >&2; echo nan; return; }
	awk -v n="$calls" '/^totals:/ { printf "%.1f\n", $2 / n }' "$tmp/cg.out"
}

echo "instructions per call (callgrind, $calls calls per phase, median over hash seeds: $seeds)"
printf '%-26s' phase
for n in "${names[@]}"; do printf ' %20s' "$n"; done
[ ${#names[@]} -gt 1 ] && printf '  %s' "HEAD/${names[1]}"
echo
for p in $phases; do
	printf '%-26s' "$p"
	first='' head=''
	for ((j = 0; j < ${#names[@]}; j++)); do
		vals=$(for s in $seeds; do count "$tmp/bench_instr.$j" "$p" "$s"; done | sort -g)
		med=$(echo "$vals" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
		lo=$(echo "$vals" | head -1) hi=$(echo "$vals" | tail -1)
		if [ "$lo" = "$hi" ]; then cell=$med; else cell="$med ($lo-$hi)"; fi
		printf ' %20s' "$cell"
		[ $j -eq 0 ] && head=$med
		[ $j -eq 1 ] && first=$med
	done
	[ -n "$first" ] && awk -v a="$head" -v b="$first" 'BEGIN { printf "  %.3f", a / b }'
	echo
done
