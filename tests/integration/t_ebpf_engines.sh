#!/usr/bin/env bash
# long
# eBPF backend (cidsd) end to end with the other engines, one private cidsd for all of them:
#   1. crun, cids-hook in the bundle at prestart (explicit key by annotation);
#   2. Podman through the hooks.d file (key and mode by annotation);
#   3. Docker through cids-runtime on a private dockerd, key derived from image + command, mode
#      by CIDS_MODE. Docker's default seccomp profile is in force: it denies unshare and mount,
#      which then never reach sys_enter; the denied unshare must still be alerted.
# For each engine: learn runs of one workload (config: learn, on_steady stay) until steady make
# a profile in the store under the expected key, continued by each container; a detect run
# of the same workload raises no alert; a detect run with an intrusion (unshare, mount) is
# seen live in `cids status` (backend ebpf, mode detect, key) while it holds, alerts name
# unshare before it ends, and (Podman, Docker) a process started by `exec` in it is alerted
# too. Docker also enforces with action kill: nc listening is SIGKILLed, the alert says kill;
# and with the seccomp guard a one-call `docker exec NAME mkdir` is refused before it runs.
# A section is skipped only when its engine cannot run here (missing program, dockerd that does
# not start); the file then ends with "SKIP" naming it, after the other sections passed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ebpf_lib.sh"
source "$(dirname "$0")/docker_lib.sh"

need_root
need_cmd jq busybox
why=$(ebpf_supported) || skip "$why"
for b in cids-hook cids cids-runtime; do [ -x "$CIDS_BUILD/$b" ] || fail "build $CIDS_BUILD/$b first"; done
ensure_tracefs

CFG=$TMP/config.json
# on_error deny: a container that cannot register with cidsd does not start, so a broken
# registration fails the test instead of running untraced.
cids_config "$CFG" '.backend = "ebpf" | .mode = "learn" | .on_steady = "stay" | .on_error = "deny"
	| .limits.hook_timeout_s = 20 | .enforce.action = "kill" | .enforce.max_kills_per_minute = 10'
ALERTS=$TMP/log/alerts.jsonl
STORE=$TMP/store
LEARN_ITER=300 # rounds of the workload in a learn run
DETECT_ITER=100
SKIPPED=()

# The workload. Its calls must not depend on timing, or a detect run of it sees windows its
# learn runs never did. So no pipeline (t_ebpf_runc.sh: two children's SIGCHLDs interleave),
# and the short-lived commands are not the shell's children: busybox sh catches SIGCHLD, and a
# child that exits before its parent reaches wait4 puts the handler's rt_sigreturn elsewhere
# (seen here about once per thousand forks). find, started by path (a real execve, so without
# the shell's handler; an applet name would run in the forked shell), runs them instead: fork,
# wait4, always in that order. The shell itself forks only children that live long enough.
# What it does at the end is chosen by files in /ctl, a directory the test bind-mounts into
# every run; the test builtin's stat is the same call either way, and Docker's key stays the
# same (mounts are not part of it).
#   /ctl/d:       one file per round of ls, cat and grep (read by one getdents whatever the
#                 count, for the counts used here)
#   /ctl/intrude: unshare and mount (both denied by Docker's default seccomp profile), then
#                 wait on the FIFO /ctl/hold, which the test opens once it has seen the
#                 container in `cids status`
#   /ctl/listen:  nc listening, blocked in accept until killed; started as the benign path
#                 starts its last command (fork, redirect, execve), so that the first calls
#                 never seen while learning are nc's own, not the shell's
#   /ctl/naps:    otherwise, how many 0.1 s naps the benign path takes at its end (2), or fewer
#                 once /ctl/wake exists: the same calls after the last nap either way
WORK='
/bin/find /ctl/d -type f -exec ls {} \; >/dev/null
/bin/find /ctl/d -type f -exec cat {} \; >/dev/null
/bin/find /ctl/d -type f -exec grep root {} \; >/dev/null
if [ -e /ctl/intrude ]; then
	unshare -m true; echo "unshare rc=$?"
	mount -t tmpfs none /mnt; echo "mount rc=$?"
	grep Seccomp: /proc/self/status
	read go </ctl/hold
elif [ -e /ctl/listen ]; then
	/bin/nc -l -p 12345 >/dev/null
	echo "nc rc=$?"
