/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The per-container session without processes: learn -> detect, verdicts, the kill rate limit,
 * the status JSON, profile continuation and refusal, and alert escaping of hostile strings. */
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

TestSuite(session, .init = setup, .fini = teardown);

Test(session, learn_moves_to_detect_when_steady)
{
	double t;
	struct cids_session *s = learned(CIDS_STEADY_DETECT, &t);

	cr_assert_eq(session_mode(s), CIDS_MODE_DETECT);
	cr_assert(session_is_steady(s));
	/* the learned pattern is quiet, a new call is an anomaly, alerted, not acted on */
	feed(s, 101, 3, t, 0.01);
	cr_assert_eq(count_lines(cfg.alerts, "cids_anomalous_window"), 0);
	cr_assert_eq(session_syscall(s, 100, 100, 272 /* unshare */, t + 1), SESSION_ALLOW);
	cr_assert_eq(count_lines(cfg.alerts, "\"evt.type\":\"unshare\""), 1);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.action\":\"alert\""), 1);
	/* the move was checkpointed and announced */
	cr_assert_eq(access(s->store_path, F_OK), 0);
	cr_assert_eq(count_lines(cfg.alerts, "learning steady"), 1);
	session_free(s);
}

Test(session, stay_keeps_learning)
{
	double t;
	struct cids_session *s = learned(CIDS_STEADY_STAY, &t);

	cr_assert_eq(session_mode(s), CIDS_MODE_LEARN);
	cr_assert_eq(session_syscall(s, 100, 100, 272, t), SESSION_ALLOW);
	cr_assert_eq(count_lines(cfg.alerts, "cids_anomalous_window"), 0);
	session_free(s);
}

Test(session, enforce_blocks_but_never_exit)
{
	double t;
	struct cids_session *s;

	cfg.action = CIDS_ACT_BLOCK;
	s = learned(CIDS_STEADY_ENFORCE, &t);
	cr_assert_eq(session_mode(s), CIDS_MODE_ENFORCE);
	cr_assert_eq(session_syscall(s, 100, 100, 272, t), SESSION_BLOCK);
	/* the blocked call did not happen: the window restarted, the next calls are judged fresh */
	feed(s, 102, 2, t, 0.01);
	cr_assert_eq(session_syscall(s, 102, 102, 231 /* exit_group */, t + 1), SESSION_ALLOW);
	cr_assert_eq(count_lines(cfg.alerts, "\"evt.type\":\"exit_group\""), 1);
	char *text = session_status_json(s, t + 1);
	cr_assert_not_null(strstr(text, "\"blocks\":1,"), "%s", text);
	free(text);
	session_free(s);
}

Test(session, kill_rate_limit)
{
	double t;
	struct cids_session *s;
	unsigned kills = 0, limited = 0;

	cfg.action = CIDS_ACT_KILL;
	cfg.max_kills_per_minute = 3;
	s = learned(CIDS_STEADY_ENFORCE, &t);
	for (pid_t tid = 200; tid < 210; tid++) {
		feed(s, tid, 1, t, 0.001);
		enum session_verdict v = session_syscall(s, tid, tid, 272, t + 0.5);

		if (v == SESSION_KILL)
			kills++;
		else if (v == SESSION_BLOCK) /* never a free pass (issue 19) */
			limited++;
	}
	cr_assert_eq(kills, 3);
	cr_assert_eq(limited, 7);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.action\":\"kill\""), 3);
	cr_assert_eq(count_lines(cfg.alerts, "cids_kill_rate_limited"), 7);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.action\":\"block\""), 7);
	cr_assert_eq(count_lines(cfg.alerts, "kill rate limit reached: call blocked"), 7);
	/* a minute later kills are allowed again */
	feed(s, 300, 1, t + 61, 0.001);
	cr_assert_eq(session_syscall(s, 300, 300, 272, t + 62), SESSION_KILL);

	/* the status file counts them by rule (cids status --prometheus), every rule its own */
	session_alert_event(s, "cids_thread_cap", "unit test");
	char *text = session_status_json(s, t + 62);
	json_object *o = json_tokener_parse(text), *r, *v;
	cr_assert(json_object_object_get_ex(o, "alerts_by_rule", &r), "%s", text);
	cr_assert(json_object_object_get_ex(r, "cids_anomalous_window", &v));
	cr_assert_eq(json_object_get_int64(v), 4);
	cr_assert(json_object_object_get_ex(r, "cids_kill_rate_limited", &v));
	cr_assert_eq(json_object_get_int64(v), 7);
	json_object *rules = r;
	cr_assert(json_object_object_get_ex(rules, "cids_thread_cap", &v));
	cr_assert_eq(json_object_get_int64(v), 1);
	cr_assert(json_object_object_get_ex(rules, "cids_monitor", &v));
	cr_assert_eq(json_object_get_int64(v), 0);
	cr_assert(json_object_object_get_ex(o, "kills_by_rule", &r));
	cr_assert(json_object_object_get_ex(r, "cids_anomalous_window", &v));
	cr_assert_eq(json_object_get_int64(v), 4);
	json_object_put(o);
	free(text);
	session_free(s);
}

