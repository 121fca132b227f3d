/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ptrace backend (hook/ptrace.c; attach and joiner scan in hook/ptrace_scan.c) and the
 * monitor around it (hook/monitor.c). */
#ifndef CIDS_HOOK_TRACER_H
#define CIDS_HOOK_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "cids/config.h"
#include "cids/session.h"

struct tracer;

/*
 * Seize every thread of init_pid (looping over /proc/<pid>/task until no new thread appears)
 * and leave them all running under PTRACE_SYSCALL. exit_kill adds PTRACE_O_EXITKILL (the
 * container dies with the monitor: on_error deny). one_stop: the container's seccomp filter
 * traces every call (SCMP_ACT_TRACE, common/oci_trace.c): PTRACE_O_TRACESECCOMP and
 * PTRACE_CONT, one stop per call. On failure every thread seized so far is detached again. why
 * gets a reason.
 */
int tracer_new(const struct cids_config *cfg, pid_t init_pid, bool exit_kill, bool one_stop,
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

/*
 * The joiner stop (hook/joiner.c, hook/joiner.bpf.c): a BPF program that SIGSTOPs a process of
 * init_pid's pid namespace (or one nested in it) when it exec's untraced by this process, and
 * reports its tgid. init_pid 0 loads a program that matches nothing (the --check-config
 * probe). Needs BTF, CAP_BPF/CAP_SYS_ADMIN and CAP_PERFMON: load before hardening.
 */
struct joiner_watch;
typedef void (*joiner_fn)(void *ud, pid_t tgid, bool at_fork);
/* stop_at_fork (one-stop mode): also SIGSTOP a process forked into the namespace by a parent
 * this process does not trace, before its first instruction; fn gets at_fork true for it. */
int joiner_watch_new(pid_t init_pid, bool stop_at_fork, joiner_fn fn, void *ud,
		     struct joiner_watch **ret, char *why, size_t whylen);
/* Calls fn for each stopped joiner reported since the last call; no system call when there is
 * none. Returns the number of events or -errno. */
int joiner_watch_poll(struct joiner_watch *w);
/* Detach the program (no more stops), then report what is left in the ring (fn lets them go). */
void joiner_watch_stop(struct joiner_watch *w);
uint64_t joiner_watch_stopped(const struct joiner_watch *w);
void joiner_watch_free(struct joiner_watch *w);
int joiner_watch_probe(char *why, size_t whylen);

#endif
