// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cidsd kernel side: one program on the raw sys_exit tracepoint, filtered to registered
 * containers, events into a ring buffer woken in batches; optionally STIDE detection in the
 * kernel so that only anomalous windows reach user space (see cidsd.h).
 *
 * Why sys_exit alone: every tracepoint program costs every task on the host (about 23 ns per
 * syscall here for an empty one), and sys_exit sees everything sys_enter would, plus the calls
 * that the container's seccomp filter denied (seccomp runs before sys_enter; those calls reach
 * only sys_exit). Per thread, exits come in the order of the entries. What needs care:
 *  - exit and exit_group never return: sched_process_exit reports them (the call number is
 *    still in the task's saved registers);
 *  - a new task's first exit is its return from clone/fork (ret 0): not a call of its own;
 *  - rt_sigreturn restores the registers, so its orig_ax reads -1;
 *  - a call the kernel restarts after a signal exits twice (-ERESTART* first): counted once;
 *  - a call that blocks is reported when it returns.
 *
 * Filter cost for a task outside every container: one read of task->thread_pid->level and a
 * compare (host tasks sit at the daemon's own level). A task deeper than that uses the slot
 * cached in its task storage (one storage lookup, one array lookup); without one, the pid
 * namespace inum at each level from the outermost down is looked up, first hit wins, and the
 * result is cached.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "cidsd.h"
#include "cids/kabi.h"
#include "cidsd_maps.bpf.h" /* settings, maps, per-task state */

#define SIGKILL	       9
#define EPERM	       1
#define ENOSYS	       38
#define TS_COMPAT      0x0002u	   /* thread_info.status: a 32-bit call is in flight */
#define PF_IO_WORKER   0x00000010u /* task_struct.flags */
#define PF_KTHREAD     0x00200000u
#define COMPAT_NR      0x10000 /* restart bookkeeping: i386 numbers kept apart */
#define KD_FLUSH_CALLS 1024    /* per-thread judged calls added to slot_stats in batches */

char LICENSE[] SEC("license") = "GPL";

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

static __always_inline void emit(struct resolved *r, __s32 nr, __u16 type, __u16 flags, __u64 win,
				 __u16 k, __u16 score)
{
	struct task_state *ts = r->ts;
	__u32 zero = 0;
	struct cidsd_stats *st = bpf_map_lookup_elem(&stats, &zero);
	struct cidsd_slot_stats *ss;
	struct cidsd_event *e;
	__u64 pid_tgid, now, wake = BPF_RB_NO_WAKEUP;

	ss = bpf_map_lookup_elem(&slot_stats, &r->slot);
	if (ring_share && ss && (type == CIDSD_EV_SYSCALL || type == CIDSD_EV_EXEC) &&
	    r->slot < CIDSD_MAX_CONTAINERS &&
	    (__s64)(ss->submitted - slot_consumed[r->slot & (CIDSD_MAX_CONTAINERS - 1)]) >=
		    (__s64)ring_share) {
		__sync_fetch_and_add(&ss->lost_share, 1);
		count_lost(r->slot, ts, st);
		return;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost(r->slot, ts, st);
		return;
	}
	if (ss)
		__sync_fetch_and_add(&ss->submitted, 1);
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
	e->win = win;
	e->k = k;
	e->score = score;
	e->ctx = ts ? ts->depth & (CIDSD_MAX_CTX - 1) : 0;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (ts && ts->lost) {
		e->lost = ts->lost;
		ts->lost = 0;
	}

	if (st) {
		st->events++;
		if (++st->since_wake >= wake_batch)
			wake = BPF_RB_FORCE_WAKEUP;
	}
	if (type == CIDSD_EV_ANOMALY) {
		/* rare by construction, and what user space acts on: no batching */
		wake = BPF_RB_FORCE_WAKEUP;
		if (st)
			st->kd_anomalies++;
	} else if (wake != BPF_RB_FORCE_WAKEUP) {
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

static __always_inline __u64 popcount64(__u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (x * 0x0101010101010101ull) >> 56;
}

static __always_inline void kd_flush(struct resolved *r, struct task_state *ts)
{
	struct cidsd_slot_stats *ss;
	struct cidsd_stats *st;
	__u32 zero = 0;

	if (!ts->kd_calls)
		return;
	ss = bpf_map_lookup_elem(&slot_stats, &r->slot);
	if (ss)
		__sync_fetch_and_add(&ss->kd_calls, ts->kd_calls);
	st = bpf_map_lookup_elem(&stats, &zero);
	if (st)
		st->kd_calls += ts->kd_calls;
	ts->kd_calls = 0;
}

/* Is window key in the container's region of kd_table? */
static __always_inline bool kd_known(struct cidsd_container *c, __u64 key)
{
	__u32 bits = c->kd_bits, base = c->kd_base, mask, h;

	if (bits < CIDSD_KD_MIN_BITS || bits > CIDSD_KD_TABLE_BITS)
		return false;
	mask = (1u << bits) - 1;
	h = CIDSD_KD_HASH(key, bits);
	key |= CIDSD_KD_USED;
#pragma unroll
	for (__u32 i = 0; i < CIDSD_KD_PROBES; i++) {
		__u32 idx = base + ((h + i) & mask);
		__u64 *v = bpf_map_lookup_elem(&kd_table, &idx);

		if (!v || *v == 0)
			return false;
		if (*v == key)
			return true;
	}
	return false;
}

/*
 * The locality-frame count of the window that call sym makes after ts's calls, or 0 when that
 * window is known, or when this call is not judged in the kernel (detection off, or one of the
 * task's first k-1 calls since the epoch: user space judges those). foreign: a call of another
 * ABI, a mismatch whatever the table holds. Changes nothing: the LSM programs ask the same
 * question as the sys_exit program, for the call in flight.
 */
static __always_inline struct kd_stream *cur_stream(struct task_state *ts)
{
	return &ts->st[ts->depth & (CIDSD_MAX_CTX - 1)];
}

static __always_inline __u32 kd_score(struct cidsd_container *c, struct task_state *ts, __u64 sym,
				      bool foreign, __u64 *ret_key, bool *ret_mis)
{
	__u32 epoch = c->kd_epoch, k = c->kd_k, fr = c->kd_frame, thr = c->kd_threshold;
	struct kd_stream *st = cur_stream(ts);
	__u64 key, fbits;

	if (!epoch || k == 0 || k > CIDSD_KD_MAX_K || fr == 0 || fr > CIDSD_KD_MAX_FRAME)
		return 0;
	if (ts->kd_epoch != epoch || st->n + 1 < k)
		return 0;
	key = ((st->win << CIDSD_SYM_BITS) | sym) & ((1ull << (CIDSD_SYM_BITS * k)) - 1);
	*ret_key = key;
	*ret_mis = foreign || !kd_known(c, key);
	if (!*ret_mis)
		return 0;
	fbits = (st->frame << 1) | 1;
	fbits = fr >= 64 ? fbits : fbits & ((1ull << fr) - 1);
	fbits = popcount64(fbits);
	return fbits >= (thr ? thr : 1) ? (__u32)fbits : 0;
}

/* Is sym a call the program kills on (every call, or with kd_kill_only those cidsd listed)? */
static __always_inline bool kd_kills_on(struct cidsd_container *c, __u64 sym)
{
	if (!c->kd_kill_only)
		return true;
	if (sym >= CIDSD_SYM_START)
		return false;
	return (c->kd_kill_calls[(sym >> 6) & (CIDSD_KILL_WORDS - 1)] >> (sym & 63)) & 1;
}

/* In enforce with kill or kill-container (or block, for a call that was not denied), while the
 * slot's budget lasts: at sys_exit the process dies before it runs another instruction. any:
 * whatever the call (one of another ABI, never learned). */
static __always_inline __u16 kd_kill(struct resolved *r, bool denied, __u64 sym, bool any)
{
	struct cidsd_container *c = r->c;
	__s64 *budget;

	if (c->kd_kill == CIDSD_KD_KILL_NONE || (denied && c->kd_kill == CIDSD_KD_KILL_UNDENIED))
		return 0;
	if (!any && !kd_kills_on(c, sym))
		return 0;
	budget = bpf_map_lookup_elem(&kill_budget, &r->slot);
	if (!budget || __sync_fetch_and_add(budget, -1) <= 0)
		return 0;
	bpf_send_signal(SIGKILL);
	if (c->kd_kill == CIDSD_KD_KILL_CONTAINER)
		c->doomed = 1;
	return CIDSD_EVF_KILLED;
}

/*
 * Judge call nr in the kernel when the container has kernel detection on. Returns true when
 * the call is done with (normal, or sent as an anomaly), false when it must go to user space
 * as an ordinary event. denied: an LSM hook denied the call, so it did not happen: it is
 * reported, counts in the frame, and stays out of the window (the next call is judged against
 * the window before it, as the ptrace backend does after a block).
 */
static __always_inline bool kd_judge(struct resolved *r, __s32 nr, bool denied)
{
	struct cidsd_container *c = r->c;
	struct task_state *ts = r->ts;
	__u32 epoch = c->kd_epoch, k = c->kd_k, fr = c->kd_frame;
	struct kd_stream *st;
	__u64 key = 0, sym, win;
	__u16 flags = 0;
	bool mis = false;
	__u32 score;

	if (!epoch || !ts || k == 0 || k > CIDSD_KD_MAX_K || fr == 0 || fr > CIDSD_KD_MAX_FRAME)
		return false;
	if (ts->kd_epoch != epoch) {
		ts->kd_epoch = epoch;
#pragma unroll
		for (__u32 i = 0; i < CIDSD_MAX_CTX; i++) {
			ts->st[i].win = 0;
			ts->st[i].frame = 0;
			ts->st[i].n = 0;
		}
	}
	st = cur_stream(ts);
	sym = (nr < 0 || nr >= CIDSD_SYM_START) ? CIDSD_SYM_OTHER : (__u64)nr;
	if (st->n + 1 < k) {
		st->win = (st->win << CIDSD_SYM_BITS) | sym;
		st->n++; /* user space has this stream whole: it judges these */
		return false;
	}
	score = kd_score(c, ts, sym, false, &key, &mis);
	win = (st->win << CIDSD_SYM_BITS) | sym;
	st->n = k;
	if (++ts->kd_calls >= KD_FLUSH_CALLS)
		kd_flush(r, ts);
	if (score == 0) {
		/* known, or a mismatch under the threshold */
		st->frame = (st->frame << 1) | mis;
		st->win = win;
		return true;
	}
	st->frame = (st->frame << 1) | 1;
	if (denied)
		flags = CIDSD_EVF_BLOCKED;
	else
		st->win = win;
	flags |= kd_kill(r, denied, sym, false);
	emit(r, nr, CIDSD_EV_ANOMALY, flags, key, (__u16)k, (__u16)score);
	return true;
}

static __always_inline void on_call(struct resolved *r, __s32 nr, __u16 type, bool denied)
{
	if (!kd_judge(r, nr, denied))
		emit(r, nr, type, denied ? CIDSD_EVF_BLOCKED : 0, 0, 0, 0);
}

/*
 * A call of another ABI (i386 int 0x80 or sysenter in a 64-bit process): its numbers mean other
 * calls (i386 mkdir is x86_64 getpid), so it is never judged as a window of x86_64 numbers.
 * Every such call goes to user space, which alerts on it whatever the mode (it is never
 * learned); in the kernel's window it is the "other" symbol and a mismatch, and in enforce
 * the LSM programs deny it where it passes a hook, the program kills it where it kills.
 */
static __always_inline void on_foreign(struct resolved *r, __s32 nr, bool denied)
{
	struct cidsd_container *c = r->c;
	struct task_state *ts = r->ts;
	__u32 k = c->kd_k;
	__u16 flags = denied ? CIDSD_EVF_BLOCKED : 0;

	if (c->kd_epoch && ts && ts->kd_epoch == c->kd_epoch && k <= CIDSD_KD_MAX_K) {
		struct kd_stream *st = cur_stream(ts);

		if (!denied)
			st->win = (st->win << CIDSD_SYM_BITS) | CIDSD_SYM_OTHER;
		st->frame = (st->frame << 1) | 1;
		if (st->n < k)
			st->n++;
		flags |= kd_kill(r, denied, CIDSD_SYM_OTHER, true);
	}
	emit(r, nr, CIDSD_EV_FOREIGN, flags, 0, 0, 0);
}

/* Are this task's calls the workload's? A task already running when a restarted cidsd re-adopted
 * the container is taken as the workload's. */
static __always_inline bool is_workload(struct task_struct *task, struct resolved *r)
{
	if (!r->ts)
		return true; /* no storage (memory): better judged than unseen */
	if (r->ts->workload)
		return true;
	if (r->c->adopted_ns && task->start_time < r->c->adopted_ns) {
		r->ts->workload = 1;
		return true;
	}
	return false;
}

static __always_inline bool is_restart(long ret)
{
	return ret == -ERESTARTSYS || ret == -ERESTARTNOINTR || ret == -ERESTARTNOHAND ||
	       ret == -ERESTART_RESTARTBLOCK;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(cidsd_sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_state *ts;
	struct resolved r = {};
	bool foreign, denied = false;
	__s32 nr, key;

	if (!resolve(task, &r))
		return 0;
	if (r.c->doomed || (r.ts && r.ts->doomed)) {
		/* a doomed child: this is its return from the fork, before its first instruction */
		bpf_send_signal(SIGKILL);
		if (r.ts && r.ts->doomed)
			return 0;
	}
	nr = (__s32)regs->orig_ax;
	foreign = task->thread_info.status & TS_COMPAT;
	if (r.ts) {
		denied = r.ts->denied;
		r.ts->denied = 0;
	}
	/* block: a call that failed with EPERM did nothing (the seccomp guard's refusal of a call
	 * never learned, an LSM hook's, the kernel's own): it counts as blocked, never killed */
	if (ret == -EPERM && r.c->kd_kill == CIDSD_KD_KILL_UNDENIED)
		denied = true;
	/* io_uring, refused in every mode under limits.io_uring deny: one that the container's
	 * own seccomp profile (Docker 25's default, moby#46762) made fail set up nothing, and is
	 * blocked, not killed (InnoDB then falls back to its native AIO) */
	if (!foreign && (ret == -EPERM || ret == -ENOSYS) && nr >= NR_IO_URING_SETUP &&
	    nr <= NR_IO_URING_REGISTER)
		denied = true;
	if (foreign) {
		/* a new task returning 0 from the i386 clone (120), fork (2), vfork (190) or clone3
		 * its parent made */
		if (ret == 0 && (nr == 120 || nr == 2 || nr == 190 || nr == NR_CLONE3))
			return 0;
	} else {
		if (nr == -1)
			nr = NR_RT_SIGRETURN; /* the only call that resets orig_ax */
		/* a new task returning 0 from the clone/fork its parent made */
		if (ret == 0 &&
		    (nr == NR_CLONE || nr == NR_FORK || nr == NR_VFORK || nr == NR_CLONE3))
			return 0;
	}
	if (!is_workload(task, &r)) {
		/* the runtime's set-up: from its execve on, the workload */
		if (ret != 0 || (nr != NR_EXECVE && nr != NR_EXECVEAT))
			return 0;
		r.ts->workload = 1;
	}
	ts = r.ts;
	key = foreign ? nr | COMPAT_NR : nr;
	if (ts && ts->restart != RS_NONE) {
		bool repeat =
			key == ts->restart_nr || key == (foreign ? COMPAT_NR : NR_RESTART_SYSCALL);

		if (ts->restart == RS_FIRST && repeat) {
			ts->restart = is_restart(ret) ? RS_FIRST : RS_NONE;
			return 0; /* restarted at once (no handler): already reported */
		}
		if (ts->restart == RS_AFTER && repeat) {
			ts->restart = is_restart(ret) ? RS_FIRST : RS_NONE;
			return 0; /* restarted after the handler: already reported */
		}
		if (!foreign && nr == NR_RT_SIGRETURN)
			ts->restart = ts->restart == RS_AFTER ? RS_NONE : RS_AFTER;
		else
			ts->restart = ts->restart == RS_AFTER ? RS_NONE : RS_HANDLER;
	}
	if (ts && is_restart(ret)) {
		ts->restart = RS_FIRST;
		ts->restart_nr = key;
	}
	if (foreign)
		on_foreign(&r, nr, denied);
	else
		on_call(&r, nr,
			ret == 0 && (nr == NR_EXECVE || nr == NR_EXECVEAT) ? CIDSD_EV_EXEC
									   : CIDSD_EV_SYSCALL,
			denied);
	/* the handler's rt_sigreturn is the last call of its stream (orig_ax reads -1 after it,
	 * for i386 sigreturn too) */
	if (ts && ts->depth > 0 && (foreign ? nr == -1 : nr == NR_RT_SIGRETURN))
		ts->depth--;
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(cidsd_task_exit, struct task_struct *p)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs;
	struct resolved r = {};
	__u16 flags = 0;
	__s32 nr;

	if (!resolve(task, &r) || !is_workload(task, &r))
		return 0;
	/* exit and exit_group do not return: the call is taken from the saved registers */
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	nr = regs ? (__s32)BPF_CORE_READ(regs, orig_ax) : -1;
	if (nr == NR_EXIT || nr == NR_EXIT_GROUP)
		on_call(&r, nr, CIDSD_EV_SYSCALL, false);
	if (r.ts)
		kd_flush(&r, r.ts);
	if (task->signal && task->signal->live.counter == 0)
		flags |= CIDSD_EVF_GROUP_DEAD;
	emit(&r, -1, CIDSD_EV_THREAD_EXIT, flags, 0, 0, 0);
	return 0;
}

/*
 * Enforce with kill, in the parent's fork/clone/vfork/clone3 (this tracepoint fires before the
 * child is first woken): when that call is anomalous, the sys_exit program kills the parent at
 * the call's exit, and the child must not run either: it is doomed, and dies at its first exit
 * (its return from the call), before it runs an instruction of its own. Only while the kill
 * budget lasts (the parent's kill takes it), as for any kill.
 */
static __always_inline __u32 fork_doomed(struct resolved *r, struct task_struct *parent)
{
	struct cidsd_container *c = r->c;
	struct task_state *ts = r->ts;
	struct pt_regs *regs;
	__u64 key = 0, sym;
	bool mis = false, foreign;
	__s64 *budget;
	__s32 nr;

	if (c->kd_kill != CIDSD_KD_KILL_PROCESS && c->kd_kill != CIDSD_KD_KILL_CONTAINER)
		return 0;
	budget = bpf_map_lookup_elem(&kill_budget, &r->slot);
	if (!budget || *budget <= 0)
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(parent);
	if (!regs)
		return 0;
	nr = (__s32)BPF_CORE_READ(regs, orig_ax);
	foreign = parent->thread_info.status & TS_COMPAT;
	if (foreign)
		return c->kd_epoch != 0;
	if (nr < 0)
		return 0;
	sym = nr >= CIDSD_SYM_START ? CIDSD_SYM_OTHER : (__u64)nr;
	if (!kd_kills_on(c, sym))
		return 0;
	return kd_score(c, ts, sym, false, &key, &mis) != 0;
}

/*
 * A caught signal is delivered to the current task: its handler's calls, up to its
 * rt_sigreturn, are a stream of their own one depth further (signals ignored or taking their
 * default action run no handler). The ptrace tracer counts the same way at its
 * signal-delivery-stop.
 */
SEC("tp_btf/signal_deliver")
int BPF_PROG(cidsd_signal_deliver, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct resolved r = {};
	__u64 handler;

	if (!resolve(task, &r) || !r.ts || !is_workload(task, &r) || !ka)
		return 0;
	handler = (__u64)ka->sa.sa_handler;
	if (handler <= 1) /* SIG_DFL, SIG_IGN */
		return 0;
	if (r.ts->depth < CIDSD_MAX_CTX - 1)
		r.ts->depth++;
	return 0;
}

/* A task forked by a workload task is the workload's from its first instruction. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(cidsd_task_fork, struct task_struct *parent, struct task_struct *child)
{
	struct task_state *pts, *cts;
	struct resolved r = {};

	if (!below_host(child) || !resolve(parent, &r) || !r.ts || !r.ts->workload)
		return 0;
	cts = bpf_task_storage_get(&tasks, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!cts)
		return 0;
	pts = r.ts;
	cts->slot = pts->slot;
	cts->gen = pts->gen;
	cts->workload = 1;
	cts->doomed = fork_doomed(&r, parent);
	/* Its streams are new in user space too, where a padded profile starts them with start
	 * symbols: the kernel does the same and judges the child from its first call. */
	if (r.c->kd_epoch && r.c->kd_pad && r.c->kd_k >= 1 && r.c->kd_k <= CIDSD_KD_MAX_K) {
		__u64 pad = 0;

#pragma unroll
		for (__u32 i = 0; i < CIDSD_KD_MAX_K; i++)
			pad = (pad << CIDSD_SYM_BITS) | CIDSD_SYM_START;
		cts->kd_epoch = r.c->kd_epoch;
#pragma unroll
		for (__u32 i = 0; i < CIDSD_MAX_CTX; i++) {
			cts->st[i].win = pad;
			cts->st[i].frame = 0;
			cts->st[i].n = r.c->kd_k - 1;
		}
	}
	return 0;
}

/*
 * Prevention (BPF LSM, where the kernel runs it): the LSM programs below deny with -EPERM an
 * operation of a workload task whose call in flight would make an anomalous window
 * (CIDSD_DENY_WINDOW) or is a call of another ABI (CIDSD_DENY_FOREIGN). The call in flight is
 * read from the task's saved registers (orig_ax); the verdict is the one the sys_exit program
 * reaches for the same call (kd_score on the same task state), and it marks the call denied so
 * that sys_exit reports it as blocked and keeps it out of the window. A call the kernel restarts
 * was judged at its first attempt. Hooks see only what passes them: calls without a hook, and
 * calls seccomp denied, are judged at sys_exit alone.
 */
static __always_inline int lsm_judge(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct resolved r = {};
	struct task_state *ts;
	struct pt_regs *regs;
	__u64 key = 0, sym;
	bool mis = false;
	__s32 nr;

	if (!resolve(task, &r) || !r.c->deny)
		return 0;
	ts = r.ts;
	if (!ts || !is_workload(task, &r) || (task->flags & (PF_KTHREAD | PF_IO_WORKER)))
		return 0;
	if (task->thread_info.status & TS_COMPAT) {
		if (!(r.c->deny & CIDSD_DENY_FOREIGN))
			return 0;
		ts->denied = 1;
		return -EPERM;
	}
	if (!(r.c->deny & CIDSD_DENY_WINDOW))
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (!regs)
		return 0;
	nr = (__s32)BPF_CORE_READ(regs, orig_ax);
	if (nr < 0)
		return 0;
	if ((ts->restart == RS_FIRST || ts->restart == RS_AFTER) &&
	    (nr == ts->restart_nr || nr == NR_RESTART_SYSCALL))
		return 0;
	sym = nr >= CIDSD_SYM_START ? CIDSD_SYM_OTHER : (__u64)nr;
	if (!kd_score(r.c, ts, sym, false, &key, &mis))
		return 0;
	ts->denied = 1;
	return -EPERM;
}

/* nargs: the hook's arguments; ctx[nargs] is what the programs before this one decided */
#define CIDSD_LSM(hook, nargs)                                                                     \
	SEC("lsm/" #hook)                                                                          \
	int cidsd_lsm_##hook(unsigned long long *ctx)                                              \
	{                                                                                          \
		int prev = (int)ctx[nargs];                                                        \
                                                                                                   \
		return prev ? prev : lsm_judge();                                                  \
	}

/* files and directories */
CIDSD_LSM(file_open, 1)
CIDSD_LSM(path_mkdir, 3)
CIDSD_LSM(path_mknod, 4) /* also open(O_CREAT) of a new file */
CIDSD_LSM(path_symlink, 3)
CIDSD_LSM(path_link, 3)
CIDSD_LSM(path_unlink, 2)
CIDSD_LSM(path_rmdir, 2)
CIDSD_LSM(path_rename, 5)
CIDSD_LSM(path_truncate, 1)
CIDSD_LSM(path_chmod, 2)
CIDSD_LSM(path_chown, 3)
CIDSD_LSM(path_chroot, 1)
CIDSD_LSM(file_ioctl, 3)
CIDSD_LSM(file_mprotect, 3)
/* network */
CIDSD_LSM(socket_create, 4)
CIDSD_LSM(socket_bind, 3)
CIDSD_LSM(socket_connect, 3)
CIDSD_LSM(socket_listen, 2)
/* processes, credentials, namespaces */
CIDSD_LSM(bprm_check_security, 1)
CIDSD_LSM(task_alloc, 2) /* fork, vfork, clone, clone3: the child never exists */
CIDSD_LSM(task_kill, 4)
CIDSD_LSM(task_prctl, 5)
CIDSD_LSM(ptrace_access_check, 2)
CIDSD_LSM(ptrace_traceme, 1)
CIDSD_LSM(task_fix_setuid, 3)
CIDSD_LSM(task_fix_setgid, 3)
CIDSD_LSM(task_fix_setgroups, 2)
CIDSD_LSM(capset, 5)
CIDSD_LSM(userns_create, 1)
/* mounts, modules, BPF */
CIDSD_LSM(sb_mount, 5)
CIDSD_LSM(move_mount, 2)
CIDSD_LSM(sb_umount, 2)
CIDSD_LSM(sb_pivotroot, 2)
CIDSD_LSM(kernel_read_file, 3)
CIDSD_LSM(kernel_load_data, 2)
CIDSD_LSM(bpf, 4)
