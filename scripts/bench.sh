#!/usr/bin/env bash
# make bench: every benchmark of cids in one run, each printing its own table of ratios against
# a baseline measured in the same run. Tests never assert on time; this script only reports.
#
# Sections (one per owner; add yours as a function here or as scripts/bench_<name>.sh and call
# it from the list at the bottom). A section that cannot run prints "n/a: <reason>" and the
# others go on. BENCH_ONLY=<section> runs one section.
#   engine   engine micro-benchmark (profiles/)
#   hook     cids-hook start-up cost and ptrace slowdown (hook/)
#   ebpf     eBPF backend: getppid loop and redis in a container, untraced / ptrace / eBPF,
#            cost to unregistered processes, events lost (scripts/bench_ebpf.sh)
#   seccomp  seccomp-notify backend: shell loop and busybox httpd + wget in a runc container,
#            untraced / seccomp (scripts/bench_seccomp.sh)
#   instr    instructions per call of the engine's loops and the session's per-call path,
#            counted by callgrind (the same on a loaded machine); BENCH_INSTR_BASE=<rev> adds a
#            column for that revision (scripts/bench_instr.sh)
#   backends the backends side by side (ptrace two-stop and one-stop) on issue 17's shell and
#            HTTP workloads, idle and busy, ratio and goal per cell (scripts/bench_backends.sh)
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD CIDS_BUILD=$PWD/$BUILD CIDS_SRC=$PWD
export CIDS_SHARED_DATA=${CIDS_SHARED_DATA:-$(cd .. && pwd)/shared/data}
only=${BENCH_ONLY:-all}

section() { # section NAME TITLE COMMAND...
	local name=$1 title=$2; shift 2
	[ "$only" = all ] || [ "$only" = "$name" ] || return 0
	echo
	echo "== $title"
	"$@" || echo "n/a: the $name section failed (exit $?)"
}

# ---------------------------------------------------------------- engine (profiles/ engineer)
bench_engine() {
	make --no-print-directory -s "$BUILD/bench_engine" && "$BUILD/bench_engine"
}

# ---------------------------------------------------------------- hook (hook/ engineer)
bench_hook() {
	if [ -x scripts/bench_hook.sh ]; then scripts/bench_hook.sh; else echo "n/a: not written yet"; fi
}

# ---------------------------------------------------------------- ebpf (daemon/ engineer)
bench_ebpf() {
	scripts/bench_ebpf.sh
}

section engine "engine micro-benchmark" bench_engine
section hook "cids-hook start-up and ptrace cost" bench_hook
section ebpf "eBPF backend (cidsd)" bench_ebpf
# shellcheck disable=SC2086 # no revision: no argument
section instr "instructions per call (callgrind)" scripts/bench_instr.sh ${BENCH_INSTR_BASE:-}
section seccomp "seccomp-notify backend (cids-notify)" scripts/bench_seccomp.sh
section backends "backends side by side: ptrace, ptrace1 (one stop), eBPF, seccomp against untraced" scripts/bench_backends.sh
