#!/usr/bin/env bash
# Real servers under cids: the shared part of the test bed (README.md, "Real servers").
#
# A server scenario (redis.sh, web.sh, mariadb.sh beside this file) defines:
#   srv_setup ROOTFS     put the server (host binaries + their libraries) and its data in ROOTFS
#   SRV_ENTRY            the container's entrypoint (a shell script run as /entry.sh)
#   srv_ready            0 when the server answers (runs with the container's pid in $CPID)
#   srv_load_round       one round of benign load (a random mix); prints "ok N fail M"
#   srv_probe            one health request; 0 when answered correctly
#   SRV_ATTACKS          attack names; srv_attack_NAME runs it, srv_effect_NAME is 0 when its
#                        effect is there (file written, connection made, data read)
# and this file runs it: learn until steady, benign load after steady, attacks in detect, the
# same in enforce, and prints the figures as one JSON object.
#
# Runtimes (SRV_RUNTIME): runc (the default: an OCI bundle with cids-hook as its createRuntime
# hook), docker (a private dockerd with cids-runtime registered as runtime "cids"; the image is
# the same root filesystem, imported; one container started and stopped again, so its data
# persists as in the bundle), lxc (the same root filesystem as a directory rootfs, cids-hook
# through the shipped lxc.hook.start-host include). The scenarios see the container's root as
# $ROOT and run a process inside it with ctr_exec.
#
# Network: the container has its own network namespace (runc's default, docker --network none,
# lxc.net.0.type = empty) with only loopback; every client runs on the host inside that
# namespace (nsenter -n -t PID) and talks to 127.0.0.1 there. Nothing else is contacted.
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

SRV_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# copy_bin ROOTFS BIN...: binaries and the shared libraries they need, at the same paths.
copy_bin() {
	local root=$1 f; shift
	for f in "$@" $(ldd "$@" 2>/dev/null | awk '/=>/ {print $3} /ld-linux/ {print $1}' | sort -u); do
		[ -e "$f" ] || continue
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
	done
}

now() { date +%s.%N; }
# in_ns CMD...: CMD on the host, in the container's network namespace only.
in_ns() { nsenter -t "$CPID" -n -- "$@"; }
# in_ns_for SECONDS CMD...: the same, ended after SECONDS (a listener the attack never reached
# would otherwise outlive the test: killing the background subshell does not reach it)
in_ns_for() { local t=$1; shift; timeout -k 1 "$t" nsenter -t "$CPID" -n -- "$@"; }
rnd() { echo $((RANDOM % $1)); } # 0..N-1

# --- configuration of a run (environment) ---
BACKEND=${SRV_BACKEND:-ptrace}      # ptrace | ebpf | seccomp
RUNTIME=${SRV_RUNTIME:-runc}          # runc | docker | lxc
LEARN_MAX_S=${SRV_LEARN_MAX_S:-300}   # give up learning after this
BENIGN_S=${SRV_BENIGN_S:-30}          # benign load after steady, per container
INTERVAL_S=${SRV_INTERVAL_S:-1}       # learning.interval_s (the issue's setting)
ACTIONS=${SRV_ACTIONS:-block kill}    # enforce.action: one enforce run per action
# SRV_CONTROL=1: first the same load on the server with no cids (phase_control)
# the calls the eBPF runs' containers refuse in their own seccomp profile (srv_init)
IO_URING=(io_uring_setup io_uring_enter io_uring_register)
# SRV_CONFIG: a jq expression applied last to the configuration, e.g.
#   SRV_CONFIG='.detection.model = "paper" | .learning.quiet_calls = 0 | .learning.min_containers = 1'

