/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /etc/cids/config.json: defaults, name tables and strict parsing with errors that name the key
 * (the typed getters are in config_get.c; config_print.c prints the effective configuration
 * back as JSON). Every key of config.json.example is known here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cids/config.h"
#include "cids/log.h"
#include "cids/util.h"
#include "cids/json.h"
#include "config_internal.h"

#define MAX_THREADS_CAP	   (1u << 20)
#define MAX_ALERTS_CAP	   1000000u
#define MAX_KILLS_CAP	   1000000u
#define HOOK_TIMEOUT_CAP_S 3600.0
#define INTERVAL_CAP_S	   (86400.0 * 365)

static const char *const mode_names[] = {"learn", "detect", "enforce"};
static const char *const steady_names[] = {"stay", "detect", "enforce"};
static const char *const backend_names[] = {"ptrace", "seccomp", "ebpf"};
static const char *const onerr_names[] = {"allow", "deny"};
static const char *const action_names[] = {"alert", "block", "kill", "kill-container"};
static const char *const seq_names[] = CIDS_SEQ_NAMES;
static const char *const algo_names[] = CIDS_ALGO_NAMES;
static const char *const io_uring_names[] = {"deny", "allow"};
static const char *const unlearned_names[] = {"learn", "refuse", "judge"};
static const char *const over_names[] = {"block", "kill-container"};

const char *cids_mode_name(enum cids_mode m)
{
	return (unsigned)m < ARRAY_SIZE(mode_names) ? mode_names[m] : "unknown";
}

int cids_mode_from_name(const char *s)
{
	return config_name_index(mode_names, ARRAY_SIZE(mode_names), s);
}

const char *cids_action_name(enum cids_action a)
{
	return (unsigned)a < ARRAY_SIZE(action_names) ? action_names[a] : "unknown";
}

const char *cids_backend_name(enum cids_backend b)
{
	return (unsigned)b < ARRAY_SIZE(backend_names) ? backend_names[b] : "unknown";
}

const char *cids_on_unlearned_name(enum cids_on_unlearned u)
{
	return (unsigned)u < ARRAY_SIZE(unlearned_names) ? unlearned_names[u] : "unknown";
}

const char *cids_over_budget_name(enum cids_over_budget o)
{
	return (unsigned)o < ARRAY_SIZE(over_names) ? over_names[o] : "unknown";
}

/* Whole buffer rewritten, so two equal configurations compare equal byte for byte. */
static void copy_str(char *dst, size_t n, const char *src)
{
	memset(dst, 0, n);
	snprintf(dst, n, "%s", src);
}

