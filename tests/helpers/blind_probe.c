/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tenant that tries to blind the monitor (issue 14). Static, no libc wrappers for the calls
 * that matter: every x86_64 call goes through one `syscall` instruction (rawsc), i386 calls
 * through `int $0x80`, so the call sequence is exactly what is written here.
 *
 *   blind_probe benign            the learned behaviour: a few calls, an interrupted read
 *                                 (SIGALRM handler without SA_RESTART: EINTR), a cloned child
 *                                 with two calls, three i386 getpid calls
 * The attacks are the benign run with one change, so that everything else stays learned:
 *   blind_probe untraced DIR      the child is cloned with CLONE_UNTRACED and makes DIR0
 *   blind_probe untraced-thread DIR  the child is a thread cloned with CLONE_UNTRACED, makes DIR0
 *   blind_probe clone3 DIR        the child comes from clone3(CLONE_UNTRACED) and makes DIR0
 *   blind_probe prefix DIR        the child makes DIR0 and exits (two calls)
 *   blind_probe i386 DIR          an i386 mkdir(DIR) in place of the second i386 getpid
 *   blind_probe io_uring          the child sets up an io_uring
 *   blind_probe restart           one more read right after the interrupted one
 *   blind_probe afterblock DIR    at the end, sched_yield (blocked under enforce) then mkdir DIR
 *   blind_probe cap N DIR         N children alive at once, each makes DIR<i> after 0.3 s
 *   blind_probe flood N           N anomalous windows (getpgrp runs), then one distinct one
 *   blind_probe i386-check        exit 0 when the kernel runs i386 calls (run on the host);
 *                                 run as blind_probe_no32, every mode leaves its i386 calls out
 *   blind_probe grow N            N calls in a pseudo-random order of 8 calls
 *
 * Prints one line per result ("mkdir DIR=0", "io_uring_setup=-38") and exits 0.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CLONE_UNTRACED_ 0x00800000

long rawsc(long nr, long a1, long a2, long a3, long a4, long a5);
__asm__(".text\n.globl rawsc\n.type rawsc,@function\nrawsc:\n"
	"\tmov %rdi, %rax\n\tmov %rsi, %rdi\n\tmov %rdx, %rsi\n\tmov %rcx, %rdx\n"
	"\tmov %r8, %r10\n\tmov %r9, %r8\n\tsyscall\n\tret\n");

/* Set when the probe runs as .../blind_probe_no32: a kernel (or hypervisor) that does not run
 * i386 calls (int 0x80 raises SIGSEGV, as on some PVM guests) gets a benign run without them,
 * the same in every mode, and t_blind skips its i386 part. Read from argv[0]: no system call. */
static int no32;

static long sc32(long nr, long a, long b, long c)
{
	long r;

	if (no32)
		return -38;

	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "memory", "r8", "r9", "r10", "r11");
	return r;
}

