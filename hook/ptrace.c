/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ptrace tracer: PTRACE_SEIZE every thread of the container's init, follow clone, fork,
 * vfork and exec, feed syscall entries of the workload to the session and carry out verdicts.
 *
 * - Attach is cheap: SEIZE only, no stop. Threads that have not exec'd into the workload yet
 *   (runc's/crun's init before its execve) run under PTRACE_CONT, so their set-up costs no stop
 *   per syscall and is never learned. The PTRACE_EVENT_EXEC of a thread switches it (and all it
 *   creates afterwards) to PTRACE_SYSCALL: learning starts at the first execve into the workload.
 * - Syscall-enter stops come before seccomp runs, so calls that the container's own seccomp
 *   profile denies are seen and judged like others.
 * - Verdicts: BLOCK sets orig_rax to -1 (the call is skipped) and rax to -EPERM at the exit
 *   stop; KILL sends SIGKILL to the thread group before resuming (a pending fatal signal makes
 *   the kernel skip the call as well, and orig_rax is -1 anyway); KILL_CONTAINER SIGKILLs the
 *   init (the pid namespace dies with it).
 * - Group-stop: SEIZE reports it as PTRACE_EVENT_STOP with the stop signal; we answer with
 *   PTRACE_LISTEN so the thread stays stopped (as untraced) until SIGCONT. Signals seen in
 *   signal-delivery-stop are re-injected unchanged.
 * - Asynchronous signals: a caught signal (seen in signal-delivery-stop) runs its handler at depth
 *   + 1 until rt_sigreturn; each depth is its own stream (session_syscall_ctx), so a SIGCHLD
 *   arriving at a random point does not make the interrupted flow's windows look new. A call
 *   the kernel restarts after a signal (-ERESTART* at its exit, then the same call again from
 *   the same address at the same depth, or restart_syscall) is fed once.
 *   That a call was restarted is taken from the kernel, not guessed: after a handler ran, the
 *   restart stands only if rt_sigreturn gave back the interrupted number at the address of
 *   its syscall instruction (what the kernel's restart puts in the signal frame); a handler
 *   without SA_RESTART (-EINTR) or one that rewrote its frame cancels it, and the next call is
 *   fed like any other.
 * - Calls nothing can be learned from are policy, in every mode, for every workload thread:
 *   clone(CLONE_UNTRACED) has the flag cleared in its register at the entry stop (the child is
 *   auto-attached like any other; another thread cannot change this thread's registers);
 *   clone3, whose flags sit in memory another thread may rewrite after we read them, fails
 *   with ENOSYS (glibc then falls back to clone, as under Docker's seccomp profile); calls of
 *   another ABI (i386 int 0x80, x32) fail with ENOSYS and raise an alert naming the call: the
 *   profile holds x86_64 calls only.
 * - Thread cap (limits.max_threads): a thread beyond it raises one alert and is SIGKILLed (its
 *   process with it) under enforce or on_error deny; otherwise (learn/detect with on_error
 *   allow) it is detached and runs untraced, as the alert says.
 * - Processes joining the container from outside its tree (`runc exec`, `lxc-attach`) are
 *   stopped at their exec by hook/joiner.bpf.c and seized before their first instruction, or
 *   found by a periodic scan of its cgroup where BPF cannot load: hook/ptrace_scan.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "cids/engine.h"
#include "cids/kabi.h"
#include "cids/log.h"
#include "cids/macro.h"
#include "cids/oci.h"
#include "cids/pidfd.h"
#include "cids/util.h"
#include "ptrace_internal.h"
#include "tracer.h"

#define SCAN_INTERVAL_S 0.2
#define TICK_INTERVAL_S 0.1

/* --- thread table (slot_of, th_find: ptrace_internal.h) --- */

struct thread *tracer_th_add(struct tracer *t, pid_t tid, pid_t tgid, uint8_t flags)
{
	struct thread *th = th_find(t, tid);
	unsigned i;

	if (th)
		return th;
	if (t->nthreads >= t->cap)
		return NULL;
	for (i = slot_of(t, tid); t->tab[i].tid; i = (i + 1) & (t->tabsize - 1))
		;
	t->tab[i] = (struct thread){.tid = tid, .tgid = tgid, .flags = flags};
	t->nthreads++;
	return &t->tab[i];
}

static void th_del(struct tracer *t, pid_t tid)
{
	unsigned mask = t->tabsize - 1, i, j;
	struct thread *th = th_find(t, tid);

	if (!th)
		return;
	i = (unsigned)(th - t->tab);
	t->tab[i].tid = 0;
	t->nthreads--;
	/* backward shift: move later entries of the cluster into the hole when they may */
	for (j = (i + 1) & mask; t->tab[j].tid; j = (j + 1) & mask) {
		unsigned home = slot_of(t, t->tab[j].tid);

		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			t->tab[i] = t->tab[j];
			t->tab[j].tid = 0;
			i = j;
		}
	}
}

unsigned tracer_nthreads(const struct tracer *t)
{
	return t ? t->nthreads : 0;
}

/* --- resume and verdicts --- */

static void resume(struct tracer *t, struct thread *th, pid_t tid, int sig)
{
	/* one-stop: the filter's SCMP_ACT_TRACE stops every call, PTRACE_CONT is enough */
	int req = th && (th->flags & TH_LEARN) && !t->one_stop ? PTRACE_SYSCALL : PTRACE_CONT;

	if (ptrace(req, tid, 0, (void *)(long)sig) < 0 && errno != ESRCH)
		log_debug("ptrace resume %d: %m", (int)tid);
}

static int poke_reg(pid_t tid, size_t off, long val)
{
	return ptrace(PTRACE_POKEUSER, tid, (void *)off, (void *)val) < 0 ? -errno : 0;
}

static void skip_call(struct tracer *t, pid_t tid)
{
	if (poke_reg(tid, offsetof(struct user_regs_struct, orig_rax), -1) < 0)
		t->verdicts_failed++;
}

/* The call does not run and returns -err: at once at a seccomp stop (one-stop: no exit stop
 * follows; the kernel skips a call whose number is -1 and leaves rax as set), else at the exit
 * stop. */
static void block_call(struct tracer *t, struct thread *th, pid_t tid, int err)
{
	skip_call(t, tid);
	if (t->one_stop) {
		if (poke_reg(tid, offsetof(struct user_regs_struct, rax), -(long)err) < 0)
			t->verdicts_failed++;
		return;
	}
	th->flags |= TH_BLOCK_PENDING;
	th->block_errno = (uint16_t)err;
}

/* --- thread bookkeeping --- */

/* Past the thread cap: kill (fail closed) under enforce or on_error deny, else detach. */
bool tracer_cap_kills(const struct tracer *t)
{
	return t->cfg.on_error == CIDS_ONERR_DENY || session_mode(t->s) == CIDS_MODE_ENFORCE;
}

void tracer_cap_reached(struct tracer *t, pid_t tid)
{
	if (!t->cap_alerted) {
		char msg[200];

		t->cap_alerted = true;
		snprintf(msg, sizeof(msg),
			 "thread cap (limits.max_threads %u) reached: new threads are %s", t->cap,
			 tracer_cap_kills(t)
				 ? "killed with their process (enforce or on_error deny)"
				 : "left untraced (learn/detect with on_error allow)");
		log_warn("%s", msg);
		session_alert_event(t->s, "cids_thread_cap", msg);
	}
}

/* A thread we hold no slot for (cap reached) and that is attached to us: kill or let go. */
void tracer_cap_drop(struct tracer *t, pid_t tid, pid_t tgid)
{
	tracer_cap_reached(t, tid);
	if (tracer_cap_kills(t)) {
		tracer_kill_tracee(t, tid, tgid);
		resume(t, NULL, tid, 0);
	} else if (ptrace(PTRACE_DETACH, tid, 0, 0) < 0 && errno != ESRCH) {
		log_debug("detach %d: %m", (int)tid);
	}
}

/* A tracee we have no entry for reported a stop: a new thread or process auto-attached. */
static struct thread *adopt(struct tracer *t, pid_t tid)
{
	pid_t tgid = tid, ppid = 0;
	struct thread *parent = NULL, *th;
	uint8_t flags = 0;

	if (tracer_proc_status_field(tid, "Tgid", &tgid) < 0)
		tgid = tid;
	if (tgid != tid)
		parent = th_find(t, tgid);
	else if (tracer_proc_status_field(tid, "PPid", &ppid) == 0)
		parent = th_find(t, ppid);
	if (parent)
		flags = parent->flags & TH_LEARN;
	else if (t->workload_started)
		flags = TH_LEARN;
	th = tracer_th_add(t, tid, tgid, flags);
	if (!th)
		tracer_cap_drop(t, tid, tgid);
	return th;
}

static void new_child(struct tracer *t, struct thread *parent, pid_t parent_tid, int event)
{
	unsigned long msg = 0;
	pid_t child, tgid = 0;

	if (ptrace(PTRACE_GETEVENTMSG, parent_tid, 0, &msg) < 0)
		return;
	child = (pid_t)msg;
	if (child <= 0 || th_find(t, child))
		return;
	/* a clone may be a thread (CLONE_THREAD) or a process: the kernel knows which */
	if (event != PTRACE_EVENT_CLONE)
		tgid = child;
	else if (tracer_proc_status_field(child, "Tgid", &tgid) < 0)
		tgid = parent->tgid;
	if (!tracer_th_add(t, child, tgid, parent->flags & TH_LEARN))
		tracer_cap_reached(t,
				   child); /* its first stop comes as unknown: handled by adopt() */
}

static void on_exec(struct tracer *t, pid_t tid)
{
	unsigned long old = 0;
	struct thread *th;

	/* A non-leader thread that execs takes the leader's tid: forget its old tid. */
	if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &old) == 0 && (pid_t)old != tid) {
		session_thread_exit(t->s, (pid_t)old);
		th_del(t, (pid_t)old);
	}
	th = th_find(t, tid);
	if (!th)
		th = tracer_th_add(t, tid, tid, 0);
	if (!th)
		return;
	th->tgid = tid;
	th->flags = TH_LEARN; /* a fresh program: no block pending, no handler running */
	th->depth = 0;
	th->restart_depth = 0;
	if (tid == t->init_pid && !t->workload_started) {
		t->workload_started = true;
		log_debug("Init %d exec'd its workload: learning starts", (int)tid);
	}
}

