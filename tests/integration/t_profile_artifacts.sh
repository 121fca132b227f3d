#!/usr/bin/env bash
# Profiles as reviewed artifacts, the flow of README "Profiles as artifacts", with real runc
# containers under cids-hook and two stores standing for two hosts (staging, production):
#   1. learn on staging (two replicas, one store each), merge the replicas: still steady;
#   2. export --text, diff-friendly (one sorted window per line), import on production:
#      byte-identical to the staging file, same digest in `profile show` and `--json`;
#   3. install on production, enforce: the workload runs clean, an intrusion is blocked;
#   4. a new version of the workload: install --from the old key, learn only the difference
#      (no window of the old profile lost, steady again), `status --profiles` shows the way.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engine_lib.sh"
need_root
need_cmd runc jq cmp diff
CIDS=$CIDS_BUILD/cids
B=$TMP/bundle

# one config per "host"
for h in staging1 staging2 prod; do
	cids_config "$TMP/$h.json" ".mode = \"learn\" | .on_steady = \"stay\" | .enforce.action = \"block\"
		| .store = \"$TMP/$h/store\" | .alerts = \"$TMP/$h/alerts.jsonl\""
	mkdir -p "$TMP/$h/store"
	chmod 0700 "$TMP/$h/store"
done
make_bundle "$B" cids-work 20
workload_install "$B/rootfs"
bundle_add_hook "$B" createRuntime "$CIDS_BUILD/cids-hook" --config "$TMP/staging1.json"