Test(session, status_json)
{
	double t;
	struct cids_session *s = learned(CIDS_STEADY_DETECT, &t);
	char *text = session_status_json(s, t);
	json_object *o = json_tokener_parse(text), *v, *dbs;
	const char *keys[] = {"id",	     "key",	      "backend", "mode",
			      "monitor_pid", "container_pid", "started", "updated",
			      "syscalls",    "alerts",	      "kills",	 "lost",
			      "dbs"};

	cr_assert_not_null(o, "status is not JSON: %s", text);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		cr_assert(json_object_object_get_ex(o, keys[i], &v), "missing %s", keys[i]);
	json_object_object_get_ex(o, "mode", &v);
	cr_assert_str_eq(json_object_get_string(v), "detect");
	json_object_object_get_ex(o, "syscalls", &v);
	cr_assert_eq(json_object_get_int64(v), 200 * 8);
	json_object_object_get_ex(o, "dbs", &dbs);
	cr_assert_eq(json_object_array_length(dbs), engine_config(s->engine)->ndbs);
	json_object *d = json_object_array_get_idx(dbs, 0);
	const char *dkeys[] = {"algorithm", "k", "size", "slope", "steady", "t_max", "eta_s"};
	for (size_t i = 0; i < sizeof(dkeys) / sizeof(dkeys[0]); i++)
		cr_assert(json_object_object_get_ex(d, dkeys[i], &v), "db missing %s", dkeys[i]);
	json_object_put(o);
	free(text);

	/* written under run_dir/monitors/<id>.json, removed at session_free */
	session_write_status(s, t);
	char path[256];
	snprintf(path, sizeof(path), "%s/run/monitors/ctr-1.json", dir);
	cr_assert_eq(access(path, F_OK), 0);
	session_free(s);
	cr_assert_neq(access(path, F_OK), 0);
}

Test(session, continued_learning_keeps_counting)
{
	struct cids_session *s = NULL;
	char why[512] = "";
	double t = now_mono();

	cfg.on_steady = CIDS_STEADY_STAY;
	cr_assert_eq(session_new(&cfg, &info, &s, why, sizeof(why)), 0, "%s", why);
	feed(s, 100, 20, t, 0.01); /* 1.6 s */
	session_free(s);	   /* final save: store and bundle */
	cr_assert_eq(access(info.bundle_profile, F_OK), 0);

	s = NULL;
	cr_assert_eq(session_new(&cfg, &info, &s, why, sizeof(why)), 0, "%s", why);
	cr_assert(!s->fresh);
	cr_assert_geq(s->learn_base, 1.5);
	cr_assert_eq(s->prov.sessions, 2);
	session_free(s);
}

Test(session, corrupt_or_foreign_profile_refused_and_kept)
{
	struct cids_session *s = NULL;
	char why[512] = "", path[CIDS_PATH_MAX + 64], buf[64];
	int fd;

	cr_assert_eq(mkdir_p(cfg.store, 0700), 0);
	snprintf(path, sizeof(path), "%s/unit-key.profile", cfg.store);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "garbage, not a profile", 22), 22);
	close(fd);
	cr_assert_lt(session_new(&cfg, &info, &s, why, sizeof(why)), 0);
	cr_assert_null(s);
	cr_assert_neq(why[0], '\0');
	fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert_eq(read(fd, buf, sizeof(buf)), 22, "the refused profile was changed");
	close(fd);

	/* a bundle copy of another key: not loaded, not overwritten, the session starts fresh */
	unlink(path);
	snprintf(info.key, sizeof(info.key), "other-key");
	cr_assert_eq(session_new(&cfg, &info, &s, why, sizeof(why)), 0, "%s", why);
	session_free(s); /* saves other-key.profile and the bundle copy (key other-key) */
	snprintf(info.key, sizeof(info.key), "unit-key");
	s = NULL;
	cr_assert_eq(session_new(&cfg, &info, &s, why, sizeof(why)), 0, "%s", why);
	cr_assert(s->fresh);
	cr_assert(!s->bundle_writable);
	cr_assert(strstr(s->pending_warning, "other-key"), "%s", s->pending_warning);
	session_free(s);
	{
		struct cids_engine *e = NULL;
		struct cids_provenance p;

		cr_assert_eq(profile_load(info.bundle_profile, &e, &p, why, sizeof(why)), 0);
		cr_assert_str_eq(p.key, "other-key", "the other key's bundle copy was overwritten");
		engine_free(e);
	}
	/* a store copy under our name holding another key is refused */
	snprintf(path, sizeof(path), "%s/other-key.profile", cfg.store);
	char to[CIDS_PATH_MAX + 64];
	snprintf(to, sizeof(to), "%s/unit-key.profile", cfg.store);
	cr_assert_eq(rename(path, to), 0);
	s = NULL;
	cr_assert_eq(session_new(&cfg, &info, &s, why, sizeof(why)), -EPROTO);
	cr_assert(strstr(why, "other-key"), "%s", why);
}