static bool is_restart(long rval)
{
	return rval == -ERESTARTSYS || rval == -ERESTARTNOINTR || rval == -ERESTARTNOHAND ||
	       rval == -ERESTART_RESTARTBLOCK;
}

static void deny_call(struct tracer *t, struct thread *th, pid_t tid, int err)
{
	block_call(t, th, tid, err);
	th->cur_nr = -1;
	resume(t, th, tid, 0);
}

/*
 * The calls that are policy rather than profile (see the top of the file): true when the call
 * was dealt with here (denied, thread resumed); false to go on with the call as it is (a
 * clone's CLONE_UNTRACED already cleared).
 */
static bool policy_stop(struct tracer *t, struct thread *th, pid_t tid,
			const struct __ptrace_syscall_info *info)
{
	uint64_t nr = info->entry.nr;

	if (info->arch != AUDIT_ARCH_X86_64 || (nr & CIDS_X32_SYSCALL_BIT)) {
		/* never fed to the profile; the session alerts (cids_foreign_abi) and may kill */
		enum session_verdict v;

		if (!t->foreign_alerted) {
			t->foreign_alerted = true;
			log_warn("Container pid %d: tid %d made a system call of another ABI (%s "
				 "%llu): "
				 "denied with ENOSYS, as every such call",
				 (int)t->init_pid, (int)tid,
				 info->arch == AUDIT_ARCH_I386 ? "i386" : "x32",
				 (unsigned long long)nr);
		}
		v = session_foreign_abi(t->s, tid, th->tgid, (long)(nr & 0x7fffffff),
					SESSION_DONE_BLOCKED, now_mono());
		if (v == SESSION_KILL || v == SESSION_KILL_CONTAINER) {
			tracer_kill_tracee(t, tid, th->tgid);
			if (v == SESSION_KILL_CONTAINER)
				tracer_kill_container(t);
		}
		deny_call(t, th, tid, ENOSYS);
		return true;
	}
	if (nr == NR_CLONE3) {
		/* flags in memory: not inspectable race-free. glibc falls back to clone. */
		deny_call(t, th, tid, ENOSYS);
		return true;
	}
	if (t->one_stop && ((nr == NR_SECCOMP && info->entry.args[0] == 1 /* SET_MODE_FILTER */) ||
			    (nr == NR_PRCTL && info->entry.args[0] == 22 /* PR_SET_SECCOMP */ &&
			     info->entry.args[1] == 2 /* SECCOMP_MODE_FILTER */))) {
		/* one-stop mode trusts the data of the TRACE stops of cids's filter: a filter the
		 * tenant stacks could return TRACE with its own data (the newest filter's wins) or
		 * USER_NOTIF (outranks TRACE: a listener of its own would answer calls we never
		 * see) */
		if (!t->filter_alerted) {
			char msg[160];

			t->filter_alerted = true;
			snprintf(msg, sizeof(msg),
				 "seccomp filter install by tid %d denied (EPERM): one-stop mode "
				 "(ptrace.one_stop) owns the filter",
				 (int)tid);
			log_warn("Container pid %d: %s", (int)t->init_pid, msg);
			session_alert_event(t->s, "cids_seccomp_filter", msg);
		}
		deny_call(t, th, tid, EPERM);
		return true;
	}
	if (nr == NR_CLONE && (info->entry.args[0] & CIDS_CLONE_UNTRACED)) {
		if (poke_reg(tid, offsetof(struct user_regs_struct, rdi),
			     (long)(info->entry.args[0] & ~(uint64_t)CIDS_CLONE_UNTRACED)) < 0) {
			/* cannot clear it: the child would escape, so the call does not run */
			deny_call(t, th, tid, EPERM);
			return true;
		}
		if (!t->untraced_alerted) {
			char msg[160];

			t->untraced_alerted = true;
			snprintf(msg, sizeof(msg),
				 "clone with CLONE_UNTRACED by tid %d: flag cleared, the child is "
				 "traced",
				 (int)tid);
			log_info("Container pid %d: %s", (int)t->init_pid, msg);
			session_alert_event(t->s, "cids_untraced_clone", msg);
		}
	}
	return false;
}

