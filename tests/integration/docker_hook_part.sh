#!/usr/bin/env bash
# The part of t_docker.sh that runs the real cids-hook (engines integration): sourced by
# t_docker.sh after its own tests, on the same private dockerd whose CIDS_CONFIG is $TMP/cids.json.
#   - learn one image + command to steady state over several `docker run --runtime=cids`;
#     both runs share one derived key, the profile stays in the store after `docker rm`;
#   - `docker run -e CIDS_MODE=enforce` of the same workload runs clean, and with an intrusion
#     the intruding process is stopped and the alert written;
#   - a one-call `docker exec CID mkdir /x` into that enforcing container, under block and under
#     kill: /x never exists, the exec fails, an alert for the container says which action, and
#     the container's own workload runs to its end (issue 19: joiners judged from their first
#     call; hook/joiner.bpf.c stops them at their exec).
. "$(dirname "$0")/engine_lib.sh"

# The action the enforce run uses (block: the call fails with EPERM; kill: SIGKILL).
DOCKER_ENFORCE_ACTION=${DOCKER_ENFORCE_ACTION:-block}

# docker_hook_config ACTION: the real hook, learning by default, enforce.action ACTION
docker_hook_config() {
	cids_config "$TMP/cids.json" ".mode = \"learn\" | .on_steady = \"stay\" | .on_error = \"deny\" | .limits.hook_timeout_s = 20
		| .enforce.action = \"$1\""
}

# test_docker_exec_joiner IMAGE KEY ACTION: a one-call `docker exec` into a container enforcing
# KEY's steady profile with ACTION never makes its directory, and the container lives on.
test_docker_exec_joiner() {
	local image=$1 key=$2 action=$3 alerts=$TMP/log/alerts.jsonl name=joiner-$3
	local id mark rc try out
	docker_hook_config "$action"
	# the derived key needs the learned command (cids-work 30, a few seconds under ptrace): a
	# container whose workload ended before the exec arrived is started again
	for try in 1 2 3; do
		docker_rm "$name"
		"$DOCKER_CLI" -H "unix://$DOCKER_SOCK" run -d --network none --runtime=cids --name "$name" \
			-e CIDS_MODE=enforce "$image" cids-work 30 >/dev/null || fail "docker run -d $name"
		id=$(dk inspect -f '{{.Id}}' "$name") || fail "docker inspect $name"
		mark=$(wc -l <"$alerts" 2>/dev/null || echo 0)
		rc=0
		timeout 30 "$DOCKER_CLI" -H "unix://$DOCKER_SOCK" exec "$name" mkdir /x >"$TMP/exec.out" 2>&1 || rc=$?
		grep -q 'is not running' "$TMP/exec.out" || break
		log "docker exec ($action): the workload ended before the exec, again ($try)"
	done
	grep -q 'is not running' "$TMP/exec.out" && fail "docker exec ($action): never reached a running container"
	log "docker exec $name mkdir /x ($action): exit status $rc: $(head -c 200 "$TMP/exec.out")"
	[ "$rc" -ne 0 ] || fail "docker exec mkdir /x ($action) exited 0"
	[ "$rc" != 124 ] || fail "docker exec mkdir /x ($action) hung"
	out=$(timeout 60 "$DOCKER_CLI" -H "unix://$DOCKER_SOCK" wait "$name") || fail "docker wait $name"
	[ "$out" = 0 ] || fail "the container's exit status after the exec ($action): $out"
	dk logs "$name" 2>&1 | has 'workload: 30 rounds, last command exit status 0' ||
		{ dk logs "$name" 2>&1 | tail -3; fail "the container's workload did not run to its end ($action)"; }
	# what the container's writable layer holds, from the host
	dk diff "$name" >"$TMP/diff.out" || fail "docker diff $name"
	! grep -qx 'A /x' "$TMP/diff.out" || fail "docker exec mkdir /x ($action): /x was created"
	wait_monitors "$TMP/run"
	tail -n "+$((mark + 1))" "$alerts" >"$TMP/exec-alerts.jsonl"
	jq -e -s --arg id "$id" --arg a "$action" --arg k "$key" 'map(.output_fields
		| select(.["container.id"] == $id and .["cids.profile"] == $k and .["cids.action"] == $a))
		| length >= 1' "$TMP/exec-alerts.jsonl" >/dev/null ||
		{ jq -c . "$TMP/exec-alerts.jsonl" | head -3; fail "no $action alert for the docker exec joiner"; }
	log "docker exec ($action): /x not created, $(wc -l <"$TMP/exec-alerts.jsonl") alert(s) ($(jq -r -s \
		'map(.output_fields["proc.name"] + ":" + .output_fields["evt.type"]) | unique | join(" ")' \
		"$TMP/exec-alerts.jsonl")), the container ran to its end"
	docker_rm "$name"
}

test_docker_hook() {
	local image=cids-work:test store=$TMP/store alerts=$TMP/log/alerts.jsonl
	local dir=$TMP/work-rootfs run key= steady=0 n rc out
	local -a dkr=(timeout -k 5 90 "$DOCKER_CLI" -H "unix://$DOCKER_SOCK" run --network none --runtime=cids)
	[ -x "$CIDS_BUILD/cids-hook" ] || fail "missing $CIDS_BUILD/cids-hook"

	# cids-runtime reads its config on every create: from now on the real hook, learning
	docker_hook_config "$DOCKER_ENFORCE_ACTION"
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

	test_docker_exec_joiner "$image" "$key" block
	test_docker_exec_joiner "$image" "$key" kill
	docker_hook_config "$DOCKER_ENFORCE_ACTION"
}