else
	read n </ctl/naps
	while /bin/sleep 0.1 >/dev/null; n=$((n - 1)); [ ! -e /ctl/wake ] && [ "$n" -gt 0 ]; do :; done
fi
echo workload-done
'

# ctl_dir NAME ROUNDS SCENARIO: the /ctl directory of run NAME (SCENARIO: benign | intrude |
# listen).
ctl_dir() {
	local d=$TMP/ctl/$1 i
	rm -rf "$d"
	mkdir -p "$d/d"
	for ((i = 0; i < $2; i++)); do echo 'root:x:0:0:root:/root:/bin/sh' >"$d/d/$i"; done
	printf '%3d\n' 2 >"$d/naps" # (fixed width: the shell's read makes a call per byte)
	case $3 in
	intrude) : >"$d/intrude"; mkfifo "$d/hold" ;;
	listen) : >"$d/listen" ;;
	esac
	echo "$d"
}

show_logs() {
	echo "--- cidsd log"; tail -30 "$TMP/cidsd.log" 2>/dev/null
	echo "--- alerts"; tail -5 "$ALERTS" 2>/dev/null
}
trap_fail() {
	show_logs
	[ -z "${CIDS_KEEP_FAILED:-}" ] || cp -r "$TMP" "$CIDS_KEEP_FAILED" 2>/dev/null || true
	fail "$@"
}

# jq_any EXPR FILE: does any input of FILE pass EXPR? (jq 1.6's -e looks at the last input only)
jq_any() { [ -n "$(jq -c "$1" "$2" 2>/dev/null)" ]; }

# Every run is followed by this: cidsd saves and forgets a container when its init exits.
wait_idle() {
	wait_for 15 bash -c "! ls '$TMP/run/monitors/'*.json >/dev/null 2>&1" ||
		trap_fail "cidsd still has a status file after the container ended: $(ls "$TMP/run/monitors")"
}

ALERT_MARK=0
mark_alerts() { ALERT_MARK=0; [ -f "$ALERTS" ] && ALERT_MARK=$(wc -l <"$ALERTS"); return 0; }
# new_anomalies KEY: anomalous-window alerts of profile KEY written since mark_alerts.
new_anomalies() {
	[ -f "$ALERTS" ] || return 0
	tail -n +$((ALERT_MARK + 1)) "$ALERTS" | jq -c --arg k "$1" \
		'select(.rule == "cids_anomalous_window" and .output_fields["cids.profile"] == $k)'
}

# unshare_alerted KEY ID: an anomaly alert of container ID names unshare (since mark_alerts).
unshare_alerted() {
	[ -n "$(new_anomalies "$1" | jq -c --arg id "$2" 'select(.output_fields["container.id"] == $id
		and .output_fields["evt.type"] == "unshare")')" ]
}

# exec_alerted KEY ID: an anomaly alert of container ID for nc's connect (since mark_alerts;
# neither the workload nor a runtime's set-up connects).
exec_alerted() {
	[ -n "$(new_anomalies "$1" | jq -c --arg id "$2" 'select(.output_fields["container.id"] == $id
		and (.output_fields["cids.window"] | any(. == "connect")))')" ]
}

profile_steady() {
	"$CIDS_BUILD/cids" profile show --json "$1" |
		jq -e '[.databases[] | select(.algorithm == "stide" and .k == 4)][0].steady' >/dev/null
}
profile_sessions() { "$CIDS_BUILD/cids" profile show --json "$1" | jq -r '.provenance.sessions // "-"'; }

# status_of KEY: the `cids status --json` object of the live container with profile KEY.
status_of() {
	"$CIDS_BUILD/cids" status --json --config "$CFG" 2>/dev/null |
		jq -c --arg k "$1" '.[] | select(.key == $k)'
}
# status_live KEY MODE: the container of KEY shows up in `cids status` as registered with cidsd
# (backend ebpf) in MODE, with calls counted (the status is rewritten about once a second); its
# status object in $STATUS.
STATUS=
status_live() {
	local key=$1 mode=$2 end=$((SECONDS + 20)) ok=
	STATUS=
	while [ -z "$ok" ]; do
		[ $SECONDS -lt $end ] || trap_fail "$key: cids status shows '$STATUS', want backend ebpf, mode $mode, syscalls > 0"
		sleep 0.1
		STATUS=$(status_of "$key")
		[ -n "$STATUS" ] || continue
		jq -e --arg m "$mode" '.backend == "ebpf" and .mode == $m and .syscalls > 0' <<<"$STATUS" >/dev/null &&
			ok=1
	done
	# the status file itself, as cidsd writes it
	jq_any 'select(.backend == "ebpf")' <(cat "$TMP/run/monitors/"*.json) ||
		trap_fail "no status file under $TMP/run/monitors says backend ebpf"
}

