// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cidsd kernel side (daemon/cidsd.bpf.c): what its programs share with cidsd and with each
 * other. The settings cidsd writes before load, the maps (filter, slots, ring, statistics, kill
 * budgets, the kernel's window table) and each task's state. Included once, by cidsd.bpf.c:
 * the definitions here are the object's, and the skeleton names them.
 */
#ifndef CIDSD_MAPS_BPF_H
#define CIDSD_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "cidsd.h"

/* Set by the daemon before load. */
const volatile __u32 host_level = 0;		   /* pid namespace level of the daemon */
const volatile __u32 wake_batch = 1024;		   /* force a wake-up every N events per CPU */
const volatile __u64 wake_max_delay_ns = 10000000; /* or when the last one is older than this */
const volatile __u64 ring_half = 8 << 20;	   /* or when the ring is fuller than this */

const volatile __u64 ring_share = 0; /* events of one slot in the ring at once */

__u64 last_wake_ns = 0;
/* Events of each slot that cidsd has taken from the ring (written by cidsd through the mmap'ed
 * .bss after every round; reset with the slot). A slot with ring_share events in flight
 * (submitted - consumed) loses its further call events, so one flooding container cannot take
 * the ring from the others. Anomalies, foreign calls and thread exits are always sent. */
__u64 slot_consumed[CIDSD_MAX_CONTAINERS];

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CIDSD_MAX_CONTAINERS);
	__type(key, __u32);
	__type(value, struct cidsd_nsref);
} containers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CIDSD_MAX_CONTAINERS);
	__type(key, __u32);
	__type(value, struct cidsd_container);
} slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* resized by the daemon before load */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CIDSD_MAX_CONTAINERS);
	__type(key, __u32);
	__type(value, struct cidsd_slot_stats);
} slot_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cidsd_stats);
} stats SEC(".maps");

/* kills the program may still do itself, per slot (decremented here, set by cidsd) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CIDSD_MAX_CONTAINERS);
	__type(key, __u32);
	__type(value, __s64);
} kill_budget SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1u << CIDSD_KD_TABLE_BITS);
	__type(key, __u32);
	__type(value, __u64);
} kd_table SEC(".maps");

/*
 * A call that ends in -ERESTART* is reported; its repeat (the same call, or restart_syscall) is
 * not. Without a signal handler the repeat is the thread's next call (RS_FIRST); with one, the
 * handler's calls come first, up to its rt_sigreturn (RS_HANDLER), and the call after that is
 * the repeat or, when the handler made the call fail with EINTR, not (RS_AFTER).
 */
enum { RS_NONE, RS_FIRST, RS_HANDLER, RS_AFTER };

/* Kernel detection state of one stream: a thread's calls at one signal handler depth (as the
 * ptrace tracer and session_syscall_ctx cut them: a handler's calls, its rt_sigreturn included,
 * are a stream of their own, so a signal arriving at a random point does not scramble the
 * interrupted flow's windows). */
struct kd_stream {
	__u64 win;   /* last calls, 9 bits each, newest lowest */
	__u64 frame; /* mismatch bits of the last 64 judged windows, newest lowest */
	__u32 n;     /* calls in win since kd_epoch, up to k */
	__u32 pad;
};

struct task_state {
	__u32 lost;	  /* events of this task lost since its last delivered one */
	__u32 slot;	  /* cached container slot ... */
	__u32 gen;	  /* ... valid while slots[slot].gen == gen (0: nothing cached) */
	__u32 restart;	  /* RS_* */
	__s32 restart_nr; /* the call that ended in -ERESTART* */
	__u32 kd_epoch;	  /* epoch of the kernel detection state below */
	struct kd_stream st[CIDSD_MAX_CTX]; /* one per signal handler depth */
	__u32 depth;	/* signal handlers entered and not returned from (rt_sigreturn) */
	__u32 kd_calls; /* judged here, not yet added to slot_stats */
	__u32 workload; /* its calls are the workload's (see cidsd.h) */
	__u32 denied;	/* an LSM hook denied the call in flight (cleared at its exit) */
	__u32 doomed;	/* born of an anomalous fork/clone in enforce: killed at its first exit */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} tasks SEC(".maps");

struct resolved {
	struct cidsd_container *c;
	struct task_state *ts;
	__u32 slot;
};

#endif
