/* SPDX-License-Identifier: GPL-2.0-or-later */
/* common/pidfd.c: signals through pidfds, the check between taking the pidfd and signalling. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cids/pidfd.h"

static pid_t child_pausing(void)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static bool say_no(pid_t pid, void *ud)
{
	(*(int *)ud)++;
	return false;
}

static bool say_yes(pid_t pid, void *ud)
{
	(*(int *)ud)++;
	return true;
}

Test(pidfd, checked_signal_only_when_the_check_holds)
{
	pid_t pid = child_pausing();
	int calls = 0, status = 0;

	/* the check says "another process now": nothing is sent */
	cr_assert_eq(pid_signal_checked(pid, SIGKILL, say_no, &calls), -ESTALE);
	cr_assert_eq(calls, 1);
	cr_assert_eq(waitpid(pid, &status, WNOHANG), 0, "the child was signalled");
	cr_assert_eq(pid_signal_checked(pid, SIGKILL, say_yes, &calls), 0);
	cr_assert_eq(calls, 2);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

Test(pidfd, a_held_pidfd_never_reaches_a_later_process)
{
	pid_t pid = child_pausing();
	int fd = pidfd_open_pid(pid), status;

	cr_assert_geq(fd, 0);
	cr_assert_not(pidfd_exited(fd));
	cr_assert_eq(pidfd_signal(fd, 0), 0);
	cr_assert_eq(kill(pid, SIGKILL), 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	/* reaped: the number is free for anyone, the pidfd still names the dead child */
	cr_assert(pidfd_exited(fd));
	cr_assert_eq(pidfd_signal(fd, SIGKILL), -ESRCH);
	cr_assert_eq(pidfd_signal(-EBADF, SIGKILL), -EBADF);
	close(fd);
}

Test(pidfd, gone_and_malformed_numbers)
{
	int calls = 0;

	cr_assert_eq(pidfd_open_pid(0), -ESRCH);
	cr_assert_eq(pidfd_open_pid(-1), -ESRCH);
	/* pid_max is at most 2^22: no process holds this number */
	cr_assert_eq(pid_signal_checked(1 << 23, SIGKILL, say_yes, &calls), -ESRCH);
	cr_assert_eq(calls, 0, "the check ran for a pid that has no process");
}

static void *thread_pausing(void *arg)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);

	(void)!write(*(int *)arg, &tid, sizeof(tid));
	for (;;)
		pause();
	return NULL;
}

/* A child with a second thread; its tid in *ret_tid. */
static pid_t child_threaded(pid_t *ret_tid)
{
	int p[2];
	pid_t pid;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		pthread_t t;

		(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0,
			    0); /* a failed assertion leaves none */
		if (pthread_create(&t, NULL, thread_pausing, &p[1]) != 0)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	cr_assert_eq(read(p[0], ret_tid, sizeof(*ret_tid)), (ssize_t)sizeof(*ret_tid));
	close(p[0]);
	return pid;
}

/* A thread that is not the leader: pid_signal_checked says "no such process" (ENOENT since
 * Linux 6.15, EINVAL before, both mapped), and a thread pidfd (6.9+) kills the whole group. */
Test(pidfd, a_thread_that_is_not_the_leader)
{
	pid_t tid, pid = child_threaded(&tid);
	int calls = 0, status = 0, fd;

	cr_assert_neq(tid, pid);
	cr_assert_eq(pid_signal_checked(tid, SIGKILL, say_yes, &calls), -ESRCH);
	cr_assert_eq(calls, 0);
	cr_assert_eq(waitpid(pid, &status, WNOHANG), 0, "the child was signalled");
	fd = pidfd_open_thread(tid);
	if (fd == -EOPNOTSUPP) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		cr_skip_test("no PIDFD_THREAD before Linux 6.9");
	}
	cr_assert_geq(fd, 0, "pidfd_open_thread: %s", strerror(-fd));
	cr_assert_eq(pidfd_signal(fd, SIGKILL), 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(fd);
	cr_assert_eq(pidfd_open_thread(0), -ESRCH);
}

Test(pidfd, pid_namespace_membership)
{
	struct stat st;

	cr_assert_eq(stat("/proc/self/ns/pid", &st), 0);
	cr_assert(pidns_owns_pid((uint32_t)st.st_ino, getpid()));
	cr_assert_not(pidns_owns_pid((uint32_t)st.st_ino + 1, getpid()));
	cr_assert_not(pidns_owns_pid((uint32_t)st.st_ino, 1 << 23));
}
