#!/usr/bin/env bash
# cids status --prometheus / --textfile / --profiles, read back with a real Prometheus parser
# (python3-prometheus-client's text parser):
#   - a live runc container under cids-hook (learn): its syscalls, mode, database sizes appear
#     while it runs; once it ended, its key shows in --profiles with sessions and steady progress;
#   - status files with a hostile container id (quote, backslash, newline, ESC): the label value
#     parses back to the same id (ESC as '?'), per-rule alerts and kills as written by the monitor;
#   - cidsd.json: cidsd up/down, lost events;
#   - --textfile writes the same exposition atomically (mode 0644, no temporary file left).
. "$(dirname "$0")/lib.sh"
need_root
need_cmd runc jq
# Debian's python3 (python3-prometheus-client), not whatever python3 comes first in PATH
PY=${CIDS_PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || skip "needs /usr/bin/python3"
"$PY" -c 'import prometheus_client.parser' 2>/dev/null || skip "needs python3-prometheus-client"
CIDS=$CIDS_BUILD/cids

cids_config "$TMP/cids.json" '.mode = "learn" | .on_steady = "stay" | .learning.interval_s = 0.2'

# Parse an exposition on stdin; print "name{k=v,...} value" lines with labels sorted, so the
# shell can grep what the parser understood (not what the text looked like).
cat >"$TMP/parse.py" <<'EOF'
import sys, json
from prometheus_client.parser import text_string_to_metric_families
text = sys.stdin.read()
fams = {}
for fam in text_string_to_metric_families(text):
    if fam.name in fams:
        sys.exit("family %s twice" % fam.name)
    fams[fam.name] = fam
    if not fam.documentation:
        sys.exit("family %s has no HELP" % fam.name)
    for s in fam.samples:
        print(json.dumps({"name": s.name, "type": fam.type, "labels": s.labels, "value": s.value}, sort_keys=True))
EOF
parse() { "$PY" "$TMP/parse.py"; }
# value NAME JQ-LABEL-CONDITION < parsed: the value of the one sample that matches
value() { jq -rs --arg n "$1" "[.[] | select(.name == \$n and ($2))] | if length == 1 then .[0].value else \"count=\\(length)\" end"; }

# --- a live container ---
make_bundle "$TMP/b" sh -c 'i=0; while [ $i -lt 60 ]; do ls / >/dev/null; cat /etc/passwd >/dev/null; i=$((i+1)); sleep 0.1; done'
bundle_add_hook "$TMP/b" createRuntime "$CIDS_BUILD/cids-hook" --config "$TMP/cids.json"
bundle_jq "$TMP/b" '.annotations["io.cids.profile"] = "prom-web"'
name=$(cname prom)
runtime_cleanup runc "$name"
runc run --bundle "$TMP/b" "$name" >"$TMP/runc.out" 2>&1 &
rpid=$!
on_exit "kill $rpid"
wait_for 15 compgen -G "$TMP/run/monitors/*.json" || fail "no monitor status file"
sleep 2 # a few status rewrites and growth samples
"$CIDS" status --config "$TMP/cids.json" --prometheus >"$TMP/live.prom" || fail "status --prometheus"
parse <"$TMP/live.prom" >"$TMP/live.json" || { cat "$TMP/live.prom"; fail "the parser refused the live exposition"; }
sys=$(value cids_container_syscalls_total '.labels.container_id == "'"$name"'" and .labels.profile_key == "prom-web"' <"$TMP/live.json")
[[ $sys =~ ^[0-9.]+$ ]] && "$PY" -c "import sys; sys.exit(not float('$sys') > 100)" || fail "syscalls_total of the live container: $sys"
[ "$(value cids_container_mode '.labels.container_id == "'"$name"'" and .labels.mode == "learn"' <"$TMP/live.json")" = 1 ] || fail "mode learn"
[ "$(value cids_container_mode '.labels.container_id == "'"$name"'" and .labels.mode == "enforce"' <"$TMP/live.json")" = 0 ] || fail "mode enforce 0"
ent=$(value cids_database_entries '.labels.container_id == "'"$name"'" and .labels.algorithm == "stide" and .labels.k == "4"' <"$TMP/live.json")
"$PY" -c "import sys; sys.exit(not float('$ent') > 5)" || fail "stide k=4 entries of the live container: $ent"
[ "$(value cids_monitors 'true' <"$TMP/live.json")" = 1 ] || fail "cids_monitors"
jq -se '[.[] | select(.name | endswith("_total"))] | length > 0 and all(.type == "counter")' "$TMP/live.json" >/dev/null ||
	fail "a _total sample is not of a counter family"
log "live container: $sys syscalls, stide k=4 $ent entries"
wait "$rpid" || fail "container failed: $(cat "$TMP/runc.out")"
wait_for 15 bash -c "! compgen -G '$TMP/run/monitors/*.json'" || fail "monitor did not exit"

# --- the store: how far each key is from steady ---
"$CIDS" status --config "$TMP/cids.json" --profiles >"$TMP/profiles.out"
cat "$TMP/profiles.out"
grep -qE '^prom-web +1 ' "$TMP/profiles.out" || fail "--profiles: prom-web with 1 session"
grep -qE 'stide/4:[0-9]+\((steady|[0-9]+ left \(>= [0-9.]+s\))\)' "$TMP/profiles.out" || fail "--profiles: steady progress"
"$CIDS" status --config "$TMP/cids.json" --profiles --json | jq -e '.profiles[0].key == "prom-web" and
	(.profiles[0].dbs[] | select(.algorithm == "stide" and .k == 4) | .samples_left >= 0)' >/dev/null || fail "--profiles --json"
"$CIDS" status --config "$TMP/cids.json" --profiles --prometheus | parse >"$TMP/store.json" || fail "store exposition"
[ "$(value cids_profile_sessions '.labels.profile_key == "prom-web"' <"$TMP/store.json")" = 1 ] || fail "cids_profile_sessions"
value cids_profile_steady_samples_left '.labels.profile_key == "prom-web" and .labels.algorithm == "stide" and .labels.k == "4"' <"$TMP/store.json" |
	grep -qE '^[0-9]+$' || fail "cids_profile_steady_samples_left"

# --- status files a monitor wrote: per-rule counts, hostile ids ---
M=$TMP/run/monitors
mkdir -p "$M"
cp "$(command -v sleep)" "$TMP/cids-fake-monitor"
"$TMP/cids-fake-monitor" 300 &
live=$!
on_exit "kill $live"
now=$(date +%s)
evil=$'web"1\\x\nnext\e[31m'
jq -cn --arg id "$evil" --argjson pid "$live" --argjson t "$now" '{id: $id, key: "web", backend: "ptrace",
	mode: "enforce", monitor_pid: $pid, container_pid: 4242, started: $t, updated: $t, syscalls: 5000,
	alerts: 9, kills: 2, kills_limited: 3, lost: 7, blocks: 0, alerts_dropped: 1, checkpoints: 4, steady: true,
	alerts_by_rule: {cids_anomalous_window: 5, cids_kill_rate_limited: 3, cids_monitor: 1},
	kills_by_rule: {cids_anomalous_window: 2},
	dbs: [{algorithm: "stide", k: 4, size: 1200, slope: 0.5, steady: true, t_max: 90, eta_s: 0}]}' >"$M/evil.json"
