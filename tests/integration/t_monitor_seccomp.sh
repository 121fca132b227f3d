#!/usr/bin/env bash
# The monitor defends itself (issue 6): once attached it runs with its own seccomp filter
# (Seccomp: 2, at least one filter), no_new_privs, and only the capabilities it needs (no
# CAP_SYS_ADMIN, CAP_NET_*, CAP_SETUID, ...). A forbidden call made *inside the monitor* is
# refused: tests/helpers/inject_syscall makes the live monitor execute unshare(0), mount() and
# socket(AF_INET) (all refused with EPERM before the kernel looks at the arguments) and getpid()
# (allowed: shows the injection itself works). The monitor carries on tracing afterwards. The
# seccomp backend's cids-notify the same, and an ioctl other than its listeners' is refused.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"

errs=()
err() { echo "FAIL: $*" >&2; errs+=("$*"); }
INJ=$HELPERS/inject_syscall
[ -x "$INJ" ] || fail "build $INJ first (make all)"
[ "$(uname -m)" = x86_64 ] || skip "inject_syscall is x86_64 only"

cids_config "$TMP/cfg.json" '.mode = "learn" | .on_steady = "stay"'
B=$TMP/b
fl_bundle "$B" seccomp "$TMP/cfg.json" createRuntime sh -c 'while [ ! -e /tmp/stop ]; do ls / >/dev/null; sleep 0.2; done; echo finished'
name=$(cname seccomp)
runtime_cleanup runc "$name"
(cd "$B" && exec runc run "$name" </dev/null >"$TMP/out" 2>"$TMP/err") &
ctr=$!
on_exit "kill $ctr"
wait_for 10 test -s "$(fl_status_file "$name")" || fail "no monitor status file"
mon=$(fl_monitor_pid "$name")
[ -n "$mon" ] && [ -d "/proc/$mon" ] || fail "monitor not running"
sleep 0.3 # hardening happens right after the attach report

