#!/usr/bin/env bash
# Podman through hooks.d: the shipped hooks JSON (gated on the io.cids.mode annotation) points
# podman at cids-hook; learn a workload to steady state over several runs, then detect an
# intrusion. A container without the annotation is not traced. Last, a one-call
# `podman exec CID mkdir /x` into a container enforcing the profile, under block and under kill:
# /x never exists, the exec fails, an alert for the container says which action, and the
# container's workload runs to its end (issue 19: joiners are stopped at their exec by
# hook/joiner.bpf.c and judged from their first call).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engine_lib.sh"
need_root
need_cmd podman jq busybox
[ -x "$CIDS_BUILD/cids-hook" ] && [ -x "$CIDS_BUILD/cids" ] || fail "build cids-hook and cids first"

# PODMAN_RUNTIME=crun to try the other one
runtime=${PODMAN_RUNTIME:-}
[ -n "$runtime" ] || for r in runc crun; do command -v $r >/dev/null && { runtime=$r; break; }; done
[ -n "$runtime" ] || skip "needs runc or crun"
[ "$runtime" = crun ] && ensure_crun_cgroups

cfg=$TMP/config.json
cids_config "$cfg" '.mode = "learn" | .on_steady = "stay" | .on_error = "deny"
	| .limits.hook_timeout_s = 20 | .enforce.action = "block"'

# hooks.d file as installed, with this build's hook path and a CIDS_CONFIG for this test
mkdir -p "$TMP/hooks.d"
sed "s|@BINDIR@|$CIDS_BUILD|g" "$CIDS_SRC/packaging/cids-hooks.json.in" |
	jq --arg c "$cfg" '.hook.env += ["CIDS_CONFIG=" + $c]' >"$TMP/hooks.d/cids.json"

P=(podman --root "$TMP/podman/root" --runroot "$TMP/podman/runroot" --tmpdir "$TMP/podman/tmp"
	--hooks-dir "$TMP/hooks.d" --cgroup-manager cgroupfs --events-backend file
	--storage-driver vfs --runtime "$runtime")
