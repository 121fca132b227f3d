#!/usr/bin/env bash
# The part of t_docker.sh that runs the real cids-hook (engines integration): sourced by
# t_docker.sh after its own tests, on the same private dockerd whose CIDS_CONFIG is $TMP/cids.json.
#   - learn one image + command to steady state over several `docker run --runtime=cids`;
#     both runs share one derived key, the profile stays in the store after `docker rm`;
#   - `docker run -e CIDS_MODE=enforce` of the same workload runs clean, and with an intrusion
#     the intruding process is stopped and the alert written.
. "$(dirname "$0")/engine_lib.sh"

# The action the enforce run uses (block: the call fails with EPERM; kill: SIGKILL).
DOCKER_ENFORCE_ACTION=${DOCKER_ENFORCE_ACTION:-block}

test_docker_hook() {
	local image=cids-work:test store=$TMP/store alerts=$TMP/log/alerts.jsonl
	local dir=$TMP/work-rootfs run key= steady=0 n rc out
	local -a dkr=(timeout -k 5 90 "$DOCKER_CLI" -H "unix://$DOCKER_SOCK" run --network none --runtime=cids)
	[ -x "$CIDS_BUILD/cids-hook" ] || fail "missing $CIDS_BUILD/cids-hook"

	# cids-runtime reads its config on every create: from now on the real hook, learning
	cids_config "$TMP/cids.json" ".mode = \"learn\" | .on_steady = \"stay\" | .on_error = \"deny\" | .limits.hook_timeout_s = 20
		| .enforce.action = \"$DOCKER_ENFORCE_ACTION\""
	rm -f "$store"/*.profile
	make_rootfs "$dir"
	workload_install "$dir"
	tar -C "$dir" -c . | dk import - "$image" >/dev/null || fail "docker import $image"
	rm -rf "$dir"

	log "docker: learning through cids-runtime + cids-hook"
	for run in 1 2 3 4 5 6; do
		out=$("${dkr[@]}" --name "learn$run" "$image" cids-work 30 2>&1) || { echo "$out"; fail "learning run $run"; }
		docker_rm "learn$run"
		wait_monitors "$TMP/run"
		n=$(find "$store" -name '*.profile' | wc -l)
		[ "$n" = 1 ] || { ls -l "$store"; fail "run $run: $n profiles in the store, want the one shared key"; }
		key=$(basename "$(find "$store" -name '*.profile')" .profile)
		[[ $key =~ ^w-[0-9a-f]{16}$ ]] || fail "derived key '$key' malformed"
		log "run $run (removed): $key has $(profile_entries "$store/$key.profile") stide k=4 windows"
		# at least two runs: the second container must continue the first one's profile
		if [ $run -ge 2 ] && profile_steady "$store/$key.profile"; then steady=$run; break; fi
	done
	[ "$steady" -gt 0 ] || { "$CIDS_BUILD/cids" profile show "$store/$key.profile"; fail "not steady after 6 runs"; }
	[ "$(profile_sessions "$store/$key.profile")" = "$steady" ] ||
		fail "profile has $(profile_sessions "$store/$key.profile") sessions after $steady runs: not continued"
	[ "$(anomaly_count "$alerts" "$key")" -eq 0 ] || fail "alerts while learning"
	log "docker: steady after $steady run(s); the profile outlived docker rm"

	log "docker: enforce (-e CIDS_MODE=enforce), normal workload"
	out=$("${dkr[@]}" --rm -e CIDS_MODE=enforce "$image" cids-work 30 2>&1) || { echo "$out"; fail "enforce run of the normal workload"; }
	wait_monitors "$TMP/run"
	grep -q 'last command exit status 0' <<<"$out" || { echo "$out"; fail "normal workload output"; }
	[ "$(anomaly_count "$alerts" "$key")" -eq 0 ] || { tail -3 "$alerts"; fail "false alarm in enforce mode"; }
	[ "$(find "$store" -name '*.profile' | wc -l)" = 1 ] || { ls "$store"; fail "the enforce run used another key"; }

	log "docker: enforce, intrusion ($DOCKER_ENFORCE_ACTION)"
	rc=0
	: >"$TMP/intrude-flag" # bind-mounted to /cids-intrude: the workload then runs nc
	out=$("${dkr[@]}" --rm -e CIDS_MODE=enforce -v "$TMP/intrude-flag:/cids-intrude:ro" "$image" \
		cids-work 30 2>&1) || rc=$?
	echo "$out"
	[ "$rc" != 124 ] && [ "$rc" != 137 ] || fail "the intrusion run hung (timeout)"
	wait_monitors "$TMP/run"
	alert_match "$alerts" "$key" "(.\"proc.name\" == \"nc\") and .\"cids.action\" == \"$DOCKER_ENFORCE_ACTION\"" ||
		{ tail -3 "$alerts"; fail "no $DOCKER_ENFORCE_ACTION alert for nc"; }
	# without cids nc's connect() reaches the closed port: "Connection refused"
	grep -q 'Connection refused' <<<"$out" && fail "nc's connection attempt ran"
	if [ "$DOCKER_ENFORCE_ACTION" = block ]; then
		# nc's socket() never ran (its error message may be blocked too: it is new as well)
		alert_match "$alerts" "$key" '."proc.name" == "nc" and ."evt.type" == "socket" and ."cids.action" == "block"' ||
			fail "nc's socket() was not blocked"
	fi
	grep -q 'last command exit status 0' <<<"$out" && fail "nc exited normally"
	log "docker: $(anomaly_count "$alerts" "$key") alert(s), actions: $(alert_actions "$alerts" "$key")"
}