# release FIFO: let the container waiting on it go on (bounded: it may have died).
release() { timeout 10 sh -c 'echo go >"$1"' _ "$1" || true; }

# ----------------------------------------------------------------- the shared scenario
# Engine runners: <engine>_run NAME MODE CTL-DIR, output in $TMP/NAME.out, exit status in
# $TMP/NAME.rc. ENGINE_KEY is the key the runs of that engine use (empty for Docker until its
# first learn run shows the derived one).
ENGINE=
ENGINE_KEY=

learn_and_detect() {
	local run=$1 key n st bg before after ctl
	ENGINE=$1
	before=$(ls "$STORE")
	# several runs of one key until steady (at least 3: later containers continue the profile)
	for ((n = 1; ; n++)); do
		log "$ENGINE: learn run $n"
		"${run}_run" "$ENGINE-learn$n" learn "$(ctl_dir "$ENGINE-learn$n" $LEARN_ITER benign)"
		wait_idle
		[ "$(cat "$TMP/$ENGINE-learn$n.rc")" = 0 ] ||
			{ cat "$TMP/$ENGINE-learn$n.out"; trap_fail "$ENGINE: learn run $n failed"; }
		assert_grep workload-done "$TMP/$ENGINE-learn$n.out"
		if [ -z "$ENGINE_KEY" ]; then # Docker: the one new profile is the derived key's
			after=$(ls "$STORE")
			ENGINE_KEY=$(comm -13 <(echo "$before") <(echo "$after") | sed -n 's/\.profile$//p')
			[[ $ENGINE_KEY =~ ^w-[0-9a-f]{16}$ ]] ||
				trap_fail "$ENGINE: new profiles after the learn run: '$ENGINE_KEY', want one w-<hash>"
		fi
		assert_file "$STORE/$ENGINE_KEY.profile"
		[ $n -ge 3 ] && profile_steady "$STORE/$ENGINE_KEY.profile" && break
		[ $n -lt 8 ] || trap_fail "$ENGINE: profile $ENGINE_KEY not steady after $n runs"
	done
	key=$ENGINE_KEY
	[ "$(profile_sessions "$STORE/$key.profile")" = $n ] ||
		trap_fail "$ENGINE: profile $key has $(profile_sessions "$STORE/$key.profile") sessions after $n runs"
	[ "$(comm -13 <(echo "$before") <(ls "$STORE") | grep -c '\.profile$')" = 1 ] ||
		trap_fail "$ENGINE: the learn runs did not share one profile: $(ls "$STORE")"
	[ -z "$(cat "$ALERTS" 2>/dev/null | jq -c --arg k "$key" \
		'select(.rule == "cids_anomalous_window" and .output_fields["cids.profile"] == $k)')" ] ||
		trap_fail "$ENGINE: alerts while learning"
	log "$ENGINE: profile $key: $("$CIDS_BUILD/cids" profile show --json "$STORE/$key.profile" |
		jq -c '[.databases[] | select(.algorithm == "stide" and .k == 4)][0] | {entries, steady}')"

	log "$ENGINE: detect, benign"
	mark_alerts
	"${run}_run" "$ENGINE-benign" detect "$(ctl_dir "$ENGINE-benign" $DETECT_ITER benign)"
	wait_idle
	[ "$(cat "$TMP/$ENGINE-benign.rc")" = 0 ] || { cat "$TMP/$ENGINE-benign.out"; trap_fail "$ENGINE: detect run failed"; }
	assert_grep workload-done "$TMP/$ENGINE-benign.out"
	n=$(new_anomalies "$key" | wc -l)
	[ "$n" -eq 0 ] || { new_anomalies "$key" | head -3; trap_fail "$ENGINE: $n alerts on the learned workload"; }

	log "$ENGINE: detect, intrusion"
	mark_alerts
	ctl=$(ctl_dir "$ENGINE-intr" $DETECT_ITER intrude)
	"${run}_run" "$ENGINE-intr" detect "$ctl" &
	bg=$!
	status_live "$key" detect
	st=$STATUS
	log "$ENGINE: live in cids status: $(jq -c '{id, key, backend, mode, syscalls, alerts}' <<<"$st")"
	if [ "$ENGINE" = docker ]; then docker_check_key "$st"; fi
	# the alert is written while the container still runs (bounded-latency flush), not at its end
	wait_for 10 unshare_alerted "$key" "$(jq -r .id <<<"$st")" ||
		trap_fail "$ENGINE: no unshare alert within 10 s while the intruder's container still runs"
	# A process that joins the running container (docker/podman exec) is watched too: the
	# kernel filter goes by pid namespace. The runtime's own set-up calls for the joiner (before
	# its execve: setgroups, capset, prctl...) are not the workload's and are not judged, so
	# nc's own calls are what gets alerted.
	if declare -F "${run}_exec" >/dev/null; then
		"${run}_exec" "$ENGINE-intr" /bin/nc 127.0.0.1 9 || true
		wait_for 15 exec_alerted "$key" "$(jq -r .id <<<"$st")" ||
			{ cat "$TMP/exec.out"; trap_fail "$ENGINE: no alert for nc started by $ENGINE exec in the running container"; }
		new_anomalies "$key" | jq -r --arg id "$(jq -r .id <<<"$st")" 'select(.output_fields["container.id"] == $id)
			| .output_fields["evt.type"]' >"$TMP/exec.calls"
		grep -qx 'capset\|setgroups\|prctl\|fchown\|setns' "$TMP/exec.calls" &&
			{ sort "$TMP/exec.calls" | uniq -c; trap_fail "$ENGINE: the runtime's set-up calls for exec were judged"; }
		log "$ENGINE: nc run by $ENGINE exec alerted ($(wc -l <"$TMP/exec.calls") anomalies in the container since the mark, none of the runtime's set-up)"
	fi
	release "$ctl/hold"
	wait "$bg" || true
	wait_idle
	[ "$(cat "$TMP/$ENGINE-intr.rc")" = 0 ] || { cat "$TMP/$ENGINE-intr.out"; trap_fail "$ENGINE: intrusion run failed"; }
	assert_grep workload-done "$TMP/$ENGINE-intr.out"
	new_anomalies "$key" >"$TMP/$ENGINE-intr.alerts"
	[ -s "$TMP/$ENGINE-intr.alerts" ] || trap_fail "$ENGINE: no alert for the intrusion"
	# (proc.name is not required: the backend reads it from /proc when it handles the event,
	# after a short-lived process like this one is gone)
	jq_any 'select(.output_fields["evt.type"] == "unshare" and .output_fields["proc.pid"] > 1)' \
		"$TMP/$ENGINE-intr.alerts" ||
		{ head -3 "$TMP/$ENGINE-intr.alerts"; trap_fail "$ENGINE: no alert names the unshare call"; }
	jq_any "select(.output_fields[\"container.id\"] == $(jq '.id' <<<"$st"))" "$TMP/$ENGINE-intr.alerts" ||
		trap_fail "$ENGINE: the alerts do not name the container cids status showed"
	log "$ENGINE: $(wc -l <"$TMP/$ENGINE-intr.alerts") alert(s), calls: $(jq -r '.output_fields["evt.type"]' \
		"$TMP/$ENGINE-intr.alerts" | sort -u | tr '\n' ' ')"
	log "$ENGINE: the unshare alert: $(jq -c 'select(.output_fields["evt.type"] == "unshare") | .output_fields
		| {pid: ."proc.pid", name: ."proc.name", exe: ."proc.exepath", window: ."cids.window"}' \
		"$TMP/$ENGINE-intr.alerts" | head -1)"
}