/*
 * One-stop mode sees no exit stop, so a restart is taken from the other stops. A call the kernel
 * will restart still holds its number in orig_rax and -ERESTART* in rax when the thread stops
 * for the signal (or group-stop, or PTRACE_INTERRUPT) that interrupted it.
 */
static void note_restart(struct tracer *t, struct thread *th, pid_t tid)
{
	struct user_regs_struct regs;

	if (!t->one_stop || !(th->flags & TH_LEARN) || th->cur_nr < 0 ||
	    ptrace(PTRACE_GETREGS, tid, 0, &regs) < 0)
		return;
	if ((long)regs.orig_rax >= 0 && is_restart((long)regs.rax)) {
		th->restart_depth = th->depth + 1;
		th->restart_nr = th->cur_nr;
		th->restart_ip = th->cur_ip;
	}
}

/*
 * One-stop mode, rt_sigreturn entering with a restart pending at the depth it returns to: does
 * the signal frame it restores hold the interrupted number at the address of its syscall
 * instruction (what the kernel's restart put there: SA_RESTART, frame untouched)? The frame's
 * ucontext starts at the stack pointer (the handler's return popped the restorer's address).
 */
static bool frame_restarts(const struct thread *th, pid_t tid, uint64_t sp)
{
	long rax, rip;

	errno = 0;
	rax = ptrace(PTRACE_PEEKDATA, tid,
		     (void *)(sp + offsetof(ucontext_t, uc_mcontext.gregs[REG_RAX])), 0);
	rip = ptrace(PTRACE_PEEKDATA, tid,
		     (void *)(sp + offsetof(ucontext_t, uc_mcontext.gregs[REG_RIP])), 0);
	return errno == 0 && rax == th->restart_nr && (uint64_t)rip == th->restart_ip - 2;
}

