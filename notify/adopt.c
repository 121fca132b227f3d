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
 * joiners), starts a watchdog of its own and answers "OK"; only then does the old watchdog exit
 * and drop its copies.
 * All or nothing: the new monitor runs in a process group of its own. If it refuses, dies or
 * does not answer in ADOPT_TIMEOUT_MS, the old watchdog SIGKILLs that group (the new monitor and
 * the watchdog it started, which holds copies of the listeners and would otherwise restart or
 * serve them) and reaps the monitor before it applies on_error itself: there is never a second
 * server of the same listeners. The new monitor is the old watchdog's child and stays unreaped
 * until then, so its pid (and group) cannot name anything else.
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
#include "cids/util.h"
#include "notify.h"

#define ADOPT_TIMEOUT_MS 15000
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

int watchdog_restart_monitor(const struct watchdog_restart *restart, const struct wd_info *info,
			     int init_pidfd, const int *fds, unsigned n,
			     const struct seccomp_notif *inflight, size_t req_size, pid_t *ret_pid)
{
	_cleanup_free_ char *rec = malloc(1 + req_size);
	struct pollfd p = {.events = POLLIN};
	char reply[256] = "";
	int sp[2], r = 0;
	pid_t pid;
	char t;

	if (!rec)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(sp[0]);
		close(sp[1]);
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
		close(sp[0]);
		*ret_pid = pid;
		return 0;
	}
	/* the group: the new monitor and the watchdog it may have started. The new monitor is our
	 * unreaped child (pid and group pinned); a group signal reaches a child that a fork of
	 * theirs creates meanwhile too (the fork restarts) */
	(void)kill(-pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
	close(sp[0]);
	reply[strcspn(reply, "\n")] = '\0';
	if (reply[0])
		log_error("The new monitor refused the container: %s", reply);
	return r < 0 ? r : -EIO;
}

int notify_adopt_read(int fd, struct wd_info *info, int *ret_pidfd, int *fds, unsigned max,
		      unsigned *ret_n, struct seccomp_notif *inflight, size_t req_size,
		      bool *ret_has_inflight)
{
	_cleanup_free_ char *buf = malloc(sizeof(struct wd_info) + req_size + 1);
	bool have_info = false;
	unsigned n = 0;

	if (!buf)
		return -ENOMEM;
	*ret_has_inflight = false;
	*ret_pidfd = -EBADF;
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
	*ret_pidfd = -EBADF;
	return -EBADMSG;
}
