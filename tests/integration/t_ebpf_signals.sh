#!/usr/bin/env bash
# serial
# eBPF backend: a signal handler's calls are a stream of their own, in the kernel's detector and
# in the events cidsd judges (tests/integration/signals_scenarios.sh, ebpf).
exec bash "$(dirname "$0")/signals_scenarios.sh" ebpf