static void on_syscall_stop(struct tracer *t, struct thread *th, pid_t tid)
{
	struct __ptrace_syscall_info info;
	enum session_verdict v;
	unsigned ctx;
	int deny;
	long nr;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof(info), &info) <= 0) {
		resume(t, th, tid, 0);
		return;
	}
	if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
		if (th->flags & TH_BLOCK_PENDING) {
			th->flags &= ~TH_BLOCK_PENDING;
			if (poke_reg(tid, offsetof(struct user_regs_struct, rax),
				     -(long)(th->block_errno ? th->block_errno : EPERM)) < 0)
				t->verdicts_failed++;
		} else if (is_restart(info.exit.rval)) {
			th->restart_depth = th->depth + 1;
			th->restart_nr = th->cur_nr;
			th->restart_ip = th->cur_ip;
		} else if (th->cur_nr == NR_RT_SIGRETURN && th->restart_depth == th->depth + 1 &&
			   (info.exit.rval != th->restart_nr ||
			    info.instruction_pointer != th->restart_ip - 2)) {
			/* back from a handler to an interrupted call that the kernel does not
			 * restart (-EINTR: no SA_RESTART) or whose frame the handler rewrote */
			th->restart_depth = 0;
		}
		resume(t, th, tid, 0);
		return;
	}
	/* a call the container's profile denies (shim/trace.c): failed with its errno on every path
	 * that lets the thread go on (after a TRACE stop the kernel runs the call) */
	deny = info.op == PTRACE_SYSCALL_INFO_SECCOMP && (info.seccomp.ret_data & OCI_TRACE_DENY)
		       ? (int)(info.seccomp.ret_data & OCI_TRACE_ERRNO)
		       : 0;
	/* one-stop: the seccomp stop is the call's entry (same layout: nr, args) */
	if ((info.op != PTRACE_SYSCALL_INFO_ENTRY && info.op != PTRACE_SYSCALL_INFO_SECCOMP) ||
	    !(th->flags & TH_LEARN)) {
		if (deny)
			block_call(t, th, tid, deny);
		resume(t, th, tid, 0);
		return;
	}
	if (policy_stop(t, th, tid, &info))
		return;
	nr = (long)info.entry.nr;
	th->cur_nr = nr;
	th->cur_ip = info.instruction_pointer;
	if (th->restart_depth == th->depth + 1) {
		bool same = info.instruction_pointer == th->restart_ip &&
			    (nr == th->restart_nr || nr == NR_RESTART_SYSCALL);

		th->restart_depth = 0;
		if (same) {
			if (deny)
				block_call(t, th, tid, deny);
			resume(t, th, tid, 0); /* the restart of a call already judged */
			return;
		}
	}
	ctx = th->depth;
	if (nr == NR_RT_SIGRETURN && th->depth > 0) {
		th->depth--; /* the handler's last call belongs to the handler's stream */
		if (th->restart_depth > th->depth + 1)
			th->restart_depth = 0;
		if (t->one_stop && th->restart_depth == th->depth + 1 &&
		    !frame_restarts(th, tid, info.stack_pointer))
			th->restart_depth = 0;
	}
	v = session_syscall_ctx(t->s, tid, th->tgid, ctx, nr, now_mono());
	if (t->dump) {
		const char *name = cids_sys_name(CIDS_ARCH_X86_64, (int)nr);

		fprintf(t->dump, "%.6f %d %u %s %d\n", now_mono(), (int)tid, ctx, name ? name : "?",
			(int)v);
	}
	/* a call the container's profile denies (shim/trace.c): judged, then failed as it says */
	if (deny && v == SESSION_ALLOW)
		block_call(t, th, tid, deny);
	switch (v) {
	case SESSION_BLOCK:
		block_call(t, th, tid, EPERM);
		break;
	case SESSION_KILL:
		skip_call(t, tid);
		tracer_kill_tracee(t, tid, th->tgid);
		break;
	case SESSION_KILL_CONTAINER:
		skip_call(t, tid);
		tracer_kill_container(t);
		tracer_kill_tracee(t, tid, th->tgid);
		break;
	default:
		break;
	}
	resume(t, th, tid, 0);
}

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* A fault of the container's init that would end it untraced, and that a traced init never
 * dies of: the kernel's forced fault signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS
 * with a kernel si_code) clears the init's SIGNAL_UNKILLABLE only while nobody traces it, so
 * re-injected it is dropped and the instruction faults again, for ever. The untraced outcome is
 * its death: the monitor kills it (SIGKILL, so the exit status says 137 where it would say
 * 139). Detaching it to let the next fault kill it would leave it untraced if another member of
 * its signal handlers' group (CLONE_SIGHAND) installed a handler in between. */