Test(session, alert_escapes_hostile_strings)
{
	const char *comm = "x\"}\n{\"rule\":\"forged\",\"a\":\"\x01\x1b[2J";
	const char *exe = "/tmp/\xff\xfe\"\\\n";
	const char *win[] = {"read", "write", "close", "unshare"};
	struct cids_alert a = {
		.rule = "cids_anomalous_window",
		.priority = "Warning",
		.container_id = "c\nid",
		.profile_key = "k",
		.mode = "detect",
		.pid = 1,
		.tid = 2,
		.comm = comm,
		.exe = exe,
		.syscall = "unshare",
		.window = win,
		.nwindow = 4,
		.algorithm = "stide",
		.k = 4,
		.score = 1,
		.action = "alert",
	};
	char line[16384];
	FILE *f;
	json_object *o, *fields, *v;

	cr_assert_eq(alert_emit(cfg.alerts, 0, &a), 0);
	cr_assert_eq(count_lines(cfg.alerts, NULL), 1, "a hostile comm split the alert line");
	f = fopen(cfg.alerts, "re");
	cr_assert_not_null(fgets(line, sizeof(line), f));
	fclose(f);
	o = json_tokener_parse(line);
	cr_assert_not_null(o, "not JSON: %s", line);
	cr_assert(json_object_object_get_ex(o, "rule", &v));
	cr_assert_str_eq(json_object_get_string(v), "cids_anomalous_window");
	cr_assert(json_object_object_get_ex(o, "output_fields", &fields));
	cr_assert(json_object_object_get_ex(fields, "proc.name", &v));
	cr_assert_str_eq(json_object_get_string(v), comm);
	cr_assert(json_object_object_get_ex(fields, "cids.window", &v));
	cr_assert_eq(json_object_array_length(v), 4);
	json_object_put(o);

	struct stat st;
	cr_assert_eq(stat(cfg.alerts, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
}

Test(session, alert_rate_cap)
{
	double t;
	struct cids_session *s;

	cfg.max_alerts_per_second = 5;
	s = learned(CIDS_STEADY_DETECT, &t);
	t = (double)(long)t + 10; /* start of a second */
	for (pid_t tid = 400; tid < 420; tid++) {
		feed(s, tid, 1, t, 0.0001);
		session_syscall(s, tid, tid, 272, t + 0.01 + (tid - 400) * 0.01);
	}
	cr_assert_eq(count_lines(cfg.alerts, "cids_anomalous_window"), 5);
	session_tick(s, t + 1.5);
	cr_assert_eq(count_lines(cfg.alerts, "15 repeats of alerts already written not written"),
		     1);
	session_free(s);
}

/* Issue 14: a flood of one anomaly spends the cap; the first alert of another kind (another
 * window) is still written, its repeats are counted. */
Test(session, alert_cap_keeps_first_of_each_kind)
{
	double t;
	struct cids_session *s;

	cfg.max_alerts_per_second = 5;
	s = learned(CIDS_STEADY_DETECT, &t);
	t = (double)(long)t + 10;
	for (pid_t tid = 400; tid < 450; tid++) {
		feed(s, tid, 1, t, 0.00001);
		session_syscall(s, tid, tid, 272, t + 0.001 + (tid - 400) * 0.0001);
	}
	cr_assert_eq(count_lines(cfg.alerts, "cids_anomalous_window"), 5);
	for (pid_t tid = 450; tid < 453; tid++) {
		feed(s, tid, 1, t + 0.1, 0.00001);
		session_syscall(s, tid, tid, 165, t + 0.2 + (tid - 450) * 0.0001); /* mount */
	}
	cr_assert_eq(count_lines(cfg.alerts, "syscall=mount"), 1);
	session_tick(s, t + 1.5);
	cr_assert_eq(count_lines(cfg.alerts, "47 repeats of alerts already written"), 1);
	session_free(s);
}

/* Issue 14: io_uring is denied in every mode by default (limits.io_uring deny), alerted by name;
 * with "allow" it is profiled and alerted once. */
Test(session, io_uring_denied_or_alerted)
{
	struct cids_session *s = NULL;
	char why[512] = "";
	double t = now_mono();

	cr_assert_eq(session_new(&cfg, &info, &s, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(session_mode(s), CIDS_MODE_LEARN);
	cr_assert_eq(session_syscall(s, 100, 100, 425, t), SESSION_BLOCK);
	cr_assert_eq(count_lines(cfg.alerts, "\"evt.type\":\"io_uring_setup\""), 1);
	cr_assert_eq(count_lines(cfg.alerts, "cids_io_uring"), 1);
	session_free(s);
	cfg.allow_io_uring = true;
	cr_assert_eq(session_new(&cfg, &info, &s, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(session_syscall(s, 100, 100, 425, t), SESSION_ALLOW);
	cr_assert_eq(session_syscall(s, 100, 100, 426, t), SESSION_ALLOW);
	cr_assert_eq(count_lines(cfg.alerts, "cids_io_uring"), 2);
	session_free(s);
}

Test(session, failed_save_alerts_and_retries)
{
	struct cids_session *s = NULL;
	char why[512] = "";
	double t = now_mono();
	int fd;

	cfg.on_steady = CIDS_STEADY_STAY;
	snprintf(cfg.store, sizeof(cfg.store), "%s/blocked/store", dir);
	cr_assert_eq(session_new(&cfg, &info, &s, why, sizeof(why)), 0, "%s", why);
	/* then the store is in the way (a file where its directory should be): saves fail */
	char blocker[CIDS_PATH_MAX + 32];
	snprintf(blocker, sizeof(blocker), "%s/blocked", dir);
	fd = open(blocker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	feed(s, 100, 5, t, 0.01);
	cr_assert_lt(session_checkpoint(s), 0);
	cr_assert_lt(session_checkpoint(s), 0);
	cr_assert_eq(count_lines(cfg.alerts, "profile save to the store failed"), 1,
		     "one alert per failure streak");
	/* learning went on in memory; once the store can be written, the next checkpoint saves */
	feed(s, 100, 5, t + 1, 0.01);
	cr_assert_eq(unlink(blocker), 0);
	cr_assert_eq(session_checkpoint(s), 0);
	char path[CIDS_PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/unit-key.profile", cfg.store);
	struct cids_engine *e = NULL;
	struct cids_provenance p;
	cr_assert_eq(profile_load(path, &e, &p, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(engine_total_calls(e), 80);
	engine_free(e);
	session_free(s);
}

Test(session, kill_container_verdict)
{
	double t;
	struct cids_session *s;

	cfg.action = CIDS_ACT_KILL_CONTAINER;
	s = learned(CIDS_STEADY_ENFORCE, &t);
	cr_assert_eq(session_syscall(s, 100, 100, 272, t), SESSION_KILL_CONTAINER);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.action\":\"kill-container\""), 1);
	cr_assert_eq(count_lines(cfg.alerts, "\"priority\":\"Critical\""), 1);
	session_free(s);
}

/* The backend judges (cidsd's kernel program): the session says when it may, and a window the
 * backend calls anomalous is checked again and alerted as session_syscall would. */
Test(session, external_detection)
{
	struct cids_detector d;
	uint16_t known[4] = {1, 3, 0, 1}, unknown[4] = {1, 3, 0, 272};
	int db = -1;
	double t;
	struct cids_session *s;

	cfg.action = CIDS_ACT_KILL;
	s = learned(CIDS_STEADY_ENFORCE, &t);
	cr_assert(session_external_detect(s, 7, 64, &d, &db));
	cr_assert_eq(d.algo, CIDS_ALGO_STIDE);
	cr_assert_eq(d.k, 4);
	cr_assert_eq(d.frame, 20);
	cr_assert_eq(db, engine_db_index(session_engine(s), CIDS_ALGO_STIDE, 4));
	/* limits the backend cannot meet */
	cr_assert_not(session_external_detect(s, 3, 64, &d, &db));
	cr_assert_not(session_external_detect(s, 7, 16, &d, &db));

	/* a window in the profile is not an anomaly, whatever the backend said */
	cr_assert_eq(session_window(s, 100, 100, known, 4, 1, 0, t), SESSION_ALLOW);
	cr_assert_eq(count_lines(cfg.alerts, "cids_anomalous_window"), 0);
	/* a window of another size is not judged */
	cr_assert_eq(session_window(s, 100, 100, unknown, 3, 1, 0, t), SESSION_ALLOW);
	/* an unknown one is: alert naming its last call, window and score, and the verdict */
	cr_assert_eq(session_window(s, 100, 100, unknown, 4, 3, 0, t), SESSION_KILL);
	cr_assert_eq(count_lines(cfg.alerts, "\"evt.type\":\"unshare\""), 1);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.window\":[\"write\",\"close\",\"read\","
					     "\"unshare\"]"),
		     1);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.score\":3"), 1);
	session_free(s);
}

Test(session, external_detection_not_while_learning)
{
	struct cids_detector d;
	int db;
	double t;
	struct cids_session *s = learned(CIDS_STEADY_STAY, &t);
	uint16_t unknown[4] = {1, 3, 0, 272};

	cr_assert_not(session_external_detect(s, 7, 64, &d, &db));
	cr_assert_eq(session_window(s, 100, 100, unknown, 4, 1, 0, t), SESSION_ALLOW);
	cr_assert_eq(count_lines(cfg.alerts, "cids_anomalous_window"), 0);
	session_free(s);
}

/* Kills the backend carries out itself: its budget is the limiter's, and each one it reports is
 * recorded (and alerted as a kill) even when the limiter would now say no. */
Test(session, backend_kill_budget)
{
	uint16_t unknown[4] = {1, 3, 0, 272};
	double t;
	struct cids_session *s;

	cfg.action = CIDS_ACT_KILL;
	cfg.max_kills_per_minute = 2;
	s = learned(CIDS_STEADY_ENFORCE, &t);
	cr_assert_eq(session_kills_left(s, t), 2);
	cr_assert_eq(session_window(s, 100, 100, unknown, 4, 1, SESSION_DONE_KILLED, t),
		     SESSION_KILL);
	cr_assert_eq(session_kills_left(s, t), 1);
	cr_assert_eq(session_window(s, 101, 101, unknown, 4, 1, 0, t), SESSION_KILL);
	cr_assert_eq(session_kills_left(s, t), 0);
	/* over the limit: the limiter says no (blocked instead), but a kill the backend did is
	 * still a kill */
	cr_assert_eq(session_window(s, 102, 102, unknown, 4, 1, 0, t), SESSION_BLOCK);
	cr_assert_eq(session_window(s, 103, 103, unknown, 4, 1, SESSION_DONE_KILLED, t),
		     SESSION_KILL);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.action\":\"kill\""), 3);
	cr_assert_eq(count_lines(cfg.alerts, "cids_kill_rate_limited"), 1);
	cr_assert_eq(session_kills_left(s, t + 61), 2);
	session_free(s);
}

/* A call the kernel denied before it ran (BPF LSM) is a block, whatever enforce.action says and
 * whatever the kill limiter has left; denied and killed is a kill. */
Test(session, backend_blocked)
{
	uint16_t unknown[4] = {1, 3, 0, 272};
	double t;
	struct cids_session *s;

	cfg.action = CIDS_ACT_KILL;
	cfg.max_kills_per_minute = 1;
	s = learned(CIDS_STEADY_ENFORCE, &t);
	cr_assert_eq(session_window(s, 100, 100, unknown, 4, 1, SESSION_DONE_BLOCKED, t),
		     SESSION_BLOCK);
	cr_assert_eq(session_kills_left(s, t), 1);
	cr_assert_eq(session_window(s, 101, 101, unknown, 4, 1,
				    SESSION_DONE_BLOCKED | SESSION_DONE_KILLED, t),
		     SESSION_KILL);
	cr_assert_eq(session_kills_left(s, t), 0);
	/* the limit is spent: a denied call is still a block, not "rate-limited" */
	cr_assert_eq(session_window(s, 102, 102, unknown, 4, 1, SESSION_DONE_BLOCKED, t),
		     SESSION_BLOCK);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.action\":\"block\""), 2);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.action\":\"kill\""), 1);
	cr_assert_eq(count_lines(cfg.alerts, "denied in the kernel before it ran"), 3);
	session_free(s);
}

