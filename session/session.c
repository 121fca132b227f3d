/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One monitored container (include/cids/session.h): its lifecycle, the syscall and window path
 * (learn or detect), the learn -> detect/enforce move on steady state, and the timers. The
 * profile is in session_profile.c, verdicts and alert lines in session_alert.c, the status file
 * in session_status.c.
 *
 * Choices:
 * - on_steady waits for the *detection* database (detection.algorithm, detection.window) to be
 *   steady: that is the database that judges afterwards. If the profile has no such database it
 *   waits for all of its databases. Once the session detects, learning stops (the other
 *   databases keep the state they had).
 * - mode "learn" with a profile whose detection database is already steady starts directly in
 *   the on_steady mode (a later container of a learned workload is judged from its first call).
 *   An explicit "detect"/"enforce" with a profile that is missing or not steady is one decision,
 *   on_unlearned: "refuse" (default) fails session_new with -EACCES (the hook refuses the
 *   container whatever on_error says), "learn" learns first and moves to the asked mode once
 *   steady, "judge" judges what there is. Each raises one alert and one log line.
 * - Learning ends: steady, or unsettled when learning.max_learn_s (learning time of the key,
 *   over all its containers), learning.max_learn_calls (calls of the key) or a full profile
 *   (learning.max_entries, limits.max_profile_mb) is reached; then the container moves on as on
 *   steady, with a cids_learning_unsettled alert. on_steady "stay" keeps learning and says so
 *   once.
 * - Calls with a number the kernel does not know (they fail with ENOSYS) are not learned.
 * - A blocked call is taken back from the thread's window (engine_detect_undo), since it did
 *   not happen: the next call is judged against the window before it. (Restarting the stream
 *   instead would hand the next calls a fresh start: a free prefix after every block.) Only
 *   the first of consecutive blocked calls is: held on one window, a thread's error path made
 *   every next window new and every call blocked (redis and MariaDB frozen by one block).
 * - Every stream starts with start symbols (learning.start_pad, profile version 2): a thread's
 *   first calls are learned and judged like the others. A profile without them (version 1,
 *   or trained offline) is refused with a message saying to learn it again.
 * - io_uring (io_uring_setup/enter/register): its operations are not system calls, so no
 *   profile sees them. limits.io_uring "deny" (default) makes the calls fail with EPERM in
 *   every mode, alerted (rule cids_io_uring); "allow" profiles them and alerts once.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cids/alert.h"
#include "cids/engine.h"
#include "cids/kabi.h"
#include "cids/log.h"
#include "cids/macro.h"
#include "cids/profile.h"
#include "cids/session.h"
#include "cids/util.h"
#include "session_internal.h"

#define KILL_SLOTS_MAX	  100000
#define STATUS_INTERVAL_S 1.0

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

/* Which learning limit ended learning without a steady profile, NULL if none. */
static const char *learning_limit(const struct cids_session *s, double now)
{
	if (s->db_full)
		return "learning.max_entries";
	if (s->cfg.max_learn_s > 0 && learn_time(s, now) >= s->cfg.max_learn_s)
		return "learning.max_learn_s";
	if (s->cfg.max_learn_calls > 0 && engine_total_calls(s->engine) >= s->cfg.max_learn_calls)
		return "learning.max_learn_calls";
	return NULL;
}

/* Learning has ended: the profile is steady, or a limit stopped it unsettled. */
static bool learning_over(const struct cids_session *s, double now)
{
	return session_is_steady(s) || learning_limit(s, now) != NULL;
}

int session_new(const struct cids_config *cfg, const struct session_info *info,
		struct cids_session **ret, char *why, size_t whylen)
{
	struct cids_session *s;
	int r;

	if (!cfg || !info || !ret)
		return -EINVAL;
	if (!key_is_valid(info->key))
		return why_err(why, whylen, -EINVAL, "invalid profile key \"%.128s\"", info->key);
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
		free(s);
		return why_err(why, whylen, -ENAMETOOLONG, "store path too long");
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

	r = session_profile_open(s, why, whylen);
	if (r < 0) {
		engine_free(s->engine);
		free(s);
		return r;
	}
	/* Enough activity: quiet calls since the database last grew, and (min_containers) more
	 * than one container start, since start-up paths (data loaded from the volume, crash
	 * recovery) are only seen from the second start on. Until then no database is declared
	 * steady. */
	engine_set_quiet_calls(s->engine, s->prov.sessions < cfg->learning_min_containers
						  ? UINT64_MAX
						  : cfg->learning.quiet_calls);

