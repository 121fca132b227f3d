/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Types shared by cidsd.bpf.c (kernel side) and the daemon (user side): fixed-width only, no
 * libc or kernel headers, so both compilers see the same layout.
 *
 * Whose calls count: a task's calls are the workload's once it has made a successful execve in
 * the container, or when it was forked by a task whose calls count (sched_process_fork copies
 * the mark). Before that they are the runtime's: the set-up of the container's init, and of every
 * process that joins the running container from outside (runc/crun/docker/podman exec), whose
 * set-up calls would otherwise look like an intrusion. They never leave the kernel.
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
#define CIDSD_MAX_CTX	     8u	   /* signal handler depths, one stream each (SESSION_MAX_CTX) */

enum cidsd_event_type {
	CIDSD_EV_SYSCALL = 1,	  /* a call that returned (or was denied by seccomp) */
	CIDSD_EV_THREAD_EXIT = 2, /* sched_process_exit of a thread */
	CIDSD_EV_EXEC = 3,	  /* a call that is an execve/execveat that returned 0 */
	CIDSD_EV_ANOMALY = 4,	  /* judged in the kernel: window `win` is anomalous */
	CIDSD_EV_FOREIGN = 5, /* a call of another ABI (i386, int 0x80): nr is its i386 number */
};

enum cidsd_event_flags {
	CIDSD_EVF_GROUP_DEAD = 1u << 1, /* thread exit that ended its thread group */
	CIDSD_EVF_KILLED = 1u << 2,	/* anomaly: the program sent the process SIGKILL */
	CIDSD_EVF_BLOCKED = 1u << 3, /* denied: an LSM hook, or EPERM under block (did nothing) */
};

/*
 * cidsd_container.deny: what the LSM programs deny (with -EPERM) for a workload task of the
 * container, judged at the hook against the task's window state kept by the sys_exit program
 * (the call in flight is read from the task's saved registers). Calls that pass no LSM hook
 * (getpid...) or that seccomp denied are judged at sys_exit only.
 */
enum cidsd_deny {
	CIDSD_DENY_WINDOW = 1u << 0,  /* a call whose window is anomalous (kernel detection on) */
	CIDSD_DENY_FOREIGN = 1u << 1, /* every call of another ABI (i386) */
};

/* cidsd_container.kd_kill: what the program does itself on an anomalous window, while the
 * slot's kill_budget lasts (cidsd refreshes it from the session's kill rate limit). */
enum cidsd_kd_kill {
	CIDSD_KD_KILL_NONE = 0,
	CIDSD_KD_KILL_PROCESS = 1,   /* SIGKILL the process before it runs another instruction */
	CIDSD_KD_KILL_CONTAINER = 2, /* that, and doom the container */
	CIDSD_KD_KILL_UNDENIED = 3,  /* block: kill only a call that was not denied (EPERM) */
};
/* Each also with cidsd_container.kd_kill_only: on the calls of kd_kill_calls alone. */

struct cidsd_event {
	__u64 ktime;   /* CLOCK_MONOTONIC ns, sampled on every 16th event of a CPU, else 0 */
	__u64 win;     /* CIDSD_EV_ANOMALY: the last k calls, 9 bits each, newest lowest */
	__u32 slot;    /* container slot */
	__u32 gen;     /* slot generation */
	__u32 tid;     /* host pid namespace */
	__u32 tgid;    /* host pid namespace */
	__s32 nr;      /* syscall number (x86_64), -1 for thread exit */
	__u16 type;    /* enum cidsd_event_type */
	__u16 flags;   /* enum cidsd_event_flags */
	__u32 lost;    /* events of this thread lost (ring full) just before this one */
	__u16 k;       /* CIDSD_EV_ANOMALY: window size */
	__u16 score;   /* CIDSD_EV_ANOMALY: mismatches in the locality frame, this one included */
	char comm[16]; /* the task's name when it made the call (it may be gone when cidsd looks) */
	__u32 ctx;     /* signal handler depth of the call (0: the thread's normal flow) */
	__u32 pad;
};

