#!/usr/bin/env bash
# cids profile export-seccomp: learn a busybox workload (strace recording of it in its own
# root filesystem, cids train --format strace), export the learned calls as a seccomp profile,
# run the workload in runc (and crun) with it as linux.seccomp: the workload runs; unshare(2),
# which the workload never made, fails with EPERM although the container may otherwise do it
# (CAP_SYS_ADMIN is granted, and the same bundle without the filter succeeds); the same with
# noNewPrivileges false, as Docker runs containers (the runtime drops privileges under the filter).
. "$(dirname "$0")/lib.sh"
need_root
need_cmd runc strace jq busybox chroot
CIDS=$CIDS_BUILD/cids

W='ls / >/dev/null; cat /etc/hostname; unshare --help >/dev/null 2>&1; echo workload-ok'
PROBE='unshare -u hostname changed; echo unshare-rc=$?'

mkdir -p "$TMP/b"
make_rootfs "$TMP/b/rootfs"
log "recording the workload"
strace -f -ttt -o "$TMP/wl.strace" chroot "$TMP/b/rootfs" /bin/sh -c "$W" >/dev/null
"$CIDS" train --format strace -o "$TMP/wl.profile" "$TMP/wl.strace" >/dev/null
"$CIDS" profile export-seccomp "$TMP/wl.profile" -o "$TMP/seccomp.json"

# shape of the profile
jq -e '.defaultAction == "SCMP_ACT_ERRNO" and .defaultErrnoRet == 1' "$TMP/seccomp.json" >/dev/null ||
	fail "default action"
jq -e '.architectures == ["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"]' "$TMP/seccomp.json" >/dev/null ||
	fail "architectures"
jq -e '.syscalls | length == 1 and .[0].action == "SCMP_ACT_ALLOW"' "$TMP/seccomp.json" >/dev/null || fail "rules"
names=$(jq -r '.syscalls[0].names[]' "$TMP/seccomp.json")
for n in execve getdents64 exit_group; do grep -qx "$n" <<<"$names" || fail "$n not allowed"; done
if grep -qx unshare <<<"$names"; then fail "unshare allowed although never learned"; fi
# exactly the learned set (+ runtime extras): every name the trace used is there
for n in $(sed -n 's/^[0-9]* [0-9.]* \([a-z0-9_]*\)(.*/\1/p' "$TMP/wl.strace" | sort -u); do
	grep -qx "$n" <<<"$names" || fail "learned call $n missing"
done
"$CIDS" profile export-seccomp "$TMP/wl.profile" -o - --action kill --no-runtime-extras >"$TMP/kill.json"
jq -e '.defaultAction == "SCMP_ACT_KILL_PROCESS" and (has("defaultErrnoRet") | not)' "$TMP/kill.json" >/dev/null ||
	fail "--action kill"
[ "$(jq '.syscalls[0].names | length' "$TMP/kill.json")" -lt "$(jq '.syscalls[0].names | length' "$TMP/seccomp.json")" ] ||
	fail "--no-runtime-extras changed nothing"
if "$CIDS" profile export-seccomp "$TMP/wl.profile" -o "$TMP/x.json" --action bogus 2>/dev/null; then
	fail "bad --action accepted"
fi

(cd "$TMP/b" && runc spec)
args=$(jq -cn --arg c "$W; $PROBE" '["/bin/sh","-c",$c]')
bundle_jq "$TMP/b" ".process.terminal = false | .process.args = $args | .root.readonly = false
	| .process.capabilities |= with_entries(.value += [\"CAP_SYS_ADMIN\"])"
cp "$TMP/b/config.json" "$TMP/b/config.nofilter.json"
bundle_jq "$TMP/b" ".linux.seccomp = $(jq -c . "$TMP/seccomp.json")"
cp "$TMP/b/config.json" "$TMP/b/config.filter.json"
# as Docker runs it: without noNewPrivileges the runtime drops privileges under the filter
bundle_jq "$TMP/b" ".process.noNewPrivileges = false"
cp "$TMP/b/config.json" "$TMP/b/config.filter-privileged.json"

run_in() { # RUNTIME CONFIG OUT
	local rt=$1 cfg=$2 out=$3 name
	name=$(cname seccomp)
	cp "$TMP/b/config.$cfg.json" "$TMP/b/config.json"
	runtime_cleanup "$rt" "$name"
	(cd "$TMP/b" && timeout 30 "$rt" run "$name" >"$out" 2>&1) || { cat "$out"; fail "$rt run ($cfg) failed"; }
	"$rt" delete --force "$name" >/dev/null 2>&1 || true
}

runtimes=(runc)
if command -v crun >/dev/null; then ensure_crun_cgroups; runtimes+=(crun); fi
for rt in "${runtimes[@]}"; do
	log "$rt without the filter"
	run_in "$rt" nofilter "$TMP/$rt.nofilter.out"
	assert_grep workload-ok "$TMP/$rt.nofilter.out"
	assert_grep unshare-rc=0 "$TMP/$rt.nofilter.out"
	log "$rt with the exported filter"
	run_in "$rt" filter "$TMP/$rt.filter.out"
	cat "$TMP/$rt.filter.out"
	assert_grep workload-ok "$TMP/$rt.filter.out"
	assert_grep 'unshare(0x4000000): Operation not permitted' "$TMP/$rt.filter.out"
	assert_grep unshare-rc=1 "$TMP/$rt.filter.out"
	log "$rt with the exported filter, noNewPrivileges false"
	run_in "$rt" filter-privileged "$TMP/$rt.filter-privileged.out"
	assert_grep workload-ok "$TMP/$rt.filter-privileged.out"
	assert_grep unshare-rc=1 "$TMP/$rt.filter-privileged.out"
done
log "ok: ${#runtimes[@]} runtimes, $(wc -l <<<"$names") syscalls allowed"
