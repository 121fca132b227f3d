/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Events from the ring buffer into the container's session, and the session's verdict carried
 * out by signal right after the event (eBPF cannot stop a call that already ran).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cids/log.h"
#include "cids/macro.h"
#include "cids/util.h"
#include "daemon.h"

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int pidfd_kill(int pidfd)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0)
		return -errno;
	return 0;
}

/* SIGKILL thread group tgid if it still belongs to the container. */
static void kill_process(struct daemon *d, struct cont *c, pid_t tgid)
{
	_cleanup_close_ int pidfd = pidfd_open_(tgid);
	int r;

	if (pidfd < 0) {
		log_debug("Kill %d in \"%s\": already gone", (int)tgid, c->id);
		return;
	}
	/* The pidfd pins the process; a pid reused by a process outside the container fails this.
	 */
	if (!registry_owns_pid(c, tgid)) {
		log_warn("Kill %d in \"%s\": pid no longer in the container, not killed", (int)tgid,
			 c->id);
		return;
	}
	r = pidfd_kill(pidfd);
	if (r < 0 && r != -ESRCH)
		log_warn_errno(r, "Kill %d in \"%s\"", (int)tgid, c->id);
	c->kills++;
}

static void kill_container(struct daemon *d, struct cont *c)
{
	int r;

	/* Every task of the container is killed by BPF at its next syscall, and the init (which
	 * takes the whole pid namespace with it) right now. */
	r = kern_container_doom(d->kern, c->slot);
	if (r < 0)
		log_warn_errno(r, "Marking container \"%s\" for kill", c->id);
	r = pidfd_kill(c->pidfd);
	if (r < 0 && r != -ESRCH)
		log_warn_errno(r, "Kill container \"%s\" (init %d)", c->id, (int)c->init_pid);
	c->kills++;
}

static void dump_event(const struct cidsd_event *e, const struct cont *c)
{
	if (e->type == CIDSD_EV_THREAD_EXIT)
		printf("%" PRIu64 " slot=%u tid=%u tgid=%u exit%s%s\n", (uint64_t)e->ktime, e->slot,
		       e->tid, e->tgid, e->flags & CIDSD_EVF_GROUP_DEAD ? " group" : "",
		       c ? "" : " (stale)");
	else
		printf("%" PRIu64 " slot=%u tid=%u tgid=%u nr=%d%s%s lost=%u\n", (uint64_t)e->ktime,
		       e->slot, e->tid, e->tgid, e->nr,
		       e->flags & CIDSD_EVF_FROM_EXIT ? " from-exit" : "", c ? "" : " (stale)",
		       e->lost);
}

int events_on_event(void *ctx, const struct cidsd_event *e)
{
	struct daemon *d = ctx;
	struct cont *c = e->slot < CIDSD_MAX_CONTAINERS ? d->conts[e->slot] : NULL;
	enum session_verdict v;

	if (c && c->gen != e->gen)
		c = NULL;
	if (e->ktime && (d->nevents++ & 15) == 0) {
		/* delivery latency, sampled: kernel timestamp to user space */
		double lat = now_mono() - (double)e->ktime / 1e9;

		if (lat > d->max_latency_s)
			d->max_latency_s = lat;
	}
	if (d->dump)
		dump_event(e, c);
	if (!c) {
		d->dropped_stale++;
		return 0;
	}
	if (e->lost)
		session_lost(c->session, (pid_t)e->tid, e->lost);

	if (e->type == CIDSD_EV_THREAD_EXIT) {
		session_thread_exit(c->session, (pid_t)e->tid);
		return 0;
	}
	/* Learning starts at the workload's first execve: runc/crun's own set-up is not part of
	 * the profile (the ptrace backend makes the same cut). The cut is where the execve
	 * returned: by then the runtime's other threads (Go threads of runc init) are gone, and
	 * their last calls are not taken for the workload's. The execve itself is the first call
	 * of the profile. */
	if (e->type == CIDSD_EV_EXEC) {
		if (c->started)
			return 0;
		c->started = true;
	} else if (e->type != CIDSD_EV_SYSCALL) {
		return 0;
	} else {
		c->events++;
		if (!c->started) {
			c->setup_events++;
			return 0;
		}
	}

	v = session_syscall(c->session, (pid_t)e->tid, (pid_t)e->tgid, e->nr, d->round_now);
	switch (v) {
	case SESSION_ALLOW:
		break;
	case SESSION_BLOCK: /* not possible with eBPF: scfg maps block to kill */
	case SESSION_KILL:
		kill_process(d, c, (pid_t)e->tgid);
		break;
	case SESSION_KILL_CONTAINER:
		kill_container(d, c);
		break;
	}
	return 0;
}

void events_tick(struct daemon *d, double now)
{
	for (uint32_t i = 0; i < CIDSD_MAX_CONTAINERS; i++) {
		struct cont *c = d->conts[i];
		struct cidsd_slot_stats ss;

		if (!c)
			continue;
		if (kern_slot_stats(d->kern, c->slot, &ss) == 0) {
			if (ss.lost_untracked > c->lost_untracked_seen) {
				session_lost(c->session, 0,
					     ss.lost_untracked - c->lost_untracked_seen);
				c->lost_untracked_seen = ss.lost_untracked;
			}
			/* one alert per second at most while events are being lost */
			if (ss.lost > c->lost && now - c->last_lost_alert >= 1.0) {
				char msg[160];

				c->last_lost_alert = now;
				snprintf(msg, sizeof(msg),
					 "%llu events lost (ring buffer full): the affected "
					 "threads' "
					 "windows restart",
					 (unsigned long long)(ss.lost - c->lost));
				log_warn("Container \"%s\": %s", c->id, msg);
				session_alert_event(c->session, "cids_monitor", msg);
				c->lost = ss.lost;
			}
		}
		session_tick(c->session, now);
	}
}

/* <run_dir>/cidsd.json: the daemon's own counters (per-container status is the session's). */
void events_write_status(struct daemon *d)
{
	struct cidsd_stats st = {};
	char buf[1024];
	int n;

	if (kern_stats(d->kern, &st) < 0)
		return;
	n = snprintf(buf, sizeof(buf),
		     "{\"pid\":%d,\"containers\":%u,\"registered\":%" PRIu64 ",\"ended\":%" PRIu64
		     ",\"events\":%" PRIu64 ",\"events_from_exit\":%" PRIu64 ",\"lost\":%" PRIu64
		     ",\"wakeups\":%" PRIu64 ",\"stale\":%" PRIu64 ",\"max_latency_ms\":%.1f"
		     ",\"time\":%.3f}\n",
		     (int)getpid(), d->ncont, d->registered, d->ended, (uint64_t)st.events,
		     (uint64_t)st.from_exit, (uint64_t)st.lost, (uint64_t)st.wakeups,
		     d->dropped_stale, d->max_latency_s * 1e3, now_wall());
	if (n > 0 && (size_t)n < sizeof(buf))
		(void)write_file_atomic(d->status_path, buf, (size_t)n, 0644);
}
