#!/usr/bin/env bash
# A private dockerd for integration tests. Source after lib.sh:
#
#   . "$CIDS_SRC/tests/integration/lib.sh"
#   . "$CIDS_SRC/tests/integration/docker_lib.sh"
#   docker_start [DOCKERD-ARG...]    # own data-root, exec-root, pidfile, socket under $TMP;
#                                    # runtime "cids" = $CIDS_BUILD/cids-runtime; stopped at exit
#   docker_import_busybox IMAGE      # busybox-static rootfs (make_rootfs) as an image
#   dk run --rm --runtime=cids IMAGE CMD...   # the docker CLI bound to the private daemon
#   docker_bundle CONTAINER          # path of the container's OCI bundle (config.json inside)
#   docker_cids_hook_count CONTAINER # how many cids hooks its bundle config.json holds
#   docker_rm CONTAINER...           # force-remove, never fails
#
# The environment of docker_start (CIDS_CONFIG in particular) reaches cids-runtime and the hook:
# dockerd -> containerd -> containerd-shim -> runtime all inherit it.
#
# Knobs: DOCKER_CLI (default /usr/bin/docker when present: Debian's client matches its daemon),
# DOCKER_START_TIMEOUT (s, default 60), DOCKER_RUNTIME_PATH (default $CIDS_BUILD/cids-runtime).

DOCKER_CLI=${DOCKER_CLI:-}
if [ -z "$DOCKER_CLI" ]; then
	if [ -x /usr/bin/docker ]; then DOCKER_CLI=/usr/bin/docker; else DOCKER_CLI=docker; fi
fi
DOCKER_DIR=
DOCKER_SOCK=
DOCKER_PID=

# The docker CLI bound to the private daemon (no ~/.docker config either).
dk() {
	DOCKER_CONFIG="$DOCKER_DIR/cli" "$DOCKER_CLI" -H "unix://$DOCKER_SOCK" "$@"
}

docker_need() {
	need_root
	need_cmd dockerd containerd containerd-shim-runc-v2 runc jq
	command -v "$DOCKER_CLI" >/dev/null 2>&1 || skip "needs the docker client"
	[ -x "${DOCKER_RUNTIME_PATH:-$CIDS_BUILD/cids-runtime}" ] ||
		fail "missing ${DOCKER_RUNTIME_PATH:-$CIDS_BUILD/cids-runtime} (run make)"
}

# docker_start [DOCKERD-ARG...]
docker_start() {
	docker_need
	local rt=${DOCKER_RUNTIME_PATH:-$CIDS_BUILD/cids-runtime}
	DOCKER_DIR=$TMP/docker
	DOCKER_SOCK=$DOCKER_DIR/docker.sock
	mkdir -p "$DOCKER_DIR"/{data,exec,cli}
	chmod 0711 "$DOCKER_DIR"
	jq -n --arg rt "$rt" '{runtimes: {cids: {path: $rt}}}' >"$DOCKER_DIR/daemon.json"
	on_exit docker_stop
	dockerd --config-file "$DOCKER_DIR/daemon.json" \
		--data-root "$DOCKER_DIR/data" --exec-root "$DOCKER_DIR/exec" \
		--pidfile "$DOCKER_DIR/docker.pid" -H "unix://$DOCKER_SOCK" \
		--bridge=none --iptables=false --ip-masq=false --ip-forward=false \
		--userland-proxy=false --live-restore=false --log-level=warn "$@" \
		>"$DOCKER_DIR/dockerd.log" 2>&1 &
	DOCKER_PID=$!
	if ! wait_for "${DOCKER_START_TIMEOUT:-60}" dk version; then
		tail -30 "$DOCKER_DIR/dockerd.log" >&2
		if ! kill -0 "$DOCKER_PID" 2>/dev/null; then
			skip "dockerd does not start on this machine (log above)"
		fi
		fail "dockerd did not answer within ${DOCKER_START_TIMEOUT:-60}s"
	fi
	log "dockerd $DOCKER_PID up at $DOCKER_SOCK (client $DOCKER_CLI)"
}

