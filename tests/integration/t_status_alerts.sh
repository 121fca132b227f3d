#!/usr/bin/env bash
# cids status (live, stale, malformed monitor status files) and cids alerts (formatting,
# --json pass-through, --since, --follow across appends, truncation and rotation).
. "$(dirname "$0")/lib.sh"
need_cmd jq
CIDS=$CIDS_BUILD/cids

# ---------------- status ----------------
M=$TMP/run/monitors
mkdir -p "$M"
# A stand-in monitor: a process whose executable is named like ours (cids-*).
cp "$(command -v sleep)" "$TMP/cids-fake-monitor"
"$TMP/cids-fake-monitor" 300 &
live=$!
on_exit "kill $live"
sleep 300 &
other=$!
on_exit "kill $other"
sh -c 'exit 0' &
dead=$!
wait $dead
now=$(date +%s)

status_json() { # ID PID [STARTED]
	jq -cn --arg id "$1" --argjson pid "$2" --argjson t "${3:-$now}" '{
		id: $id, key: "web-frontend", backend: "ptrace", mode: "learn", monitor_pid: $pid,
		container_pid: 4242, started: $t, updated: $t, syscalls: 123456, alerts: 3, kills: 1, lost: 7,
		dbs: [ {algorithm: "stide", k: 4, size: 1200, slope: 0.42, steady: false, t_max: null, eta_s: 300},
		       {algorithm: "bosc", k: 3, size: 310, slope: 0, steady: true, t_max: 900, eta_s: 0} ] }'
}
status_json 0123456789abcdef0123 "$live" >"$M/live.json"
status_json deadbeef0000 "$dead" >"$M/dead.json"
status_json 0ther0000000 "$other" >"$M/other.json"
status_json reused000000 "$live" $((now - 100000)) >"$M/reused.json"
echo '{"id": "broken", "monitor_pid":' >"$M/broken.json"
echo '{"id": "", "monitor_pid": 12}' >"$M/noid.json"
echo '[1,2,3]' >"$M/array.json"
# NaN is not JSON (json-c takes it even in strict mode): skipped like any malformed file
echo "{\"id\": \"nan\", \"monitor_pid\": $live, \"started\": NaN, \"dbs\": []}" >"$M/nan.json"
ln -s "$M/live.json" "$M/link.json"
head -c 2000000 /dev/zero | tr '\0' ' ' >"$M/huge.json"
echo 'not a status file' >"$M/README"

"$CIDS" status --run-dir "$TMP/run" --verbose >"$TMP/status.out" 2>"$TMP/status.err"
cat "$TMP/status.out" "$TMP/status.err"
[ "$(grep -c '^0123456789ab ' "$TMP/status.out")" -eq 1 ] || fail "live monitor line (short id)"
[ "$(wc -l <"$TMP/status.out")" -eq 2 ] || fail "expected header + 1 monitor"
line=$(grep '^0123456789ab ' "$TMP/status.out")
for w in web-frontend ptrace learn 123456 'stide/4:1200(0.42/s,eta 5m)' 'bosc/3:310(0.00/s,steady)'; do
	grep -qF -- "$w" <<<"$line" || fail "status line lacks \"$w\": $line"
done
grep -qE ' 3 +1 +7 ' <<<"$line" || fail "alerts/kills/lost columns: $line"
for f in dead other reused; do assert_no_file "$M/$f.json"; done
assert_grep 'Removed stale.*dead.json.*is gone' "$TMP/status.err"
assert_grep 'Removed stale.*other.json.*not a cids monitor' "$TMP/status.err"
assert_grep 'Removed stale.*reused.json.*reused' "$TMP/status.err"
for f in broken noid array huge link nan; do
	assert_grep "Skipping.*$f.json" "$TMP/status.err"
	[ -e "$M/$f.json" ] || fail "$f.json should be left alone"
done
assert_file "$M/live.json"

"$CIDS" status --run-dir "$TMP/run" --json 2>/dev/null >"$TMP/status.json"
jq -e 'length == 1 and .[0].id == "0123456789abcdef0123" and .[0].dbs[1].steady == true' "$TMP/status.json" >/dev/null ||
	fail "status --json"

# run_dir from the configuration
cids_config "$TMP/config.json"
"$CIDS" status --config "$TMP/config.json" 2>/dev/null | has '^0123456789ab ' || fail "status --config run_dir"
# no monitors at all
"$CIDS" status --run-dir "$TMP/empty" | has 'No live monitors' || fail "empty run dir"
"$CIDS" status --help | has Example || fail "status --help"

