#!/usr/bin/env bash
# Kill safety valve (issue 6) that is no free pass (issue 19): enforce with action kill and
# max_kills_per_minute = 5, and a workload that runs a command the profile never saw
# (unshare -U: a user namespace) 200 times within seconds. At most 5 kills (exactly 5: there
# are far more than 5 anomalies), then the anomalous calls are blocked (enforce.over_budget
# block, the default: rule cids_kill_rate_limited, Critical, action block, saying the limit was
# reached), a log line, and not one of the foreign commands runs to its end.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"

errs=()
err() { echo "FAIL: $*" >&2; errs+=("$*"); }
ALERTS=$TMP/log/alerts.jsonl
MONLOG=$TMP/log/monitor.log
KEY="killrate-$$"
N=200
# The shell's own calls are the same in learning and enforce: only the child it execs differs.
# The learned loop also has a child that dies by SIGKILL, so the shell's reaction to a killed
# child ("Killed" on stderr) is normal and the kill verdicts stay on the foreign command.
LEARN='i=0; while [ $i -lt 40 ]; do ls / >/dev/null; sh -c "echo ok" >>/tmp/ok.log; sh -c "kill -9 \$\$" >>/tmp/ok.log; i=$((i+1)); done; echo finished'
ENFORCE="i=0; while [ \$i -lt $N ]; do ls / >/dev/null; unshare -U sh -c 'echo SURVIVED' >>/tmp/ok.log; sh -c \"kill -9 \\\$\\\$\" >>/tmp/ok.log; i=\$((i+1)); done; echo finished"

cids_config "$TMP/cfg.json" '.mode = "learn" | .on_steady = "stay" | .enforce.action = "kill"
	| .enforce.max_kills_per_minute = 5'
B=$TMP/b
fl_bundle "$B" "$KEY" "$TMP/cfg.json" createRuntime sh -c "$LEARN"
for run in 1 2 3; do
	name=$(cname learn)
	runtime_cleanup runc "$name"
	(cd "$B" && timeout -k 1 30 runc run "$name" </dev/null >"$TMP/out" 2>&1) || { cat "$TMP/out"; fail "learn run $run"; }
	fl_wait_no_monitors 10 || fail "learn monitor did not exit"
done

rm -f "$B/rootfs/tmp/ok.log"
amark=$(fl_lines "$ALERTS")
lmark=$(fl_lines "$MONLOG")
bundle_jq "$B" ".process.args = $(fl_sh "$ENFORCE") | .annotations[\"io.cids.mode\"] = \"enforce\""
name=$(cname enforce)
runtime_cleanup runc "$name"
t0=$SECONDS
(cd "$B" && timeout -k 1 50 runc run "$name" </dev/null >"$TMP/out" 2>"$TMP/err") || err "enforce run: exit $?"
dur=$((SECONDS - t0))
fl_wait_no_monitors 10 || err "enforce monitor did not exit"
fl_new_lines "$ALERTS" "$amark" >"$TMP/new.jsonl"; [ -n "${VERBOSE:-}" ] && jq -c "[.rule, .output_fields[\"proc.pid\"], .output_fields[\"proc.name\"], .output_fields[\"cids.action\"], .output_fields[\"cids.window\"]]" "$TMP/new.jsonl" | head -20
fl_alerts_valid "$TMP/new.jsonl" || err "alert lines not JSON"

kills=$(jq -s 'map(select(.output_fields["cids.action"] == "kill")) | length' "$TMP/new.jsonl")
limited=$(jq -s 'map(select(.rule == "cids_kill_rate_limited")) | length' "$TMP/new.jsonl")
survived=$(grep -c SURVIVED "$B/rootfs/tmp/ok.log" || true)
log "enforce run ${dur}s: $kills kills, $limited rate-limited alerts, $survived/$N foreign commands ran"
grep -qx finished "$TMP/out" || err "the container's shell did not finish (killed instead of its children?)"
[ "$dur" -lt 60 ] || err "the flood took ${dur}s: the one-minute window does not hold"
[ "$kills" -le 5 ] || err "$kills kills in under a minute with max_kills_per_minute = 5"
[ "$kills" -eq 5 ] || err "$kills kills: expected exactly 5 (hundreds of anomalies)"
[ "$limited" -ge 1 ] || err "no cids_kill_rate_limited alert"
jq -e -s 'map(select(.rule == "cids_kill_rate_limited" and .priority == "Critical"
	and ((.output_fields["cids.message"] // .output) | test("rate limit"; "i")))) | length > 0' \
	"$TMP/new.jsonl" >/dev/null || err "the rate-limit alert is not Critical or does not say the limit was reached"
# after the first rate-limited alert, no kill any more
jq -e -s '(map(.rule == "cids_kill_rate_limited") | index(true)) as $f
	| [.[$f:][] | select(.output_fields["cids.action"] == "kill")] | length == 0' "$TMP/new.jsonl" >/dev/null ||
	err "kills after the rate limit was reached"
[ "$survived" = 0 ] || err "$survived of $N foreign commands ran once the kill budget was spent (a free pass)"
# every rate-limited call was blocked, but those blocking cannot stop (the exit calls)
jq -s -c '.[] | select(.rule == "cids_kill_rate_limited" and .output_fields["cids.action"] != "block"
	and (.output_fields["evt.type"] | IN("exit", "exit_group", "rt_sigreturn", "restart_syscall") | not))
	| [.output_fields["evt.type"], .output_fields["cids.action"]]' "$TMP/new.jsonl" >"$TMP/notblocked"
[ ! -s "$TMP/notblocked" ] || { head -3 "$TMP/notblocked"; err "rate-limited calls not blocked: $(wc -l <"$TMP/notblocked")"; }
fl_new_lines "$MONLOG" "$lmark" | has 'kill rate limit reached' || err "no log line for the rate limit"
# dropped alerts (alert rate cap) are reported, not silently lost
total=$(jq -s 'map(select(.rule == "cids_anomalous_window" or .rule == "cids_kill_rate_limited")) | length' "$TMP/new.jsonl")
if [ "$total" -lt "$N" ]; then
	grep -q 'alert rate cap' "$TMP/new.jsonl" || err "$total alerts for $N anomalies and no 'alert rate cap' notice"
fi

fl_sanitizer_report || err "sanitizer reports in the monitor log"
if [ ${#errs[@]} -gt 0 ]; then
	printf 'FAIL %s\n' "${errs[@]}"
	exit 1
fi
log "ok"
