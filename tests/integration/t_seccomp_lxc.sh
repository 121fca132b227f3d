#!/usr/bin/env bash
# The seccomp user-notify backend on LXC: lxc.seccomp.profile from `cids-hook
# --lxc-seccomp-policy` (every call notified but LXC's own hand-over calls),
# lxc.seccomp.notify.proxy on cids-notify --lxc, which cids-hook starts at lxc.hook.start-host
# and hands the init's listener. A busybox container learns to steady state, a benign run is
# quiet, an intrusion's never-seen mkdir is SIGKILLed before it runs in enforce (kill), and a
# one-call `lxc-attach -- mkdir /joined` into an enforcing container never makes the directory.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engine_lib.sh"
need_root
need_cmd lxc-create lxc-start lxc-stop lxc-destroy lxc-attach lxc-info jq busybox
[ -x "$CIDS_BUILD/cids-hook" ] && [ -x "$CIDS_BUILD/cids-notify" ] && [ -x "$CIDS_BUILD/cids" ] ||
	fail "build cids-hook, cids-notify and cids first"

L=$TMP/lxc
mkdir -p "$L"
learn_cfg=$TMP/learn.json enforce_cfg=$TMP/enforce.json
common='.backend = "seccomp" | .on_steady = "stay" | .on_error = "deny" | .limits.hook_timeout_s = 20'
cids_config "$learn_cfg" "$common | .mode = \"learn\""
cids_config "$enforce_cfg" "$common | .mode = \"enforce\" | .enforce.action = \"kill\""
run_dir=$(jq -r .run_dir "$learn_cfg")
sed "s|@BINDIR@|$CIDS_BUILD|g" "$CIDS_SRC/packaging/cids-lxc.conf.in" >"$TMP/cids-lxc.conf"
"$CIDS_BUILD/cids-hook" --lxc-seccomp-policy >"$TMP/cids-seccomp.policy" || fail "--lxc-seccomp-policy"
grep -qx 'mkdir notify' "$TMP/cids-seccomp.policy" || fail "mkdir is not notified by the policy"
grep -qx 'write notify' "$TMP/cids-seccomp.policy" && fail "write must not be notified"
printf 'lxc.net.0.type = empty\n' >"$TMP/create.conf"

# The workload: the same loop every run, then cat; with /cids-intrude, mkdir /killed (a call
# never made while learning).
work='#!/bin/sh
n=${1:-30}
i=0
while [ "$i" -lt "$n" ]; do
	cat /etc/passwd >/dev/null
	ls /etc >/dev/null
	echo "$i" >/tmp/count
	sleep 0.05
	i=$((i + 1))
done
if [ -e /cids-intrude ]; then
	mkdir /killed
else
	/bin/cat /etc/passwd </dev/null >/dev/null
fi
echo "workload: $n rounds, last command exit status $?"
'

n=$(cname slxc)
on_exit "lxc-stop -P '$L' -n '$n' -k; lxc-destroy -P '$L' -n '$n' -f; lxc_cgroups_remove '$n'"
lxc-create -P "$L" -n "$n" -t busybox -f "$TMP/create.conf" >"$TMP/create.log" 2>&1 ||
	{ cat "$TMP/create.log"; fail "lxc-create $n"; }
mkdir -p "$L/$n/rootfs/usr/bin"
printf '%s' "$work" >"$L/$n/rootfs/usr/bin/cids-work"
chmod 0755 "$L/$n/rootfs/usr/bin/cids-work"
{
	echo "lxc.console.path = none"
	echo "lxc.include = $TMP/cids-lxc.conf"
	echo "lxc.seccomp.profile = $TMP/cids-seccomp.policy"
	"$CIDS_BUILD/cids-hook" --config "$learn_cfg" --lxc-proxy "$L/$n/config"
} >>"$L/$n/config"
grep -q "^lxc.seccomp.notify.proxy = unix:$run_dir/notify/lxc-[0-9a-f]\{16\}.sock\$" "$L/$n/config" ||
	fail "cids-hook --lxc-proxy: $(tail -1 "$L/$n/config")"

start() {
	local cfg=$1; shift
	CIDS_CONFIG=$cfg timeout -k 5 60 lxc-start -P "$L" -n "$n" -F -l DEBUG -o "$TMP/lxc.log" \
		-- /usr/bin/cids-work "$@"
}

log "learning $n (seccomp backend through lxc.seccomp.notify.proxy)"
steady=0
for run in 1 2 3 4 5 6; do
	start "$learn_cfg" 30 >"$TMP/run$run.out" 2>&1 ||
		{ cat "$TMP/run$run.out"; grep -a 'ERROR' "$TMP/lxc.log" | tail; tail "$TMP/log/monitor.log"; fail "learning run $run"; }
	wait_monitors "$TMP/run"
	grep -q "workload: 30 rounds, last command exit status 0" "$TMP/run$run.out" ||
		{ cat "$TMP/run$run.out"; fail "learning run $run did not finish"; }
	assert_file "$TMP/store/$n.profile"
	log "run $run: stide k=4 has $(profile_entries "$TMP/store/$n.profile") windows"
	if [ $run -ge 2 ] && profile_steady "$TMP/store/$n.profile"; then steady=$run; break; fi
