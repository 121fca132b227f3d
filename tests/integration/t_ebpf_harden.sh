#!/usr/bin/env bash
# cidsd drops what it no longer needs once its programs are loaded and its socket listens
# (daemon/harden.c over common/harden.c, as the ptrace monitor does): only the capabilities
# for BPF links and maps, other processes' namespaces, kills and profiles stay; no_new_privs;
# a seccomp allow-list. The other t_ebpf_* tests run against this hardened cidsd end to end.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ebpf_lib.sh"

need_root
need_cmd jq
why=$(ebpf_supported) || skip "$why"
# make debug-check runs cidsd unhardened: ASan's runtime makes calls its allow-list does not name
[ -z "${CIDSD_NO_HARDEN:-}" ] || skip "cidsd hardening is off in this run (CIDSD_NO_HARDEN: sanitizer build)"
ensure_tracefs

errs=()
err() { errs+=("$*"); echo "FAIL: $*" >&2; }

CFG=$TMP/config.json
cids_config "$CFG" '.backend = "ebpf"'
cidsd_start "$CFG" --verbose
wait_for 10 grep -q 'Listening on' "$TMP/cidsd.log" || fail "cidsd did not start listening"

status=/proc/$CIDSD_PID/status
grep -E '^(Seccomp|Seccomp_filters|NoNewPrivs|Cap(Inh|Prm|Eff|Bnd|Amb)):' "$status" | sed 's/^/  /'
[ "$(awk '/^Seccomp:/{print $2}' "$status")" = 2 ] || err "cidsd not in seccomp filter mode"
nf=$(awk '/^Seccomp_filters:/{print $2}' "$status")
[ "${nf:-0}" -ge 1 ] || err "no seccomp filter on cidsd (Seccomp_filters ${nf:-missing})"
[ "$(awk '/^NoNewPrivs:/{print $2}' "$status")" = 1 ] || err "no_new_privs not set on cidsd"
# kept: BPF(39) PERFMON(38) MAC_ADMIN(33) SYS_PTRACE(19) KILL(5) FOWNER(3) DAC_READ_SEARCH(2)
# DAC_OVERRIDE(1)
allowed=$(( (1 << 39) | (1 << 38) | (1 << 33) | (1 << 19) | (1 << 5) | (1 << 3) | (1 << 2) | (1 << 1) ))
for set in CapEff CapPrm CapInh CapAmb; do
	v=$((16#$(awk "/^$set:/{print \$2}" "$status")))
	[ $((v & ~allowed)) -eq 0 ] || err "$set has capabilities beyond the needed set: $(printf '%016x' "$v")"
done
eff=$((16#$(awk '/^CapEff:/{print $2}' "$status")))
[ $((eff & (1 << 21))) -eq 0 ] || err "CapEff still holds CAP_SYS_ADMIN"
[ $((eff & (1 << 39))) -ne 0 ] || err "CapEff lacks CAP_BPF (cidsd cannot feed its maps)"
assert_grep 'Hardened: capabilities dropped' "$TMP/cidsd.log"
cidsd_stop
[ ${#errs[@]} -eq 0 ] || fail "${errs[*]}"
log "cidsd hardened"
