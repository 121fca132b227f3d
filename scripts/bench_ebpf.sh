#!/usr/bin/env bash
# eBPF section of make bench (called by scripts/bench.sh). In one run, as ratios against
# untraced runs measured in between:
#   1. getppid loop (tests/helpers/getppid_loop) inside a runc container: untraced, cids-hook
#      with backend ptrace, cids-hook with backend ebpf (cidsd)
#   2. redis-server in a runc container, over loopback in the container's own network
#      namespace (host binaries and their libraries copied into a busybox root filesystem):
#      untraced, ptrace, eBPF; the load from the host's redis-benchmark entered into that
#      network namespace only (the server is the workload), and again with redis-benchmark
#      inside the container too
#   3. cost per syscall to a host process in no container: no cidsd, cidsd with no container
#      registered (tracepoints detached), cidsd watching one idle container
#   4. events lost: at the highest rate reached (getppid as fast as possible, 2 threads) and
#      paced at 1 M syscalls/s, in learn mode (every call goes through the ring buffer)
# Traced runs detect (the steady state of a production container): each workload first runs
# once in learn mode under that backend (profile into the store), then the timed runs use
# io.cids.mode=detect. A getppid row in learn mode (every window inserted into 8 databases) is
# printed too. Each cell is the median of REPS runs (BENCH_REPS, default 3), variants
# interleaved.
# BENCH_N (getppid calls, default 5000000) and BENCH_REDIS_N (requests, default 100000) scale it;
# BENCH_EBPF_PARTS=getppid,redis,lost,host picks parts; BENCH_PTRACE=0 leaves ptrace out.
source "$(dirname "$0")/../tests/integration/lib.sh"
source "$CIDS_SRC/tests/integration/ebpf_lib.sh"
set +e

REPS=${BENCH_REPS:-3}
N=${BENCH_N:-5000000}
N_PTRACE=$((N / 20))
REDIS_N=${BENCH_REDIS_N:-100000}
G=$CIDS_BUILD/tests/helpers/getppid_loop

na() { echo "n/a: $*"; exit 0; }
# BENCH_EBPF_PARTS: which parts to run (default all): getppid,redis,lost,host
part() { [[ ",${BENCH_EBPF_PARTS:-getppid,redis,lost,host}," == *",$1,"* ]]; }
[ "$(id -u)" -eq 0 ] || na "needs root"
for c in runc jq busybox; do command -v $c >/dev/null || na "needs $c"; done
[ -x "$G" ] || na "build $G first (make)"
why=$(ebpf_supported) || na "$why"
ensure_tracefs

median() { sort -g | awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]; else print "nan"}'; }
minimum() { sort -g | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a > 0 && b > 0) printf "%.3fx", a / b; else print "n/a"}'; }

# ---------------------------------------------------------------- configs and bundles
CFG_E=$TMP/ebpf.json
CFG_P=$TMP/ptrace.json
cids_config "$CFG_E" '.backend = "ebpf" | .mode = "learn" | .on_steady = "stay" | .on_error = "deny"'
cids_config "$CFG_P" '.backend = "ptrace" | .mode = "learn" | .on_steady = "stay" | .on_error = "deny"'

# copy_bin ROOTFS BIN...: binaries and the shared libraries they need, at the same paths.
copy_bin() {
	local root=$1 f; shift
	for f in "$@" $(ldd "$@" 2>/dev/null | awk '/=>/ {print $3} /ld-linux/ {print $1}' | sort -u); do
		[ -e "$f" ] || continue
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
	done
}

B=$TMP/bundle
make_bundle "$B" /bin/true >/dev/null
cp "$G" "$B/rootfs/getppid_loop"
have_redis=0
if command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null; then
	copy_bin "$B/rootfs" "$(command -v redis-server)" "$(command -v redis-benchmark)" \
		"$(command -v redis-cli)"
	have_redis=1
fi
cp "$B/config.json" "$TMP/config.base.json"

# set_variant untraced|ptrace|ebpf [WORKLOAD [MODE]]: the bundle's hook for that variant.
set_variant() {
	cp "$TMP/config.base.json" "$B/config.json"
	rm -f "$B/cids.profile" # per-variant keys; the store keeps each one's profile
	bundle_jq "$B" ".annotations[\"io.cids.profile\"] = \"bench-${2:-x}-$1\"
		| .annotations[\"io.cids.mode\"] = \"${3:-detect}\""
	case $1 in
	ptrace) bundle_add_hook "$B" createRuntime "$CIDS_BUILD/cids-hook" --config "$CFG_P" ;;
	ebpf) bundle_add_hook "$B" createRuntime "$CIDS_BUILD/cids-hook" --config "$CFG_E" ;;
	esac
}