# ----------------------------------------------------------------- 1. crun, prestart
crun_run() {
	local name=$1 mode=$2 ctl=$3 c rc=0
	bundle_jq "$CRUN_B" ".annotations[\"io.cids.mode\"] = \"$mode\"
		| .mounts = [.mounts[] | select(.destination != \"/ctl\")]
		| .mounts += [{\"destination\": \"/ctl\", \"type\": \"bind\", \"source\": \"$ctl\",
			\"options\": [\"rbind\", \"rw\"]}]"
	c=cids-ebpf-$name-$$ # cleaned up at exit by section_crun (this may run in a subshell)
	timeout 60 crun run --bundle "$CRUN_B" "$c" </dev/null >"$TMP/$name.out" 2>&1 || rc=$?
	echo "$rc" >"$TMP/$name.rc"
	crun delete --force "$c" >/dev/null 2>&1 || true
}

section_crun() {
	local c
	command -v crun >/dev/null 2>&1 || { SKIPPED+=("crun: not installed"); log "SKIP crun section"; return 0; }
	# hugetlb for crun on a hybrid-cgroup host; unmounted again at exit when we mounted it and
	# nothing uses it.
	if [ -d /sys/fs/cgroup/unified ] && ! mountpoint -q /sys/fs/cgroup/hugetlb 2>/dev/null; then
		ensure_crun_cgroups
		mountpoint -q /sys/fs/cgroup/hugetlb &&
			on_exit "[ -z \"\$(find /sys/fs/cgroup/hugetlb -mindepth 1 -type d)\" ] && umount /sys/fs/cgroup/hugetlb"
	fi
	for c in learn{1..8} benign intr; do runtime_cleanup crun "cids-ebpf-crun-$c-$$"; done
	CRUN_B=$TMP/crun-bundle
	make_bundle "$CRUN_B" /bin/sh /work.sh
	printf '%s\n' "$WORK" >"$CRUN_B/rootfs/work.sh"
	bundle_add_hook "$CRUN_B" prestart "$CIDS_BUILD/cids-hook" --config "$CFG"
	ENGINE_KEY=ebpf-crun-$$
	bundle_jq "$CRUN_B" ".annotations[\"io.cids.profile\"] = \"$ENGINE_KEY\""
	learn_and_detect crun
	log "crun: ok"
}

# ----------------------------------------------------------------- 2. Podman, hooks.d
podman_run() {
	local name=$1 mode=$2 ctl=$3 c rc=0
	c=cids-ebpf-$name-$$
	timeout 90 "${P[@]}" run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
		--name "$c" --annotation io.cids.mode="$mode" --annotation io.cids.profile="$ENGINE_KEY" \
		-v "$ctl:/ctl" localhost/cids-ebpf:test /bin/sh /work.sh </dev/null >"$TMP/$name.out" 2>&1 || rc=$?
	echo "$rc" >"$TMP/$name.rc"
	"${P[@]}" rm -f -t 0 "$c" >/dev/null 2>&1 || true
}

podman_exec() { # podman_exec NAME CMD...: run CMD in the running container of run NAME
	local c=cids-ebpf-$1-$$; shift
	timeout 30 "${P[@]}" exec "$c" "$@" </dev/null >"$TMP/exec.out" 2>&1
}

section_podman() {
	local rt=${PODMAN_RUNTIME:-} r
	command -v podman >/dev/null 2>&1 || { SKIPPED+=("podman: not installed"); log "SKIP podman section"; return 0; }
	# crun is Podman's own default runtime (runc runs under Docker below)
	[ -n "$rt" ] || for r in crun runc; do command -v $r >/dev/null && { rt=$r; break; }; done
	[ -n "$rt" ] || { SKIPPED+=("podman: neither crun nor runc"); return 0; }
	[ "$rt" = crun ] && ensure_crun_cgroups
	mkdir -p "$TMP/hooks.d"
	sed "s|@BINDIR@|$CIDS_BUILD|g" "$CIDS_SRC/packaging/cids-hooks.json.in" |
		jq --arg c "$CFG" '.hook.env += ["CIDS_CONFIG=" + $c]' >"$TMP/hooks.d/cids.json"
	P=(podman --root "$TMP/podman/root" --runroot "$TMP/podman/runroot" --tmpdir "$TMP/podman/tmp"
		--hooks-dir "$TMP/hooks.d" --cgroup-manager cgroupfs --events-backend file
		--storage-driver vfs --runtime "$rt")
	# our containers and image only (this test's --root/--runroot), then their mounts
	on_exit "${P[*]} rm -af -t 0; ${P[*]} rmi -af; umount -R '$TMP/podman/runroot' '$TMP/podman/root' 2>/dev/null"
	make_rootfs "$TMP/podman-rootfs"
	printf '%s\n' "$WORK" >"$TMP/podman-rootfs/work.sh"
	tar -C "$TMP/podman-rootfs" -c . | "${P[@]}" import --quiet - localhost/cids-ebpf:test >/dev/null ||
		fail "podman import"
	ENGINE_KEY=ebpf-podman-$$
	log "podman: runtime $rt"
	learn_and_detect podman
	log "podman: ok"
}

# ----------------------------------------------------------------- 3. Docker, default seccomp
docker_run() {
	local name=$1 mode=$2 ctl=$3 rc=0
	DOCKER_CONFIG="$DOCKER_DIR/cli" timeout -k 5 "${CTR_TIMEOUT:-90}" "$DOCKER_CLI" -H "unix://$DOCKER_SOCK" \
		run --rm --name "$name" --network none --runtime=cids -e CIDS_MODE="$mode" -v "$ctl:/ctl" \
		cids-ebpf:test /bin/sh /work.sh </dev/null >"$TMP/$name.out" 2>&1 || rc=$?
	echo "$rc" >"$TMP/$name.rc"
	docker_rm "$name"
}

docker_exec() { # docker_exec NAME CMD...
	local name=$1; shift
	DOCKER_CONFIG="$DOCKER_DIR/cli" timeout 30 "$DOCKER_CLI" -H "unix://$DOCKER_SOCK" exec "$name" "$@" \
		</dev/null >"$TMP/exec.out" 2>&1
}

# docker_check_key STATUS: the key cidsd uses is the one cids-runtime derives from the bundle.
docker_check_key() {
	local k
	k=$(docker_key docker-intr) || trap_fail "cids-runtime --cids-print-key failed"
	[ "$k" = "$(jq -r .key <<<"$1")" ] && [ "$k" = "$ENGINE_KEY" ] ||
		trap_fail "docker: derived key $k, status key $(jq -r .key <<<"$1"), learned key $ENGINE_KEY"
}

section_docker() {
	local ex0 ex1 t0 ctl c
	for c in dockerd containerd containerd-shim-runc-v2 runc "$DOCKER_CLI"; do
		command -v "$c" >/dev/null 2>&1 || { SKIPPED+=("docker: $c not installed"); log "SKIP docker section"; return 0; }
	done
	# docker_start skips the whole file when dockerd cannot start here: this section comes last
	[ ${#SKIPPED[@]} -eq 0 ] || log "skipped so far: ${SKIPPED[*]}"
	# cids-runtime and the hook read CIDS_CONFIG from dockerd's environment
	CIDS_CONFIG=$CFG docker_start
	log "docker: security options $(dk info --format '{{json .SecurityOptions}}')"
	dk info --format '{{json .SecurityOptions}}' | has 'name=seccomp' ||
		trap_fail "dockerd runs without seccomp: the denied-syscall case would not be tested"
	make_rootfs "$TMP/docker-rootfs"
	printf '%s\n' "$WORK" >"$TMP/docker-rootfs/work.sh"
	tar -C "$TMP/docker-rootfs" -c . | dk import - cids-ebpf:test >/dev/null || fail "docker import"
	ENGINE_KEY=
	learn_and_detect docker
	# Docker's default profile denied both calls (EPERM before sys_enter), yet unshare was seen
	grep -q 'Seccomp:[[:space:]]*2' "$TMP/docker-intr.out" ||
		{ cat "$TMP/docker-intr.out"; trap_fail "docker: the container ran without a seccomp filter"; }
	grep -q 'unshare rc=[1-9]' "$TMP/docker-intr.out" && grep -q 'mount rc=[1-9]' "$TMP/docker-intr.out" ||
		{ cat "$TMP/docker-intr.out"; trap_fail "docker: unshare/mount were not denied"; }
	log "docker: seccomp-denied unshare and mount alerted"

	log "docker: enforce (CIDS_MODE=enforce, action kill), nc listening"
	mark_alerts
	ctl=$(ctl_dir docker-kill $DETECT_ITER listen)
	t0=$SECONDS
	CTR_TIMEOUT=20 docker_run docker-kill enforce "$ctl"
	wait_idle
	log "docker: kill run took $((SECONDS - t0)) s, status $(cat "$TMP/docker-kill.rc"): $(tr '\n' ' ' <"$TMP/docker-kill.out")"
	[ "$(cat "$TMP/docker-kill.rc")" != 124 ] ||
		trap_fail "docker: nc was not killed, the container ran into its timeout"
	if grep -q 'nc rc=' "$TMP/docker-kill.out"; then
		grep -q 'nc rc=137' "$TMP/docker-kill.out" || trap_fail "docker: nc ended without SIGKILL"
	fi
	new_anomalies "$ENGINE_KEY" >"$TMP/docker-kill.alerts"
	jq_any 'select(.output_fields["cids.action"] == "kill" and (.output_fields["cids.window"]
		| any(. == "socket" or . == "bind" or . == "listen" or . == "accept" or . == "setsockopt")))' \
		"$TMP/docker-kill.alerts" || { head -3 "$TMP/docker-kill.alerts"; trap_fail "docker: no kill alert for nc's calls"; }
	docker_guard
	log "docker: ok"
}

# The seccomp guard (ebpf.seccomp_guard) under Docker's default profile: an enforcing container
# with a steady profile gets a filter that fails every never-learned call with EPERM, so a
# one-call `docker exec NAME mkdir /ctl/joined` is refused before the directory exists (this
# kernel has no BPF LSM: without the guard, mkdir ran before cidsd's kill). The benign
# workload around it runs to its end.
docker_guard() {
	local ctl bg st id cfg rc=0
	log "docker: enforce with the seccomp guard, a one-call docker exec"
	mark_alerts
	ctl=$(ctl_dir docker-join $LEARN_ITER benign)
	# it naps until the exec is done (/ctl/wake): with the 0.2 s of the other runs, CI's
	# loaded sanitizer run once saw the container gone before its exec came (8 s)
	printf '%3d\n' 600 >"$ctl/naps"
	CTR_TIMEOUT=90 docker_run docker-join enforce "$ctl" &
	bg=$!
	status_live "$ENGINE_KEY" enforce
	st=$STATUS
	id=$(jq -r .id <<<"$st")
	cfg=$(find "$DOCKER_DIR" -path "*$id*" -name config.json 2>/dev/null | head -1)
	[ -n "$cfg" ] || trap_fail "docker: no bundle config.json for container $id"
	# Docker's profile is an allow-list: the guard takes the never-learned names out of it
	jq -e '.linux.seccomp.defaultAction == "SCMP_ACT_ERRNO" and ([.linux.seccomp.syscalls[]
		| select(.action == "SCMP_ACT_ALLOW") | .names[]] | index("mkdir") == null
		and index("mkdirat") == null and index("getdents64") != null)' "$cfg" >/dev/null || {
		grep -a -h 'seccomp_guard' "$(dirname "$cfg")"/log.json "$(dirname "$cfg")"/*.log 2>/dev/null | tail -3
		trap_fail "docker: the enforcing container's filter ($cfg) does not deny mkdir alone"
	}
	docker_exec docker-join /bin/mkdir /ctl/joined || rc=$?
	: >"$ctl/wake"
	wait "$bg" || true
	wait_idle
	log "docker: exec mkdir exit $rc ($(tr '\n' ' ' <"$TMP/exec.out")), container exit $(cat "$TMP/docker-join.rc")"
	[ ! -e "$ctl/joined" ] || trap_fail "docker: the joiner's mkdir ran: $ctl/joined exists"
	[ "$rc" = 137 ] || trap_fail "docker: the joiner was not killed (exit $rc)"
	[ "$(cat "$TMP/docker-join.rc")" = 0 ] && grep -q workload-done "$TMP/docker-join.out" ||
		{ cat "$TMP/docker-join.out"; trap_fail "docker: the enforcing container did not run to its end"; }
	new_anomalies "$ENGINE_KEY" | jq -c --arg id "$id" 'select(.output_fields["container.id"] == $id)' \
		>"$TMP/docker-join.alerts"
	jq_any 'select((.output_fields["evt.type"] | startswith("mkdir"))
		and .output_fields["cids.action"] == "kill")' "$TMP/docker-join.alerts" ||
		{ cat "$TMP/docker-join.alerts"; trap_fail "docker: no kill alert for the joiner's mkdir"; }
	log "docker: the guard denied the joiner's mkdir ($(wc -l <"$TMP/docker-join.alerts") alert(s))"
}

cidsd_start "$CFG"
section_crun
section_podman
section_docker

# cidsd forgot every container and exits cleanly (a sanitizer build fails here on a leak)
sleep 1.2
[ "$(cidsd_stat containers)" = 0 ] || trap_fail "cidsd still holds $(cidsd_stat containers) containers"
log "cidsd: registered $(cidsd_stat registered), ended $(cidsd_stat ended), lost $(cidsd_stat lost)"
cidsd_stop

if [ ${#SKIPPED[@]} -gt 0 ]; then
	skip "$(printf '%s; ' "${SKIPPED[@]}")the other sections passed"
fi
log "PASS"
