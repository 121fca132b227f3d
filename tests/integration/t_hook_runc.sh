#!/usr/bin/env bash
# cids-hook (ptrace) with runc, registered as a createRuntime hook: see hook_scenarios.sh.
exec bash "$(dirname "$0")/hook_scenarios.sh" runc createRuntime
