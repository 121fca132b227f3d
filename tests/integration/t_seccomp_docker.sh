#!/usr/bin/env bash
# The seccomp user-notify backend under Docker: a private dockerd (docker_lib.sh) whose runtime
# "cids" is cids-runtime (daemon.json "runtimes"), Docker's default seccomp profile merged into
# the notifying filter.
#  1. learn: runs of one image and command until the STIDE k=4 database is steady; the monitor
#     ran the seccomp backend and judged calls
#  2. detect: the same workload raises no alert
#  3. enforce (kill): the intruder's never-seen `mkdir /out/killed` is stopped before it runs:
#     /out/killed (a bind mount from the host) never exists, a kill alert names it
#  4. enforce (block), a running container: its config.json keeps Docker's ERRNO default and got
#     NOTIFY rules and the listenerPath; a one-call `docker exec CID mkdir /out/joined` is judged
#     from its first call and fails; /out/joined never exists; a block alert
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/engine_lib.sh"
source "$(dirname "$0")/seccomp_lib.sh"
source "$(dirname "$0")/docker_lib.sh"

docker_need
for b in cids-hook cids-notify cids; do
	[ -x "$CIDS_BUILD/$b" ] || fail "build $CIDS_BUILD/$b first"
done
sc_config "seccomp-docker-$$" runc block '.backend = "seccomp"'
export CIDS_CONFIG=$CFG
docker_start
docker_import_busybox cids-sc-bb

sc_workload 'sleep 0.2
case "$2" in
kill)
	mkdir /out/killed; echo "mkdir rc=$?" ;;
wait)
	sleep "$3" ;;
esac'
# alerts_of NAME [ACTION]: anomaly alerts of that container (of that action)
alerts_of() { sc_alerts_of "$(dk inspect -f '{{.Id}}' "$1")" "${2:-}"; }

# dk_run NAME MODE ITERATIONS SCENARIO [ARG] [-d]: a container of the image with the workload;
# profile key and mode come from the container's environment (Docker labels are not OCI
# annotations)
dk_run() {
	local name=$1 mode=$2 n=$3 scen=$4 arg=${5:-} d=${6:-}
	docker_rm "$name"
	on_exit "docker_rm $name"
	dk run $d --name "$name" --runtime=cids -v "$TMP/out:/out" \
		-e CIDS_PROFILE="$KEY" -e CIDS_MODE="$mode" \
		cids-sc-bb sh -c "$WORK" sh "$n" "$scen" "$arg"
}

# 1. learn
steady=0
for run in 1 2 3 4 5 6 7 8; do
	log "learn run $run"
	out=$(dk_run "learn$run" learn 150 wait 0.1 2>&1) || { echo "$out"; trap_fail "learn run $run failed"; }
	echo "$out" | has workload-done || { echo "$out"; trap_fail "learn run $run: no workload-done"; }
	[ -z "$(alerts_of "learn$run")" ] || trap_fail "alerts while learning"
	if [ $run -ge 3 ] && profile_steady "$TMP/store/$KEY.profile"; then
		steady=1
		break
	fi
done
[ $steady -eq 1 ] || trap_fail "profile not steady after $run runs"
sc_monitor_judged seccomp

# 2. detect, benign
log "detect, benign"
out=$(dk_run benign detect 150 wait 0.1 2>&1) || { echo "$out"; trap_fail "benign run failed"; }
echo "$out" | has workload-done || { echo "$out"; trap_fail "benign run: no workload-done"; }
n=$(alerts_of benign | wc -l)
[ "$n" -eq 0 ] || { alerts_of benign | head -3; trap_fail "$n alerts on the benign workload"; }

# 3. enforce kill: SIGKILL before the never-seen mkdir runs
log "enforce, kill"
set_cfg '.enforce.action = "kill"'
out=$(dk_run kill enforce 20 kill 2>&1) || true
log "kill run: $(echo "$out" | tr '\n' ' ' | head -c 200)"
[ ! -e "$TMP/out/killed" ] || trap_fail "the killed process's mkdir ran: /out/killed exists"
! echo "$out" | has 'mkdir rc=0' || trap_fail "mkdir succeeded under kill"
wait_for 10 bash -c "[ -n \"\$(jq -c 'select(.output_fields[\"cids.action\"] == \"kill\")' '$ALERTS')\" ]" ||
	trap_fail "no kill alert"
[ -n "$(alerts_of kill kill)" ] || trap_fail "the kill alert does not name the container"
set_cfg '.enforce.action = "block"'

# 4. a one-call docker exec joiner into an enforcing container
log "enforce, docker exec joiner"
# (its workload outlives the test's waits, 60 s: an 8 s one had ended under CI's load before
# the exec came, 14 s after its start; the test removes it)
dk_run joiner enforce 20 wait 60 -d >/dev/null || trap_fail "the enforcing container did not start"
jid=$(dk inspect -f '{{.Id}}' joiner)
wait_for 20 bash -c "grep -q 'Container \"$jid\": registered' '$MONLOG'" ||
	trap_fail "the joiner's target was not registered"
b=$(docker_bundle joiner)
jq -e '.linux.seccomp.defaultAction == "SCMP_ACT_ERRNO" and (.linux.seccomp.listenerPath | length > 0)
	and ([.linux.seccomp.syscalls[] | select(.action == "SCMP_ACT_NOTIFY")] | length > 0)' \
	"$b/config.json" >/dev/null || trap_fail "Docker's profile was not merged as documented"
sleep 1
set +e
timeout 30 "$DOCKER_CLI" -H "unix://$DOCKER_SOCK" exec joiner mkdir /out/joined >"$TMP/exec.out" 2>&1
erc=$?
set -e
log "docker exec mkdir: status $erc: $(head -c 200 "$TMP/exec.out")"
[ ! -e "$TMP/out/joined" ] || trap_fail "the joiner's mkdir ran: /out/joined exists"
[ "$erc" -ne 0 ] || trap_fail "docker exec reported success"
grep -q "Container \"$jid\": listener for pid [0-9]* (running)" "$MONLOG" ||
	trap_fail "the exec's listener never reached the monitor"
wait_for 10 bash -c "[ -n \"\$(jq -c --arg id '$jid' 'select(.output_fields[\"container.id\"] == \$id and .output_fields[\"cids.action\"] == \"block\")' '$ALERTS')\" ]" ||
	trap_fail "no block alert for the joiner"
docker_rm joiner
log "PASS"
