// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ptrace monitor's joiner stop: one program per monitor on the sched_process_exec
 * tracepoint. A task that exec's in the container's pid namespace (or one nested in it)
 * without being traced by the monitor is a process that joined the container from outside
 * its tree (`runc exec`, `crun exec`, `lxc-attach`): it gets SIGSTOP before it returns to user
 * space, so its new program runs no instruction, and the monitor is told through the ring
 * buffer. The monitor seizes it, lets it go on under syscall tracing and so judges it from its
 * first call.
 *
 * The pid namespace, not the cgroup: it is what the monitor's scan has always compared (a
 * joiner is a process of the container's pid namespace that the monitor does not trace), it
 * needs no cgroup v2 (this host's hybrid layout has it at /sys/fs/cgroup/unified, a v1 host
 * has none), and LXC's attach cgroup below the container's is covered without a walk.
 *
 * Tasks the monitor traces report their exec as PTRACE_EVENT_EXEC and are left alone. So are
 * tasks traced from the host's pid namespace: in a pod whose containers share one pid namespace
 * each container's processes are traced by that container's own monitor (and a host root's
 * strace is out of scope). A task traced from inside a container is stopped too.
 *
 * Cost: every exec on the host runs this once per monitor: for a host task one read of its
 * pid's level; for a task in a namespace, a read per level (at most JOINER_MAX_LEVEL).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "joiner.h"

#define SIGSTOP 19
#define SIGURG	23

/* Linux 6.13 and later: wake the monitor at once (weak: older kernels load without) */
extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;
extern int bpf_send_signal_task(struct task_struct *task, int sig, enum pid_type type,
				u64 value) __ksym __weak;

char LICENSE[] SEC("license") = "GPL";

/* Set by the monitor before load. */
const volatile __u32 watch_ns_inum = 0; /* the container's pid namespace (0: matches nothing) */
const volatile __u32 monitor_tgid = 0;	/* the tracer that counts */
const volatile __u32 wake_monitor = 0;	/* SIGURG to monitor_tgid (a pid of the init namespace) */
const volatile __u32 stop_at_fork = 0;	/* one-stop mode: joiner_fork below */

struct joiner_stats stats = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, JOINER_RING_BYTES);
} joiners SEC(".maps");

/* Is the task in the watched pid namespace, or in one nested in it? */
static __always_inline bool in_watched_ns(struct task_struct *task)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level;

	if (!pid)
		return false;
	level = BPF_CORE_READ(pid, level);
	for (__u32 i = 1; i < JOINER_MAX_LEVEL; i++) {
		struct pid_namespace *ns;

		if (i > level)
			break;
		ns = BPF_CORE_READ(pid, numbers[i].ns);
		if (ns && BPF_CORE_READ(ns, ns.inum) == watch_ns_inum)
			return true;
	}
	return false;
}

/* Is the task traced by the monitor, or by a tracer of the host's pid namespace (another
 * container's monitor, in a pod whose containers share one pid namespace)? */
static __always_inline bool traced_elsewhere_or_by_us(struct task_struct *p)
{
	struct task_struct *tracer;

	if (!BPF_CORE_READ(p, ptrace))
		return false;
	tracer = BPF_CORE_READ(p, parent);
	return tracer && (BPF_CORE_READ(tracer, tgid) == (pid_t)monitor_tgid ||
			  BPF_CORE_READ(tracer, thread_pid, level) == 0);
}

static __always_inline void report(struct task_struct *p, __u32 at_fork)
{
	struct joiner_event *e;

	__sync_fetch_and_add(&stats.stopped, 1);
	e = bpf_ringbuf_reserve(&joiners, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&stats.lost, 1);
		return;
	}
	e->tgid = (__u32)BPF_CORE_READ(p, tgid);
	e->tid = (__u32)BPF_CORE_READ(p, pid);
	e->at_fork = at_fork;
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
	/* an idle monitor sleeps in waitpid until its next tick: wake it (its handler does
	 * nothing but interrupt the wait) */
	if (wake_monitor && bpf_task_from_pid && bpf_send_signal_task && bpf_task_release) {
		struct task_struct *mon = bpf_task_from_pid((s32)monitor_tgid);

		if (mon) {
			bpf_send_signal_task(mon, SIGURG, PIDTYPE_TGID, 0);
			bpf_task_release(mon);
		}
	}
}

/*
 * One-stop mode (ptrace.one_stop): the container's seccomp filter traces its calls, and a
 * joiner's runtime (runc exec's init, crun) loads that filter before its execve; untraced, each
 * of its calls from then on would fail with ENOSYS. So a process forked into the watched
 * namespace by a parent the monitor does not trace gets SIGSTOP before it runs its first
 * instruction (the child is not running yet at this tracepoint) and is seized there; its
 * runtime's calls are answered unjudged and it is judged from its execve, as the container's
 * init. Needs bpf_send_signal_task (Linux 6.13): the signal goes to the child, not to current.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(joiner_fork, struct task_struct *parent, struct task_struct *child)
{
	if (!stop_at_fork || !watch_ns_inum || !bpf_send_signal_task)
		return 0;
	/* processes only: a thread of an untraced process is its process's business */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid) || !in_watched_ns(child))
		return 0;
	if (traced_elsewhere_or_by_us(child))
		return 0; /* auto-attached (PTRACE_O_TRACEFORK): the monitor follows it */
	if (bpf_send_signal_task(child, SIGSTOP, PIDTYPE_TGID, 0) < 0)
		return 0;
	report(child, 1);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(joiner_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	if (!watch_ns_inum || !in_watched_ns(p))
		return 0;
	/* the monitor sees its own tracees' exec as PTRACE_EVENT_EXEC; another container's
	 * monitor (a pod's shared pid namespace) follows its own */
	if (traced_elsewhere_or_by_us(p))
		return 0;
	/* to the thread group: after exec it is one thread, the current one */
	if (bpf_send_signal(SIGSTOP) < 0)
		return 0;
	report(p, 0);
	return 0;
}