	s->db_full = session_db_full(s);
	/* Moves already due: a learned workload starts judged. */
	if (s->mode == CIDS_MODE_LEARN && cfg->on_steady != CIDS_STEADY_STAY && !s->fresh &&
	    learning_over(s, s->start_mono))
		s->mode = steady_target(cfg);
	if (s->mode != CIDS_MODE_LEARN && s->det_db < 0) {
		engine_free(s->engine);
		free(s);
		return why_err(why, whylen, -EINVAL,
			       "profile has no %s database with k=%u for detection (check "
			       "detection.* against learning.*)",
			       cids_algo_name(cfg->detection.algo), cfg->detection.k);
	}
	if (s->mode != CIDS_MODE_LEARN && !learning_over(s, s->start_mono)) {
		/* detect/enforce asked for a key not learned (enough): one decision, said once */
		switch (cfg->on_unlearned) {
		case CIDS_UNLEARNED_REFUSE:
			why_set(why, whylen,
				"mode %s for key \"%s\" whose profile is %s (on_unlearned "
				"refuse): learn it first",
				cids_mode_name(s->mode), info->key,
				s->fresh ? "missing" : "not steady yet");
			engine_free(s->engine);
			free(s);
			return -EACCES;
		case CIDS_UNLEARNED_LEARN:
			s->learn_first = true;
			s->target_mode = s->mode;
			s->mode = CIDS_MODE_LEARN;
			snprintf(
				s->pending_warning, sizeof(s->pending_warning),
				"mode %s asked for a key whose profile is %s (on_unlearned learn): "
				"learning first, %s once steady",
				cids_mode_name(s->target_mode),
				s->fresh ? "missing" : "not steady yet",
				cids_mode_name(s->target_mode));
			break;
		default:
			snprintf(s->pending_warning, sizeof(s->pending_warning),
				 "mode %s with a profile that is %s (on_unlearned judge): expect "
				 "false alarms",
				 cids_mode_name(s->mode), s->fresh ? "missing" : "not steady");
			break;
		}
	} else if (s->mode != CIDS_MODE_LEARN && !session_is_steady(s)) {
		snprintf(s->pending_warning, sizeof(s->pending_warning),
			 "mode %s with a profile that never settled (%s reached): expect false "
			 "alarms",
			 cids_mode_name(s->mode), learning_limit(s, s->start_mono));
	}

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

void session_skip_final_save(struct cids_session *s)
{
	if (s)
		s->no_final_save = true;
}

void session_set_monitor_pid(struct cids_session *s, pid_t pid)
{
	if (s)
		s->monitor_pid = pid;
}

const char *session_status_path(const struct cids_session *s)
{
	return s ? s->status_path : "";
}

void session_free(struct cids_session *s)
{
	if (!s)
		return;
	session_alert_flush(s); /* repeats counted in the last second */
	if (!s->no_final_save)
		(void)session_checkpoint(s);
	if (s->status_path[0])
		(void)unlink(s->status_path);
	engine_free(s->engine);
	free(s->kill_times);
	free(s->kinds);
	free(s);
}

enum cids_mode session_mode(const struct cids_session *s)
{
	return s ? s->mode : CIDS_MODE_LEARN;
}

static uint64_t stream_of(const struct cids_session *s, pid_t tid, pid_t tgid, unsigned ctx)
{
	uint64_t c = (uint64_t)MIN(ctx, SESSION_MAX_CTX - 1u) << 32;

	switch (s->seq) {
	case CIDS_SEQ_PROCESS:
		return (uint64_t)(uint32_t)tgid | c;
	case CIDS_SEQ_CONTAINER:
		return c;
	default:
		return (uint64_t)(uint32_t)tid | c;
	}
}

static void maybe_transition(struct cids_session *s, double now)
{
	const char *limit = NULL;
	enum cids_mode to;
	char msg[256];
	bool steady;

	if (s->mode != CIDS_MODE_LEARN)
		return;
	steady = session_is_steady(s);
	if (!steady) {
		limit = learning_limit(s, now);
		if (!limit)
			return;
	}
	if (!s->learn_first && s->cfg.on_steady == CIDS_STEADY_STAY) {
		if (limit && !s->warned_unsettled) {
			s->warned_unsettled = true;
			snprintf(msg, sizeof(msg),
				 "%s reached and the profile never settled: on_steady stay, still "
				 "learning",
				 limit);
			log_warn("Container \"%s\" key \"%s\": %s", s->info.id, s->info.key, msg);
			session_alert_event(s, "cids_learning_unsettled", msg);
		}
		return;
	}
	to = s->learn_first ? s->target_mode : steady_target(&s->cfg);
	if (s->det_db < 0) {
		/* cannot judge without the detector's database: keep learning, say it once */
		if (!s->warned_no_detector) {
			s->warned_no_detector = true;
			session_alert_event(s, "cids_monitor",
					    "learning over, but the profile has no detection "
					    "database: staying in learn");
		}
		return;
	}
	s->mode = to;
	if (steady)
		snprintf(msg, sizeof(msg), "learning steady after %.1f s: now %s",
			 learn_time(s, now), cids_mode_name(to));
	else
		snprintf(msg, sizeof(msg),
			 "%s reached after %.1f s and %llu calls, the profile never settled: now "
			 "%s (expect false alarms)",
			 limit, learn_time(s, now),
			 (unsigned long long)engine_total_calls(s->engine), cids_mode_name(to));
	if (steady)
		log_info("Container \"%s\" key \"%s\": %s", s->info.id, s->info.key, msg);
	else
		log_warn("Container \"%s\" key \"%s\": %s", s->info.id, s->info.key, msg);
	{
		struct cids_alert a = {
			.rule = steady ? "cids_monitor" : "cids_learning_unsettled",
			.priority = steady ? "Notice" : "Warning",
			.container_id = s->info.id,
			.profile_key = s->info.key,
			.mode = cids_mode_name(s->mode),
			.message = msg,
		};
		s->alerts++;
		session_emit(s, &a, now);
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

	if (nr >= NR_IO_URING_SETUP && nr <= NR_IO_URING_REGISTER) {
		/* a boundary no profile sees through: denied, or alerted once and then profiled */
		if (!s->cfg.allow_io_uring)
			return session_io_uring(s, tid, tgid, nr, true, now);
		if (!s->warned_io_uring) {
			s->warned_io_uring = true;
			(void)session_io_uring(s, tid, tgid, nr, false, now);
		}
	}

	if (s->mode == CIDS_MODE_LEARN) {
		double t = learn_time(s, now);

		/* An unknown number only fails with ENOSYS: it never grows the profile (a tenant
		 * could otherwise keep learning going with ever new windows of them). Judged as
		 * "other" once detecting. */
		if (!cids_sys_name(CIDS_ARCH_X86_64, nr > INT32_MAX || nr < 0 ? -1 : (int)nr)) {
			s->invalid_calls++;
			return SESSION_ALLOW;
		}
		s->last_learn_t = t;
		r = engine_learn(s->engine, stream, sym, t);
		if (r == 1) {
			char msg[200];

			s->db_full = true;
			snprintf(msg, sizeof(msg),
				 "profile full: a database reached learning.max_entries or the "
				 "databases reached limits.max_profile_mb (%u MiB); it stops "
				 "growing and learning ends unsettled",
				 s->cfg.max_profile_mb);
			log_warn("Container \"%s\": %s", s->info.id, msg);
			session_alert_event(s, "cids_profile_full", msg);
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
	struct cids_detector det = s->cfg.detection;

	/* the start-up grace: near windows (warm-up of arenas, caches, thread pools) count 0 */
	if (now - s->start_mono < s->cfg.startup_grace_s)
		det.flags |= CIDS_DET_NEAR_FREE;
	r = engine_detect(s->engine, stream, sym, &det, &al);
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
	enum session_verdict v = session_judge(s, tid, tgid, nr, &al, now, 0);

	/* the call did not happen: the next one is judged against the window before it (a
	 * stream restart would hand the next calls a fresh start) */
	if (v == SESSION_BLOCK)
		(void)engine_detect_undo(s->engine, stream, &det);
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
	    !detector_external_ok(&s->cfg.detection, s->seq, max_k, max_frame))
		return false;
	*d = s->cfg.detection;
	/* Unseen calls are judged here, whatever their frame count: the backend reports every
	 * mismatching window with its count, and session_window applies the model. */
	if (d->flags & CIDS_DET_UNSEEN_CALLS)
		d->threshold = 1;
	d->flags = 0;
	*db = s->det_db;
	return true;
}

bool session_backend_may_kill(const struct cids_session *s)
{
	/* Only when every window the backend reports is one enforce acts on. */
	return s && !(s->cfg.detection.flags & CIDS_DET_UNSEEN_CALLS) &&
	       s->cfg.enforce_threshold <= MAX(s->cfg.detection.threshold, (uint16_t)1) &&
	       s->cfg.startup_grace_s <= 0;
}

bool session_unseen_calls(const struct cids_session *s, uint64_t *calls, unsigned nbits)
{
	if (!s || s->mode == CIDS_MODE_LEARN || !(s->cfg.detection.flags & CIDS_DET_UNSEEN_CALLS))
		return false;
	if (!calls)
		return true;
	memset(calls, 0, (nbits + 63) / 64 * sizeof(*calls));
	/* io_uring is limits.io_uring's to judge (a call the container's own profile refused is
	 * blocked, not killed) */
	for (unsigned nr = 0; nr < nbits && nr < CIDS_SYM_START; nr++) {
		if (!engine_sym_unseen(s->engine, &s->cfg.detection, nr) ||
		    session_never_blocked(nr) ||
		    (nr >= NR_IO_URING_SETUP && nr <= NR_IO_URING_REGISTER))
			continue;
		calls[nr / 64] |= 1ull << (nr % 64);
	}
	return true;
}

const struct cids_engine *session_engine(const struct cids_session *s)
{
	return s ? s->engine : NULL;
}

enum session_verdict session_window(struct cids_session *s, pid_t tid, pid_t tgid,
				    const uint16_t *win, unsigned k, unsigned score, unsigned done,
				    double now)
{
	return session_window_ctx(s, tid, tgid, 0, win, k, score, done, now);
}

enum session_verdict session_window_ctx(struct cids_session *s, pid_t tid, pid_t tgid, unsigned ctx,
					const uint16_t *win, unsigned k, unsigned score,
					unsigned done, double now)
{
	struct cids_detector det;
	struct cids_alarm al = {};
	bool acted = done & (SESSION_DONE_KILLED | SESSION_DONE_BLOCKED);

	if (!s || k == 0 || k > CIDS_MAX_K)
		return SESSION_ALLOW;
	s->syscalls++;
	if (s->mode == CIDS_MODE_LEARN || s->det_db < 0 || k != s->cfg.detection.k ||
	    engine_db_contains(s->engine, (unsigned)s->det_db, win, k))
		return SESSION_ALLOW;
	det = s->cfg.detection;
	if (det.flags & (CIDS_DET_NEAR_WINDOWS | CIDS_DET_REPEATS_ONCE)) {
		int r;

		/* the backend counted every mismatch 1: weighed here as engine_detect weighs
		 * them (near windows, one call away, repeats; the start-up grace), over the
		 * stream's last `score` reported mismatches, which are the frame's */
		if (now - s->start_mono < s->cfg.startup_grace_s)
			det.flags |= CIDS_DET_NEAR_FREE;
		r = engine_detect_reported(s->engine, stream_of(s, tid, tgid, ctx), win, k, score,
					   &det, &al);
		if (r == 1)
			return session_judge(s, tid, tgid, win[k - 1], &al, now, done);
		if (r == 0 && !acted)
			return SESSION_ALLOW;
	}
	/* the model's rule, as engine_detect applies it (the backend may report every mismatch) */
	al.unseen = engine_sym_unseen(s->engine, &det, cids_sym(win[k - 1]));
	if (!acted && score < MAX(det.threshold, 1u) &&
	    !(al.unseen && (det.flags & CIDS_DET_UNSEEN_CALLS)))
		return SESSION_ALLOW;
	al.algo = CIDS_ALGO_STIDE;
	al.k = (uint8_t)k;
	al.score = (uint16_t)MIN(score, (unsigned)UINT16_MAX);
	al.nwin = (uint16_t)k;
	memcpy(al.window, win, k * sizeof(*win));
	return session_judge(s, tid, tgid, win[k - 1], &al, now, done);
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
	if (s->seq == CIDS_SEQ_CONTAINER)
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
	session_alert_tick(s, now);
	if (s->cfg.checkpoint_s > 0 && now - s->last_checkpoint >= s->cfg.checkpoint_s &&
	    s->mode == CIDS_MODE_LEARN)
		(void)session_checkpoint(s);
	if (now - s->last_status >= STATUS_INTERVAL_S)
		session_write_status(s, now);
}
