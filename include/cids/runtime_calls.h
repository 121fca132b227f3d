/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The calls an OCI runtime makes under the container's own seccomp filter, after it has loaded
 * the filter and before the workload's execve: never in a profile (learning starts at that
 * execve), yet a filter built from a profile must let them run (common/runtime_calls.c). */
#ifndef CIDS_RUNTIME_CALLS_H
#define CIDS_RUNTIME_CALLS_H

#include <stdbool.h>
#include <stddef.h>

/* The names (x86_64 seccomp names): the calls every container's runtime makes, and with
 * privileged also those of a process with noNewPrivileges false (the runtime then loads the
 * filter before it drops privileges: Docker's default). Up to max of them in out; returns how
 * many there are (CIDS_RUNTIME_CALLS_MAX at most). */
#define CIDS_RUNTIME_CALLS_MAX 64
size_t cids_runtime_calls(bool privileged, const char **out, size_t max);

#endif
