/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session's trust decisions (issue 19), without processes: the kill budget is no free pass,
 * detect/enforce on an unlearned key, learning that ends, ENOSYS calls. The fixture is
 * session_util.h's, as in test_session.c. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cids/alert.h"
#include "cids/config.h"
#include "cids/profile.h"
#include "cids/session.h"
#include "cids/util.h"
#include "session_internal.h"
#include "session_util.h"

TestSuite(session_policy, .init = setup, .fini = teardown);

/* Over the kill budget with over_budget kill-container: the container, never a free pass. */
Test(session_policy, over_budget_kills_the_container)
{
	double t;
	struct cids_session *s;

	cfg.action = CIDS_ACT_KILL;
	cfg.max_kills_per_minute = 1;
	cfg.over_budget = CIDS_OVER_KILL_CONTAINER;
	s = learned(CIDS_STEADY_ENFORCE, &t);
	feed(s, 200, 1, t, 0.001);
	cr_assert_eq(session_syscall(s, 200, 200, 272, t + 0.5), SESSION_KILL);
	feed(s, 201, 1, t, 0.001);
	cr_assert_eq(session_syscall(s, 201, 201, 272, t + 0.6), SESSION_KILL_CONTAINER);
	cr_assert_eq(count_lines(cfg.alerts, "container killed (enforce.over_budget"), 1);
	session_free(s);
}

/* The eBPF backend cannot skip a call that ran: over budget it kills, and says so. */
Test(session_policy, over_budget_ebpf_says_kill)
{
	uint16_t unknown[4] = {1, 3, 0, 272};
	double t;
	struct cids_session *s;

	cfg.action = CIDS_ACT_KILL;
	cfg.max_kills_per_minute = 0;
	info.backend = "ebpf";
	s = learned(CIDS_STEADY_ENFORCE, &t);
	cr_assert_neq(session_window(s, 100, 100, unknown, 4, 1, 0, t), SESSION_ALLOW);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.action\":\"kill\""), 1);
	cr_assert_eq(count_lines(cfg.alerts, "cannot block"), 1);
	session_free(s);
}

