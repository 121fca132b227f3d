// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cidsd kernel side: raw syscall tracepoints filtered to registered containers, events into a
 * ring buffer woken in batches.
 *
 * Filter cost for a task outside every container: one read of task->thread_pid->level and a
 * compare (host tasks sit at the daemon's own level). A task deeper than that uses the slot
 * cached in its task storage (one storage lookup, one array lookup); without one, the pid
 * namespace inum at each level from the outermost down is looked up, first hit wins, and the
 * result is cached.
 *
 * Calls denied by the container's seccomp filter never reach sys_enter (seccomp runs first in
 * syscall_trace_enter) but do reach sys_exit; a per-task "in syscall" flag (task storage) tells
 * the two apart: an exit without a seen entry is emitted with CIDSD_EVF_FROM_EXIT.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "cidsd.h"

#define SIGKILL 9
/* x86_64 syscall numbers */
#define NR_CLONE    56
#define NR_FORK	    57
#define NR_VFORK    58
#define NR_CLONE3   435
#define NR_EXECVE   59
#define NR_EXECVEAT 322

char LICENSE[] SEC("license") = "GPL";

/* Set by the daemon before load. */
const volatile __u32 host_level = 0;		   /* pid namespace level of the daemon */
const volatile __u32 wake_batch = 1024;		   /* force a wake-up every N events per CPU */
const volatile __u64 wake_max_delay_ns = 10000000; /* or when the last one is older than this */
const volatile __u64 ring_half = 8 << 20;	   /* or when the ring is fuller than this */

__u64 last_wake_ns = 0;

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

