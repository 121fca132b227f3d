#!/usr/bin/env bash
# long
# The ptrace backend with ptrace.one_stop on runc through cids-runtime: one stop per call at the
# container's SCMP_ACT_TRACE filter (tests/integration/seccomp_scenarios.sh, BACKEND ptrace1).
exec bash "$(dirname "$0")/seccomp_scenarios.sh" runc ptrace1
