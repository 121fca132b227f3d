/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The seccomp user-notify backend (cids-notify): one monitor per container, started by
 * cids-runtime before the real runtime's create. It listens on the unix socket that
 * cids-runtime wrote into config.json as linux.seccomp.listenerPath; the runtime connects there
 * with the OCI container process state and the listener fd (SCM_RIGHTS) for the container's
 * init and for every process `runc exec` / `crun exec` starts; cids-hook connects there to
 * register the container (mode, profile key) once it has resolved them.
 */
#ifndef CIDS_NOTIFY_H
#define CIDS_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/seccomp.h>

/* before Linux 6.6's headers */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#include "cids/config.h"
#include "cids/notify_proto.h"
#include "cids/session.h"

/* Listener fds per container (the init's and one per exec'd process still running). */
#define NOTIFY_MAX_LISTENERS 1024
/* What the runtime sends with the fd (runc and crun send well under 16 KiB). */
#define NOTIFY_STATE_MAX (256u * 1024)

/* What a runtime's connection carried (notify/proto.c). */
struct notify_peer_msg {
	pid_t pid;	/* the process the filter belongs to (host pid namespace), 0 unknown */
	pid_t init_pid; /* state.pid: the container's init */
	char id[1024];	/* state.id */
	char status[32];
	int fd; /* the listener, -EBADF if none came */
};

/* Parse the runtime's "container process state" JSON (OCI runtime-spec config-linux.md):
 * ociVersion, fds (["seccompFd"]), pid, state {id, pid, status}. */
int notify_parse_state(const char *text, size_t len, struct notify_peer_msg *m, char *why,
		       size_t whylen);

/* One listener: the seccomp notification fd of one filter chain. */
struct notify_listener {
	int kind; /* first, as in serve.c's connections: tells epoll entries apart */
	int fd;
	pid_t pid;	/* the process it was made for */
	bool exec_seen; /* its first execve went by: from then on the workload's calls are judged */
	bool is_init;
	bool armed;	 /* received on: the session exists (or passthrough) */
	bool lxc_handed; /* LXC: past its execve, LXC's monitor serves it (no longer received on) */
	int lxc_fd; /* LXC's proxy (fd < 0): LXC's listener the call came from, for ID_VALID only */
};

/* notify/signal.c. A pidfd of the caller of notification id (thread tid; tgid its thread group
 * as cached, 0: read it), taken while that call waits on listener (NOTIF_ID_VALID checked after
 * the open, so it is the caller's and no other process's): pidfd_open(tid, PIDFD_THREAD), or
 * before Linux 6.9 the group leader's with tid checked in its task list. -ESTALE once the call
 * no longer waits (interrupted by a signal, or its caller died), -ESRCH, -errno. */
int notify_caller_pidfd(int listener, uint64_t id, pid_t tid, pid_t tgid);
/* SIGKILL the caller of a notification pending on listener (the watchdog): 0, -ESTALE (no
 * longer pending: nothing killed), -ESRCH, -errno. */
int notify_kill_pending(int listener, const struct seccomp_notif *req);
/* The listener to ask NOTIF_ID_VALID for l's calls: its own, or under LXC the one LXC sent. */
int notify_listener_id_fd(const struct notify_listener *l);

struct notify_monitor;

/* notify/serve.c: the notification loop's pieces. */
/* denied: the calls to answer with the profile's errno after judging (copied). */
int notify_monitor_new(const struct cids_config *cfg, const struct notify_denied *denied,
		       int listen_fd, const char *sock_path, struct notify_monitor **ret);
/* LXC (cids-notify --lxc): the socket is LXC's lxc.seccomp.notify.proxy (SOCK_SEQPACKET). On it
 * come cids-hook's registration, the listener cids-hook took from the container's init at
 * start-host (served directly until that process's first execve, while LXC's monitor cannot
 * serve it yet), and LXC's proxy connection, on which every later notification of the init's
 * filter and of each lxc-attach filter comes, one message each, answered on the same connection. */
void notify_monitor_set_lxc(struct notify_monitor *m);
void notify_monitor_free(struct notify_monitor *m);
/* The watchdog's end and shared page (watchdog_start): every listener is copied to it and every
 * notification is received into the page; the fd is closed by _free, the page stays mapped. */
void notify_monitor_set_watchdog(struct notify_monitor *m, int fd, struct seccomp_notif *req);
/* The size notify_monitor_new chose for a received notification. */
size_t notify_monitor_req_size(const struct notify_monitor *m);
/* Run until the container's init is gone (or the monitor is told to stop). */
int notify_monitor_run(struct notify_monitor *m, volatile bool *stop);

/* What a watchdog knows of its container, and what it hands a restarted monitor (notify/adopt.c):
 * records on a SOCK_SEQPACKET pair, one byte of type first. WD_FD carries a listener, WD_PIDFD
 * the pidfd of the container's init (taken when its pid was known to be the init): the init is
 * signalled through it, never by number, and a restarted monitor takes it over with the
 * listeners. WD_ARM (hand-over only) carries the read end of the old watchdog's decision: see
 * watchdog_restart.arm_fd. */