/* A call of another ABI (i386): alerted in every mode with its i386 name, never judged as the
 * x86_64 call of the same number; in enforce, the verdict of an anomaly. */
Test(session, foreign_abi)
{
	double t;
	struct cids_session *s;

	s = learned(CIDS_STEADY_STAY, &t);
	cr_assert_eq(session_foreign_abi(s, 100, 100, 39, 0, t), SESSION_ALLOW);
	cr_assert_eq(count_lines(cfg.alerts, "\"rule\":\"cids_foreign_abi\""), 1);
	cr_assert_eq(count_lines(cfg.alerts, "\"evt.type\":\"i386:mkdir\""), 1);
	session_free(s);

	cfg.action = CIDS_ACT_KILL;
	s = learned(CIDS_STEADY_ENFORCE, &t);
	cr_assert_eq(session_foreign_abi(s, 100, 100, 39, 0, t), SESSION_KILL);
	cr_assert_eq(session_foreign_abi(s, 101, 101, 39, SESSION_DONE_BLOCKED, t), SESSION_BLOCK);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.action\":\"kill\""), 1);
	session_free(s);
}

Test(session, no_backend_kills_unless_enforcing_kill)
{
	double t;
	struct cids_session *s;

	cfg.action = CIDS_ACT_ALERT;
	s = learned(CIDS_STEADY_ENFORCE, &t);
	cr_assert_eq(session_kills_left(s, t), 0);
	session_free(s);
}