void config_default(struct cids_config *c)
{
	static const unsigned windows[] = {3, 4, 5, 6};

	memset(c, 0, sizeof(*c));
	c->mode = CIDS_MODE_LEARN;
	c->on_steady = CIDS_STEADY_DETECT;
	c->backend = CIDS_BACKEND_PTRACE;
	c->on_error = CIDS_ONERR_ALLOW;
	copy_str(c->store, sizeof(c->store), "/var/lib/cids/profiles");
	copy_str(c->alerts, sizeof(c->alerts), "/var/log/cids/alerts.jsonl");
	copy_str(c->run_dir, sizeof(c->run_dir), "/run/cids");
	copy_str(c->log, sizeof(c->log), "/var/log/cids/monitor.log");
	copy_str(c->socket, sizeof(c->socket), "/run/cids/cidsd.sock");
	c->allow_container_override = false;
	copy_str(c->container_key_prefix, sizeof(c->container_key_prefix), "c-");
	c->on_unlearned = CIDS_UNLEARNED_REFUSE;
	c->syslog = true;
	c->ebpf_seccomp_guard = true;

	/* Set here rather than through engine_config_default(): the live defaults differ from the
	 * engine's offline ones (no BoSC k=10), and common/ stays linkable without profiles/. */
	c->learning.arch = CIDS_ARCH_X86_64;
	c->learning.seq = CIDS_SEQ_THREAD;
	c->learning.clock = CIDS_CLOCK_SECONDS;
	c->learning.ndbs = 0;
	for (unsigned a = 0; a < 2; a++)
		for (size_t w = 0; w < ARRAY_SIZE(windows); w++)
			c->learning.dbs[c->learning.ndbs++] =
				(struct cids_db_id){.algo = (uint8_t)a, .k = (uint8_t)windows[w]};
	c->learning.interval = 100;
	c->learning.sigma = 0.15;
	c->learning.consecutive = 5;
	c->learning.max_entries = CIDS_MAX_ENTRIES;
	c->learning.quiet_calls = CIDS_QUIET_CALLS;
	c->learning_min_containers = CIDS_MIN_CONTAINERS;
	c->learning.max_streams = 0;
	c->checkpoint_s = 60;
	c->max_learn_s = 7 * 86400.0;
	c->max_learn_calls = 0;

	config_detection_model(c, CIDS_MODEL_TOLERANT);
	c->detection.algo = CIDS_ALGO_STIDE;
	c->detection.k = 4;
	c->detection.frame = 20;
	c->action = CIDS_ACT_BLOCK;
	c->max_kills_per_minute = 10;
	c->over_budget = CIDS_OVER_BLOCK;
	c->max_threads = 4096;
	c->max_alerts_per_second = 100;
	c->hook_timeout_s = 5;
	c->allow_io_uring = false;
	c->max_profile_mb = 128;
	c->alerts_file_mb = 64;
	c->alerts_files = 4;
	c->monitor_restarts = 3;
	/* live streams start with start symbols: a stream's first calls are judged too */
	c->learning.start_pad = true;

	copy_str(c->runtimes[0], sizeof(c->runtimes[0]), "runc");
	copy_str(c->runtimes[1], sizeof(c->runtimes[1]), "crun");
	c->nruntimes = 2;
	copy_str(c->hook_path, sizeof(c->hook_path), "/usr/local/bin/cids-hook");
	copy_str(c->hook_stage, sizeof(c->hook_stage), "createRuntime");
}

/* --- parsing (the typed getters: config_get.c) --- */

/* The namespace of keys containers may choose: a valid key start that no derived key ("w-")
 * or hidden/option-like name can share. */
static int get_key_prefix(struct pctx *p, struct json_object *v, struct cids_config *c)
{
	const char *s;
	size_t l;

	if (!json_object_is_type(v, json_type_string))
		return config_perr(p, "container_key_prefix", "must be a string");
	s = json_object_get_string(v);
	l = (size_t)json_object_get_string_len(v);
	/* "": chosen keys are taken as they are (every container trusted with every key) */
	if (l == 0) {
		copy_str(c->container_key_prefix, sizeof(c->container_key_prefix), "");
		return 0;
	}
	if (l >= sizeof(c->container_key_prefix) || strlen(s) != l || !key_is_valid(s))
		return config_perr(
			p, "container_key_prefix",
			"must be \"\" or 1 to %zu key characters (A-Z a-z 0-9 . _ -), not starting "
			"with '.' or '-'",
			sizeof(c->container_key_prefix) - 1);
	/* neither may start the other: "k" + a chosen "8s.x" would be a pod key */
	if (strncmp(s, "w-", MIN(l, (size_t)2)) == 0 || strncmp(s, "k8s.", MIN(l, (size_t)4)) == 0)
		return config_perr(
			p, "container_key_prefix",
			"must not overlap \"w-\" or \"k8s.\" (the derived keys' namespaces)");
	copy_str(c->container_key_prefix, sizeof(c->container_key_prefix), s);
	return 0;
}

#define FOREACH_KEY(obj, k, v) json_object_object_foreach (obj, k, v)

/* learning.max_learn_s, max_learn_calls, max_entries: where learning ends. 1 when key is one of
 * them, 0 when not, -EINVAL on a bad value. */
static int parse_learning_end(struct pctx *p, const char *key, struct json_object *v,
			      struct cids_config *c)
{
	int r;