# run_in VARIANT WORKLOAD MODE CMD...: run CMD in the container under VARIANT, its output on
# stdout (WORKLOAD names the profile key).
run_in() {
	local v=$1 name args; shift
	set_variant "$v" "$1" "$2"
	shift 2
	args=$(for a in "$@"; do printf '%s' "$a" | jq -Rs .; done | jq -sc .) # args may hold newlines
	bundle_jq "$B" ".process.args = $args"
	name=$(cname bench)
	timeout 300 runc run --bundle "$B" "$name" </dev/null 2>"$TMP/run.err"
	local rc=$?
	runc delete --force "$name" >/dev/null 2>&1
	[ $rc -eq 0 ] || { echo "run_in $v: exit $rc: $(tail -3 "$TMP/run.err")" >&2; return 1; }
	# let the monitor / cidsd finish with this container before the next run
	wait_for 10 bash -c "! ls '$TMP/run/monitors/'*.json >/dev/null 2>&1"
	return 0
}

field() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p"; }
# cidsd's CPU time in ns, all threads (schedstat: exact, where /proc/PID/stat counts 10 ms ticks)
cidsd_cpu_ns() { cat /proc/$CIDSD_PID/task/*/schedstat | awk '{s += $1} END {printf "%d", s}'; }
# the container's own CPU time (cpuacct of its cgroup, seen from inside)
CG_CPU='echo cg_cpu_ns=$(cat /sys/fs/cgroup/cpuacct/cpuacct.usage 2>/dev/null || echo 0)'

cidsd_start "$CFG_E"

# ptrace availability: one short run (BENCH_PTRACE=0 leaves ptrace out: it is slow).
ptrace_ok=1
if [ "${BENCH_PTRACE:-1}" = 0 ]; then
	ptrace_ok=0
	ptrace_why="left out (BENCH_PTRACE=0)"
elif ! run_in ptrace check learn /getppid_loop 1000 >/dev/null 2>"$TMP/ptrace.err"; then
	ptrace_ok=0
	ptrace_why=$(tail -1 "$TMP/ptrace.err")
fi

# ---------------------------------------------------------------- 1. getppid in a container
if part getppid; then
declare -A ns nsl nsw
for v in untraced ptrace ebpf; do : >"$TMP/g.$v"; : >"$TMP/gw.$v"; done
for v in ebpf ptrace; do # learn (timed once), then the profile is there for detect
	[ $v = ptrace ] && [ $ptrace_ok = 0 ] && continue
	n=$N; [ $v = ptrace ] && n=$N_PTRACE
	nsl[$v]=$(run_in $v getppid learn /getppid_loop $n | field cpu_ns_per_call)
done
ev_cpu=0
for ((r = 0; r < REPS; r++)); do
	for v in untraced ebpf ptrace; do
		[ $v = ptrace ] && [ $ptrace_ok = 0 ] && continue
		n=$N; [ $v = ptrace ] && n=$N_PTRACE
		if [ $v = ebpf ]; then sleep 1.1; c0=$(cidsd_cpu_ns); fi
		run_in $v getppid detect /getppid_loop $n >"$TMP/g.out"
		if [ $v = ebpf ]; then
			sleep 1.1; ev_cpu=$((ev_cpu + $(cidsd_cpu_ns) - c0))
		fi
		field cpu_ns_per_call <"$TMP/g.out" >>"$TMP/g.$v"
		field ns_per_call <"$TMP/g.out" >>"$TMP/gw.$v"
	done
done
for v in untraced ptrace ebpf; do ns[$v]=$(median <"$TMP/g.$v"); nsw[$v]=$(median <"$TMP/gw.$v"); done
nsl[untraced]=${ns[untraced]}
cidsd_ns_per_call=$(awk -v c=$ev_cpu -v n=$((N * REPS)) 'BEGIN {if (n > 0) printf "%.1f", c / n; else print "n/a"}')
fi

# ---------------------------------------------------------------- 2. redis in a container
if part redis; then
# a) the server alone is the container's workload; the load comes from the host's
#    redis-benchmark entered into the container's network namespace only (nsenter -n), so it
#    is not traced and its CPU is not counted: CPU per request is the container's (+ cidsd's).
# b) server and redis-benchmark both in the container (both traced, both counted).
REDIS_SRV="redis-server --port 6379 --save '' --appendonly no --bind 127.0.0.1 >/dev/null; $CG_CPU"
REDIS_SH="redis-server --port 6379 --save '' --appendonly no --bind 127.0.0.1 >/dev/null &
i=0; until redis-cli -p 6379 ping >/dev/null 2>&1; do i=\$((i+1)); [ \$i -gt 100 ] && exit 3; sleep 0.05; done
redis-benchmark -p 6379 -n $REDIS_N -c 20 -t set,get --csv; redis-cli -p 6379 shutdown nosave >/dev/null 2>&1; wait
$CG_CPU"

# redis_server VARIANT MODE: variant a); output (benchmark CSV, cg_cpu_ns=) on stdout.
redis_server() {
	local v=$1 name pid runpid rc=0
	set_variant "$v" redis-srv "$2"
	bundle_jq "$B" ".process.args = [\"/bin/sh\", \"-c\", $(printf '%s' "$REDIS_SRV" | jq -Rs .)]"
	name=$(cname bench)
	timeout 600 runc run --bundle "$B" "$name" </dev/null >"$TMP/srv.out" 2>"$TMP/run.err" &
	runpid=$!
	pid=
	for _ in $(seq 200); do
		pid=$(runc state "$name" 2>/dev/null | jq -r 'select(.status == "running") | .pid')
		[ -n "$pid" ] && nsenter -t "$pid" -n redis-cli -p 6379 ping >/dev/null 2>&1 && break
		pid=
		sleep 0.05
	done
	if [ -z "$pid" ]; then
		echo "redis_server $v: the server did not answer: $(tail -2 "$TMP/run.err")" >&2
		kill "$runpid" 2>/dev/null; wait "$runpid"; runc delete --force "$name" >/dev/null 2>&1
		return 1
	fi
	nsenter -t "$pid" -n redis-benchmark -p 6379 -n "$REDIS_N" -c 20 -t set,get --csv || rc=1
	nsenter -t "$pid" -n redis-cli -p 6379 shutdown nosave >/dev/null 2>&1
	wait "$runpid" || rc=1
	runc delete --force "$name" >/dev/null 2>&1
	cat "$TMP/srv.out"
	wait_for 10 bash -c "! ls '$TMP/run/monitors/'*.json >/dev/null 2>&1"
	return $rc
}

# redis_cell KIND VARIANT: one timed detect run of variant a) (KIND srv) or b) (KIND both);
# appends req/s and CPU per request to $TMP/<kind>.{set,get,cpu,ev}.<variant>.
redis_cell() {
	local kind=$1 v=$2 c0 re0 cpu
	# cidsd's CPU from just before the run to just after it (its 1 s status cadence is why
	# the event counters need the sleeps around)
	[ $v = ebpf ] && { sleep 1.1; re0=$(cidsd_stat events); kj0=$(cidsd_stat kernel_judged); c0=$(cidsd_cpu_ns); }
	if [ $kind != both ]; then
		redis_server $v detect >"$TMP/redis.out" 2>&1
	else
		run_in $v redis detect /bin/sh -c "$REDIS_SH" >"$TMP/redis.out" 2>&1
	fi || { echo "redis ($kind) under $v failed: $(tail -2 "$TMP/redis.out")" >&2; return 0; }
	cpu=$(field cg_cpu_ns <"$TMP/redis.out")
	if [ $v = ebpf ]; then
		cpu=$((cpu + $(cidsd_cpu_ns) - c0))
		sleep 1.1
		echo $(($(cidsd_stat events) - re0)) >>"$TMP/$kind.ev.$v"
		echo $(($(cidsd_stat kernel_judged) - kj0)) >>"$TMP/$kind.kj.$v"
	fi
	echo "$cpu" >>"$TMP/$kind.cpu.$v"
	tr -d '"' <"$TMP/redis.out" | awk -F, '$1 == "SET" {print $2}' >>"$TMP/$kind.set.$v"
	tr -d '"' <"$TMP/redis.out" | awk -F, '$1 == "GET" {print $2}' >>"$TMP/$kind.get.$v"
}

declare -A rset rget rcpu
if [ $have_redis = 1 ]; then
	for kind in srv both srvu; do
		for v in untraced ptrace ebpf; do
			: >"$TMP/$kind.set.$v"; : >"$TMP/$kind.get.$v"; : >"$TMP/$kind.cpu.$v"
			: >"$TMP/$kind.ev.$v"; : >"$TMP/$kind.kj.$v"
		done
	done
	for v in ebpf ptrace; do # learn once (profile into the store), then detect
		[ $v = ptrace ] && [ $ptrace_ok = 0 ] && continue
		redis_server $v learn >/dev/null 2>&1
		run_in $v redis learn /bin/sh -c "$REDIS_SH" >/dev/null 2>&1
	done
	for ((r = 0; r < REPS; r++)); do
		for kind in srv both; do
			for v in untraced ebpf ptrace; do
				[ $v = ptrace ] && [ $ptrace_ok = 0 ] && continue
				redis_cell $kind $v
			done
		done
	done
	# a) again with every call judged in cidsd (--no-kernel-detect), for comparison
	cidsd_stop
	cidsd_start "$CFG_E" --no-kernel-detect
	for ((r = 0; r < REPS; r++)); do redis_cell srvu ebpf; done
	cidsd_stop
	cidsd_start "$CFG_E"
	for kind in srv both srvu; do
		for v in untraced ptrace ebpf; do
			rset[$kind.$v]=$(median <"$TMP/$kind.set.$v")
			rget[$kind.$v]=$(median <"$TMP/$kind.get.$v")
			rcpu[$kind.$v]=$(median <"$TMP/$kind.cpu.$v" | awk -v n=$((2 * REDIS_N)) '{printf "%.0f", $1 / n}')
		done
	done
	redis_events=$(median <"$TMP/srv.ev.ebpf" | awk -v n=$((2 * REDIS_N)) '{printf "%.2f", $1 / n}')
	redis_kj=$(median <"$TMP/srv.kj.ebpf" | awk -v n=$((2 * REDIS_N)) '{printf "%.2f", $1 / n}')
	redis_events_both=$(median <"$TMP/both.ev.ebpf" | awk -v n=$((2 * REDIS_N)) '{printf "%.2f", $1 / n}')
	redis_kj_both=$(median <"$TMP/both.kj.ebpf" | awk -v n=$((2 * REDIS_N)) '{printf "%.2f", $1 / n}')
fi
fi

# ---------------------------------------------------------------- 4. events lost
if part lost; then
lost_run() { # lost_run THREADS RATE: prints "rate lost events"
	local l0 e0 l1 e1 rate
	sleep 1.2; l0=$(cidsd_stat lost); e0=$(cidsd_stat events)
	rate=$(run_in ebpf lost learn /getppid_loop "$N" "$1" "$2" | field rate)
	sleep 1.2; l1=$(cidsd_stat lost); e1=$(cidsd_stat events)
	echo "${rate:-0} $((l1 - l0)) $((e1 - e0))"
}
read -r max_rate max_lost max_events < <(lost_run 2 0)
read -r paced_rate paced_lost paced_events < <(lost_run 1 1000000)
max_latency=$(cidsd_stat max_latency_ms)
fi

# ---------------------------------------------------------------- 3. unregistered process
if part host; then
host_ns() { # median of REPS host runs (min is reported too: the machine is shared)
	local i
	for ((i = 0; i < REPS + 2; i++)); do "$G" "$N" | field cpu_ns_per_call; done | median
}
cidsd_stop
h_none=$(host_ns)
cidsd_start "$CFG_E"
h_idle=$(host_ns)
# one registered container, idle, for the duration of the measurement
set_variant ebpf idle learn
bundle_jq "$B" '.process.args = ["/bin/sleep", "600"]'
idle=$(cname idle)
runtime_cleanup runc "$idle"
runc run -d --bundle "$B" "$idle" </dev/null >/dev/null 2>"$TMP/idle.err" || echo "idle container: $(tail -1 "$TMP/idle.err")" >&2
h_watch=$(host_ns)
runc kill "$idle" KILL >/dev/null 2>&1; sleep 0.3; runc delete --force "$idle" >/dev/null 2>&1
cidsd_stop
h_none2=$(host_ns)
h_base=$(printf '%s\n%s\n' "$h_none" "$h_none2" | minimum)
fi

# ---------------------------------------------------------------- table
delta() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%+.1f ns", a - b}'; }
pt() { [ $ptrace_ok = 1 ] && echo "$1" || echo "n/a"; }
row() { # row LABEL UNTRACED PTRACE EBPF [inverse]: values and ratios against untraced
	local inv=${5:-} rp re
	if [ -n "$inv" ]; then rp=$(ratio "$2" "$3"); re=$(ratio "$2" "$4")
	else rp=$(ratio "$3" "$2"); re=$(ratio "$4" "$2"); fi
	printf '%-40s %12s %22s %22s\n' "$1" "$2" "$(pt "$3 ($rp)")" "$4 ($re)"
}
echo "median of $REPS runs; getppid calls: $N ($N_PTRACE under ptrace); $(nproc) CPUs shared with other work;"
echo "CPU figures (getrusage, cgroup cpuacct) are what the work costs, wall figures include waiting for a CPU"
printf '%-40s %12s %22s %22s\n' "workload" "untraced" "ptrace" "eBPF"
if part getppid; then
	row "getppid loop, learn: CPU ns/call" "${nsl[untraced]}" "${nsl[ptrace]:-}" "${nsl[ebpf]}"
	row "getppid loop, detect: CPU ns/call" "${ns[untraced]}" "${ns[ptrace]:-}" "${ns[ebpf]}"
	row "getppid loop, detect: wall ns/call" "${nsw[untraced]}" "${nsw[ptrace]:-}" "${nsw[ebpf]}"
fi
if ! part redis; then
	:
elif [ $have_redis = 1 ]; then
	for kind in srv both; do
		[ $kind = srv ] && label="redis-server (load from outside)" || label="redis server+client in ctr"
		row "$label SET req/s" "${rset[$kind.untraced]}" "${rset[$kind.ptrace]:-}" "${rset[$kind.ebpf]}" inverse
		row "$label GET req/s" "${rget[$kind.untraced]}" "${rget[$kind.ptrace]:-}" "${rget[$kind.ebpf]}" inverse
		printf '%-40s %12s %22s %22s\n' "$label CPU ns/req" "${rcpu[$kind.untraced]}" \
			"$(pt "${rcpu[$kind.ptrace]} ($(ratio "${rcpu[$kind.ptrace]}" "${rcpu[$kind.untraced]}"), ctr only)")" \
			"${rcpu[$kind.ebpf]} ($(ratio "${rcpu[$kind.ebpf]}" "${rcpu[$kind.untraced]}"), +cidsd)"
	done
	echo "redis-server (load from outside), CPU ns/req of each run: untraced" \
		$(awk -v n=$((2 * REDIS_N)) '{printf " %.0f", $1 / n}' "$TMP/srv.cpu.untraced") "; eBPF" \
		$(awk -v n=$((2 * REDIS_N)) '{printf " %.0f", $1 / n}' "$TMP/srv.cpu.ebpf")
	echo "redis-server (load from outside), judged in cidsd (--no-kernel-detect): SET" \
		"${rset[srvu.ebpf]} req/s ($(ratio "${rset[srv.untraced]}" "${rset[srvu.ebpf]}")), GET ${rget[srvu.ebpf]}" \
		"($(ratio "${rget[srv.untraced]}" "${rget[srvu.ebpf]}")), CPU ${rcpu[srvu.ebpf]} ns/req" \
		"($(ratio "${rcpu[srvu.ebpf]}" "${rcpu[srv.untraced]}"))"
else
	echo "redis: n/a (redis-server / redis-benchmark not installed: scripts/deps.sh)"
fi
[ $ptrace_ok = 1 ] || echo "ptrace: n/a: $ptrace_why"
echo
part getppid && echo "cidsd CPU per getppid call (detect): ${cidsd_ns_per_call} ns"
part redis && echo "redis per request under eBPF: server alone ${redis_kj:-n/a} calls judged in the kernel, ${redis_events:-n/a} events to cidsd;" \
	"server + client ${redis_kj_both:-n/a} judged in the kernel, ${redis_events_both:-n/a} events"
part host && echo "host process in no container, getppid CPU ns/call: no cidsd $h_base;" \
	"cidsd, nothing registered $h_idle ($(delta "$h_idle" "$h_base"));" \
	"cidsd watching one container $h_watch ($(delta "$h_watch" "$h_base"))"
part lost && echo "events lost: max rate $(awk -v r="$max_rate" 'BEGIN {printf "%.2f", r / 1e6}') M/s (2 threads): $max_lost lost of $((max_lost + max_events));" \
	"paced $(awk -v r="$paced_rate" 'BEGIN {printf "%.2f", r / 1e6}') M/s: $paced_lost lost of $((paced_lost + paced_events));" \
	"max sampled delivery latency ${max_latency} ms"
echo "goals: eBPF <= 1.02x on the server workload; no loss at 1 M/s; unregistered process +30 ns or less"
