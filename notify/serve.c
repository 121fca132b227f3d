/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The notification loop of one container.
 *
 * - Connections on the listening socket come from two peers, both uid 0: cids-hook with a
 *   registration (struct cidsd_reg, the same record cidsd takes: mode, key, ids) and the runtime
 *   with its container process state (JSON) and one listener fd. Both orders happen: runc runs
 *   the createRuntime hook before it installs the filter, crun connects at create before any
 *   hook. A listener that comes before the registration waits, unread, until the session
 *   exists (its process waits in its first notified call).
 * - A notification is answered on numbers only (nr, arch): pointer arguments are never read, so
 *   there is no TOCTOU to win. ALLOW answers SECCOMP_USER_NOTIF_FLAG_CONTINUE, BLOCK -EPERM (the
 *   call never runs), KILL and KILL_CONTAINER SIGKILL first and then answer -EPERM.
 * - A call the container's own profile denies (the table cids-runtime passed, --denied) is judged
 *   like any other and then answered with the profile's errno whatever the verdict (kill first
 *   when the verdict is kill): never CONTINUE, in any mode, also before the workload's execve.
 * - The runtime's own code between filter and execve (runc init, crun) is answered without
 *   being judged, as the ptrace backend ignores it: a listener's calls are judged from the first
 *   call after its first execve.
 * - The thread group of a tid is read once from /proc/<tid>/status and cached; the cache is
 *   checked every second and threads that are gone leave the session.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "cids/cidsd_proto.h"
#include "cids/engine.h"
#include "cids/kabi.h"
#include "cids/log.h"
#include "cids/macro.h"
#include "cids/pidfd.h"
#include "cids/util.h"
#include "monitor.h"
#include "notify.h"

#define NR_EXECVE   59
#define NR_EXECVEAT 322
#define TID_SLOTS   16384u /* power of two, more than twice limits.max_threads' cap */

struct tid_slot {
	pid_t tid, tgid;
};

/* epoll data: small numbers name our own fds, listeners are pointers. */
enum { EV_LISTEN = 1, EV_PIDFD = 2 };

static pid_t tgid_of(struct notify_monitor *m, pid_t tid)
{
	unsigned h = ((unsigned)tid * 2654435761u) & (TID_SLOTS - 1);

	for (unsigned i = 0; i < TID_SLOTS; i++, h = (h + 1) & (TID_SLOTS - 1)) {
		if (m->tids[h].tid == tid)
			return m->tids[h].tgid;
		if (m->tids[h].tid == 0) {
			pid_t tgid = notify_tgid_read(tid);

			if (m->ntids >= m->cfg.max_threads || m->ntids >= TID_SLOTS / 2) {
				if (!m->warned_tids)
					log_warn("Container \"%s\": more than %u threads: thread "
						 "groups are read from /proc on every call",
						 m->info.id, m->ntids);
				m->warned_tids = true;
				return tgid;
			}
			m->tids[h] = (struct tid_slot){.tid = tid, .tgid = tgid};
			m->ntids++;
			return tgid;
		}
	}
	return notify_tgid_read(tid);
}

/* Threads that are gone leave the session (their windows are dropped); the table is rebuilt. */
static void tids_prune(struct notify_monitor *m)
{
	_cleanup_free_ struct tid_slot *old = m->tids;
	char path[64];

	m->tids = calloc(TID_SLOTS, sizeof(*m->tids));
	if (!m->tids) {
		m->tids = TAKE_PTR(old);
		return;
	}
	m->ntids = 0;
	for (unsigned i = 0; i < TID_SLOTS; i++) {
		unsigned h;

		if (old[i].tid == 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)old[i].tgid, (int)old[i].tid);
		if (access(path, F_OK) < 0) {
			if (m->s)
				session_thread_exit(m->s, old[i].tid);
			continue;
		}
		h = ((unsigned)old[i].tid * 2654435761u) & (TID_SLOTS - 1);
		while (m->tids[h].tid)
			h = (h + 1) & (TID_SLOTS - 1);
		m->tids[h] = old[i];
		m->ntids++;
	}
}

int notify_req_denied(const struct notify_denied *denied, const struct seccomp_notif *req)
{
	return notify_call_denied(denied, req->data.arch, req->data.nr);
}

