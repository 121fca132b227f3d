/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The notify monitor's signals. Nothing is signalled by a number kept from earlier (pid_max is
 * small; a pid outlives its process): the container's init through the pidfd taken when its pid
 * was known to be the init (serve.c's watch_init, or the one a restarted monitor is handed), the
 * caller of a notification through a pidfd taken while that call still waits (NOTIF_ID_VALID
 * after pidfd_open: then the number is still that caller's).
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

struct caller_check {
	int listener; /* -EBADF: LXC (its monitor holds the listener) */
	uint64_t id;
	pid_t tid;
};

/* Is pid the thread group of the caller still parked in notification id? (Checked after the
 * pidfd is taken: while the call waits, tid lives; tid in pid's task list makes pid its group.) */
static bool caller_of(pid_t pid, void *ud)
{
	const struct caller_check *c = ud;
	char path[64];
	uint64_t id = c->id;

	if (c->listener >= 0 && ioctl(c->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)pid, (int)c->tid);
	return access(path, F_OK) == 0;
}

/* SIGKILL the process of the call in m->req (thread tid, thread group tgid as cached): only
 * while that call still waits, and by a pidfd, so a number reused meanwhile is never hit. */
void notify_kill_caller(struct notify_monitor *m, struct notify_listener *l, pid_t tid, pid_t tgid)
{
	struct caller_check c = {.listener = l->fd, .id = m->req->id, .tid = tid};
	int r = pid_signal_checked(tgid, SIGKILL, caller_of, &c);

	/* the cached group is stale (tid reused by another process since): read it again */
	if (r == -ESTALE || (r == -ESRCH && notify_tgid_read(tid) != tgid))
		r = pid_signal_checked(notify_tgid_read(tid), SIGKILL, caller_of, &c);
	if (r < 0 && r != -ESRCH && r != -ESTALE)
		log_warn_errno(r, "Container \"%s\": cannot kill pid %d", m->info.id, (int)tgid);
}