/* The tolerant model (the default): a new ordering of known calls is quiet below
 * detection.threshold, alerted from it, acted on in enforce only from enforce_threshold; a call
 * never learned is alerted and acted on at once. */
Test(session, tolerant_model_verdicts)
{
	static const long reversed[] = {12, 9, 3, 1, 0}; /* known calls, new orderings */
	double t;
	struct cids_session *s;
	enum session_verdict v;
	unsigned i;

	config_detection_model(&cfg, CIDS_MODEL_TOLERANT);
	cfg.action = CIDS_ACT_BLOCK;
	/* the default weighs these orderings of learned sets 0 (below): here each counts 1 */
	cfg.detection.flags &= ~CIDS_DET_NEAR_WINDOWS;
	s = learned(CIDS_STEADY_ENFORCE, &t);
	cr_assert_eq(session_mode(s), CIDS_MODE_ENFORCE);
	/* thread 200: every window is new, from its first call (streams start padded): the frame
	 * count grows by one a call */
	for (i = 0; i < 6; i++) {
		v = session_syscall(s, 200, 200, reversed[i % 5], t + i * 0.01);
		/* counts 1, 2 quiet; 3, 4, 5 alerted only; 6 blocked */
		cr_assert_eq(v, i < 5 ? SESSION_ALLOW : SESSION_BLOCK, "call %u", i);
	}
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.action\":\"alert\""), 3);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.action\":\"block\""), 1);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.reason\":\"frame_count\""), 4);
	/* a call never learned, on a fresh thread: blocked at once */
	feed(s, 201, 1, t + 1, 0.01);
	cr_assert_eq(session_syscall(s, 201, 201, 272 /* unshare */, t + 2), SESSION_BLOCK);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.reason\":\"unseen_syscall\""), 1);
	/* futex is never blocked (glibc aborts the process when it fails): alerted only */
	cr_assert_eq(session_syscall(s, 201, 201, 202 /* futex */, t + 2.1), SESSION_ALLOW);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.reason\":\"unseen_syscall\""), 2);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.action\":\"block\""), 2);
	/* nor is a flush (a database takes its failure for a failed disk and stops): msync never
	 * learned, alerted only; the next anomalous call is blocked again */
	cr_assert_eq(session_syscall(s, 201, 201, 26 /* msync */, t + 2.2), SESSION_ALLOW);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.reason\":\"unseen_syscall\""), 3);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.action\":\"block\""), 2);
	cr_assert_eq(session_syscall(s, 201, 201, 272 /* unshare */, t + 2.3), SESSION_BLOCK);
	/* a flush whose window reaches the enforce threshold (fdatasync is low-risk: counted in
	 * the frame), as InnoDB's commit path did: alerted, not blocked */
	for (i = 0; i < 5; i++)
		cr_assert_eq(session_syscall(s, 202, 202, reversed[i], t + 3 + i * 0.01),
			     SESSION_ALLOW, "call %u", i);
	cr_assert_eq(session_syscall(s, 202, 202, 75 /* fdatasync */, t + 3.1), SESSION_ALLOW);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.action\":\"block\""), 3);
	cr_assert_eq(count_lines(cfg.alerts, "\"evt.type\":\"fdatasync\""), 1);
	session_free(s);

	/* the default (detection.near_windows, near_quiet): the first window [start start start
	 * mmap] is one call away from the learned [start start start read]; past the two far
	 * windows after it each window holds a set of calls the pattern has in another order
	 * (thread timing, batching): near windows count 1/2 and act only from twice the threshold
	 * (count 5 after nine calls; a loop repeats its windows, counted once: 12 more calls
	 * allowed); a far window on top ([9 3 1 mmap], count 6) is blocked */
	config_detection_model(&cfg, CIDS_MODEL_TOLERANT);
	cfg.startup_grace_s = 0;
	s = learned(CIDS_STEADY_ENFORCE, &t);
	for (i = 0; i < 9; i++)
		cr_assert_eq(session_syscall(s, 300, 300, reversed[i % 5], t + i * 0.01),
			     SESSION_ALLOW, "call %u", i);
	cr_assert_eq(session_syscall(s, 300, 300, 9 /* mmap */, t + 0.5), SESSION_BLOCK);
	for (i = 0; i < 21; i++)
		cr_assert_eq(session_syscall(s, 301, 301, reversed[i % 5], t + 0.6 + i * 0.01),
			     SESSION_ALLOW, "call %u", i);
	session_free(s);
}

