#!/usr/bin/env bash
# The live demo (`make demo`, as root): cids learns a busybox container's system calls under
# runc until steady state, then catches an intrusion in enforce mode; then the same through
# Docker (cids-runtime) when a private dockerd can start. Everything runs from build/ with a
# private configuration in a temporary directory; nothing is installed and everything started
# here is stopped and removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export CIDS_SRC=$PWD CIDS_BUILD=$PWD/$BUILD
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (sudo make demo)" >&2; exit 1; }
[ -x "$CIDS_BUILD/cids-hook" ] && [ -x "$CIDS_BUILD/cids" ] || make --no-print-directory -s BUILD="$BUILD" all

. tests/integration/lib.sh
. tests/integration/engine_lib.sh
TMP_DEMO=$TMP
C=$CIDS_BUILD/cids
KEY=demo-web
STORE=$TMP/store
ALERTS=$TMP/log/alerts.jsonl
RUN=$TMP/run
t0=$SECONDS

bold=$'\e[1m' red=$'\e[31m' green=$'\e[32m' off=$'\e[0m'
[ -t 1 ] || bold= red= green= off=
n_step=0
step() { n_step=$((n_step + 1)); printf '\n%s%d. %s%s\n' "$bold" "$n_step" "$*" "$off"; }
say() { printf '   %s\n' "$*"; }
indent() { sed 's/^/   | /'; }

# one line of learning progress from `cids status --json`
progress() {
	"$C" status --json --run-dir "$RUN" 2>/dev/null | jq -r --arg k "$1" '
		.[] | select(.key == $k) | . as $m | (.dbs[] | select(.algorithm == "stide" and .k == 4)) as $d
		| "mode \($m.mode), \($m.syscalls) syscalls seen; STIDE k=4: \($d.size) windows, growing \($d.slope * 100 | round / 100)/s, "
		  + (if $d.steady then "STEADY" else "steady in \($d.eta_s * 10 | round / 10)s at the earliest" end)' 2>/dev/null | head -1
}

need_cmd runc jq busybox
cids_config "$TMP/config.json" '.mode = "learn" | .on_steady = "stay" | .on_error = "deny"
	| .limits.hook_timeout_s = 20 | .learning.interval_s = 0.5
	| .learning.consecutive = 5 | .learning.checkpoint_s = 1 | .enforce.action = "kill"'
CFG=$TMP/config.json

printf '%scids demo%s: learn a container'"'"'s system calls, then catch an intrusion (runc, then Docker)\n' "$bold" "$off"

step "A busybox container for runc, with cids-hook as its createRuntime hook"
make_bundle "$TMP/bundle" /usr/bin/cids-work 40 >/dev/null
workload_install "$TMP/bundle/rootfs"
bundle_jq "$TMP/bundle" ".annotations[\"io.cids.profile\"] = \"$KEY\""
bundle_add_hook "$TMP/bundle" createRuntime "$CIDS_BUILD/cids-hook" --config "$CFG"
say "bundle:   $TMP/bundle (workload: a shell loop of cat, ls, echo, sleep; /usr/bin/cids-work)"
say "hook:     $(jq -c '.hooks.createRuntime[0].args' "$TMP/bundle/config.json")"
say "config:   $CFG (mode learn, steady-state interval 0.5 s, 5 in a row)"

# run_runc NAME: run the bundle detached, print progress until it ends; output in $TMP/NAME.out
run_runc() {
	local name=$1 line last=
	on_exit "runc kill '$name' KILL; runc delete --force '$name'"
	(cd "$TMP/bundle" && runc run -d --pid-file "$TMP/$name.pid" "$name" >"$TMP/$name.out" 2>&1 </dev/null) ||
		{ cat "$TMP/$name.out"; fail "runc run $name"; }
	while [ "$(runc state "$name" 2>/dev/null | jq -r .status)" = running ]; do
		line=$(progress "$KEY")
		[ -n "$line" ] && [ "$line" != "$last" ] && say "$line"
		last=$line
		sleep 0.5
	done
	runc delete --force "$name" >/dev/null 2>&1 || true
	wait_monitors "$RUN" 15
}

step "Learn: run the container under runc (cids mode learn) until the profile is steady"
for run in 1 2 3 4; do
	say "-- container run $run"
	run_runc "cids-demo-$$-$run"
	if profile_steady "$STORE/$KEY.profile"; then break; fi
	say "not steady yet: the next container of the same workload continues the profile"
done
if ! profile_steady "$STORE/$KEY.profile"; then
	say "monitor log:"; tail -8 "$TMP/log/monitor.log" 2>/dev/null | indent
	"$C" alerts --file "$ALERTS" 2>/dev/null | tail -3 | indent
	fail "the profile did not reach steady state"
fi
say "${green}steady${off}: $STORE/$KEY.profile"

step "The learned profile: cids profile show"
"$C" profile show --top 8 "$STORE/$KEY.profile" | indent

