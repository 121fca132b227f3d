/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One monitored container (include/cids/session.h): profile in and out, learn/detect/enforce,
 * the learn -> detect/enforce move on steady state, kill rate limit, alert rate cap, checkpoints
 * and the status file `cids status` reads.
 *
 * Choices:
 * - on_steady waits for the *detection* database (detection.algorithm, detection.window) to be
 *   steady: that is the database that judges afterwards. If the profile has no such database it
 *   waits for all of its databases. Once the session detects, learning stops (the other
 *   databases keep the state they had).
 * - mode "learn" with a profile whose detection database is already steady starts directly in
 *   the on_steady mode (a later container of a learned workload is judged from its first call).
 *   An explicit "detect"/"enforce" with a profile that is not steady judges anyway and raises one
 *   operational alert saying so.
 * - Kill rate limit: a sliding 60 s window of max_kills_per_minute kill timestamps; a kill
 *   beyond it becomes ALLOW, an alert with rule cids_kill_rate_limited (Critical) and a log line.
 *   Blocks are not kills and are not limited.
 * - Block: exit, exit_group, rt_sigreturn and restart_syscall are never blocked (that stops
 *   nothing and leaves the process spinning in its exit path): they are alerted only. After a
 *   blocked call the thread's window restarts, since the call did not happen: otherwise the
 *   next k-1 ordinary calls would all be judged against a window holding it and be blocked too.
 * - Alert rate cap: max_alerts_per_second per session; further alerts in that second are counted
 *   and reported by one operational alert when the next second starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
#define KILL_SLOTS_MAX	  100000
#define STATUS_INTERVAL_S 1.0

static int load_one(const char *path, struct cids_engine **ret_e, struct cids_provenance *ret_p,
		    const char *key, char *why, size_t whylen)
{
	struct cids_engine *e = NULL;
	struct cids_provenance p = {};
	char reason[512] = "";
	int r;

	r = profile_load(path, &e, &p, reason, sizeof(reason));
	if (r < 0) {
		if (r != -ENOENT)
			snprintf(why, whylen, "profile \"%s\" refused: %s", path, reason);
		return r;
	}
	if (p.key[0] && strcmp(p.key, key) != 0) {
		snprintf(why, whylen, "profile \"%s\" belongs to key \"%.128s\", not \"%s\"", path,
			 p.key, key);
		engine_free(e);
		return -EKEYREJECTED;
	}
	*ret_e = e;
	*ret_p = p;
	return 0;
}

/* The database that decides steady state and judges: index, or -ENOENT (then: all). */
/* The engine's databases are fixed once session_new has it: looked up there, once. */
static int detection_db(const struct cids_session *s)
{
	return s->det_db;
}

bool session_is_steady(const struct cids_session *s)
{
	int db = detection_db(s);

	if (db >= 0)
		return engine_db_steady(s->engine, (unsigned)db)->steady;
	return engine_steady(s->engine, NULL, 0);
}

static enum cids_mode steady_target(const struct cids_config *cfg)
{
	switch (cfg->on_steady) {
	case CIDS_STEADY_DETECT:
		return CIDS_MODE_DETECT;
	case CIDS_STEADY_ENFORCE:
		return CIDS_MODE_ENFORCE;
	default:
		return CIDS_MODE_LEARN;
	}
}

static double learn_time(const struct cids_session *s, double now)
{
	double t = s->learn_base + (now - s->start_mono);

	/* the engine needs a monotonic clock; never go back behind what it has seen */
	return t < s->last_learn_t ? s->last_learn_t : t;
}

int session_new(const struct cids_config *cfg, const struct session_info *info,
		struct cids_session **ret, char *why, size_t whylen)
{
	struct cids_session *s;
	int r;