/* The backend counts every mismatch 1 (cidsd's kernel program): with the default model the
 * session weighs the windows it reports again. New orderings of learned sets (near windows) in a
 * loop, reported with the backend's ever higher count, stay quiet, as they do when the session
 * judges every call (tolerant_model_verdicts); a far window after them is alerted. */
Test(session, reported_windows_weighed_again)
{
	static const uint16_t reversed[] = {12, 9, 3, 1, 0};
	uint16_t win[4], far[4] = {12, 12, 12, 12};
	double t;
	struct cids_session *s;

	config_detection_model(&cfg, CIDS_MODEL_TOLERANT);
	cfg.action = CIDS_ACT_BLOCK;
	cfg.startup_grace_s = 0;
	s = learned(CIDS_STEADY_ENFORCE, &t);
	for (unsigned i = 0; i < 20; i++) {
		for (unsigned j = 0; j < 4; j++)
			win[j] = reversed[(i + j) % 5];
		cr_assert_eq(session_window_ctx(s, 200, 200, 1, win, 4, MIN(i + 1, 20u), 0,
						t + i * 0.01),
			     SESSION_ALLOW, "window %u", i);
	}
	cr_assert_eq(count_lines(cfg.alerts, "cids_anomalous_window"), 0);
	/* the same thread's normal flow (depth 0) is another stream: its first far window, count
	 * 1 of threshold 3, quiet */
	cr_assert_eq(session_window_ctx(s, 200, 200, 0, far, 4, 1, 0, t + 1), SESSION_ALLOW);
	cr_assert_eq(count_lines(cfg.alerts, "cids_anomalous_window"), 0);
	/* in the handler's stream it comes on top of the near ones (count 2 + 1): alerted */
	cr_assert_eq(session_window_ctx(s, 200, 200, 1, far, 4, 20, 0, t + 1), SESSION_ALLOW);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.score\":3"), 1);
	session_free(s);
}