RUN=(run --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
# remove our containers and images, then the storage (only this test's --root/--runroot)
on_exit "${P[*]} rm -af -t 0; ${P[*]} rmi -af; umount -R '$TMP/podman/runroot' '$TMP/podman/root' 2>/dev/null"

make_rootfs "$TMP/rootfs"
workload_install "$TMP/rootfs"
tar -C "$TMP/rootfs" -c . | "${P[@]}" import --quiet - localhost/cids-bb:test >/dev/null ||
	fail "podman import"

key=podman-web-$$
: >"$TMP/intrude-flag" # bind-mounted to /cids-intrude: the workload then runs nc
INTRUDE=(-v "$TMP/intrude-flag:/cids-intrude:ro")
store=$TMP/store
alerts=$TMP/log/alerts.jsonl

# has_cids_hook NAME: the config.json podman wrote for the container lists cids-hook
has_cids_hook() {
	local id conf hooks
	id=$("${P[@]}" inspect --format '{{.Id}}' "$1") || fail "podman inspect $1"
	conf=$TMP/podman/root/vfs-containers/$id/userdata/config.json
	[ -s "$conf" ] || fail "no OCI config for $1 at $conf"
	hooks=$(jq -c '.hooks // {}' "$conf") || fail "unreadable $conf"
	grep -q cids-hook <<<"$hooks"
}

log "learning ($runtime): annotation io.cids.mode=learn, io.cids.profile=$key"
steady=0
for run in 1 2 3 4 5 6; do
	name=$(cname podman-learn$run)
	"${P[@]}" "${RUN[@]}" --name "$name" --annotation io.cids.mode=learn \
		--annotation io.cids.profile="$key" localhost/cids-bb:test cids-work 30 >"$TMP/run$run.out" 2>&1 ||
		{ cat "$TMP/run$run.out"; cat "$TMP/log/monitor.log" 2>/dev/null | tail; fail "learning run $run failed"; }
	if [ $run -eq 1 ]; then has_cids_hook "$name" || fail "hooks.d did not add cids-hook"; fi
	"${P[@]}" rm -f "$name" >/dev/null
	wait_monitors "$TMP/run"
	assert_file "$store/$key.profile"
	log "run $run: stide k=4 has $(profile_entries "$store/$key.profile") windows"
	# at least two runs: the second container must continue the first one's profile
	if [ $run -ge 2 ] && profile_steady "$store/$key.profile"; then steady=$run; break; fi
done
[ $steady -gt 0 ] || { "$CIDS_BUILD/cids" profile show "$store/$key.profile"; fail "not steady after 6 runs"; }
[ "$(profile_sessions "$store/$key.profile")" = "$steady" ] ||
	fail "profile has $(profile_sessions "$store/$key.profile") sessions after $steady runs: not continued"
log "steady after $steady run(s)"
[ "$(anomaly_count "$alerts" "$key")" -eq 0 ] || fail "alerts while learning"

log "no annotation: not traced"
name=$(cname podman-plain)
"${P[@]}" "${RUN[@]}" --name "$name" --annotation io.cids.profile=untraced-$$ "${INTRUDE[@]}" \
	localhost/cids-bb:test cids-work 2 >"$TMP/plain.out" 2>&1 || { cat "$TMP/plain.out"; fail "plain run failed"; }
if has_cids_hook "$name"; then fail "cids-hook added without io.cids.mode"; fi
"${P[@]}" rm -f "$name" >/dev/null
log "bogus mode: not traced"
name=$(cname podman-bogus)
"${P[@]}" "${RUN[@]}" --name "$name" --annotation io.cids.mode=off --annotation io.cids.profile=untraced-$$ \
	localhost/cids-bb:test cids-work 2 >"$TMP/bogus.out" 2>&1 || { cat "$TMP/bogus.out"; fail "bogus run failed"; }
if has_cids_hook "$name"; then fail "cids-hook added for io.cids.mode=off"; fi
"${P[@]}" rm -f "$name" >/dev/null
assert_no_file "$store/untraced-$$.profile"

log "detect: the normal workload raises no alert"
name=$(cname podman-normal)
"${P[@]}" "${RUN[@]}" --rm --name "$name" --annotation io.cids.mode=detect --annotation io.cids.profile="$key" \
	localhost/cids-bb:test cids-work 10 >"$TMP/normal.out" 2>&1 || { cat "$TMP/normal.out"; fail "detect run failed"; }
wait_monitors "$TMP/run"
normal_alerts=$(anomaly_count "$alerts" "$key")
log "normal run in detect mode: $normal_alerts alert(s)"
[ "$normal_alerts" -eq 0 ] || { tail -3 "$alerts"; fail "false alarms on the learned workload"; }

log "detect: an intrusion raises an alert"
name=$(cname podman-intrude)
"${P[@]}" "${RUN[@]}" --rm --name "$name" --annotation io.cids.mode=detect --annotation io.cids.profile="$key" \
	"${INTRUDE[@]}" localhost/cids-bb:test cids-work 10 >"$TMP/intrude.out" 2>&1 || true
cat "$TMP/intrude.out"
wait_monitors "$TMP/run"
n=$(anomaly_count "$alerts" "$key")
[ "$n" -gt 0 ] || { cat "$TMP/log/monitor.log" 2>/dev/null | tail; fail "no alert for the intrusion"; }
alert_match "$alerts" "$key" '."proc.name" == "nc"' || { tail -3 "$alerts"; fail "no alert names nc"; }
# detect only reports: nc ran its connection attempt (refused, not blocked)
grep -q "can't connect" "$TMP/intrude.out" || fail "the intrusion did not run to the end in detect mode"
log "ok: $n alert(s), actions: $(alert_actions "$alerts" "$key")"

log "enforce: a one-call podman exec (block, kill)"
for action in block kill; do
	jq --arg a "$action" '.enforce.action = $a' "$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
	name=$(cname podman-exec-$action)
	"${P[@]}" "${RUN[@]}" -d --name "$name" --annotation io.cids.mode=enforce --annotation io.cids.profile="$key" \
		localhost/cids-bb:test cids-work 60 >"$TMP/exec-run.out" 2>&1 ||
		{ cat "$TMP/exec-run.out"; fail "podman run -d ($action)"; }
	id=$("${P[@]}" inspect --format '{{.Id}}' "$name") || fail "podman inspect $name"
	mark=$(wc -l <"$alerts")
	rc=0
	timeout 30 "${P[@]}" exec "$name" mkdir /x >"$TMP/exec.out" 2>&1 || rc=$?
	log "podman exec mkdir /x ($action): exit status $rc: $(head -c 200 "$TMP/exec.out")"
	grep -q 'not running\|can only exec into running' "$TMP/exec.out" &&
		fail "podman exec ($action): the container was no longer running"
	[ "$rc" -ne 0 ] || fail "podman exec mkdir /x ($action) exited 0"
	[ "$rc" != 124 ] || fail "podman exec mkdir /x ($action) hung"
	st=$(timeout 60 "${P[@]}" wait "$name") || fail "podman wait $name"
	[ "$st" = 0 ] || fail "the container's exit status after the exec ($action): $st"
	"${P[@]}" logs "$name" 2>&1 | has 'workload: 60 rounds, last command exit status 0' ||
		{ "${P[@]}" logs "$name" 2>&1 | tail -3; fail "the container's workload did not run to its end ($action)"; }
	"${P[@]}" diff "$name" >"$TMP/diff.out" || fail "podman diff $name"
	! grep -qx 'A /x' "$TMP/diff.out" || fail "podman exec mkdir /x ($action): /x was created"
	wait_monitors "$TMP/run"
	tail -n "+$((mark + 1))" "$alerts" >"$TMP/exec-alerts.jsonl"
	jq -e -s --arg id "$id" --arg a "$action" --arg k "$key" 'map(.output_fields
		| select(.["container.id"] == $id and .["cids.profile"] == $k and .["cids.action"] == $a))
		| length >= 1' "$TMP/exec-alerts.jsonl" >/dev/null ||
		{ jq -c . "$TMP/exec-alerts.jsonl" | head -3; fail "no $action alert for the podman exec joiner"; }
	log "podman exec ($action): /x not created, $(wc -l <"$TMP/exec-alerts.jsonl") alert(s) ($(jq -r -s \
		'map(.output_fields["proc.name"] + ":" + .output_fields["evt.type"]) | unique | join(" ")' \
		"$TMP/exec-alerts.jsonl")), the container ran to its end"
	"${P[@]}" rm -f "$name" >/dev/null
done
log "ok"
