#!/usr/bin/env bash
# Caps on container-controlled quantities (issue 6): at a cap the monitor degrades in the stated
# way and never dies.
#  - limits.max_threads = 8 and 16 threads at once: one alert "thread cap"; allow: the extra
#    threads run untraced and the workload finishes; deny: the process is killed.
#  - learning.max_entries = 40: "profile full" is alerted once per full database (not per call),
#    and learning goes on for the others.
#  - limits.max_alerts_per_second = 5 in detect mode with an empty profile: at most 5 alert
#    lines per second and per container, plus a notice counting what was not written.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"
[ -x "$HELPERS/thread_storm" ] || fail "build $HELPERS/thread_storm first (make all)"

errs=()
err() { echo "FAIL: $*" >&2; errs+=("$*"); }
ALERTS=$TMP/log/alerts.jsonl

# run_cfg NAME CFG-JQ SCRIPT: one run; sets RC, NEW (file of the run's alerts), CNAME.
run_cfg() {
	local what=$1 b=$TMP/$1 amark
	cids_config "$TMP/$what.json" "$2"
	fl_bundle "$b" "caps-$what-$$" "$TMP/$what.json" createRuntime sh -c "$3"
	cp "$HELPERS/thread_storm" "$b/rootfs/bin/"
	CNAME=$(cname "$what")
	runtime_cleanup runc "$CNAME"
	amark=$(fl_lines "$ALERTS")
	set +e
	(cd "$b" && timeout -k 1 40 runc run "$CNAME" </dev/null >"$TMP/$what.out" 2>&1)
	RC=$?
	set -e
	runc delete --force "$CNAME" >/dev/null 2>&1 || true
	fl_wait_no_monitors 10 || err "$what: monitor did not exit"
	NEW=$TMP/$what.alerts
	fl_new_lines "$ALERTS" "$amark" >"$NEW"
	grep -q "\"$CNAME\": tracer failed" "$TMP/log/monitor.log" && err "$what: tracer failed"
	return 0
}
count() { jq -s "map(select($2)) | length" "$1"; }

# ---------------------------------------------------------------- thread cap
STORM='thread_storm 1 16 300 && echo finished'
run_cfg threads-allow '.mode = "learn" | .on_steady = "stay" | .limits.max_threads = 8 | .on_error = "allow"' "$STORM"
[ "$RC" -eq 0 ] || err "threads/allow: container exit $RC"
grep -q finished "$TMP/threads-allow.out" || err "threads/allow: workload did not finish"
n=$(count "$NEW" '.output_fields["cids.message"] // "" | test("thread cap")')
[ "$n" -eq 1 ] || err "threads/allow: $n thread-cap alerts, expected 1"
grep -q 'left untraced' "$NEW" || err "threads/allow: the alert does not say the extra threads run untraced"
run_cfg threads-deny '.mode = "learn" | .on_steady = "stay" | .limits.max_threads = 8 | .on_error = "deny"' "$STORM"
grep -q finished "$TMP/threads-deny.out" && err "threads/deny: the storm ran to its end past the cap"
n=$(count "$NEW" '.output_fields["cids.message"] // "" | test("thread cap")')
[ "$n" -eq 1 ] || err "threads/deny: $n thread-cap alerts, expected 1"
log "thread cap: allow exit 0 untraced extras, deny exit $RC"

# ---------------------------------------------------------------- profile full
WORK='i=0; while [ $i -lt 20 ]; do ls / >/dev/null; cat /etc/passwd >/dev/null; uname -a >/dev/null; i=$((i+1)); done; echo finished'
run_cfg full '.mode = "learn" | .on_steady = "stay" | .learning.max_entries = 40' "$WORK"
[ "$RC" -eq 0 ] || err "full: container exit $RC"
n=$(count "$NEW" '.output_fields["cids.message"] // "" | test("profile full")')
ndb=8 # stide + bosc, k = 3..6
[ "$n" -ge 1 ] || err "full: no 'profile full' alert with max_entries 40"
[ "$n" -le "$ndb" ] || err "full: $n 'profile full' alerts for $ndb databases (one per database expected)"
"$CIDS" profile show --json "$TMP/store/caps-full-$$.profile" >"$TMP/full.json" 2>&1 || err "full: profile not loadable"
big=$(jq '[.databases[] | select(.entries > 40)] | length' "$TMP/full.json" 2>/dev/null || echo '?')
[ "$big" = 0 ] || err "full: $big databases over max_entries 40"
log "profile full: $n alerts"

# ---------------------------------------------------------------- alert rate cap
FLOOD='sleep 0.3; i=0; while [ $i -lt 30 ]; do ls / >/dev/null; cat /etc/passwd >/dev/null; i=$((i+1)); done; sleep 1.2; echo finished'
run_cfg rate '.mode = "detect" | .on_steady = "stay" | .limits.max_alerts_per_second = 5' "$FLOOD"
[ "$RC" -eq 0 ] || err "rate: container exit $RC"
# anomaly alerts per wall-clock second (the cap is per second of the monitor's clock: allow one
# second boundary of skew by looking at the largest two-second total too)
# The first alert of each kind (rule + window) passes the cap (issue 14): count the repeats.
nwin=$(jq -s 'map(select(.rule == "cids_anomalous_window")) | length' "$NEW")
per_sec=$(jq -s 'map(select(.rule == "cids_anomalous_window"))
	| reduce .[] as $a ({seen: {}, rep: []}; ($a.output_fields["cids.window"] | tostring) as $k
		| if .seen[$k] then .rep += [$a.time[0:19]] else .seen[$k] = true end)
	| .rep | group_by(.) | map(length) | max // 0' "$NEW")
log "rate: $nwin anomaly alerts, most repeats in one second: ${per_sec:-0}"
[ "${nwin:-0}" -ge 1 ] || err "rate: no anomaly alert at all"
[ "${per_sec:-0}" -le 10 ] || err "rate: ${per_sec} repeated alerts in one second with max_alerts_per_second 5"
grep -q 'alert rate cap (5/s) reached: [0-9]* repeats of alerts already written not written' "$NEW" || err "rate: no notice counting the alerts not written"

fl_alerts_valid "$ALERTS" || err "alerts file has non-JSON lines"
fl_sanitizer_report || err "sanitizer reports in the monitor log"
if [ ${#errs[@]} -gt 0 ]; then
	printf 'FAIL %s\n' "${errs[@]}"
	exit 1
fi
log "ok"
