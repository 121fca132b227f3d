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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cids/cidsd_proto.h"
#include "cids/engine.h"
#include "cids/log.h"
#include "cids/macro.h"
#include "cids/pidfd.h"
#include "cids/util.h"
#include "daemon.h"

static bool in_container(pid_t pid, void *ud)
{
	const struct cont *c = ud;

	return pidns_owns_pid(c->inum, pid);
}

/* SIGKILL thread group tgid if it still belongs to the container. */
static void kill_process(struct daemon *d, struct cont *c, pid_t tgid)
{
	int r = pid_signal_checked(tgid, SIGKILL, in_container, c);

	if (r == -ESRCH) {
		log_debug("Kill %d in \"%s\": already gone", (int)tgid, c->id);
		return;
	}
	if (r == -ESTALE) {
		log_warn("Kill %d in \"%s\": pid no longer in the container, not killed", (int)tgid,
			 c->id);
		return;
	}
	if (r < 0)
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
	r = pidfd_signal(c->pidfd, SIGKILL);
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
	else if (e->type == CIDSD_EV_ANOMALY)
		printf("%" PRIu64
		       " slot=%u tid=%u tgid=%u nr=%d anomaly k=%u score=%u win=%#" PRIx64
		       "%s lost=%u\n",
		       (uint64_t)e->ktime, e->slot, e->tid, e->tgid, e->nr, e->k, e->score,
		       (uint64_t)e->win, c ? "" : " (stale)", e->lost);
	else
		printf("%" PRIu64 " slot=%u tid=%u tgid=%u nr=%d ctx=%u%s%s%s lost=%u\n",
		       (uint64_t)e->ktime, e->slot, e->tid, e->tgid, e->nr, e->ctx,
		       e->type == CIDSD_EV_EXEC ? " exec" : "",
		       e->type == CIDSD_EV_FOREIGN ? " i386" : "", c ? "" : " (stale)", e->lost);
}

static unsigned event_done(const struct cidsd_event *e)
{
	return (e->flags & CIDSD_EVF_KILLED ? SESSION_DONE_KILLED : 0) |
	       (e->flags & CIDSD_EVF_BLOCKED ? SESSION_DONE_BLOCKED : 0);
}

int events_on_event(void *ctx, const struct cidsd_event *e)
{
	struct daemon *d = ctx;
	struct cont *c = e->slot < CIDSD_MAX_CONTAINERS ? d->conts[e->slot] : NULL;
	enum session_verdict v;
	static char comm[sizeof(e->comm) + 1]; /* lives until the next event sets it again */

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
	kern_slot_consumed(d->kern, c->slot, ++c->consumed);
	if (e->lost)
		session_lost(c->session, (pid_t)e->tid, e->lost);
	memcpy(comm, e->comm, sizeof(e->comm));
	comm[sizeof(e->comm)] = '\0';
	session_set_comm(c->session, comm);

	switch (e->type) {
	case CIDSD_EV_THREAD_EXIT:
		session_thread_exit(c->session, (pid_t)e->tid);
		return 0;
	case CIDSD_EV_ANOMALY: {
		uint16_t win[CIDSD_KD_MAX_K];
		unsigned k = MIN((unsigned)e->k, CIDSD_KD_MAX_K);

		for (unsigned i = 0; i < k; i++)
			win[i] = (uint16_t)((e->win >> (CIDSD_SYM_BITS * (k - 1 - i))) &
					    CIDSD_SYM_OTHER);
		c->events++;
		v = session_window_ctx(c->session, (pid_t)e->tid, (pid_t)e->tgid,
				       MIN(e->ctx, (unsigned)SESSION_MAX_CTX - 1), win, k, e->score,
				       event_done(e), d->round_now);
		break;
	}
	case CIDSD_EV_FOREIGN:
		c->events++;
		if (!c->started)
			return 0;
		v = session_foreign_abi(c->session, (pid_t)e->tid, (pid_t)e->tgid, e->nr,
					event_done(e), d->round_now);
		break;
	case CIDSD_EV_EXEC:
		/* Learning starts at the workload's first execve: runc/crun's own set-up is not
		 * part of the profile (the ptrace backend makes the same cut). The cut is where
		 * the execve returned: by then the runtime's other threads (Go threads of runc
		 * init) are gone, and their last calls are not taken for the workload's. The
		 * execve itself is the first call of the profile. */
		c->started = true;
		/* fall through */
	case CIDSD_EV_SYSCALL:
		c->events++;
		if (!c->started) {
			c->setup_events++;
			return 0;
		}
		v = session_syscall_ctx(c->session, (pid_t)e->tid, (pid_t)e->tgid,
					MIN(e->ctx, (unsigned)SESSION_MAX_CTX - 1), e->nr,
					d->round_now);
		if (!c->kd_tried && session_mode(c->session) != CIDS_MODE_LEARN)
			events_kernel_detect(d, c);
		break;
	default:
		return 0;
	}
	if (e->flags & CIDSD_EVF_KILLED)
		return 0; /* the program killed it (and doomed the container if asked to) */
	switch (v) {
	case SESSION_ALLOW:
		break;
	case SESSION_BLOCK:
		/* the kernel denied the call; the session says block only for such calls (scfg
		 * maps block to kill for the rest: see main.c) */
		if (e->flags & CIDSD_EVF_BLOCKED)
			break;
		/* fall through */
	case SESSION_KILL:
		kill_process(d, c, (pid_t)e->tgid);
		break;
	case SESSION_KILL_CONTAINER:
		kill_container(d, c);
		break;
	}
	return 0;
}