static void say(const char *what, long r)
{
	char line[300];
	int n = snprintf(line, sizeof(line), "%s=%ld\n", what, r);

	rawsc(SYS_write, 1, (long)line, n, 0, 0);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* pipe, SIGALRM in 100 ms, a read that blocks until it: EINTR (no SA_RESTART). extra: one more
 * read (of /dev/zero) through the same instruction right after the interrupted one. */
static void interrupted_read(int extra)
{
	struct sigaction sa;
	static char buf[8];
	int p[2];
	long zero, r, again = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: the read fails with EINTR */
	sigaction(SIGALRM, &sa, NULL);
	zero = rawsc(SYS_open, (long)"/dev/zero", O_RDONLY, 0, 0, 0);
	rawsc(SYS_pipe2, (long)p, 0, 0, 0, 0);
	struct itimerval {
		long i_s, i_us, v_s, v_us;
	} it = {0, 0, 0, 100000};
	rawsc(SYS_setitimer, 0 /* ITIMER_REAL */, (long)&it, 0, 0, 0);
	r = rawsc(SYS_read, p[0], (long)buf, 1, 0, 0);
	/* right after the interrupted call, through the same instruction: on the same number */
	if (extra)
		again = rawsc(SYS_read, zero, (long)buf, 1, 0, 0);
	say("read", r);
	if (extra)
		say("read again", again);
	rawsc(SYS_getppid, 0, 0, 0, 0, 0);
}

static void child_and_wait(long pid)
{
	int st;

	if (pid > 0)
		rawsc(SYS_wait4, pid, (long)&st, 0, 0, 0);
}

static void make_dir(const char *dir, long i)
{
	char path[256], what[300];

	snprintf(path, sizeof(path), "%s%ld", dir, i);
	snprintf(what, sizeof(what), "mkdir %s", path);
	say(what, rawsc(SYS_mkdir, (long)path, 0755, 0, 0, 0));
}

/* What an attack changes in the benign run (everything else stays as learned). */
struct variant {
	int restart_extra;	 /* one more read after the interrupted one */
	long clone_flags;	 /* added to the child's clone */
	int clone3;		 /* clone3 instead of clone */
	const char *mkdir;	 /* the child makes this directory instead of its two calls */
	int io_uring;		 /* the child sets up an io_uring instead */
	const char *i386dir;	 /* an i386 mkdir in place of the second i386 getpid */
	const char *after_block; /* at the end: sched_yield (to be blocked), then mkdir this */
	int thread;		 /* the child is a thread (CLONE_THREAD | CLONE_VM ...) */
};

static const char *thread_dir;
static volatile int thread_done;

/* The untraced thread: rawsc's `ret` lands here on the new stack (its top word). */
static void __attribute__((noreturn, used)) thread_main(void)
{
	make_dir(thread_dir, 0);
	thread_done = 1;
	for (;;)
		rawsc(SYS_exit, 0, 0, 0, 0, 0);
}

static void run(const struct variant *v)
{
	long pid;

	rawsc(SYS_getpid, 0, 0, 0, 0, 0);
	rawsc(SYS_getuid, 0, 0, 0, 0, 0);
	interrupted_read(v->restart_extra);
	if (v->thread) {
		static unsigned long stack[8192] __attribute__((aligned(16)));
		unsigned long *top = &stack[8192 - 2]; /* top % 16 == 0: + 8 after the ret */

		*top = (unsigned long)thread_main;
		pid = rawsc(SYS_clone,
			    0x00000100 | 0x00000200 | 0x00000400 | 0x00000800 | 0x00010000 |
				    0x00040000 |
				    v->clone_flags, /* VM FS FILES SIGHAND THREAD SYSVSEM */
			    (long)top, 0, 0, 0);
		/* the thread reports through memory, not a system call: wait for it by spinning */
		for (unsigned long spin = 0; pid > 0 && !thread_done && spin < 4000000000ul; spin++)
			__asm__ volatile("pause");
	} else if (v->clone3) {
		unsigned long long args[8] = {CLONE_UNTRACED_ | v->clone_flags, 0, 0, 0, SIGCHLD};

		pid = rawsc(435 /* clone3 */, (long)args, sizeof(args), 0, 0, 0);
	} else {
		pid = rawsc(SYS_clone, SIGCHLD | v->clone_flags, 0, 0, 0, 0);
	}
	if (pid == 0) {
		if (v->mkdir) {
			make_dir(v->mkdir, 0);
		} else if (v->io_uring) {
			static unsigned char params[120];

			say("io_uring_setup", rawsc(425, 4, (long)params, 0, 0, 0));
		} else {
			rawsc(SYS_getgid, 0, 0, 0, 0, 0);
			rawsc(SYS_getegid, 0, 0, 0, 0, 0);
		}
		rawsc(SYS_exit_group, 0, 0, 0, 0, 0);
	}
	say(v->clone3 ? "clone3" : "clone", pid > 0 ? 0 : pid);
	child_and_wait(pid);
	sc32(20 /* i386 getpid */, 0, 0, 0);
	if (v->i386dir)
		say("i386 mkdir", sc32(39 /* i386 mkdir */, (long)v->i386dir, 0755, 0));
	else
		sc32(20, 0, 0, 0);
	sc32(20, 0, 0, 0);
	rawsc(SYS_getppid, 0, 0, 0, 0, 0);
	if (v->after_block) {
		long r1 = rawsc(SYS_sched_yield, 0, 0, 0, 0, 0);
		long r2 = rawsc(SYS_mkdir, (long)v->after_block, 0755, 0, 0, 0);

		say("sched_yield", r1);
		say("mkdir after a block", r2);
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "benign";
	struct variant v = {0};
	static char arg[256];

	if (argc > 2)
		snprintf(arg, sizeof(arg), "%s", argv[2]); /* static, non-PIE: fits int 0x80 */
	no32 = strstr(argv[0], "_no32") != NULL;
	if (strcmp(mode, "i386-check") == 0) {
		/* exit 0 when this kernel runs an i386 call (its getpid), else SIGSEGV or 1 */
		return sc32(20 /* i386 getpid */, 0, 0, 0) > 0 ? 0 : 1;
	} else if (strcmp(mode, "benign") == 0) {
		run(&v);
	} else if (strcmp(mode, "untraced") == 0 && argc > 2) {
		v.clone_flags = CLONE_UNTRACED_;
		v.mkdir = arg;
		run(&v);
	} else if (strcmp(mode, "untraced-thread") == 0 && argc > 2) {
		v.thread = 1;
		v.clone_flags = CLONE_UNTRACED_;
		thread_dir = arg;
		run(&v);
	} else if (strcmp(mode, "clone3") == 0 && argc > 2) {
		v.clone3 = 1;
		v.mkdir = arg;
		run(&v);
	} else if (strcmp(mode, "prefix") == 0 && argc > 2) {
		v.mkdir = arg;
		run(&v);
	} else if (strcmp(mode, "io_uring") == 0) {
		v.io_uring = 1;
		run(&v);
	} else if (strcmp(mode, "i386") == 0 && argc > 2) {
		v.i386dir = arg;
		run(&v);
	} else if (strcmp(mode, "afterblock") == 0 && argc > 2) {
		v.after_block = arg;
		run(&v);
	} else if (strcmp(mode, "restart") == 0) {
		v.restart_extra = 1;
		run(&v);
	} else if (strcmp(mode, "cap") == 0 && argc > 3) {
		long n = strtol(argv[2], NULL, 10), kids[64];

		for (long i = 0; i < n && i < 64; i++) {
			kids[i] = rawsc(SYS_fork, 0, 0, 0, 0, 0);
			if (kids[i] == 0) {
				struct timespec ts = {0, 300000000};

				rawsc(SYS_nanosleep, (long)&ts, 0, 0, 0, 0);
				make_dir(argv[3], i);
				rawsc(SYS_exit_group, 0, 0, 0, 0, 0);
			}
		}
		for (long i = 0; i < n && i < 64; i++)
			child_and_wait(kids[i]);
	} else if (strcmp(mode, "flood") == 0 && argc > 2) {
		long n = strtol(argv[2], NULL, 10);

		for (long i = 0; i < n; i++)
			rawsc(SYS_getpgrp, 0, 0, 0, 0, 0);
		rawsc(SYS_sched_yield, 0, 0, 0, 0, 0);
		rawsc(SYS_getpgrp, 0, 0, 0, 0, 0);
	} else if (strcmp(mode, "grow") == 0 && argc > 2) {
		static const long calls[8] = {SYS_getpid,  SYS_getppid, SYS_getuid, SYS_getgid,
					      SYS_geteuid, SYS_getegid, SYS_gettid, SYS_getpgrp};
		long n = strtol(argv[2], NULL, 10);
		unsigned long x = 88172645463325252ul;

		for (long i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			rawsc(calls[x & 7], 0, 0, 0, 0, 0);
		}
	} else {
		fprintf(stderr, "blind_probe: bad mode \"%s\"\n", mode);
		return 2;
	}
	return 0;
}
