#!/usr/bin/env bash
# Stress (make stress): MANY (default 50) containers started at once with cids-hook, half runc,
# half crun, each with its own profile key. Each learns and saves its own profile (provenance key
# and source name its own container), there is no cross-talk (even containers run mkdir/rmdir,
# odd ones symlink/unlink: no profile holds the other half's calls), and every monitor exits
# when its container does. Prints the figures for README.
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../integration/fault_lib.sh"
[ -n "${STRESS:-}" ] || skip "stress test: run with make stress (STRESS=1)"
need_cmd crun
ensure_crun_cgroups

MANY=${MANY:-50}
errs=()
err() { echo "FAIL: $*" >&2; errs+=("$*"); }
cids_config "$TMP/cfg.json" '.mode = "learn" | .on_steady = "stay" | .limits.hook_timeout_s = 30'
LOOP='i=0; while [ $i -lt 30 ]; do ls / >/dev/null; cat /etc/passwd >/dev/null; MARK; sleep 0.1; i=$((i+1)); done; echo finished'
EVEN='mkdir /tmp/d; rmdir /tmp/d'
ODD='ln -s x /tmp/l; rm /tmp/l'

declare -a RT NAME KEY
for i in $(seq 1 "$MANY"); do
	if [ $((i % 2)) -eq 0 ]; then RT[$i]=runc; mark=$EVEN; else RT[$i]=crun; mark=$ODD; fi
	NAME[$i]=$(cname "many$i")
	KEY[$i]="many-$$-$i"
	fl_bundle "$TMP/b$i" "${KEY[$i]}" "$TMP/cfg.json" createRuntime sh -c "${LOOP/MARK/$mark}"
	jq '.hooks.createRuntime[0].timeout = 60' "$TMP/b$i/config.json" >"$TMP/c.json" && mv "$TMP/c.json" "$TMP/b$i/config.json"
	runtime_cleanup "${RT[$i]}" "${NAME[$i]}"
done
log "starting $MANY containers at once"
t0=$(date +%s.%N)
for i in $(seq 1 "$MANY"); do
	(cd "$TMP/b$i" && "${RT[$i]}" run -d "${NAME[$i]}" </dev/null >"$TMP/run$i.log" 2>&1; echo $? >"$TMP/rc$i") &
done
wait
t_started=$(echo "$(date +%s.%N) - $t0" | bc)
started=0
for i in $(seq 1 "$MANY"); do
	if [ "$(cat "$TMP/rc$i")" = 0 ]; then started=$((started + 1)); else err "#$i ${RT[$i]}: start failed: $(head -c 300 "$TMP/run$i.log")"; fi
done
peak=$(fl_monitors | wc -l)
rss_kb=0
for p in $(fl_monitors); do r=$(awk '/^VmRSS:/{print $2}' "/proc/$p/status" 2>/dev/null || echo 0); [ "${r:-0}" -gt $rss_kb ] && rss_kb=$r; done
log "$started/$MANY started in ${t_started}s; $peak monitors live, largest VmRSS ${rss_kb} kB"

# all containers end by themselves (~4 s of work each); wait for them and their monitors
stopped() {
	local i s
	for i in $(seq 1 "$MANY"); do
		s=$("${RT[$i]}" state "${NAME[$i]}" 2>/dev/null | jq -r .status) || continue
		[ "$s" = stopped ] || return 1
	done
}
wait_for 180 stopped || err "containers still running after 180 s"
t_done=$(echo "$(date +%s.%N) - $t0" | bc)
for i in $(seq 1 "$MANY"); do "${RT[$i]}" delete --force "${NAME[$i]}" >/dev/null 2>&1 || true; done
fl_wait_no_monitors 60 || err "$(fl_monitors | wc -l) monitors still running after their containers ended"
left=$(ls "$TMP/run/monitors/" 2>/dev/null | wc -l)
[ "$left" -eq 0 ] || err "$left status files left in the run dir"

# each profile: its own key and container, its own half's calls only
ok=0
for i in $(seq 1 "$MANY"); do
	p=$TMP/store/${KEY[$i]}.profile
	"$CIDS" profile show --json --top 0 "$p" >"$TMP/show$i.json" 2>"$TMP/show$i.err" ||
		{ err "#$i: no loadable profile: $(cat "$TMP/show$i.err")"; continue; }
	k=$(jq -r .provenance.key "$TMP/show$i.json")
	src=$(jq -r .provenance.source "$TMP/show$i.json")
	calls=$(jq -r .total_calls "$TMP/show$i.json")
	names=$(jq -r '.top_syscalls[].name' "$TMP/show$i.json" | tr '\n' ' ')
	[ "$k" = "${KEY[$i]}" ] || err "#$i: profile key $k"
	[ "$src" = "ptrace ${NAME[$i]}" ] || err "#$i: provenance source \"$src\", expected \"ptrace ${NAME[$i]}\""
	[ "$calls" -ge 1000 ] || err "#$i: only $calls calls learned"
	if [ $((i % 2)) -eq 0 ]; then
		grep -qw mkdir <<<"$names" || err "#$i (runc): own mkdir missing"
		grep -qwE 'symlink|symlinkat' <<<"$names" && err "#$i (runc): holds symlink from an odd container (cross-talk)"
	else
		grep -qwE 'symlink|symlinkat' <<<"$names" || err "#$i (crun): own symlink missing"
		grep -qwE 'mkdir|mkdirat|rmdir' <<<"$names" && err "#$i (crun): holds mkdir/rmdir from an even container (cross-talk)"
	fi
	ok=$((ok + 1))
done
nfiles=$(find "$TMP/store" -name 'many-*.profile' | wc -l)
[ "$nfiles" -eq "$MANY" ] || err "$nfiles profiles in the store for $MANY keys"
calls_min=$(jq -s 'map(.total_calls) | min' "$TMP"/show*.json 2>/dev/null || echo '?')
calls_max=$(jq -s 'map(.total_calls) | max' "$TMP"/show*.json 2>/dev/null || echo '?')
echo "FIGURES many_containers: containers=$MANY (runc $((MANY / 2)), crun $((MANY - MANY / 2))) started=$started start_s=$t_started all_done_s=$t_done peak_monitors=$peak max_monitor_rss_kb=$rss_kb profiles_ok=$ok calls_per_profile=$calls_min..$calls_max"

fl_sanitizer_report || err "sanitizer reports in the monitor log"
if [ ${#errs[@]} -gt 0 ]; then
	printf 'FAIL %s\n' "${errs[@]}" | head -40
	exit 1
fi
log "ok"
