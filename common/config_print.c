/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The effective configuration printed back as JSON (cids-hook --check-config). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cids/config.h"
#include "cids/engine.h"
#include "cids/json.h"
#include "cids/util.h"

static const char *const seq_names[] = CIDS_SEQ_NAMES;
static const char *const algo_names[] = CIDS_ALGO_NAMES;

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

/* A double as the user wrote it (0.15, not json-c's 0.14999999999999999). */
static struct json_object *new_double(double v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.15g", v);
	return json_object_new_double_s(v, buf);
}

/* The detector's boolean keys (cids_detector.flags), as config.c parses them. */
static const struct {
	const char *key;
	uint8_t flag;
} det_flag_keys[] = {
	{"unseen_calls", CIDS_DET_UNSEEN_CALLS}, {"low_risk_unseen", CIDS_DET_LOW_RISK_UNSEEN},
	{"repeats_once", CIDS_DET_REPEATS_ONCE}, {"near_quiet", CIDS_DET_NEAR_QUIET},
	{"near_windows", CIDS_DET_NEAR_WINDOWS},
};

char *config_to_json(const struct cids_config *c)
{
	_cleanup_json_ struct json_object *root = json_object_new_object();
	struct json_object *l, *d, *e, *lim, *pt, *rt, *arr;
	bool algo_seen[2] = {false, false};
	bool win_seen[CIDS_MAX_K + 1] = {false};
	const char *s;

	if (!root)
		return NULL;
	add_str(root, "mode", cids_mode_name(c->mode));
	add_str(root, "on_steady", cids_on_steady_name(c->on_steady));
	add_str(root, "backend", cids_backend_name(c->backend));
	add_str(root, "on_error", cids_on_error_name(c->on_error));
	add_str(root, "store", c->store);
	add_str(root, "alerts", c->alerts);
	add_str(root, "run_dir", c->run_dir);
	add_str(root, "log", c->log);
	add_str(root, "socket", c->socket);
	json_object_object_add(root, "syslog", json_object_new_boolean(c->syslog));
	json_object_object_add(root, "allow_container_override",
			       json_object_new_boolean(c->allow_container_override));
	add_str(root, "container_key_prefix", c->container_key_prefix);
	add_str(root, "on_unlearned", cids_on_unlearned_name(c->on_unlearned));

	l = json_object_new_object();
	arr = json_object_new_array();
	for (unsigned i = 0; i < c->learning.ndbs && i < CIDS_MAX_DBS; i++) {
		unsigned a = c->learning.dbs[i].algo;
		if (a < 2 && !algo_seen[a]) {
			algo_seen[a] = true;
			json_object_array_add(arr, json_object_new_string(algo_names[a]));
		}
	}
	json_object_object_add(l, "algorithms", arr);
	arr = json_object_new_array();
	for (unsigned i = 0; i < c->learning.ndbs && i < CIDS_MAX_DBS; i++) {
		unsigned k = c->learning.dbs[i].k;
		if (k <= CIDS_MAX_K && !win_seen[k]) {
			win_seen[k] = true;
			json_object_array_add(arr, json_object_new_int(k));
		}
	}
	json_object_object_add(l, "windows", arr);
	add_str(l, "sequence",
		(unsigned)c->learning.seq < ARRAY_SIZE(seq_names) ? seq_names[c->learning.seq]
								  : "?");
	json_object_object_add(l, "interval_s", new_double(c->learning.interval));
	json_object_object_add(l, "sigma", new_double(c->learning.sigma));
	json_object_object_add(l, "consecutive", json_object_new_int64(c->learning.consecutive));
	json_object_object_add(l, "checkpoint_s", new_double(c->checkpoint_s));
	json_object_object_add(l, "max_learn_s", new_double(c->max_learn_s));
	json_object_object_add(
		l, "max_learn_calls",
		json_object_new_int64((int64_t)MIN(c->max_learn_calls, (uint64_t)INT64_MAX)));
	json_object_object_add(l, "max_entries",
			       json_object_new_int64(c->learning.max_entries
							     ? c->learning.max_entries
							     : CIDS_MAX_ENTRIES));
	json_object_object_add(l, "quiet_calls",
			       json_object_new_int64((int64_t)c->learning.quiet_calls));
	json_object_object_add(l, "min_containers",
			       json_object_new_int64(c->learning_min_containers));
	json_object_object_add(root, "learning", l);

	d = json_object_new_object();
	add_str(d, "algorithm", c->detection.algo < 2 ? algo_names[c->detection.algo] : "?");
	json_object_object_add(d, "window", json_object_new_int(c->detection.k));
	json_object_object_add(d, "frame", json_object_new_int(c->detection.frame));
	json_object_object_add(d, "threshold", json_object_new_int(c->detection.threshold));
	add_str(d, "model", cids_model_name(c->model));
	json_object_object_add(d, "enforce_threshold", json_object_new_int64(c->enforce_threshold));
	json_object_object_add(d, "startup_grace_s", new_double(c->startup_grace_s));
	for (size_t i = 0; i < ARRAY_SIZE(det_flag_keys); i++)
		json_object_object_add(
			d, det_flag_keys[i].key,
			json_object_new_boolean(c->detection.flags & det_flag_keys[i].flag));
	json_object_object_add(root, "detection", d);

	e = json_object_new_object();
	add_str(e, "action", cids_action_name(c->action));
	json_object_object_add(e, "max_kills_per_minute",
			       json_object_new_int64(c->max_kills_per_minute));
	add_str(e, "over_budget", cids_over_budget_name(c->over_budget));
	json_object_object_add(root, "enforce", e);

	lim = json_object_new_object();
	json_object_object_add(lim, "max_threads", json_object_new_int64(c->max_threads));
	json_object_object_add(lim, "max_alerts_per_second",
			       json_object_new_int64(c->max_alerts_per_second));
	json_object_object_add(lim, "hook_timeout_s", new_double(c->hook_timeout_s));
	add_str(lim, "io_uring", cids_io_uring_name(c->allow_io_uring));
	json_object_object_add(lim, "max_profile_mb", json_object_new_int64(c->max_profile_mb));
	json_object_object_add(lim, "alerts_file_mb", json_object_new_int64(c->alerts_file_mb));
	json_object_object_add(lim, "alerts_files", json_object_new_int64(c->alerts_files));
	json_object_object_add(lim, "monitor_restarts", json_object_new_int64(c->monitor_restarts));
	json_object_object_add(root, "limits", lim);

	pt = json_object_new_object();
	json_object_object_add(pt, "one_stop", json_object_new_boolean(c->ptrace_one_stop));
	json_object_object_add(root, "ptrace", pt);

	pt = json_object_new_object();
	json_object_object_add(pt, "seccomp_guard", json_object_new_boolean(c->ebpf_seccomp_guard));
	json_object_object_add(root, "ebpf", pt);

	rt = json_object_new_object();
	arr = json_object_new_array();
	for (unsigned i = 0; i < c->nruntimes && i < CIDS_MAX_RUNTIMES; i++)
		json_object_array_add(arr, json_object_new_string(c->runtimes[i]));
	json_object_object_add(rt, "runtimes", arr);
	add_str(rt, "hook", c->hook_path);
	add_str(rt, "hook_stage", c->hook_stage);
	json_object_object_add(root, "runtime", rt);

	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	return s ? strdup(s) : NULL;
}
