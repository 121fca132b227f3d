/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The session's verdicts and alert lines: the action for an anomalous window, the kill rate
 * limit, the alert rate cap, and the alert line with what /proc says about the process.
 *
 * Choices:
 * - Kill rate limit: a sliding 60 s window of max_kills_per_minute kill timestamps; a kill
 *   beyond it is never an ALLOW: enforce.over_budget "block" blocks the call (the eBPF backend,
 *   which cannot skip a call that already ran, kills it anyway), "kill-container" kills the
 *   container; an alert with rule cids_kill_rate_limited (Critical) says which, and a log line
 *   (once a minute). Blocks are not kills and are not limited.
 * - Block: exit, exit_group, rt_sigreturn and restart_syscall are never blocked (that stops
 *   nothing and leaves the process spinning in its exit path): they are alerted only.
 * - Alert rate cap: max_alerts_per_second per session; further alerts in that second are counted
 *   and reported by one operational alert when the next second starts. The first alert of each
 *   kind (rule + window for anomalies, rule + text for events) passes the cap: a flood of one
 *   anomaly cannot hide the real attack's (at most ALERT_KINDS_MAX kinds per session).
 * - The alerts file is rotated past limits.alerts_file_mb (alerts.jsonl.1 ... .N,
 *   limits.alerts_files kept).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cids/alert.h"
#include "cids/engine.h"
#include "cids/log.h"
#include "cids/macro.h"
#include "cids/profile.h"
#include "cids/session.h"
#include "cids/util.h"
#include "session_internal.h"

#define KILL_WINDOW_S	  60.0
#define ALERT_KINDS_MAX	  4096u
#define ALERT_KINDS_SLOTS 8192u /* power of two, > 2 * ALERT_KINDS_MAX */

/* Report alerts dropped by the rate cap in an earlier second (one operational alert). */
static void flush_dropped(struct cids_session *s)
{
	char msg[128];
	struct cids_alert d = {
		.rule = "cids_monitor",
		.priority = "Warning",
		.container_id = s->info.id,
		.profile_key = s->info.key,
		.mode = cids_mode_name(s->mode),
		.message = msg,
	};

	if (s->alerts_dropped_sec == 0)
		return;
	snprintf(
		msg, sizeof(msg),
		"alert rate cap (%u/s) reached: %llu repeats of alerts already written not written",
		s->cfg.max_alerts_per_second, (unsigned long long)s->alerts_dropped_sec);
	s->alerts_dropped_sec = 0;
	(void)alert_emit_rotate(s->cfg.alerts, s->cfg.syslog, &d,
				(uint64_t)s->cfg.alerts_file_mb << 20, s->cfg.alerts_files);
}

