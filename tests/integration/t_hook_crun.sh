#!/usr/bin/env bash
# cids-hook (ptrace) with crun, registered as a prestart hook: see hook_scenarios.sh.
exec bash "$(dirname "$0")/hook_scenarios.sh" crun prestart
