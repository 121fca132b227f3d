#!/usr/bin/env bash
# Helpers shared by the engine tests (t_podman, t_lxc, the hook part of t_docker) and
# scripts/demo.sh: one workload, learning checks, alert counts. Source after lib.sh.

# The workload: the same loop every run, then one last command, run by path (fork + execve) so
# the shell's own calls are the same either way. Normally that is cat; when the file
# /cids-intrude exists in the container it is nc (socket + connect, like a reverse shell).
# Arguments, environment and image stay the same, so Docker's derived profile key does too:
# the trigger is a bind mount (Docker, Podman) or a file put into the rootfs (LXC, runc).
#   cids-work [ITERATIONS]
CIDS_WORKLOAD='#!/bin/sh
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
	/bin/nc -w 1 127.0.0.1 9 </dev/null >/dev/null
else
	/bin/cat /etc/passwd </dev/null >/dev/null
fi
echo "workload: $n rounds, last command exit status $?"
'

# workload_install ROOTFS: put the workload at /usr/bin/cids-work.
workload_install() {
	mkdir -p "$1/usr/bin"
	printf '%s' "$CIDS_WORKLOAD" >"$1/usr/bin/cids-work"
	chmod 0755 "$1/usr/bin/cids-work"
}

# profile_json FILE: `cids profile show --json FILE`.
profile_json() { "$CIDS_BUILD/cids" profile show --json "$1" 2>/dev/null; }

# profile_steady FILE [ALGO K]: the detection database (stide k=4 unless given) is steady.
profile_steady() {
	local f=$1 algo=${2:-stide} k=${3:-4}
	[ -s "$f" ] || return 1
	profile_json "$f" | jq -e --arg a "$algo" --argjson k "$k" \
		'[.. | objects | select(has("steady") and .algorithm == $a and .k == $k)][0].steady == true' \
		>/dev/null
}

# profile_entries FILE [ALGO K]: size of that database ("-" when unreadable).
profile_entries() {
	local f=$1 algo=${2:-stide} k=${3:-4} n
	n=$(profile_json "$f" | jq --arg a "$algo" --argjson k "$k" \
		'[.. | objects | select(has("steady") and .algorithm == $a and .k == $k)][0].entries' 2>/dev/null)
	echo "${n:--}"
}

# monitors_idle RUN_DIR: no monitor status files left (every monitor saved and exited).
monitors_idle() { ! compgen -G "$1/monitors/*.json" >/dev/null; }

# wait_monitors RUN_DIR [TIMEOUT]
wait_monitors() { wait_for "${2:-15}" monitors_idle "$1" || fail "a monitor did not exit: $(ls "$1/monitors" 2>&1)"; }

# anomaly_count ALERTS KEY: anomalous-window alerts for profile KEY.
anomaly_count() {
	[ -s "$1" ] || { echo 0; return; }
	jq -c --arg k "$2" 'select(.rule == "cids_anomalous_window" and .output_fields["cids.profile"] == $k)' \
		"$1" | wc -l
}

# alert_actions ALERTS KEY: the distinct cids.action values of anomalous alerts for KEY.
alert_actions() {
	[ -s "$1" ] || return 0
	jq -r --arg k "$2" 'select(.rule == "cids_anomalous_window" and .output_fields["cids.profile"] == $k)
		| .output_fields["cids.action"]' "$1" | sort -u | tr '\n' ' '
}

# alert_match ALERTS KEY JQ-CONDITION: some anomalous alert for KEY satisfies the condition
# (on .output_fields as "."), e.g. alert_match "$alerts" "$key" '."proc.name" == "nc"'.
alert_match() {
	[ -s "$1" ] || return 1
	jq -c --arg k "$2" "select(.rule == \"cids_anomalous_window\" and .output_fields[\"cids.profile\"] == \$k)
		| .output_fields | select($3)" "$1" | has .
}

# profile_sessions FILE: how many container sessions have added to the profile.
profile_sessions() { profile_json "$1" | jq -r '.provenance.sessions // "-"'; }
