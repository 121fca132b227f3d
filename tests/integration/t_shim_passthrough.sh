#!/usr/bin/env bash
# cids-runtime in front of runc and crun: create/run get exactly one hook (a stand-in script
# here, configured through runtime.hook), everything else passes through untouched and behaves
# byte for byte like the real runtime.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd jq runc
SHIM=$CIDS_BUILD/cids-runtime
[ -x "$SHIM" ] || fail "missing $SHIM (run make)"

# The stand-in hook: records its arguments and the OCI state it got on stdin.
HOOK=$TMP/stand-in-hook.sh
cat >"$HOOK" <<EOF
#!/bin/sh
{ echo "args: \$*"; echo "state: \$(cat)"; } >>"$TMP/hook.log"
EOF
chmod 0755 "$HOOK"

runtimes=(runc)
if command -v crun >/dev/null 2>&1; then
	ensure_crun_cgroups
	runtimes+=(crun)
else
	log "crun not installed: testing runc only"
fi

# Documents must be equal once every hook with our path is taken out (and stages left empty).
strip_hook='del(.hooks[]?[]? | select(.path == $h))
	| if .hooks then .hooks |= with_entries(select(.value != [])) else . end
	| if .hooks == {} then del(.hooks) else . end'

hook_count() { jq --arg h "$HOOK" '[.hooks // {} | .[] | .[] | select(.path == $h)] | length' "$1"; }

# same_output DESC CMD...: the wrapper and the real runtime print the same and exit the same.
same_output() {
	local desc=$1 rt=$2; shift 2
	local a_rc b_rc
	"$SHIM" "$@" >"$TMP/a.out" 2>"$TMP/a.err" && a_rc=0 || a_rc=$?
	"$rt" "$@" >"$TMP/b.out" 2>"$TMP/b.err" && b_rc=0 || b_rc=$?
	[ "$a_rc" = "$b_rc" ] || fail "$rt $desc: exit $a_rc through cids-runtime, $b_rc direct"
	cmp -s "$TMP/a.out" "$TMP/b.out" || {
		diff "$TMP/a.out" "$TMP/b.out" | head -20
		fail "$rt $desc: stdout differs"
	}
}