# srv_init: config, bundle, rootfs, and the runtime's container. Sets B, ROOT, CFG, ALERTS, KEY.
srv_init() {
	need_root
	need_cmd runc jq busybox nsenter
	case $RUNTIME in
	runc) ;;
	docker) need_cmd dockerd ;;
	lxc) need_cmd lxc-create lxc-start lxc-stop lxc-info lxc-attach ;;
	*) fail "SRV_RUNTIME: runc, docker or lxc, not \"$RUNTIME\"" ;;
	esac
	[ -z "${SRV_DUMP:-}" ] || [ "$RUNTIME" = runc ] ||
		fail "SRV_DUMP works with SRV_RUNTIME=runc only (the dump is set in the bundle's hook)"
	[ -x "$CIDS_BUILD/cids-hook" ] || fail "build $CIDS_BUILD/cids-hook first"
	# runc: the seccomp backend's containers start through cids-runtime (its monitor and
	# listener), the others through runc itself
	RUNC=runc
	[ "$BACKEND" = seccomp ] && RUNC=$CIDS_BUILD/cids-runtime
	KEY="srv-$SRV_NAME-$BACKEND-$$"
	# SRV_KEEP=DIR keeps a copy of everything (alerts, logs, profile) for a post-mortem
	[ -n "${SRV_KEEP:-}" ] && on_exit "rm -rf '$SRV_KEEP'; cp -a '$TMP' '$SRV_KEEP'"
	B=$TMP/bundle
	CFG=$TMP/cids.json
	ALERTS=$TMP/log/alerts.jsonl
	# the product's defaults (config.json.example) for detection and steady state, which
	# cids_config pins to the paper's rule for the other integration tests; learning.interval_s
	# 1 (the issue's setting; the default 100 s would make every run hours long)
	cids_config "$CFG"
	jq --slurpfile ex "$CIDS_SRC/config.json.example" ".backend = \"$BACKEND\" | .mode = \"learn\"
		| .on_steady = \"detect\" | .detection = \$ex[0].detection
		| .learning.quiet_calls = \$ex[0].learning.quiet_calls
		| .learning.min_containers = \$ex[0].learning.min_containers
		| .learning.interval_s = $INTERVAL_S | .learning.consecutive = 5
		| .learning.sigma = 0.15 | .learning.checkpoint_s = 5
		| .enforce.max_kills_per_minute = 10 | .limits.max_alerts_per_second = 1000
		${SRV_CONFIG:+| $SRV_CONFIG}" "$CFG" >"$CFG.new" && mv "$CFG.new" "$CFG"
	# cids-runtime (docker, the seccomp backend on runc) and LXC's hook read it
	export CIDS_CONFIG=$CFG
	if [ "$BACKEND" = ebpf ]; then
		source "$CIDS_SRC/tests/integration/ebpf_lib.sh"
		local why
		why=$(ebpf_supported) || skip "$why"
		ensure_tracefs
		cidsd_start "$CFG"
	fi
	make_bundle "$B" /bin/sh /entry.sh >/dev/null
	ROOT=$B/rootfs
	srv_setup "$ROOT"
	printf '%s\n' "$SRV_ENTRY" >"$ROOT/entry.sh"
	case $RUNTIME in
	docker) docker_init; return ;;
	lxc) lxc_init; return ;;
	esac
	bundle_jq "$B" ".annotations[\"io.cids.profile\"] = \"$KEY\" | .process.cwd = \"/\"
		| .linux.resources = {}"
	if [ "$BACKEND" = ebpf ]; then
		# eBPF sees a call when it returns and cannot make io_uring_setup fail, so under
		# limits.io_uring deny it kills the caller (mariadbd at its start); the container's
		# own profile refuses io_uring, as Docker 25's default does (moby#46762), and cidsd
		# takes the EPERM as the block
		bundle_deny_syscalls "$B" "${IO_URING[@]}"
	fi
	bundle_add_hook "$B" createRuntime "$CIDS_BUILD/cids-hook" --config "$CFG"
	cp "$B/config.json" "$TMP/config.base.json"
}

# docker_init: a private dockerd whose cids-runtime reads $CFG, the root filesystem imported as
# an image, and the one container of the run (created, not started). The host's configuration
# chooses mode and action (ctr_mode); the profile key is derived from the workload, the same for
# every start of the container.
docker_init() {
	source "$CIDS_SRC/tests/integration/docker_lib.sh"
	docker_start
	local img="cids-srv-$SRV_NAME-$$" opts=()
	tar -C "$ROOT" -c . | dk import - "$img" >/dev/null || fail "docker import of the root filesystem"
	# eBPF: the io_uring refusal as a seccomp profile that allows every other call (it
	# replaces Docker's default profile in those runs only)
	if [ "$BACKEND" = ebpf ]; then
		jq -n --args '{defaultAction: "SCMP_ACT_ALLOW",
			syscalls: [{names: $ARGS.positional, action: "SCMP_ACT_ERRNO", errnoRet: 1}]}' \
			"${IO_URING[@]}" >"$TMP/seccomp-docker.json"
		opts+=(--security-opt "seccomp=$TMP/seccomp-docker.json")
	fi
	CT_NAME=$(cname "srv-$SRV_NAME")
	dk create --name "$CT_NAME" --runtime=cids --network none -w / "${opts[@]}" "$img" \
		/bin/sh /entry.sh >/dev/null || fail "docker create $CT_NAME"
}