/* The kind of an alert: its rule and its window (anomalies) or its text (events). */
static uint64_t alert_kind(const char *rule, const uint16_t *win, unsigned nwin, const char *text)
{
	uint64_t h = 1469598103934665603ull;

	for (const char *c = rule ? rule : ""; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ull;
	for (unsigned i = 0; win && i < nwin; i++)
		h = (h ^ win[i] ^ 0x10000u) * 1099511628211ull;
	for (const char *c = text ? text : ""; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ull;
	return h | 1; /* 0 marks an empty slot */
}

/* First time this session sees kind h? Remembered (up to ALERT_KINDS_MAX kinds). */
static bool kind_first(struct cids_session *s, uint64_t h)
{
	uint64_t i;

	if (!s->kinds) {
		s->kinds = calloc(ALERT_KINDS_SLOTS, sizeof(*s->kinds));
		if (!s->kinds)
			return false;
	}
	for (i = h & (ALERT_KINDS_SLOTS - 1); s->kinds[i]; i = (i + 1) & (ALERT_KINDS_SLOTS - 1))
		if (s->kinds[i] == h)
			return false;
	if (s->nkinds >= ALERT_KINDS_MAX)
		return false;
	s->kinds[i] = h;
	s->nkinds++;
	return true;
}

/*
 * Alert rate cap, per second of monotonic time: false (and counted) when over the cap. The
 * first alert of each kind (rule and window, or rule and text) is written even over the cap,
 * so a flood of one anomaly cannot hide another one; ALERT_KINDS_MAX bounds those per session.
 */
static bool alert_slot(struct cids_session *s, double now, const char *rule, const uint16_t *win,
		       unsigned nwin, const char *text)
{
	double sec = floor(now);
	bool first = kind_first(s, alert_kind(rule, win, nwin, text));

	if (sec != s->alert_sec) {
		flush_dropped(s);
		s->alert_sec = sec;
		s->alerts_this_sec = 0;
	}
	if (s->alerts_this_sec >= s->cfg.max_alerts_per_second && !first) {
		s->alerts_dropped_sec++;
		s->alerts_dropped++;
		return false;
	}
	s->alerts_this_sec++;
	return true;
}

static void write_alert(struct cids_session *s, const struct cids_alert *a)
{
	int r = alert_emit_rotate(s->cfg.alerts, s->cfg.syslog, a,
				  (uint64_t)s->cfg.alerts_file_mb << 20, s->cfg.alerts_files);
	if (r < 0 && !s->alert_write_failed) {
		s->alert_write_failed = true;
		log_error_errno(r, "Cannot write alert to \"%s\"", s->cfg.alerts);
	} else if (r >= 0) {
		s->alert_write_failed = false;
	}
}

void session_emit(struct cids_session *s, const struct cids_alert *a, double now)
{
	if (alert_slot(s, now, a->rule, NULL, 0, a->message))
		write_alert(s, a);
}

void session_count_rule(struct cids_session *s, const char *rule, bool kill)
{
	unsigned i = 0;

	while (i < s->nrules && strcmp(s->by_rule[i].rule, rule) != 0)
		i++;
	if (i == s->nrules) {
		if (s->nrules == SESSION_MAX_RULES)
			i = SESSION_MAX_RULES - 1; /* cannot happen with the code's rules */
		else
			s->by_rule[s->nrules++].rule = rule;
	}
	s->by_rule[i].alerts++;
	if (kill)
		s->by_rule[i].kills++;
}

void session_alert_event(struct cids_session *s, const char *rule, const char *msg)
{
	struct cids_alert a = {
		.rule = rule ? rule : "cids_monitor",
		.priority = "Warning",
		.container_id = s->info.id,
		.profile_key = s->info.key,
		.mode = cids_mode_name(s->mode),
		.message = msg,
	};

	s->alerts++;
	session_count_rule(s, a.rule, false);
	session_emit(s, &a, now_mono());
}

/* /proc/<pid>/comm: tenant-controlled, read with a cap, never trusted as a path. */
static void read_comm(pid_t tid, char *out, size_t outlen)
{
	char path[64];
	_cleanup_close_ int fd = -EBADF;
	ssize_t n;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	n = read(fd, out, outlen - 1);
	if (n <= 0) {
		out[0] = '\0';
		return;
	}
	out[n] = '\0';
	if (n > 0 && out[n - 1] == '\n')
		out[n - 1] = '\0';
}

/* readlink only: the target is a string to report, never a path we open. */
static void read_exe(pid_t pid, char *out, size_t outlen)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, out, outlen - 1);
	if (n < 0)
		n = 0;
	out[n] = '\0';
}

static const char *sys_name(long nr, char *buf, size_t buflen)
{
	if (nr == CIDS_SYM_START)
		return "start"; /* a window reaching back before the stream's first call */
	const char *n =
		nr >= 0 && nr <= 0x7fffffff ? cids_sys_name(CIDS_ARCH_X86_64, (int)nr) : NULL;
	if (n)
		return n;
	snprintf(buf, buflen, "sys_%ld", nr);
	return buf;
}

/* Kills still allowed now: max minus those of the last 60 s. */
static unsigned kills_left(const struct cids_session *s, double now)
{
	unsigned recent = 0;

	for (unsigned i = 0; i < s->kills_recorded && i < s->nkill_slots; i++)
		if (now - s->kill_times[i] < KILL_WINDOW_S)
			recent++;
	return s->nkill_slots > recent ? s->nkill_slots - recent : 0;
}

static void kill_record(struct cids_session *s, double now)
{
	if (s->nkill_slots == 0)
		return;
	s->kill_times[s->kill_next] = now;
	s->kill_next = (s->kill_next + 1) % s->nkill_slots;
	if (s->kills_recorded < s->nkill_slots)
		s->kills_recorded++;
}

/* A kill is allowed when fewer than max kills happened in the last 60 s. */
static bool kill_allowed(struct cids_session *s, double now)
{
	if (s->nkill_slots == 0)
		return false;
	if (s->kills_recorded >= s->nkill_slots &&
	    now - s->kill_times[s->kill_next] < KILL_WINDOW_S)
		return false;
	kill_record(s, now);
	return true;
}

bool session_confident(const struct cids_session *s, const struct cids_alarm *al, double now)
{
	/* enforce never acts below what detect reports; above the frame: unseen calls only; in
	 * the start-up grace (detection.startup_grace_s): unseen calls only */
	return al->unseen ||
	       (al->score >= MAX(s->cfg.enforce_threshold, s->cfg.detection.threshold) &&
		now - s->start_mono >= s->cfg.startup_grace_s);
}

/* The kill budget is spent: it keeps a flood from killing everything, and is never a free
 * pass: the call is blocked (eBPF, whose call ran: killed) or the container killed. */
