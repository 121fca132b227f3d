/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The status file of one session, <run_dir>/monitors/<id>.json, rewritten atomically about once
 * a second; `cids status` reads it:
 *   {"id","key","backend","mode","monitor_pid","container_pid","started","updated","syscalls",
 *    "alerts","kills","lost","dbs":[{"algorithm","k","size","slope","steady","t_max","eta_s"}]}
 * started/updated are unix seconds (fractional). slope is the last growth sample's slope (0
 * before the first). t_max is null until the database is steady. eta_s is a lower bound of the
 * learning seconds left: (consecutive - current run) * interval, 0 once steady.
 * Extra keys: "kills_limited", "alerts_dropped", "checkpoints", "steady", "blocks",
 * "alerts_by_rule" {rule: count} and "kills_by_rule" {rule: count} (cids status --prometheus),
 * "containers" (starts the profile has learned), "min_containers" (learning.min_containers).
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cids/engine.h"
#include "cids/log.h"
#include "cids/util.h"
#include "session_internal.h"

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

char *session_status_json(const struct cids_session *s, double now)
{
	const struct cids_engine_config *ec = engine_config(s->engine);
	json_object *o = json_object_new_object(), *dbs = json_object_new_array();
	char *ret = NULL;

	if (!o || !dbs) {
		json_object_put(o);
		json_object_put(dbs);
		return NULL;
	}
	add_str(o, "id", s->info.id);
	add_str(o, "key", s->info.key);
	add_str(o, "backend", s->backend);
	add_str(o, "mode", cids_mode_name(s->mode));
	json_object_object_add(o, "monitor_pid",
			       json_object_new_int(s->monitor_pid ? s->monitor_pid : getpid()));
	json_object_object_add(o, "container_pid", json_object_new_int(s->info.init_pid));
	json_object_object_add(o, "started", json_object_new_double(s->start_wall));
	json_object_object_add(o, "updated",
			       json_object_new_double(s->start_wall + (now - s->start_mono)));
	add_u64(o, "syscalls", s->syscalls);
	add_u64(o, "alerts", s->alerts);
	add_u64(o, "kills", s->kills);
	add_u64(o, "lost", s->lost);
	add_u64(o, "kills_limited", s->kills_limited);
	add_u64(o, "alerts_dropped", s->alerts_dropped);
	add_u64(o, "checkpoints", s->checkpoints);
	json_object_object_add(o, "steady", json_object_new_boolean(session_is_steady(s)));
	add_u64(o, "blocks", s->blocks);
	json_object *rules = json_object_new_object(), *krules = json_object_new_object();
	if (rules && krules) {
		/* the common rules always, so that their series exist from the start */
		add_u64(rules, "cids_anomalous_window", 0);
		add_u64(rules, "cids_monitor", 0);
		add_u64(krules, "cids_anomalous_window", 0);
		for (unsigned i = 0; i < s->nrules; i++) {
			add_u64(rules, s->by_rule[i].rule, s->by_rule[i].alerts);
			if (s->by_rule[i].kills ||
			    strcmp(s->by_rule[i].rule, "cids_anomalous_window") == 0)
				add_u64(krules, s->by_rule[i].rule, s->by_rule[i].kills);
		}
	}
	json_object_object_add(o, "alerts_by_rule", rules);
	json_object_object_add(o, "kills_by_rule", krules);
	/* learning.min_containers: the profile is not declared steady before this many starts */
	add_u64(o, "containers", s->prov.sessions);
	add_u64(o, "min_containers", s->cfg.learning_min_containers);

	for (unsigned i = 0; i < ec->ndbs; i++) {
		json_object *d = json_object_new_object();
		const struct cids_steady *st = engine_db_steady(s->engine, i);
		const struct cids_growth_point *g;
		size_t ng = 0;
		double slope = 0, eta = 0;

		if (!d)
			break;
		g = engine_db_growth(s->engine, i, &ng);
		if (g && ng > 0)
			slope = g[ng - 1].slope;
		if (!st->steady && !st->full)
			eta = (double)(ec->consecutive > st->run ? ec->consecutive - st->run : 1) *
			      ec->interval;
		add_str(d, "algorithm", cids_algo_name(ec->dbs[i].algo));
		json_object_object_add(d, "k", json_object_new_int(ec->dbs[i].k));
		add_u64(d, "size", engine_db_size(s->engine, i));
		json_object_object_add(d, "slope", json_object_new_double(slope));
		json_object_object_add(d, "steady", json_object_new_boolean(st->steady));
		json_object_object_add(d, "t_max",
				       st->steady ? json_object_new_double(st->t_max) : NULL);
		json_object_object_add(d, "eta_s", json_object_new_double(eta));
		json_object_object_add(d, "full", json_object_new_boolean(st->full));
		json_object_array_add(dbs, d);
	}
	json_object_object_add(o, "dbs", dbs);
	ret = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return ret;
}

void session_write_status(struct cids_session *s, double now)
{
	char dir[sizeof(s->status_path)];
	char *slash, *text;
	int r;

	s->last_status = now;
	if (!s->status_path[0])
		return;
	snprintf(dir, sizeof(dir), "%s", s->status_path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	r = mkdir_p(dir, 0755);
	if (r < 0)
		goto fail;
	text = session_status_json(s, now);
	if (!text) {
		r = -ENOMEM;
		goto fail;
	}
	r = write_file_replace(s->status_path, text, strlen(text), 0600);
	free(text);
	if (r >= 0)
		return;
fail:
	log_debug("Cannot write status \"%s\": %s", s->status_path, strerror(-r));
}
