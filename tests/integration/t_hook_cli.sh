#!/usr/bin/env bash
# cids-hook without a container: --check-config, hostile or malformed stdin, on_error allow and
# deny when the monitor cannot attach (a pid that is gone).
source "$(dirname "$0")/lib.sh"

need_cmd jq
HOOK=$CIDS_BUILD/cids-hook
[ -x "$HOOK" ] || fail "build $HOOK first"
CFG=$TMP/cids.json
cids_config "$CFG"

"$HOOK" --config "$CFG" --check-config >"$TMP/out" 2>"$TMP/err" || fail "--check-config failed"
jq -e '.mode == "learn"' "$TMP/out" >/dev/null || fail "--check-config did not print the config as JSON"
cids_config "$TMP/ebpf.json" '.backend = "ebpf" | .enforce.action = "block"'
"$HOOK" --config "$TMP/ebpf.json" --check-config >/dev/null 2>"$TMP/err" || fail "--check-config (ebpf) failed"
# what cidsd found at its start (<run_dir>/cidsd.json): can the kernel deny calls before they run?
assert_grep 'cidsd is not running' "$TMP/err"
assert_grep 'enforce.action "block" acts as "kill"' "$TMP/err"
RUN=$(jq -r .run_dir "$TMP/ebpf.json")
mkdir -p "$RUN"
echo '{"prevention": false, "prevention_why": "the kernel lists the BPF LSM but refuses to load an LSM program: Operation not permitted"}' >"$RUN/cidsd.json"
"$HOOK" --config "$TMP/ebpf.json" --check-config >/dev/null 2>"$TMP/err" || fail "--check-config (ebpf) failed"
assert_grep 'no prevention in the kernel (the kernel lists the BPF LSM but refuses' "$TMP/err"
echo '{"prevention": true, "prevention_why": ""}' >"$RUN/cidsd.json"
"$HOOK" --config "$TMP/ebpf.json" --check-config >/dev/null 2>"$TMP/err" || fail "--check-config (ebpf) failed"
assert_grep 'prevention in the kernel (BPF LSM)' "$TMP/err"
rm -f "$RUN/cidsd.json"
echo '{"mode": 12}' >"$TMP/bad.json"
set +e
"$HOOK" --config "$TMP/bad.json" --check-config >/dev/null 2>"$TMP/err"; rc=$?
set -e
[ $rc -ne 0 ] || fail "--check-config accepted a wrong type"
assert_grep 'mode' "$TMP/err"

# malformed and oversized state
set +e
echo 'not json' | "$HOOK" --config "$CFG" 2>"$TMP/err"; rc=$?
set -e
[ $rc -eq 1 ] || fail "garbage on stdin: exit $rc, expected 1"
assert_grep 'Invalid OCI state' "$TMP/err"
set +e
head -c $((2 << 20)) /dev/zero | tr '\0' ' ' | "$HOOK" --config "$CFG" 2>"$TMP/err"; rc=$?
set -e
[ $rc -eq 1 ] || fail "2 MiB on stdin: exit $rc, expected 1"
assert_grep 'cap' "$TMP/err"

# a container whose pid is gone: allow -> exit 0, alert "untraced"; deny -> exit 1 with a reason
sh -c 'exit 0' & gone=$!
wait $gone
state=$(jq -cn --argjson p "$gone" --arg b "$TMP" \
	'{"ociVersion": "1.0.2", "id": "gone-1", "status": "created", "pid": $p, "bundle": $b}')
echo "$state" | "$HOOK" --config "$CFG" 2>"$TMP/err" || fail "on_error allow: hook failed"
assert_grep '"cids.action":"untraced"' "$TMP/log/alerts.jsonl"
assert_grep 'gone-1' "$TMP/log/alerts.jsonl"
cids_config "$TMP/deny.json" '.on_error = "deny"'
set +e
echo "$state" | "$HOOK" --config "$TMP/deny.json" 2>"$TMP/err"; rc=$?
set -e
[ $rc -eq 1 ] || fail "on_error deny: exit $rc, expected 1"
assert_grep 'refused (on_error deny)' "$TMP/err"
[ -z "$(ls "$TMP/run/monitors/" 2>/dev/null)" ] || fail "a failed attach left a status file"
log "ok"
