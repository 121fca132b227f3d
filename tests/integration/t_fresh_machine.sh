#!/usr/bin/env bash
# long
# A fresh machine: a fresh clone of this repository in a minimal Debian 12 root (debootstrap
# --variant=minbase, plus make) that has none of the packages cids needs. Inside it, as a user
# who just cloned the repository would:
#   1. `make` as nobody stops with one line, from scripts/deps.sh, saying to run it as root;
#   2. `make` as root with the package registry unreachable (apt proxy 127.0.0.1:9) stops with
#      one line saying so;
#   3. `make -j2` installs the build packages (scripts/deps.sh build), builds everything, and
#      `make -j2 check-unit` passes; a second `make` has nothing to do.
# The clone is of HEAD plus uncommitted changes to tracked files (git stash create), so the test
# checks the tree it runs from. The root runs under chroot in its own mount and PID namespaces:
# the host's packages are not touched and its mounts go away with the namespace. The minbase
# root comes from the Debian mirror this machine's apt uses, and is cached as a tarball in
# $CIDS_TEST_CACHE (default /var/cache/cids-test), rebuilt when missing, together with the .deb
# files the runs download (apt-get autoclean keeps that from growing without bound).
# Cost on 2 cores: about 2 min with the cache, 3.5 min without; up to 9 min when other jobs
# load the machine (first run), hence:
# timeout: 1500
source "$(dirname "$0")/lib.sh"
need_root
# It builds its own tree in the fresh root: nothing in it differs under the sanitizers.
[ "${BUILD:-build}" = build-debug ] && skip "make check runs it; make debug-check need not"
need_cmd debootstrap zstd unshare chroot git tar flock apt-get

CACHE=${CIDS_TEST_CACHE:-/var/cache/cids-test}
BASE=$CACHE/bookworm-minbase.tar.zst
mkdir -p "$CACHE/apt-archives/partial" "$CACHE/debootstrap-debs"
# Runs share the cache: one at a time.
exec {lockfd}>"$CACHE/lock"
flock -w 1200 "$lockfd" || fail "another run holds $CACHE/lock"

mirror=$(apt-get indextargets --format '$(SITE) $(RELEASE) $(TARGET_OF)' 2>/dev/null |
	awk '$2 == "bookworm" && $3 == "deb" { print $1; exit }')
[ -n "$mirror" ] || skip "no Debian 12 (bookworm) mirror in this machine's apt sources"

if [ ! -s "$BASE" ]; then
	log "building $BASE: debootstrap --variant=minbase bookworm from $mirror"
	t0=$SECONDS
	# In its own mount namespace: what debootstrap mounts in the root cannot outlive it.
	unshare --mount --propagation private debootstrap --variant=minbase --include=make \
		--cache-dir="$CACHE/debootstrap-debs" bookworm "$TMP/base" "$mirror" \
		>"$TMP/debootstrap.log" 2>&1 ||
		{ tail -20 "$TMP/debootstrap.log"; fail "debootstrap from $mirror"; }
	rm -rf "$TMP/base/var/cache/apt/archives/"*.deb "$TMP/base/var/lib/apt/lists/"*
	tar --zstd -C "$TMP/base" -cpf "$BASE.new" . && mv "$BASE.new" "$BASE" ||
		fail "could not write $BASE"
	rm -rf "$TMP/base"
	log "built $BASE in $((SECONDS - t0)) s ($(du -h "$BASE" | cut -f1))"
fi

ROOT=$TMP/root
[[ $ROOT == /tmp/cids-it.*/root ]] || fail "unexpected root directory $ROOT"
# Mounts are made only in the namespaces of in_root; should one ever be visible here, take it
# down before lib.sh removes $TMP (never remove through a bind mount).
on_exit "awk -v r='$ROOT/' 'index(\$5, r) == 1 { print \$5 }' /proc/self/mountinfo | sort -r |
	xargs -r -n1 umount -l"
t0=$SECONDS
mkdir -p "$ROOT"
tar --zstd -C "$ROOT" -xpf "$BASE" ||
	{ rm -f "$BASE"; fail "could not unpack $BASE (removed: the next run builds it again)"; }
cp -L /etc/resolv.conf /etc/hosts "$ROOT/etc/" 2>/dev/null || true
# This machine's network settings for apt (a proxy, validity checks of a mirror snapshot).
apt-config dump 2>/dev/null | grep -E '^Acquire::(https?::Proxy|Check-Valid-Until|Check-Date) ' \
	>"$ROOT/etc/apt/apt.conf.d/00host-network" || true

rev=$(git -C "$CIDS_SRC" stash create 2>/dev/null || true)
rev=${rev:-$(git -C "$CIDS_SRC" rev-parse HEAD)} || fail "$CIDS_SRC is not a git repository"
git clone -q --no-checkout "$CIDS_SRC" "$ROOT/src/cids" &&
	git -C "$ROOT/src/cids" checkout -q --detach "$rev" || fail "git clone $CIDS_SRC"
mkdir -p "$ROOT/src/shared/data"
log "root unpacked and $rev cloned in $((SECONDS - t0)) s"