# Stops our dockerd (its containers first), the containerd it started, and removes its dirs.
# Bounded to a few seconds: it also runs from the EXIT trap when check.sh's timeout fires, and
# `timeout -k 10` leaves 10 s before SIGKILL. The order makes it safe even when the daemon is
# gone already: container processes first (their pids are in the bundles), then the daemons,
# then the shims, cgroups, mounts and files.
docker_stop() {
	[ -n "$DOCKER_DIR" ] || return 0
	local tasks=$DOCKER_DIR/exec/containerd/daemon/io.containerd.runtime.v2.task
	local ids pid cpid i b id cg
	for pid in $(cat "$tasks"/*/*/init.pid 2>/dev/null); do
		[[ $pid =~ ^[0-9]+$ ]] && kill -KILL "$pid" 2>/dev/null
	done
	cpid=$(cat "$DOCKER_DIR/exec/containerd/containerd.pid" 2>/dev/null) || cpid=
	if [ -n "$DOCKER_PID" ] && kill -0 "$DOCKER_PID" 2>/dev/null; then
		ids=$(timeout 2 "$DOCKER_CLI" -H "unix://$DOCKER_SOCK" ps -aq 2>/dev/null) || ids=
		[ -n "$ids" ] && timeout 3 "$DOCKER_CLI" -H "unix://$DOCKER_SOCK" rm -f $ids >/dev/null 2>&1
		kill -TERM "$DOCKER_PID" 2>/dev/null
		for ((i = 0; i < 30; i++)); do kill -0 "$DOCKER_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$DOCKER_PID" 2>/dev/null
		wait "$DOCKER_PID" 2>/dev/null
	fi
	if [[ $cpid =~ ^[0-9]+$ ]]; then
		kill -TERM "$cpid" 2>/dev/null
		for ((i = 0; i < 10; i++)); do kill -0 "$cpid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$cpid" 2>/dev/null
	fi
	# Shims that outlived their daemon: ours name exactly our containerd's socket.
	for pid in $(docker_our_shims); do kill -KILL "$pid" 2>/dev/null; done
	sleep 0.2
	# Cgroups runc made for containers never deleted (docker's parent cgroup is shared: kept).
	for b in "$tasks"/*/*; do
		id=${b##*/}
		[[ $id =~ ^[0-9a-f]{64}$ ]] || continue
		for cg in /sys/fs/cgroup/*/docker/"$id" /sys/fs/cgroup/docker/"$id"; do
			[ -d "$cg" ] && rmdir "$cg" 2>/dev/null
		done
	done
	# Mounts (overlay, netns, shm, the data-root itself) under our directory, innermost first.
	findmnt -rn -o TARGET | grep -F "$DOCKER_DIR/" | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
	rm -rf "$DOCKER_DIR"
	DOCKER_DIR=
}

# Pids of containerd shims started for our daemon (exact match on our socket path).
docker_our_shims() {
	local p a prev sock=$DOCKER_DIR/exec/containerd/containerd.sock
	for p in /proc/[0-9]*; do
		prev=
		while IFS= read -r -d '' a; do
			if [ "$prev" = -address ] && [ "$a" = "$sock" ]; then echo "${p#/proc/}"; break; fi
			prev=$a
		done <"$p/cmdline" 2>/dev/null
	done
}

# docker_import_busybox IMAGE: a busybox-static rootfs imported as IMAGE.
docker_import_busybox() {
	local image=$1 dir=$TMP/docker-rootfs-$RANDOM
	make_rootfs "$dir"
	tar -C "$dir" -c . | dk import - "$image" >/dev/null || fail "docker import of $image failed"
	rm -rf "$dir"
}

# docker_bundle CONTAINER: the OCI bundle directory containerd made for the container (it exists
# while the container runs).
docker_bundle() {
	local id
	id=$(dk inspect -f '{{.Id}}' "$1") || return 1
	echo "$DOCKER_DIR/exec/containerd/daemon/io.containerd.runtime.v2.task/moby/$id"
}

# docker_cids_hook_count CONTAINER [HOOK-PATH]: number of hooks (any stage) with that path.
docker_cids_hook_count() {
	local b hook=${2:-${CIDS_HOOK_PATH:-$CIDS_BUILD/cids-hook}}
	b=$(docker_bundle "$1") || return 1
	jq --arg h "$hook" '[.hooks // {} | .[] | .[] | select(.path == $h)] | length' "$b/config.json"
}

docker_rm() {
	dk rm -f "$@" >/dev/null 2>&1 || true
}

# docker_key CONTAINER: the profile key derived for the running container's workload
# (cids-runtime --cids-print-key reads the bundle as cids-hook does, key_derive on the result).
docker_key() {
	local b
	b=$(docker_bundle "$1") || return 1
	"$CIDS_BUILD/cids-runtime" --cids-print-key "$b"
}

# docker_stand_in_hook FILE LOG: a hook script for tests that must not depend on cids-hook; it
# appends its arguments and the OCI state from stdin to LOG.
docker_stand_in_hook() {
	local file=$1 logf=$2
	cat >"$file" <<EOS
#!/bin/sh
{ echo "args: \$*"; echo "state: \$(cat)"; } >>"$logf"
EOS
	chmod 0755 "$file"
}
