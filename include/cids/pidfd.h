/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Signals to processes known by a number that may have been reused. pid_max is small (32768 on
 * many hosts), so a pid stored earlier can name another process by the time it is used; a
 * pidfd names one process for good. The rule in cids: a pid learned earlier is signalled only
 * through a pidfd taken while the pid was known to be that process (a tracee not yet waited for,
 * a caller still parked in a notification, a process in the container's pid namespace), or
 * through pid_signal_checked, which takes the pidfd first and checks what the pid is after.
 */
#ifndef CIDS_PIDFD_H
#define CIDS_PIDFD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* pidfd_open(2) (Linux 5.3) of a thread-group leader: a close-on-exec fd, or -errno (-ESRCH: no
 * such process; a tid that is not a leader: -ENOENT since Linux 6.15, -EINVAL before). */
int pidfd_open_pid(pid_t pid);
/* pidfd_open(tid, PIDFD_THREAD) (Linux 6.9): a pidfd of any thread, leader or not; SIGKILL
 * through it kills the whole thread group. -EOPNOTSUPP on older kernels (then use the group
 * leader's pidfd), -ESRCH, -errno. */
int pidfd_open_thread(pid_t tid);
/* sig to the process of pidfd: 0, -ESRCH once it has exited, -errno. */
int pidfd_signal(int pidfd, int sig);
/* Has the process of pidfd exited? (A pidfd polls readable from the exit of its whole thread
 * group on.) False for an fd that is not a pidfd. */
bool pidfd_exited(int pidfd);

/* Is host pid in the pid namespace inum (a container's) or one nested inside it? */
bool pidns_owns_pid(uint32_t inum, pid_t pid);

/* still_ours(pid, ud): is the process that holds pid now the one to signal? (It reads /proc/pid
 * or asks the kernel something about pid.) */
typedef bool (*pid_check_fn)(pid_t pid, void *ud);
/* Signal pid's process only if still_ours says it is the one: pidfd_open first, then the check,
 * then the signal through the pidfd. Sound against reuse: while the pidfd's process lives, pid
 * is its number and the check looks at it; once it has exited, the signal goes nowhere. pid must
 * be a thread group's id (a tgid): a thread that is not the leader gives -ESRCH. 0, or -ESRCH
 * (gone, or not a tgid), -ESTALE (pid now names another process), -errno. */
int pid_signal_checked(pid_t pid, int sig, pid_check_fn still_ours, void *ud);

#endif
