#!/usr/bin/env bash
# The seccomp backend under Podman: `podman --runtime <build>/cids-runtime`, cids-runtime wrapping
# the OCI runtime podman uses here (`podman info`: crun), Podman's default seccomp profile merged
# into the notifying filter. Podman's own storage and the runtime's state (--root) live under
# this test's $TMP.
#  1. learn: runs of one image and command (key and mode from OCI annotations) until the STIDE
#     k=4 database is steady; the monitor ran the seccomp backend and judged calls
#  2. detect: the same workload raises no alert
#  3. enforce (kill): the intruder's never-seen `mkdir /out/killed` is stopped before it runs:
#     /out/killed (a bind mount from the host) never exists, a kill alert names it
#  4. enforce (block), a running container: a one-call `podman exec CID mkdir /out/joined` is
#     judged from its first call and fails; /out/joined never exists; a block alert
# hooks.d alone cannot do this (README): the listener must be in config.json before the runtime
# creates the container, and the monitor listening before crun connects at create.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/engine_lib.sh"
source "$(dirname "$0")/seccomp_lib.sh"

need_root
need_cmd podman conmon crun jq busybox
for b in cids-hook cids-runtime cids-notify cids; do
	[ -x "$CIDS_BUILD/$b" ] || fail "build $CIDS_BUILD/$b first"
done
# the runtime podman itself would use: cids-runtime wraps that one
rt=$(podman info --format '{{.Host.OCIRuntime.Name}}' 2>/dev/null) || rt=crun
case "$rt" in crun | runc) ;; *) rt=crun ;; esac
command -v "$rt" >/dev/null || skip "needs $rt"
[ "$rt" = crun ] && ensure_crun_cgroups

# no CIDS_CONFIG in the environment: the --runtime-flag below must reach every call
sc_config "seccomp-podman-$$" "$rt" block '.backend = "seccomp"' '.limits.hook_timeout_s = 20'

# Podman runs `start`, `kill`, `delete` with an environment of its own (and conmon starts
# `create` with containers.conf's conmon_env_vars): $CIDS_CONFIG would not reach every call, and
# a cids-runtime without it would wrap the default runtime list's first (runc) for some calls and
# crun for others. --runtime-flag reaches them all (a host with /etc/cids/config.json needs none).
# The runtime's state too (its --root, /run/crun by default): a container whose delete did not
# run (a failed test, an interrupted podman) leaves nothing outside $TMP.
P=(podman --root "$TMP/podman/root" --runroot "$TMP/podman/runroot" --tmpdir "$TMP/podman/tmp"
	--cgroup-manager cgroupfs --events-backend file --storage-driver vfs
	--runtime "$CIDS_BUILD/cids-runtime" --runtime-flag "cids-config=$CFG"
	--runtime-flag "root=$TMP/podman/rtstate")
RUN=(run --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 -v "$TMP/out:/out")
on_exit "${P[*]} rm -af -t 0; ${P[*]} rmi -af; umount -R '$TMP/podman/runroot' '$TMP/podman/root' 2>/dev/null"

make_rootfs "$TMP/rootfs"
tar -C "$TMP/rootfs" -c . | "${P[@]}" import --quiet - localhost/cids-sc-bb:test >/dev/null ||
	fail "podman import"

sc_workload 'sleep 0.2
case "$2" in
kill)
	mkdir /out/killed; echo "mkdir rc=$?" ;;
wait)
	sleep "$3" ;;
esac'
cid_of() { "${P[@]}" inspect --format '{{.Id}}' "$1"; }
# pm_run NAME MODE ITERATIONS SCENARIO [ARG] [-d]: a container of the image with the workload
pm_run() {
	local name=$1 mode=$2 n=$3 scen=$4 arg=${5:-} d=${6:-}
	"${P[@]}" rm -f -t 0 "$name" >/dev/null 2>&1 || true
	"${P[@]}" "${RUN[@]}" $d --name "$name" --annotation io.cids.mode="$mode" \
		--annotation io.cids.profile="$KEY" localhost/cids-sc-bb:test sh -c "$WORK" sh "$n" "$scen" "$arg"
}

