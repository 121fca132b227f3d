/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A restarted monitor takes the container back (limits.monitor_restarts). The watchdog holds a
 * copy of every listener, so the kernel keeps a dead monitor's notifications waiting; when the
 * monitor dies, the watchdog re-executes cids-notify (/proc/self/exe, the dead monitor's argv
 * with --adopt-fd N --restarts LEFT-1) and hands it, on a SOCK_SEQPACKET pair, the records it
 * keeps itself (WD_INFO: id, key, mode, init, bundle profile; WD_PIDFD: the init's pidfd the
 * dead monitor took; WD_FD: each listener), then the notification the dead monitor had received
 * and not answered (WD_INFLIGHT: the shared page), then WD_DONE. The new monitor opens the
 * session again (the profile as last checkpointed), listens on the socket again (for exec
 * joiners), starts a watchdog of its own and answers "OK"; only then does the old watchdog
 * acknowledge ("C" to the new monitor, which serves only after it, and on the WD_ARM pipe to the
 * new monitor's watchdog), exit and drop its copies.
 * All or nothing: the new monitor runs in a process group of its own. If it refuses, dies or
 * does not answer in ADOPT_TIMEOUT_MS, the old watchdog SIGKILLs that group (the new monitor and
 * the watchdog it started, which holds copies of the listeners) and reaps the monitor before it
 * applies on_error itself: there is never a second server of the same listeners. The new
 * monitor's watchdog waits for the old watchdog's word on the WD_ARM pipe before it restarts or
 * serves anything, so it cannot start a third monitor (in a group of its own, which that kill
 * would miss) when the new monitor dies before the hand-over stands. The new monitor is the old
 * watchdog's child and stays unreaped until then, so its pid (and group) cannot name anything
 * else.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cids/log.h"
#include "cids/macro.h"
#include "cids/pidfd.h"
#include "cids/util.h"
#include "notify.h"

#define ADOPT_TIMEOUT_MS 15000
#define ADOPT_REAP_MS	 5000
#define ARGV_MAX	 32

static bool skip_opt(const char *a, const char *name, bool *takes_next)
{
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return false;
	if (a[n] == '\0') {
		*takes_next = true;
		return true;
	}
	return a[n] == '=';
}

_Noreturn static void exec_new_monitor(const struct watchdog_restart *restart, int fd)
{
	const char *argv[ARGV_MAX + 6];
	char fdbuf[16], left[16];
	int n = 0;

	for (int i = 3; i < 1024; i++)
		if (i != fd)
			(void)close(i);
	/* a group of its own, which the old watchdog kills whole if the hand-over fails */
	(void)setpgid(0, 0);
	(void)fcntl(fd, F_SETFD, 0);
	for (int i = 0; restart->argv[i] && n < ARGV_MAX; i++) {
		bool next = false;

		if (i > 0 && (skip_opt(restart->argv[i], "--report-fd", &next) ||
			      skip_opt(restart->argv[i], "--adopt-fd", &next) ||
			      skip_opt(restart->argv[i], "--restarts", &next))) {
			i += next && restart->argv[i + 1];
			continue;
		}
		argv[n++] = restart->argv[i];
	}
	snprintf(fdbuf, sizeof(fdbuf), "%d", fd);
	snprintf(left, sizeof(left), "%u", restart->left - 1);
	argv[n++] = "--adopt-fd";
	argv[n++] = fdbuf;
	argv[n++] = "--restarts";
	argv[n++] = left;
	argv[n] = NULL;
	/* by its path, so the new monitor's name is cids-notify; /proc/self/exe when the file
	 * was replaced meanwhile (its name is then "exe") */
	{
		char exe[4096];
		ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

		if (len > 0) {
			exe[len] = '\0';
			execv(exe, (char **)argv);
		}
	}
	execv("/proc/self/exe", (char **)argv);
	_exit(127);
}

static int send_rec(int fd, const void *buf, size_t len)
{
	return send(fd, buf, len, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* Reap our SIGKILLed child pid, waiting ADOPT_REAP_MS at most: a process in uninterruptible
 * sleep (a hung disk under its checkpoint) dies only when that sleep ends. It runs no code of
 * its own again (SIGKILL pending), so on_error may go ahead; it stays our child, unreaped, so its
 * pid and group name nothing else until we exit. */
static void reap_killed(pid_t pid)
{
	_cleanup_close_ int pfd = pidfd_open_pid(pid);
	struct pollfd p = {.fd = pfd, .events = POLLIN};
	int r;

	if (pfd < 0) {
		(void)waitpid(pid, NULL, 0); /* no pidfd (EMFILE): as before, unbounded */
		return;
	}
	do
		r = poll(&p, 1, ADOPT_REAP_MS);
	while (r < 0 && errno == EINTR);
	if (r == 1)
		(void)waitpid(pid, NULL, 0);
	else
		log_error("The new monitor %d has not ended %d s after SIGKILL (uninterruptible "
			  "sleep?): applying on_error, it cannot run again",
			  (int)pid, ADOPT_REAP_MS / 1000);
}

int watchdog_restart_monitor(const struct watchdog_restart *restart, const struct wd_info *info,
			     int init_pidfd, const int *fds, unsigned n,
			     const struct seccomp_notif *inflight, size_t req_size, pid_t *ret_pid)
{
	_cleanup_free_ char *rec = malloc(1 + req_size);
	struct pollfd p = {.events = POLLIN};
	char reply[256] = "";
	int sp[2], arm[2], r = 0;
	pid_t pid;
	char t;

	if (!rec)
		return -ENOMEM;
	if (pipe2(arm, O_CLOEXEC) < 0)
		return -errno;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		r = -errno;
		close(arm[0]);
		close(arm[1]);
		return r;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(sp[0]);
		close(sp[1]);
		close(arm[0]);
		close(arm[1]);
		return r;
	}
	if (pid == 0)
		exec_new_monitor(restart, sp[1]);
	/* the parent too, so the group exists before any kill of it below */
	(void)setpgid(pid, pid);
	close(sp[1]);
	r = send_rec(sp[0], info, sizeof(*info));
	if (r >= 0)
		r = watchdog_send_fd(sp[0], WD_PIDFD, init_pidfd);
	if (r >= 0)
		r = watchdog_send_fd(sp[0], WD_ARM, arm[0]);
	close(arm[0]);
	for (unsigned i = 0; r >= 0 && i < n; i++)
		r = watchdog_send_fd(sp[0], WD_FD, fds[i]);
	if (r >= 0 && inflight) {
		rec[0] = WD_INFLIGHT;
		memcpy(rec + 1, inflight, req_size);
		r = send_rec(sp[0], rec, 1 + req_size);
	}
	t = WD_DONE;
	if (r >= 0)
		r = send_rec(sp[0], &t, 1);
	p.fd = sp[0];
	if (r >= 0 && poll(&p, 1, ADOPT_TIMEOUT_MS) == 1 &&
	    recv(sp[0], reply, sizeof(reply) - 1, 0) > 0 && strncmp(reply, "OK", 2) == 0) {
		/* the hand-over stands from here on: the new monitor may serve (if it died
		 * meanwhile, its watchdog, armed below, restarts or applies on_error) */
		t = 'C';
		(void)send_rec(sp[0], &t, 1);
		(void)!write(arm[1], &t, 1);
		close(arm[1]);
		close(sp[0]);
		*ret_pid = pid;
		return 0;
	}
	/* the group: the new monitor and the watchdog it may have started, which waits for our
	 * word on arm[1] and so has restarted nothing. The new monitor is our unreaped child (pid
	 * and group pinned); a group signal reaches a child that a fork of theirs creates
	 * meanwhile too (the fork restarts) */
	(void)kill(-pid, SIGKILL);
	reap_killed(pid);
	close(arm[1]);
	close(sp[0]);
	reply[strcspn(reply, "\n")] = '\0';
	if (reply[0])
		log_error("The new monitor refused the container: %s", reply);
	return r < 0 ? r : -EIO;
}

int notify_adopt_read(int fd, struct wd_info *info, int *ret_pidfd, int *ret_armfd, int *fds,
		      unsigned max, unsigned *ret_n, struct seccomp_notif *inflight,
		      size_t req_size, bool *ret_has_inflight)
{
	_cleanup_free_ char *buf = malloc(sizeof(struct wd_info) + req_size + 1);
	bool have_info = false;
	unsigned n = 0;

	if (!buf)
		return -ENOMEM;
	*ret_has_inflight = false;
	*ret_pidfd = -EBADF;
	*ret_armfd = -EBADF;
	for (;;) {
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(int))];
		} cm;
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof(struct wd_info) + req_size};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = cm.b,
				    .msg_controllen = sizeof(cm.b)};
		ssize_t len = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		struct cmsghdr *c;

		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0)
			break;
		c = CMSG_FIRSTHDR(&mh);
		if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int lfd;

			memcpy(&lfd, CMSG_DATA(c), sizeof(lfd));
			if (buf[0] == WD_FD && n < max) {
				fds[n++] = lfd;
			} else if (buf[0] == WD_PIDFD && *ret_pidfd < 0) {
				*ret_pidfd = lfd;
			} else if (buf[0] == WD_ARM && *ret_armfd < 0) {
				*ret_armfd = lfd;
			} else {
				close(lfd);
			}
			continue;
		}
		if (buf[0] == WD_DONE) {
			*ret_n = n;
			return have_info ? 0 : -EBADMSG;
		}
		if (buf[0] == WD_INFO && (size_t)len == sizeof(*info)) {
			memcpy(info, buf, sizeof(*info));
			info->id[sizeof(info->id) - 1] = '\0';
			info->key[sizeof(info->key) - 1] = '\0';
			info->bundle_profile[sizeof(info->bundle_profile) - 1] = '\0';
			have_info = true;
		} else if (buf[0] == WD_INFLIGHT && (size_t)len == 1 + req_size) {
			memcpy(inflight, buf + 1, req_size);
			*ret_has_inflight = true;
		}
	}
	while (n)
		close(fds[--n]);
	if (*ret_pidfd >= 0)
		close(*ret_pidfd);
	if (*ret_armfd >= 0)
		close(*ret_armfd);
	*ret_pidfd = *ret_armfd = -EBADF;
	return -EBADMSG;
}

int notify_adopt_confirm(int fd)
{
	static const char ok[] = "OK\n";
	char ack = 0;
	ssize_t n = 0;
	int r = 0;

	if (send(fd, ok, sizeof(ok) - 1, MSG_NOSIGNAL) < 0)
		r = -errno;
	/* no time limit: the old watchdog answers at once, or kills us at its time-out */
	while (r >= 0 && (n = recv(fd, &ack, 1, 0)) < 0 && errno == EINTR)
		;
	if (r >= 0 && (n < 0 || ack != 'C'))
		r = n < 0 ? -errno : -ECONNRESET;
	close(fd);
	return r;
}