static enum session_verdict over_budget(struct cids_session *s, long nr, double now,
					const char **action)
{
	enum session_verdict v = SESSION_ALLOW;

	s->kills_limited++;
	*action = "alert";
	if (s->cfg.over_budget == CIDS_OVER_KILL_CONTAINER) {
		v = SESSION_KILL_CONTAINER;
		*action = "kill-container";
	} else if (!session_never_blocked(nr)) {
		v = SESSION_BLOCK;
		*action = strcmp(s->backend, "ebpf") == 0 ? "kill" : "block";
		if (strcmp(*action, "block") == 0)
			s->blocks++;
	}
	if (now - s->last_limit_log >= KILL_WINDOW_S) {
		s->last_limit_log = now;
		log_error("Container \"%s\": kill rate limit reached (%u per minute): further "
			  "anomalies are %s",
			  s->info.id, s->cfg.max_kills_per_minute,
			  v == SESSION_KILL_CONTAINER ? "killing the container" : "blocked");
	}
	return v;
}

/* done (SESSION_DONE_*): what the backend did already. Killed (within the budget
 * session_kills_left gave it): recorded as a kill whatever the limiter says now. Blocked (the
 * kernel denied the call before it ran): a block, whatever the configured action, unless the
 * backend killed as well. foreign: a call of another ABI (nr is its i386 number). */
static enum session_verdict judge(struct cids_session *s, pid_t tid, pid_t tgid, long nr,
				  const struct cids_alarm *al, double now, unsigned done,
				  bool foreign)
{
	enum session_verdict v = SESSION_ALLOW;
	const char *action = "alert", *rule = "cids_anomalous_window", *prio = "Warning";
	bool killed = done & SESSION_DONE_KILLED;
	const char *names[CIDS_MAX_K];
	char numbufs[CIDS_MAX_K][24], nrbuf[24];
	char comm[64], exe[1024];
	struct cids_alert a;

	if (foreign) {
		rule = "cids_foreign_abi";
		prio = "Critical";
	}
	/* Enforce acts on high-confidence anomalies only (a call never learned, a call of another
	 * ABI, or a frame count at enforce_threshold); the rest is alerted as in detect. What a
	 * backend did already is recorded whatever. */
	if (s->mode == CIDS_MODE_ENFORCE && (done & SESSION_DONE_BLOCKED) && !killed) {
		v = SESSION_BLOCK;
		action = "block";
		s->blocks++;
	} else if (s->mode == CIDS_MODE_ENFORCE &&
		   (killed || foreign || session_confident(s, al, now))) {
		switch (s->cfg.action) {
		case CIDS_ACT_BLOCK:
			if (!session_never_blocked(nr)) {
				v = SESSION_BLOCK;
				action = "block";
				s->blocks++;
			}
			break;
		case CIDS_ACT_KILL:
		case CIDS_ACT_KILL_CONTAINER:
			if (killed)
				kill_record(s, now);
			if (killed || kill_allowed(s, now)) {
				bool ctr = s->cfg.action == CIDS_ACT_KILL_CONTAINER;

				v = ctr ? SESSION_KILL_CONTAINER : SESSION_KILL;
				action = ctr ? "kill-container" : "kill";
				prio = "Critical";
				s->kills++;
			} else {
				v = over_budget(s, nr, now, &action);
				rule = "cids_kill_rate_limited";
				prio = "Critical";
			}
			break;
		default:
			break;
		}
	}

	if ((v == SESSION_KILL || v == SESSION_KILL_CONTAINER) && s->kill_hook)
		s->kill_hook(s->kill_hook_ud, tid, tgid); /* before any of the alert's I/O */
	s->alerts++;
	session_count_rule(s, rule, v == SESSION_KILL || v == SESSION_KILL_CONTAINER);
	/* over the alert rate cap: counted, and /proc is not even read (anomaly floods) */
	if (!alert_slot(s, now, rule, al->window, MIN(al->nwin, (unsigned)CIDS_MAX_K), NULL))
		return v;
	if (s->comm_hint && s->comm_hint[0])
		snprintf(comm, sizeof(comm), "%s", s->comm_hint);
	else
		read_comm(tid, comm, sizeof(comm));
	read_exe(tgid, exe, sizeof(exe));
	for (unsigned i = 0; i < al->nwin && i < CIDS_MAX_K; i++)
		names[i] = sys_name(al->window[i], numbufs[i], sizeof(numbufs[i]));
	if (foreign) {
		const char *n =
			nr >= 0 && nr <= 0x7fffffff ? cids_sys_name(CIDS_ARCH_I386, (int)nr) : NULL;

		if (n)
			snprintf(nrbuf, sizeof(nrbuf), "i386:%s", n);
		else
			snprintf(nrbuf, sizeof(nrbuf), "i386:sys_%ld", nr);
	}
	a = (struct cids_alert){
		.rule = rule,
		.priority = prio,
		.container_id = s->info.id,
		.profile_key = s->info.key,
		.mode = cids_mode_name(s->mode),
		.pid = tgid,
		.tid = tid,
		.comm = comm,
		.exe = exe,
		.syscall = foreign ? nrbuf : sys_name(nr, nrbuf, sizeof(nrbuf)),
		.window = names,
		.nwindow = MIN(al->nwin, (unsigned)CIDS_MAX_K),
		.algorithm = cids_algo_name(al->algo),
		.k = al->k,
		.score = al->score,
		.action = action,
		.reason = al->unseen ? "unseen_syscall" : "frame_count",
	};
	if (strcmp(rule, "cids_kill_rate_limited") == 0)
		a.message = v == SESSION_KILL_CONTAINER
				    ? "kill rate limit reached: container killed "
				      "(enforce.over_budget kill-container)"
			    : v == SESSION_BLOCK && strcmp(action, "kill") == 0
				    ? "kill rate limit reached: the eBPF backend cannot block a "
				      "call that ran: killed anyway (enforce.over_budget block)"
			    : v == SESSION_BLOCK
				    ? "kill rate limit reached: call blocked instead "
				      "(enforce.over_budget block)"
				    : "kill rate limit reached: an exit call, alerted only";
	else if ((done & SESSION_DONE_BLOCKED) && s->mode == CIDS_MODE_ENFORCE)
		a.message = killed ? "denied in the kernel before it ran, and the process killed"
				   : "denied in the kernel before it ran";
	else if (killed && s->mode == CIDS_MODE_ENFORCE)
		a.message = "killed in the kernel at the call's exit, before its next instruction";
	else if (foreign)
		a.message = "a call of another ABI (i386): never learned";
	write_alert(s, &a);
	return v;
}

