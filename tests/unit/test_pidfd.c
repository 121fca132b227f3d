/* SPDX-License-Identifier: GPL-2.0-or-later */
/* common/pidfd.c: signals through pidfds, the check between taking the pidfd and signalling. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
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

Test(pidfd, pid_namespace_membership)
{
	struct stat st;

	cr_assert_eq(stat("/proc/self/ns/pid", &st), 0);
	cr_assert(pidns_owns_pid((uint32_t)st.st_ino, getpid()));
	cr_assert_not(pidns_owns_pid((uint32_t)st.st_ino + 1, getpid()));
	cr_assert_not(pidns_owns_pid((uint32_t)st.st_ino, 1 << 23));
}
