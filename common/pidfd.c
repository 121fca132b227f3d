/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Signals through pidfds (include/cids/pidfd.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cids/macro.h"
#include "cids/pidfd.h"
#include "cids/util.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* Linux 6.9 */
#endif

int pidfd_open_pid(pid_t pid)
{
	int fd;

	if (pid <= 0)
		return -ESRCH;
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	return fd < 0 ? -errno : fd;
}

int pidfd_open_thread(pid_t tid)
{
	static bool unsupported;
	int fd;

	if (tid <= 0)
		return -ESRCH;
	if (unsupported)
		return -EOPNOTSUPP;
	fd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
	if (fd >= 0)
		return fd;
	if (errno != EINVAL)
		return -errno;
	unsupported = true; /* before 6.9 the flag is unknown: EINVAL whatever tid is */
	return -EOPNOTSUPP;
}

int pidfd_signal(int pidfd, int sig)
{
	if (pidfd < 0)
		return -EBADF;
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return -errno;
	return 0;
}

bool pidfd_exited(int pidfd)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};

	return pidfd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & (POLLIN | POLLHUP));
}

/* Does the namespace behind nsfd equal inum, or have it as an ancestor? Consumes nsfd. */
static bool ns_within(int nsfd, uint32_t inum)
{
	for (unsigned depth = 0; nsfd >= 0 && depth < 40; depth++) {
		struct stat st;
		int parent;

		if (fstat(nsfd, &st) < 0)
			break;
		if ((uint32_t)st.st_ino == inum) {
			close(nsfd);
			return true;
		}
		parent = ioctl(nsfd, NS_GET_PARENT);
		close(nsfd);
		nsfd = parent;
	}
	if (nsfd >= 0)
		close(nsfd);
	return false;
}

bool pidns_owns_pid(uint32_t inum, pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	return ns_within(open(path, O_RDONLY | O_CLOEXEC), inum);
}

int pid_signal_checked(pid_t pid, int sig, pid_check_fn still_ours, void *ud)
{
	_cleanup_close_ int pidfd = pidfd_open_pid(pid);

	if (pidfd < 0)
		/* not a thread-group leader (never the one meant: callers pass a tgid): EINVAL
		 * before 6.15, ENOENT since */
		return pidfd == -EINVAL || pidfd == -ENOENT ? -ESRCH : pidfd;
	if (still_ours && !still_ours(pid, ud))
		return pidfd_exited(pidfd) ? -ESRCH : -ESTALE;
	return pidfd_signal(pidfd, sig);
}
