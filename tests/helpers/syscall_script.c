/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Makes the system calls named on its command line, in order, and nothing else: a
 * deterministic call sequence for tests that compare two ways of judging the same windows.
 *   syscall_script [--sigalrm USEC] [--repeat N] [--fork N] NAME[*COUNT]...
 * NAME is one of the argument-less calls below, "enosys:N" for a number that is no x86_64
 * system call (335..423 or 470..9999: it fails with ENOSYS), or an attack step (one call
 * each, with the effect a test checks for): mkdir (mkdirat /out/dir), symlink (symlinkat / ->
 * /out/link), fork (fork; the child makes symlinkat / -> /out/child-link and exits, the parent
 * waits: fork and wait4), i386_mkdir (mkdir /out/i386-dir through int 0x80: i386 number 39, the
 * x86_64 number of getpid), i386_getpid (int 0x80, i386 number 20), io_uring (io_uring_setup
 * of a 4-entry ring, the ring left open). Static, no threads, no
 * signals; exits 0, or 2 on an unknown name (before making any call of the script). With
 * --sigalrm, an interval timer delivers SIGALRM every USEC microseconds, at whatever call the
 * steps are at, and its handler makes getegid and getpgrp (then rt_sigreturn): the handler's
 * calls land between the steps' calls at random points; "alarms=N" is printed at the end
 * (a write after the steps). --repeat makes the whole list of steps N times. With --fork, N
 * children one after the other make the calls, and the parent prints "rc=<status>" for each (128 +
 * signal for a child killed by one), making the same calls whatever the children's fate.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

/* attack steps: numbers no x86_64 call has */
enum {
	STEP_MKDIR = 10000,
	STEP_SYMLINK,
	STEP_FORK,
	STEP_I386_MKDIR,
	STEP_I386_GETPID,
	STEP_IO_URING
};

static const struct {
	const char *name;
	long nr;
} calls[] = {
	{"getpid", SYS_getpid},
	{"getppid", SYS_getppid},
	{"getuid", SYS_getuid},
	{"getgid", SYS_getgid},
	{"geteuid", SYS_geteuid},
	{"getegid", SYS_getegid},
	{"gettid", SYS_gettid},
	{"getpgrp", SYS_getpgrp},
	{"sched_yield", SYS_sched_yield},
	{"setsid", SYS_setsid}, /* fails with EPERM for a process group leader: still a call */
	{"mkdir", STEP_MKDIR},
	{"symlink", STEP_SYMLINK},
	{"fork", STEP_FORK},
	{"i386_mkdir", STEP_I386_MKDIR},
	{"i386_getpid", STEP_I386_GETPID},
	{"io_uring", STEP_IO_URING},
};

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
	syscall(SYS_getegid);
	syscall(SYS_getpgrp);
}

static int start_alarm(long usec)
{
	struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
	struct itimerval it = {.it_interval = {usec / 1000000, usec % 1000000},
			       .it_value = {usec / 1000000, usec % 1000000}};

	if (usec < 1 || usec > 10000000 || sigaction(SIGALRM, &sa, NULL) < 0 ||
	    setitimer(ITIMER_REAL, &it, NULL) < 0)
		return -1;
	return 0;
}

/* an i386 call through int 0x80 (its arguments must sit below 4 GiB: static, not PIE) */
static long int80(long nr, long a1, long a2)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a1), "c"(a2) : "memory");
	return ret;
}

static void step(long nr)
{
	static const char i386_dir[] = "/out/i386-dir";
	static unsigned char ring_params[120]; /* struct io_uring_params, zeroed */
	int status;
	pid_t pid;

	switch (nr) {
	case STEP_MKDIR:
		syscall(SYS_mkdirat, AT_FDCWD, "/out/dir", 0755);
		break;
	case STEP_SYMLINK:
		syscall(SYS_symlinkat, "/", AT_FDCWD, "/out/link");
		break;
	case STEP_FORK:
		pid = (pid_t)syscall(SYS_fork);
		if (pid == 0) {
			syscall(SYS_symlinkat, "/", AT_FDCWD, "/out/child-link");
			syscall(SYS_exit, 0);
		}
		if (pid > 0)
			syscall(SYS_wait4, pid, &status, 0, NULL);
		break;
	case STEP_I386_MKDIR:
		int80(39, (long)(unsigned long)i386_dir, 0755);
		break;
	case STEP_I386_GETPID:
		int80(20, 0, 0);
		break;
	case STEP_IO_URING:
		syscall(425 /* io_uring_setup */, 4, ring_params);
		break;
	default:
		syscall(nr);
		break;
	}
}

#define MAX_STEPS 100000

int main(int argc, char **argv)
{
	static long nr[MAX_STEPS];
	size_t n = 0;
	long children = 0, alarm_usec = 0, repeat = 1;
	int first = 1;

	if (argc > 2 && strcmp(argv[1], "--sigalrm") == 0) {
		alarm_usec = strtol(argv[2], NULL, 10);
		if (alarm_usec < 1)
			return 2;
		first = 3;
	}
	if (argc > first + 1 && strcmp(argv[first], "--repeat") == 0) {
		repeat = strtol(argv[first + 1], NULL, 10);
		if (repeat < 1 || repeat > 100000)
			return 2;
		first += 2;
	}
	if (argc > first + 1 && strcmp(argv[first], "--fork") == 0) {
		children = strtol(argv[first + 1], NULL, 10);
		if (children < 1 || children > 100)
			return 2;
		first += 2;
	}
	for (int i = first; i < argc; i++) {
		char name[32], *star = strchr(argv[i], '*');
		size_t len = star ? (size_t)(star - argv[i]) : strlen(argv[i]);
		long count = star ? strtol(star + 1, NULL, 10) : 1, found = -1;

		if (len >= sizeof(name) || count < 1 || count > MAX_STEPS)
			return 2;
		memcpy(name, argv[i], len);
		name[len] = '\0';
		for (size_t c = 0; c < sizeof(calls) / sizeof(calls[0]); c++)
			if (strcmp(calls[c].name, name) == 0)
				found = calls[c].nr;
		if (strncmp(name, "enosys:", 7) == 0) {
			long v = strtol(name + 7, NULL, 10);

			found = (v >= 335 && v <= 423) || (v >= 470 && v < STEP_MKDIR) ? v : -1;
		}
		if (found < 0 || n + (size_t)count > MAX_STEPS) {
			fprintf(stderr, "syscall_script: bad step \"%s\"\n", argv[i]);
			return 2;
		}
		while (count--)
			nr[n++] = found;
	}
	if (alarm_usec && start_alarm(alarm_usec) < 0)
		return 2;
	if (children == 0) {
		for (long r = 0; r < repeat; r++)
			for (size_t i = 0; i < n; i++)
				step(nr[i]);
		if (alarm_usec) {
			char line[32];
			int len = snprintf(line, sizeof(line), "alarms=%d\n", (int)alarms);

			if (write(1, line, (size_t)len) != len)
				return 1;
		}
		return 0;
	}
	for (long c = 0; c < children; c++) {
		char line[32];
		int status = 0, len;
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			for (size_t i = 0; i < n; i++)
				step(nr[i]);
			_exit(0);
		}
		if (waitpid(pid, &status, 0) != pid)
			return 1;
		len = snprintf(line, sizeof(line), "rc=%d\n",
			       WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
		if (write(1, line, (size_t)len) != len)
			return 1;
	}
	return 0;
}
