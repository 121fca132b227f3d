#!/usr/bin/env bash
# cids-hook benchmark (make bench, section "hook"): container start time with and without the
# hook (runc createRuntime, crun prestart; goal: <= 30 ms added), and the slowdown of
# syscall-heavy workloads traced with ptrace (mode learn) against untraced, all in this run.
# Prints medians of interleaved runs (untraced, traced, untraced, ...); asserts nothing.
source "$(dirname "$0")/../tests/integration/lib.sh"
need_root
need_cmd runc jq busybox
N=${BENCH_HOOK_RUNS:-15}
B=$TMP/bundle
CFG=$TMP/cids.json
cids_config "$CFG" '.mode = "learn" | .on_steady = "stay"'
make_bundle "$B" true
HOOK=$(jq -cn --arg p "$CIDS_BUILD/cids-hook" --arg c "$CFG" \
	'{"path": $p, "args": ["cids-hook", "--config", $c], "timeout": 30}')

ms() { date +%s%N | awk '{printf "%.3f", $1 / 1e6}'; }
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# one RUNTIME STAGE TRACED SCRIPT: wall ms of `RUNTIME run` for SCRIPT
one() {
	local rt=$1 stage=$2 traced=$3 script=$4 name t0 t1 args
	name=$(cname bench)
	args=$(jq -cn --arg s "$script" '["sh","-c",$s]')
	if [ "$traced" = 1 ]; then
		bundle_jq "$B" ".process.args = $args | .hooks = {\"$stage\": [$HOOK]}"
	else
		bundle_jq "$B" ".process.args = $args | del(.hooks)"
	fi
	t0=$(ms)
	if ! (cd "$B" && "$rt" run "$name" </dev/null >/dev/null 2>"$TMP/err"); then
		"$rt" delete --force "$name" >/dev/null 2>&1 || true
		echo "FAILED"
		return
	fi
	t1=$(ms)
	"$rt" delete --force "$name" >/dev/null 2>&1 || true
	awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f\n", b - a}'
}

# series RUNTIME STAGE TRACED SCRIPT RUNS: median ms
# pair RUNTIME STAGE SCRIPT RUNS: "untraced-median traced-median", runs interleaved so that the
# load of a shared machine drifts over both alike. A failed run makes its side "failed".
pair() {
	local i u="" t=""
	for ((i = 0; i < $4; i++)); do
		u+="$(one "$1" "$2" 0 "$3")"$'\n'
		t+="$(one "$1" "$2" 1 "$3")"$'\n'
	done
	for x in "$u" "$t"; do
		if grep -q FAILED <<<"$x"; then echo -n "failed "; else echo -n "$(grep . <<<"$x" | median) "; fi
	done
	echo
}

printf '%-44s %10s %10s %10s\n' "container start (median of $N)" untraced traced added
for rt in runc crun; do
	command -v $rt >/dev/null || { echo "$rt: n/a (not installed)"; continue; }
	[ $rt = crun ] && ensure_crun_cgroups
	stage=createRuntime; [ $rt = crun ] && stage=prestart
	read -r u t < <(pair $rt $stage true "$N")
	printf '%-44s %8s ms %8s ms %8s ms\n' "$rt run true (hook at $stage)" "$u" "$t" \
		"$(awk -v u="$u" -v t="$t" 'BEGIN {if (u + 0 > 0 && t + 0 > 0) printf "%.1f", t - u; else print "n/a"}')"
done

echo
R=${BENCH_HOOK_WORK_RUNS:-3}
printf '%-44s %10s %10s %10s\n' "workload in runc (median of $R)" untraced traced ratio
work() {
	local title=$1 script=$2 u t
	read -r u t < <(pair runc createRuntime "$script" "$R")
	printf '%-44s %8s ms %8s ms %9sx\n' "$title" "$u" "$t" \
		"$(awk -v u="$u" -v t="$t" 'BEGIN {if (u + 0 > 0 && t + 0 > 0) printf "%.2f", t / u; else print "n/a"}')"
}
work "dd 200k x 512 B (syscall floor)" 'dd if=/dev/zero of=/dev/null bs=512 count=200000 2>/dev/null'
work "200 x (ls; cat; grep) (fork/exec heavy)" \
	'i=0; while [ $i -lt 200 ]; do ls /bin >/dev/null; cat /etc/passwd >/dev/null; grep root /etc/passwd >/dev/null; i=$((i + 1)); done'
work "find + md5sum over /bin 20 x (real work)" \
	'i=0; while [ $i -lt 20 ]; do find / -xdev >/dev/null 2>&1; md5sum /bin/busybox >/dev/null; i=$((i + 1)); done'
# every traced run above must have been traced: count the monitors that attached
count() { [ -e "$2" ] || { echo 0; return; }; grep -c "$1" "$2" || true; }
echo "monitors attached: $(count 'attached to pid' "$TMP/log/monitor.log"),"\
	"untraced starts (on_error): $(count untraced "$TMP/log/alerts.jsonl")"
