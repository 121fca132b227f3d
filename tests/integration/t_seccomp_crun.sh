#!/usr/bin/env bash
# The seccomp user-notify backend on crun through cids-runtime (tests/integration/seccomp_scenarios.sh).
exec bash "$(dirname "$0")/seccomp_scenarios.sh" crun