int notify_monitor_new(const struct cids_config *cfg, const struct notify_denied *denied,
		       int listen_fd, const char *sock_path, struct notify_monitor **ret)
{
	_cleanup_free_ struct notify_monitor *m = calloc(1, sizeof(*m));
	struct seccomp_notif_sizes sz = {};
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = EV_LISTEN};

	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	if (denied)
		m->denied = *denied;
	m->listen_fd = listen_fd;
	m->sock_path = sock_path;
	m->pidfd = m->watch_fd = m->caller_fd = -EBADF;
	m->started = now_mono();
	if (getenv("CIDS_MONITOR_DUMP"))
		m->dump = fopen(getenv("CIDS_MONITOR_DUMP"), "ae");
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0)
		return -errno;
	m->req_size = MAX(sz.seccomp_notif, sizeof(struct seccomp_notif));
	m->resp_size = MAX(sz.seccomp_notif_resp, sizeof(struct seccomp_notif_resp));
	m->req = calloc(1, m->req_size);
	m->resp = calloc(1, m->resp_size);
	m->tids = calloc(TID_SLOTS, sizeof(*m->tids));
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!m->req || !m->resp || !m->tids || m->epfd < 0 ||
	    epoll_ctl(m->epfd, EPOLL_CTL_ADD, listen_fd, &ev) < 0) {
		int r = m->epfd < 0 ? -errno : -ENOMEM;

		free(m->req);
		free(m->resp);
		free(m->tids);
		if (m->epfd >= 0)
			close(m->epfd);
		return r;
	}
	*ret = TAKE_PTR(m);
	return 0;
}

static void listener_close(struct notify_monitor *m, unsigned i)
{
	struct notify_listener *l = m->lst[i];

	close(l->fd);
	free(l);
	m->lst[i] = m->lst[--m->nlst];
}

void notify_monitor_free(struct notify_monitor *m)
{
	if (!m)
		return;
	while (m->nlst)
		listener_close(m, m->nlst - 1);
	while (m->nconns)
		conn_close(m, m->conns[m->nconns - 1]);
	for (unsigned i = 0; i < m->nlxcf; i++)
		close(m->lxcf[i].fd);
	session_free(m->s);
	if (m->pidfd >= 0)
		close(m->pidfd);
	if (m->watch_fd >= 0)
		watchdog_done(m->watch_fd);
	close(m->epfd);
	if (!m->watch_req)
		free(m->req); /* the shared page stays: the watchdog may still need it */
	free(m->resp);
	free(m->tids);
	if (m->dump)
		fclose(m->dump);
	free(m);
}

/* From here on the listener is received on (notify_monitor_run polls the armed ones). */
static void listener_arm(struct notify_monitor *m, struct notify_listener *l)
{
	if (m->sync_wake) {
		uint64_t fl = SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;

		if (ioctl(l->fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, fl) < 0)
			m->sync_wake = false; /* before 6.6: plain wake-ups */
	}
	l->armed = true;
}

/* Hold pidfd as the container's init: watch it for the end, hand a copy to the watchdog. From
 * here on the init is signalled through this fd only, never by its number. */
static void hold_init(struct notify_monitor *m, pid_t pid, int pidfd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = EV_PIDFD};

	m->pidfd = pidfd;
	m->init_pid = pid;
	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->pidfd, &ev) < 0)
		log_warn_errno(errno, "Container \"%s\": cannot watch the init", m->info.id);
	if (m->watch_fd >= 0)
		(void)watchdog_send_fd(m->watch_fd, WD_PIDFD, m->pidfd);
}

/*
 * The container's init is known (from the runtime's state or the hook's registration): take
 * its pidfd now. The number comes straight from the runtime, which holds the init as its
 * unreaped child while it waits: for our answer to the hook (registration), or for the
 * container's first notified call, which waits for us (listener). A pid learned any later (a
 * restarted monitor's hand-over) comes with the pidfd the first monitor took (adopt below).
 */
static void watch_init(struct notify_monitor *m, pid_t pid)
{
	int fd;

	if (m->pidfd >= 0 || pid <= 0)
		return;
	fd = pidfd_open_pid(pid);
	if (fd < 0) {
		log_warn_errno(fd, "Container \"%s\": pidfd_open(%d)", m->info.id, (int)pid);
		return;
	}
	hold_init(m, pid, fd);
}

static void arm_all(struct notify_monitor *m)
{
	for (unsigned i = 0; i < m->nlst; i++)
		listener_arm(m, m->lst[i]);
}

/* No session will come: every call goes through unjudged (on_error allow). */
static void start_passthrough(struct notify_monitor *m, const char *id)
{
	if (m->registered)
		return;
	log_warn("Container \"%s\": no session; its calls go through unobserved (on_error allow)",
		 id);
	if (id != m->info.id)
		snprintf(m->info.id, sizeof(m->info.id), "%s", id);
	m->registered = m->passthrough = true;
	arm_all(m);
}

