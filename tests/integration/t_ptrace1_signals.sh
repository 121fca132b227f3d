#!/usr/bin/env bash
# serial
# ptrace one-stop mode: a signal handler's calls are a stream of their own, though no exit stop
# is seen (tests/integration/signals_scenarios.sh, ptrace1). Without per-depth streams: alerts,
# and kills in enforce.
exec bash "$(dirname "$0")/signals_scenarios.sh" ptrace1
