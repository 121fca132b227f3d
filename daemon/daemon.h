/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cidsd's state, shared by daemon/main.c, registry.c and events.c. */
#ifndef CIDSD_DAEMON_H
#define CIDSD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cids/config.h"
#include "cids/session.h"
#include "cidsd.h"
#include "kern.h"

#define CIDSD_MAX_CONNS 64  /* registrations in flight */
#define CIDSD_POLL_MS	100 /* bounded latency of the ring buffer flush (= the tick) */
#define CIDSD_TICK_S	0.1 /* session timers */
#define CIDSD_STATUS_S	1.0 /* <run_dir>/cidsd.json */

/* epoll data tags */
enum cidsd_fd_kind { FD_LISTEN = 1, FD_RING, FD_SIGNAL, FD_CONN, FD_PIDFD };

struct cidsd_fdref {
	enum cidsd_fd_kind kind;
	int fd;
	uint32_t slot; /* FD_PIDFD: container slot; FD_CONN: index in conns[] */
	double since;  /* FD_CONN: accept time */
};

#define CIDSD_CONN_TIMEOUT_S 5.0 /* a client that sends nothing is dropped */
/* One container's share of the kernel's window table: at most this many windows (its region,
 * at most half full, is then at most a quarter of the table), so one large profile cannot take
 * the table from every container that starts detecting after it (--kd-max-windows). */
#define CIDSD_KD_SHARE_WINDOWS (1u << (CIDSD_KD_TABLE_BITS - 3))

struct cont {
	uint32_t slot, gen, inum, level;
	pid_t init_pid;
	int pidfd;
	struct cidsd_fdref ref;
	bool started;  /* the workload's first execve was seen */
	bool kd_tried; /* detection in the kernel was considered (once the session detects) */
	bool kd;       /* ... and is on */
	uint64_t kd_calls_seen;
	struct cids_session *session;
	uint64_t events, setup_events, lost, lost_untracked_seen;
	uint64_t consumed;   /* events of this slot and generation taken from the ring */
	uint64_t lost_share; /* of lost: over the container's share of the ring */
	uint64_t kills;
	double last_lost_alert;
	char id[1024];
};

struct daemon {
	struct cids_config cfg;	 /* as loaded */
	struct cids_config scfg; /* given to sessions: action block becomes kill (see main.c) */
	struct kern *kern;
	int epfd, listen_fd, sig_fd;
	struct cidsd_fdref listen_ref, ring_ref, sig_ref;
	unsigned nconns;
	struct cidsd_fdref *conns[CIDSD_MAX_CONNS];
	struct cont *conts[CIDSD_MAX_CONTAINERS];
	uint32_t gens[CIDSD_MAX_CONTAINERS];
	unsigned ncont;
	uint64_t registered, ended, dropped_stale, nevents;
	double max_latency_s;	 /* sampled event delivery latency */
	bool dump;		 /* --dump: print every event */
	bool no_kernel_detect;	 /* --no-kernel-detect: every call to user space */
	uint32_t kd_max_windows; /* a container's share of the kernel's window table */
	uint32_t kd_epoch;	 /* last kernel detection epoch handed out */
	bool quit;
	double last_tick, last_status;
	double round_now; /* monotonic time of this ring buffer round: the events' timestamp */
	char status_path[CIDS_PATH_MAX + 32];
	char state_dir[CIDS_PATH_MAX + 32]; /* <run_dir>/cidsd: one <inum>.reg per container */
	char lsm_why[256]; /* why the LSM programs are not loaded ("" when they are) */
};

/* registry.c */
int registry_listen(struct daemon *d);
void registry_close(struct daemon *d);
void registry_accept(struct daemon *d);
void registry_conn(struct daemon *d, struct cidsd_fdref *ref, uint32_t events);
/* Drop connections older than CIDSD_CONN_TIMEOUT_S. */
void registry_sweep(struct daemon *d, double now);
/* The container's init exited (or shutdown): drain the ring, final save, free the slot. With
 * keep_state the registration stays in state_dir for the next cidsd to re-adopt. */
void registry_end(struct daemon *d, struct cont *c, const char *why, bool keep_state);
/* At start: re-adopt the containers registered with a previous cidsd that are still running. */
void registry_adopt(struct daemon *d);

/* harden.c: keep the capabilities cidsd still needs, no_new_privs, seccomp allow-list. */
int cidsd_harden(char *why, size_t whylen);

/* events.c */
int events_on_event(void *ctx, const struct cidsd_event *e);
void events_tick(struct daemon *d, double now);
/* The session detects: move judging into the kernel when its detector allows (once). */
void events_kernel_detect(struct daemon *d, struct cont *c);
void events_write_status(struct daemon *d);

#endif