# lxc_init: an LXC container of our own configuration (the busybox template's, without its
# binds of the host's /lib and /usr/lib) whose rootfs is $ROOT, with the shipped include
# (lxc.hook.start-host = cids-hook), no network but loopback (up: LXC leaves it down
# otherwise), SIGTERM as its halt signal (the entrypoint's graceful stop). The profile key is
# the container's name.
lxc_init() {
	L=$TMP/lxc
	CT_NAME=$(cname "srv-$SRV_NAME")
	mkdir -p "$L/$CT_NAME"
	sed "s|@BINDIR@|$CIDS_BUILD|g" "$CIDS_SRC/packaging/cids-lxc.conf.in" >"$TMP/cids-lxc.conf"
	on_exit "lxc-stop -P '$L' -n '$CT_NAME' -k; lxc_cgroups_remove '$CT_NAME'"
	cat >"$L/$CT_NAME/config" <<-EOF
	lxc.uts.name = cids-test
	lxc.rootfs.path = dir:$ROOT
	lxc.net.0.type = empty
	lxc.net.0.flags = up
	lxc.autodev = 1
	lxc.pty.max = 1
	lxc.console.path = none
	lxc.cap.drop = sys_module mac_admin mac_override sys_time
	lxc.mount.auto = cgroup:mixed proc:mixed sys:ro
	lxc.mount.entry = shm dev/shm tmpfs defaults,create=dir 0 0
	lxc.signal.halt = SIGTERM
	lxc.include = $TMP/cids-lxc.conf
	EOF
	if [ "$BACKEND" = seccomp ]; then
		# the notify policy and LXC's proxy socket (README, seccomp-notify backend, LXC)
		"$CIDS_BUILD/cids-hook" --lxc-seccomp-policy >"$TMP/cids-seccomp.policy" ||
			fail "cids-hook --lxc-seccomp-policy"
		echo "lxc.seccomp.profile = $TMP/cids-seccomp.policy" >>"$L/$CT_NAME/config"
		"$CIDS_BUILD/cids-hook" --config "$CFG" --lxc-proxy "$L/$CT_NAME/config" \
			>>"$L/$CT_NAME/config" || fail "cids-hook --lxc-proxy"
	fi
	if [ "$BACKEND" = ebpf ]; then
		printf '2\ndenylist\n' >"$TMP/seccomp-lxc"
		printf '%s errno 1\n' "${IO_URING[@]}" >>"$TMP/seccomp-lxc"
		echo "lxc.seccomp.profile = $TMP/seccomp-lxc" >>"$L/$CT_NAME/config"
	fi
}

# ctr_mode MODE: the host's mode for the next start of the docker or lxc container (the
# configuration the hook reads at each start; runc takes the bundle's annotation instead)
ctr_mode() { jq --arg m "$1" '.mode = $m' "$CFG" >"$CFG.new" && mv "$CFG.new" "$CFG"; }

# ctr_exec CMD...: CMD run inside the running container, as its runtime's exec does it.
ctr_exec() {
	case $RUNTIME in
	runc) "$RUNC" exec "$CNAME" "$@" ;;
	docker) dk exec "$CNAME" "$@" ;;
	lxc) lxc-attach -P "$L" -n "$CNAME" -- "$@" ;;
	esac
}

