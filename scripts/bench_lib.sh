#!/usr/bin/env bash
# Helpers of the benches that time a workload in a runc container, untraced and through
# cids-runtime, runs interleaved (bench_seccomp.sh, bench_backends.sh). Source after
# tests/integration/lib.sh.

# bench_need: root, runc and cids-runtime's binaries, or the section says n/a and ends (exit 0:
# make bench goes on with the others)
bench_need() {
	local b
	[ "$(id -u)" -eq 0 ] || { echo "n/a: needs root"; exit 0; }
	command -v runc >/dev/null || { echo "n/a: needs runc"; exit 0; }
	for b in cids-runtime cids-notify cids-hook; do
		[ -x "$CIDS_BUILD/$b" ] || { echo "n/a: $b not built"; exit 0; }
	done
}

# bench_http_workload N: busybox httpd in the container, N wget requests to it over its lo
bench_http_workload() {
	printf '%s' 'mkdir -p /www; echo hello >/www/index.html; ip link set lo up; httpd -p 127.0.0.1:8080 -h /www; sleep 0.2
i=0; while [ $i -lt '"$1"' ]; do wget -q -O /dev/null http://127.0.0.1:8080/index.html; i=$((i + 1)); done'
}

# bench_bundle DIR: a busybox bundle whose process may bring lo up (CAP_NET_ADMIN); each run's
# config.json is derived from DIR/config.base. Returns 1 when no bundle can be made.
bench_bundle() {
	make_bundle "$1" /bin/true >/dev/null 2>&1 || return 1
	bundle_jq "$1" '.process.capabilities.bounding += ["CAP_NET_ADMIN"]
		| .process.capabilities.effective += ["CAP_NET_ADMIN"]
		| .process.capabilities.permitted += ["CAP_NET_ADMIN"]'
	cp "$1/config.json" "$1/config.base"
}

# bench_run DIR HOW WORKLOAD KEY: one run of WORKLOAD in DIR's bundle, profile key KEY; prints the
# workload's seconds (/proc/uptime inside the container around it: start-up is not counted).
# HOW untraced is plain runc, anything else cids-runtime (with the environment's CIDS_CONFIG).
bench_run() {
	local b=$1 how=$2 w=$3 key=$4 name out args
	name=$(cname bench)
	args=$(jq -cn --arg s "read a _ </proc/uptime; $w; read b _ </proc/uptime; echo T \$a \$b" '["sh","-c",$s]')
	jq ".process.args = $args | .annotations[\"io.cids.profile\"] = \"$key\"" "$b/config.base" >"$b/config.json"
	if [ "$how" = untraced ]; then
		out=$(timeout 600 runc run --bundle "$b" "$name" </dev/null 2>&1)
	else
		out=$(timeout 600 "$CIDS_BUILD/cids-runtime" run --bundle "$b" "$name" </dev/null 2>&1)
	fi
	runc delete --force "$name" >/dev/null 2>&1
	echo "$out" | awk '/^T /{ printf "%.2f\n", $3 - $2 }'
}

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "nan" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b != "nan") printf "%.2fx", b / a; else print "n/a" }'; }
