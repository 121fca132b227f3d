/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The session's profile: the store copy or the bundle copy at start (a fresh engine when there
 * is none), steady state of the detection database, and checkpoints to both copies.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cids/engine.h"
#include "cids/log.h"
#include "cids/profile.h"
#include "cids/session.h"
#include "cids/util.h"
#include "session_internal.h"

static int load_one(const char *path, struct cids_engine **ret_e, struct cids_provenance *ret_p,
		    const char *key, char *why, size_t whylen)
{
	struct cids_engine *e = NULL;
	struct cids_provenance p = {};
	char reason[512] = "";
	int r;

	r = profile_load(path, &e, &p, reason, sizeof(reason));
	if (r == -ENOENT)
		return r;
	if (r < 0)
		return why_err(why, whylen, r, "profile \"%s\" refused: %s", path, reason);
	if (p.key[0] && strcmp(p.key, key) != 0) {
		engine_free(e);
		return why_err(why, whylen, -EKEYREJECTED,
			       "profile \"%s\" belongs to key \"%.128s\", not \"%s\"", path, p.key,
			       key);
	}
	*ret_e = e;
	*ret_p = p;
	return 0;
}

/* The store copy first (it outlives bundles), then the bundle copy, else a fresh engine. A
 * bundle copy of another key (the bundle was reused for another workload) is neither loaded nor
 * overwritten; a corrupt or foreign-format copy anywhere refuses the session. */
int session_profile_open(struct cids_session *s, char *why, size_t whylen)
{
	int r;

	r = load_one(s->store_path, &s->engine, &s->prov, s->info.key, why, whylen);
	if (r == -ENOENT && s->bundle_writable) {
		char reason[1024] = "";

		r = load_one(s->info.bundle_profile, &s->engine, &s->prov, s->info.key, reason,
			     sizeof(reason));
		if (r == -EKEYREJECTED) {
			s->bundle_writable = false;
			snprintf(s->pending_warning, sizeof(s->pending_warning),
				 "bundle copy not used nor written: %.400s", reason);
			r = -ENOENT;
		} else if (r < 0 && r != -ENOENT) {
			(void)why_err(why, whylen, r, "%s", reason);
		}
	} else if (r == 0 && s->bundle_writable) {
		/* A bundle copy we cannot read is never overwritten silently. */
		struct cids_engine *other = NULL;
		struct cids_provenance op;
		char reason[512] = "";
		int q = load_one(s->info.bundle_profile, &other, &op, s->info.key, reason,
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
		struct cids_engine_config ec = s->cfg.learning;

		ec.clock = CIDS_CLOCK_SECONDS;
		r = engine_new(&ec, &s->engine);
		if (r < 0)
			return why_err(why, whylen, r, "cannot create the learning engine: %s",
				       strerror(-r));
		s->prov = (struct cids_provenance){};
		snprintf(s->prov.key, sizeof(s->prov.key), "%s", s->info.key);
		s->prov.created = (int64_t)s->start_wall;
		s->fresh = true;
	} else if (r < 0) {
		return r;
	} else if (!engine_config(s->engine)->start_pad) {
		/* its databases hold no window of a stream's first calls: every stream would start
		 * with alarms (detect) or mix two window models (learn) */
		return why_err(
			why, whylen, -EPROTO,
			"profile of key \"%s\" has no start-of-stream windows (profile "
			"version 1, or trained offline): remove it from the store and the bundle "
			"to learn it again",
			s->info.key);
	}
	/* host policy, not the profile's: the memory all databases may take */
	engine_set_max_bytes(s->engine, (uint64_t)s->cfg.max_profile_mb << 20);
	snprintf(s->prov.source, sizeof(s->prov.source), "%s %.200s", s->backend, s->info.id);
	s->prov.sessions++;
	s->learn_base = engine_elapsed(s->engine);
	s->last_learn_t = s->learn_base;
	/* The engine's databases are fixed from here on: looked up once. */
	s->det_db = engine_db_index(s->engine, s->cfg.detection.algo, s->cfg.detection.k);
	s->seq = engine_config(s->engine)->seq;
	return 0;
}

/* Steady: the detection database if the profile has it, else all of its databases. */
bool session_is_steady(const struct cids_session *s)
{
	int db = s->det_db;

	if (db >= 0)
		return engine_db_steady(s->engine, (unsigned)db)->steady;
	return engine_steady(s->engine, NULL, 0);
}

bool session_db_full(const struct cids_session *s)
{
	const struct cids_engine_config *c = engine_config(s->engine);
	uint64_t max = c->max_entries ? c->max_entries : CIDS_MAX_ENTRIES;

	for (unsigned i = 0; i < c->ndbs; i++)
		if (engine_db_steady(s->engine, i)->full || engine_db_size(s->engine, i) >= max)
			return true;
	return false;
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
