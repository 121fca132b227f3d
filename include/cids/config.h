/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /etc/cids/config.json. A missing key takes its default, an unknown key is a warning, a wrong
 * type or range is an error naming the key (e.g. "learning.sigma: must be >= 0").
 */
#ifndef CIDS_CONFIG_H
#define CIDS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cids/engine.h"

#define CIDS_CONFIG_PATH  "/etc/cids/config.json"
#define CIDS_CONFIG_MAX	  (1u << 20) /* config file size cap */
#define CIDS_PATH_MAX	  4096
#define CIDS_MAX_RUNTIMES 8
/* A profile of max_profile_mb MiB of tables serialises to at most 1.25x that (20-byte entries,
 * tables at most 3/4 full of 12-byte slots) plus 40 MB of growth curves: within the file cap. */
#define CIDS_PROFILE_MB_MAX 160

enum cids_mode { CIDS_MODE_LEARN, CIDS_MODE_DETECT, CIDS_MODE_ENFORCE };
enum cids_on_steady { CIDS_STEADY_STAY, CIDS_STEADY_DETECT, CIDS_STEADY_ENFORCE };
enum cids_backend { CIDS_BACKEND_PTRACE, CIDS_BACKEND_SECCOMP, CIDS_BACKEND_EBPF };
enum cids_on_error { CIDS_ONERR_ALLOW, CIDS_ONERR_DENY };
enum cids_action { CIDS_ACT_ALERT, CIDS_ACT_BLOCK, CIDS_ACT_KILL, CIDS_ACT_KILL_CONTAINER };
/* detection.model: how much novelty is tolerated (README "Detection model").
 * tolerant: an unseen syscall is anomalous at once; a new ordering of known calls counts in the
 *   locality frame and alerts from CIDS_TOLERANT_THRESHOLD, enforce acts on it from
 *   CIDS_TOLERANT_ENFORCE_THRESHOLD (below that, enforce alerts only).
 * paper: STIDE/BoSC with threshold 1: every unseen window alerts and is acted on. */
enum cids_model { CIDS_MODEL_TOLERANT, CIDS_MODEL_PAPER };
/* learning.quiet_calls: calls learned without a new window before a database may be steady */
#define CIDS_QUIET_CALLS 20000
/* learning.min_containers: container starts a profile must have learned before it is steady */
#define CIDS_MIN_CONTAINERS		2
#define CIDS_TOLERANT_THRESHOLD		3
#define CIDS_TOLERANT_ENFORCE_THRESHOLD 6
/* detection.startup_grace_s of the tolerant model: seconds after a container's start in which
 * enforce acts on unseen calls only (frame counts are alerted) */
#define CIDS_TOLERANT_STARTUP_GRACE_S 10.0
/* detect/enforce asked for a key whose profile is missing or not steady */
enum cids_on_unlearned { CIDS_UNLEARNED_LEARN, CIDS_UNLEARNED_REFUSE, CIDS_UNLEARNED_JUDGE };
/* an anomaly once max_kills_per_minute is spent */
enum cids_over_budget { CIDS_OVER_BLOCK, CIDS_OVER_KILL_CONTAINER };

#define CIDS_KEY_PREFIX_MAX 64

struct cids_config {
	enum cids_mode mode;
	enum cids_on_steady on_steady;
	enum cids_backend backend;
	enum cids_on_error on_error;
	char store[CIDS_PATH_MAX];     /* /var/lib/cids/profiles */
	char alerts[CIDS_PATH_MAX];    /* /var/log/cids/alerts.jsonl */
	char run_dir[CIDS_PATH_MAX];   /* /run/cids */
	char log[CIDS_PATH_MAX];       /* monitor diagnostics: /var/log/cids/monitor.log */
	char socket[CIDS_PATH_MAX];    /* cidsd socket: /run/cids/cidsd.sock */
	bool allow_container_override; /* false: annotations and env are not read */
	/* a key a container chooses becomes <prefix><chosen key>: "c-" */
	char container_key_prefix[CIDS_KEY_PREFIX_MAX];
	enum cids_on_unlearned on_unlearned; /* learn */
	bool syslog;			     /* alerts also to syslog (default true) */