enum { WD_INFO = 'i', WD_FD = 'f', WD_DONE = 'd', WD_INFLIGHT = 'r', WD_PIDFD = 'p', WD_ARM = 'a' };
struct wd_info {
	char type;
	int32_t init_pid;
	int32_t mode;
	char id[1024];
	char key[129];
	char bundle_profile[4096];
};

/* How a watchdog restarts its dead monitor (limits.monitor_restarts): the monitor's argv
 * (re-executed from /proc/self/exe with --adopt-fd and --restarts), how many restarts are
 * left. arm_fd (a restarted monitor's watchdog; -1: a first monitor's, armed from the start):
 * the pipe on which the old watchdog says it let the hand-over stand ('C'; EOF without it: it
 * gave up or died, and the watchdog exits without acting). Until then the watchdog neither
 * restarts nor applies on_error when its monitor dies: the old watchdog owns the container, and
 * kills our process group if it gives up. A hand-over without it is refused. */
struct watchdog_restart {
	char **argv;
	unsigned left;
	int arm_fd;
};

/* notify/watchdog.c: a process that holds a copy of every listener fd. If the monitor dies it
 * applies on_error: allow answers every notification CONTINUE (the container goes on,
 * unobserved), deny SIGKILLs the container's init; both raise an alert. *ret_req is a page of
 * req_size bytes shared with the watchdog: the monitor receives every notification into it, so
 * the watchdog can answer the one the monitor was judging when it died. A call in denied is
 * answered with its errno, never CONTINUE.
 * lxc_lfd >= 0 (cids-notify --lxc, its listening socket): LXC's monitor holds the listeners and
 * reconnects to that socket for each call once the monitor is gone, so the watchdog keeps a copy
 * of it and, on the monitor's death, answers there (common/notify_lxc_pass.c) until the
 * container's init ends: never on the listener copies but for the call in flight (LXC's monitor
 * receives on them); no restart. */
int watchdog_start(const struct cids_config *cfg, const struct notify_denied *denied,
		   const struct watchdog_restart *restart, size_t req_size, int lxc_lfd,
		   int *ret_fd, struct seccomp_notif **ret_req);
/* The errno this notification fails with whatever is decided: the profile's (x86_64 calls in
 * denied), ENOSYS for another ABI; 0 if it may run. */
int notify_req_denied(const struct notify_denied *denied, const struct seccomp_notif *req);
int watchdog_send_info(int fd, const struct session_info *info);
/* A record of type (WD_FD, WD_PIDFD) carrying passfd. */
int watchdog_send_fd(int fd, char type, int passfd);
void watchdog_done(int fd);

/* notify/adopt.c. The dead monitor's watchdog: start a new monitor (restart->argv with
 * --adopt-fd, --restarts left - 1), hand it info, the init's pidfd, the listeners and the
 * notification in flight (inflight, req_size bytes; NULL: none), wait for its "OK". All or
 * nothing: 0 and *ret_pid once the new monitor owns the container; otherwise the new monitor
 * and everything it started (its process group: its watchdog, which cannot act before we say
 * so: WD_ARM) are SIGKILLed and the new monitor reaped (waited for 5 s at most: one stuck in
 * uninterruptible sleep runs no code again with SIGKILL pending) before -errno comes back, so
 * the caller, which then applies on_error, is the listeners' only server. The caller must not
 * reap children behind our back (SIGCHLD not ignored). */
int watchdog_restart_monitor(const struct watchdog_restart *restart, const struct wd_info *info,
			     int init_pidfd, const int *fds, unsigned n,
			     const struct seccomp_notif *inflight, size_t req_size, pid_t *ret_pid);
/* The new monitor: read what the watchdog hands over until its WD_DONE. *ret_has_inflight says
 * whether inflight (req_size bytes) was filled; *ret_pidfd is the init's pidfd, *ret_armfd the
 * WD_ARM pipe (-EBADF: none came). Received fds are O_CLOEXEC. */
int notify_adopt_read(int fd, struct wd_info *info, int *ret_pidfd, int *ret_armfd, int *fds,
		      unsigned max, unsigned *ret_n, struct seccomp_notif *inflight,
		      size_t req_size, bool *ret_has_inflight);
/* The new monitor, once its watchdog runs and it holds the container: "OK" to the old watchdog
 * on fd, then wait for its acknowledgement. 0: the container is ours; -errno (the write failed,
 * the old watchdog gave up or is gone): exit without serving. Closes fd. */
int notify_adopt_confirm(int fd);
/* notify/serve.c: take the container over from a dead monitor: its init (init_pidfd, the
 * pidfd the first monitor took; refused without one or once it has exited), its session again
 * (the profile as last saved), its listeners (judged at once: their processes are past their
 * execve), and the call it died judging, answered if still waiting. Takes the fds. */
int notify_monitor_adopt(struct notify_monitor *m, const struct wd_info *info, int init_pidfd,
			 int *fds, unsigned n, const struct seccomp_notif *inflight, char *why,
			 size_t whylen);

/* notify/harden.c */
int notify_harden(char *why, size_t whylen);

#endif
