#!/usr/bin/env bash
# Offline CLI: train / profile show / scan / eval on small hand-checked fixtures in every trace
# format, bad input, overwrite protection; then the ADFA-LD figures when the data is present.
. "$(dirname "$0")/lib.sh"
need_cmd jq

CIDS=$CIDS_BUILD/cids
FX=$CIDS_SRC/tests/data/cli
[ -x "$CIDS" ] || fail "no $CIDS; run make"

# json FILE FILTER: one value
jv() { jq -r "$2" "$1"; }
db() { jq -r --arg a "$2" --argjson k "$3" '.databases[] | select(.algorithm == $a and .k == $k) | .entries' "$1"; }

log "help texts carry an example"
for c in train scan eval "profile show"; do
	$CIDS $c --help >"$TMP/help" || fail "cids $c --help failed"
	assert_grep "Example" "$TMP/help"
done

log "adfa: windows never cross traces (hand-checked counts)"
$CIDS train --format adfa -w 3,4 --bosc-windows 3 -o "$TMP/a.prof" "$FX/adfa/train" >"$TMP/out" ||
	fail "train adfa"
$CIDS profile show --json "$TMP/a.prof" >"$TMP/a.json" || fail "profile show"
[ "$(jv "$TMP/a.json" .total_calls)" = 11 ] || fail "total calls $(jv "$TMP/a.json" .total_calls) != 11"
[ "$(jv "$TMP/a.json" .distinct_syscalls)" = 7 ] || fail "distinct syscalls"
[ "$(db "$TMP/a.json" stide 3)" = 5 ] || fail "stide k=3 $(db "$TMP/a.json" stide 3) != 5"
[ "$(db "$TMP/a.json" stide 4)" = 4 ] || fail "stide k=4 != 4"
[ "$(db "$TMP/a.json" bosc 3)" = 5 ] || fail "bosc k=3 != 5"
[ "$(jv "$TMP/a.json" .config.arch)" = i386 ] || fail "arch"
[ "$(jv "$TMP/a.json" '.top_syscalls[0].name')" = exit ] || fail "syscall 1 on i386 is exit"
$CIDS profile show "$TMP/a.prof" >"$TMP/show.txt" || fail "profile show text"
assert_grep "Table II" "$TMP/show.txt"

log "a corrupt profile is refused with a reason"
head -c 100 "$TMP/a.prof" >"$TMP/trunc.prof"
rc=0
$CIDS profile show "$TMP/trunc.prof" >/dev/null 2>"$TMP/err" || rc=$?
[ $rc -eq 2 ] || fail "show of a truncated profile exit $rc"
assert_grep "Cannot load" "$TMP/err"
rc=0
$CIDS scan --profile "$TMP/trunc.prof" "$FX/adfa/normal" >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "scan with a truncated profile exit $rc"

log "train never silently replaces a profile"
cp "$TMP/a.prof" "$TMP/a.bak"
if $CIDS train --format adfa -o "$TMP/a.prof" "$FX/adfa/normal" 2>"$TMP/err"; then
	fail "train overwrote an existing profile"
fi
assert_grep "force" "$TMP/err"
cmp -s "$TMP/a.prof" "$TMP/a.bak" || fail "profile changed by a refused train"
$CIDS train --format adfa -w 3,4 --bosc-windows 3 --force -o "$TMP/a.prof" "$FX/adfa/normal" \
	>/dev/null || fail "--force"
cmp -s "$TMP/a.prof" "$TMP/a.bak" && fail "--force did not replace the profile"
cp "$TMP/a.bak" "$TMP/a.prof"

log "bad input: file:line and exit 2, or skipped with --skip-bad"
rc=0
$CIDS train --format adfa -o "$TMP/bad.prof" "$FX/bad" 2>"$TMP/err" >/dev/null || rc=$?
[ $rc -eq 2 ] || fail "bad input exit $rc != 2"
assert_grep "bad.txt:1: \"x\" is not a system-call number" "$TMP/err"
assert_no_file "$TMP/bad.prof"
$CIDS train --format adfa --skip-bad -o "$TMP/bad.prof" "$FX/bad" >/dev/null 2>"$TMP/err" ||
	fail "--skip-bad"
