/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ptrace tracer's signals. Never kill() a number kept from earlier: pid_max is small and a
 * pid outlives its process.
 * - A tracee whose exit we have not waited for cannot be reaped by anyone else, so its tid is
 *   still that thread: tgkill(tgid, tid) (SIGKILL takes its whole thread group), which a stale
 *   tgid cannot turn onto another process.
 * - The container's init: through the pidfd taken right after it was seized (tracer_new), so a
 *   kill-container verdict after the init has ended and been reaped hits nothing.
 * - A process found by number (the /proc or cgroup scan, the joiner program's report) that we
 *   do not hold: through a pidfd taken first, and only while the number is still a process of
 *   the container's pid namespace (or one nested in it), checked after the pidfd is taken.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cids/log.h"
#include "cids/pidfd.h"
#include "ptrace_internal.h"

void tracer_kill_tracee(struct tracer *t, pid_t tid, pid_t tgid)
{
	pid_t now = tgid;

	if (syscall(SYS_tgkill, tgid, tid, SIGKILL) == 0)
		return;
	/* a tgid learned wrong (a /proc read that failed): the kernel's answer */
	if (errno == ESRCH && tracer_proc_status_field(tid, "Tgid", &now) == 0 && now != tgid &&
	    syscall(SYS_tgkill, now, tid, SIGKILL) == 0)
		return;
	log_debug("Container pid %d: cannot kill tid %d: %m", (int)t->init_pid, (int)tid);
}

void tracer_kill_container(struct tracer *t)
{
	int r = pidfd_signal(t->init_pidfd, SIGKILL);

	if (r < 0 && r != -ESRCH)
		log_warn_errno(r, "Container pid %d: cannot kill its init", (int)t->init_pid);
}

/* Is pid (still) a process of the container: in its pid namespace or one nested inside it? */
static bool in_container_tree(pid_t pid, void *ud)
{
	const struct tracer *t = ud;

	return t->ns_known && pidns_owns_pid((uint32_t)t->ns_ino, pid);
}

int tracer_signal_member(struct tracer *t, pid_t tgid, int sig)
{
	int r = pid_signal_checked(tgid, sig, in_container_tree, t);

	if (r == -ESTALE)
		log_debug("Container pid %d: pid %d left the container: not signalled",
			  (int)t->init_pid, (int)tgid);
	return r;
}
