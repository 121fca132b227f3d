/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by hook/joiner.bpf.c and hook/joiner.c: fixed-width types only. */
#ifndef CIDS_HOOK_JOINER_H
#define CIDS_HOOK_JOINER_H

#define JOINER_RING_BYTES 4096 /* 512 events of 8 bytes: joiners come one exec at a time */
#define JOINER_MAX_LEVEL  33   /* pid namespace levels walked (the kernel's MAX_PID_NS_LEVEL 32) */

/* A process of the watched cgroup that exec'd without the monitor tracing it: it was sent
 * SIGSTOP and runs no instruction of its new program until the monitor seizes it. */
struct joiner_event {
	__u32 tgid; /* in the monitor's (the host's) pid namespace */
	__u32 tid;
	__u32 at_fork; /* 1: stopped as it was forked into the namespace (one-stop mode) */
	__u32 pad;
};

/* Counters in .bss: events that did not fit the ring (the monitor's scan still finds those). */
struct joiner_stats {
	__u64 stopped;
	__u64 lost;
};

#endif
