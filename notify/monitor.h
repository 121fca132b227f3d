/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The monitor's state, shared by notify/serve.c (the loop, runtimes' listeners) and notify/lxc.c
 * (LXC's proxy protocol). Internal to cids-notify. */
#ifndef CIDS_NOTIFY_MONITOR_H
#define CIDS_NOTIFY_MONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cids/cidsd_proto.h"
#include "notify.h"

enum { KIND_LISTENER = 1, KIND_CONN = 2 };

#define LXC_FILTERS 256 /* lxc-attach filters remembered at once */

struct lxc_filter {
	int fd; /* a copy of its listener, compared with kcmp (never received on) */
	bool exec_seen;
};

struct notify_monitor {
	struct cids_config cfg;
	bool lxc; /* --lxc: LXC's proxy protocol on a SOCK_SEQPACKET socket */
	struct lxc_filter lxcf[LXC_FILTERS]; /* LXC: filters met through the proxy */
	unsigned nlxcf;
	struct notify_denied denied;
	struct notify_conn *conns[64];
	unsigned nconns;
	int listen_fd, epfd, pidfd, watch_fd;
	const char *sock_path;
	struct cids_session *s;
	struct session_info info;
	bool registered, sync_wake;
	bool passthrough;     /* no session (registration failed, on_error allow): all CONTINUE */
	bool refused;	      /* the host's policy refused the container: it is killed, we exit */
	double first_pending; /* when the first listener came before any registration */
	pid_t init_pid;
	struct notify_listener *lst[NOTIFY_MAX_LISTENERS];
	unsigned nlst;
	struct seccomp_notif *req; /* shared with the watchdog once it runs (watch_req) */
	bool watch_req;
	struct seccomp_notif_resp *resp;
	size_t req_size, resp_size;
	struct tid_slot *tids;
	unsigned ntids;
	bool warned_tids;
	double started;
	uint64_t answered, blocked;
	FILE *dump; /* CIDS_MONITOR_DUMP=path: every judged call as "time tid name verdict" */
	struct notify_listener *judging; /* the listener of the call in m->req, while judged */
	int caller_fd; /* its caller's pidfd, taken on a kill verdict (session kill hook) */
};

/* A peer's connection, read as data comes (crun connects at create and sends only once its
 * init has installed the filter, after the hooks ran). */
struct notify_conn {
	int kind; /* KIND_CONN */
	int fd, listener;
	size_t len;
	double since;
	bool proxy; /* LXC's proxy connection: stays for the container's life */
	char buf[]; /* NOTIFY_STATE_MAX + 1 */
};

#define CONN_MAX     64
#define CONN_TIMEOUT 60.0 /* crun waits up to its own 5 s for the filter; runc sends at once */

/* notify/conn.c: a connection on the socket accepted (root peers only), its data read, and at
 * its end handed to on_register or on_listener; closed. */
void on_accept(struct notify_monitor *m);
void on_conn_data(struct notify_monitor *m, struct notify_conn *c);
void conn_close(struct notify_monitor *m, struct notify_conn *c);
void on_register(struct notify_monitor *m, int cfd, const struct cidsd_reg *reg);
void on_listener(struct notify_monitor *m, struct notify_peer_msg *pm);
/* The notification in m->req, of listener l: judge it and answer (l->fd < 0: into m->resp). */
void judge(struct notify_monitor *m, struct notify_listener *l);
/* notify/signal.c. The thread group of tid from /proc (tid itself when unreadable). */
pid_t notify_tgid_read(pid_t tid);
/* SIGKILL the container: its init, through the pidfd the monitor holds (m->pidfd). */
void notify_kill_init(struct notify_monitor *m);
/* SIGKILL the process of the call in m->req (thread tid, thread group tgid as cached) through
 * caller, the pidfd judge() took right after receiving it (notify_caller_pidfd), with no check
 * now: the call may have been interrupted since. caller -EBADF (not taken): one is taken now,
 * only while the call still waits on l; another -errno (the call was not waiting when
 * received): nothing is killed. */
void notify_kill_caller(struct notify_monitor *m, struct notify_listener *l, pid_t tid, pid_t tgid,
			int caller);
/* The session's kill hook (session_set_kill_hook, ud: the monitor): the caller's pidfd of the
 * call being judged (m->judging, m->req) into m->caller_fd. */
void notify_on_kill_verdict(void *ud, pid_t tid, pid_t tgid);
/* notify/lxc.c: one message on a connection of an LXC monitor. */
void notify_lxc_conn_data(struct notify_monitor *m, struct notify_conn *c);

#endif