	if (!cfg || !info || !ret)
		return -EINVAL;
	if (!key_is_valid(info->key)) {
		snprintf(why, whylen, "invalid profile key \"%.128s\"", info->key);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	s->info = *info;
	s->backend = info->backend ? info->backend : "ptrace";
	s->mode = info->mode;
	s->start_mono = now_mono();
	s->start_wall = now_wall();
	s->last_checkpoint = s->start_mono;
	s->last_status = -1e9;
	s->bundle_writable = info->bundle_profile[0] != '\0';
	r = snprintf(s->store_path, sizeof(s->store_path), "%s/%s.profile", cfg->store, info->key);
	if (r < 0 || (size_t)r >= sizeof(s->store_path)) {
		snprintf(why, whylen, "store path too long");
		free(s);
		return -ENAMETOOLONG;
	}
	{
		char idkey[PROFILE_KEY_MAX + 1];

		if (key_sanitize(info->id, idkey, sizeof(idkey)) < 0)
			snprintf(idkey, sizeof(idkey), "unnamed");
		r = snprintf(s->status_path, sizeof(s->status_path), "%s/monitors/%s.json",
			     cfg->run_dir, idkey);
		if (r < 0 || (size_t)r >= sizeof(s->status_path))
			s->status_path[0] = '\0';
	}

	/* Profile: the store copy first (it outlives bundles), then the bundle copy. A bundle copy
	 * of another key (the bundle was reused for another workload) is neither loaded nor
	 * overwritten; a corrupt or foreign-format copy anywhere refuses the session. */
	r = load_one(s->store_path, &s->engine, &s->prov, info->key, why, whylen);
	if (r == -ENOENT && s->bundle_writable) {
		char reason[1024] = "";

		r = load_one(info->bundle_profile, &s->engine, &s->prov, info->key, reason,
			     sizeof(reason));
		if (r == -EKEYREJECTED) {
			s->bundle_writable = false;
			snprintf(s->pending_warning, sizeof(s->pending_warning),
				 "bundle copy not used nor written: %.400s", reason);
			r = -ENOENT;
		} else if (r < 0 && r != -ENOENT) {
			snprintf(why, whylen, "%s", reason);
		}
	} else if (r == 0 && s->bundle_writable) {
		/* A bundle copy we cannot read is never overwritten silently. */
		struct cids_engine *other = NULL;
		struct cids_provenance op;
		char reason[512] = "";
		int q = load_one(info->bundle_profile, &other, &op, info->key, reason,
				 sizeof(reason));
		engine_free(other);
		if (q < 0 && q != -ENOENT) {
			s->bundle_writable = false;
			snprintf(s->pending_warning, sizeof(s->pending_warning),
				 "bundle copy not written: %.400s", reason);
		}
	} else if (r == -EKEYREJECTED) {
		r = -EPROTO;
	}
	if (r == -ENOENT) {
		struct cids_engine_config ec = cfg->learning;

		ec.clock = CIDS_CLOCK_SECONDS;
		r = engine_new(&ec, &s->engine);
		if (r < 0) {
			snprintf(why, whylen, "cannot create the learning engine: %s",
				 strerror(-r));
			free(s);
			return r;
		}
		s->prov = (struct cids_provenance){};
		snprintf(s->prov.key, sizeof(s->prov.key), "%s", info->key);
		s->prov.created = (int64_t)s->start_wall;
		s->fresh = true;
	} else if (r < 0) {
		free(s);
		return r;
	}
	snprintf(s->prov.source, sizeof(s->prov.source), "%s %.200s", s->backend, info->id);
	s->prov.sessions++;
	s->learn_base = engine_elapsed(s->engine);
	s->last_learn_t = s->learn_base;
	s->det_db = engine_db_index(s->engine, cfg->detection.algo, cfg->detection.k);

	/* Moves already due: a learned workload starts judged. */
	if (s->mode == CIDS_MODE_LEARN && cfg->on_steady != CIDS_STEADY_STAY && !s->fresh &&
	    session_is_steady(s))
		s->mode = steady_target(cfg);
	if (s->mode != CIDS_MODE_LEARN && detection_db(s) < 0) {
		snprintf(why, whylen,
			 "profile has no %s database with k=%u for detection (check detection.* "
			 "against learning.*)",
			 cids_algo_name(cfg->detection.algo), cfg->detection.k);
		engine_free(s->engine);
		free(s);
		return -EINVAL;
	}
	if (s->mode != CIDS_MODE_LEARN && !session_is_steady(s))
		snprintf(s->pending_warning, sizeof(s->pending_warning),
			 "mode %s with a profile that is not steady: expect false alarms",
			 cids_mode_name(s->mode));

	if (cfg->max_kills_per_minute > 0) {
		s->nkill_slots = MIN(cfg->max_kills_per_minute, (unsigned)KILL_SLOTS_MAX);
		s->kill_times = calloc(s->nkill_slots, sizeof(double));
		if (!s->kill_times) {
			engine_free(s->engine);
			free(s);
			return -ENOMEM;
		}
	}
	*ret = s;
	return 0;
}

/* The first operational warnings are raised once the caller has the session (log + alert). */
void session_start(struct cids_session *s)
{
	if (!s || s->started)
		return;
	s->started = true;
	if (s->pending_warning[0]) {
		log_warn("Container \"%s\": %s", s->info.id, s->pending_warning);
		session_alert_event(s, "cids_monitor", s->pending_warning);
		s->pending_warning[0] = '\0';
	}
	log_info("Container \"%s\" key \"%s\": %s (%s backend), profile %s, learned %.1f s so far",
		 s->info.id, s->info.key, cids_mode_name(s->mode), s->backend,
		 s->fresh ? "new" : "continued", s->learn_base);
	session_write_status(s, s->start_mono);
}

void session_free(struct cids_session *s)
{
	if (!s)
		return;
	if (!s->no_final_save)
		(void)session_checkpoint(s);
	if (s->status_path[0])
		(void)unlink(s->status_path);
	engine_free(s->engine);
	free(s->kill_times);
	free(s);
}

enum cids_mode session_mode(const struct cids_session *s)
{
	return s ? s->mode : CIDS_MODE_LEARN;
}

static uint64_t stream_of(const struct cids_session *s, pid_t tid, pid_t tgid, unsigned ctx)
{
	uint64_t c = (uint64_t)MIN(ctx, SESSION_MAX_CTX - 1u) << 32;

	switch (engine_config(s->engine)->seq) {
	case CIDS_SEQ_PROCESS:
		return (uint64_t)(uint32_t)tgid | c;
	case CIDS_SEQ_CONTAINER:
		return c;
	default:
		return (uint64_t)(uint32_t)tid | c;
	}
}

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
	snprintf(msg, sizeof(msg), "alert rate cap (%u/s) reached: %llu alerts not written",
		 s->cfg.max_alerts_per_second, (unsigned long long)s->alerts_dropped_sec);
	s->alerts_dropped_sec = 0;
	(void)alert_emit(s->cfg.alerts, s->cfg.syslog, &d);
}