# ctr_start MODE [soft]: start the container detached in MODE; sets CNAME, CPID; waits for
# srv_ready (soft: returns 1 when the server does not answer, instead of failing the run).
ctr_start() {
	local mode=$1
	if [ "$RUNTIME" != runc ]; then
		ctr_mode "$mode"
		CNAME=$CT_NAME
	fi
	case $RUNTIME in
	runc) ctr_start_runc "$mode" ;;
	docker)
		dk start "$CNAME" >"$TMP/ctr-start.out" 2>&1 || fail "docker start: $(tail -3 "$TMP/ctr-start.out")"
		CPID=$(dk inspect -f '{{.State.Pid}}' "$CNAME")
		# the container's files while it runs (its writable layer is the storage driver's);
		# an effect checked after the container died reads as absent, and the server as
		# not serving
		ROOT=/proc/$CPID/root
		;;
	lxc)
		if [ "$BACKEND" = seccomp ]; then
			# in the foreground, in the background: daemonized, LXC's init waits in a
			# notified call before start-host can serve it (README, seccomp-notify, LXC)
			setsid lxc-start -P "$L" -n "$CNAME" -F -o "$TMP/lxc.log" -- /bin/sh /entry.sh \
				</dev/null >>"$TMP/lxc-fg.out" 2>&1 &
			wait_for 30 bash -c "[ \"\$(lxc-info -P '$L' -n '$CNAME' -s -H)\" = RUNNING ]" ||
				fail "lxc-start -F: $(grep -a 'ERROR' "$TMP/lxc.log" | tail -3)"
		else
			lxc-start -P "$L" -n "$CNAME" -d -o "$TMP/lxc.log" -- /bin/sh /entry.sh ||
				fail "lxc-start: $(grep -a 'ERROR' "$TMP/lxc.log" | tail -3)"
		fi
		CPID=$(lxc-info -P "$L" -n "$CNAME" -p -H)
		;;
	esac
	[[ $CPID =~ ^[0-9]+$ ]] && [ "$CPID" -gt 0 ] || fail "no pid for the container $CNAME"
	CT0=$(now)
	wait_for 120 srv_ready && return 0
	[ "${2:-}" = soft ] && return 1
	fail "$SRV_NAME did not answer within 120 s: $(ctr_output)"
}

ctr_start_runc() {
	local mode=$1
	cp "$TMP/config.base.json" "$B/config.json"
	bundle_jq "$B" ".annotations[\"io.cids.mode\"] = \"$mode\""
	CNAME=$(cname "srv-$SRV_NAME")
	# SRV_DUMP=1: the monitor writes every judged call to $TMP/dump.N.MODE (hook/ptrace.c's
	# CIDS_MONITOR_DUMP; with SRV_KEEP, for replaying a detection model offline)
	if [ -n "${SRV_DUMP:-}" ]; then
		NDUMP=$((${NDUMP:-0} + 1))
		bundle_jq "$B" "(.hooks.createRuntime[] | select(.path == \"$CIDS_BUILD/cids-hook\")).env
			= [\"CIDS_MONITOR_DUMP=$TMP/dump.$NDUMP.$mode${PHASE:+.$PHASE}\"]"
	fi
	runtime_cleanup "$RUNC" "$CNAME"
	(cd "$B" && "$RUNC" run -d "$CNAME" </dev/null >"$TMP/ctr-$CNAME.out" 2>&1) ||
		fail "$RUNC run: $(tail -3 "$TMP/ctr-$CNAME.out")"
	CPID=$(runc state "$CNAME" | jq -r .pid)
}

# ctr_output: the last lines the runtime or the container printed.
ctr_output() {
	case $RUNTIME in
	runc) tail -5 "$TMP/ctr-$CNAME.out" ;;
	docker) dk logs --tail 5 "$CNAME" 2>&1 ;;
	lxc) grep -a ERROR "$TMP/lxc.log" | tail -5 ;;
	esac
}