static void reply(int cfd, const char *msg)
{
	(void)!send(cfd, msg, strlen(msg) + 1, MSG_NOSIGNAL);
}

void on_register(struct notify_monitor *m, int cfd, const struct cidsd_reg *reg)
{
	struct session_info info = {};
	char why[1024] = "", msg[1100];
	int r;

	if (reg->magic != CIDSD_PROTO_MAGIC || reg->version != CIDSD_PROTO_VERSION ||
	    reg->init_pid <= 0 || reg->mode > CIDS_MODE_ENFORCE ||
	    !memchr(reg->id, 0, sizeof(reg->id)) || !memchr(reg->key, 0, sizeof(reg->key)) ||
	    !memchr(reg->bundle_profile, 0, sizeof(reg->bundle_profile)) ||
	    !key_is_valid(reg->key)) {
		reply(cfd, "error: malformed registration");
		return;
	}
	if (m->registered) {
		reply(cfd, "error: this monitor already serves a container");
		return;
	}
	memcpy(info.id, reg->id, sizeof(info.id));
	memcpy(info.key, reg->key, sizeof(info.key));
	memcpy(info.bundle_profile, reg->bundle_profile, sizeof(info.bundle_profile));
	info.mode = (enum cids_mode)reg->mode;
	info.backend = "seccomp";
	info.init_pid = reg->init_pid;
	r = session_new(&m->cfg, &info, &m->s, why, sizeof(why));
	if (r >= 0)
		session_set_kill_hook(m->s, notify_on_kill_verdict, m);
	if (r < 0) {
		log_error("Container \"%s\": %s", info.id, why[0] ? why : strerror(-r));
		/* "refused": the host's policy (on_unlearned refuse), which cids-hook denies
		 * whatever on_error says; "error": a fault, where on_error allow starts it */
		snprintf(msg, sizeof(msg), "%s: %s", r == -EACCES ? "refused" : "error",
			 why[0] ? why : strerror(-r));
		m->s = NULL;
		if (r == -EACCES) {
			/* the runtime fails the start too; never let it run unjudged meanwhile.
			 * Before the reply: the runtime waits for it, holding the init as its
			 * unreaped child, so the number is still the init's (no pidfd: by number)
			 */
			watch_init(m, reg->init_pid);
			if (m->pidfd < 0 && kill(reg->init_pid, SIGKILL) < 0 && errno != ESRCH)
				log_error_errno(errno, "Container \"%s\": cannot kill its init %d",
						info.id, (int)reg->init_pid);
			notify_kill_init(m);
		}
		reply(cfd, msg);
		if (r == -EACCES) {
			m->refused = true;
		} else if (m->cfg.on_error == CIDS_ONERR_ALLOW) {
			start_passthrough(m, info.id);
		} else if (m->lxc) {
			/* on_error deny: cids-hook fails start-host and LXC aborts the start; the
			 * container's next start must find the socket free */
			m->refused = true;
		}
		return;
	}
	m->info = info;
	m->registered = true;
	session_start(m->s); /* its pending warnings, the start line, the first status file */
	watch_init(m, info.init_pid); /* first: a watchdog with the info has the init's pidfd */
	if (m->watch_fd >= 0)
		(void)watchdog_send_info(m->watch_fd, &info);
	arm_all(m); /* the listeners that came first (crun) start now */
	reply(cfd, "ok");
	log_info("Container \"%s\": registered (key \"%s\", %s)", info.id, info.key,
		 cids_mode_name(info.mode));
}