/* Alert rate cap, per second of monotonic time: false (and counted) when over the cap. */
static bool alert_slot(struct cids_session *s, double now)
{
	double sec = floor(now);

	if (sec != s->alert_sec) {
		flush_dropped(s);
		s->alert_sec = sec;
		s->alerts_this_sec = 0;
	}
	if (s->alerts_this_sec >= s->cfg.max_alerts_per_second) {
		s->alerts_dropped_sec++;
		s->alerts_dropped++;
		return false;
	}
	s->alerts_this_sec++;
	return true;
}

static void write_alert(struct cids_session *s, const struct cids_alert *a)
{
	int r = alert_emit(s->cfg.alerts, s->cfg.syslog, a);
	if (r < 0 && !s->alert_write_failed) {
		s->alert_write_failed = true;
		log_error_errno(r, "Cannot write alert to \"%s\"", s->cfg.alerts);
	} else if (r >= 0) {
		s->alert_write_failed = false;
	}
}

static void emit(struct cids_session *s, const struct cids_alert *a, double now)
{
	if (alert_slot(s, now))
		write_alert(s, a);
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
	emit(s, &a, now_mono());
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

/* Calls that blocking cannot stop (x86_64 numbers). */
static bool never_block(long nr)
{
	return nr == 60 /* exit */ || nr == 231 /* exit_group */ || nr == 15 /* rt_sigreturn */ ||
	       nr == 219 /* restart_syscall */;
}

/* killed: the backend has already killed the process (within the budget session_kills_left
 * gave it): recorded as a kill whatever the limiter says now. */
static enum session_verdict judge(struct cids_session *s, pid_t tid, pid_t tgid, long nr,
				  const struct cids_alarm *al, double now, bool killed)
{
	enum session_verdict v = SESSION_ALLOW;
	const char *action = "alert", *rule = "cids_anomalous_window", *prio = "Warning";
	const char *names[CIDS_MAX_K];
	char numbufs[CIDS_MAX_K][24], nrbuf[24];
	char comm[64], exe[1024];
	struct cids_alert a;

	if (s->mode == CIDS_MODE_ENFORCE) {
		switch (s->cfg.action) {
		case CIDS_ACT_BLOCK:
			if (!never_block(nr)) {
				v = SESSION_BLOCK;
				action = "block";
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
				action = "rate-limited";
				rule = "cids_kill_rate_limited";
				prio = "Critical";
				s->kills_limited++;
				if (now - s->last_limit_log >= KILL_WINDOW_S) {
					s->last_limit_log = now;
					log_error(
						"Container \"%s\": kill rate limit reached (%u per "
						"minute): further anomalies are only alerted",
						s->info.id, s->cfg.max_kills_per_minute);
				}
			}
			break;
		default:
			break;
		}
	}

	s->alerts++;
	/* over the alert rate cap: counted, and /proc is not even read (anomaly floods) */
	if (!alert_slot(s, now))
		return v;
	if (s->comm_hint && s->comm_hint[0])
		snprintf(comm, sizeof(comm), "%s", s->comm_hint);
	else
		read_comm(tid, comm, sizeof(comm));
	read_exe(tgid, exe, sizeof(exe));
	for (unsigned i = 0; i < al->nwin && i < CIDS_MAX_K; i++)
		names[i] = sys_name(al->window[i], numbufs[i], sizeof(numbufs[i]));
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
		.syscall = sys_name(nr, nrbuf, sizeof(nrbuf)),
		.window = names,
		.nwindow = MIN(al->nwin, (unsigned)CIDS_MAX_K),
		.algorithm = cids_algo_name(al->algo),
		.k = al->k,
		.score = al->score,
		.action = action,
	};
	if (strcmp(action, "rate-limited") == 0)
		a.message = "kill rate limit reached";
	write_alert(s, &a);
	return v;
}