/* detect/enforce for a key with no profile: one decision, one alert, no flood. */
Test(session_policy, unlearned_learns_first)
{
	struct cids_session *s = NULL;
	char why[512] = "";
	double t = now_mono();

	info.mode = CIDS_MODE_ENFORCE;
	cfg.on_unlearned = CIDS_UNLEARNED_LEARN;
	cfg.on_steady = CIDS_STEADY_STAY; /* the asked mode wins once steady */
	cr_assert_eq(session_new(&cfg, &info, &s, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(session_mode(s), CIDS_MODE_LEARN);
	session_start(s);
	t = feed(s, 100, 200, t, 0.01);
	cr_assert_eq(session_mode(s), CIDS_MODE_ENFORCE);
	cr_assert_eq(count_lines(cfg.alerts, "on_unlearned learn"), 1);
	cr_assert_eq(count_lines(cfg.alerts, "cids_anomalous_window"), 0);
	cr_assert_eq(count_lines(cfg.alerts, NULL), 2); /* the decision, the move */
	cr_assert_eq(session_syscall(s, 100, 100, 272, t), SESSION_BLOCK);
	session_free(s);
}

Test(session_policy, unlearned_refuses)
{
	struct cids_session *s = NULL;
	char why[512] = "";

	info.mode = CIDS_MODE_DETECT; /* on_unlearned refuse is the default */
	cr_assert_eq(session_new(&cfg, &info, &s, why, sizeof(why)), -EACCES);
	cr_assert_null(s);
	cr_assert(strstr(why, "on_unlearned refuse"), "%s", why);
	cr_assert(strstr(why, "missing"), "%s", why);
}

Test(session_policy, unlearned_judges_when_told)
{
	struct cids_session *s = NULL;
	char why[512] = "";

	info.mode = CIDS_MODE_DETECT;
	cfg.on_unlearned = CIDS_UNLEARNED_JUDGE;
	cr_assert_eq(session_new(&cfg, &info, &s, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(session_mode(s), CIDS_MODE_DETECT);
	session_start(s);
	cr_assert_eq(count_lines(cfg.alerts, "on_unlearned judge"), 1);
	session_free(s);
}

/* Learning ends: a profile that never settles moves on after learning.max_learn_calls. */
Test(session_policy, learning_ends_unsettled_by_calls)
{
	struct cids_session *s = NULL;
	char why[512] = "";
	double t = now_mono();

	cfg.max_learn_calls = 500;
	cr_assert_eq(session_new(&cfg, &info, &s, why, sizeof(why)), 0, "%s", why);
	/* ever new windows: never steady */
	for (long i = 0; i < 499; i++, t += 0.01)
		cr_assert_eq(session_syscall(s, 100, 100, (i * 7 + i / 13) % 300, t),
			     SESSION_ALLOW);
	cr_assert_eq(session_mode(s), CIDS_MODE_LEARN);
	session_syscall(s, 100, 100, 0, t);
	cr_assert_not(session_is_steady(s));
	cr_assert_eq(session_mode(s), CIDS_MODE_DETECT);
	cr_assert_eq(count_lines(cfg.alerts, "cids_learning_unsettled"), 1);
	cr_assert_eq(count_lines(cfg.alerts, "learning.max_learn_calls reached"), 1);
	session_free(s);

	/* the next container of the key starts judged, with one warning */
	s = NULL;
	cr_assert_eq(session_new(&cfg, &info, &s, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(session_mode(s), CIDS_MODE_DETECT);
	session_free(s);
}

Test(session_policy, learning_ends_unsettled_by_time)
{
	struct cids_session *s = NULL;
	char why[512] = "";
	double t = now_mono();

	cfg.max_learn_s = 3;
	cfg.on_steady = CIDS_STEADY_ENFORCE;
	cr_assert_eq(session_new(&cfg, &info, &s, why, sizeof(why)), 0, "%s", why);
	for (long i = 0; i < 200; i++, t += 0.01)
		session_syscall(s, 100, 100, (i * 7 + i / 13) % 300, t);
	cr_assert_eq(session_mode(s), CIDS_MODE_LEARN);
	/* ever new windows, 100 per second: never steady; 3 s of learning end it */
	for (long i = 200; i < 600 && session_mode(s) == CIDS_MODE_LEARN; i++, t += 0.01)
		session_syscall(s, 100, 100, (i * 7 + i / 13) % 300, t);
	cr_assert_eq(session_mode(s), CIDS_MODE_ENFORCE);
	cr_assert_not(session_is_steady(s));
	cr_assert_eq(count_lines(cfg.alerts, "learning.max_learn_s reached"), 1);
	session_free(s);
}

Test(session_policy, learning_limit_with_stay_says_so_once)
{
	struct cids_session *s = NULL;
	char why[512] = "";
	double t = now_mono();

	cfg.max_learn_calls = 10;
	cfg.on_steady = CIDS_STEADY_STAY;
	cr_assert_eq(session_new(&cfg, &info, &s, why, sizeof(why)), 0, "%s", why);
	for (long i = 0; i < 100; i++, t += 0.01)
		session_syscall(s, 100, 100, i % 300, t);
	cr_assert_eq(session_mode(s), CIDS_MODE_LEARN);
	cr_assert_eq(count_lines(cfg.alerts, "on_steady stay, still learning"), 1);
	session_free(s);
}

/* Unknown syscall numbers (ENOSYS) never grow the profile. */
Test(session_policy, enosys_calls_are_not_learned)
{
	struct cids_session *s = NULL;
	char why[512] = "";
	double t = now_mono();
	uint64_t before;
	int db;

	cr_assert_eq(session_new(&cfg, &info, &s, why, sizeof(why)), 0, "%s", why);
	t = feed(s, 100, 20, t, 0.01);
	db = engine_db_index(s->engine, CIDS_ALGO_STIDE, 4);
	before = engine_db_size(s->engine, (unsigned)db);
	/* the learned pattern with unknown numbers in between: nothing new for the profile */
	for (long i = 0; i < 1000; i++, t += 0.001) {
		session_syscall(s, 100, 100, pattern[i % 8], t);
		session_syscall(s, 100, 100, 470 + i % 40, t); /* not x86_64 syscalls */
		session_syscall(s, 100, 100, 0x40000000L + i % 40, t);
	}
	cr_assert_eq(engine_db_size(s->engine, (unsigned)db), before);
	session_free(s);
}

/* A full database ends learning too (an alert and a move, not learn mode for ever). */
Test(session_policy, full_database_ends_learning)
{
	struct cids_session *s = NULL;
	char why[512] = "";
	double t = now_mono();

	cfg.learning.max_entries = 50;
	cr_assert_eq(session_new(&cfg, &info, &s, why, sizeof(why)), 0, "%s", why);
	for (long i = 0; i < 2000 && session_mode(s) == CIDS_MODE_LEARN; i++, t += 0.001)
		session_syscall(s, 100, 100, (i * 7 + i / 13) % 300, t);
	cr_assert_eq(session_mode(s), CIDS_MODE_DETECT);
	cr_assert_eq(count_lines(cfg.alerts, "profile full"), 1);
	cr_assert_eq(count_lines(cfg.alerts, "learning.max_entries reached"), 1);
	session_free(s);
}