void on_listener(struct notify_monitor *m, struct notify_peer_msg *pm)
{
	struct notify_listener *l;

	if (m->registered && !m->passthrough && strcmp(pm->id, m->info.id) != 0) {
		log_error("A listener for container \"%s\" reached the monitor of \"%s\": refused",
			  pm->id, m->info.id);
		return; /* its fd is closed by the caller: that process gets ENOSYS */
	}
	if (m->nlst >= NOTIFY_MAX_LISTENERS) {
		log_error("Container \"%s\": more than %u listeners: refused", pm->id,
			  NOTIFY_MAX_LISTENERS);
		return;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return;
	l->kind = KIND_LISTENER;
	l->fd = TAKE_FD(pm->fd);
	l->pid = pm->pid;
	l->is_init = strcmp(pm->status, "running") != 0;
	m->lst[m->nlst++] = l;
	if (l->is_init || m->init_pid <= 0)
		watch_init(m, pm->init_pid); /* before the watchdog has a listener to drop */
	if (m->watch_fd >= 0)
		(void)watchdog_send_fd(m->watch_fd, WD_FD, l->fd);
	log_info("Container \"%s\": listener for pid %d (%s)", pm->id, (int)pm->pid,
		 pm->status[0] ? pm->status : "?");
	if (!m->registered && m->first_pending == 0)
		m->first_pending = now_mono();
	if (!m->registered)
		snprintf(m->info.id, sizeof(m->info.id), "%s", pm->id);
	if (m->registered)
		listener_arm(m, l);
}

static void answer(struct notify_monitor *m, int fd, int error, bool cont)
{
	memset(m->resp, 0, m->resp_size);
	m->resp->id = m->req->id;
	if (cont)
		m->resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else
		m->resp->error = error;
	if (fd < 0)
		return; /* LXC: the answer goes back on the proxy connection */
	/* ENOENT: the target died or was interrupted by a signal meanwhile, normal */
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, m->resp) < 0 && errno != ENOENT)
		log_debug("NOTIF_SEND: %s", strerror(errno));
}

/* The notification in m->req, of listener l: judge it and answer. */
void judge(struct notify_monitor *m, struct notify_listener *l)
{
	_cleanup_close_ int caller = -EBADF;
	enum session_verdict v;
	pid_t tid, tgid;
	long nr;
	int denied;

	tid = (pid_t)m->req->pid;
	nr = m->req->data.arch == AUDIT_ARCH_X86_64 ? (long)m->req->data.nr : -1;
	/* the container's own profile denies it: whatever we decide, it fails with this errno */
	denied = notify_req_denied(&m->denied, m->req);
	if (!l->exec_seen || m->passthrough) {
		/* the runtime's set-up before the workload's execve: not the workload's calls */
		if (nr == NR_EXECVE || nr == NR_EXECVEAT)
			l->exec_seen = true;
		answer(m, l->fd, -denied, !denied);
		return;
	}
	if (tid <= 0) {
		/* a caller outside our pid namespace: cannot be the container's */
		answer(m, l->fd, -denied, !denied);
		return;
	}
	tgid = tgid_of(m, tid);
	/* a kill verdict takes the caller's pidfd (notify_on_kill_verdict) before the alert's I/O
	 */
	m->judging = l;
	m->caller_fd = -EBADF;
	if (m->req->data.arch != AUDIT_ARCH_X86_64 || (m->req->data.nr & CIDS_X32_SYSCALL_BIT)) {
		/* as the ptrace backend: another ABI is never learned, always denied (ENOSYS) */
		v = session_foreign_abi(m->s, tid, tgid, (long)(m->req->data.nr & 0x7fffffff),
					SESSION_DONE_BLOCKED, now_mono());
		caller = TAKE_FD(m->caller_fd);
		m->judging = NULL;
		if (v == SESSION_KILL || v == SESSION_KILL_CONTAINER)
			notify_kill_caller(m, l, tid, tgid, caller);
		if (v == SESSION_KILL_CONTAINER)
			notify_kill_init(m);
		answer(m, l->fd, -ENOSYS, false);
		return;
	}
	v = session_syscall_ctx(m->s, tid, tgid, 0, nr, now_mono());
	caller = TAKE_FD(m->caller_fd);
	m->judging = NULL;
	m->answered++;
	if (m->dump) {
		const char *name = nr >= 0 ? cids_sys_name(CIDS_ARCH_X86_64, (int)nr) : NULL;

		fprintf(m->dump, "%.6f %d %s %d%s\n", now_mono(), (int)tid, name ? name : "?",
			(int)v, denied ? " denied" : "");
	}
	switch (v) {
	case SESSION_ALLOW:
		answer(m, l->fd, -denied, !denied);
		return;
	case SESSION_KILL_CONTAINER:
		notify_kill_init(m);
		/* fall through */
	case SESSION_KILL:
		notify_kill_caller(m, l, tid, tgid, caller);
		/* fall through */
	case SESSION_BLOCK:
		m->blocked++;
		/* a block of a call the profile denies anyway keeps the profile's errno: a
		 * workload may depend on it (glibc falls back from clone3 on ENOSYS only) */
		answer(m, l->fd, denied ? -denied : -EPERM, false);
		return;
	}
}