static bool init_fault_fatal(struct tracer *t, const struct thread *th, pid_t tid, int sig)
{
	siginfo_t si;

	if (th->tgid != t->init_pid || !(sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
					 sig == SIGFPE || sig == SIGTRAP || sig == SIGSYS))
		return false;
	if (ptrace(PTRACE_GETSIGINFO, tid, 0, &si) < 0 || si.si_code <= 0)
		return false; /* sent by a process (kill, tgkill, sigqueue): no fault */
	return !tracer_sig_caught(tid, sig);
}

static void handle(struct tracer *t, pid_t tid, int status)
{
	struct thread *th = th_find(t, tid);
	int sig, event;

	if (t->dump)
		fprintf(t->dump, "%.6f ev tid=%d status=%#x known=%d\n", now_mono(), (int)tid,
			status, th != NULL);
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		if (th) {
			session_thread_exit(t->s, tid);
			th_del(t, tid);
		}
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	if (!th) {
		th = adopt(t, tid);
		if (!th)
			return;
	}
	sig = WSTOPSIG(status);
	event = (unsigned)status >> 16;

	if (sig == (SIGTRAP | 0x80)) {
		on_syscall_stop(t, th, tid);
		return;
	}
	switch (event) {
	case 0: /* signal-delivery-stop: hand the signal on unchanged */
		if (init_fault_fatal(t, th, tid, sig)) {
			log_info("Container pid %d: its init took signal %d (a fault) and has no "
				 "handler: killed, as it would die untraced",
				 (int)t->init_pid, sig);
			tracer_kill_container(t);
			resume(t, th, tid, 0);
			return;
		}
		note_restart(t, th, tid);
		if ((th->flags & TH_LEARN) && th->depth < SESSION_MAX_CTX - 1 &&
		    tracer_sig_caught(tid, sig))
			th->depth++;
		resume(t, th, tid, sig);
		return;
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		new_child(t, th, tid, event);
		break;
	case PTRACE_EVENT_EXEC:
		on_exec(t, tid);
		th = th_find(t, tid);
		break;
	case PTRACE_EVENT_SECCOMP:
		/* one-stop: a call's entry; before the thread's execve (runc's init between loading
		 * the filter and its execve) answered at once, unjudged */
		on_syscall_stop(t, th, tid);
		return;
	case PTRACE_EVENT_STOP:
		note_restart(t, th, tid);
		if (is_stop_signal(sig)) {
			/* group-stop: stay stopped (as untraced) until SIGCONT */
			if (ptrace(PTRACE_LISTEN, tid, 0, 0) < 0 && errno != ESRCH)
				log_debug("PTRACE_LISTEN %d: %m", (int)tid);
			return;
		}
		break;
	default: /* PTRACE_EVENT_EXIT, VFORK_DONE */
		break;
	}
	resume(t, th, tid, 0);
}