	if (strcmp(key, "max_learn_s") == 0) {
		r = config_get_number(p, "learning.max_learn_s", v, 0, false, INTERVAL_CAP_S * 10,
				      &c->max_learn_s);
		return r < 0 ? r : 1;
	}
	if (strcmp(key, "max_learn_calls") == 0) {
		int64_t n;

		if (!json_object_is_type(v, json_type_int) || (n = json_object_get_int64(v)) < 0)
			return config_perr(p, "learning.max_learn_calls",
					   "must be an integer >= 0 (0: no limit)");
		c->max_learn_calls = (uint64_t)n;
		return 1;
	}
	if (strcmp(key, "max_entries") == 0) {
		unsigned m = 0;

		r = config_get_uint(p, "learning.max_entries", v, 1, CIDS_MAX_ENTRIES, &m);
		if (r < 0)
			return r;
		c->learning.max_entries = m;
		return 1;
	}
	return 0;
}

/* learning.algorithms: 1 or 2 distinct names. */
static int parse_algorithms(struct pctx *p, struct json_object *v, unsigned *algos, unsigned *ret_n)
{
	unsigned nalgos = 0;
	size_t n;
	int r, e = 0;

	if (!json_object_is_type(v, json_type_array))
		return config_perr(p, "learning.algorithms",
				   "must be an array of \"stide\" and/or \"bosc\"");
	n = json_object_array_length(v);
	if (n == 0 || n > 2)
		return config_perr(p, "learning.algorithms",
				   "must list 1 or 2 algorithms (\"stide\", \"bosc\")");
	for (size_t i = 0; i < n; i++) {
		r = config_get_enum(p, "learning.algorithms[]", json_object_array_get_idx(v, i),
				    algo_names, ARRAY_SIZE(algo_names), &e);
		if (r < 0)
			return r;
		for (unsigned j = 0; j < nalgos; j++)
			if (algos[j] == (unsigned)e)
				return config_perr(p, "learning.algorithms", "\"%s\" listed twice",
						   algo_names[e]);
		algos[nalgos++] = (unsigned)e;
	}
	*ret_n = nalgos;
	return 0;
}

/* learning.windows: 1 to CIDS_MAX_K distinct sizes. */
static int parse_windows(struct pctx *p, struct json_object *v, unsigned *windows, unsigned *ret_n)
{
	unsigned nwin = 0;
	size_t n;
	int r;

	if (!json_object_is_type(v, json_type_array))
		return config_perr(p, "learning.windows", "must be an array of window sizes 1..%d",
				   CIDS_MAX_K);
	n = json_object_array_length(v);
	if (n == 0 || n > CIDS_MAX_K)
		return config_perr(p, "learning.windows", "must list 1 to %d window sizes",
				   CIDS_MAX_K);
	for (size_t i = 0; i < n; i++) {
		unsigned k = 0;

		r = config_get_uint(p, "learning.windows[]", json_object_array_get_idx(v, i), 1,
				    CIDS_MAX_K, &k);
		if (r < 0)
			return r;
		for (unsigned j = 0; j < nwin; j++)
			if (windows[j] == k)
				return config_perr(p, "learning.windows", "window %u listed twice",
						   k);
		windows[nwin++] = k;
	}
	*ret_n = nwin;
	return 0;
}

/* The databases: every algorithm with every window; a list not given is kept from the current
 * (default) databases. */
