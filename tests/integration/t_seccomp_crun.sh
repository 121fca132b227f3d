#!/usr/bin/env bash
# long
# The seccomp user-notify backend on crun through cids-runtime (tests/integration/seccomp_scenarios.sh).
exec bash "$(dirname "$0")/seccomp_scenarios.sh" crun
