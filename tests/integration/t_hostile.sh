#!/usr/bin/env bash
# long
# Hostile tenants (issue 6):
#  1. profile keys chosen by the container (io.cids.profile) that try to escape the store or land
#     on another tenant's key: no file outside the store, store 0700, files 0600, names valid,
#     every hostile key gets its own file, the victim's profile is untouched; with
#     allow_container_override=false the annotation is ignored (derived key);
#  2. a process whose comm, argv and exe carry JSON-breaking and terminal-escape characters:
#     every alert line is valid JSON, the strings round-trip, no raw ESC byte in the file;
#  3. the monitor is invisible inside the container's pid namespace and survives `kill -9 -1`
#     from inside.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"

errs=()
err() { echo "FAIL: $*" >&2; errs+=("$*"); }
ALERTS=$TMP/log/alerts.jsonl
WORK='ls / >/dev/null; echo finished'
cids_config "$TMP/cfg.json" '.mode = "learn" | .on_steady = "stay"'

# run_key KEY [CFG]: one short learning run with io.cids.profile=KEY; start_key runs it in the
# background (errors to $TMP/bg-errors), wait_keys collects them.
n=0
start_key() {
	local key=$1 cfg=${2:-$TMP/cfg.json} b name
	n=$((n + 1))
	b=$TMP/k$n
	fl_bundle "$b" "$key" "$cfg" createRuntime sh -c "$WORK"
	name=$(cname "key$n")
	runtime_cleanup runc "$name"
	(
		if ! (cd "$b" && timeout -k 1 30 runc run "$name" </dev/null >"$b.out" 2>"$b.err"); then
			echo "key #$n ($(printf %q "$key" | cut -c1-40)): run failed: $(head -c 300 "$b.err")" >>"$TMP/bg-errors"
		fi
		runc delete --force "$name" >/dev/null 2>&1 || true
		grep -qx finished "$b.out" || echo "key #$n: workload did not run" >>"$TMP/bg-errors"
	) &
}
wait_keys() {
	wait
	if [ -s "$TMP/bg-errors" ]; then
		while IFS= read -r l; do err "$l"; done <"$TMP/bg-errors"
		: >"$TMP/bg-errors"
	fi
}
run_key() { start_key "$@"; wait_keys; }

# ---------------------------------------------------------------- 1. keys
run_key victim
fl_wait_no_monitors 10 || err "monitor of the victim run did not exit"
VICTIM=$(sha256sum "$TMP/store/victim.profile" | cut -d' ' -f1)
touch "$TMP/mark"
long=$(printf 'L%.0s' $(seq 1 300))
hostile=("../x" "../../../../tmp/cids-escape-$$" "a/b" "a_b" ".." "." ".hidden" "victim/" "./victim"
	"victim " "victim/../victim" "$long" "$(printf 'nl\nkey')" "$(printf 'esc\033[31m')" '$(id)' "*" "-"
	"victim.profile" "ünïcödé")
for k in "${hostile[@]}"; do start_key "$k"; done
wait_keys
fl_wait_no_monitors 10 || err "monitors did not exit"

# nothing outside the store (the bundles' own cids.profile aside)
outside=$(find "$TMP" -newer "$TMP/mark" -type f -name '*profile*' \
	! -path "$TMP/store/*" ! -path "$TMP/k*/cids.profile" 2>/dev/null | head -5)