static int set_databases(struct pctx *p, struct cids_config *c, const unsigned *algos,
			 unsigned nalgos, bool have_algos, const unsigned *windows, unsigned nwin,
			 bool have_windows)
{
	unsigned na = 0, nw = 0, a_list[2], w_list[CIDS_MAX_K];

	if (!have_algos) {
		for (unsigned i = 0; i < c->learning.ndbs; i++) {
			bool seen = false;
			for (unsigned j = 0; j < na; j++)
				seen |= a_list[j] == c->learning.dbs[i].algo;
			if (!seen && na < 2)
				a_list[na++] = c->learning.dbs[i].algo;
		}
	} else {
		memcpy(a_list, algos, sizeof(algos[0]) * nalgos);
		na = nalgos;
	}
	if (!have_windows) {
		for (unsigned i = 0; i < c->learning.ndbs; i++) {
			bool seen = false;
			for (unsigned j = 0; j < nw; j++)
				seen |= w_list[j] == c->learning.dbs[i].k;
			if (!seen && nw < CIDS_MAX_K)
				w_list[nw++] = c->learning.dbs[i].k;
		}
	} else {
		memcpy(w_list, windows, sizeof(windows[0]) * nwin);
		nw = nwin;
	}
	if (na * nw > CIDS_MAX_DBS)
		return config_perr(p, "learning.windows",
				   "%u algorithms x %u windows = %u databases, at most %d", na, nw,
				   na * nw, CIDS_MAX_DBS);
	c->learning.ndbs = 0;
	for (unsigned i = 0; i < na; i++)
		for (unsigned j = 0; j < nw; j++)
			c->learning.dbs[c->learning.ndbs++] = (struct cids_db_id){
				.algo = (uint8_t)a_list[i], .k = (uint8_t)w_list[j]};
	return 0;
}

static int parse_learning(struct pctx *p, struct json_object *o, struct cids_config *c)
{
	unsigned algos[2] = {0}, nalgos = 0, windows[CIDS_MAX_K] = {0}, nwin = 0;
	bool have_algos = false, have_windows = false;
	int r, e = 0;

	if (!json_object_is_type(o, json_type_object))
		return config_perr(p, "learning", "must be an object");

	FOREACH_KEY(o, key, v)
	{
		r = parse_learning_end(p, key, v, c);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		if (strcmp(key, "algorithms") == 0) {
			r = parse_algorithms(p, v, algos, &nalgos);
			if (r < 0)
				return r;
			have_algos = true;
		} else if (strcmp(key, "windows") == 0) {
			r = parse_windows(p, v, windows, &nwin);
			if (r < 0)
				return r;
			have_windows = true;
		} else if (strcmp(key, "sequence") == 0) {
			r = config_get_enum(p, "learning.sequence", v, seq_names,
					    ARRAY_SIZE(seq_names), &e);
			if (r < 0)
				return r;
			c->learning.seq = (enum cids_seq)e;
		} else if (strcmp(key, "interval_s") == 0) {
			r = config_get_number(p, "learning.interval_s", v, 0, true, INTERVAL_CAP_S,
					      &c->learning.interval);
			if (r < 0)
				return r;
		} else if (strcmp(key, "sigma") == 0) {
			r = config_get_number(p, "learning.sigma", v, 0, false, 1e12,
					      &c->learning.sigma);
			if (r < 0)
				return r;
		} else if (strcmp(key, "consecutive") == 0) {
			r = config_get_uint(p, "learning.consecutive", v, 1, 1000000,
					    &c->learning.consecutive);
			if (r < 0)
				return r;
		} else if (strcmp(key, "checkpoint_s") == 0) {
			r = config_get_number(p, "learning.checkpoint_s", v, 0, true,
					      INTERVAL_CAP_S, &c->checkpoint_s);
			if (r < 0)
				return r;
		} else if (strcmp(key, "min_containers") == 0) {
			r = config_get_uint(p, "learning.min_containers", v, 1, 1000000,
					    &c->learning_min_containers);
			if (r < 0)
				return r;
		} else if (strcmp(key, "quiet_calls") == 0) {
			unsigned m = 0;

			r = config_get_uint(p, "learning.quiet_calls", v, 0, 1000000000, &m);
			if (r < 0)
				return r;
			c->learning.quiet_calls = m;
		} else {
			config_warn_unknown("learning.", key);
		}
	}

	if (have_algos || have_windows)
		return set_databases(p, c, algos, nalgos, have_algos, windows, nwin, have_windows);
	return 0;
}

static const char *const model_names[] = {"tolerant", "paper"};

const char *cids_model_name(enum cids_model m)
{
	return (unsigned)m < ARRAY_SIZE(model_names) ? model_names[m] : "?";
}