_Static_assert(CIDSD_MAX_CTX == SESSION_MAX_CTX,
	       "cidsd.h and session.h disagree on handler depths");
_Static_assert(CIDSD_KD_MAX_K == CIDS_EBPF_KD_MAX_K && CIDSD_KD_MAX_FRAME == CIDS_EBPF_KD_MAX_FRAME,
	       "cidsd.h and cidsd_proto.h disagree on the kernel detector's limits");

struct kd_keys {
	uint64_t *keys;
	size_t n, cap;
};

static int kd_key(const uint16_t *syms, unsigned k, uint32_t count, void *ud)
{
	struct kd_keys *kk = ud;
	uint64_t key = 0;

	(void)count;
	if (kk->n == kk->cap)
		return -ENOBUFS; /* the database grew under us: cannot happen while detecting */
	for (unsigned i = 0; i < k; i++)
		key = key << CIDSD_SYM_BITS | (syms[i] & CIDSD_SYM_OTHER);
	kk->keys[kk->n++] = key;
	return 0;
}

/* Enforce with kill: the program kills by itself (within the budget kd_refresh_budget keeps);
 * with block, only a call that ran: one an LSM hook denied, or that failed with EPERM (the
 * seccomp guard's refusal of a never-learned call), did nothing and is reported blocked. With
 * the tolerant model (the session weighs the windows) on the never-learned calls alone, which
 * the session acts on at once: *only (CIDSD_KILL_WORDS words) lists them, else it is NULL
 * (calls and only NULL: the mode alone, without listing the calls).
 * Without this the session's kill came a wake-up later, and a CGI shell whose never-learned
 * chmod was to be killed had forked its dropped script, which ran. */
static enum cidsd_kd_kill kd_kill_mode(const struct daemon *d, const struct cont *c,
				       uint64_t *calls, const uint64_t **only)
{
	if (only)
		*only = NULL;
	if (session_mode(c->session) != CIDS_MODE_ENFORCE)
		return CIDSD_KD_KILL_NONE;
	if (!session_backend_may_kill(c->session)) {
		if (!session_unseen_calls(c->session, calls, CIDSD_SYM_START))
			return CIDSD_KD_KILL_NONE;
		if (only)
			*only = calls;
	}
	if (d->cfg.action == CIDS_ACT_BLOCK)
		return CIDSD_KD_KILL_UNDENIED;
	switch (d->scfg.action) {
	case CIDS_ACT_KILL:
		return CIDSD_KD_KILL_PROCESS;
	case CIDS_ACT_KILL_CONTAINER:
		return CIDSD_KD_KILL_CONTAINER;
	default:
		return CIDSD_KD_KILL_NONE;
	}
}

/* The program's kill budget is what the session's rate limit allows now. Called after the
 * ring is drained, so only kills made since (microseconds) can be counted twice. */
static void kd_refresh_budget(struct daemon *d, struct cont *c, double now)
{
	int r;

	if (!c->kd || kd_kill_mode(d, c, NULL, NULL) == CIDSD_KD_KILL_NONE)
		return;
	r = kern_kill_budget(d->kern, c->slot, session_kills_left(c->session, now));
	if (r < 0)
		log_warn_errno(r, "Container \"%s\": kill budget", c->id);
}

static void kernel_detect(struct daemon *d, struct cont *c);

static uint32_t next_epoch(struct daemon *d)
{
	if (++d->kd_epoch == 0)
		d->kd_epoch = 1;
	return d->kd_epoch;
}

/* Enforce: the LSM programs deny what they can (foreign calls always, anomalous windows when
 * the kernel judges them). */
static void set_deny(struct daemon *d, struct cont *c)
{
	uint32_t deny = 0;
	int r;

	if (session_mode(c->session) != CIDS_MODE_ENFORCE || !kern_lsm(d->kern))
		return;
	/* windows only where every window the kernel reports is one enforce acts on (not with
	 * the tolerant detection model: the session decides those) */
	deny = CIDSD_DENY_FOREIGN |
	       (c->kd && session_backend_may_kill(c->session) ? CIDSD_DENY_WINDOW : 0);
	r = kern_container_deny(d->kern, c->slot, deny);
	if (r < 0)
		log_warn_errno(r, "Container \"%s\": denying in the kernel (BPF LSM)", c->id);
	else
		log_info("Container \"%s\": %s denied in the kernel before they run (BPF LSM)",
			 c->id,
			 c->kd ? "anomalous calls and i386 calls that pass an LSM hook are"
			       : "i386 calls that pass an LSM hook are");
}