assert_grep "skipped" "$TMP/err"
rc=0
$CIDS train --format adfa -o "$TMP/x.prof" "$TMP/nonexistent" 2>"$TMP/err" || rc=$?
[ $rc -eq 2 ] || fail "missing path exit $rc"

log "scan: exit 0 on normal traces, 1 with an alarm"
$CIDS scan --profile "$TMP/a.prof" -d stide:3 "$FX/adfa/normal/n1.txt" >"$TMP/scan" ||
	fail "scan of a normal trace alarmed"
rc=0
$CIDS scan --profile "$TMP/a.prof" -d stide:3 --json "$FX/adfa/attack" >"$TMP/scan.json" || rc=$?
[ $rc -eq 1 ] || fail "scan of attacks exit $rc != 1"
[ "$(jv "$TMP/scan.json" .traces_alarmed)" = 2 ] || fail "both attack traces should alarm"
[ "$(jv "$TMP/scan.json" '.traces[0].detectors[0].mismatches')" = 8 ] ||
	fail "a1: 8 windows, all foreign; got $(jv "$TMP/scan.json" '.traces[0].detectors[0].mismatches')"
rc=0
$CIDS scan --profile "$TMP/a.prof" -d stide:6 "$FX/adfa/normal" 2>"$TMP/err" >/dev/null || rc=$?
[ $rc -eq 2 ] || fail "scan with a missing database exit $rc"
rc=0
$CIDS scan --profile "$TMP/a.prof" --frame 20 --threshold 30 "$FX/adfa/normal" >"$TMP/out" 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "scan with an unreachable --threshold exit $rc (it went on scanning)"
assert_grep 'can never be reached' "$TMP/out"
rc=0
$CIDS scan --profile "$TMP/a.prof" -d nope "$FX/adfa/normal" >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "scan with a bad --detector exit $rc"
rc=0
$CIDS eval --format adfa --frame 0 --train "$FX/adfa/train" --normal "$FX/adfa/normal" \
	--attack "$FX/adfa/attack" >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "eval with a bad --frame exit $rc"

log "eval on the fixtures"
$CIDS eval --format adfa -w 3 --bosc-windows 3 --train "$FX/adfa/train" --normal "$FX/adfa/normal" \
	--attack "$FX/adfa/attack" --json >"$TMP/eval.json" || fail "eval"
[ "$(jv "$TMP/eval.json" .normal_traces)" = 2 ] || fail "eval normal traces"
[ "$(jv "$TMP/eval.json" .attack_traces)" = 2 ] || fail "eval attack traces"
[ "$(jq -r '.detectors[] | select(.detector == "stide-rate" and .k == "3") | .auc' "$TMP/eval.json")" = 1 ] ||
	fail "stide-rate auc on separable fixtures should be 1"

log "unm: interleaved processes are separate streams"
$CIDS train --format unm -w 3 --bosc-windows 3 -o "$TMP/u.prof" "$FX/unm.int" >/dev/null || fail "train unm"
$CIDS profile show --json "$TMP/u.prof" >"$TMP/u.json"
[ "$(jv "$TMP/u.json" .total_calls)" = 7 ] || fail "unm calls"
[ "$(db "$TMP/u.json" stide 3)" = 2 ] || fail "unm stide k=3 $(db "$TMP/u.json" stide 3) != 2"
[ "$(jv "$TMP/u.json" .config.arch)" = none ] || fail "unm arch"

log "strace: resumed calls count once, names map to x86_64"
$CIDS train --format strace -o "$TMP/s.prof" "$FX/strace.txt" >/dev/null || fail "train strace"
$CIDS profile show --json --top 0 "$TMP/s.prof" >"$TMP/s.json"
[ "$(jv "$TMP/s.json" .total_calls)" = 8 ] || fail "strace calls $(jv "$TMP/s.json" .total_calls) != 8"
[ "$(jq -r '.top_syscalls[] | select(.name == "read") | .count' "$TMP/s.json")" = 1 ] || fail "read once"
[ "$(jv "$TMP/s.json" .config.clock)" = s ] || fail "strace clock"