	/* learning */
	struct cids_engine_config learning; /* algorithms x windows, sequence, interval, sigma... */
	double checkpoint_s;		    /* 60 */
	unsigned learning_min_containers;   /* 2 */
	double max_learn_s;		    /* learning time per key before moving on, 0: none */
	uint64_t max_learn_calls;	    /* learned calls per key before moving on, 0: none */

	/* detection */
	struct cids_detector detection; /* stide, 4, frame 20, threshold and flags of the model */
	enum cids_model model;		/* tolerant */
	unsigned enforce_threshold;	/* enforce acts from this count (unseen calls: always) */
	double startup_grace_s;		/* enforce acts on counts only this long after the start */

	/* enforce */
	enum cids_action action;	   /* block */
	unsigned max_kills_per_minute;	   /* 10 */
	enum cids_over_budget over_budget; /* block */

	/* limits */
	unsigned max_threads;		/* traced threads per container, 4096 */
	unsigned max_alerts_per_second; /* per container, then alerts are counted, 100 */
	double hook_timeout_s;		/* how long cids-hook waits for "attached", 5 */
	bool allow_io_uring;	 /* limits.io_uring "allow"; default "deny" (EPERM + alert) */
	unsigned max_profile_mb; /* memory of one container's databases, 128 (MiB) */
	unsigned alerts_file_mb; /* the alerts file is rotated past this size, 64 (MiB) */
	unsigned alerts_files;	 /* rotated alert files kept (alerts.jsonl.1 ...), 4 */
	/* seccomp backend: times a watchdog restarts its dead monitor before on_error, 3 */
	unsigned monitor_restarts;

	/* ptrace backend */
	/* ptrace.one_stop: containers started through cids-runtime get a seccomp filter whose
	 * allowed calls are SCMP_ACT_TRACE, and the monitor stops once per call (at the filter)
	 * instead of twice (default false) */
	bool ptrace_one_stop;

	/* eBPF backend */
	/* ebpf.seccomp_guard: containers started through cids-runtime in enforce, with a steady
	 * profile, get a seccomp filter failing every never-learned call with EPERM before it runs
	 * (shim/guard.c) (default true) */
	bool ebpf_seccomp_guard;

	/* cids-runtime */
	char runtimes[CIDS_MAX_RUNTIMES][CIDS_PATH_MAX]; /* ["runc", "crun"]: first found wins */
	unsigned nruntimes;
	char hook_path[CIDS_PATH_MAX]; /* /usr/local/bin/cids-hook */
	char hook_stage[32];	       /* "createRuntime" or "prestart" */
};

void config_default(struct cids_config *c);
/* Parse JSON text. Warnings (unknown keys) go to log_warn. why gets the error naming the key. */
int config_parse(const char *text, size_t len, struct cids_config *c, char *why, size_t whylen);
/* Load from path (NULL: $CIDS_CONFIG, else CIDS_CONFIG_PATH). A missing file at the default
 * path means defaults; a missing explicit path is -ENOENT. */
int config_load(const char *path, struct cids_config *c, char *why, size_t whylen);
/* Print the effective configuration as JSON (for --check-config). */
char *config_to_json(const struct cids_config *c);

/* Set detection.threshold, detection.flags, enforce_threshold and startup_grace_s to the model's
 * values. */
void config_detection_model(struct cids_config *c, enum cids_model m);
const char *cids_model_name(enum cids_model m);
const char *cids_mode_name(enum cids_mode m);
int cids_mode_from_name(const char *s);
const char *cids_action_name(enum cids_action a);
const char *cids_backend_name(enum cids_backend b);
const char *cids_on_unlearned_name(enum cids_on_unlearned u);
const char *cids_on_steady_name(enum cids_on_steady o);
const char *cids_on_error_name(enum cids_on_error o);
const char *cids_io_uring_name(bool allow); /* limits.io_uring: "allow" or "deny" */
const char *cids_over_budget_name(enum cids_over_budget o);

#endif
