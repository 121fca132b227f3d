#!/usr/bin/env bash
# Fault: the monitor is SIGKILLed mid-learning (issue 6).
#  allow: the container keeps running untraced to its end, the profile up to the last checkpoint
#         is intact and loadable (store and bundle), and an alert says the container is untraced.
#  deny:  the container is killed with its monitor.
# Both halves always run; the test fails at the end if either found a problem.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"

errs=()
err() { echo "FAIL: $*" >&2; errs+=("$*"); }

WORK='i=0; while [ $i -lt 80 ]; do ls / >/dev/null; cat /etc/passwd >/dev/null; sleep 0.05; i=$((i+1)); done; echo finished'

# kill_mid_learning POLICY KEY: starts a container, kills its monitor after a checkpoint.
# Sets NAME, RC (runtime exit), OUT (workload output file).
kill_mid_learning() {
	local policy=$1 key=$2 cfg=$TMP/$1.json b=$TMP/b-$1 st mon ctr
	cids_config "$cfg" ".mode = \"learn\" | .on_steady = \"stay\" | .on_error = \"$policy\""
	fl_bundle "$b" "$key" "$cfg" createRuntime sh -c "$WORK"
	NAME=$(cname "mk-$policy")
	OUT=$TMP/out-$policy
	runtime_cleanup runc "$NAME"
	(cd "$b" && exec runc run "$NAME" </dev/null >"$OUT" 2>"$OUT.err") &
	ctr=$!
	on_exit "kill $ctr"
	st=$(fl_status_file "$NAME")
	wait_for 10 test -s "$st" || { err "$policy: no monitor status file"; kill "$ctr"; wait "$ctr"; return 1; }
	wait_for 10 test -s "$TMP/store/$key.profile" || err "$policy: no checkpoint in the store before the kill"
	sleep 0.6 # at least one more checkpoint (checkpoint_s 0.5): the kill may hit a save
	mon=$(fl_monitor_pid "$NAME")
	[ -n "$mon" ] && [ -d "/proc/$mon" ] || { err "$policy: monitor not running"; return 1; }
	ALERT_MARK=$(fl_lines "$TMP/log/alerts.jsonl")
	KILLED_AT=$SECONDS
	log "$policy: SIGKILL monitor $mon of $NAME"
	kill -KILL "$mon"
	set +e
	wait "$ctr"
	RC=$?
	set -e
	DUR=$((SECONDS - KILLED_AT))
	STORE=$TMP/store/$key.profile
	BUNDLE=$b/cids.profile
}

# ---------------------------------------------------------------- allow
KEY_A="mk-allow-$$"
kill_mid_learning allow "$KEY_A"
[ "$RC" -eq 0 ] || err "allow: container exit $RC after its monitor died (expected 0)"
grep -qx finished "$OUT" || err "allow: the workload did not run to its end untraced"
for p in "$STORE" "$BUNDLE"; do
	if "$CIDS" profile show --json "$p" >"$TMP/show.json" 2>"$TMP/show.err"; then
		n=$(jq '[.databases[].entries] | add' "$TMP/show.json")
		[ "${n:-0}" -gt 0 ] || err "allow: checkpoint $p is empty"
		jq -e --arg k "$KEY_A" '.. | objects | select(has("key")) | .key == $k' "$TMP/show.json" \
			>/dev/null || err "allow: checkpoint $p does not carry key $KEY_A"
	else
		err "allow: checkpoint $p not loadable: $(cat "$TMP/show.err")"
	fi
done
# no half-written temporaries left beside the profile
left=$(find "$TMP/store" -mindepth 1 ! -name "$KEY_A.profile" | head -5)
[ -z "$left" ] || log "note: files left in the store after the kill: $left"
# the policy says "keeps running untraced, with an alert": something must tell the operator
# that this container is no longer watched.
wait_for 5 bash -c "tail -n +$((ALERT_MARK + 1)) '$TMP/log/alerts.jsonl' 2>/dev/null | grep -qF '$NAME'" ||
	err "allow: no alert says that container $NAME runs untraced after its monitor died"
fl_alerts_valid "$TMP/log/alerts.jsonl" || err "alerts file has non-JSON lines"

# ---------------------------------------------------------------- deny
KEY_D="mk-deny-$$"
kill_mid_learning deny "$KEY_D"
log "deny: runtime exit $RC, ${DUR}s after the kill"
if grep -qx finished "$OUT"; then
	err "deny: the workload ran to its end after its monitor died (on_error deny must kill it)"
fi
[ "$RC" -ne 0 ] || err "deny: container exit 0 after its monitor died"
[ "$DUR" -le 5 ] || err "deny: container lived ${DUR}s after its monitor died"
state=$(runc state "$NAME" 2>/dev/null | jq -r .status || true)
[ -z "$state" ] || [ "$state" = stopped ] || err "deny: container state $state"
"$CIDS" profile show "$STORE" >/dev/null 2>&1 || err "deny: checkpoint in the store not loadable"

fl_wait_no_monitors 5 || err "monitors left: $(fl_monitors)"
rm -f "$TMP/run/monitors/"*.json # the SIGKILLed monitors could not remove theirs

fl_sanitizer_report || err "sanitizer reports in the monitor log"
if [ ${#errs[@]} -gt 0 ]; then
	printf 'FAIL %s\n' "${errs[@]}"
	exit 1
fi
log "ok"