# in_root USER COMMAND: run COMMAND with bash in /src/cids of the root, as USER, with a clean
# environment, in new mount and PID namespaces.
in_root() {
	local user=$1 cmd=$2 home=/root
	[ "$user" = root ] || home=/nonexistent
	unshare --mount --propagation private --pid --fork --kill-child -- bash -c '
		set -e
		r=$1 shared=$2 user=$3 home=$4 cmd=$5
		mount -t proc proc "$r/proc"
		mount -t sysfs -o ro sysfs "$r/sys"	# bpftool reads /sys/kernel/btf/vmlinux
		mount --rbind /dev "$r/dev"
		mount --bind "$CACHE/apt-archives" "$r/var/cache/apt/archives"
		if [ -d "$shared" ]; then mount --bind -o ro "$shared" "$r/src/shared/data"; fi
		exec chroot --userspec="$user:$(id -gn "$user" 2>/dev/null || echo nogroup)" "$r" \
			/usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME="$home" LANG=C.UTF-8 TERM=dumb ${http_proxy:+http_proxy=$http_proxy} \
			bash -c "cd /src/cids && $cmd"
	' in_root "$ROOT" "$CIDS_SHARED_DATA" "$user" "$home" "$cmd"
}
export CACHE

errors=()
bad() { echo "FAIL: $*" >&2; errors+=("$*"); }

# one_line OUT REGEX: OUT (make's output) is one line matching REGEX, besides make's own
# "make: *** [...] Error" lines.
one_line() {
	local lines
	lines=$(grep -av '^make\(\[[0-9]*\]\)\?: \*\*\* ' "$1" || true)
	[ "$(grep -c . <<<"$lines")" -eq 1 ] && grep -Eq -- "$2" <<<"$lines"
}

log "1. make as nobody, nothing installed"
rc=0; in_root nobody 'make' >"$TMP/nobody.out" 2>&1 || rc=$?
sed 's/^/    | /' "$TMP/nobody.out" | head -20
[ $rc -ne 0 ] || bad "make as nobody on a fresh root succeeded"
one_line "$TMP/nobody.out" "^deps: .*needs root: run 'sudo scripts/deps.sh build'" ||
	bad "make as nobody did not stop with one line from deps.sh saying to run it as root"

log "2. make as root, the package registry unreachable (apt proxy 127.0.0.1:9)"
printf 'Acquire::http::Proxy "http://127.0.0.1:9";\nAcquire::https::Proxy "http://127.0.0.1:9";\n' \
	>"$ROOT/etc/apt/apt.conf.d/99unreachable"
rc=0; in_root root 'make' >"$TMP/offline.out" 2>&1 || rc=$?
rm -f "$ROOT/etc/apt/apt.conf.d/99unreachable"
sed 's/^/    | /' "$TMP/offline.out" | head -20
[ $rc -ne 0 ] || bad "make with the registry unreachable succeeded"
one_line "$TMP/offline.out" "^deps: cannot reach the Debian package registry" ||
	bad "make with the registry unreachable did not stop with one line saying so"

log "3. make -j2 as root: installs the build packages, builds; make -j2 check-unit"
t0=$SECONDS
rc=0; in_root root 'make -j2' >"$TMP/make.out" 2>&1 || rc=$?
log "make -j2: exit $rc after $((SECONDS - t0)) s"
{ grep -a '^deps:' "$TMP/make.out" || true; } | sed 's/^/    | /'
if [ $rc -ne 0 ]; then
	tail -30 "$TMP/make.out" | sed 's/^/    | /'
	bad "make -j2 on a fresh root failed (exit $rc)"
else
	grep -aq '^deps: installing' "$TMP/make.out" || bad "make -j2 did not install packages"
	for b in cids cids-hook cids-runtime cidsd; do
		[ -x "$ROOT/src/cids/build/$b" ] || bad "make -j2 did not build build/$b"
	done
	t0=$SECONDS
	rc=0; in_root root 'make -j2 check-unit' >"$TMP/unit.out" 2>&1 || rc=$?
	log "make -j2 check-unit: exit $rc after $((SECONDS - t0)) s: $(tail -1 "$TMP/unit.out")"
	if [ $rc -ne 0 ] || ! tail -1 "$TMP/unit.out" | has -E '^[1-9][0-9]* passed, 0 failed'; then
		tail -40 "$TMP/unit.out" | sed 's/^/    | /'
		bad "make check-unit on the fresh root failed"
	fi
	rc=0; in_root root 'make -j2' >"$TMP/again.out" 2>&1 || rc=$?
	{ [ $rc -eq 0 ] && grep -aq "Nothing to be done for 'all'" "$TMP/again.out" &&
		! grep -aq '^deps:' "$TMP/again.out"; } ||
		{ sed 's/^/    | /' "$TMP/again.out" | tail; bad "a second make did something"; }
	in_root root 'apt-get -q autoclean' >/dev/null 2>&1 || true
fi

[ ${#errors[@]} -eq 0 ] || fail "${#errors[@]} problem(s): ${errors[*]}"
log "ok"
