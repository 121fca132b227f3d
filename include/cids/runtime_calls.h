/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The calls an OCI runtime makes under the container's own seccomp filter, after it has loaded
 * the filter and before the workload's execve: never in a profile (learning starts at that
 * execve), yet a filter built from a profile must let them run (common/runtime_calls.c). */
#ifndef CIDS_RUNTIME_CALLS_H
#define CIDS_RUNTIME_CALLS_H

#include <stdbool.h>
#include <stddef.h>

/* By x86_64 seccomp name; privileged: made only by a process with noNewPrivileges false (the
 * runtime then loads the filter before it drops privileges: Docker's default). */
struct cids_runtime_call {
	const char *name;
	bool privileged;
};

#define CIDS_RUNTIME_CALLS_MAX 64
extern const struct cids_runtime_call cids_runtime_calls[];
extern const size_t cids_nruntime_calls; /* <= CIDS_RUNTIME_CALLS_MAX */

#endif