struct task_state {
	__u32 in_syscall; /* sys_enter seen, sys_exit not yet */
	__s32 nr;	  /* the call sys_enter saw */
	__u32 lost;	  /* events of this task lost since its last delivered one */
	__u32 slot;	  /* cached container slot ... */
	__u32 gen;	  /* ... valid while slots[slot].gen == gen (0: nothing cached) */
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

static __always_inline bool below_host(struct task_struct *task)
{
	struct pid *pid = task->thread_pid;

	return pid && pid->level > host_level;
}

/* The pid namespace walk: the outermost registered namespace of the task, or NULL. */
static __always_inline struct cidsd_nsref *lookup_ns(struct task_struct *task)
{
	struct pid *pid = task->thread_pid;
	unsigned int level;

	if (!pid)
		return NULL;
	level = pid->level;
	for (__u32 i = 1; i < CIDSD_MAX_LEVEL; i++) {
		struct pid_namespace *ns;
		struct cidsd_nsref *ref;
		__u32 inum;

		if (i <= host_level)
			continue;
		if (i > level)
			break;
		ns = BPF_CORE_READ(pid, numbers[i].ns);
		if (!ns)
			return NULL;
		inum = BPF_CORE_READ(ns, ns.inum);
		ref = bpf_map_lookup_elem(&containers, &inum);
		if (ref)
			return ref;
	}
	return NULL;
}

/* The registered container of task (r->c) and its task storage (r->ts, may be NULL). */
static __always_inline bool resolve(struct task_struct *task, struct resolved *r)
{
	struct cidsd_nsref *ref;
	__u32 slot, gen;

	if (!below_host(task))
		return false; /* the common case: a host task */

	r->ts = bpf_task_storage_get(&tasks, task, 0, 0);
	if (r->ts && r->ts->gen) {
		slot = r->ts->slot;
		r->c = bpf_map_lookup_elem(&slots, &slot);
		if (r->c && r->c->gen == r->ts->gen) {
			r->slot = slot;
			return true;
		}
	}

	ref = lookup_ns(task);
	if (!ref)
		return false;
	slot = ref->slot;
	gen = ref->gen;
	r->c = bpf_map_lookup_elem(&slots, &slot);
	if (!r->c || r->c->gen != gen || gen == 0)
		return false;
	r->slot = slot;
	if (!r->ts)
		r->ts = bpf_task_storage_get(&tasks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (r->ts) {
		r->ts->slot = slot;
		r->ts->gen = gen;
	}
	return true;
}

static __always_inline void count_lost(__u32 slot, struct task_state *ts, struct cidsd_stats *st)
{
	struct cidsd_slot_stats *ss = bpf_map_lookup_elem(&slot_stats, &slot);

	if (st)
		st->lost++;
	if (ss)
		__sync_fetch_and_add(&ss->lost, 1);
	if (ts)
		ts->lost++;
	else if (ss)
		__sync_fetch_and_add(&ss->lost_untracked, 1);
}

static __always_inline void emit(struct resolved *r, __s32 nr, __u16 type, __u16 flags)
{
	struct task_state *ts = r->ts;
	__u32 zero = 0;
	struct cidsd_stats *st = bpf_map_lookup_elem(&stats, &zero);
	struct cidsd_event *e;
	__u64 pid_tgid, now, wake = BPF_RB_NO_WAKEUP;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost(r->slot, ts, st);
		return;
	}
	/* The clock is read on every 16th event of a CPU only (it costs as much as the rest of
	 * this program on some VMs); user space timestamps events by delivery round. */
	now = 0;
	if (!st || (st->since_wake & 15) == 0) {
		now = bpf_ktime_get_ns();
		if (st)
			st->last_ns = now;
	}
	pid_tgid = bpf_get_current_pid_tgid();
	e->ktime = now;
	e->slot = r->slot;
	e->gen = r->c->gen;
	e->tid = (__u32)pid_tgid;
	e->tgid = pid_tgid >> 32;
	e->nr = nr;
	e->type = type;
	e->flags = flags;
	e->lost = 0;
	e->pad = 0;
	if (ts && ts->lost) {
		e->lost = ts->lost;
		ts->lost = 0;
	}

	if (st) {
		st->events++;
		if (flags & CIDSD_EVF_FROM_EXIT)
			st->from_exit++;
		if (++st->since_wake >= wake_batch)
			wake = BPF_RB_FORCE_WAKEUP;
	}
	if (wake != BPF_RB_FORCE_WAKEUP) {
		/* the fill level is checked every 64 events: the ring holds far more than that */
		if ((now && now - last_wake_ns > wake_max_delay_ns) ||
		    (st && (st->since_wake & 63) == 0 &&
		     bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > ring_half))
			wake = BPF_RB_FORCE_WAKEUP;
	}
	if (wake == BPF_RB_FORCE_WAKEUP) {
		last_wake_ns = now ? now : (st ? st->last_ns : 0);
		if (st) {
			st->since_wake = 0;
			st->wakeups++;
		}
	}
	bpf_ringbuf_submit(e, wake);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(cidsd_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct resolved r = {};

	if (!resolve(task, &r))
		return 0;
	if (r.c->doomed)
		bpf_send_signal(SIGKILL);
	if (r.ts) {
		r.ts->in_syscall = 1;
		r.ts->nr = (__s32)id;
	}
	emit(&r, (__s32)id, CIDSD_EV_SYSCALL, 0);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(cidsd_sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_state *ts;
	struct resolved r = {};
	__s32 nr;

	if (!below_host(task))
		return 0;
	/* The common case for a watched task: the entry was seen. A successful execve is
	 * reported: the exec has replaced the image and the other threads are gone, so user space
	 * knows where the workload starts. */
	ts = bpf_task_storage_get(&tasks, task, 0, 0);
	if (ts && ts->in_syscall) {
		nr = ts->nr;
		ts->in_syscall = 0;
		if (ret == 0 && (nr == NR_EXECVE || nr == NR_EXECVEAT) && resolve(task, &r))
			emit(&r, nr, CIDSD_EV_EXEC, 0);
		return 0;
	}
	if (!resolve(task, &r))
		return 0;
	/* No entry seen: the call was stopped before sys_enter (seccomp), or this is a new child
	 * returning 0 from the fork its parent entered (not a call of its own). */
	nr = (__s32)BPF_CORE_READ(regs, orig_ax);
	if (ret == 0 && (nr == NR_CLONE || nr == NR_FORK || nr == NR_VFORK || nr == NR_CLONE3))
		return 0;
	emit(&r, nr, CIDSD_EV_SYSCALL, CIDSD_EVF_FROM_EXIT);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(cidsd_task_exit, struct task_struct *p)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct resolved r = {};
	__u16 flags = 0;

	if (!resolve(task, &r))
		return 0;
	if (task->signal && task->signal->live.counter == 0)
		flags |= CIDSD_EVF_GROUP_DEAD;
	emit(&r, -1, CIDSD_EV_THREAD_EXIT, flags);
	return 0;
}