/* --- lifecycle --- */

int tracer_new(const struct cids_config *cfg, pid_t init_pid, bool exit_kill, bool one_stop,
	       struct cids_session *s, struct tracer **ret, char *why, size_t whylen)
{
	struct tracer *t;
	unsigned n = 0;
	int r;

	if (init_pid <= 0) {
		return why_err(why, whylen, -EINVAL, "invalid container pid %d", (int)init_pid);
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->cfg = *cfg;
	t->s = s;
	t->init_pid = init_pid;
	t->init_pidfd = -EBADF;
	t->exit_kill = exit_kill;
	t->one_stop = one_stop;
	t->cap = cfg->max_threads ? cfg->max_threads : 4096;
	for (t->tabsize = 64; t->tabsize < 2 * t->cap + 2; t->tabsize *= 2)
		;
	t->tab = calloc(t->tabsize, sizeof(*t->tab));
	if (!t->tab) {
		free(t);
		return -ENOMEM;
	}
	t->options = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
		     PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT |
		     (exit_kill ? PTRACE_O_EXITKILL : 0) | (one_stop ? PTRACE_O_TRACESECCOMP : 0);
	r = tracer_seize_process(t, init_pid, 0, false, &n);
	if (r >= 0 && n > 0) /* seized: not reaped before we wait for it, so the number is its */
		t->init_pidfd = pidfd_open_pid(init_pid);
	if (r < 0 || n == 0 || t->init_pidfd < 0) {
		bool none = r >= 0 && n == 0;

		r = r < 0 ? r : none ? -ESRCH : t->init_pidfd;
		tracer_free(t);
		return why_err(why, whylen, r, "cannot attach to container pid %d: %s",
			       (int)init_pid, none ? "no thread found" : strerror(-r));
	}
	tracer_scan_init(t);
	if (getenv("CIDS_MONITOR_DUMP"))
		t->dump = fopen(getenv("CIDS_MONITOR_DUMP"), "ae");
	*ret = t;
	return 0;
}

static void detach_all(struct tracer *t)
{
	double end = now_mono() + 2.0;

	for (unsigned i = 0; i < t->tabsize; i++)
		if (t->tab[i].tid)
			(void)ptrace(PTRACE_INTERRUPT, t->tab[i].tid, 0, 0);
	while (t->nthreads > 0 && now_mono() < end) {
		int status;
		pid_t tid = waitpid(-1, &status, __WALL | WNOHANG);
		struct thread *th;

		if (tid < 0)
			break;
		if (tid == 0) {
			usleep(2000);
			continue;
		}
		th = th_find(t, tid);
		if (!th)
			continue;
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			th_del(t, tid);
			continue;
		}
		int sig = WSTOPSIG(status), ev = (unsigned)status >> 16;
		if (sig == (SIGTRAP | 0x80) && (th->flags & TH_BLOCK_PENDING)) {
			struct __ptrace_syscall_info info;

			if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof(info), &info) > 0 &&
			    info.op == PTRACE_SYSCALL_INFO_EXIT)
				(void)poke_reg(tid, offsetof(struct user_regs_struct, rax), -EPERM);
		}
		if (sig == SIGTRAP && ev == PTRACE_EVENT_SECCOMP) {
			/* one-stop: a call parked at its TRACE stop would run unjudged once we are
			 * gone (the kernel's re-check takes TRACE for allow): it fails, with the
			 * profile's errno for a denied one, ENOSYS (as with no tracer) otherwise */
			struct __ptrace_syscall_info info;
			int e = ENOSYS;

			if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof(info), &info) > 0 &&
			    info.op == PTRACE_SYSCALL_INFO_SECCOMP &&
			    (info.seccomp.ret_data & OCI_TRACE_DENY))
				e = (int)(info.seccomp.ret_data & OCI_TRACE_ERRNO);
			block_call(t, th, tid, e);
		}
		/* a signal caught in signal-delivery-stop goes with the detach */
		(void)ptrace(PTRACE_DETACH, tid, 0,
			     (void *)(long)(ev == 0 && sig != (SIGTRAP | 0x80) ? sig : 0));
		th_del(t, tid);
	}
}

