#!/usr/bin/env bash
# serial
# timeout: 1200
# Real servers under cids, short runs (make eval-live has the long ones, and redis and MariaDB):
# the web server with CGI scripts (tests/servers/web.sh), ptrace backend, the default detection
# model and steady-state rule (two container starts, 20,000 quiet calls). Checks what the issue
# asks of a product:
# - learning reaches steady state by itself and the container moves to detect;
# - every attack has its real effect without cids (detect mode), and the ones listed below are
#   detected (the command injection that only writes a file, in orders of calls the CGI scripts
#   make themselves, stays under the tolerant threshold: README "Detection model");
# - enforce (block and kill) never fails a benign request, the server serves throughout, and
#   the attacks listed below are stopped.
# T_SERVERS picks servers (default "web"; "web redis" adds about 5 minutes).
source "$(dirname "$0")/../servers/lib.sh"
need_root
need_cmd runc jq curl socat

# per server: attacks that must be detected, stopped by block, stopped by kill
declare -A MUST_DETECT=([web]="dropped_script reverse_shell post_shell" [redis]="config_write rogue_master post_shell")
declare -A MUST_BLOCK=([web]="reverse_shell dropped_script" [redis]="config_write rogue_master")
declare -A MUST_KILL=([web]="reverse_shell dropped_script post_shell" [redis]="config_write rogue_master post_shell")

for srv in ${T_SERVERS:-web}; do
	log "== $srv"
	out=$TMP/$srv.out
	SRV_BENIGN_S=8 SRV_RESTART_S=15 SRV_LEARN_MAX_S=240 bash "$SRV_DIR/$srv.sh" >"$out" 2>&1 ||
		{ tail -30 "$out"; fail "$srv: the scenario failed"; }
	grep -v '^{' "$out" | tail -20
	r=$(grep '^{' "$out" | tail -1)
	[ -n "$r" ] || fail "$srv: no figures"
	jq -e .steady <<<"$r" >/dev/null || fail "$srv: never steady"
	n=$(jq .attacks <<<"$r")
	[ "$(jq .effect_without_cids <<<"$r")" = "$n" ] || fail "$srv: an attack had no effect without cids: $r"
	for a in ${MUST_DETECT[$srv]}; do
		jq -e --arg a "$a" '.detect[] | select(.name == $a) | .detected' <<<"$r" >/dev/null ||
			fail "$srv: $a was not detected: $r"
	done
	[ "$(jq .false_kills <<<"$r")" = 0 ] || fail "$srv: benign requests failed in enforce: $r"
	for a in ${MUST_BLOCK[$srv]}; do
		jq -e --arg a "$a" '.enforce[] | select(.action == "block") | .attacks[]
			| select(.name == $a) | (.effect | not) and .serving' <<<"$r" >/dev/null ||
			fail "$srv: block did not stop $a (or the server stopped serving): $r"
	done
	for a in ${MUST_KILL[$srv]}; do
		jq -e --arg a "$a" '.enforce[] | select(.action == "kill") | .attacks[]
			| select(.name == $a) | (.effect | not) and .serving' <<<"$r" >/dev/null ||
			fail "$srv: kill did not stop $a (or the server stopped serving): $r"
	done
	log "$srv: $(jq -c '{learn_s, benign_alerts, benign_seconds, false_kills, detected, prevented}' <<<"$r")"
done
