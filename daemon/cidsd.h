/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Types shared by cidsd.bpf.c (kernel side) and the daemon (user side): fixed-width only, no
 * libc or kernel headers, so both compilers see the same layout.
 *
 * A registered container is identified in the kernel by the inode number of its pid namespace
 * (at the container's nesting level, so a nested `unshare -p` inside the container does not
 * leave the filter). The hash map `containers` maps that inum to a slot and generation; the
 * array `slots` holds the slot's state. A task caches its slot and generation in task storage
 * after the first namespace walk. Events carry slot and generation, so events still in the ring
 * when a slot is reused are dropped, and a cached slot of a container that ended is ignored.
 */
#ifndef CIDSD_H
#define CIDSD_H

#ifndef __bpf__
#include <linux/types.h> /* the BPF side gets the same types from vmlinux.h */
#endif

#define CIDSD_MAX_CONTAINERS 4096u /* registered at once (slots) */
#define CIDSD_MAX_LEVEL	     8u	   /* pid namespace levels checked (kernel allows 32) */

enum cidsd_event_type {
	CIDSD_EV_SYSCALL = 1,	  /* a syscall entry (or a denied call seen at exit) */
	CIDSD_EV_THREAD_EXIT = 2, /* sched_process_exit of a thread */
	CIDSD_EV_EXEC = 3,	  /* an execve/execveat returned 0 (nr says which) */
};

enum cidsd_event_flags {
	CIDSD_EVF_FROM_EXIT =
		1u << 0, /* seen at sys_exit only: denied by seccomp before sys_enter */
	CIDSD_EVF_GROUP_DEAD = 1u << 1, /* thread exit that ended its thread group */
};

struct cidsd_event {
	__u64 ktime; /* CLOCK_MONOTONIC ns, sampled on every 16th event of a CPU, else 0 */
	__u32 slot;  /* container slot */
	__u32 gen;   /* slot generation */
	__u32 tid;   /* host pid namespace */
	__u32 tgid;  /* host pid namespace */
	__s32 nr;    /* syscall number (x86_64), -1 for thread exit */
	__u16 type;  /* enum cidsd_event_type */
	__u16 flags; /* enum cidsd_event_flags */
	__u32 lost;  /* events of this thread lost (ring full) just before this one */
	__u32 pad;
};

/* Value of the `containers` hash map (key: __u32 pid namespace inum). */
struct cidsd_nsref {
	__u32 slot;
	__u32 gen;
};

/* Value of the `slots` array map (index: slot). gen 0 = free slot. */
struct cidsd_container {
	__u32 gen;
	__u32 level;  /* pid namespace level of the container */
	__u32 doomed; /* kill-container decided: every task of it gets SIGKILL at its next syscall
		       */
	__u32 pad;
};

/* Per-slot counters (array map `slot_stats`, index = slot). */
struct cidsd_slot_stats {
	__u64 lost;	      /* all events lost for this slot */
	__u64 lost_untracked; /* lost without a per-thread record (reported as thread 0) */
};

/* Global per-CPU counters (percpu array `stats`, index 0). */
struct cidsd_stats {
	__u64 events;	  /* submitted */
	__u64 from_exit;  /* of which seen at sys_exit only */
	__u64 lost;	  /* ring full */
	__u64 wakeups;	  /* forced wake-ups */
	__u64 since_wake; /* events since this CPU's last forced wake-up */
	__u64 last_ns;	  /* this CPU's last clock sample */
};

#endif
