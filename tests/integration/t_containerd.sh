#!/usr/bin/env bash
# containerd (the Kubernetes node runtime): cids-runtime as the runc binary of containerd's runc
# shim (io.containerd.runc.v2), the way a CRI runtime handler with options.BinaryName selects it.
#   - a private containerd (own root, state, sockets, config.toml holding the "cids" handler);
#     its CRI plugin must load the handler with BinaryName = cids-runtime;
#   - a busybox image made here (docker-archive) and imported with `ctr image import`;
#   - `ctr run --runtime io.containerd.runc.v2 --runc-binary cids-runtime` (the same runc options
#     the handler sends) with the annotations containerd's CRI puts on a pod's container: the
#     profile lands in the test's store under the pod key k8s.<namespace>.<container>.<hash>,
#     a second replica (another pod name) continues it to steady state;
#   - io.cids.mode=enforce: the normal workload runs clean, an intrusion is blocked and alerted;
#   - the same through containerd's CRI (cri_pod.py, a small CRI client: RunPodSandbox with
#     runtime_handler "cids", as kubelet does for a RuntimeClass): the pod's container gets the
#     same key as above (so the annotations we gave ctr are the ones the CRI writes), its sandbox
#     is watched under k8s-sandbox.<hash>, and a pod annotated io.cids.mode=enforce (passed by the
#     handler's pod_annotations) has its intrusion blocked.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engine_lib.sh"
need_root
need_cmd containerd ctr containerd-shim-runc-v2 runc jq sha256sum
[ -x "$CIDS_BUILD/cids-runtime" ] && [ -x "$CIDS_BUILD/cids-hook" ] || fail "run make first"
PY=${CIDS_PYTHON:-/usr/bin/python3} # Debian's, with python3-grpcio

D=$TMP/containerd
NS=cids-it-$$
SOCK=$D/containerd.sock
CTD_PID=
mkdir -p "$D"/{root,state,cni/bin,cni/conf}
ctr_() { timeout -k 5 90 ctr --address "$SOCK" -n "$NS" "$@"; }

# Pids of runc shims started for our containerd (exact match on our socket).
our_shims() {
	local p a prev
	for p in /proc/[0-9]*; do
		prev=
		while IFS= read -r -d '' a; do
			if [ "$prev" = -address ] && [ "$a" = "$SOCK" ]; then echo "${p#/proc/}"; break; fi
			prev=$a
		done <"$p/cmdline" 2>/dev/null
	done
}