status=/proc/$mon/status
grep -E '^(Seccomp|Seccomp_filters|NoNewPrivs|Cap(Inh|Prm|Eff|Bnd|Amb)):' "$status" | sed 's/^/  /'
[ "$(awk '/^Seccomp:/{print $2}' "$status")" = 2 ] || err "monitor not in seccomp filter mode"
nf=$(awk '/^Seccomp_filters:/{print $2}' "$status")
[ "${nf:-0}" -ge 1 ] || err "no seccomp filter on the monitor (Seccomp_filters ${nf:-missing})"
[ "$(awk '/^NoNewPrivs:/{print $2}' "$status")" = 1 ] || err "no_new_privs not set on the monitor"
# allowed: SYS_PTRACE(19) KILL(5) DAC_OVERRIDE(1) DAC_READ_SEARCH(2) FOWNER(3)
allowed=$(( (1 << 19) | (1 << 5) | (1 << 1) | (1 << 2) | (1 << 3) ))
for set in CapEff CapPrm CapInh CapAmb; do
	v=$((16#$(awk "/^$set:/{print \$2}" "$status")))
	[ $((v & ~allowed)) -eq 0 ] || err "$set has capabilities beyond the needed set: $(printf '%016x' "$v")"
	[ $((v & (1 << 21))) -eq 0 ] || err "$set keeps CAP_SYS_ADMIN"
done
[ $((16#$(awk '/^CapEff:/{print $2}' "$status") & (1 << 19))) -ne 0 ] || err "CapEff lacks CAP_SYS_PTRACE (the monitor cannot work)"

inject() { # NAME NR ARGS...: prints the return value
	local out
	out=$("$INJ" "$mon" "${@:2}" 2>"$TMP/inj.err") || { err "inject $1: $(cat "$TMP/inj.err")"; echo none; return; }
	sed -n 's/^ret=//p' <<<"$out"
}
r=$(inject getpid 39)
[ "$r" = "$mon" ] || err "injected getpid returned $r, expected $mon (the injection does not work)"
r=$(inject unshare 272 0)
log "unshare(0) in the monitor: $r"
[ "$r" = -1 ] || err "unshare(0) in the monitor returned $r, expected -1 (EPERM from its seccomp filter)"
r=$(inject mount 165 0 0 0 0 0)
log "mount(NULL...) in the monitor: $r"
[ "$r" = -1 ] || err "mount in the monitor returned $r, expected -1 (EPERM); -14 would mean the kernel ran it"
r=$(inject socket 41 2 1 0)
log "socket(AF_INET) in the monitor: $r"
[ "$r" = -1 ] || err "socket(AF_INET) in the monitor returned $r, expected -1 (EPERM)"
r=$(inject ptrace-self-check 39)
[ "$r" = "$mon" ] || err "monitor no longer answers after the injections"

# still tracing: the status file keeps moving, the container ends normally, the monitor exits
s0=$(jq -r .syscalls "$(fl_status_file "$name")")
sleep 1.5
s1=$(jq -r .syscalls "$(fl_status_file "$name")")
[ "$s1" -gt "$s0" ] || err "the monitor stopped counting after the injections ($s0 -> $s1)"
touch "$B/rootfs/tmp/stop"
set +e
wait "$ctr"
rc=$?
set -e
[ "$rc" -eq 0 ] || err "container exit $rc"
grep -qx finished "$TMP/out" || err "workload did not finish"
fl_wait_no_monitors 10 || err "monitor did not exit"
grep -q 'continuing unhardened' "$TMP/log/monitor.log" && err "the monitor log says it runs unhardened"

fl_sanitizer_report || err "sanitizer reports in the monitor log"
# The seccomp backend's monitor (cids-notify, through cids-runtime) is hardened the same way,
# and its ioctls are only the listeners' own: FIONREAD on fd -1 is refused by its filter (-1,
# EPERM), where SECCOMP_IOCTL_NOTIF_ID_VALID on fd -1 reaches the kernel (-9, EBADF).
cids_config "$TMP/ncfg.json" '.backend = "seccomp" | .mode = "learn" | .on_steady = "stay"
	| .runtime.runtimes = ["runc"]'
NB=$TMP/nb
make_bundle "$NB" sh -c 'while [ ! -e /tmp/stop ]; do ls / >/dev/null; sleep 0.2; done; echo finished'
nname=$(cname notify)
runtime_cleanup runc "$nname"
(CIDS_CONFIG=$TMP/ncfg.json exec "$CIDS_BUILD/cids-runtime" run --bundle "$NB" "$nname" \
	</dev/null >"$TMP/nout" 2>&1) &
nctr=$!
on_exit "kill $nctr"
if wait_for 15 test -s "$TMP/run/monitors/$nname.json"; then
	nmon=$(jq -r .monitor_pid "$TMP/run/monitors/$nname.json")
	sleep 0.3 # hardened before it answers the runtime
	nst=/proc/$nmon/status
	[ "$(readlink "/proc/$nmon/exe")" = "$CIDS_BUILD/cids-notify" ] || err "notify: pid $nmon is not cids-notify"
	[ "$(awk '/^Seccomp:/{print $2}' "$nst")" = 2 ] || err "notify: cids-notify not in seccomp filter mode"
	[ "$(awk '/^NoNewPrivs:/{print $2}' "$nst")" = 1 ] || err "notify: no_new_privs not set on cids-notify"
	mon=$nmon
	r=$(inject getpid 39)
	[ "$r" = "$nmon" ] || err "notify: injected getpid returned $r, expected $nmon"
	r=$(inject ioctl-fionread 16 -1 0x541B)
	log "notify: ioctl(-1, FIONREAD) in cids-notify: $r"
	[ "$r" = -1 ] || err "notify: ioctl(FIONREAD) in cids-notify returned $r, expected -1 (EPERM); -9 would mean the kernel ran it"
	r=$(inject ioctl-id-valid 16 -1 0x40082102)
	log "notify: ioctl(-1, SECCOMP_IOCTL_NOTIF_ID_VALID) in cids-notify: $r"
	[ "$r" = -9 ] || err "notify: the listeners' ioctl returned $r, expected -9 (EBADF: let through to the kernel)"
	r=$(inject unshare 272 0)
	[ "$r" = -1 ] || err "notify: unshare(0) in cids-notify returned $r, expected -1 (EPERM)"
else
	err "notify: no monitor status file: $(head -c 300 "$TMP/nout")"
fi
touch "$NB/rootfs/tmp/stop"
set +e
wait "$nctr"
rc=$?
set -e
[ "$rc" -eq 0 ] || err "notify: container exit $rc: $(head -c 300 "$TMP/nout")"
grep -qx finished "$TMP/nout" || err "notify: the workload did not finish after the injections"
grep -q 'continuing unhardened' "$TMP/log/monitor.log" && err "a monitor log line says it runs unhardened"

if [ ${#errs[@]} -gt 0 ]; then
	printf 'FAIL %s\n' "${errs[@]}"
	exit 1
fi
log "ok"
