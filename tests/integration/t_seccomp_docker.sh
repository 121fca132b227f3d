#!/usr/bin/env bash
# The seccomp user-notify backend under Docker (private dockerd, runtime "cids" = cids-runtime),
# with Docker's default seccomp profile merged into the notifying filter:
#  1. learn: runs of one image and command until the STIDE k=4 database is steady; the bundle's
#     config.json keeps Docker's ERRNO default and got NOTIFY rules and a listenerPath
#  2. detect: the same workload raises no alert
#  3. enforce (block): `docker exec CID mkdir /out/joined` is judged from its first call and
#     fails with EPERM; /out/joined (a bind mount from the host) never exists
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/docker_lib.sh"

docker_need
for b in cids-hook cids-notify cids; do
	[ -x "$CIDS_BUILD/$b" ] || fail "build $CIDS_BUILD/$b first"
done
CFG=$TMP/config.json
KEY=seccomp-docker-$$
cids_config "$CFG" '.backend = "seccomp" | .mode = "learn" | .on_steady = "stay"
	| .on_error = "allow" | .allow_container_override = true | .runtime.runtimes = ["runc"]
	| .enforce.action = "block"'
export CIDS_CONFIG=$CFG
ALERTS=$TMP/log/alerts.jsonl
MONLOG=$TMP/log/monitor.log
mkdir -p "$TMP/out"
docker_start
docker_import_busybox cids-sc-bb

WORK='i=0; while [ $i -lt 100 ]; do ls / >/dev/null; cat /etc/passwd >/dev/null; i=$((i + 1)); done; sleep "${1:-0.1}"; echo workload-done'
show() { echo "--- monitor log"; tail -20 "$MONLOG"; echo "--- alerts"; tail -3 "$ALERTS" 2>/dev/null; }
trap_fail() { show; fail "$@"; }

# dk_run NAME MODE [SLEEP] [-d]: a container of the image with the workload
dk_run() {
	local name=$1 mode=$2 s=${3:-0.1} d=${4:-}
	docker_rm "$name"
	on_exit "docker_rm $name"
	dk run $d --name "$name" --runtime=cids -v "$TMP/out:/out" \
		--label io.cids.profile="$KEY" --label io.cids.mode="$mode" \
		-e CIDS_PROFILE="$KEY" -e CIDS_MODE="$mode" \
		cids-sc-bb sh -c "$WORK" sh "$s"
}

steady=0
for run in 1 2 3 4 5 6; do
	log "learn run $run"
	out=$(dk_run "learn$run" learn 2>&1) || { echo "$out"; trap_fail "learn run $run failed"; }
	echo "$out" | grep -q workload-done || trap_fail "learn run $run: no workload-done"
	if [ $run -ge 3 ] && "$CIDS_BUILD/cids" profile show --json "$TMP/store/$KEY.profile" 2>/dev/null |
		jq -e '[.databases[] | select(.algorithm == "stide" and .k == 4)][0].steady' >/dev/null; then
		steady=1
		break
	fi
done
[ $steady -eq 1 ] || trap_fail "profile not steady after $run runs"
grep -q 'learn (seccomp backend)' "$MONLOG" || trap_fail "no seccomp monitor ran"
b=$(docker_bundle "learn$run")
if [ -n "$b" ] && [ -f "$b/config.json" ]; then
	jq -e '.linux.seccomp.defaultAction == "SCMP_ACT_ERRNO" and (.linux.seccomp.listenerPath | length > 0)
		and ([.linux.seccomp.syscalls[] | select(.action == "SCMP_ACT_NOTIFY")] | length > 0)' \
		"$b/config.json" >/dev/null || trap_fail "Docker's profile was not merged as documented"
fi

log "detect, benign"
n0=$(grep -c cids_anomalous_window "$ALERTS" 2>/dev/null || true)
out=$(dk_run benign detect 2>&1) || { echo "$out"; trap_fail "benign run failed"; }
n1=$(grep -c cids_anomalous_window "$ALERTS" 2>/dev/null || true)
[ "${n1:-0}" = "${n0:-0}" ] || trap_fail "$((n1 - n0)) alerts on the benign workload"

log "enforce, docker exec joiner"
dk_run joiner enforce 8 -d >/dev/null || trap_fail "the enforcing container did not start"
wait_for 15 bash -c "grep -q 'listener for pid' '$MONLOG'" || trap_fail "no listener"
sleep 1
set +e
dk exec joiner mkdir /out/joined >"$TMP/exec.out" 2>&1
erc=$?
set -e
log "docker exec mkdir: status $erc: $(head -c 200 "$TMP/exec.out")"
[ ! -e "$TMP/out/joined" ] || trap_fail "the joiner's mkdir ran: /out/joined exists"
[ "$erc" -ne 0 ] || trap_fail "docker exec reported success"
grep -q 'listener for pid [0-9]* (running)' "$MONLOG" || trap_fail "the exec's listener never reached the monitor"
jq -e -s 'map(select(.rule == "cids_anomalous_window" and .output_fields["cids.action"] == "block")) | length > 0' \
	"$ALERTS" >/dev/null || trap_fail "no block alert"
dk wait joiner >/dev/null 2>&1 || true
log "PASS"