static void maybe_transition(struct cids_session *s, double now)
{
	enum cids_mode to;
	char msg[160];

	if (s->mode != CIDS_MODE_LEARN || s->cfg.on_steady == CIDS_STEADY_STAY ||
	    !session_is_steady(s))
		return;
	to = steady_target(&s->cfg);
	if (detection_db(s) < 0) {
		/* cannot judge without the detector's database: keep learning, say it once */
		if (!s->warned_no_detector) {
			s->warned_no_detector = true;
			session_alert_event(s, "cids_monitor",
					    "steady, but the profile has no detection database: "
					    "staying in learn");
		}
		return;
	}
	s->mode = to;
	snprintf(msg, sizeof(msg), "learning steady after %.1f s: now %s", learn_time(s, now),
		 cids_mode_name(to));
	log_info("Container \"%s\" key \"%s\": %s", s->info.id, s->info.key, msg);
	{
		struct cids_alert a = {
			.rule = "cids_monitor",
			.priority = "Notice",
			.container_id = s->info.id,
			.profile_key = s->info.key,
			.mode = cids_mode_name(s->mode),
			.message = msg,
		};
		emit(s, &a, now);
	}
	(void)session_checkpoint(s);
}

enum session_verdict session_syscall(struct cids_session *s, pid_t tid, pid_t tgid, long nr,
				     double now)
{
	return session_syscall_ctx(s, tid, tgid, 0, nr, now);
}