jq -cn --argjson pid "$live" '{pid: $pid, containers: 1, events: 123456, lost: 17, time: now}' >"$TMP/run/cidsd.json"

"$CIDS" status --config "$TMP/cids.json" --prometheus >"$TMP/evil.prom" || fail "status --prometheus (evil)"
parse <"$TMP/evil.prom" >"$TMP/evil.json" || { cat "$TMP/evil.prom"; fail "the parser refused the exposition"; }
want_id=$'web"1\\x\nnext?[31m'
got=$(jq -rs '[.[] | select(.name == "cids_container_events_lost_total")][0].labels.container_id' "$TMP/evil.json")
[ "$got" = "$want_id" ] || fail "container id label did not survive: $(printf %q "$got")"
c() { jq -rs --arg n "$1" --arg r "${2:-}" '[.[] | select(.name == $n and ($r == "" or .labels.rule == $r))][0].value' "$TMP/evil.json"; }
[ "$(c cids_container_alerts_total cids_anomalous_window)" = 5 ] || fail "alerts anomalous"
[ "$(c cids_container_alerts_total cids_kill_rate_limited)" = 3 ] || fail "alerts rate limited"
[ "$(c cids_container_alerts_total cids_monitor)" = 1 ] || fail "alerts monitor"
[ "$(c cids_container_kills_total cids_anomalous_window)" = 2 ] || fail "kills"
[ "$(c cids_container_events_lost_total)" = 7 ] || fail "lost"
[ "$(c cids_container_steady)" = 1 ] || fail "steady"
[ "$(c cids_cidsd_up)" = 1 ] || fail "cidsd up"
[ "$(c cids_cidsd_events_lost_total)" = 17 ] || fail "cidsd lost"
grep -q '^# TYPE cids_container_alerts_total counter$' "$TMP/evil.prom" || fail "TYPE line"

# cidsd gone: up 0
jq -cn '{pid: 999999, containers: 0, events: 1, lost: 0, time: now}' >"$TMP/run/cidsd.json"
"$CIDS" status --config "$TMP/cids.json" --prometheus | parse >"$TMP/down.json"
[ "$(jq -rs '[.[] | select(.name == "cids_cidsd_up")][0].value' "$TMP/down.json")" = 0 ] || fail "cidsd down"

# --- textfile: atomic, readable by node_exporter, parseable ---
mkdir -p "$TMP/textfile"
"$CIDS" status --config "$TMP/cids.json" --profiles --textfile "$TMP/textfile/cids.prom" >"$TMP/tf.out" || fail "--textfile"
[ ! -s "$TMP/tf.out" ] || fail "--textfile printed something"
[ "$(stat -c %a "$TMP/textfile/cids.prom")" = 644 ] || fail "textfile mode"
[ "$(ls -A "$TMP/textfile" | wc -l)" = 1 ] || fail "temporary files left: $(ls -A "$TMP/textfile")"
parse <"$TMP/textfile/cids.prom" >"$TMP/tf.json" || fail "the textfile does not parse"
grep -q '"cids_profile_sessions"' "$TMP/tf.json" || fail "textfile content"
"$CIDS" status --prometheus --json --run-dir "$TMP/run" 2>/dev/null && fail "--prometheus --json accepted"
log "PASS"
