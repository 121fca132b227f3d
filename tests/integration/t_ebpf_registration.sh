#!/usr/bin/env bash
# cidsd refuses bad registrations with the reason and keeps running (daemon/proto.c called from
# daemon/registry.c):
#  1. records left in <run_dir>/cidsd by a previous daemon that are truncated, empty, oversized
#     or corrupt are removed at start with the reason in the log; a valid record whose container
#     is gone is not re-adopted
#  2. on the socket, short, oversized and invalid messages (tests/fuzz/corpus/cidsd_reg, written
#     by tests/fuzz/gen_cidsd_reg_seeds.c) each get "error: <reason>", and cidsd holds nothing
# No containers: cidsd is started by the test on a socket under $TMP and stopped by pid.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ebpf_lib.sh"

need_root
need_cmd jq
why=$(ebpf_supported) || skip "$why"
SEND=$CIDS_BUILD/tests/helpers/seqpacket_send
[ -x "$SEND" ] || skip "helper not built ($SEND)"
ensure_tracefs

SEEDS=$CIDS_SRC/tests/fuzz/corpus/cidsd_reg
CFG=$TMP/config.json
cids_config "$CFG" '.backend = "ebpf"'
size=$(stat -c %s "$SEEDS/valid_detect")
truncated=$(stat -c %s "$SEEDS/truncated")
state=$TMP/run/cidsd
mkdir -p -m 0700 "$state"

# 1. records of a previous daemon
log "bad records removed at start"
declare -A rec=(
	[4026500001]="truncated|unusable (malformed registration ($truncated bytes, want $size)): removed"
	[4026500002]="oversized|unusable (larger than a registration): removed"
	[4026500003]="|unusable (malformed registration (0 bytes, want $size)): removed"
	[4026500004]="bad_magic|unusable (protocol mismatch (magic 0x73646963 version 1, want version 1)): removed"
	[4026500005]="unterminated_key|unusable (unterminated string field): removed"
	[4026500006]="bad_key|unusable (invalid profile key): removed"
	[4026500007]="pid_1|unusable (invalid container pid 1): removed"
	[4026500008]="valid_detect|"
)
for inum in "${!rec[@]}"; do
	seed=${rec[$inum]%%|*}
	if [ -n "$seed" ]; then cp "$SEEDS/$seed" "$state/$inum.reg"; else : >"$state/$inum.reg"; fi
done
cidsd_start "$CFG"
for inum in "${!rec[@]}"; do
	want="Registration record \"$state/$inum.reg\" ${rec[$inum]#*|}"
	[ -n "${rec[$inum]#*|}" ] || want="Not re-adopting the container of \"$state/$inum.reg\": "
	grep -qF -- "$want" "$TMP/cidsd.log" ||
		{ cat "$TMP/cidsd.log"; fail "record $inum: expected \"$want\""; }
	assert_no_file "$state/$inum.reg"
done
grep -q "re-adopted" "$TMP/cidsd.log" && fail "a bad record was re-adopted"

# 2. bad messages on the socket
log "bad messages refused"
sock=$(jq -r .socket "$CFG")
declare -A msg=(
	[truncated]="error: malformed registration ($truncated bytes, want $size)"
	[oversized]="error: malformed registration ($((size + 1)) bytes, want $size)"
	[bad_magic]="error: protocol mismatch (magic 0x73646963 version 1, want version 1)"
	[bad_version]="error: protocol mismatch (magic 0x63696473 version 2, want version 1)"
	[unterminated_key]="error: unterminated string field"
	[unterminated_bundle]="error: unterminated string field"
	[bad_key]="error: invalid profile key"
	[empty_id]="error: empty container id"
	[bad_mode]="error: invalid mode 3"
	[relative_bundle]="error: bundle profile path must be absolute"
	[pid_1]="error: invalid container pid 1"
)
for seed in "${!msg[@]}"; do
	got=$("$SEND" "$sock" "$SEEDS/$seed") || fail "$seed: no answer from cidsd"
	[ "$got" = "${msg[$seed]}" ] || fail "$seed: got \"$got\", want \"${msg[$seed]}\""
done
printf x >"$TMP/one-byte"
got=$("$SEND" "$sock" "$TMP/one-byte") || fail "one byte: no answer from cidsd"
[ "$got" = "error: malformed registration (1 bytes, want $size)" ] || fail "one byte: got \"$got\""
# A valid message for a pid that is not a container passes the checks and fails later.
got=$("$SEND" "$sock" "$SEEDS/valid_detect") || fail "valid_detect: no answer from cidsd"
case $got in
"error: container pid 4242"* | "error: the container shares the host pid namespace"* | \
	"error: pid namespace"*) ;;
*) fail "valid_detect: got \"$got\"" ;;
esac
assert_grep "Registration of container \"9f3c2a7d1e4b" "$TMP/cidsd.log"

kill -0 "$CIDSD_PID" || fail "cidsd died"
wait_for 5 bash -c "[ \"\$(jq -r .containers '$TMP/run/cidsd.json' 2>/dev/null)\" = 0 ]" ||
	fail "cidsd holds containers: $(cat "$TMP/run/cidsd.json")"
cidsd_stop
log "ok"
