#!/usr/bin/env bash
# Fault: a corrupt, truncated, foreign-version, foreign-format or oversized profile in the store
# at container start (issue 6). Each is refused with its reason (alert, and hook stderr for
# deny), is byte-identical afterwards, and the container follows on_error: allow starts it
# untraced (workload runs, no monitor left), deny makes the start fail. A bad bundle copy next
# to a good store copy is left alone too.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"

errs=()
err() { echo "FAIL: $*" >&2; errs+=("$*"); }
ALERTS=$TMP/log/alerts.jsonl
WORK='ls / >/dev/null; cat /etc/passwd >/dev/null; echo finished'

# A good profile first: one learning run.
cids_config "$TMP/learn.json" '.mode = "learn" | .on_steady = "stay"'
fl_bundle "$TMP/b" good "$TMP/learn.json" createRuntime sh -c "$WORK"
name=$(cname prof)
runtime_cleanup runc "$name"
(cd "$TMP/b" && runc run "$name" </dev/null >"$TMP/out" 2>&1) || { cat "$TMP/out"; fail "learning run"; }
fl_wait_no_monitors 10 || fail "monitor of the learning run did not exit"
GOOD=$TMP/good.profile
cp "$TMP/store/good.profile" "$GOOD"
"$CIDS" profile show "$GOOD" >/dev/null || fail "the learned profile is not loadable"
size=$(stat -c %s "$GOOD")
rm -f "$TMP/b/cids.profile"

# fp FILE: fingerprint; whole-file SHA-256 (for the sparse 300 MiB file: size, allocated blocks,
# mtime and the SHA-256 of its first and last MiB, to keep the test fast).
fp() {
	if [ "$(stat -c %s "$1")" -gt $((16 << 20)) ]; then
		echo "$(stat -c '%s %b %Y' "$1") $(head -c 1M "$1" | sha256sum) $(tail -c 1M "$1" | sha256sum)"
	else
		sha256sum "$1" | cut -d' ' -f1
	fi
}

# make_bad KIND FILE: a bad variant of the good profile (keyed KEY) and the reason expected.
make_bad() {
	local kind=$1 f=$2
	case $kind in
	corrupt)
		cp "$GOOD" "$f"
		printf '\xff\x00\xa5' | dd of="$f" bs=1 seek=$((size / 2)) conv=notrunc status=none
		WHY='checksum|corrupt' ;;
	truncated) head -c $((size / 2)) "$GOOD" >"$f"; WHY='truncat|short|length' ;;
	version)
		cp "$GOOD" "$f"
		printf '\x63\x00\x00\x00' | dd of="$f" bs=1 seek=8 conv=notrunc status=none # u32 version 99
		WHY='version 99' ;;
	foreign) printf '{"not": "a cids profile"}\n' >"$f"; WHY='magic|not a cids profile|foreign' ;;
	empty) : >"$f"; WHY='empty|truncat|short' ;;
	oversized)
		cp "$GOOD" "$f"
		truncate -s 300M "$f" # sparse: over the 256 MiB cap
		WHY='cap|too large|size|big' ;;
	esac
	chmod 0600 "$f"
}

# run_with POLICY KIND: start a container whose store profile is bad.
run_with() {
	local policy=$1 kind=$2 key="bad-$2-$1" b=$TMP/b-$2-$1 cfg=$TMP/$1.json name before amark rc
	cids_config "$cfg" ".mode = \"learn\" | .on_steady = \"stay\" | .on_error = \"$policy\""
	fl_bundle "$b" "$key" "$cfg" createRuntime sh -c "$WORK"
	make_bad "$kind" "$TMP/store/$key.profile"
	before=$(fp "$TMP/store/$key.profile")
	amark=$(fl_lines "$ALERTS")
	name=$(cname "$kind")
	runtime_cleanup runc "$name"
	set +e
	(cd "$b" && timeout 30 runc run "$name" </dev/null >"$TMP/out" 2>"$TMP/err")
	rc=$?
	set -e
	runc delete --force "$name" >/dev/null 2>&1 || true
	fl_wait_no_monitors 5 || err "$policy/$kind: monitor left running"
	fl_new_lines "$ALERTS" "$amark" >"$TMP/new-alerts"
	if [ "$policy" = allow ]; then
		[ "$rc" -eq 0 ] || err "$policy/$kind: container exit $rc (expected to start untraced)"
		grep -qx finished "$TMP/out" || err "$policy/$kind: workload did not run"
	else
		[ "$rc" -ne 0 ] || err "$policy/$kind: container started with a refused profile"
		grep -q finished "$TMP/out" && err "$policy/$kind: workload ran although on_error is deny"
		grep -qiE "$WHY" "$TMP/err" || err "$policy/$kind: runtime stderr lacks the reason /$WHY/: $(head -c 400 "$TMP/err")"
	fi
	jq -e -s --arg k "$key" --arg re "$WHY" 'map(select(.rule == "cids_monitor"
		and (.output_fields["cids.message"] // .output // "" | test($re; "i"))
		and (.output_fields["cids.profile"] == $k or (.output | contains($k))))) | length >= 1' \
		"$TMP/new-alerts" >/dev/null ||
		err "$policy/$kind: no alert with the reason /$WHY/: $(head -c 600 "$TMP/new-alerts")"
	[ "$(fp "$TMP/store/$key.profile")" = "$before" ] ||
		err "$policy/$kind: the refused profile was changed"
	[ "$(stat -c %a "$TMP/store/$key.profile")" = 600 ] || err "$policy/$kind: mode changed"
	[ ! -e "$b/cids.profile" ] || err "$policy/$kind: a fresh profile was written into the bundle"
	log "$policy/$kind: exit $rc, refused: $(jq -r '.output_fields["cids.message"] // .output' "$TMP/new-alerts" | head -1 | cut -c1-160)"
	rm -f "$TMP/store/$key.profile"
}

for kind in corrupt truncated version foreign empty oversized; do
	run_with allow "$kind"
	run_with deny "$kind"
done

# A bad bundle copy beside a good store copy: the container is traced from the store copy, the
# bundle copy stays as it was and a warning says why.
cids_config "$TMP/allow.json" '.mode = "learn" | .on_steady = "stay" | .on_error = "allow"'
fl_bundle "$TMP/bb" good "$TMP/allow.json" createRuntime sh -c "$WORK"
make_bad corrupt "$TMP/bb/cids.profile"
before=$(sha256sum "$TMP/bb/cids.profile" | cut -d' ' -f1)
amark=$(fl_lines "$ALERTS")
name=$(cname bundlecopy)
runtime_cleanup runc "$name"
(cd "$TMP/bb" && runc run "$name" </dev/null >"$TMP/out" 2>&1) || err "bundle copy: run failed"
fl_wait_no_monitors 10 || err "bundle copy: monitor did not exit"
[ "$(sha256sum "$TMP/bb/cids.profile" | cut -d' ' -f1)" = "$before" ] || err "bundle copy: the bad bundle copy was overwritten"
fl_new_lines "$ALERTS" "$amark" | has 'bundle copy not written' || err "bundle copy: no alert says it was left alone"
"$CIDS" profile show "$TMP/store/good.profile" >/dev/null || err "bundle copy: the store copy is not loadable after the run"

fl_alerts_valid "$ALERTS" || err "alerts file has non-JSON lines"
fl_sanitizer_report || err "sanitizer reports in the monitor log"
if [ ${#errs[@]} -gt 0 ]; then
	printf 'FAIL %s\n' "${errs[@]}"
	exit 1
fi
log "ok"