/* A backend that judges by itself (cidsd's kernel program) kills on its own only where the
 * session would act at once: every reported window with the paper's rule; with the default
 * model the never-learned calls alone, less futex (never blocked) and the low-risk ones. */
Test(session, unseen_calls_for_the_backend)
{
	uint64_t calls[CIDS_SYM_START / 64 + 1];
	double t;
	struct cids_session *s;

#define HAS(nr) ((calls[(nr) / 64] >> ((nr) % 64)) & 1)
	cfg.action = CIDS_ACT_KILL;
	s = learned(CIDS_STEADY_ENFORCE, &t);
	cr_assert(session_backend_may_kill(s));
	cr_assert_not(session_unseen_calls(s, calls, CIDS_SYM_START));
	session_free(s);

	config_detection_model(&cfg, CIDS_MODEL_TOLERANT);
	s = learned(CIDS_STEADY_STAY, &t);
	cr_assert_not(session_unseen_calls(s, calls, CIDS_SYM_START), "not while learning");
	session_free(s);
	s = learned(CIDS_STEADY_ENFORCE, &t);
	cr_assert_not(session_backend_may_kill(s));
	memset(calls, 0xff, sizeof(calls));
	cr_assert(session_unseen_calls(s, calls, CIDS_SYM_START));
	for (unsigned i = 0; i < sizeof(pattern) / sizeof(pattern[0]); i++)
		cr_assert_not(HAS(pattern[i]), "learned call %ld listed", pattern[i]);
	cr_assert(HAS(272) && HAS(83) && HAS(59), "unshare, mkdir, execve not listed");
	cr_assert_not(HAS(202), "futex listed");
	cr_assert_not(HAS(26) || HAS(162), "a flush listed (never blocked)");
	cr_assert_not(HAS(425) || HAS(426) || HAS(427),
		      "io_uring listed (limits.io_uring decides)");
	cr_assert_not(HAS(52), "getpeername (low risk) listed");
	cr_assert(HAS(CIDS_SYM_START - 1));
	cr_assert_eq(calls[CIDS_SYM_START / 64] >> (CIDS_SYM_START % 64), 0, "bits past the calls");
	/* the low-risk calls count as any other without detection.low_risk_unseen */
	session_free(s);
	cfg.detection.flags &= ~CIDS_DET_LOW_RISK_UNSEEN;
	s = learned(CIDS_STEADY_ENFORCE, &t);
	cr_assert(session_unseen_calls(s, calls, CIDS_SYM_START));
	cr_assert(HAS(52));
	session_free(s);
#undef HAS
}

/* In the start-up grace near windows count 0 (warm-up: arenas, caches, thread pools), in detect
 * as in enforce; far windows and unseen calls count as ever; past the grace near windows count
 * 1/2 again. */
Test(session, startup_grace_near_windows_count_zero)
{
	static const long reversed[] = {12, 9, 3, 1, 0};
	double t, start = now_mono();
	struct cids_session *s;
	unsigned i;

	config_detection_model(&cfg, CIDS_MODEL_TOLERANT);
	cfg.startup_grace_s = 1000; /* learned() judges from about 16 s on */
	s = learned(CIDS_STEADY_DETECT, &t);
	cr_assert_eq(session_mode(s), CIDS_MODE_DETECT);
	/* one near, two far (count 2), then only near windows: never alerted */
	for (i = 0; i < 23; i++)
		cr_assert_eq(session_syscall(s, 200, 200, reversed[i % 5], t + i * 0.01),
			     SESSION_ALLOW, "call %u", i);
	/* a far window on top of 19 near ones: count 1 */
	(void)session_syscall(s, 200, 200, 9 /* mmap */, t + 0.3);
	cr_assert_eq(count_lines(cfg.alerts, "cids_anomalous_window"), 0);
	/* three far windows ([start start mmap mmap], [start mmap mmap mmap], [mmap x4]) reach
	 * 3: alerted */
	for (i = 0; i < 4; i++)
		(void)session_syscall(s, 201, 201, 9 /* mmap */, t + 0.5 + i * 0.01);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.reason\":\"frame_count\""), 1);
	/* an unseen call: alerted at once */
	(void)session_syscall(s, 200, 200, 39 /* getpid, learned nowhere */, t + 1);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.reason\":\"unseen_syscall\""), 1);
	session_free(s);

	/* past the grace: [start start start mmap], one call away, counts 1 (three far windows:
	 * alerted), the near windows 1/2 and the far window on top is alerted */
	s = learned(CIDS_STEADY_DETECT, &t);
	for (i = 0; i < 23; i++)
		(void)session_syscall(s, 300, 300, reversed[i % 5], start + 1001 + i * 0.01);
	cr_assert_eq(count_lines(cfg.alerts, "cids_anomalous_window"), 3); /* 2: the first part's */
	(void)session_syscall(s, 300, 300, 9 /* mmap */, start + 1002);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.reason\":\"frame_count\""), 3);
	session_free(s);
}