[ -z "$outside" ] || err "profile files outside the store: $outside"
[ ! -e "/tmp/cids-escape-$$.profile" ] || { rm -f "/tmp/cids-escape-$$.profile"; err "key escaped to /tmp"; }
[ "$(stat -c %a "$TMP/store")" = 700 ] || err "store mode $(stat -c %a "$TMP/store")"
bad_mode=$(find "$TMP/store" -mindepth 1 ! -perm 0600 -printf '%p %m\n' | head -3)
[ -z "$bad_mode" ] || err "store files not 0600: $bad_mode"
subdirs=$(find "$TMP/store" -mindepth 1 -type d | head -3)
[ -z "$subdirs" ] || err "directories created in the store: $subdirs"
bad_name=$(find "$TMP/store" -mindepth 1 -printf '%f\n' | grep -vE '^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}\.profile$' | head -3 || true)
[ -z "$bad_name" ] || err "store file names outside [A-Za-z0-9._-]: $(printf %q "$bad_name")"
nfiles=$(find "$TMP/store" -mindepth 1 -type f | wc -l)
# victim + every hostile key in a file of its own
[ "$nfiles" -eq $((1 + ${#hostile[@]})) ] ||
	err "expected $((1 + ${#hostile[@]})) profiles (one per key), found $nfiles: $(ls "$TMP/store" | tr '\n' ' ')"
[ "$(sha256sum "$TMP/store/victim.profile" | cut -d' ' -f1)" = "$VICTIM" ] ||
	err "the victim's profile was changed by a look-alike key"
# each profile carries the key of its file name (provenance), so no two keys share a file
for f in "$TMP/store"/*.profile; do
	k=$("$CIDS" profile show --json "$f" 2>/dev/null | jq -r '.. | objects | select(has("key")) | .key' | head -1)
	[ "$k.profile" = "${f##*/}" ] || err "${f##*/} carries key \"$k\""
done
log "keys: ${#hostile[@]} hostile keys -> $nfiles files, all in the store: $(ls "$TMP/store" | cut -c1-40 | tr '\n' ' ')"

# the host forbids choosing: the annotation is ignored, the victim untouched
cids_config "$TMP/nooverride.json" '.mode = "learn" | .on_steady = "stay" | .allow_container_override = false'
touch "$TMP/mark2"
run_key victim "$TMP/nooverride.json"
fl_wait_no_monitors 10 || err "monitor did not exit"
[ "$(sha256sum "$TMP/store/victim.profile" | cut -d' ' -f1)" = "$VICTIM" ] ||
	err "allow_container_override=false: the annotation still wrote to the victim's profile"
new=$(find "$TMP/store" -newer "$TMP/mark2" -type f -printf '%f\n')
grep -qE '^w-[0-9a-f]{16}\.profile$' <<<"$new" || err "allow_container_override=false: no derived key written, files written: $new"

# a store, alerts file and run dir that do not exist yet are created private (umask 022 here)
umask 022
F=$TMP/fresh
cids_config "$TMP/fresh.json" ".mode = \"learn\" | .on_steady = \"stay\" | .store = \"$F/lib/profiles\"
	| .alerts = \"$F/log/alerts.jsonl\" | .run_dir = \"$F/run\" | .detection.threshold = 1"
run_key fresh "$TMP/fresh.json"
fl_wait_no_monitors 10 || err "fresh: monitor did not exit"
[ "$(stat -c %a "$F/lib/profiles" 2>/dev/null)" = 700 ] || err "fresh store created with mode $(stat -c %a "$F/lib/profiles" 2>&1)"
[ "$(stat -c %a "$F/lib/profiles/fresh.profile" 2>/dev/null)" = 600 ] || err "fresh profile mode $(stat -c %a "$F/lib/profiles/fresh.profile" 2>&1)"
if [ -e "$F/log/alerts.jsonl" ]; then
	[ "$(stat -c %a "$F/log/alerts.jsonl")" = 600 ] || err "alerts file mode $(stat -c %a "$F/log/alerts.jsonl")"
fi
[ "$(stat -c %a "$TMP/k1/cids.profile")" = 600 ] || err "bundle profile mode $(stat -c %a "$TMP/k1/cids.profile")"

# ---------------------------------------------------------------- 2. hostile strings in alerts
EVIL=$(printf 'ev"il\\\033[31m\nX')
cids_config "$TMP/detect.json" '.mode = "detect" | .on_steady = "stay"'
b=$TMP/evil
fl_bundle "$b" evil "$TMP/detect.json" createRuntime sh -c 'sleep 1.2; "/bin/$(cat /evilname)" "arg\"\\
	$(printf "\033")]0;pwned$(printf "\007")" 2>/dev/null; sleep 1.2;
	printf "%s" "$(cat /evilname)" >/proc/self/comm; ls / >/dev/null; cat /etc/hostname >/dev/null; echo finished'
cp "$b/rootfs/bin/busybox" "$b/rootfs/bin/$EVIL"
printf '%s' "$EVIL" >"$b/rootfs/evilname"
amark=$(fl_lines "$ALERTS")
name=$(cname evil)
runtime_cleanup runc "$name"
(cd "$b" && timeout -k 1 30 runc run "$name" </dev/null >"$TMP/out" 2>"$TMP/err") || err "evil run failed: $(cat "$TMP/err")"
fl_wait_no_monitors 10 || err "monitor of the evil run did not exit"
grep -qx finished "$TMP/out" || err "evil: workload did not finish"
fl_new_lines "$ALERTS" "$amark" >"$TMP/evil.jsonl"
log "evil: $(wc -l <"$TMP/evil.jsonl") alert lines"
fl_alerts_valid "$TMP/evil.jsonl" || err "an alert line is not valid JSON"
if grep -q $'\033' "$TMP/evil.jsonl"; then err "a raw ESC byte reached the alerts file"; fi
if grep -q $'\007' "$TMP/evil.jsonl"; then err "a raw BEL byte reached the alerts file"; fi
jq -e -s --arg e "/bin/$EVIL" 'map(select(.output_fields["proc.exepath"] == $e)) | length > 0' "$TMP/evil.jsonl" >/dev/null ||
	err "no alert carries the hostile exe path intact (escaped and decoded back)"
jq -e -s --arg c "${EVIL:0:15}" 'map(select(.output_fields["proc.name"] == $c)) | length > 0' "$TMP/evil.jsonl" >/dev/null ||
	err "no alert carries the hostile comm intact: $(jq -r '.output_fields["proc.name"] // empty' "$TMP/evil.jsonl" | sort -u | head -5 | od -c | head -5)"
# the human view of the same alerts keeps control characters away from the terminal
"$CIDS" alerts --file "$TMP/evil.jsonl" >"$TMP/evil.txt" 2>/dev/null || err "cids alerts failed on the hostile alerts"
if grep -q $'\033' "$TMP/evil.txt"; then err "cids alerts printed a raw ESC"; fi

# ---------------------------------------------------------------- 3. the monitor from inside
b=$TMP/inside
fl_bundle "$b" inside "$TMP/cfg.json" createRuntime sh -c 'while [ ! -e /tmp/stop ]; do sleep 0.1; done; echo finished'
name=$(cname inside)
runtime_cleanup runc "$name"
(cd "$b" && runc run -d "$name" </dev/null >"$TMP/out" 2>&1) || err "inside: runc run -d failed: $(cat "$TMP/out")"
wait_for 10 test -s "$(fl_status_file "$name")" || err "inside: no monitor"
mon=$(fl_monitor_pid "$name")
runc exec "$name" ps -o pid,comm,args >"$TMP/ps.txt" 2>&1 || err "inside: ps failed"
if grep -qi cids "$TMP/ps.txt"; then err "inside: the container sees a cids process: $(grep -i cids "$TMP/ps.txt")"; fi
# the host pid of the monitor means nothing inside; kill -9 -1 hits everything the tenant sees
runc exec "$name" sh -c "kill -9 $mon" >/dev/null 2>&1 || true
runc exec "$name" sh -c 'kill -9 -1' >/dev/null 2>&1 || true
sleep 0.5
[ -n "$mon" ] && [ -d "/proc/$mon" ] || err "inside: the monitor did not survive signals sent from inside"
[ "$(runc state "$name" 2>/dev/null | jq -r .status)" = running ] || err "inside: container init died"
touch "$b/rootfs/tmp/stop"
wait_for 10 bash -c "[ \"\$(runc state '$name' 2>/dev/null | jq -r .status)\" = stopped ]" || err "inside: container did not stop"
runc delete --force "$name" >/dev/null 2>&1 || true
fl_wait_no_monitors 10 || err "inside: monitor did not exit with its container"

fl_alerts_valid "$ALERTS" || err "alerts file has non-JSON lines"
[ "$(stat -c %a "$ALERTS")" = 600 ] || err "alerts file mode $(stat -c %a "$ALERTS")"
fl_sanitizer_report || err "sanitizer reports in the monitor log"
if [ ${#errs[@]} -gt 0 ]; then
	printf 'FAIL %s\n' "${errs[@]}"
	exit 1
fi
log "ok"