static volatile sig_atomic_t got_stop;

static void on_stop_signal(int sig)
{
	got_stop = 1;
}

static void on_alarm(int sig)
{
	/* nothing: interrupting the blocking waitpid is the point */
}

/*
 * The loop blocks in waitpid(-1, __WALL); an interval timer (SIGALRM, no SA_RESTART) interrupts
 * it every TICK_INTERVAL_S for the session's timers and the joiner scan, so a quiet container
 * costs nothing and events are handled as soon as they come.
 */
int tracer_run(struct tracer *t, volatile bool *stop)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};
	struct itimerval it = {
		.it_interval = {.tv_usec = (long)(TICK_INTERVAL_S * 1e6)},
		.it_value = {.tv_usec = (long)(TICK_INTERVAL_S * 1e6)},
	};
	double last_tick = 0, last_scan = 0;
	sigset_t mask;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGHUP, &sa, NULL) < 0)
		return -errno;
	sa.sa_handler = on_alarm;
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return -errno;
	/* hook/joiner.bpf.c's wake-up: a joiner is stopped, waiting for us */
	if (sigaction(SIGURG, &sa, NULL) < 0)
		return -errno;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGALRM);
	sigaddset(&mask, SIGURG);
	if (sigprocmask(SIG_UNBLOCK, &mask, NULL) < 0)
		return -errno;
	if (setitimer(ITIMER_REAL, &it, NULL) < 0)
		return -errno;

	for (;;) {
		double now;
		int status;
		pid_t tid = waitpid(-1, &status, __WALL);

		/* Joiners first (memory reads only, unless one came): a joiner stopped before this
		 * stop was reported is seized before the stopped thread goes on, so a tenant's
		 * kill(SIGCONT) can free one untraced only if it stopped while that kill, already
		 * judged and resumed, was on its way. */
		if (t->jw)
			(void)joiner_watch_poll(t->jw);
		if (tid > 0)
			handle(t, tid, status);
		else if (errno == ECHILD)
			break; /* nothing left to trace */
		else if (errno != EINTR)
			return -errno;
		now = now_mono();
		if (now - last_tick >= TICK_INTERVAL_S) {
			last_tick = now;
			session_tick(t->s, now);
		}
		if (now - last_scan >= SCAN_INTERVAL_S) {
			last_scan = now;
			tracer_scan_joiners(t);
		}
		if (got_stop) {
			if (stop)
				*stop = true;
			if (t->one_stop)
				log_warn("Container pid %d: detaching in one-stop mode: every call "
					 "its "
					 "seccomp filter traces fails with ENOSYS from now on",
					 (int)t->init_pid);
			/* no more exec stops; joiners stopped already go on untraced */
			t->releasing = true;
			joiner_watch_stop(t->jw);
			detach_all(t);
			break;
		}
	}
	it = (struct itimerval){};
	(void)setitimer(ITIMER_REAL, &it, NULL);
	return 0;
}

void tracer_free(struct tracer *t)
{
	if (!t)
		return;
	joiner_watch_free(t->jw);
	if (t->init_pidfd >= 0)
		close(t->init_pidfd);
	if (t->dump)
		fclose(t->dump);
	free(t->cg_dir);
	free(t->tab);
	free(t);
}