enum session_verdict session_syscall_ctx(struct cids_session *s, pid_t tid, pid_t tgid,
					 unsigned ctx, long nr, double now)
{
	uint64_t stream;
	unsigned sym = cids_sym(nr);
	int r;

	if (!s)
		return SESSION_ALLOW;
	s->syscalls++;
	stream = stream_of(s, tid, tgid, ctx);

	if (s->mode == CIDS_MODE_LEARN) {
		double t = learn_time(s, now);

		s->last_learn_t = t;
		r = engine_learn(s->engine, stream, sym, t);
		if (r == 1) {
			session_alert_event(s, "cids_monitor",
					    "profile full: a database reached learning.max_entries "
					    "and stopped growing");
		} else if (r == -ENOSPC && !s->warned_streams) {
			s->warned_streams = true;
			session_alert_event(
				s, "cids_monitor",
				"stream table full: calls of new threads are not learned");
		}
		if (r == -ENOSPC)
			s->lost++;
		maybe_transition(s, now);
		return SESSION_ALLOW;
	}

	struct cids_alarm al;

	r = engine_detect(s->engine, stream, sym, &s->cfg.detection, &al);
	if (r == -ENOSPC) {
		s->lost++;
		if (!s->warned_streams) {
			s->warned_streams = true;
			session_alert_event(
				s, "cids_monitor",
				"stream table full: calls of new threads are not judged");
		}
		return SESSION_ALLOW;
	}
	if (r <= 0)
		return SESSION_ALLOW;
	enum session_verdict v = judge(s, tid, tgid, nr, &al, now, false);

	if (v == SESSION_BLOCK)
		engine_end_stream(s->engine, stream); /* the call did not happen */
	return v;
}

bool detector_external_ok(const struct cids_detector *det, enum cids_seq seq, unsigned max_k,
			  unsigned max_frame)
{
	return det->algo == CIDS_ALGO_STIDE && det->k > 0 && det->k <= max_k && det->frame > 0 &&
	       det->frame <= max_frame && seq == CIDS_SEQ_THREAD;
}

bool session_external_detect(const struct cids_session *s, unsigned max_k, unsigned max_frame,
			     struct cids_detector *d, int *db)
{
	if (!s || s->mode == CIDS_MODE_LEARN || s->det_db < 0 ||
	    !detector_external_ok(&s->cfg.detection, engine_config(s->engine)->seq, max_k,
				  max_frame))
		return false;
	*d = s->cfg.detection;
	*db = s->det_db;
	return true;
}

const struct cids_engine *session_engine(const struct cids_session *s)
{
	return s ? s->engine : NULL;
}

enum session_verdict session_window(struct cids_session *s, pid_t tid, pid_t tgid,
				    const uint16_t *win, unsigned k, unsigned score, bool killed,
				    double now)
{
	struct cids_alarm al = {};

	if (!s || k == 0 || k > CIDS_MAX_K)
		return SESSION_ALLOW;
	s->syscalls++;
	if (s->mode == CIDS_MODE_LEARN || s->det_db < 0 || k != s->cfg.detection.k ||
	    engine_db_contains(s->engine, (unsigned)s->det_db, win, k))
		return SESSION_ALLOW;
	al.algo = CIDS_ALGO_STIDE;
	al.k = (uint8_t)k;
	al.score = (uint16_t)MIN(score, (unsigned)UINT16_MAX);
	al.nwin = (uint16_t)k;
	memcpy(al.window, win, k * sizeof(*win));
	return judge(s, tid, tgid, win[k - 1], &al, now, killed);
}

