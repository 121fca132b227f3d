/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session's state, shared by the session/ files (and test_session); no other folder's. */
#ifndef CIDS_SESSION_INTERNAL_H
#define CIDS_SESSION_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "cids/config.h"
#include "cids/profile.h"
#include "cids/session.h"

#define SESSION_MAX_RULES 16 /* distinct alert rules counted; more go to the last one */

struct cids_session {
	struct cids_config cfg;
	struct session_info info;
	const char *backend;
	enum cids_mode mode;
	/* on_unlearned learn: detect/enforce asked for a key not learned yet; learning first,
	 * then target_mode (whatever on_steady says) */
	bool learn_first;
	enum cids_mode target_mode;
	struct cids_engine *engine;
	int det_db; /* engine index of the detection database, -ENOENT if none */
	/* the profile's sequence (a stream per thread, process or container), read on every call */
	enum cids_seq seq;
	struct cids_provenance prov;
	bool fresh;	      /* no profile existed */
	bool bundle_writable; /* bundle copy is ours to write */
	bool no_final_save;   /* tests / refused sessions */
	char store_path[CIDS_PATH_MAX + 256];
	char status_path[CIDS_PATH_MAX + 256];
	char pending_warning[512];

	double start_mono, start_wall;
	double learn_base;   /* engine_elapsed() of the loaded profile */
	double last_learn_t; /* last learning time given to the engine */
	double last_checkpoint, last_status;

	uint64_t syscalls, alerts, kills, kills_limited, lost, checkpoints;
	/* alerts and kills by rule (the rule names are the code's own literals), blocked calls */
	struct {
		const char *rule;
		uint64_t alerts, kills;
	} by_rule[SESSION_MAX_RULES];
	unsigned nrules;
	uint64_t blocks;
	uint64_t invalid_calls; /* unknown syscall numbers (ENOSYS): never learned */
	uint64_t alerts_dropped, alerts_dropped_sec;
	double alert_sec;
	unsigned alerts_this_sec;

	double *kill_times; /* ring of the last nkill_slots kill times */
	unsigned nkill_slots, kill_next, kills_recorded;
	double last_limit_log;

	const char *comm_hint;	   /* session_set_comm */
	session_kill_fn kill_hook; /* session_set_kill_hook */
	void *kill_hook_ud;
	pid_t monitor_pid;
	bool store_save_failed, bundle_save_failed, alert_write_failed;
	bool warned_streams, warned_no_detector, warned_io_uring, warned_unsettled;
	bool db_full;	 /* a database reached learning.max_entries */
	uint64_t *kinds; /* alert kinds written (first of each passes the rate cap) */
	unsigned nkinds;
	bool started; /* session_start ran (else the first session_tick runs it) */
};

struct cids_alarm;
struct cids_alert;

/* session_profile.c: load the store or bundle copy (or start fresh) into s->engine and s->prov,
 * look up s->det_db; on failure why says why and the caller frees s (and s->engine). */
int session_profile_open(struct cids_session *s, char *why, size_t whylen);
bool session_is_steady(const struct cids_session *s);
/* A database of the profile holds learning.max_entries entries. */
bool session_db_full(const struct cids_session *s);

/* session_alert.c: an alert line within the alert rate cap; the verdict and alert line for an
 * anomalous window (done: what the backend did already, SESSION_DONE_*); the per-second rate-cap
 * bookkeeping. */
void session_emit(struct cids_session *s, const struct cids_alert *a, double now);
enum session_verdict session_judge(struct cids_session *s, pid_t tid, pid_t tgid, long nr,
				   const struct cids_alarm *al, double now, unsigned done);
/* Is this alarm one enforce acts on at now (detection.model: an unseen call, or a frame count at
 * enforce_threshold past detection.startup_grace_s)? */
bool session_confident(const struct cids_session *s, const struct cids_alarm *al, double now);
void session_alert_tick(struct cids_session *s, double now);
/* Report the alerts the rate cap dropped and not yet reported (session end). */
void session_alert_flush(struct cids_session *s);
/* Count an alert of rule (a string literal of the code), and a kill when kill is true. */
void session_count_rule(struct cids_session *s, const char *rule, bool kill);
/* An io_uring call (limits.io_uring): deny true = SESSION_BLOCK in every mode, alerted. */
enum session_verdict session_io_uring(struct cids_session *s, pid_t tid, pid_t tgid, long nr,
				      bool deny, double now);

/* session_status.c: status JSON (malloc'ed) and its atomic write to <run_dir>/monitors/<id>.json.
 */
char *session_status_json(const struct cids_session *s, double now);
void session_write_status(struct cids_session *s, double now);

#endif
