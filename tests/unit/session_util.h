/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What test_session.c and test_session_policy.c share: a session in a temporary directory
 * (setup, teardown: each file names its TestSuite with them), a learned call pattern, alert
 * lines counted. */
#ifndef CIDS_TEST_SESSION_UTIL_H
#define CIDS_TEST_SESSION_UTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cids/config.h"
#include "cids/session.h"
#include "cids/util.h"

static char dir[64];
static struct cids_config cfg;
static struct session_info info;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/cids-ut-session.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	config_default(&cfg);
	snprintf(cfg.store, sizeof(cfg.store), "%s/store", dir);
	snprintf(cfg.alerts, sizeof(cfg.alerts), "%s/alerts.jsonl", dir);
	snprintf(cfg.run_dir, sizeof(cfg.run_dir), "%s/run", dir);
	cfg.syslog = false;
	cfg.learning.interval = 1.0;
	cfg.learning.consecutive = 2;
	cfg.learning.sigma = 0.15;
	cfg.checkpoint_s = 1000;
	cfg.on_steady = CIDS_STEADY_DETECT;
	cfg.mode = CIDS_MODE_LEARN;
	/* most tests here check verdicts and actions on one mismatching window: the paper's rule,
	 * steady from one container; the default model has its own tests at the end */
	config_detection_model(&cfg, CIDS_MODEL_PAPER);
	cfg.learning.quiet_calls = 0;
	cfg.learning_min_containers = 1;
	memset(&info, 0, sizeof(info));
	snprintf(info.id, sizeof(info.id), "ctr-1");
	snprintf(info.key, sizeof(info.key), "unit-key");
	snprintf(info.bundle_profile, sizeof(info.bundle_profile), "%s/cids.profile", dir);
	info.mode = CIDS_MODE_LEARN;
	info.backend = "ptrace";
	info.init_pid = getpid();
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

static const long pattern[] = {0, 1, 3, 0, 1, 3, 9, 12}; /* read write close ... mmap brk */

/* Feed the pattern n times on thread tid, advancing the clock by dt per call. */
static double feed(struct cids_session *s, pid_t tid, unsigned n, double t, double dt)
{
	for (unsigned i = 0; i < n; i++)
		for (size_t j = 0; j < sizeof(pattern) / sizeof(pattern[0]); j++, t += dt)
			cr_assert_eq(session_syscall(s, tid, tid, pattern[j], t), SESSION_ALLOW);
	return t;
}

static unsigned count_lines(const char *path, const char *needle)
{
	FILE *f = fopen(path, "re");
	char line[16384];
	unsigned n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!needle || strstr(line, needle))
			n++;
	fclose(f);
	return n;
}

/* A learned session: the pattern until steady, then in the on_steady mode. */
static struct cids_session *learned(enum cids_on_steady to, double *ret_t)
{
	struct cids_session *s = NULL;
	char why[512] = "";
	double t = now_mono();

	cfg.on_steady = to;
	cr_assert_eq(session_new(&cfg, &info, &s, why, sizeof(why)), 0, "%s", why);
	t = feed(s, 100, 200, t, 0.01); /* 16 s of the same pattern */
	*ret_t = t;
	return s;
}

#endif