unsigned session_kills_left(const struct cids_session *s, double now)
{
	if (!s || s->mode != CIDS_MODE_ENFORCE ||
	    (s->cfg.action != CIDS_ACT_KILL && s->cfg.action != CIDS_ACT_KILL_CONTAINER))
		return 0;
	return kills_left(s, now);
}

void session_set_comm(struct cids_session *s, const char *comm)
{
	if (s)
		s->comm_hint = comm;
}

void session_add_calls(struct cids_session *s, uint64_t n)
{
	if (s)
		s->syscalls += n;
}

void session_thread_exit(struct cids_session *s, pid_t tid)
{
	if (!s)
		return;
	if (engine_config(s->engine)->seq == CIDS_SEQ_CONTAINER)
		return;
	for (unsigned c = 0; c < SESSION_MAX_CTX; c++)
		engine_end_stream(s->engine, (uint64_t)(uint32_t)tid | ((uint64_t)c << 32));
}

void session_lost(struct cids_session *s, pid_t tid, uint64_t n)
{
	if (!s)
		return;
	s->lost += n;
	if (tid > 0)
		session_thread_exit(s, tid);
	else
		engine_reset_streams(s->engine);
}

int session_checkpoint(struct cids_session *s)
{
	int r, ret = 0;

	if (!s)
		return 0;
	s->last_checkpoint = now_mono();
	s->prov.updated = (int64_t)now_wall();
	if (!s->prov.created)
		s->prov.created = s->prov.updated;

	r = mkdir_p(s->cfg.store, 0700);
	if (r >= 0)
		r = profile_save(s->engine, &s->prov, s->store_path);
	if (r < 0) {
		ret = r;
		if (!s->store_save_failed) {
			char msg[256];

			snprintf(msg, sizeof(msg),
				 "profile save to the store failed (%s): learning goes on in "
				 "memory, "
				 "retried at the next checkpoint",
				 strerror(-r));
			log_error_errno(r, "Container \"%s\": cannot save \"%s\"", s->info.id,
					s->store_path);
			session_alert_event(s, "cids_monitor", msg);
		}
		s->store_save_failed = true;
	} else {
		if (s->store_save_failed)
			log_info("Container \"%s\": profile saved again to \"%s\"", s->info.id,
				 s->store_path);
		s->store_save_failed = false;
	}
	if (s->bundle_writable) {
		r = profile_save(s->engine, &s->prov, s->info.bundle_profile);
		if (r < 0) {
			if (!ret)
				ret = r;
			if (!s->bundle_save_failed)
				log_warn_errno(r, "Container \"%s\": cannot save \"%s\"",
					       s->info.id, s->info.bundle_profile);
			s->bundle_save_failed = true;
		} else {
			s->bundle_save_failed = false;
		}
	}
	s->checkpoints++;
	return ret;
}

void session_tick(struct cids_session *s, double now)
{
	if (!s)
		return;
	session_start(s);
	if (s->mode == CIDS_MODE_LEARN) {
		double t = learn_time(s, now);

		s->last_learn_t = t;
		engine_tick(s->engine, t);
		maybe_transition(s, now);
	}
	/* report alerts dropped in an earlier second even when nothing else happens */
	if (s->alerts_dropped_sec > 0 && floor(now) != s->alert_sec) {
		flush_dropped(s);
		s->alert_sec = floor(now);
		s->alerts_this_sec = 0;
	}
	if (s->cfg.checkpoint_s > 0 && now - s->last_checkpoint >= s->cfg.checkpoint_s &&
	    s->mode == CIDS_MODE_LEARN)
		(void)session_checkpoint(s);
	if (now - s->last_status >= STATUS_INTERVAL_S)
		session_write_status(s, now);
}