# 1. learn
steady=0
for run in 1 2 3 4 5 6 7 8; do
	log "learn run $run ($rt under cids-runtime)"
	out=$(pm_run "learn$run" learn 150 wait 0.1 2>&1) || { echo "$out"; trap_fail "learn run $run failed"; }
	echo "$out" | has workload-done || { echo "$out"; trap_fail "learn run $run: no workload-done"; }
	id=$(cid_of "learn$run")
	if [ $run -eq 1 ]; then
		conf=$TMP/podman/root/vfs-containers/$id/userdata/config.json
		jq -e '.linux.seccomp.defaultAction == "SCMP_ACT_ERRNO" and (.linux.seccomp.listenerPath | length > 0)
			and ([.linux.seccomp.syscalls[] | select(.action == "SCMP_ACT_NOTIFY")] | length > 0)
			and ([.hooks[][] | select(.path | endswith("/cids-hook"))] | length == 1)' "$conf" >/dev/null ||
			trap_fail "Podman's config.json was not rewritten as documented ($conf)"
	fi
	"${P[@]}" rm -f -t 0 "learn$run" >/dev/null
	wait_monitors "$TMP/run"
	[ -z "$(sc_alerts_of "$id")" ] || trap_fail "alerts while learning"
	if [ $run -ge 3 ] && profile_steady "$TMP/store/$KEY.profile"; then
		steady=1
		break
	fi
done
[ $steady -eq 1 ] || trap_fail "profile not steady after $run runs"
sc_monitor_judged seccomp

# 2. detect, benign
log "detect, benign"
out=$(pm_run benign detect 150 wait 0.1 2>&1) || { echo "$out"; trap_fail "benign run failed"; }
echo "$out" | has workload-done || { echo "$out"; trap_fail "benign run: no workload-done"; }
id=$(cid_of benign)
"${P[@]}" rm -f -t 0 benign >/dev/null
wait_monitors "$TMP/run"
n=$(sc_alerts_of "$id" | wc -l)
[ "$n" -eq 0 ] || { sc_alerts_of "$id" | head -3; trap_fail "$n alerts on the benign workload"; }

# 3. enforce kill: SIGKILL before the never-seen mkdir runs
log "enforce, kill"
set_cfg '.enforce.action = "kill"'
out=$(pm_run kill enforce 20 kill 2>&1) || true
log "kill run: $(echo "$out" | tr '\n' ' ' | head -c 200)"
id=$(cid_of kill)
[ ! -e "$TMP/out/killed" ] || trap_fail "the killed process's mkdir ran: /out/killed exists"
! echo "$out" | has 'mkdir rc=0' || trap_fail "mkdir succeeded under kill"
wait_for 10 bash -c "[ -n \"\$(jq -c --arg id '$id' 'select(.output_fields[\"container.id\"] == \$id and .output_fields[\"cids.action\"] == \"kill\")' '$ALERTS')\" ]" ||
	trap_fail "no kill alert for the container"
set_cfg '.enforce.action = "block"'

# 4. a one-call podman exec joiner into an enforcing container
log "enforce, podman exec joiner"
pm_run joiner enforce 20 wait 8 -d >/dev/null || trap_fail "the enforcing container did not start"
jid=$(cid_of joiner)
wait_for 20 bash -c "grep -q 'Container \"$jid\": registered' '$MONLOG'" ||
	trap_fail "the joiner's target was not registered"
[ -e "$TMP/podman/rtstate/$jid" ] && [ ! -e "/run/$rt/$jid" ] ||
	trap_fail "the runtime keeps this test's container state outside \$TMP"
sleep 1
set +e
timeout 30 "${P[@]}" exec joiner mkdir /out/joined >"$TMP/exec.out" 2>&1
erc=$?
set -e
log "podman exec mkdir: status $erc: $(head -c 200 "$TMP/exec.out")"
[ ! -e "$TMP/out/joined" ] || trap_fail "the joiner's mkdir ran: /out/joined exists"
[ "$erc" -ne 0 ] || trap_fail "podman exec reported success"
grep -q "Container \"$jid\": listener for pid [0-9]* (running)" "$MONLOG" ||
	trap_fail "the exec's listener never reached the monitor"
wait_for 10 bash -c "[ -n \"\$(jq -c --arg id '$jid' 'select(.output_fields[\"container.id\"] == \$id and .output_fields[\"cids.action\"] == \"block\")' '$ALERTS')\" ]" ||
	trap_fail "no block alert for the joiner"
timeout 60 "${P[@]}" wait joiner >/dev/null 2>&1 || true
log "PASS"
