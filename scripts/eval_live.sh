#!/usr/bin/env bash
# make eval-live: real servers under cids (tests/servers/), long runs, and the figures of #18:
# learning time to steady, false alarms per hour of benign load after steady, false kills
# (benign requests that failed in enforce), detection rate and time to first alert, prevention
# rate in enforce (attack effect absent AND the server served benign load throughout).
#
#   EVAL_SERVERS="web redis mariadb"  EVAL_BACKENDS="ptrace ebpf"  EVAL_RUNTIMES=runc
#   (runc, docker, lxc: tests/servers/lib.sh)  EVAL_BENIGN_S=120
#   EVAL_ACTIONS="block kill"  EVAL_OUT=build/eval-live  EVAL_CONFIG='jq expression'
#   EVAL_CONTROL=1 (each run first puts the same load on the server with no cids: the failed
#   requests the machine gives by itself; 0: not)
# Each run prints one JSON line; all of them go to $EVAL_OUT/report.jsonl and a table to stdout.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export CIDS_BUILD=$PWD/$BUILD CIDS_SRC=$PWD
OUT=${EVAL_OUT:-$BUILD/eval-live}
[[ $OUT = /* ]] || OUT=$PWD/$OUT
mkdir -p "$OUT"
: >"$OUT/report.jsonl"

for s in ${EVAL_SERVERS:-web redis mariadb}; do
	for b in ${EVAL_BACKENDS:-ptrace ebpf}; do
	for r in ${EVAL_RUNTIMES:-runc}; do
		run=$s-$b
		[ "$r" = runc ] || run=$s-$b-$r
		echo "== $s, $b backend, $r" >&2
		SRV_RUNTIME=$r SRV_BACKEND=$b SRV_BENIGN_S=${EVAL_BENIGN_S:-120} SRV_LEARN_MAX_S=${EVAL_LEARN_MAX_S:-900} \
			SRV_ACTIONS=${EVAL_ACTIONS:-block kill} SRV_CONFIG=${EVAL_CONFIG:-} \
			SRV_CONTROL=$([ "${EVAL_CONTROL:-1}" = 0 ] || echo 1) \
			SRV_KEEP=$OUT/$run timeout -k 10 3600 bash "tests/servers/$s.sh" \
			>"$OUT/$run.log" 2>&1
		rc=$?
		line=$(grep '^{' "$OUT/$run.log" | tail -1)
		if [ -n "$line" ]; then
			echo "$line" >>"$OUT/report.jsonl"
		else
			jq -cn --arg s "$s" --arg b "$b" --arg r "$r" --arg rc "$rc" \
				'{server: $s, backend: $b, runtime: $r, error: ("exit " + $rc)}' >>"$OUT/report.jsonl"
			tail -5 "$OUT/$run.log" | sed 's/^/   | /' >&2
		fi
	done
	done
done

echo
printf '| server | backend | runtime | model | learned: T_max / wall / containers | benign alerts (min of load) | false alarms / h | false kills (benign requests failed / acts; without cids) | detected | first alert (max) | prevented: block | prevented: kill |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|\n'
jq -r '
	if .error then "| \(.server) | \(.backend) | \(.runtime) | | \(.error) | | | | | | | |"
	elif (.steady | not) then "| \(.server) | \(.backend) | \(.runtime // "runc") | \(.model // "") | not steady | | | | | | | |"
	else "| \(.server) | \(.backend) | \(.runtime // "runc") | \(.model) | \(.learn_s) s / \(.learn_wall_s) s / \(.learn_containers) | \(.benign_alerts) (\(.benign_seconds / 60 | . * 10 | round / 10)) | \(.false_alarms_per_hour) | \(.false_kills) / \(.benign_acts); \(.control.failures // "-") in \(.control.seconds // "-") s | \(.detected)/\(.attacks) (real: \(.effect_without_cids)/\(.attacks)) | \(.ttfa_max) s | \(.prevented.block // "-")/\(.attacks) | \(.prevented.kill // "-")/\(.attacks) |"
	end' "$OUT/report.jsonl"
echo
echo "per attack: $OUT/report.jsonl; logs, alerts and profiles: $OUT/<server>-<backend>[-<runtime>]/"
