#!/usr/bin/env bash
# make install / make uninstall into a DESTDIR: binaries, config (never overwritten), hooks.d
# file, LXC include, store 0700; uninstall removes binaries and hook files, keeps profiles.
. "$(dirname "$0")/lib.sh"
need_cmd make jq install

build_rel=$(realpath --relative-to="$CIDS_SRC" "$CIDS_BUILD")
root=$TMP/root
mk() { make --no-print-directory -s -C "$CIDS_SRC" BUILD="$build_rel" DESTDIR="$root" "$@"; }
mode() { stat -c %a "$1"; }

log "make install PREFIX=/usr/local"
mk install PREFIX=/usr/local >"$TMP/install1.log" 2>&1 || { cat "$TMP/install1.log"; fail "make install failed"; }

bins=(cids cids-hook cids-runtime)
[ -x "$CIDS_BUILD/cidsd" ] && bins+=(cidsd)
for b in "${bins[@]}"; do
	f=$root/usr/local/bin/$b
	[ -x "$f" ] || fail "missing binary $f"
	[ "$(mode "$f")" = 755 ] || fail "$f has mode $(mode "$f")"
	cmp -s "$f" "$CIDS_BUILD/$b" || fail "$f differs from $CIDS_BUILD/$b"
done

conf=$root/etc/cids/config.json
assert_file "$conf"
[ "$(mode "$conf")" = 644 ] || fail "config mode $(mode "$conf")"
jq -e '.runtime.hook == "/usr/local/bin/cids-hook"' "$conf" >/dev/null || fail "config: runtime.hook"
# the installed config is the example (same keys and values apart from the hook path)
diff <(jq -S . "$conf") <(jq -S . "$CIDS_SRC/config.json.example") >/dev/null ||
	fail "installed config differs from config.json.example"
# the installed hook accepts the installed config as it is
"$root/usr/local/bin/cids-hook" --config "$conf" --check-config >"$TMP/check.out" 2>&1 ||
	{ cat "$TMP/check.out"; fail "installed config does not pass cids-hook --check-config"; }
grep -qi 'warn' "$TMP/check.out" && { cat "$TMP/check.out"; fail "installed config gives warnings"; }

hooks=$root/usr/share/containers/oci/hooks.d/cids.json
assert_file "$hooks"
jq -e '.version == "1.0.0"
	and .hook.path == "/usr/local/bin/cids-hook"
	and (.hook.env | any(startswith("PATH=")))
	and .when.annotations["^io\\.cids\\.mode$"] == "^(learn|detect|enforce)$"
	and (.stages | length > 0)
	and (.stages - ["prestart", "createRuntime"] | length == 0)' "$hooks" >/dev/null ||
	{ cat "$hooks"; fail "hooks.d file content"; }
grep -q '@BINDIR@' "$hooks" && fail "unsubstituted @BINDIR@ in $hooks"

lxcconf=$root/usr/share/lxc/config/cids.conf
assert_file "$lxcconf"
[ "$(grep -v '^[[:space:]]*\(#\|$\)' "$lxcconf")" = "lxc.hook.start-host = /usr/local/bin/cids-hook" ] ||
	{ cat "$lxcconf"; fail "LXC include content"; }

for d in var/lib/cids var/lib/cids/profiles; do
	[ "$(mode "$root/$d")" = 700 ] || fail "/$d has mode $(mode "$root/$d"), want 700"
done
[ -d "$root/var/log/cids" ] || fail "no /var/log/cids"
case $(mode "$root/var/log/cids") in 700 | 750) ;; *) fail "/var/log/cids mode $(mode "$root/var/log/cids")" ;; esac

if [ -d "$CIDS_SRC/packaging/systemd" ]; then
	assert_file "$root/etc/systemd/system/cidsd.service"
	grep -q '@BINDIR@' "$root/etc/systemd/system/cidsd.service" && fail "unsubstituted @BINDIR@ in cidsd.service"
fi

man_count=$(find "$CIDS_SRC/docs/man" -name '*.[1-8]' 2>/dev/null | wc -l)
if [ "$man_count" -gt 0 ]; then
	n=$(find "$root/usr/local/share/man" -type f | wc -l)
	[ "$n" -eq "$man_count" ] || fail "installed $n man pages, docs/man has $man_count"
fi

log "edited config survives a second make install"
jq '.mode = "detect" | .learning.interval_s = 7' "$conf" >"$conf.edited" && mv "$conf.edited" "$conf"
sum=$(sha256sum <"$conf")
mk install PREFIX=/usr/local >"$TMP/install2.log" 2>&1 || { cat "$TMP/install2.log"; fail "second make install failed"; }
[ "$(sha256sum <"$conf")" = "$sum" ] || fail "make install overwrote an edited /etc/cids/config.json"
[ ! -e "$conf.new" ] || fail "left $conf.new behind"

log "make uninstall keeps config and profiles"
echo "fake profile" >"$root/var/lib/cids/profiles/web.profile"
echo '{}' >"$root/var/log/cids/alerts.jsonl"
mk uninstall PREFIX=/usr/local >"$TMP/uninstall.log" 2>&1 || { cat "$TMP/uninstall.log"; fail "make uninstall failed"; }
for b in cids cids-hook cids-runtime cidsd; do
	assert_no_file "$root/usr/local/bin/$b"
done
assert_no_file "$hooks"
assert_no_file "$lxcconf"
assert_no_file "$root/etc/systemd/system/cidsd.service"
assert_file "$root/var/lib/cids/profiles/web.profile"
assert_file "$root/var/log/cids/alerts.jsonl"
[ "$(sha256sum <"$conf")" = "$sum" ] || fail "make uninstall touched the config"
[ -z "$(find "$root/usr/local/share/man" -type f 2>/dev/null)" ] || fail "man pages left behind"

log "PREFIX=/usr: every path follows the prefix"
root=$TMP/root2
mk install PREFIX=/usr >"$TMP/install3.log" 2>&1 || { cat "$TMP/install3.log"; fail "make install PREFIX=/usr failed"; }
[ -x "$root/usr/bin/cids-hook" ] || fail "no /usr/bin/cids-hook"
jq -e '.hook.path == "/usr/bin/cids-hook"' "$root/usr/share/containers/oci/hooks.d/cids.json" >/dev/null ||
	fail "hooks.d path with PREFIX=/usr"
grep -qx 'lxc.hook.start-host = /usr/bin/cids-hook' "$root/usr/share/lxc/config/cids.conf" ||
	fail "LXC include with PREFIX=/usr"
jq -e '.runtime.hook == "/usr/bin/cids-hook"' "$root/etc/cids/config.json" >/dev/null ||
	fail "config runtime.hook with PREFIX=/usr"
log "ok"
