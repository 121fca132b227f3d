#!/usr/bin/env bash
# Docker through cids-runtime: a private dockerd (docker_lib.sh) with runtime "cids".
# What is checked here does not need cids-hook itself (a stand-in hook records its calls):
#   - docker run --runtime=cids works and its bundle config.json holds the hook, once;
#   - a plain docker run (default runtime runc) is untouched;
#   - docker exec and docker stop behave as under runc;
#   - two runs of one image and command derive the same profile key, other commands or images
#     a different one.
# Learning and enforcement through the real hook build on the same helpers: start dockerd with
# CIDS_CONFIG pointing at a config whose runtime.hook is $CIDS_BUILD/cids-hook, then use dk,
# docker_bundle and docker_key.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker_lib.sh"

IMAGE=cids-busybox:test
HOOK=$TMP/stand-in-hook.sh
HOOK_LOG=$TMP/hook.log
export CIDS_HOOK_PATH=$HOOK # what docker_cids_hook_count looks for

setup() {
	docker_need
	docker_stand_in_hook "$HOOK" "$HOOK_LOG"
	cids_config "$TMP/cids.json" ".runtime.hook = \"$HOOK\""
	# dockerd's environment reaches cids-runtime (dockerd -> containerd -> shim -> runtime).
	CIDS_CONFIG=$TMP/cids.json docker_start
	docker_import_busybox "$IMAGE"
}

# run_pair NAME-PREFIX CMD...: the same container under runtime cids and under the default.
run_pair() {
	local n=$1; shift
	dk run -d --runtime=cids --name "$n-cids" "$IMAGE" "$@" >/dev/null || fail "docker run --runtime=cids $*"
	dk run -d --name "$n-runc" "$IMAGE" "$@" >/dev/null || fail "docker run $*"
}

test_hook_added() {
	local id b
	[ "$(docker_cids_hook_count base-cids)" = 1 ] || fail "bundle of a --runtime=cids container lacks the hook (or has it twice)"
	id=$(dk inspect -f '{{.Id}}' base-cids)
	wait_for 5 grep -q "\"id\":\"$id\"" "$HOOK_LOG" || fail "the hook did not run for $id"
	assert_grep "args: --config $TMP/cids.json" "$HOOK_LOG"
	# our log line went into the log file containerd gave the runtime
	b=$(docker_bundle base-cids)
	assert_grep '"msg":"Added cids-hook (createRuntime) to' "$b/log.json"
	# a one-shot container: output and exit code come through
	[ "$(dk run --rm --runtime=cids "$IMAGE" echo hello)" = hello ] || fail "docker run --runtime=cids output"
	local rc=0
	dk run --rm --runtime=cids "$IMAGE" sh -c 'exit 5' || rc=$?
	[ "$rc" = 5 ] || fail "docker run --runtime=cids exit code $rc, want 5"
	log "hook added: ok"
}

test_plain_untouched() {
	local b
	[ "$(docker_cids_hook_count base-runc)" = 0 ] || fail "a plain docker run got the cids hook"
	b=$(docker_bundle base-runc)
	[ ! -e "$b/log.json" ] || ! grep -q 'cids' "$b/log.json" || fail "cids-runtime ran for a plain container"
	id=$(dk inspect -f '{{.Id}}' base-runc)
	! grep -q "\"id\":\"$id\"" "$HOOK_LOG" || fail "the hook ran for a plain container"
	log "plain run untouched: ok"
}

test_exec_and_stop() {
	local rc_c rc_r a b
	a=$(dk exec base-cids echo exec-ok) || fail "docker exec under cids"
	b=$(dk exec base-runc echo exec-ok) || fail "docker exec under runc"
	[ "$a" = "$b" ] && [ "$a" = exec-ok ] || fail "docker exec output: '$a' vs '$b'"
	rc_c=0; dk exec base-cids sh -c 'exit 7' || rc_c=$?
	rc_r=0; dk exec base-runc sh -c 'exit 7' || rc_r=$?
	[ "$rc_c" = 7 ] && [ "$rc_r" = 7 ] || fail "docker exec exit codes $rc_c (cids) $rc_r (runc)"
	[ "$(dk exec base-cids ps -o comm | sort | tr '\n' ' ')" = \
	  "$(dk exec base-runc ps -o comm | sort | tr '\n' ' ')" ] || fail "process lists differ"

	dk stop -t 1 base-cids >/dev/null || fail "docker stop under cids"
	dk stop -t 1 base-runc >/dev/null || fail "docker stop under runc"
	a=$(dk inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}' base-cids)
	b=$(dk inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}' base-runc)
	[ "$a" = "$b" ] || fail "after docker stop: '$a' (cids) vs '$b' (runc)"
	# a stopped --runtime=cids container starts again (a second create on a new bundle)
	dk start base-cids >/dev/null || fail "docker start of a stopped cids container"
	[ "$(docker_cids_hook_count base-cids)" = 1 ] || fail "restarted container: hook count"
	dk stop -t 1 base-cids >/dev/null
	log "exec and stop as under runc: ok"
}

test_same_key() {
	local k1 k2 k3 k4
	dk run -d --runtime=cids --name key1 "$IMAGE" sleep 60 >/dev/null
	dk run -d --runtime=cids --name key2 -e CIDS_MODE=enforce "$IMAGE" sleep 60 >/dev/null
	dk run -d --runtime=cids --name key3 "$IMAGE" sleep 61 >/dev/null
	docker_import_busybox "$IMAGE-other"
	dk run -d --runtime=cids --name key4 "$IMAGE-other" sleep 60 >/dev/null
	k1=$(docker_key key1) && k2=$(docker_key key2) && k3=$(docker_key key3) && k4=$(docker_key key4) ||
		fail "cids-runtime --cids-print-key failed"
	log "keys: $k1 $k2 $k3 $k4"
	[[ $k1 =~ ^w-[0-9a-f]{16}$ ]] || fail "derived key '$k1' malformed"
	[ "$k1" = "$k2" ] || fail "two runs of one image and command: keys $k1 and $k2 differ"
	[ "$k1" != "$k3" ] || fail "another command got the same key"
	[ "$k1" != "$k4" ] || fail "another image got the same key"
	docker_rm key1 key2 key3 key4
	log "profile key shared by image + command: ok"
}

# on_error "deny" and a hook that cannot run: docker run fails and shows our reason (containerd
# reads it from the runtime's JSON log).
test_refusal_reaches_docker() {
	local out rc=0
	cp "$TMP/cids.json" "$TMP/cids.json.good"
	jq '.on_error = "deny" | .runtime.hook = "/nonexistent/cids-hook"' "$TMP/cids.json.good" >"$TMP/cids.json"
	out=$(dk run --rm --runtime=cids "$IMAGE" true 2>&1) || rc=$?
	cp "$TMP/cids.json.good" "$TMP/cids.json"
	[ "$rc" != 0 ] || fail "docker run succeeded although cids-runtime refused"
	grep -q 'Refusing to create the container: cids-hook "/nonexistent/cids-hook" is not executable' <<<"$out" ||
		fail "docker did not show the refusal: $out"
	log "refusal reaches the docker user: ok"
}

setup
run_pair base sleep 120
test_hook_added
test_plain_untouched
test_exec_and_stop
test_same_key
test_refusal_reaches_docker
docker_rm base-cids base-runc
log "all ok"

# --- the real cids-hook through Docker: learn, profile kept after docker rm, enforce ---
# (engines part, tests/integration/docker_hook_part.sh)
. "$(dirname "$0")/docker_hook_part.sh"
test_docker_hook
log "hook part ok"