# ---------------- alerts ----------------
A=$TMP/log/alerts.jsonl
mkdir -p "$TMP/log"
recent=$(date -u -d '@'$((now - 60)) +%Y-%m-%dT%H:%M:%S.123456789Z)
anomaly() { # TIME SYSCALL COMM
	jq -cn --arg t "$1" --arg s "$2" --arg c "$3" '{time: $t, rule: "cids_anomalous_window",
		priority: "Warning", source: "cids", hostname: "h", output: "anomalous window",
		output_fields: {"container.id": "c0ffee0000001111", "cids.profile": "web-frontend",
		"proc.pid": 321, "thread.tid": 322, "proc.name": $c, "proc.exepath": "/bin/busybox",
		"evt.type": $s, "cids.window": ["read", "close", "mmap", $s], "cids.algorithm": "stide",
		"cids.k": 4, "cids.score": 1, "cids.action": "block", "cids.mode": "enforce"}}'
}
{
	anomaly 2020-01-01T00:00:00.000000001Z ptrace sh
	echo 'this is not json'
	anomaly "$recent" unshare $'evil\e[31mname'
	jq -cn --arg t "$recent" '{time: $t, rule: "cids_monitor", priority: "Notice", source: "cids",
		output: "x", output_fields: {"container.id": "c0ffee0000001111", "cids.profile": "web-frontend",
		"cids.message": "profile full: stide k=6"}}'
	printf '{"time": "%s", "rule": "trailing", "output_fields": {}} garbage\n' "$recent"
	printf '{"time": "%s", "rule": "nan", "output_fields": {"cids.score": Infinity}}\n' "$recent"
} >"$A"

"$CIDS" alerts --file "$A" >"$TMP/alerts.out" 2>"$TMP/alerts.err"
cat "$TMP/alerts.out" "$TMP/alerts.err"
[ "$(wc -l <"$TMP/alerts.out")" -eq 3 ] || fail "expected 3 alert lines"
assert_grep '^2020-01-01 00:00:00  c0ffee000000 web-frontend *sh\[321/322\] ptrace  \[read close mmap ptrace\]  stide/4 score 1  block$' "$TMP/alerts.out"
assert_grep 'evil?\[31mname\[321/322\] unshare' "$TMP/alerts.out"
if grep -q $'\e' "$TMP/alerts.out"; then fail "escape sequence reached the terminal"; fi
assert_grep 'cids_monitor: profile full: stide k=6' "$TMP/alerts.out"
assert_grep "$A:2: skipping malformed" "$TMP/alerts.err"
assert_grep "$A:5: skipping malformed" "$TMP/alerts.err"
assert_grep "$A:6: skipping malformed.*NaN and Infinity" "$TMP/alerts.err"

"$CIDS" alerts --file "$A" --json 2>/dev/null >"$TMP/alerts.json"
[ "$(wc -l <"$TMP/alerts.json")" -eq 3 ] || fail "--json lines"
sed -n 1p "$A" | cmp -s - <(sed -n 1p "$TMP/alerts.json") || fail "--json does not pass lines through"

"$CIDS" alerts --file "$A" --since 1h 2>/dev/null >"$TMP/since.out"
[ "$(wc -l <"$TMP/since.out")" -eq 2 ] || fail "--since 1h should drop the 2020 alert"
if grep -q '^2020' "$TMP/since.out"; then fail "--since kept an old alert"; fi
[ "$("$CIDS" alerts --file "$A" --since 2019-12-31 2>/dev/null | wc -l)" -eq 3 ] || fail "--since DATE"
[ "$("$CIDS" alerts --file "$A" --since "@$((now + 3600))" 2>/dev/null | wc -l)" -eq 0 ] || fail "--since @future"
if "$CIDS" alerts --file "$A" --since yesterday 2>/dev/null; then fail "bad --since accepted"; fi
"$CIDS" alerts --file "$TMP/none.jsonl" >/dev/null 2>&1 || fail "a missing alerts file is not an error"

# alerts file from the configuration
cp "$A" "$TMP/log/alerts.jsonl.bak"
"$CIDS" alerts --config "$TMP/config.json" 2>/dev/null | has 'cids_monitor' || fail "alerts --config"

