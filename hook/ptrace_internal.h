/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ptrace tracer's state, shared by hook/ptrace.c (stops, verdicts, thread table and cap,
 * lifecycle) and hook/ptrace_scan.c (attach, joiner scan); no other file's. */
#ifndef CIDS_HOOK_PTRACE_INTERNAL_H
#define CIDS_HOOK_PTRACE_INTERNAL_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "cids/config.h"
#include "cids/session.h"

enum {
	TH_LEARN = 1 << 0,	   /* exec'd into the workload: syscall stops, fed to the session */
	TH_BLOCK_PENDING = 1 << 1, /* set rax = -EPERM at the exit stop */
};

struct thread {
	pid_t tid; /* 0 = free slot */
	pid_t tgid;
	uint8_t flags;
	uint8_t depth;	       /* signal handlers entered and not returned from (rt_sigreturn) */
	uint8_t restart_depth; /* depth + 1 of a call that ended in -ERESTART*, 0 = none */
	uint16_t block_errno;  /* with TH_BLOCK_PENDING: the error the call returns */
	long cur_nr;	       /* the call between its entry and exit stops */
	uint64_t cur_ip, restart_ip;
	long restart_nr;
};

struct tracer {
	struct cids_config cfg;
	struct cids_session *s;
	pid_t init_pid;
	int init_pidfd; /* taken once the init is seized: the container is killed through it */
	unsigned options;
	bool exit_kill;
	bool one_stop; /* PTRACE_O_TRACESECCOMP + PTRACE_CONT: the filter's TRACE stop is the entry
			*/
	struct thread *tab; /* open addressing, linear probing, backward-shift delete */
	unsigned tabsize, nthreads, cap;
	bool cap_alerted, workload_started;
	dev_t ns_dev;
	ino_t ns_ino;
	bool ns_known;
	bool no_scan; /* the container shares our pid namespace: no joiner scan */
	char *cg_dir; /* the container's cgroup (v2) under /sys/fs/cgroup, NULL: scan /proc */
	unsigned cg_dirs;
	bool untraced_alerted, foreign_alerted, filter_alerted;
	struct joiner_watch
		*jw;	/* the exec stop of joiners (hook/joiner.c), NULL: the scan alone */
	bool releasing; /* detaching: stopped joiners are let go, not seized */
	uint64_t verdicts_failed;
	FILE *dump; /* CIDS_MONITOR_DUMP=path: every judged call as "tid depth name" (debugging) */
};

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* --- thread table (hook/ptrace.c) --- */

static inline unsigned slot_of(const struct tracer *t, pid_t tid)
{
	return ((uint32_t)tid * 2654435761u) & (t->tabsize - 1);
}

static inline struct thread *th_find(struct tracer *t, pid_t tid)
{
	for (unsigned i = slot_of(t, tid);; i = (i + 1) & (t->tabsize - 1)) {
		if (t->tab[i].tid == tid)
			return &t->tab[i];
		if (t->tab[i].tid == 0)
			return NULL;
	}
}

/* --- signals (hook/ptrace_signal.c). Never kill() a stored number: a pid outlives its process. */

/* SIGKILL the thread group of tid, a tracee whose exit we have not waited for (so tid is still
 * that thread): tgkill(tgid, tid), which a wrong tgid cannot turn onto another process. */
void tracer_kill_tracee(struct tracer *t, pid_t tid, pid_t tgid);
/* SIGKILL the container: its init, through the pidfd taken when it was seized. */
void tracer_kill_container(struct tracer *t);
/* sig to process tgid found by number (/proc, the cgroup scan, the joiner program): through a
 * pidfd, and only while that number is still a process of the container. 0, -ESRCH (gone),
 * -ESTALE (no longer the container's), -errno. */
int tracer_signal_member(struct tracer *t, pid_t tgid, int sig);

/* NULL past the thread cap (limits.max_threads). */
struct thread *tracer_th_add(struct tracer *t, pid_t tid, pid_t tgid, uint8_t flags);
/* A number field ("Tgid", "PPid", "TracerPid") of /proc/<tid>/status. */
int tracer_proc_status_field(pid_t tid, const char *field, pid_t *ret);
/* Past the thread cap: kill (fail closed) under enforce or on_error deny, else detach. */
bool tracer_cap_kills(const struct tracer *t);
/* The cap's one alert. */
void tracer_cap_reached(struct tracer *t, pid_t tid);
/* A thread we hold no slot for (cap reached) and that is attached to us: kill or let go. */
void tracer_cap_drop(struct tracer *t, pid_t tid, pid_t tgid);

/* --- attach and joiner scan (hook/ptrace_scan.c) --- */

/* Seize every thread of tgid until a pass finds no new one. interrupt: stop each new thread once
 * so that a learning thread is resumed with PTRACE_SYSCALL. ret_new: threads seized. */
int tracer_seize_process(struct tracer *t, pid_t tgid, uint8_t flags, bool interrupt,
			 unsigned *ret_new);
/* After the init is seized: the pid namespace and cgroup the joiner scan compares with, and
 * the exec stop of joiners (hook/joiner.bpf.c) where BPF allows. */
void tracer_scan_init(struct tracer *t);
/* Seize what joined the container since the last scan. */
void tracer_scan_joiners(struct tracer *t);
/* Does the process catch sig (a handler will run)? From SigCgt in /proc/<tid>/status. */
bool tracer_sig_caught(pid_t tid, int sig);

#endif