for rt in "${runtimes[@]}"; do
	log "=== $rt"
	rtpath=$(command -v "$rt")
	root=$TMP/root-$rt
	mkdir -p "$root"
	cfg=$TMP/cfg-$rt.json
	cids_config "$cfg" ".runtime.hook = \"$HOOK\" | .runtime.runtimes = [\"$rt\"]"
	export CIDS_CONFIG=$cfg
	: >"$TMP/hook.log"

	# --- version, features, state of nothing: identical ---
	same_output "--version" "$rt" --version
	cmp -s "$TMP/a.err" "$TMP/b.err" || fail "$rt --version: stderr differs"
	same_output "features" "$rt" features
	cmp -s "$TMP/a.err" "$TMP/b.err" || fail "$rt features: stderr differs"
	same_output "state of a missing container" "$rt" --root "$root" state no-such-container
	same_output "list" "$rt" --root "$root" list -q

	# --- create/start/state/exec/kill/delete through the wrapper ---
	b=$TMP/bundle-$rt
	make_bundle "$b" sleep 60
	bundle_add_hook "$b" prestart /bin/true
	bundle_jq "$b" '.x_cids_test = {"keep": [1, 2.50, "é/\\u0001"], "big": "BIGNUM"}
		| .annotations = {"org.example": "v"}'
	# jq would round a uint64 through a double: put the literal in by hand
	sed -i 's/"BIGNUM"/18446744073709551615/' "$b/config.json"
	cp "$b/config.json" "$TMP/orig-$rt.json"
	id=$(cname "pt-$rt")
	runtime_cleanup "$rt --root '$root'" "$id"
	log_json=$TMP/log-$rt.json

	"$SHIM" --root "$root" --log "$log_json" --log-format json create --bundle "$b" "$id" \
		>"$TMP/create.out" 2>"$TMP/create.err" </dev/null || {
		cat "$TMP/create.err" "$log_json" 2>/dev/null
		fail "$rt create through cids-runtime failed"
	}
	[ ! -s "$TMP/create.out" ] || fail "$rt create: the wrapper printed to stdout: $(head -3 "$TMP/create.out")"
	[ "$(hook_count "$b/config.json")" = 1 ] || fail "$rt: expected exactly one cids hook"
	[ "$(jq -r --arg h "$HOOK" '.hooks.createRuntime[-1] | select(.path == $h) | .args[0]' \
		"$b/config.json")" = cids-hook ] || fail "$rt: hook not last at createRuntime"
	jq -e --arg c "$cfg" '.hooks.createRuntime[-1].args == ["cids-hook", "--config", $c]' \
		"$b/config.json" >/dev/null || fail "$rt: hook args lack --config $cfg"
	diff <(jq -S --arg h "$HOOK" "$strip_hook" "$TMP/orig-$rt.json") \
		<(jq -S --arg h "$HOOK" "$strip_hook" "$b/config.json") ||
		fail "$rt: config.json changed beyond the added hook"
	jq -e '.hooks.prestart[0].path == "/bin/true" and .x_cids_test.big == 18446744073709551615' \
		"$b/config.json" >/dev/null || fail "$rt: existing hook or unknown field lost"
	grep -q '18446744073709551615' "$b/config.json" || fail "$rt: uint64 value re-spelled"
	assert_grep "args: --config $cfg" "$TMP/hook.log"  # argv[0] "cids-hook" is checked in config.json above
	assert_grep "\"id\":\"$id\"" "$TMP/hook.log"

	# our log lines: JSON, one object per line, in the runtime's log file
	assert_grep '"msg":"Added cids-hook (createRuntime) to' "$log_json"
	jq -e -s 'length >= 1 and all(.[]; has("level") and has("msg") and has("time"))' \
		"$log_json" >/dev/null || fail "$rt: --log file is not JSON lines: $(cat "$log_json")"

	# state of the created container: same bytes
	same_output "state" "$rt" --root "$root" state "$id"
	jq -e '.status == "created"' "$TMP/a.out" >/dev/null || fail "$rt: state not created"
	"$SHIM" --root "$root" start "$id" || fail "$rt start through cids-runtime"
	same_output "state (running)" "$rt" --root "$root" state "$id"
	jq -e '.status == "running"' "$TMP/a.out" >/dev/null || fail "$rt: state not running"
	same_output "exec" "$rt" --root "$root" exec "$id" echo exec-ok
	[ "$(cat "$TMP/a.out")" = exec-ok ] || fail "$rt exec output"
	same_output "ps" "$rt" --root "$root" ps --format json "$id"
	"$SHIM" --root "$root" kill "$id" KILL || fail "$rt kill through cids-runtime"
	wait_for 10 sh -c "$rt --root '$root' state '$id' | grep -q '\"stopped\"'" ||
		fail "$rt: container did not stop"
	"$SHIM" --root "$root" delete "$id" || fail "$rt delete through cids-runtime"
	same_output "state after delete" "$rt" --root "$root" state "$id"
	# kill/delete of what is gone: same exit codes
	same_output "kill of a deleted container" "$rt" --root "$root" kill "$id" KILL
	same_output "delete of a deleted container" "$rt" --root "$root" delete "$id"

	# --- a second create on the same bundle does not add the hook twice ---
	"$SHIM" --root "$root" --log "$log_json" --log-format json create --bundle "$b" "$id" \
		</dev/null >/dev/null 2>&1 || fail "$rt second create failed"
	[ "$(hook_count "$b/config.json")" = 1 ] || fail "$rt: hook added twice"
	assert_grep 'cids-hook already in' "$log_json"
	"$rt" --root "$root" delete --force "$id"

	# --- run, with the bundle from the working directory and --bundle=, text log ---
	b2=$TMP/bundle2-$rt
	make_bundle "$b2" sh -c 'echo run-ok; exit 3'
	id2=$(cname "run-$rt")
	runtime_cleanup "$rt --root '$root'" "$id2"
	rc=0
	(cd "$b2" && "$SHIM" --root "$root" --log "$TMP/text-$rt.log" run "$id2" \
		>"$TMP/run.out" 2>"$TMP/run.err" </dev/null) || rc=$?
	[ "$rc" = 3 ] || fail "$rt run: exit $rc, want the container's 3 ($(cat "$TMP/run.err"))"
	[ "$(cat "$TMP/run.out")" = run-ok ] || fail "$rt run: stdout '$(cat "$TMP/run.out")'"
	[ "$(hook_count "$b2/config.json")" = 1 ] || fail "$rt run (cwd bundle): no hook"
	assert_grep '^cids-runtime: Added cids-hook' "$TMP/text-$rt.log"
	"$rt" --root "$root" delete --force "$id2" 2>/dev/null || true

	# --- an unparsable config.json is refused with the reason; the runtime never runs ---
	b3=$TMP/bundle3-$rt
	make_bundle "$b3" true
	printf '{"ociVersion": "1.0.2", "process": {' >"$b3/config.json"
	cp "$b3/config.json" "$TMP/broken.json"
	id3=$(cname "bad-$rt")
	rc=0
	"$SHIM" --root "$root" --log "$TMP/bad-$rt.json" --log-format json create --bundle="$b3" \
		"$id3" >"$TMP/bad.out" 2>&1 </dev/null || rc=$?
	[ "$rc" != 0 ] || fail "$rt: broken config.json accepted"
	[ ! -s "$TMP/bad.out" ] || fail "$rt: output on stdout/stderr despite --log: $(cat "$TMP/bad.out")"
	assert_grep '"level":"error","msg":"Refusing to create the container: .*config.json: invalid JSON at byte' "$TMP/bad-$rt.json"
	cmp -s "$b3/config.json" "$TMP/broken.json" || fail "$rt: broken config.json was modified"
	! "$rt" --root "$root" state "$id3" >/dev/null 2>&1 || fail "$rt: container created anyway"

	# --- broken cids config: on_error allow passes through untouched, deny refuses ---
	b4=$TMP/bundle4-$rt
	make_bundle "$b4" true
	cp "$b4/config.json" "$TMP/orig4.json"
	id4=$(cname "allow-$rt")
	runtime_cleanup "$rt --root '$root'" "$id4"
	echo '{"on_error": "allow", "learning": {"sigma": -1}}' >"$TMP/broken-cfg.json"
	CIDS_CONFIG=$TMP/broken-cfg.json "$SHIM" --root "$root" --log "$TMP/allow-$rt.json" \
		--log-format json run --bundle "$b4" "$id4" </dev/null >/dev/null 2>&1 ||
		fail "$rt: on_error allow did not start the container"
	cmp -s "$b4/config.json" "$TMP/orig4.json" || fail "$rt: on_error allow modified config.json"
	assert_grep 'learning.sigma: must be a number >= 0' "$TMP/allow-$rt.json"
	"$rt" --root "$root" delete --force "$id4" 2>/dev/null || true
	echo '{"on_error": "deny", "learning": {"sigma": -1}}' >"$TMP/broken-cfg.json"
	rc=0
	CIDS_CONFIG=$TMP/broken-cfg.json "$SHIM" --root "$root" --log "$TMP/deny-$rt.json" \
		--log-format json create --bundle "$b4" "$id4" </dev/null >/dev/null 2>&1 || rc=$?
	[ "$rc" != 0 ] || fail "$rt: on_error deny started the container"
	assert_grep '"level":"error","msg":"Refusing to create the container: cids configuration is broken: .*learning.sigma' "$TMP/deny-$rt.json"
	! "$rt" --root "$root" state "$id4" >/dev/null 2>&1 || fail "$rt: container created under deny"

	# --- cids-hook missing: on_error decides ---
	jq '.runtime.hook = "/nonexistent/cids-hook" | .on_error = "deny"' "$cfg" >"$TMP/nohook.json"
	rc=0
	CIDS_CONFIG=$TMP/nohook.json "$SHIM" --root "$root" --log "$TMP/nohook-$rt.json" \
		--log-format json create --bundle "$b4" "$id4" </dev/null >/dev/null 2>&1 || rc=$?
	[ "$rc" != 0 ] || fail "$rt: missing hook under on_error deny started the container"
	assert_grep 'Refusing to create the container: cids-hook \\"/nonexistent/cids-hook\\" is not executable' "$TMP/nohook-$rt.json"
	cmp -s "$b4/config.json" "$TMP/orig4.json" || fail "$rt: config.json modified for a missing hook"

	# pass-through commands touch no file: a missing --log directory is not an error for state
	same_output "state with an unusable --log" "$rt" --root "$root" --log /nonexistent/dir/log state "$id4"
	log "$rt ok"
done
log "all ok"