ctr_stop() {
	[ -n "${CNAME:-}" ] || return 0
	# a graceful stop as a deployment does it (SIGTERM to the entrypoint, which stops its
	# server and exits; SIGKILL after 15 s): a killed MariaDB or redis recovers at the next
	# start, which is another start-up path
	case $RUNTIME in
	runc)
		"$RUNC" kill "$CNAME" TERM >/dev/null 2>&1 || true
		wait_for 15 bash -c "runc state '$CNAME' 2>/dev/null | jq -e '.status == \"stopped\"'" || true
		"$RUNC" kill "$CNAME" KILL >/dev/null 2>&1 || true
		wait_for 20 bash -c "runc state '$CNAME' 2>/dev/null | jq -e '.status == \"stopped\"'" || true
		"$RUNC" delete --force "$CNAME" >/dev/null 2>&1 || true
		;;
	docker) dk stop -t 15 "$CNAME" >/dev/null 2>&1 || true ;;
	lxc) lxc-stop -P "$L" -n "$CNAME" -t 15 >/dev/null 2>&1 || lxc-stop -P "$L" -n "$CNAME" -k >/dev/null 2>&1 || true ;;
	esac
	CNAME=
	# the monitor (ptrace) removes its status file once it has saved and exited
	wait_for 30 bash -c "! ls '$TMP/run/monitors/'*.json >/dev/null 2>&1" || true
}

