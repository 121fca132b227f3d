/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test helper for t_monitor_seccomp.sh: inject_syscall PID NR [ARG...]
 * Makes the process PID (which must be blocked in a system call, as an idle monitor is in
 * poll) execute system call NR with up to six integer arguments, prints "ret=<value>" (a
 * negative errno on failure) and puts the process back where it was, its interrupted call
 * restarted as the kernel would have. Used to show that a call the monitor's own seccomp filter
 * forbids is refused inside the monitor, without any debug switch in the monitor itself.
 * x86_64 only.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif
#define ERESTARTSYS	      512
#define ERESTARTNOINTR	      513
#define ERESTARTNOHAND	      514
#define ERESTART_RESTARTBLOCK 516
#define NR_RESTART_SYSCALL    219

static int wait_stop(pid_t pid, int *status)
{
	for (;;) {
		if (waitpid(pid, status, __WALL) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (WIFEXITED(*status) || WIFSIGNALED(*status))
			return -ESRCH;
		return 0;
	}
}

int main(int argc, char **argv)
{
	struct user_regs_struct saved, regs;
	long args[6] = {0};
	pid_t pid;
	long nr;
	int status, r;

	if (argc < 3 || argc > 9) {
		fprintf(stderr, "usage: inject_syscall PID NR [ARG...]\n");
		return 2;
	}
	pid = (pid_t)strtol(argv[1], NULL, 10);
	nr = strtol(argv[2], NULL, 0);
	for (int i = 3; i < argc; i++)
		args[i - 3] = strtol(argv[i], NULL, 0);

	if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESYSGOOD) < 0) {
		fprintf(stderr, "seize %d: %s\n", (int)pid, strerror(errno));
		return 1;
	}
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0) {
		fprintf(stderr, "interrupt %d: %s\n", (int)pid, strerror(errno));
		return 1;
	}
	r = wait_stop(pid, &status);
	if (r < 0) {
		fprintf(stderr, "wait for %d: %s\n", (int)pid, strerror(-r));
		return 1;
	}
	/* a signal may arrive first: pass it on (re-inject) until our interrupt stop shows up */
	while (!(WIFSTOPPED(status) && (status >> 16) == PTRACE_EVENT_STOP)) {
		int sig = WIFSTOPPED(status) ? WSTOPSIG(status) : 0;

		if (ptrace(PTRACE_CONT, pid, 0, sig) < 0 ||
		    ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0 || wait_stop(pid, &status) < 0) {
			fprintf(stderr, "cannot stop %d\n", (int)pid);
			return 1;
		}
	}
	if (ptrace(PTRACE_GETREGS, pid, 0, &saved) < 0) {
		fprintf(stderr, "getregs: %s\n", strerror(errno));
		return 1;
	}
	if ((long)saved.orig_rax < 0) {
		fprintf(stderr,
			"pid %d was not in a system call: cannot find a syscall instruction\n",
			(int)pid);
		ptrace(PTRACE_DETACH, pid, 0, 0);
		return 1;
	}
	/* rip is right after the `syscall` instruction (2 bytes) of the interrupted call */
	regs = saved;
	regs.rip = saved.rip - 2;
	regs.rax = (unsigned long long)nr;
	regs.orig_rax = (unsigned long long)nr;
	regs.rdi = (unsigned long long)args[0];
	regs.rsi = (unsigned long long)args[1];
	regs.rdx = (unsigned long long)args[2];
	regs.r10 = (unsigned long long)args[3];
	regs.r8 = (unsigned long long)args[4];
	regs.r9 = (unsigned long long)args[5];
	if (ptrace(PTRACE_SETREGS, pid, 0, &regs) < 0) {
		fprintf(stderr, "setregs: %s\n", strerror(errno));
		return 1;
	}
	/* entry stop, then exit stop */
	for (int stops = 0; stops < 2;) {
		if (ptrace(PTRACE_SYSCALL, pid, 0, 0) < 0 || wait_stop(pid, &status) < 0) {
			fprintf(stderr, "lost %d during the injected call\n", (int)pid);
			return 1;
		}
		if (WIFSTOPPED(status) && WSTOPSIG(status) == (SIGTRAP | 0x80))
			stops++;
	}
	if (ptrace(PTRACE_GETREGS, pid, 0, &regs) < 0) {
		fprintf(stderr, "getregs after: %s\n", strerror(errno));
		return 1;
	}
	printf("ret=%lld\n", (long long)regs.rax);

	/* back to the interrupted call, restarted as the kernel would restart it */
	switch (-(long long)saved.rax) {
	case ERESTARTSYS:
	case ERESTARTNOINTR:
	case ERESTARTNOHAND:
		saved.rax = saved.orig_rax;
		saved.rip -= 2;
		break;
	case ERESTART_RESTARTBLOCK:
		saved.rax = NR_RESTART_SYSCALL;
		saved.rip -= 2;
		break;
	default:
		break;
	}
	if (ptrace(PTRACE_SETREGS, pid, 0, &saved) < 0) {
		fprintf(stderr, "restore: %s\n", strerror(errno));
		return 1;
	}
	if (ptrace(PTRACE_DETACH, pid, 0, 0) < 0) {
		fprintf(stderr, "detach: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