# run_ctr HOST KEY MODE [intrude]: one container of the workload; output in $TMP/out
run_ctr() {
	local host=$1 key=$2 mode=$3 name
	name=$(cname art)
	rm -f "$B/rootfs/cids-intrude"
	[ "${4:-}" = intrude ] && : >"$B/rootfs/cids-intrude"
	bundle_jq "$B" ".annotations[\"io.cids.profile\"] = \"$key\" | .annotations[\"io.cids.mode\"] = \"$mode\"
		| .hooks.createRuntime[0].args = [\"cids-hook\", \"--config\", \"$TMP/$host.json\"]"
	runtime_cleanup runc "$name"
	(cd "$B" && timeout 60 runc run "$name" </dev/null >"$TMP/out" 2>&1) || true
	runc delete --force "$name" >/dev/null 2>&1 || true
	wait_monitors "$TMP/run"
}
# learn_to_steady HOST KEY: runs until the stide k=4 database of KEY is steady (at least 2)
learn_to_steady() {
	local host=$1 key=$2 i
	for i in 1 2 3 4 5 6; do
		run_ctr "$host" "$key" learn
		[ "$i" -ge 2 ] && profile_steady "$TMP/$host/store/$key.profile" && { log "$host/$key steady after $i runs"; return 0; }
	done
	"$CIDS" profile show "$TMP/$host/store/$key.profile"
	fail "$host/$key not steady after 6 runs"
}

# --- 1. learn on staging, two replicas, merged ---
learn_to_steady staging1 web
learn_to_steady staging2 web
"$CIDS" profile merge -o "$TMP/web.profile" "$TMP/staging1/store/web.profile" "$TMP/staging2/store/web.profile" >"$TMP/merge.out" ||
	fail "merge"
cat "$TMP/merge.out"
profile_steady "$TMP/web.profile" || fail "the merge of two steady replicas is not steady"
grep -q 'databases steady' "$TMP/merge.out" || fail "merge summary"

# --- 2. review: text export, import on production ---
"$CIDS" profile export --text "$TMP/web.profile" -o "$TMP/web.cids.txt" || fail "export --text"
head -1 "$TMP/web.cids.txt" | has -x 'cids-profile-text 1' || fail "text header"
grep -q '^window execve ' "$TMP/web.cids.txt" || fail "windows as syscall names"
# one window per line, sorted within each database
LC_ALL=C awk '/^db /{prev=""} /^window /{ if (prev != "" && $0 < prev) { print "unsorted: " prev " > " $0; exit 1 } prev=$0 }' \
	"$TMP/web.cids.txt" || fail "windows not sorted"
# exporting twice gives the same text (what git diff compares)
"$CIDS" profile export --text "$TMP/web.profile" | cmp - "$TMP/web.cids.txt" || fail "export not stable"
"$CIDS" profile import "$TMP/web.cids.txt" -o "$TMP/prod/web.profile" >"$TMP/import.out" || fail "import"
cmp "$TMP/web.profile" "$TMP/prod/web.profile" || fail "import is not byte-identical to the exported profile"
d1=$("$CIDS" profile show --json "$TMP/web.profile" | jq -r .digest)
d2=$("$CIDS" profile show "$TMP/prod/web.profile" | awk '/^Digest/{print $2}')
[[ $d1 =~ ^[0-9a-f]{64}$ ]] && [ "sha256:$d1" = "$d2" ] || fail "digests: $d1 / $d2"
grep -q "sha256:$d1" "$TMP/import.out" || fail "import prints the digest"
"$CIDS" profile import "$TMP/web.cids.txt" -o "$TMP/prod/web.profile" 2>/dev/null && fail "import replaced a file without --force"
# a reviewer's edit that breaks the profile is refused with the line
sed 's/^window execve \(.*\) [0-9]*$/window execve \1 0/' "$TMP/web.cids.txt" >"$TMP/bad.txt"
"$CIDS" profile import "$TMP/bad.txt" -o "$TMP/bad.profile" 2>"$TMP/bad.err" && fail "a zero count was imported"
grep -q 'line [0-9]*:' "$TMP/bad.err" || fail "import error names no line: $(cat "$TMP/bad.err")"
log "export/import: $(grep -c '^window ' "$TMP/web.cids.txt") windows, byte-identical, digest $d1"

# --- 3. install on production, enforce ---
"$CIDS" profile install "$TMP/prod/web.profile" --key web --store "$TMP/prod/store" || fail "install"
d3=$("$CIDS" profile show --json "$TMP/prod/store/web.profile" | jq -r .digest)
[ "$d3" = "$d1" ] || fail "installed digest $d3 differs"
run_ctr prod web enforce
grep -q 'last command exit status 0' "$TMP/out" || { cat "$TMP/out"; fail "normal workload under enforce"; }
[ "$(anomaly_count "$TMP/prod/alerts.jsonl" web)" -eq 0 ] || { tail -3 "$TMP/prod/alerts.jsonl"; fail "false alarm on production"; }
run_ctr prod web enforce intrude
alert_match "$TMP/prod/alerts.jsonl" web '."proc.name" == "nc" and ."cids.action" == "block"' ||
	{ cat "$TMP/out"; fail "intrusion not blocked on production"; }
log "production: clean run without alerts, intrusion blocked"

# --- 4. a new version: start web-v2 from web, learn only the difference ---
"$CIDS" profile install --from web --key web-v2 --store "$TMP/prod/store" >"$TMP/from.out" || fail "install --from"
grep -q 'steady state restarted' "$TMP/from.out" || fail "install --from message"
"$CIDS" status --config "$TMP/prod.json" --profiles >"$TMP/st.out"
cat "$TMP/st.out"
grep -E '^web-v2 +0 ' "$TMP/st.out" | has -E 'stide/4:[0-9]+\([0-9]+ left' || fail "web-v2 not shown as learning"
grep -E '^web +' "$TMP/st.out" | has 'stide/4:[0-9]*(steady)' || fail "web not shown steady"
# version 2 also runs nc at its end: new windows, learned, nothing old lost
for i in 1 2 3 4 5 6; do
	run_ctr prod web-v2 learn intrude
	[ "$i" -ge 2 ] && profile_steady "$TMP/prod/store/web-v2.profile" && break
done
profile_steady "$TMP/prod/store/web-v2.profile" || fail "web-v2 not steady again"
"$CIDS" profile diff "$TMP/prod/store/web.profile" "$TMP/prod/store/web-v2.profile" >"$TMP/diff.out" && fail "no new windows"
grep -q '^stide k=4: 0 only in A, [1-9][0-9]* only in B' "$TMP/diff.out" || { cat "$TMP/diff.out"; fail "web-v2 lost windows or learned none"; }
grep -q '^  > .*connect' "$TMP/diff.out" || fail "nc's connect not among the new windows"
[ "$(anomaly_count "$TMP/prod/alerts.jsonl" web-v2)" -eq 0 ] || fail "alerts while learning web-v2"
log "web-v2: $(grep '^stide k=4' "$TMP/diff.out")"
log "PASS"
