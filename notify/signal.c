/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The notify monitor's signals. Nothing is signalled by a number kept from earlier (pid_max is
 * small; a pid outlives its process): the container's init through the pidfd taken when its pid
 * was known to be the init (serve.c's watch_init, or the one a restarted monitor is handed), the
 * caller of a notification through a pidfd taken while that call still waits (NOTIF_ID_VALID
 * after pidfd_open: then the number is still that caller's). That pidfd is taken right after
 * the notification is received, before judging, whenever the session may kill: a signal with a
 * handler ends the caller's wait (and the notification) at any time, so a check made only at
 * kill time, after the alert's I/O, would let a tenant dodge every kill by signalling itself.
 */
#include <errno.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cids/log.h"
#include "cids/macro.h"
#include "cids/pidfd.h"
#include "cids/util.h"
#include "monitor.h"
#include "notify.h"

pid_t notify_tgid_read(pid_t tid)
{
	_cleanup_free_ char *buf = NULL;
	char path[64], *p;

	/* the whole file must fit: the Groups line of a task with many groups is long */
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	if (read_full_file(path, 1 << 20, &buf, NULL) < 0)
		return tid;
	p = strstr(buf, "\nTgid:");
	if (!p)
		return tid;
	return (pid_t)strtol(p + 6, NULL, 10) > 0 ? (pid_t)strtol(p + 6, NULL, 10) : tid;
}

/* SIGKILL the container: its init, through the pidfd taken when it was known (its pid
 * namespace dies with it). */
void notify_kill_init(struct notify_monitor *m)
{
	int r = pidfd_signal(m->pidfd, SIGKILL);

	if (r < 0 && r != -ESRCH)
		log_warn_errno(r, "Container \"%s\": cannot kill its init", m->info.id);
}

/* Does thread tid belong to the process that holds pid now? */
static bool task_of(pid_t pid, pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)pid, (int)tid);
	return access(path, F_OK) == 0;
}

int notify_caller_pidfd(int listener, uint64_t id, pid_t tid, pid_t tgid)
{
	int fd;

	if (listener < 0 || tid <= 0)
		return -EBADF;
	fd = pidfd_open_thread(tid);
	if (fd == -EOPNOTSUPP) {
		/* before 6.9: the group leader's pidfd, and tid must be one of its threads */
		if (tgid <= 0)
			tgid = notify_tgid_read(tid);
		fd = pidfd_open_pid(tgid);
		if (fd < 0 || !task_of(tgid, tid)) {
			/* the cached group is stale (tid reused by another process since) */
			if (fd >= 0)
				close(fd);
			tgid = notify_tgid_read(tid);
			fd = pidfd_open_pid(tgid);
			if (fd >= 0 && !task_of(tgid, tid)) {
				close(fd);
				return -ESTALE;
			}
		}
	}
	if (fd < 0)
		return fd == -EINVAL || fd == -ENOENT ? -ESRCH : fd;
	/* last: the call waits now, so it waited since before the open, and the number opened
	 * (and checked in /proc) was its caller's all along */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

int notify_kill_pending(int listener, const struct seccomp_notif *req)
{
	_cleanup_close_ int fd = notify_caller_pidfd(listener, req->id, (pid_t)req->pid, 0);

	if (fd < 0)
		return fd;
	return pidfd_signal(fd, SIGKILL);
}

int notify_listener_id_fd(const struct notify_listener *l)
{
	return l->fd >= 0 ? l->fd : l->lxc_fd;
}

/*
 * The session's verdict on the call being judged is kill: its caller's pidfd now, while the call
 * provably waits (NOTIF_ID_VALID after the open). By the kill, after the alert's I/O, a signal
 * with a handler may have ended the wait, and the notification with it: the tenant's own, to
 * dodge the kill. Between the receive and this there is only the engine's work, no I/O; and
 * calls that are not killed pay nothing.
 */
void notify_on_kill_verdict(void *ud, pid_t tid, pid_t tgid)
{
	struct notify_monitor *m = ud;

	if (m->judging && m->caller_fd == -EBADF)
		m->caller_fd = notify_caller_pidfd(notify_listener_id_fd(m->judging), m->req->id,
						   tid, tgid);
}

void notify_kill_caller(struct notify_monitor *m, struct notify_listener *l, pid_t tid, pid_t tgid,
			int caller)
{
	int r;

	if (caller == -EBADF) {
		/* not taken at receive (the session could not kill then): only while it waits */
		_cleanup_close_ int late =
			notify_caller_pidfd(notify_listener_id_fd(l), m->req->id, tid, tgid);

		r = late < 0 ? late : pidfd_signal(late, SIGKILL);
	} else {
		/* taken while the call provably waited: the caller's, whatever happened since */
		r = caller < 0 ? caller : pidfd_signal(caller, SIGKILL);
	}
	/* -ESTALE: the call had stopped waiting when its pidfd was asked for (its caller died,
	 * or a signal interrupted it: the call did not run, and is judged again if restarted) */
	if (r == -ESTALE)
		log_debug("Container \"%s\": pid %d no longer waited in its call: not killed",
			  m->info.id, (int)tgid);
	else if (r < 0 && r != -ESRCH)
		log_warn_errno(r, "Container \"%s\": cannot kill pid %d", m->info.id, (int)tgid);
}