# status JQ: a field of the running monitor's status file.
status() { jq -r "$1" "$TMP"/run/monitors/*.json 2>/dev/null | head -1; }

# Benign load in the background until load_stop: rounds of srv_load_round with idle gaps, and a
# health probe every 0.5 s. Counts in $TMP/load.ok, load.fail, probe.ok, probe.fail.
load_start() {
	: >"$TMP/load.ok"; : >"$TMP/load.fail"; : >"$TMP/probe.ok"; : >"$TMP/probe.fail"
	rm -f "$TMP/load.stop"
	(
		set +e
		while [ ! -e "$TMP/load.stop" ]; do
			out=$(srv_load_round 2>>"$TMP/load.err")
			read -r _ ok _ bad <<<"$out"
			echo "${ok:-0}" >>"$TMP/load.ok"
			[ "${bad:-0}" -gt 0 ] && echo "$(now) $bad $out" >>"$TMP/load.fail"
			# idle gap now and then: timers and background work with no request
			[ $(rnd 4) = 0 ] && sleep "0.$(rnd 10)$(rnd 10)"
		done
	) &
	LOAD_PID=$!
	(
		set +e
		while [ ! -e "$TMP/load.stop" ]; do
			if srv_probe >/dev/null 2>&1; then echo 1 >>"$TMP/probe.ok"; else now >>"$TMP/probe.fail"; fi
			sleep 0.5
		done
	) &
	PROBE_PID=$!
	on_exit "touch '$TMP/load.stop'; kill $LOAD_PID $PROBE_PID"
}

load_stop() {
	touch "$TMP/load.stop"
	wait "$LOAD_PID" "$PROBE_PID" 2>/dev/null || true
}

# Failures so far: failed load requests and failed probes.
load_failures() {
	local a b
	a=$(awk '{s += $2} END {print s + 0}' "$TMP/load.fail")
	b=$(wc -l <"$TMP/probe.fail")
	echo $((a + b))
}
load_requests() { awk '{s += $1} END {print s + 0}' "$TMP/load.ok"; }

# Anomaly alerts (windows judged anomalous, rate-limited kills) with time >= T0 (epoch seconds).
alerts_since() {
	local t0=$1
	[ -s "$ALERTS" ] || { echo 0; return; }
	jq -r --argjson t0 "$t0" 'select(.rule == "cids_anomalous_window" or .rule == "cids_kill_rate_limited")
		| (.time | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) as $s
		| ((.time | capture("\\.(?<f>[0-9]+)Z$").f // "0") | ("0." + .) | tonumber) as $f
		| select($s + $f >= $t0) | "\($s + $f) \(.output_fields["cids.action"]) \(.output_fields["proc.name"]) \(.output_fields["cids.window"] | join(","))"' \
		"$ALERTS" 2>/dev/null | wc -l
}
# alert_lines T0 [T1]: the same, one line per alert: time action comm window.
alert_lines() {
	local t0=$1 t1=${2:-1e12}
	[ -s "$ALERTS" ] || return 0
	jq -r --argjson t0 "$t0" --argjson t1 "$t1" 'select(.rule == "cids_anomalous_window" or .rule == "cids_kill_rate_limited")
		| (.time | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) as $s
		| ((.time | capture("\\.(?<f>[0-9]+)Z$").f // "0") | ("0." + .) | tonumber) as $f
		| select($s + $f >= $t0 and $s + $f < $t1)
		| "\($s + $f) \(.output_fields["cids.action"]) \(.output_fields["cids.score"]) \(.output_fields["proc.name"]) \(.output_fields["cids.window"] | join(",")) \(.output_fields["cids.reason"] // "-")"' \
		"$ALERTS" 2>/dev/null
}

# --- phases ---

# phase_learn: containers in learn mode under benign load until cids moves one to detect by
# itself (on_steady). While fewer containers than learning.min_containers have run, the
# container is restarted after RESTART_S seconds (cids wants more than one start before it
# calls a profile steady, as a deployment's restarts give it); the last one learns until cids
# says steady. Then BENIGN_S more seconds of the same load in that container. Sets
# LEARN_S (T_max of the detection database: learning seconds over all containers), LEARN_WALL_S,
# LEARN_CONTAINERS, FA_STEADY (anomaly alerts after the move), FA_SECONDS.
RESTART_S=${SRV_RESTART_S:-30}
phase_learn() {
	log "learn: $SRV_NAME, $BACKEND, interval ${INTERVAL_S}s"
	local end=$((SECONDS + LEARN_MAX_S)) mode=learn start=$SECONDS restart
	LEARN_CONTAINERS=0
	while [ $SECONDS -lt $end ] && [ "$mode" != detect ]; do
		ctr_start learn
		LEARN_CONTAINERS=$((LEARN_CONTAINERS + 1))
		load_start
		restart=$end
		[ "$LEARN_CONTAINERS" -lt "$(jq -r '.learning.min_containers // 1' "$CFG")" ] &&
			restart=$((SECONDS + RESTART_S))
		while [ $SECONDS -lt $end ] && [ $SECONDS -lt $restart ]; do
			mode=$(status .mode)
			[ "$mode" = detect ] && break
			sleep 1
		done
		[ "$mode" = detect ] && break
		log "learn: container $LEARN_CONTAINERS: $(status '"\(.syscalls) calls, " + ([.dbs[] | select(.algorithm == "stide" and .k == 4)][0] | "\(.size) windows, slope \(.slope)")')"
		load_stop
		ctr_stop
	done
	LEARN_WALL_S=$((SECONDS - start))
	[ "$mode" = detect ] || { LEARN_S=-1; log "learn: not steady in ${LEARN_MAX_S}s"; return 1; }
	local det_k
	det_k=$(jq -r .detection.window "$CFG")
	LEARN_S=$(jq -r --argjson k "$det_k" '[.dbs[] | select(.algorithm == "stide" and .k == $k)][0].t_max' "$TMP"/run/monitors/*.json)
	DB_SIZE=$(jq -r --argjson k "$det_k" '[.dbs[] | select(.algorithm == "stide" and .k == $k)][0].size' "$TMP"/run/monitors/*.json)
	log "learn: steady at T_max ${LEARN_S}s (${DB_SIZE} windows, container $LEARN_CONTAINERS, ${LEARN_WALL_S}s wall); benign load ${BENIGN_S}s more"
	local t0
	t0=$(now)
	sleep "$BENIGN_S"
	FA_STEADY=$(alerts_since "$t0")
	FA_SECONDS=$(awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}')
	alert_lines "$t0" >>"$TMP/fa.lines"
	load_stop
	ctr_stop
	log "learn: $FA_STEADY alerts in ${FA_SECONDS}s after steady"
}

# run_attack NAME: one attack against the running container; prints "detected ttfa effect"
# (detected 0/1, seconds to the first alert or -1, effect 0/1).
run_attack() {
	local name=$1 t0 t1 n first eff
	t0=$(now)
	echo "$t0 $PHASE $name" >>"$TMP/attack.times"
	"srv_attack_$name" >>"$TMP/attack.log" 2>&1 || true
	sleep 1.5 # the monitor writes alerts as it judges; let it catch up
	t1=$(now)
	alert_lines "$t0" "$t1" >"$TMP/attack.$PHASE.$name.lines"
	n=$(wc -l <"$TMP/attack.$PHASE.$name.lines")
	first=$(awk -v t0="$t0" 'NR == 1 {printf "%.3f", $1 - t0}' "$TMP/attack.$PHASE.$name.lines")
	if "srv_effect_$name" >/dev/null 2>&1; then eff=1; else eff=0; fi
	echo "$([ "$n" -gt 0 ] && echo 1 || echo 0) ${first:--1} $eff $n"
}

# set_action ACTION: enforce.action of the next containers.
set_action() { jq --arg a "$1" '.enforce.action = $a' "$CFG" >"$CFG.new" && mv "$CFG.new" "$CFG"; }

# phase_judge MODE: a new container in MODE (the profile is steady: judged from its first call)
# under benign load: BENIGN_S seconds of benign load only, then each attack with benign load
# going on. Appends to $TMP/judge.MODE: "benign ALERTS SECONDS FAILURES" and per attack
# "attack NAME DETECTED TTFA EFFECT ALERTS SERVING".
phase_judge() {
	local mode=$1 t0 fails0 a res
	PHASE=$mode${2:+-$2}
	[ -n "${2:-}" ] && set_action "$2"
	log "$mode: start"
	if ! ctr_start "$mode" soft; then
		# cids took the server down at its start (say a start after a crash that took paths
		# learning never saw): no benign request, no attack is served; the run goes on
		log "$mode: $SRV_NAME did not answer within 120 s: counted as not serving"
		echo "down" >>"$TMP/judge.$PHASE"
		echo "benign 0 0 1 0 $(alert_lines "$CT0" | awk '$2 != "alert"' | wc -l)" >>"$TMP/judge.$PHASE"
		for a in $SRV_ATTACKS; do echo "attack $a 0 -1 0 0 0" >>"$TMP/judge.$PHASE"; done
		ctr_stop
		return 0
	fi
	load_start
	t0=$CT0 # start-up is judged too
	sleep "$BENIGN_S"
	echo "benign $(alerts_since "$t0") $(awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}')" \
		"$(load_failures) $(load_requests) $(alert_lines "$t0" | awk '$2 != "alert"' | wc -l)" >>"$TMP/judge.$PHASE"
	alert_lines "$t0" >>"$TMP/fa.lines"
	for a in $SRV_ATTACKS; do
		fails0=$(load_failures)
		res=$(run_attack "$a")
		# still serving: no benign request failed during the attack and the server answers now
		local serving=1
		[ "$(load_failures)" -eq "$fails0" ] || serving=0
		wait_for 5 srv_probe || serving=0
		echo "attack $a $res $serving" >>"$TMP/judge.$PHASE"
		log "$mode: attack $a: detected/ttfa/effect/alerts = $res, serving $serving"
		sleep 1
	done
	load_stop
	ctr_stop
}

# phase_control (SRV_CONTROL=1): the same server under the same load for BENIGN_S seconds in a
# runc container with no cids at all (the bundle's config without hooks, on the same root
# filesystem), before anything else: the failed requests this machine and this load give by
# themselves, against which the false kills are read. Sets CONTROL: "FAILURES REQUESTS SECONDS".
phase_control() {
	local RUNTIME=runc RUNC=runc t0 c=$TMP/control
	log "control: $SRV_NAME without cids, ${BENIGN_S}s of load"
	mkdir -p "$c"
	jq --arg r "$B/rootfs" 'del(.hooks) | .root.path = $r | .process.cwd = "/"
		| .linux.resources = {}' "$B/config.json" >"$c/config.json"
	CNAME=$(cname "srv-$SRV_NAME-control")
	runtime_cleanup runc "$CNAME"
	runc run -d -b "$c" "$CNAME" </dev/null >"$TMP/ctr-$CNAME.out" 2>&1 ||
		fail "runc run (control): $(tail -3 "$TMP/ctr-$CNAME.out")"
	CPID=$(runc state "$CNAME" | jq -r .pid)
	ROOT=$B/rootfs
	wait_for 120 srv_ready || fail "$SRV_NAME did not answer within 120 s without cids"
	load_start
	t0=$(now)
	sleep "$BENIGN_S"
	CONTROL="$(load_failures) $(load_requests) $(awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}')"
	load_stop
	ctr_stop
	log "control: failures/requests/seconds $CONTROL"
}

# srv_main: the whole scenario; prints one JSON object with the figures on stdout (last line).
srv_main() {
	srv_init
	: >"$TMP/judge.detect"; : >"$TMP/fa.lines"
	for a in $ACTIONS; do : >"$TMP/judge.enforce-$a"; done
	FA_STEADY=0 FA_SECONDS=0 DB_SIZE=0 CONTROL=
	[ -n "${SRV_CONTROL:-}" ] && phase_control
	if ! phase_learn; then
		jq -cn --arg s "$SRV_NAME" --arg b "$BACKEND" --arg r "$RUNTIME" '{server: $s, backend: $b, runtime: $r, steady: false}'
		return 0
	fi
	phase_judge detect
	for a in $ACTIONS; do phase_judge enforce "$a"; done
	[ "$BACKEND" = ebpf ] && cidsd_stop
	if [ -s "$TMP/fa.lines" ]; then
		echo "benign windows alerted (count, window):" >&2
		awk '{print $4, $5}' "$TMP/fa.lines" | sort | uniq -c | sort -rn | head -15 >&2
	fi
	srv_report
}

srv_report() {
	local f args=()
	for f in "$TMP"/judge.enforce-*; do args+=(--rawfile "${f##*/judge.}" "$f"); done
	jq -cn --arg s "$SRV_NAME" --arg b "$BACKEND" --arg rt "$RUNTIME" --arg learn "$LEARN_S" --arg size "$DB_SIZE" \
		--arg fa "$FA_STEADY" --arg fas "$FA_SECONDS" --arg lw "$LEARN_WALL_S" \
		--arg lc "$LEARN_CONTAINERS" --arg model "$(jq -r .detection.model "$CFG")" --arg ctl "$CONTROL" \
		--rawfile d "$TMP/judge.detect" "${args[@]}" '
	def rows($t): $t | split("\n") | map(select(length > 0) | split(" "));
	def benign($t): rows($t) | map(select(.[0] == "benign"))[0]
		| {alerts: (.[1] | tonumber), seconds: (.[2] | tonumber), failures: (.[3] | tonumber),
		   requests: (.[4] | tonumber), acts: (.[5] | tonumber)};
	def attacks($t): rows($t) | map(select(.[0] == "attack")
		| {name: .[1], detected: (.[2] == "1"), ttfa: (.[3] | tonumber), effect: (.[4] == "1"),
		   alerts: (.[5] | tonumber), serving: (.[6] == "1")});
	(benign($d)) as $bd | attacks($d) as $ad
	| [$ARGS.named | to_entries[] | select(.key | startswith("enforce-"))
	   | {action: (.key | ltrimstr("enforce-")), benign: benign(.value), attacks: attacks(.value),
	      came_up: (rows(.value) | map(select(.[0] == "down")) | length == 0)}
	   | . + {prevented: (.attacks | map(select((.effect | not) and .serving)) | length)}] as $en
	| ($fa | tonumber) as $fa | ($fas | tonumber) as $fas
	| ($fa + $bd.alerts + ([$en[].benign.alerts] | add // 0)) as $nfa
	| ($fas + $bd.seconds + ([$en[].benign.seconds] | add // 0)) as $secs
	| {server: $s, backend: $b, runtime: $rt, model: $model, steady: true, learn_s: ($learn | tonumber),
	   learn_wall_s: ($lw | tonumber), learn_containers: ($lc | tonumber),
	   db_size: ($size | tonumber), benign_alerts: $nfa, benign_seconds: $secs,
	   false_alarms_per_hour: (($nfa * 3600 / $secs) | floor),
	   false_kills: ([$en[].benign.failures] | add // 0),
	   benign_acts: ([$en[].benign.acts] | add // 0),
	   detected: ($ad | map(select(.detected)) | length), attacks: ($ad | length),
	   ttfa_max: ([$ad[] | select(.detected) | .ttfa] | max),
	   effect_without_cids: ($ad | map(select(.effect)) | length),
	   prevented: ($en | map({(.action): .prevented}) | add),
	   control: ($ctl | split(" ") | map(select(length > 0) | tonumber)
		| if length == 3 then {failures: .[0], requests: .[1], seconds: .[2]} else null end),
	   detect: $ad, enforce: $en}'
}