/*
 * Detection in the kernel (STIDE, window k <= CIDSD_KD_MAX_K, locality frame <= 64): the
 * container's detection database is copied into a region of the array `kd_table` (an open
 * addressing hash table of 2^kd_bits entries at kd_base: entry = window | CIDSD_KD_USED, 0 =
 * empty; a window sits within CIDSD_KD_PROBES entries of its hash, CIDSD_KD_HASH) and
 * cidsd_container.kd_epoch made non-zero. From then on each task keeps its own window and frame
 * bits, restarted when the epoch changes; its first k-1 calls after that still go to user space
 * (which judges them with the full stream it has), every later call is judged in the kernel
 * and only anomalous windows reach user space. A task forked after that, whose streams are new
 * in user space too, starts them with start symbols when the profile does (kd_pad), and is
 * judged in the kernel from its first call. Numbers from CIDSD_SYM_START on are "other".
 */
#define CIDSD_KD_MAX_K	       7u  /* 9 bits per call in a __u64 */
#define CIDSD_KD_MAX_FRAME     64u /* frame bits in a __u64 */
#define CIDSD_SYM_BITS	       9u
#define CIDSD_SYM_OTHER	       511u /* as cids_sym() in include/cids/engine.h */
#define CIDSD_SYM_START	       510u /* CIDS_SYM_START: no call; numbers from it on are "other" */
#define CIDSD_KD_TABLE_BITS    20u  /* kd_table entries, all containers together (8 MiB) */
#define CIDSD_KD_MIN_BITS      10u  /* smallest region */
#define CIDSD_KD_PROBES	       8u   /* a window is at most this far from its hash */
#define CIDSD_KD_USED	       (1ull << 63)
#define CIDSD_KD_HASH(w, bits) ((__u32)(((w)*0x9e3779b97f4a7c15ull) >> (64 - (bits))))

/* The tolerant model (the session judges, the kernel reports every mismatching window) still acts
 * at once on a call the profile never learned (detection.unseen_calls): with kd_kill_only the
 * program kills on those calls alone, the ones cidsd puts in kd_kill_calls. */
#define CIDSD_KILL_WORDS (CIDSD_SYM_START / 64 + 1)

/* Value of the `containers` hash map (key: __u32 pid namespace inum). */
struct cidsd_nsref {
	__u32 slot;
	__u32 gen;
};

/* Value of the `slots` array map (index: slot). gen 0 = free slot. */
struct cidsd_container {
	__u32 gen;
	__u32 level;	    /* pid namespace level of the container */
	__u32 doomed;	    /* kill-container: each task gets SIGKILL at its next call */
	__u32 kd_epoch;	    /* kernel detection: 0 off, else its epoch (see above) */
	__u32 kd_k;	    /* window size */
	__u32 kd_frame;	    /* locality frame (windows) */
	__u32 kd_threshold; /* anomalous when the frame's mismatches reach this */
	__u32 kd_base;	    /* first entry of the container's region of kd_table */
	__u32 kd_bits;	    /* the region has 2^kd_bits entries */
	__u32 kd_kill;	    /* enum cidsd_kd_kill */
	__u32 deny;	    /* enum cidsd_deny (LSM programs loaded) */
	__u32 kd_pad;	    /* the profile pads streams with start symbols (engine start_pad) */
	__u64 adopted_ns;   /* re-adopted: tasks started before this (CLOCK_MONOTONIC ns) are the
			     * workload's */
	__u32 kd_kill_only; /* kd_kill acts only on a window ending in a call of kd_kill_calls */
	__u32 kd_pad2;
	__u64 kd_kill_calls[CIDSD_KILL_WORDS]; /* bit nr: call nr (< CIDSD_SYM_START) */
};

/* Per-slot counters (array map `slot_stats`, index = slot). */
struct cidsd_slot_stats {
	__u64 lost;	      /* all events lost for this slot */
	__u64 lost_untracked; /* lost without a per-thread record (reported as thread 0) */
	__u64 kd_calls;	      /* calls judged in the kernel (added in batches per thread) */
	__u64 submitted;      /* events put into the ring */
	__u64 lost_share;     /* of lost: dropped because the slot had its share of the ring */
};

/* Global per-CPU counters (percpu array `stats`, index 0). */
struct cidsd_stats {
	__u64 events;	    /* submitted */
	__u64 kd_calls;	    /* calls judged in the kernel */
	__u64 kd_anomalies; /* of which anomalous (sent as CIDSD_EV_ANOMALY) */
	__u64 lost;	    /* ring full */
	__u64 wakeups;	    /* forced wake-ups */
	__u64 since_wake;   /* events since this CPU's last forced wake-up */
	__u64 last_ns;	    /* this CPU's last clock sample */
};

#endif