/* The detector's boolean keys (cids_detector.flags). */
static const struct det_flag {
	const char *key, *name;
	uint8_t flag;
} det_flags[] = {
	{"unseen_calls", "detection.unseen_calls", CIDS_DET_UNSEEN_CALLS},
	{"low_risk_unseen", "detection.low_risk_unseen", CIDS_DET_LOW_RISK_UNSEEN},
	{"near_windows", "detection.near_windows", CIDS_DET_NEAR_WINDOWS},
	{"near_quiet", "detection.near_quiet", CIDS_DET_NEAR_QUIET},
	{"repeats_once", "detection.repeats_once", CIDS_DET_REPEATS_ONCE},
};

static const struct det_flag *det_flag_of(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(det_flags); i++)
		if (strcmp(det_flags[i].key, key) == 0)
			return &det_flags[i];
	return NULL;
}

static int parse_detection(struct pctx *p, struct json_object *o, struct cids_config *c)
{
	struct json_object *mv;
	unsigned u = 0;
	int r, e = 0;

	if (!json_object_is_type(o, json_type_object))
		return config_perr(p, "detection", "must be an object");
	/* The model first: it sets the defaults of the keys below, which may then override it. */
	if (json_object_object_get_ex(o, "model", &mv)) {
		r = config_get_enum(p, "detection.model", mv, model_names, ARRAY_SIZE(model_names),
				    &e);
		if (r < 0)
			return r;
		config_detection_model(c, (enum cids_model)e);
	}
	FOREACH_KEY(o, key, v)
	{
		const struct det_flag *fl = det_flag_of(key);

		if (strcmp(key, "model") == 0) {
			continue;
		} else if (fl) {
			bool b = false;

			r = config_get_bool(p, fl->name, v, &b);
			if (r < 0)
				return r;
			c->detection.flags = b ? (c->detection.flags | fl->flag)
					       : (c->detection.flags & ~fl->flag);
		} else if (strcmp(key, "enforce_threshold") == 0) {
			r = config_get_uint(p, "detection.enforce_threshold", v, 1, 65535, &u);
			if (r < 0)
				return r;
			c->enforce_threshold = u;
		} else if (strcmp(key, "startup_grace_s") == 0) {
			r = config_get_number(p, "detection.startup_grace_s", v, 0, false,
					      INTERVAL_CAP_S, &c->startup_grace_s);
			if (r < 0)
				return r;
		} else if (strcmp(key, "algorithm") == 0) {
			r = config_get_enum(p, "detection.algorithm", v, algo_names,
					    ARRAY_SIZE(algo_names), &e);
			if (r < 0)
				return r;
			c->detection.algo = (uint8_t)e;
		} else if (strcmp(key, "window") == 0) {
			r = config_get_uint(p, "detection.window", v, 1, CIDS_MAX_K, &u);
			if (r < 0)
				return r;
			c->detection.k = (uint8_t)u;
		} else if (strcmp(key, "frame") == 0) {
			r = config_get_uint(p, "detection.frame", v, 1, 65535, &u);
			if (r < 0)
				return r;
			c->detection.frame = (uint16_t)u;
		} else if (strcmp(key, "threshold") == 0) {
			r = config_get_uint(p, "detection.threshold", v, 1, 65535, &u);
			if (r < 0)
				return r;
			c->detection.threshold = (uint16_t)u;
		} else {
			config_warn_unknown("detection.", key);
		}
	}
	return 0;
}