# --follow: appends, truncation, rotation, and a file that appears later
F=$TMP/follow/alerts.jsonl
mkdir -p "$TMP/follow"
"$CIDS" alerts --follow --json --file "$F" >"$TMP/follow.out" 2>"$TMP/follow.err" &
fpid=$!
on_exit "kill $fpid"
sleep 0.3
anomaly "$recent" first sh >>"$F"
wait_for 5 grep -q '"first"' "$TMP/follow.out" || fail "follow: file created later"
anomaly "$recent" second sh >>"$F"
wait_for 5 grep -q '"second"' "$TMP/follow.out" || fail "follow: append"
: >"$F"
anomaly "$recent" third sh >>"$F"
wait_for 5 grep -q '"third"' "$TMP/follow.out" || { cat "$TMP/follow.err"; fail "follow: truncation"; }
mv "$F" "$F.1"
anomaly "$recent" fourth sh >>"$F.1" # late line to the rotated file: still read
anomaly "$recent" fifth sh >"$F"
wait_for 5 grep -q '"fifth"' "$TMP/follow.out" || { cat "$TMP/follow.err"; fail "follow: rotation"; }
echo 'garbage' >>"$F"
anomaly "$recent" sixth sh >>"$F"
wait_for 5 grep -q '"sixth"' "$TMP/follow.out" || fail "follow: after a malformed line"
kill $fpid
wait $fpid 2>/dev/null || true
cat "$TMP/follow.err"
for w in first second third fourth fifth sixth; do
	[ "$(grep -c "\"$w\"" "$TMP/follow.out")" -eq 1 ] || { cat "$TMP/follow.out"; fail "follow: \"$w\" not exactly once"; }
done
assert_grep 'skipping malformed' "$TMP/follow.err"
"$CIDS" alerts --help | has Example || fail "alerts --help"
log "ok (files)"

# ---------------- live: a runc container under cids-hook ----------------
live_skip=""
[ "$(id -u)" -eq 0 ] || live_skip="needs root"
command -v runc >/dev/null || live_skip="needs runc"
[ -x "$CIDS_BUILD/cids-hook" ] || live_skip="needs $CIDS_BUILD/cids-hook"
if [ -n "$live_skip" ]; then
	log "live section skipped: $live_skip"
	exit 0
fi
L=$TMP/live
mkdir -p "$L"
cids_config "$L/config.json" '.mode = "learn" | .on_steady = "detect"'
jq --arg l "$L" '.store = ($l + "/store") | .alerts = ($l + "/alerts.jsonl") | .run_dir = ($l + "/run")
	| .log = ($l + "/monitor.log")' "$L/config.json" >"$L/c" && mv "$L/c" "$L/config.json"
# learn a loop, keep running it until the test says go (once the monitor detects), then make
# a call the loop never made
make_bundle "$L/b" /bin/sh -c 'while [ ! -e /tmp/go ]; do ls / >/dev/null; cat /etc/hostname >/dev/null; sleep 0.1; done; mkdir /tmp/new-dir; sleep 60'
bundle_add_hook "$L/b" createRuntime "$CIDS_BUILD/cids-hook" --config "$L/config.json"
name=$(cname status)
runtime_cleanup runc "$name"
(cd "$L/b" && runc run -d "$name" </dev/null >"$L/runc.out" 2>&1) || { cat "$L/runc.out"; fail "runc run with cids-hook"; }
live_field() { "$CIDS" status --config "$L/config.json" --json 2>/dev/null | jq -r --arg n "$name" ".[] | select(.id == \$n) | .$1"; }
live_is() { [ "$(live_field mode)" = "$1" ]; }
live_alerted() { [ "$(live_field alerts)" -ge 1 ] 2>/dev/null; }
wait_for 10 live_is learn || fail "no live monitor in learn mode for $name"
"$CIDS" status --config "$L/config.json" | has "^${name:0:12} .* ptrace  learn " || fail "status line of the live monitor"
wait_for 20 live_is detect || { tail "$L/monitor.log"; fail "monitor never reached detect"; }
touch "$L/b/rootfs/tmp/go"
wait_for 10 grep -q '"evt.type":"mkdir"' "$L/alerts.jsonl" || { tail "$L/monitor.log"; fail "no alert for mkdir"; }
"$CIDS" alerts --config "$L/config.json" >"$L/alerts.out"
cat "$L/alerts.out"
grep -q "^20[0-9-]* [0-9:]*  ${name:0:12} .* mkdir  \[.*mkdir\]  stide/4 score [0-9]*  alert$" "$L/alerts.out" ||
	fail "human alert line for the live mkdir"
wait_for 5 live_alerted || fail "status does not count the alert"
mon=$(live_field monitor_pid)
kill -9 "$mon"
wait_for 5 sh -c "! kill -0 $mon 2>/dev/null"
# The hook's watchdog notices the dead monitor, alerts and removes its status file; if it has
# not got there yet, `cids status` removes the stale file itself. Either way the dead monitor
# is no longer listed, and the alert says the container runs untraced.
wait_for 5 grep -q "\"cids_monitor\".*$name.*monitor died" "$L/alerts.jsonl" ||
	fail "no alert that the monitor of $name died"
"$CIDS" status --config "$L/config.json" --verbose >"$L/status.out" 2>&1
! grep -q "^${name:0:12} " "$L/status.out" || fail "the dead monitor is still listed"
[ -z "$(ls "$L/run/monitors" 2>/dev/null)" ] || fail "stale status file left: $(ls "$L/run/monitors")"
assert_grep 'No live monitors' "$L/status.out"
log "ok (live)"