log "lid: entry events, exit-only calls counted once"
$CIDS train --format lid -o "$TMP/l.prof" "$FX/lid.sc" >/dev/null || fail "train lid"
$CIDS profile show --json --top 0 "$TMP/l.prof" >"$TMP/l.json"
[ "$(jv "$TMP/l.json" .total_calls)" = 5 ] || fail "lid calls $(jv "$TMP/l.json" .total_calls) != 5"
[ "$(jq -r '.top_syscalls[] | select(.name == "select") | .count' "$TMP/l.json")" = 1 ] || fail "select"

ADFA=$CIDS_SHARED_DATA/ADFA-LD
if [ -d "$ADFA/Training_Data_Master" ]; then
	log "ADFA-LD: 59,885 STIDE k=6 windows and 50,575 BoSC k=10 bags"
	$CIDS train --format adfa -o "$TMP/adfa.prof" "$ADFA/Training_Data_Master" >/dev/null ||
		fail "train ADFA-LD"
	$CIDS profile show --json "$TMP/adfa.prof" >"$TMP/adfa.json"
	[ "$(jv "$TMP/adfa.json" .total_calls)" = 308077 ] || fail "ADFA-LD training calls"
	[ "$(db "$TMP/adfa.json" stide 6)" = 59885 ] || fail "stide k=6 $(db "$TMP/adfa.json" stide 6)"
	[ "$(db "$TMP/adfa.json" bosc 10)" = 50575 ] || fail "bosc k=10 $(db "$TMP/adfa.json" bosc 10)"

	log "ADFA-LD eval: STIDE k=6 AUC >= 0.82, BoSC k=10 >= 0.79"
	$CIDS eval --format adfa --train "$ADFA/Training_Data_Master" \
		--normal "$ADFA/Validation_Data_Master" --attack "$ADFA/Attack_Data_Master" \
		--json >"$TMP/adfa-eval.json" || fail "eval ADFA-LD"
	auc() { jq -r --arg d "$1" --arg k "$2" '.detectors[] | select(.detector == $d and .k == $k) | .auc' "$TMP/adfa-eval.json"; }
	s6=$(auc stide-rate 6)
	b10=$(auc bosc-rate 10)
	log "stide-rate k=6 AUC $s6, bosc-rate k=10 AUC $b10"
	jq -e --argjson s "$s6" --argjson b "$b10" -n '$s >= 0.82 and $b >= 0.79' >/dev/null ||
		fail "AUC below the goal: stide k=6 $s6, bosc k=10 $b10"
	[ "$(jv "$TMP/adfa-eval.json" .normal_traces)" = 4372 ] || fail "validation traces"
	[ "$(jv "$TMP/adfa-eval.json" .attack_traces)" = 746 ] || fail "attack traces"
else
	log "ADFA-LD not found under $CIDS_SHARED_DATA: fixture checks only"
fi

XL=$CIDS_SHARED_DATA/UNM/Datasets/UNM/5.xlock
if [ -f "$XL/normal/xlock-synth-unm.tar" ]; then
	log "UNM xlock: tar of gzipped traces, 71 normal and 2 intrusion traces"
	$CIDS eval --format unm --train "$XL/normal/xlock-synth-unm.tar" --split 0.5 \
		--attack "$XL/intrusion/xlock-intrusions.tar.gz" --json >"$TMP/xlock.json" || fail "eval xlock"
	[ $(($(jv "$TMP/xlock.json" .train_traces) + $(jv "$TMP/xlock.json" .normal_traces))) = 71 ] ||
		fail "xlock normal traces"
	[ "$(jv "$TMP/xlock.json" .attack_traces)" = 2 ] || fail "xlock attack traces"
fi

LID=$CIDS_SHARED_DATA/LID-DS-sample
if [ -d "$LID" ]; then
	log "LID-DS sample"
	$CIDS train --format lid --interval 1 -o "$TMP/lidds.prof" "$LID" >/dev/null || fail "train LID-DS"
	$CIDS profile show --json "$TMP/lidds.prof" >"$TMP/lidds.json"
	[ "$(jv "$TMP/lidds.json" .distinct_syscalls)" = 38 ] || fail "LID-DS distinct syscalls"
fi
log "ok"
