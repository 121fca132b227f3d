/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ptrace backend (hook/ptrace.c; attach and joiner scan in hook/ptrace_scan.c) and the
 * monitor around it (hook/monitor.c). */
#ifndef CIDS_HOOK_TRACER_H
#define CIDS_HOOK_TRACER_H

#include <stdbool.h>
#include <sys/types.h>
#include "cids/config.h"
#include "cids/session.h"

struct tracer;

/*
 * Seize every thread of init_pid (looping over /proc/<pid>/task until no new thread appears)
 * and leave them all running under PTRACE_SYSCALL. exit_kill adds PTRACE_O_EXITKILL (the
 * container dies with the monitor: on_error deny). On failure every thread seized so far is
 * detached again. why gets a reason.
 */
int tracer_new(const struct cids_config *cfg, pid_t init_pid, bool exit_kill,
	       struct cids_session *s, struct tracer **ret, char *why, size_t whylen);
/* Run until the last traced thread is gone, or until *stop becomes true (then detach). */
int tracer_run(struct tracer *t, volatile bool *stop);
void tracer_free(struct tracer *t);
unsigned tracer_nthreads(const struct tracer *t);

/* Monitor entry (hook/monitor.c): runs in the detached grandchild; writes "OK\n" or "ERR why\n"
 * on report_fd once attached (or failed), then traces until the container ends. Never returns. */
_Noreturn void monitor_main(const struct cids_config *cfg, const struct session_info *info,
			    int report_fd);

/* Hardening of the monitor after set-up (hook/harden.c): capabilities kept to what tracing,
 * killing and saving need, no_new_privs, seccomp allow-list. */
int monitor_harden(char *why, size_t whylen);

#endif