static void on_notification(struct notify_monitor *m, struct notify_listener *l)
{
	memset(m->req, 0, m->req_size);
	if (ioctl(l->fd, SECCOMP_IOCTL_NOTIF_RECV, m->req) < 0)
		return; /* ENOENT (target gone), EINTR */
	judge(m, l);
	if (m->lxc && l->exec_seen && !l->lxc_handed) {
		/* LXC's monitor serves this filter from now on (through its proxy): two
		 * receivers would leave LXC's blocking receive waiting. The fd stays, no longer
		 * polled: proxy messages are compared with it. */
		l->lxc_handed = true;
	}
}

int notify_monitor_adopt(struct notify_monitor *m, const struct wd_info *w, int init_pidfd,
			 int *fds, unsigned n, const struct seccomp_notif *inflight, char *why,
			 size_t whylen)
{
	struct session_info info = {
		.mode = (enum cids_mode)w->mode, .backend = "seccomp", .init_pid = w->init_pid};
	int r;

	memcpy(info.id, w->id, sizeof(info.id));
	memcpy(info.key, w->key, sizeof(info.key));
	memcpy(info.bundle_profile, w->bundle_profile, sizeof(info.bundle_profile));
	if (w->mode < 0 || w->mode > CIDS_MODE_ENFORCE || !key_is_valid(info.key)) {
		r = why_err(why, whylen, -EBADMSG, "malformed hand-over");
		goto fail;
	}
	/* the init's pidfd the first monitor took, never a pidfd_open of the number: the
	 * container may have ended while no monitor watched, and its pid been reused since */
	if (init_pidfd < 0) {
		r = why_err(
			why, whylen, -EBADMSG,
			"the hand-over holds no pidfd of the container's init (a watchdog of an "
			"older cids-notify)");
		goto fail;
	}
	if (pidfd_exited(init_pidfd)) {
		/* the container ended meanwhile: nothing to take over, and no end to wait for */
		r = why_err(why, whylen, -ESRCH, "the container's init %d is gone",
			    (int)info.init_pid);
		goto fail;
	}
	hold_init(m, info.init_pid, TAKE_FD(init_pidfd));
	r = session_new(&m->cfg, &info, &m->s, why, whylen);
	if (r < 0) {
		m->s = NULL;
		goto fail;
	}
	session_set_kill_hook(m->s, notify_on_kill_verdict, m);
	m->info = info;
	m->registered = true;
	session_start(m->s);
	if (m->watch_fd >= 0)
		(void)watchdog_send_info(m->watch_fd, &info);
	for (unsigned i = 0; i < n; i++) {
		struct notify_listener *l = calloc(1, sizeof(*l));

		if (!l || m->nlst >= NOTIFY_MAX_LISTENERS) {
			free(l);
			close(fds[i]);
			continue;
		}
		/* past their execve: the runtime's set-up ended before the monitor died (a
		 * joiner caught between its filter and its execve is judged from here on) */
		*l = (struct notify_listener){
			.kind = KIND_LISTENER, .fd = fds[i], .exec_seen = true, .is_init = i == 0};
		m->lst[m->nlst++] = l;
		if (m->watch_fd >= 0)
			(void)watchdog_send_fd(m->watch_fd, WD_FD, l->fd);
		listener_arm(m, l);
	}
	/* the call the dead monitor had received: still waiting on one of them? */
	for (unsigned i = 0; inflight && i < m->nlst; i++) {
		uint64_t id = inflight->id;

		if (ioctl(m->lst[i]->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
			continue;
		memset(m->req, 0, m->req_size);
		memcpy(m->req, inflight, MIN(m->req_size, sizeof(*inflight)));
		judge(m, m->lst[i]);
		break;
	}
	log_info("Container \"%s\": taken over from a dead monitor (%u listener(s))", info.id,
		 m->nlst);
	return 0;
fail:
	for (unsigned i = 0; i < n; i++)
		close(fds[i]);
	if (init_pidfd >= 0)
		close(init_pidfd);
	return r;
}

void notify_monitor_set_watchdog(struct notify_monitor *m, int fd, struct seccomp_notif *req)
{
	m->watch_fd = fd;
	free(m->req);
	m->req = req;
	m->watch_req = true;
}

size_t notify_monitor_req_size(const struct notify_monitor *m)
{
	return m->req_size;
}

/* Everything but the listeners, which epoll_wait holds: the socket, its connections, the init. */
static bool on_epoll(struct notify_monitor *m)
{
	struct epoll_event evs[64];
	int n = epoll_wait(m->epfd, evs, ARRAY_SIZE(evs), 0);
	bool init_gone = false;

	for (int i = 0; i < n; i++) {
		uint64_t d = evs[i].data.u64;

		if (d == EV_LISTEN)
			on_accept(m);
		else if (d == EV_PIDFD)
			init_gone = true;
		else if (m->lxc)
			notify_lxc_conn_data(m, evs[i].data.ptr);
		else
			on_conn_data(m, evs[i].data.ptr);
	}
	return init_gone;
}

/* Listener l's filter has no process left: forget it. */
static void listener_gone(struct notify_monitor *m, const struct notify_listener *l)
{
	for (unsigned j = 0; j < m->nlst; j++)
		if (m->lst[j] == l) {
			listener_close(m, j);
			return;
		}
}

/*
 * The loop waits in poll() on the armed listeners and on the epoll fd that holds everything
 * else, not in epoll_wait on all of them: a notification then wakes the monitor straight from
 * the listener's wait queue, not through epoll's callback and epoll's own queue. Measured with
 * 1-byte dd reads in a container (make bench, seccomp "calls"): 27.7 us a notified call through
 * epoll_wait, 17.4 us through poll(). Both put 95-96 % of the monitor's wake-ups on the
 * notifying thread's CPU, so the gain is not where the monitor runs; where it is, we have not
 * found.
 */
int notify_monitor_run(struct notify_monitor *m, volatile bool *stop)
{
	_cleanup_free_ struct pollfd *pfd = calloc(NOTIFY_MAX_LISTENERS + 1, sizeof(*pfd));
	_cleanup_free_ struct notify_listener **pl = calloc(NOTIFY_MAX_LISTENERS, sizeof(*pl));
	double last_tick = now_mono();
	/* no registration and no container this long after start: the create failed */
	double orphan_s = 4 * (m->cfg.hook_timeout_s > 0 ? m->cfg.hook_timeout_s : 5) + 30;
	bool init_gone = false;

	if (!pfd || !pl)
		return -ENOMEM;
	m->sync_wake = true;
	while (!*stop && !init_gone && !m->refused) {
		unsigned np = 0;
		double now;
		int n;

		for (unsigned i = 0; i < m->nlst; i++)
			if (m->lst[i]->armed && !m->lst[i]->lxc_handed) {
				pl[np] = m->lst[i];
				pfd[np++] = (struct pollfd){.fd = m->lst[i]->fd, .events = POLLIN};
			}
		pfd[np] = (struct pollfd){.fd = m->epfd, .events = POLLIN};
		n = poll(pfd, np + 1, 1000);
		if (n < 0 && errno != EINTR)
			return -errno;
		for (unsigned i = 0; n > 0 && i < np; i++) {
			if (pfd[i].revents & POLLIN)
				on_notification(m, pl[i]);
			else if (pfd[i].revents & (POLLHUP | POLLERR | POLLNVAL))
				listener_gone(m, pl[i]);
		}
		if (n > 0 && pfd[np].revents)
			init_gone = on_epoll(m);
		now = now_mono();
		if (now - last_tick >= 1.0) {
			last_tick = now;
			for (unsigned j = m->nconns; j-- > 0;)
				if (!m->conns[j]->proxy && now - m->conns[j]->since > CONN_TIMEOUT)
					conn_close(m, m->conns[j]);
			if (m->s) {
				tids_prune(m);
				session_tick(m->s, now);
			}
			/* listeners but no registration: the hook gave up (or never ran) */
			if (!m->registered && m->first_pending > 0 &&
			    now - m->first_pending > 2 * m->cfg.hook_timeout_s + 5) {
				if (m->cfg.on_error == CIDS_ONERR_ALLOW) {
					start_passthrough(m, m->info.id);
				} else {
					log_error("Container \"%s\": no registration from "
						  "cids-hook: killed (on_error deny)",
						  m->info.id);
					notify_kill_init(m);
					break;
				}
			}
			if (!m->registered && m->nlst == 0 && now - m->started > orphan_s) {
				log_warn("No container registered in %.0f s: the create must have "
					 "failed; exiting",
					 orphan_s);
				break;
			}
		}
	}
	if (init_gone) {
		struct rusage ru = {};

		(void)getrusage(RUSAGE_SELF, &ru);
		log_info("Container \"%s\": ended (%llu calls judged, %llu denied, monitor CPU "
			 "%.3f s)",
			 m->info.id, (unsigned long long)m->answered,
			 (unsigned long long)m->blocked,
			 (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
				 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	}
	return 0;
}
