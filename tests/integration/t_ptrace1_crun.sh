#!/usr/bin/env bash
# long
# The ptrace backend with ptrace.one_stop on crun through cids-runtime (tests/integration/
# seccomp_scenarios.sh, BACKEND ptrace1): crun's SCMP_ACT_TRACE, and crun exec's process stopped
# at its fork into the container.
exec bash "$(dirname "$0")/seccomp_scenarios.sh" crun ptrace1