step "Steady state per database: cids report"
"$C" report "$STORE/$KEY.profile" | indent

step "Enforce: the same container, now with an intrusion (nc tries to connect out)"
jq '.mode = "enforce"' "$CFG" >"$CFG.new" && mv "$CFG.new" "$CFG"
touch "$TMP/bundle/rootfs/cids-intrude"
say "config mode enforce, action kill; /cids-intrude makes the workload end with nc instead of cat"
run_runc "cids-demo-$$-enforce"
say "container output:"
if [ -s "$TMP/cids-demo-$$-enforce.out" ]; then indent <"$TMP/cids-demo-$$-enforce.out"; else say "| (none: the workload's shell was killed before its last echo, see below)"; fi
rm -f "$TMP/bundle/rootfs/cids-intrude"

step "The alert (cids alerts)"
"$C" alerts --file "$ALERTS" | indent
if alert_match "$ALERTS" "$KEY" '."proc.name" == "nc" and ."cids.action" == "kill"'; then
	jq -r --arg k "$KEY" 'select(.rule == "cids_anomalous_window" and .output_fields["cids.profile"] == $k)
		| .output_fields | "\(."proc.name") (pid \(."proc.pid")): \(."cids.action") at \(."evt.type")"' "$ALERTS" |
		sort -u | while read -r l; do say "${red}$l${off}"; done
	say "nc died before its connection attempt (without cids it prints \"Connection refused\");"
	say "a shell whose child was killed prints \"Killed\", which it never did while learning: killed too."
else
	say "${red}no kill alert for nc${off}: see $TMP/log/monitor.log"
	tail -5 "$TMP/log/monitor.log" 2>/dev/null | indent
fi

step "The same under Docker: daemon.json runtime \"cids\" = cids-runtime"
docker_part() {
	# own cleanup list: docker_stop runs when this subshell ends
	_cleanups=()
	trap _run_cleanups EXIT
	skip() { say "Docker part skipped: $*"; exit 77; }
	. tests/integration/docker_lib.sh
	local image=cids-demo:latest dstore=$TMP/docker-store key out rc=0
	cids_config "$TMP/docker.json" ".mode = \"learn\" | .on_steady = \"stay\" | .on_error = \"deny\"
		| .limits.hook_timeout_s = 20 | .learning.interval_s = 0.5
		| .learning.consecutive = 5 | .learning.checkpoint_s = 1 | .enforce.action = \"block\"
		| .store = \"$dstore\" | .alerts = \"$TMP/log/docker-alerts.jsonl\""
	DOCKER_START_TIMEOUT=20 CIDS_CONFIG=$TMP/docker.json docker_start >/dev/null
	say "private dockerd up (own data-root, exec-root, socket; --bridge=none --iptables=false)"
	make_rootfs "$TMP/drootfs" && workload_install "$TMP/drootfs"
	tar -C "$TMP/drootfs" -c . | dk import - "$image" >/dev/null
	local -a dkr=(timeout -k 5 60 "$DOCKER_CLI" -H "unix://$DOCKER_SOCK" run --rm --network none --runtime=cids)
	for run in 1 2 3 4; do
		say "-- docker run --runtime=cids $image cids-work 40   (learn, run $run)"
		"${dkr[@]}" "$image" cids-work 40 >/dev/null 2>&1 || fail "docker run"
		wait_monitors "$RUN" 15
		key=$(basename "$(find "$dstore" -name '*.profile' | head -1)" .profile)
		say "profile key $key (image + command), in the store after --rm: $(profile_entries "$dstore/$key.profile") STIDE k=4 windows"
		profile_steady "$dstore/$key.profile" && break
	done
	profile_steady "$dstore/$key.profile" || fail "docker: not steady"
	say "${green}steady${off}"
	: >"$TMP/intrude-flag"
	say "-- docker run --runtime=cids -e CIDS_MODE=enforce -v ...:/cids-intrude $image cids-work 40   (enforce, action block)"
	out=$("${dkr[@]}" -e CIDS_MODE=enforce -v "$TMP/intrude-flag:/cids-intrude:ro" "$image" cids-work 40 2>&1) || rc=$?
	wait_monitors "$RUN" 15
	printf '%s\n' "$out" | indent
	"$C" alerts --file "$TMP/log/docker-alerts.jsonl" | indent
	alert_match "$TMP/log/docker-alerts.jsonl" "$key" '."proc.name" == "nc" and ."cids.action" == "block"' ||
		fail "docker: no block alert for nc"
	say "${red}nc's calls were blocked${off}: socket() failed with EPERM before any connection attempt"
	say "(its error message is a new window too, so the write that would print it was blocked as well)"
}
rc=0
( docker_part ) || rc=$?
case $rc in
0) ;;
77) ;;
*) say "Docker part failed (exit $rc)" ;;
esac

step "Clean up"
say "stopping and removing everything this demo started; took $((SECONDS - t0)) s"
