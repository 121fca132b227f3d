/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The watchdog of a notify monitor. A listener whose last holder closes it turns every
 * notified call of its processes into ENOSYS: the container would neither run on nor stop
 * cleanly. So the watchdog, a separate process, holds a copy of every listener (sent over a
 * SOCK_SEQPACKET pair) and nothing else. EOF on the pair without the monitor's "done" record
 * means the monitor died (SIGKILL, OOM, crash). While limits.monitor_restarts allows, it starts a
 * new monitor and hands it the container (notify/adopt.c: the listeners, the registration, the
 * call in flight), raises a "restarted" alert and exits. Otherwise (or when that fails) it
 * raises the alert the monitor cannot raise and applies on_error:
 * - first the call the monitor was judging when it died: a notification it had received but not
 *   answered stays "sent" in the kernel and cannot be received again, so its caller would wait
 *   forever (until the listener's last holder, the watchdog, closes it). The monitor receives
 *   every notification into a page it shares with the watchdog (watchdog_start's ret_req): the
 *   kernel has written the id there before the notification counts as sent, so the watchdog
 *   always knows the id of the one call that can be in flight and answers it (allow) or kills
 *   its caller (deny);
 * - allow: it answers every notification CONTINUE until the container ends (a call the
 *   container's own profile denies gets that profile's errno, as from the monitor): the container
 *   goes on, unobserved (new `exec` joiners cannot start: nobody accepts on the socket any more);
 * - deny: it SIGKILLs the container's init (the container's pid namespace dies with it) and
 *   every process a pending notification names, then drops the listeners.
 * Nothing is signalled by a number kept from earlier: the init through the pidfd the monitor
 * took when it learned the init (WD_PIDFD), a caller only while its notification is still
 * pending (NOTIF_ID_VALID checked after its pidfd is taken). The container may have ended, and
 * its pids been reused, long before the monitor dies.
 */
#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cids/alert.h"
#include "cids/log.h"
#include "cids/macro.h"
#include "cids/notify_proto.h"
#include "cids/pidfd.h"
#include "notify.h"

int watchdog_send_info(int fd, const struct session_info *info)
{
	struct wd_info w = {.type = WD_INFO, .init_pid = info->init_pid, .mode = (int)info->mode};

	snprintf(w.id, sizeof(w.id), "%s", info->id);
	snprintf(w.key, sizeof(w.key), "%s", info->key);
	snprintf(w.bundle_profile, sizeof(w.bundle_profile), "%s", info->bundle_profile);
	return send(fd, &w, sizeof(w), MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int watchdog_send_fd(int fd, char type, int passfd)
{
	char t = type;
	struct iovec iov = {.iov_base = &t, .iov_len = 1};
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cm = {};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cm.b,
			    .msg_controllen = sizeof(cm.b)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &passfd, sizeof(int));
	return sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

void watchdog_done(int fd)
{
	char t = WD_DONE;

	(void)!send(fd, &t, 1, MSG_NOSIGNAL);
	close(fd);
}

/* SIGKILL the caller of a pending notification (req->pid is a thread's id, not necessarily the
 * leader's): its pidfd first, then the check that the call still waits (so the number is still
 * that caller's), then the signal through the pidfd. */
static void kill_caller(int listener, const struct seccomp_notif *req)
{
	(void)notify_kill_pending(listener, req);
}

/* The call the monitor received and did not answer: CONTINUE (allow), or its caller killed and
 * -EPERM (deny). The page keeps the last id the monitor received, answered or not: only a
 * listener that still holds that id as sent (NOTIF_ID_VALID) has a caller waiting in it, so a
 * pid that has since ended (and may have been reused) is never killed. */
static void answer_inflight(const struct notify_denied *denied,
			    const struct seccomp_notif *inflight, int *fds, unsigned n, bool deny)
{
	struct seccomp_notif_sizes sz = {};
	_cleanup_free_ struct seccomp_notif_resp *resp = NULL;
	uint64_t id;

	if (!inflight)
		return;
	id = inflight->id;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0)
		return;
	resp = calloc(1, MAX(sz.seccomp_notif_resp, sizeof(*resp)));
	if (!resp)
		return;
	resp->id = id;
	if (deny)
		resp->error = -EPERM;
	else if (notify_req_denied(denied, inflight))
		resp->error = -notify_req_denied(denied, inflight);
	else
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	for (unsigned i = 0; i < n; i++) {
		if (ioctl(fds[i], SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
			continue;
		if (deny)
			kill_caller(fds[i], inflight);
		(void)ioctl(fds[i], SECCOMP_IOCTL_NOTIF_SEND, resp);
		return;
	}
}

/* allow: answer CONTINUE to everything until every listener hangs up. */
static void serve_continue(const struct notify_denied *denied, int *fds, unsigned n)
{
	struct seccomp_notif_sizes sz = {};
	_cleanup_free_ struct seccomp_notif *req = NULL;
	_cleanup_free_ struct seccomp_notif_resp *resp = NULL;
	_cleanup_free_ struct pollfd *p = calloc(n ? n : 1, sizeof(*p));
	size_t rqs, rps;

	if (!p || syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0)
		return;
	rqs = MAX(sz.seccomp_notif, sizeof(*req));
	rps = MAX(sz.seccomp_notif_resp, sizeof(*resp));
	req = calloc(1, rqs);
	resp = calloc(1, rps);
	if (!req || !resp)
		return;
	for (unsigned i = 0; i < n; i++)
		p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
	for (;;) {
		unsigned live = 0;

		if (poll(p, n, -1) < 0 && errno != EINTR)
			return;
		for (unsigned i = 0; i < n; i++) {
			if (p[i].fd < 0)
				continue;
			if (p[i].revents & POLLIN) {
				memset(req, 0, rqs);
				if (ioctl(p[i].fd, SECCOMP_IOCTL_NOTIF_RECV, req) == 0) {
					memset(resp, 0, rps);
					resp->id = req->id;
					resp->error = -notify_req_denied(denied, req);
					if (!resp->error)
						resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
					(void)ioctl(p[i].fd, SECCOMP_IOCTL_NOTIF_SEND, resp);
				}
			} else if (p[i].revents & (POLLHUP | POLLERR)) {
				close(p[i].fd);
				p[i].fd = -1;
			}
			live += p[i].fd >= 0;
		}
		if (!live)
			return;
	}
}

/* deny (the init is killed before): kill whatever waits in a notification now. */
static void kill_callers(int *fds, unsigned n)
{
	struct seccomp_notif_sizes sz = {};

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0)
		return;
	_cleanup_free_ struct seccomp_notif *req = calloc(1, MAX(sz.seccomp_notif, sizeof(*req)));
	if (!req)
		return;
	for (unsigned i = 0; i < n; i++) {
		struct pollfd p = {.fd = fds[i], .events = POLLIN};

		/* a joiner in the host pid namespace does not die with the init */
		while (poll(&p, 1, 0) == 1 && (p.revents & POLLIN)) {
			if (ioctl(fds[i], SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
				break;
			kill_caller(fds[i], req);
		}
	}
}

/* A restarted monitor's watchdog whose monitor died: did the old watchdog let the hand-over
 * stand ('C' on the WD_ARM pipe)? Waits for its word (it decides within its hand-over time-out);
 * if it gives up it SIGKILLs our process group, so we never see that. EOF without 'C': it died
 * undecided; ownership moves only by that byte, so we act on nothing. */
static bool handover_stood(int arm_fd)
{
	char c = 0;
	ssize_t n;

	while ((n = read(arm_fd, &c, 1)) < 0 && errno == EINTR)
		;
	return n == 1 && c == 'C';
}

/* Start a new monitor for the container; true when it took the listeners over. */
static bool try_restart(const struct cids_config *cfg, const struct watchdog_restart *restart,
			const struct wd_info *info, int init_pidfd, const int *fds, unsigned n,
			const struct seccomp_notif *inflight, size_t req_size)
{
	char msg[512];
	pid_t pid = 0;
	int r;

	if (!restart || !restart->argv || restart->left == 0 || !info->id[0] || init_pidfd < 0)
		return false;
	/* the hand-over carries the fields we read (id, pid, data): the struct as we know it */
	r = watchdog_restart_monitor(restart, info, init_pidfd, fds, n, inflight,
				     MIN(req_size, sizeof(*inflight)), &pid);
	if (r < 0) {
		log_error_errno(r, "Container \"%s\": the monitor died and could not be restarted",
				info->id);
		return false;
	}
	snprintf(msg, sizeof(msg),
		 "monitor died: restarted as pid %d, which took the container's listeners back "
		 "(%u restart(s) left)",
		 (int)pid, restart->left - 1);
	struct cids_alert a = {
		.rule = "cids_monitor",
		.priority = "Critical",
		.container_id = info->id,
		.profile_key = info->key,
		.action = "restarted",
		.message = msg,
	};
	(void)alert_emit(cfg->alerts, cfg->syslog, &a);
	log_error("Container \"%s\": %s", info->id, msg);
	return true;
}

/* The monitor died and no new one took over: deny kills the init first, and the alert says
 * what came of it. */
static void on_death(const struct cids_config *cfg, const struct wd_info *info, bool deny, bool lxc,
		     int init_pidfd)
{
	const char *action;
	char msg[512];
	int r = 0;

	/* deny: the init first, and the alert says what came of it. No pidfd (its pidfd_open
	 * failed, or the monitor died before it took it): nothing can kill the container, nor tell
	 * when it ends; its notified calls fail with ENOSYS once the listeners close (LXC: nobody
	 * answers its proxy any more) */
	if (deny)
		r = pidfd_signal(init_pidfd, SIGKILL);
	if ((deny || lxc) && init_pidfd < 0) {
		action = "enosys";
		snprintf(
			msg, sizeof(msg),
			"monitor died: the container's init was never known to it (no pidfd): the "
			"container was NOT killed; its notified calls fail with ENOSYS from now on "
			"(on_error %s)",
			deny ? "deny" : "allow");
	} else if (deny && r < 0 && r != -ESRCH) {
		action = "enosys";
		snprintf(msg, sizeof(msg),
			 "monitor died: the container could not be killed (%s): its notified calls "
			 "fail with ENOSYS from now on (on_error deny)",
			 strerror(-r));
	} else {
		action = deny ? "killed" : "untraced";
		snprintf(msg, sizeof(msg), "monitor died: %s",
			 !deny	  ? "the container goes on unobserved: every call is let through "
				    "(on_error allow)"
			 : r == 0 ? "the container was killed (on_error deny)"
				  : "the container had ended already (on_error deny)");
	}
	{
		struct cids_alert a = {
			.rule = "cids_monitor",
			.priority = "Critical",
			.container_id = info->id,
			.profile_key = info->key,
			.action = action,
			.message = msg,
		};

		(void)alert_emit(cfg->alerts, cfg->syslog, &a);
	}
	log_error("Container \"%s\": %s", info->id, msg);
}

_Noreturn static void watchdog_main(const struct cids_config *cfg,
				    const struct notify_denied *denied,
				    const struct watchdog_restart *restart, int sock,
				    const struct seccomp_notif *inflight, size_t req_size,
				    int lxc_lfd)
{
	struct wd_info info = {};
	int fds[NOTIFY_MAX_LISTENERS];
	unsigned nfds = 0;
	char status_path[CIDS_PATH_MAX + 1100];
	bool deny = cfg->on_error == CIDS_ONERR_DENY;
	int init_pidfd = -EBADF;

	(void)prctl(PR_SET_NAME, "cids-watchdog", 0, 0, 0);
	/* the monitor ignores SIGCHLD (auto-reap): a restarted monitor, our child, must stay
	 * unreaped until we wait for it, so its pid cannot name another process meanwhile */
	(void)signal(SIGCHLD, SIG_DFL);
	for (;;) {
		union {
			struct wd_info w;
			char t;
		} u;
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(int))];
		} cm;
		struct iovec iov = {.iov_base = &u, .iov_len = sizeof(u)};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = cm.b,
				    .msg_controllen = sizeof(cm.b)};
		ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (u.t == WD_DONE)
			_exit(0);
		if (u.t == WD_INFO && (size_t)n == sizeof(info)) {
			info = u.w;
			info.id[sizeof(info.id) - 1] = '\0';
			info.key[sizeof(info.key) - 1] = '\0';
			info.bundle_profile[sizeof(info.bundle_profile) - 1] = '\0';
			continue;
		}
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

		if ((u.t == WD_FD || u.t == WD_PIDFD) && c && c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_RIGHTS) {
			int fd;

			memcpy(&fd, CMSG_DATA(c), sizeof(fd));
			if (u.t == WD_PIDFD) {
				if (init_pidfd >= 0)
					close(init_pidfd);
				init_pidfd = fd;
			} else if (nfds < ARRAY_SIZE(fds)) {
				fds[nfds++] = fd;
			} else {
				close(fd);
			}
		}
	}
	/* the monitor is gone without saying "done". A restarted one before its hand-over stood:
	 * the old watchdog still owns the container (and kills us), nothing is ours to do */
	if (restart && restart->arm_fd >= 0 && !handover_stood(restart->arm_fd)) {
		log_error("Container \"%s\": the restarted monitor died before its hand-over "
			  "stood; the old watchdog keeps the container",
			  info.id);
		_exit(0);
	}
	/* a new monitor takes over where allowed */
	if (lxc_lfd < 0 &&
	    try_restart(cfg, restart, &info, init_pidfd, fds, nfds, inflight, req_size))
		_exit(0);
	if (lxc_lfd >= 0 && init_pidfd < 0 && !info.id[0])
		_exit(0); /* no container registered (cids-hook applies on_error) */
	on_death(cfg, &info, deny, lxc_lfd >= 0, init_pidfd);
	if (info.id[0] && !strchr(info.id, '/')) {
		snprintf(status_path, sizeof(status_path), "%s/monitors/%s.json", cfg->run_dir,
			 info.id);
		(void)unlink(status_path);
	}
	answer_inflight(denied, inflight, fds, nfds, deny);
	if (lxc_lfd >= 0) {
		/* LXC's monitor receives on the listeners; it reconnects to our socket */
		for (unsigned i = 0; i < nfds; i++)
			close(fds[i]);
		/* without the init's pidfd the end could not be seen: nothing served */
		if (init_pidfd >= 0)
			(void)notify_lxc_pass(lxc_lfd, init_pidfd, -1, denied, deny);
		_exit(0);
	}
	if (deny)
		kill_callers(fds, nfds);
	else
		serve_continue(denied, fds, nfds);
	_exit(0);
}

int watchdog_start(const struct cids_config *cfg, const struct notify_denied *denied,
		   const struct watchdog_restart *restart, size_t req_size, int lxc_lfd,
		   int *ret_fd, struct seccomp_notif **ret_req)
{
	struct seccomp_notif *req;
	int sp[2];
	pid_t pid;

	req = mmap(NULL, req_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (req == MAP_FAILED)
		return -errno;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		int r = -errno;

		(void)munmap(req, req_size);
		return r;
	}
	pid = fork();
	if (pid < 0) {
		int r = -errno;

		close(sp[0]);
		close(sp[1]);
		(void)munmap(req, req_size);
		return r;
	}
	if (pid == 0) {
		close(sp[0]);
		/* the watchdog holds nothing of the monitor's but its end of the pair */
		for (int fd = 3; fd < 1024; fd++)
			if (fd != sp[1] && fd != lxc_lfd && (!restart || fd != restart->arm_fd))
				(void)close(fd);
		watchdog_main(cfg, denied, restart, sp[1], req, req_size, lxc_lfd);
	}
	close(sp[1]);
	*ret_fd = sp[0];
	*ret_req = req;
	return 0;
}