enum session_verdict session_judge(struct cids_session *s, pid_t tid, pid_t tgid, long nr,
				   const struct cids_alarm *al, double now, unsigned done)
{
	return judge(s, tid, tgid, nr, al, now, done, false);
}

enum session_verdict session_foreign_abi(struct cids_session *s, pid_t tid, pid_t tgid, long nr,
					 unsigned done, double now)
{
	struct cids_alarm al = {.algo = CIDS_ALGO_STIDE, .k = 1, .score = 1};

	if (!s)
		return SESSION_ALLOW;
	s->syscalls++;
	return judge(s, tid, tgid, nr, &al, now, s->mode == CIDS_MODE_LEARN ? 0 : done, true);
}

enum session_verdict session_io_uring(struct cids_session *s, pid_t tid, pid_t tgid, long nr,
				      bool deny, double now)
{
	char comm[64], exe[1024], nrbuf[24];
	const char *name = sys_name(nr, nrbuf, sizeof(nrbuf));
	struct cids_alert a;

	s->alerts++;
	session_count_rule(s, "cids_io_uring", false);
	if (deny)
		s->blocks++;
	if (!alert_slot(s, now, "cids_io_uring", NULL, 0, deny ? "deny" : "allow"))
		return deny ? SESSION_BLOCK : SESSION_ALLOW;
	read_comm(tid, comm, sizeof(comm));
	read_exe(tgid, exe, sizeof(exe));
	a = (struct cids_alert){
		.rule = "cids_io_uring",
		.priority = deny ? "Warning" : "Notice",
		.container_id = s->info.id,
		.profile_key = s->info.key,
		.mode = cids_mode_name(s->mode),
		.pid = tgid,
		.tid = tid,
		.comm = comm,
		.exe = exe,
		.syscall = name,
		.window = &name,
		.nwindow = 1,
		.algorithm = "policy",
		.action = deny ? "block" : "alert",
		.message =
			deny ? "io_uring denied (limits.io_uring deny): its operations would run "
			       "without system calls, unseen"
			     : "io_uring in use (limits.io_uring allow): its operations run "
			       "without system calls and are not seen",
	};
	write_alert(s, &a);
	return deny ? SESSION_BLOCK : SESSION_ALLOW;
}

void session_set_kill_hook(struct cids_session *s, session_kill_fn fn, void *ud)
{
	s->kill_hook = fn;
	s->kill_hook_ud = ud;
}

unsigned session_kills_left(const struct cids_session *s, double now)
{
	if (!s || s->mode != CIDS_MODE_ENFORCE ||
	    (s->cfg.action != CIDS_ACT_KILL && s->cfg.action != CIDS_ACT_KILL_CONTAINER))
		return 0;
	return kills_left(s, now);
}

void session_alert_flush(struct cids_session *s)
{
	flush_dropped(s);
}

/* A new second: report alerts dropped in an earlier one even when nothing else happens. */
void session_alert_tick(struct cids_session *s, double now)
{
	if (s->alerts_dropped_sec > 0 && floor(now) != s->alert_sec) {
		flush_dropped(s);
		s->alert_sec = floor(now);
		s->alerts_this_sec = 0;
	}
}