containerd_stop() {
	local id pid i cg
	if [ -n "$CTD_PID" ] && kill -0 "$CTD_PID" 2>/dev/null; then
		for n in "$NS" k8s.io; do
			for id in $(ctr --address "$SOCK" -n "$n" task ls -q 2>/dev/null); do
				ctr --address "$SOCK" -n "$n" task kill -s KILL "$id" 2>/dev/null
				ctr --address "$SOCK" -n "$n" task delete -f "$id" 2>/dev/null
			done
			for id in $(ctr --address "$SOCK" -n "$n" containers ls -q 2>/dev/null); do
				ctr --address "$SOCK" -n "$n" containers delete "$id" 2>/dev/null
			done
		done
		kill -TERM "$CTD_PID" 2>/dev/null
		for ((i = 0; i < 30; i++)); do kill -0 "$CTD_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$CTD_PID" 2>/dev/null
		wait "$CTD_PID" 2>/dev/null
	fi
	for pid in $(our_shims); do kill -KILL "$pid" 2>/dev/null; done
	sleep 0.2
	for cg in /sys/fs/cgroup/*/"$NS" /sys/fs/cgroup/"$NS"; do
		[ -d "$cg" ] || continue
		find "$cg" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null
		rmdir "$cg" 2>/dev/null
	done
	findmnt -rn -o TARGET | grep -F "$D/" | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	rm -rf "$D"
}
on_exit containerd_stop

# --- the node's configuration: config.toml with the "cids" runtime handler (README) ---
cids_config "$TMP/cids.json" '.mode = "learn" | .on_steady = "stay" | .on_error = "deny"
	| .limits.hook_timeout_s = 20 | .enforce.action = "block" | .allow_container_override = true'
cat >"$D/config.toml" <<EOF
version = 2
root = "$D/root"
state = "$D/state"
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/cids-pause:1"
  # machine quirk: no CAP_SYS_RESOURCE here, so runc cannot set the sandbox's oom_score_adj -998
  restrict_oom_score_adj = true
[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "$D/cni/bin"
  conf_dir = "$D/cni/conf"
[plugins."io.containerd.grpc.v1.cri".containerd]
  default_runtime_name = "runc"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.cids]
    runtime_type = "io.containerd.runc.v2"
    pod_annotations = ["io.cids.*"]
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.cids.options]
      BinaryName = "$CIDS_BUILD/cids-runtime"
EOF

# CIDS_CONFIG reaches cids-runtime and cids-hook: containerd -> shim -> runtime -> hook.
CIDS_CONFIG=$TMP/cids.json containerd --config "$D/config.toml" --log-level info >"$D/containerd.log" 2>&1 &
CTD_PID=$!
if ! wait_for 30 ctr --address "$SOCK" version; then
	tail -20 "$D/containerd.log" >&2
	kill -0 "$CTD_PID" 2>/dev/null || skip "containerd does not start on this machine (log above)"
	fail "containerd did not answer within 30 s"
fi
log "containerd $CTD_PID ($(containerd --version | awk '{print $3}')) at $SOCK"

# The CRI plugin parsed the handler: what a RuntimeClass with handler "cids" selects.
if ctr --address "$SOCK" plugins ls | grep -E '^io\.containerd\.grpc\.v1 +cri ' | has ' ok'; then
	grep -q "cids:{Type:io.containerd.runc.v2 .*Options:map\[BinaryName:$CIDS_BUILD/cids-runtime\]" \
		"$D/containerd.log" || { grep 'Start cri plugin' "$D/containerd.log"; fail "CRI did not load the cids handler"; }
	log "CRI plugin loaded runtime handler \"cids\" (BinaryName $CIDS_BUILD/cids-runtime)"
else
	grep 'cri' "$D/containerd.log" | tail -3
	fail "the CRI plugin did not load the configuration"
fi

# --- busybox images, made here: docker-archives of a busybox-static rootfs (+ the workload) ---
# build_image NAME CMD-JSON
build_image() {
	local name=$1 cmd=$2 dir=$D/image layer cfg
	rm -rf "$dir" && mkdir -p "$dir/layer"
	make_rootfs "$dir/rootfs"
	workload_install "$dir/rootfs"
	tar -C "$dir/rootfs" -cf "$dir/layer.tar" .
	layer=$(sha256sum "$dir/layer.tar" | cut -d' ' -f1)
	mv "$dir/layer.tar" "$dir/layer/$layer.tar"
	jq -n --arg l "sha256:$layer" --argjson cmd "$cmd" '{architecture: "amd64", os: "linux",
		config: {Cmd: $cmd, Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
		rootfs: {type: "layers", diff_ids: [$l]}}' >"$dir/config.json"
	cfg=$(sha256sum "$dir/config.json" | cut -d' ' -f1)
	mv "$dir/config.json" "$dir/layer/$cfg.json"
	jq -n --arg c "$cfg.json" --arg l "$layer.tar" --arg n "$name" \
		'[{Config: $c, RepoTags: [$n], Layers: [$l]}]' >"$dir/layer/manifest.json"
	tar -C "$dir/layer" -cf "$dir.tar" .
	rm -rf "$dir"
	# ctr's namespace, and k8s.io, where the CRI plugin looks
	ctr_ image import "$D/image.tar" >/dev/null || fail "ctr image import $name"
	ctr --address "$SOCK" -n k8s.io image import "$D/image.tar" >/dev/null || fail "ctr -n k8s.io image import $name"
	rm -f "$D/image.tar"
}
build_image localhost/cids-work:1 '["sh"]'
build_image localhost/cids-pause:1 '["/bin/sleep", "1000000"]'
ctr_ image ls -q | has -x localhost/cids-work:1 || fail "image not imported"

# What containerd's CRI adds to a pod container's config.json (pod "web-<hash>" of Deployment
# "web" in namespace "shop", container "app").
cri_ann() { # POD-NAME
	printf -- '--annotation\0%s\0' \
		io.kubernetes.cri.container-type=container \
		io.kubernetes.cri.sandbox-namespace=shop \
		"io.kubernetes.cri.sandbox-name=$1" \
		"io.kubernetes.cri.sandbox-id=$(echo "$1" | sha256sum | cut -c1-64)" \
		io.kubernetes.cri.container-name=app \
		io.kubernetes.cri.image-name=localhost/cids-work:1
}
# crun RUNNAME POD [CTR-RUN-ARG...] -- CMD...: one container through the runc shim + cids-runtime
crun_pod() {
	local name=$1 pod=$2; shift 2
	local -a ann
	mapfile -d '' ann < <(cri_ann "$pod")
	ctr_ run --rm --runtime io.containerd.runc.v2 --runc-binary "$CIDS_BUILD/cids-runtime" \
		"${ann[@]}" "$@"
}

store=$TMP/store alerts=$TMP/log/alerts.jsonl key= steady=0
log "learning: replicas of one pod through containerd"
for run in 1 2 3 4 5 6; do
	out=$(crun_pod "learn$run" "web-7d9c5-r$run" localhost/cids-work:1 "learn$run-$$" cids-work 30 2>&1) ||
		{ echo "$out"; tail -5 "$TMP/log/monitor.log"; fail "learning run $run"; }
	wait_monitors "$TMP/run"
	n=$(find "$store" -name '*.profile' | wc -l)
	[ "$n" = 1 ] || { ls -l "$store"; fail "run $run: $n profiles, want one pod key for every replica"; }
	key=$(basename "$(find "$store" -name '*.profile')" .profile)
	[[ $key =~ ^k8s\.shop\.app\.[0-9a-f]{16}$ ]] || fail "pod key '$key' is not k8s.shop.app.<hash>"
	log "run $run: $key, $(profile_entries "$store/$key.profile") stide k=4 windows"
	if [ $run -ge 2 ] && profile_steady "$store/$key.profile"; then steady=$run; break; fi
done
[ "$steady" -gt 0 ] || { "$CIDS_BUILD/cids" profile show "$store/$key.profile"; fail "not steady after 6 replicas"; }
[ "$(profile_sessions "$store/$key.profile")" = "$steady" ] || fail "replicas did not continue one profile"
[ "$(anomaly_count "$alerts" "$key")" -eq 0 ] || fail "alerts while learning"
grep -q "key \"$key\"" "$TMP/log/monitor.log" || fail "monitor log does not name the key"

log "enforce (pod annotation io.cids.mode, passed by pod_annotations), normal workload"
out=$(crun_pod enf1 web-7d9c5-e1 --annotation io.cids.mode=enforce localhost/cids-work:1 "enf1-$$" cids-work 30 2>&1) ||
	{ echo "$out"; fail "enforce run of the normal workload"; }
wait_monitors "$TMP/run"
grep -q 'last command exit status 0' <<<"$out" || { echo "$out"; fail "normal workload output"; }
[ "$(anomaly_count "$alerts" "$key")" -eq 0 ] || { tail -3 "$alerts"; fail "false alarm in enforce mode"; }

log "enforce, intrusion (nc)"
: >"$TMP/intrude-flag"
rc=0
out=$(crun_pod enf2 web-7d9c5-e2 --annotation io.cids.mode=enforce \
	--mount "type=bind,src=$TMP/intrude-flag,dst=/cids-intrude,options=rbind:ro" \
	localhost/cids-work:1 "enf2-$$" cids-work 30 2>&1) || rc=$?
echo "$out"
[ "$rc" != 124 ] && [ "$rc" != 137 ] || fail "the intrusion run hung"
wait_monitors "$TMP/run"
alert_match "$alerts" "$key" '."proc.name" == "nc" and ."cids.action" == "block"' ||
	{ tail -3 "$alerts"; fail "no block alert for nc"; }
grep -q 'Connection refused' <<<"$out" && fail "nc's connect() ran"
# nc's socket() never ran (its error message may be blocked too: it is new as well)
alert_match "$alerts" "$key" '."proc.name" == "nc" and ."evt.type" == "socket" and ."cids.action" == "block"' ||
	fail "nc's socket() was not blocked"
[ "$(find "$store" -name '*.profile' | wc -l)" = 1 ] || { ls "$store"; fail "enforce runs used another key"; }
log "containerd: $(anomaly_count "$alerts" "$key") alert(s), actions: $(alert_actions "$alerts" "$key")"

# --- the same through the CRI, as kubelet does for a pod with runtimeClassName "cids" ---
"$PY" -c 'import grpc' 2>/dev/null || fail "needs python3-grpcio for the CRI client (scripts/deps.sh)"
cri_pod() { # POD [MODE]: one pod of one container "app" running cids-work 30; output in $TMP/cri.out
	CRI_POD_ANNOTATIONS="io.cids.mode=${2:-learn}" timeout -k 5 120 "$PY" "$CIDS_SRC/tests/integration/cri_pod.py" \
		"$SOCK" cids shop "$1" app localhost/cids-work:1 "/$NS" 60 -- cids-work 30 >"$TMP/cri.out" 2>&1
}
log "CRI: pods through the runtime handler \"cids\" (RunPodSandbox runtime_handler)"
mark=$(wc -l <"$TMP/log/monitor.log")
cri_pod web-7d9c5-k1 || { cat "$TMP/cri.out"; grep -E "level=(error|warning)" "$D/containerd.log" | tail -5; tail -5 "$TMP/log/monitor.log"; fail "CRI pod run"; }
wait_monitors "$TMP/run"
cat "$TMP/cri.out"
grep -qx 'exit 0' "$TMP/cri.out" || fail "the pod's container did not exit 0"
cid=$(awk '/^container /{print $2}' "$TMP/cri.out")
sid=$(awk '/^sandbox /{print $2}' "$TMP/cri.out")
tail -n +$((mark + 1)) "$TMP/log/monitor.log" >"$TMP/cri.monlog"
grep -q "Container \"$cid\" key \"$key\"" "$TMP/cri.monlog" ||
	{ cat "$TMP/cri.monlog"; fail "the CRI container did not get the pod key $key (the one ctr with CRI annotations got)"; }
grep -qE "Container \"$sid\" key \"k8s-sandbox\.[0-9a-f]{16}\"" "$TMP/cri.monlog" ||
	{ cat "$TMP/cri.monlog"; fail "the pod's sandbox was not watched under k8s-sandbox.<hash>"; }
skey=$(grep -o 'k8s-sandbox\.[0-9a-f]*' "$TMP/cri.monlog" | head -1)
log "CRI pod: container $cid continued $key; sandbox under $skey"

log "CRI: a pod annotated io.cids.mode=enforce, with the intrusion"
mark=$(wc -l <"$alerts")
CRI_MOUNT="$TMP/intrude-flag:/cids-intrude" cri_pod web-7d9c5-k2 enforce || { cat "$TMP/cri.out"; fail "CRI enforce pod run"; }
wait_monitors "$TMP/run"
cat "$TMP/cri.out"
cid=$(awk '/^container /{print $2}' "$TMP/cri.out")
tail -n +$((mark + 1)) "$alerts" >"$TMP/cri.alerts"
alert_match "$TMP/cri.alerts" "$key" '."proc.name" == "nc" and ."cids.action" == "block" and ."container.id" == "'"$cid"'"' ||
	{ cat "$TMP/cri.alerts"; fail "no block alert for nc in the CRI pod's container"; }
[ "$(anomaly_count "$TMP/cri.alerts" "$skey")" -eq 0 ] || fail "alerts for the pod's sandbox"
log "CRI enforce pod: $(anomaly_count "$TMP/cri.alerts" "$key") alert(s) for $cid, actions $(alert_actions "$TMP/cri.alerts" "$key")"

# Nothing of ours left running in containerd.
[ -z "$(ctr_ task ls -q)" ] || fail "tasks left: $(ctr_ task ls -q)"
log "PASS"