/* detection.startup_grace_s: in a container's first seconds enforce acts on unseen calls only;
 * frame counts are alerted; after it, acted on as usual. */
Test(session, startup_grace_acts_on_unseen_calls_only)
{
	static const long reversed[] = {12, 9, 3, 1, 0};
	double t, start = now_mono();
	struct cids_session *s;
	unsigned i;

	config_detection_model(&cfg, CIDS_MODEL_TOLERANT);
	cfg.detection.flags &= ~CIDS_DET_NEAR_WINDOWS;
	cfg.action = CIDS_ACT_BLOCK;
	cfg.startup_grace_s = 1000; /* learned() judges from about 16 s on */
	s = learned(CIDS_STEADY_ENFORCE, &t);
	for (i = 0; i < 10; i++)
		cr_assert_eq(session_syscall(s, 200, 200, reversed[i % 5], t + i * 0.01),
			     SESSION_ALLOW, "call %u", i);
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.action\":\"block\""), 0);
	cr_assert_geq(count_lines(cfg.alerts, "\"cids.reason\":\"frame_count\""), 5);
	/* an unseen call is acted on in the grace too */
	cr_assert_eq(session_syscall(s, 201, 201, 272 /* unshare */, t + 1), SESSION_BLOCK);
	/* past the grace the same count is acted on */
	cr_assert_eq(session_syscall(s, 200, 200, reversed[0], start + 1001), SESSION_BLOCK);
	session_free(s);
}

/* Steady needs activity: quiet_calls calls without a new window, and min_containers starts. */
Test(session, steady_needs_quiet_calls_and_containers)
{
	struct cids_session *s = NULL;
	char why[512] = "";
	double t = now_mono();

	cfg.learning.quiet_calls = 5000;
	cfg.learning_min_containers = 2;
	cr_assert_eq(session_new(&cfg, &info, &s, why, sizeof(why)), 0, "%s", why);
	t = feed(s, 100, 1000, t, 0.01); /* 8,000 calls, 80 s: steady by the slope alone */
	cr_assert_eq(session_mode(s), CIDS_MODE_LEARN, "one container is not enough");
	session_free(s);

	s = NULL;
	cr_assert_eq(session_new(&cfg, &info, &s, why, sizeof(why)), 0, "%s", why);
	t = feed(s, 100, 500, t, 0.01); /* 4,000 quiet calls in this container */
	cr_assert_eq(session_mode(s), CIDS_MODE_LEARN, "not yet quiet_calls calls");
	t = feed(s, 100, 200, t, 0.01); /* 5,600 */
	cr_assert_eq(session_mode(s), CIDS_MODE_DETECT);
	session_free(s);
}

struct kill_seen {
	unsigned calls, alerts_then;
	pid_t tid, tgid;
};

static void on_kill(void *ud, pid_t tid, pid_t tgid)
{
	struct kill_seen *k = ud;

	k->calls++;
	k->tid = tid;
	k->tgid = tgid;
	k->alerts_then = count_lines(cfg.alerts, "\"cids.action\":\"kill\"");
}

/* The kill hook (seccomp notify takes the caller's pidfd there): on kill verdicts only, and
 * before the alert is written (no I/O between the call and the hook). */
Test(session, kill_hook_before_the_alert)
{
	struct kill_seen k = {0};
	struct cids_session *s;
	double t;

	cfg.action = CIDS_ACT_KILL;
	s = learned(CIDS_STEADY_ENFORCE, &t);
	session_set_kill_hook(s, on_kill, &k);
	feed(s, 400, 4, t, 0.01);
	cr_assert_eq(k.calls, 0, "the hook ran for calls that are not killed");
	cr_assert_eq(session_syscall(s, 401, 400, 272, t + 1), SESSION_KILL);
	cr_assert_eq(k.calls, 1);
	cr_assert(k.tid == 401 && k.tgid == 400);
	cr_assert_eq(k.alerts_then, 0, "the alert was written before the hook ran");
	cr_assert_eq(count_lines(cfg.alerts, "\"cids.action\":\"kill\""), 1);
	session_free(s);
}