static int parse_enforce(struct pctx *p, struct json_object *o, struct cids_config *c)
{
	int r, e = 0;

	if (!json_object_is_type(o, json_type_object))
		return config_perr(p, "enforce", "must be an object");
	FOREACH_KEY(o, key, v)
	{
		if (strcmp(key, "action") == 0) {
			r = config_get_enum(p, "enforce.action", v, action_names,
					    ARRAY_SIZE(action_names), &e);
			if (r < 0)
				return r;
			c->action = (enum cids_action)e;
		} else if (strcmp(key, "max_kills_per_minute") == 0) {
			r = config_get_uint(p, "enforce.max_kills_per_minute", v, 0, MAX_KILLS_CAP,
					    &c->max_kills_per_minute);
			if (r < 0)
				return r;
		} else if (strcmp(key, "over_budget") == 0) {
			r = config_get_enum(p, "enforce.over_budget", v, over_names,
					    ARRAY_SIZE(over_names), &e);
			if (r < 0)
				return r;
			c->over_budget = (enum cids_over_budget)e;
		} else {
			config_warn_unknown("enforce.", key);
		}
	}
	return 0;
}

static int parse_limits(struct pctx *p, struct json_object *o, struct cids_config *c)
{
	int r;

	if (!json_object_is_type(o, json_type_object))
		return config_perr(p, "limits", "must be an object");
	FOREACH_KEY(o, key, v)
	{
		if (strcmp(key, "max_threads") == 0) {
			r = config_get_uint(p, "limits.max_threads", v, 1, MAX_THREADS_CAP,
					    &c->max_threads);
		} else if (strcmp(key, "max_alerts_per_second") == 0) {
			r = config_get_uint(p, "limits.max_alerts_per_second", v, 0, MAX_ALERTS_CAP,
					    &c->max_alerts_per_second);
		} else if (strcmp(key, "hook_timeout_s") == 0) {
			r = config_get_number(p, "limits.hook_timeout_s", v, 0, true,
					      HOOK_TIMEOUT_CAP_S, &c->hook_timeout_s);
		} else if (strcmp(key, "io_uring") == 0) {
			int e = 0;

			r = config_get_enum(p, "limits.io_uring", v, io_uring_names,
					    ARRAY_SIZE(io_uring_names), &e);
			if (r >= 0)
				c->allow_io_uring = e == 1;
		} else if (strcmp(key, "max_profile_mb") == 0) {
			r = config_get_uint(p, "limits.max_profile_mb", v, 1, CIDS_PROFILE_MB_MAX,
					    &c->max_profile_mb);
		} else if (strcmp(key, "alerts_file_mb") == 0) {
			r = config_get_uint(p, "limits.alerts_file_mb", v, 1, 1u << 20,
					    &c->alerts_file_mb);
		} else if (strcmp(key, "alerts_files") == 0) {
			r = config_get_uint(p, "limits.alerts_files", v, 1, 100, &c->alerts_files);
		} else if (strcmp(key, "monitor_restarts") == 0) {
			r = config_get_uint(p, "limits.monitor_restarts", v, 0, 100,
					    &c->monitor_restarts);
		} else {
			config_warn_unknown("limits.", key);
			r = 0;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_runtime(struct pctx *p, struct json_object *o, struct cids_config *c)
{
	int r;

	if (!json_object_is_type(o, json_type_object))
		return config_perr(p, "runtime", "must be an object");
	FOREACH_KEY(o, key, v)
	{
		if (strcmp(key, "runtimes") == 0) {
			size_t n;

			if (!json_object_is_type(v, json_type_array))
				return config_perr(
					p, "runtime.runtimes",
					"must be an array of runtime names or absolute paths");
			n = json_object_array_length(v);
			memset(c->runtimes, 0, sizeof(c->runtimes));
			if (n == 0 || n > CIDS_MAX_RUNTIMES)
				return config_perr(p, "runtime.runtimes",
						   "must list 1 to %d runtimes", CIDS_MAX_RUNTIMES);
			for (size_t i = 0; i < n; i++) {
				struct json_object *e = json_object_array_get_idx(v, i);
				const char *s;
				size_t l;

				if (!json_object_is_type(e, json_type_string))
					return config_perr(p, "runtime.runtimes[]",
							   "must be a string");
				s = json_object_get_string(e);
				l = (size_t)json_object_get_string_len(e);
				if (l == 0 || strlen(s) != l || l >= CIDS_PATH_MAX)
					return config_perr(
						p, "runtime.runtimes[]",
						"must be a non-empty name or path shorter than %d",
						CIDS_PATH_MAX);
				if (s[0] != '/' && strchr(s, '/'))
					return config_perr(
						p, "runtime.runtimes[]",
						"\"%.64s\" must be a plain name (looked up in "
						"PATH) or an absolute path",
						s);
				memcpy(c->runtimes[i], s, l + 1);
			}
			c->nruntimes = (unsigned)n;
		} else if (strcmp(key, "hook") == 0) {
			r = config_get_path(p, "runtime.hook", v, c->hook_path,
					    sizeof(c->hook_path));
			if (r < 0)
				return r;
		} else if (strcmp(key, "hook_stage") == 0) {
			static const char *const stages[] = {"createRuntime", "prestart"};
			int e = 0;

			r = config_get_enum(p, "runtime.hook_stage", v, stages, ARRAY_SIZE(stages),
					    &e);
			if (r < 0)
				return r;
			copy_str(c->hook_stage, sizeof(c->hook_stage), stages[e]);
		} else {
			config_warn_unknown("runtime.", key);
		}
	}
	return 0;
}

static int parse_top(struct pctx *p, struct json_object *root, struct cids_config *c)
{
	int r = 0, e = 0;

	if (!json_object_is_type(root, json_type_object))
		return config_perr(p, "config", "the top level must be a JSON object");

	FOREACH_KEY(root, key, v)
	{
		if (strcmp(key, "mode") == 0) {
			r = config_get_enum(p, "mode", v, mode_names, ARRAY_SIZE(mode_names), &e);
			c->mode = (enum cids_mode)(r < 0 ? c->mode : (enum cids_mode)e);
		} else if (strcmp(key, "on_steady") == 0) {
			r = config_get_enum(p, "on_steady", v, steady_names,
					    ARRAY_SIZE(steady_names), &e);
			c->on_steady = r < 0 ? c->on_steady : (enum cids_on_steady)e;
		} else if (strcmp(key, "backend") == 0) {
			r = config_get_enum(p, "backend", v, backend_names,
					    ARRAY_SIZE(backend_names), &e);
			c->backend = r < 0 ? c->backend : (enum cids_backend)e;
		} else if (strcmp(key, "on_error") == 0) {
			r = config_get_enum(p, "on_error", v, onerr_names, ARRAY_SIZE(onerr_names),
					    &e);
			c->on_error = r < 0 ? c->on_error : (enum cids_on_error)e;
		} else if (strcmp(key, "store") == 0) {
			r = config_get_path(p, "store", v, c->store, sizeof(c->store));
		} else if (strcmp(key, "alerts") == 0) {
			r = config_get_path(p, "alerts", v, c->alerts, sizeof(c->alerts));
		} else if (strcmp(key, "run_dir") == 0) {
			r = config_get_path(p, "run_dir", v, c->run_dir, sizeof(c->run_dir));
		} else if (strcmp(key, "log") == 0) {
			r = config_get_path(p, "log", v, c->log, sizeof(c->log));
		} else if (strcmp(key, "socket") == 0) {
			r = config_get_path(p, "socket", v, c->socket, sizeof(c->socket));
		} else if (strcmp(key, "syslog") == 0) {
			r = config_get_bool(p, "syslog", v, &c->syslog);
		} else if (strcmp(key, "allow_container_override") == 0) {
			r = config_get_bool(p, "allow_container_override", v,
					    &c->allow_container_override);
		} else if (strcmp(key, "container_key_prefix") == 0) {
			r = get_key_prefix(p, v, c);
		} else if (strcmp(key, "on_unlearned") == 0) {
			r = config_get_enum(p, "on_unlearned", v, unlearned_names,
					    ARRAY_SIZE(unlearned_names), &e);
			c->on_unlearned = r < 0 ? c->on_unlearned : (enum cids_on_unlearned)e;
		} else if (strcmp(key, "learning") == 0) {
			r = parse_learning(p, v, c);
		} else if (strcmp(key, "detection") == 0) {
			r = parse_detection(p, v, c);
		} else if (strcmp(key, "enforce") == 0) {
			r = parse_enforce(p, v, c);
		} else if (strcmp(key, "limits") == 0) {
			r = parse_limits(p, v, c);
		} else if (strcmp(key, "runtime") == 0) {
			r = parse_runtime(p, v, c);
		} else if (strcmp(key, "ptrace") == 0) {
			r = config_parse_ptrace(p, v, c);
		} else if (strcmp(key, "ebpf") == 0) {
			r = config_parse_ebpf(p, v, c);
		} else {
			config_warn_unknown("", key);
		}
		if (r < 0)
			return r;
	}

	/* Cross-key checks. */
	{
		bool found = false;

		for (unsigned i = 0; i < c->learning.ndbs; i++)
			found |= c->learning.dbs[i].algo == c->detection.algo &&
				 c->learning.dbs[i].k == c->detection.k;
		if (!found)
			return config_perr(
				p, "detection.window",
				"%s with window %u is not learned (add it to learning.algorithms "
				"and learning.windows)",
				algo_names[c->detection.algo], c->detection.k);
	}
	/* STIDE counts mismatching windows among `frame`, BoSC mismatching bags in an epoch of
	 * `frame` calls: either way the count cannot exceed the frame. */
	if (c->detection.threshold > c->detection.frame)
		return config_perr(p, "detection.threshold", "must be <= detection.frame (%u)",
				   c->detection.frame);
	return 0;
}

int config_parse(const char *text, size_t len, struct cids_config *c, char *why, size_t whylen)
{
	_cleanup_json_ struct json_object *root = NULL;
	_cleanup_free_ struct cids_config *tmp = NULL;
	struct pctx p = {why, whylen};
	int r;

	if (why && whylen)
		why[0] = 0;
	if (len > CIDS_CONFIG_MAX)
		return why_err(why, whylen, -E2BIG, "config: larger than %u bytes",
			       CIDS_CONFIG_MAX);
	r = cids_json_parse(text, len, "config", &root, why, whylen);
	if (r < 0)
		return r;
	tmp = malloc(sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	config_default(tmp);
	r = parse_top(&p, root, tmp);
	if (r < 0)
		return r;
	memcpy(c, tmp, sizeof(*c));
	return 0;
}

int config_load(const char *path, struct cids_config *c, char *why, size_t whylen)
{
	_cleanup_free_ char *text = NULL;
	const char *env = getenv("CIDS_CONFIG");
	bool explicit = true;
	size_t len;
	int r;

	if (why && whylen)
		why[0] = 0;
	if (!path || !*path) {
		if (env && *env) {
			path = env;
		} else {
			path = CIDS_CONFIG_PATH;
			explicit = false;
		}
	}
	r = read_full_file(path, CIDS_CONFIG_MAX, &text, &len);
	if (r == -ENOENT && !explicit) {
		config_default(c);
		return 0;
	}
	if (r < 0) {
		char esc[256];

		json_escape(path, esc, sizeof(esc));
		if (r == -E2BIG)
			return why_err(why, whylen, r, "config \"%s\": larger than %u bytes", esc,
				       CIDS_CONFIG_MAX);
		return why_err(why, whylen, r, "config \"%s\": %s", esc, strerror(-r));
	}
	r = config_parse(text, len, c, why, whylen);
	if (r < 0 && why && whylen) {
		char esc[256], msg[512];

		json_escape(path, esc, sizeof(esc));
		snprintf(msg, sizeof(msg), "%s", why);
		why_set(why, whylen, "%s: %s", esc, msg);
	}
	return r;
}

const char *cids_on_steady_name(enum cids_on_steady o)
{
	return (unsigned)o < ARRAY_SIZE(steady_names) ? steady_names[o] : "?";
}

const char *cids_on_error_name(enum cids_on_error o)
{
	return (unsigned)o < ARRAY_SIZE(onerr_names) ? onerr_names[o] : "?";
}

const char *cids_io_uring_name(bool allow)
{
	return io_uring_names[allow ? 1 : 0];
}
