#!/usr/bin/env bash
# ptrace one-stop mode under Docker's default seccomp profile: the calls it denies are seen,
# judged and fail with the profile's errno (tests/integration/t_seccomp_denied.sh, ptrace1).
exec bash "$(dirname "$0")/t_seccomp_denied.sh" ptrace1