void events_kernel_detect(struct daemon *d, struct cont *c)
{
	c->kd_tried = true;
	kernel_detect(d, c);
	set_deny(d, c);
}

static void kernel_detect(struct daemon *d, struct cont *c)
{
	struct cids_detector det;
	const struct cids_engine *e = session_engine(c->session);
	struct kd_keys kk = {};
	uint64_t size, calls[CIDSD_KILL_WORDS];
	const uint64_t *only;
	enum cidsd_kd_kill kill;
	int db, r;

	if (d->no_kernel_detect)
		return;
	if (!session_external_detect(c->session, CIDSD_KD_MAX_K, CIDSD_KD_MAX_FRAME, &det, &db)) {
		log_info("Container \"%s\": detection stays in cidsd (the kernel judges STIDE "
			 "with k <= %u, frame <= %u, streams per thread)",
			 c->id, CIDSD_KD_MAX_K, CIDSD_KD_MAX_FRAME);
		return;
	}
	size = engine_db_size(e, (unsigned)db);
	if (size > d->kd_max_windows) {
		log_info("Container \"%s\": detection database of %" PRIu64
			 " windows is over a container's share of the kernel's table (%" PRIu32
			 " windows): judged in cidsd",
			 c->id, size, d->kd_max_windows);
		return;
	}
	kk.cap = (size_t)size;
	kk.keys = calloc(kk.cap ? kk.cap : 1, sizeof(*kk.keys));
	if (!kk.keys)
		return;
	kill = kd_kill_mode(d, c, calls, &only);
	r = engine_db_foreach(e, (unsigned)db, kd_key, &kk);
	if (r == 0)
		r = kern_kd_enable(d->kern, c->slot, kk.keys, kk.n, d->kd_max_windows,
				   engine_config(e)->start_pad, det.k, det.frame,
				   det.threshold ? det.threshold : 1, kill, only, next_epoch(d));
	free(kk.keys);
	if (r < 0) {
		log_warn_errno(r,
			       "Container \"%s\": detection in the kernel not available, judged "
			       "in cidsd",
			       c->id);
		return;
	}
	c->kd = true;
	kd_refresh_budget(d, c, now_mono());
	log_info("Container \"%s\": detection in the kernel (STIDE k=%u, %zu windows%s)", c->id,
		 (unsigned)det.k, kk.n,
		 kill == CIDSD_KD_KILL_NONE ? ""
		 : only			    ? ", processes making a never-learned call killed there"
					    : ", anomalous processes killed there");
}

void events_tick(struct daemon *d, double now)
{
	for (uint32_t i = 0; i < CIDSD_MAX_CONTAINERS; i++) {
		struct cont *c = d->conts[i];
		struct cidsd_slot_stats ss;

		if (!c)
			continue;
		if (kern_slot_stats(d->kern, c->slot, &ss) == 0) {
			if (ss.kd_calls > c->kd_calls_seen) {
				session_add_calls(c->session, ss.kd_calls - c->kd_calls_seen);
				c->kd_calls_seen = ss.kd_calls;
			}
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
					 "%llu events lost (%llu over the container's share of "
					 "the ring buffer, the rest with the ring full): the "
					 "affected threads' windows restart",
					 (unsigned long long)(ss.lost - c->lost),
					 (unsigned long long)(ss.lost_share - c->lost_share));
				c->lost_share = ss.lost_share;
				log_warn("Container \"%s\": %s", c->id, msg);
				session_alert_event(c->session, "cids_monitor", msg);
				c->lost = ss.lost;
			}
		}
		kd_refresh_budget(d, c, now);
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
		     ",\"events\":%" PRIu64 ",\"kernel_judged\":%" PRIu64
		     ",\"kernel_anomalies\":%" PRIu64 ",\"kernel_table_used\":%" PRIu32
		     ",\"lost\":%" PRIu64 ",\"wakeups\":%" PRIu64 ",\"stale\":%" PRIu64
		     ",\"max_latency_ms\":%.1f,\"prevention\":%s,\"prevention_why\":\"%s\""
		     ",\"time\":%.3f}\n",
		     (int)getpid(), d->ncont, d->registered, d->ended, (uint64_t)st.events,
		     (uint64_t)st.kd_calls, (uint64_t)st.kd_anomalies, kern_kd_used(d->kern),
		     (uint64_t)st.lost, (uint64_t)st.wakeups, d->dropped_stale,
		     d->max_latency_s * 1e3, kern_lsm(d->kern) ? "true" : "false", d->lsm_why,
		     now_wall());
	if (n > 0 && (size_t)n < sizeof(buf))
		(void)write_file_replace(d->status_path, buf, (size_t)n, 0644);
}