done
[ $steady -gt 0 ] || { "$CIDS_BUILD/cids" profile show "$TMP/store/$n.profile"; fail "not steady after 6 runs"; }
grep -q "Container \"$n\": registered" "$TMP/log/monitor.log" || fail "cids-notify never registered $n"
[ "$(anomaly_count "$TMP/log/alerts.jsonl" "$n")" -eq 0 ] || fail "alerts while learning"
# the monitor judged the workload's calls (its status says seccomp; mkdir was never learned)
"$CIDS_BUILD/cids" profile show --json --top 0 "$TMP/store/$n.profile" >"$TMP/show.json" ||
	fail "profile show failed"
grep -q '"mkdir"' "$TMP/show.json" && fail "mkdir learned"
log "steady after $steady run(s)"

log "enforce: the normal workload runs clean"
start "$enforce_cfg" 10 >"$TMP/normal.out" 2>&1 || { cat "$TMP/normal.out"; fail "enforce run of the normal workload"; }
wait_monitors "$TMP/run"
[ "$(anomaly_count "$TMP/log/alerts.jsonl" "$n")" -eq 0 ] || { tail -3 "$TMP/log/alerts.jsonl"; fail "false alarm"; }
grep -q "workload: 10 rounds, last command exit status 0" "$TMP/normal.out" || { cat "$TMP/normal.out"; fail "normal workload did not finish"; }

log "enforce: the intrusion is killed before its mkdir runs"
touch "$L/$n/rootfs/cids-intrude"
start "$enforce_cfg" 10 >"$TMP/intrude.out" 2>&1 || true
rm -f "$L/$n/rootfs/cids-intrude"
cat "$TMP/intrude.out"
wait_monitors "$TMP/run"
[ ! -e "$L/$n/rootfs/killed" ] || fail "the intruder's mkdir ran: /killed exists"
grep -q 'workload: 10 rounds, last command exit status 0' "$TMP/intrude.out" && fail "the intruder's mkdir succeeded"
alert_match "$TMP/log/alerts.jsonl" "$n" '."cids.action" == "kill"' ||
	{ tail -3 "$TMP/log/alerts.jsonl"; fail "no kill alert"; }
jq -r "select(.output_fields[\"container.id\"] == \"$n\") | .output" "$TMP/log/alerts.jsonl" | tail -2

log "enforce: a one-call lxc-attach (mkdir /joined) is stopped"
before=$(anomaly_count "$TMP/log/alerts.jsonl" "$n")
# not lxc-start -d: daemonized, LXC's init opens /dev/null after loading the filter and before
# start-host, where nobody can serve the call yet (README): the foreground start in the background
start "$enforce_cfg" 600 >"$TMP/bg.out" 2>&1 &
bg=$!
wait_for 10 compgen -G "$TMP/run/monitors/*.json" || fail "no monitor for the detached container"
rc1=0
timeout -k 5 30 lxc-attach -P "$L" -n "$n" -- /bin/mkdir /joined >"$TMP/attach1.out" 2>&1 || rc1=$?
cat "$TMP/attach1.out"
joined=no
[ -e "$L/$n/rootfs/joined" ] && joined=yes
still=$(lxc-info -P "$L" -n "$n" -s -H)
lxc-stop -P "$L" -n "$n" -k >/dev/null 2>&1 || true
wait "$bg" || true
wait_monitors "$TMP/run"
[ "$joined" = no ] || fail "a one-call lxc-attach (mkdir /joined) made the directory"
[ "$rc1" -ne 0 ] || fail "the one-call lxc-attach exited 0"
[ "$(anomaly_count "$TMP/log/alerts.jsonl" "$n")" -gt "$before" ] || fail "no alert for the joiner"
# the kill came from the judged joiner's own calls (forwarded by LXC's monitor), not the init's
alert_match "$TMP/log/alerts.jsonl" "$n" '."cids.action" == "kill" and ."proc.name" == "mkdir"' ||
	{ tail -3 "$TMP/log/alerts.jsonl"; fail "no kill alert naming the joiner mkdir"; }
jq -r "select(.output_fields[\"container.id\"] == \"$n\") | .output" "$TMP/log/alerts.jsonl" | tail -1
[ "$still" = RUNNING ] || fail "the container's own workload did not survive the attach (state $still)"
log "lxc-attach mkdir /joined: exit status $rc1, not made"
log "ok"
