/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cids/config.h"
#include "cids/log.h"
#include "cids/util.h"

#ifndef CIDS_SRC_DIR
#define CIDS_SRC_DIR "."
#endif

static char why[512];

static int parse(const char *s, struct cids_config *c)
{
	why[0] = 0;
	return config_parse(s, strlen(s), c, why, sizeof(why));
}

/* Parse must fail with an error that names key. */
static void expect_error(const char *json, const char *key)
{
	struct cids_config c;
	config_default(&c);
	c.max_threads = 777; /* must stay untouched on failure */
	int r = parse(json, &c);
	cr_assert_lt(r, 0, "accepted %s", json);
	cr_assert(strncmp(why, key, strlen(key)) == 0, "error for %s: \"%s\" does not name %s",
		  json, why, key);
	cr_assert_eq(c.max_threads, 777);
}

Test(config, defaults_match_design)
{
	struct cids_config c;
	config_default(&c);
	cr_assert_eq(c.mode, CIDS_MODE_LEARN);
	cr_assert_eq(c.on_steady, CIDS_STEADY_DETECT);
	cr_assert_eq(c.backend, CIDS_BACKEND_PTRACE);
	cr_assert_eq(c.on_error, CIDS_ONERR_ALLOW);
	cr_assert_str_eq(c.store, "/var/lib/cids/profiles");
	cr_assert_str_eq(c.alerts, "/var/log/cids/alerts.jsonl");
	/* containers cannot choose their treatment unless the host allows it (issue 19) */
	cr_assert_not(c.allow_container_override);
	cr_assert_str_eq(c.container_key_prefix, "c-");
	cr_assert_eq(c.on_unlearned, CIDS_UNLEARNED_REFUSE);
	cr_assert_float_eq(c.max_learn_s, 7 * 86400.0, 1e-9);
	cr_assert_eq(c.max_learn_calls, 0);
	cr_assert_eq(c.over_budget, CIDS_OVER_BLOCK);
	cr_assert(c.syslog);
	cr_assert(c.ebpf_seccomp_guard);
	cr_assert_eq(c.learning.ndbs, 8);
	for (unsigned i = 0; i < 8; i++) {
		cr_assert_eq(c.learning.dbs[i].algo, i / 4);
		cr_assert_eq(c.learning.dbs[i].k, 3 + i % 4);
	}
	cr_assert_float_eq(c.learning.interval, 100, 1e-9);
	cr_assert_float_eq(c.learning.sigma, 0.15, 1e-9);
	cr_assert_eq(c.learning.consecutive, 5);
	cr_assert_float_eq(c.checkpoint_s, 60, 1e-9);
	cr_assert_eq(c.detection.algo, CIDS_ALGO_STIDE);
	cr_assert_eq(c.detection.k, 4);
	cr_assert_eq(c.detection.frame, 20);
	cr_assert_eq(c.model, CIDS_MODEL_TOLERANT);
	cr_assert_eq(c.detection.threshold, 3);
	cr_assert_eq(c.enforce_threshold, 6);
	cr_assert_eq(c.detection.flags, CIDS_DET_UNSEEN_CALLS | CIDS_DET_NEAR_WINDOWS |
						CIDS_DET_LOW_RISK_UNSEEN | CIDS_DET_NEAR_QUIET |
						CIDS_DET_REPEATS_ONCE);
	cr_assert_float_eq(c.startup_grace_s, 10, 1e-9);
	cr_assert_eq(c.learning.quiet_calls, 20000);
	cr_assert_eq(c.learning_min_containers, 2);
	cr_assert_eq(c.action, CIDS_ACT_BLOCK);
	cr_assert_eq(c.max_kills_per_minute, 10);
	cr_assert_eq(c.max_threads, 4096);
	cr_assert_eq(c.max_alerts_per_second, 100);
	cr_assert_float_eq(c.hook_timeout_s, 5, 1e-9);
	cr_assert_eq(c.nruntimes, 2);
	cr_assert_str_eq(c.runtimes[0], "runc");
	cr_assert_str_eq(c.runtimes[1], "crun");
	cr_assert_str_eq(c.hook_stage, "createRuntime");
}

Test(config, example_file_equals_defaults)
{
	struct cids_config a, b;
	char *text;
	size_t len;
	cr_assert_eq(
		read_full_file(CIDS_SRC_DIR "/config.json.example", CIDS_CONFIG_MAX, &text, &len),
		0);
	config_default(&a);
	cr_assert_eq(config_parse(text, len, &b, why, sizeof(why)), 0, "%s", why);
	free(text);
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0, "config.json.example differs from defaults");
}

Test(config, empty_object_is_defaults)
{
	struct cids_config a, b;
	config_default(&a);
	memset(&b, 0xab, sizeof(b));
	cr_assert_eq(parse("{}", &b), 0);
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0);
}

Test(config, every_key_is_read)
{
	struct cids_config c;
	const char *j =
		"{\"mode\":\"enforce\",\"on_steady\":\"stay\",\"backend\":\"ebpf\","
		"\"on_error\":\"deny\",\"store\":\"/s\",\"alerts\":\"/a\",\"run_dir\":\"/r\","
		"\"log\":\"/l\",\"socket\":\"/so\",\"syslog\":false,"
		"\"allow_container_override\":true,\"container_key_prefix\":\"tenant-a.\","
		"\"on_unlearned\":\"refuse\","
		"\"learning\":{\"algorithms\":[\"bosc\"],\"windows\":[10,6],\"sequence\":"
		"\"container\","
		"\"interval_s\":0.25,\"sigma\":0,\"consecutive\":3,\"checkpoint_s\":0.5,"
		"\"max_entries\":1000,\"max_learn_s\":30.5,\"max_learn_calls\":123456789012},"
		"\"detection\":{\"algorithm\":\"bosc\",\"window\":10,\"frame\":50,\"threshold\":3},"
		"\"enforce\":{\"action\":\"kill-container\",\"max_kills_per_minute\":0,"
		"\"over_budget\":\"kill-container\"},"
		"\"limits\":{\"max_threads\":10,\"max_alerts_per_second\":0,\"hook_timeout_s\":1.5,"
		"\"monitor_restarts\":0},\"ebpf\":{\"seccomp_guard\":false}"
		","
		"\"runtime\":{\"runtimes\":[\"/usr/bin/crun\"],\"hook\":\"/h\",\"hook_stage\":"
		"\"prestart\"}}";
	cr_assert_eq(parse(j, &c), 0, "%s", why);
	cr_assert_eq(c.mode, CIDS_MODE_ENFORCE);
	cr_assert_eq(c.on_steady, CIDS_STEADY_STAY);
	cr_assert_eq(c.backend, CIDS_BACKEND_EBPF);
	cr_assert_not(c.ebpf_seccomp_guard);
	cr_assert_eq(c.on_error, CIDS_ONERR_DENY);
	cr_assert_str_eq(c.store, "/s");
	cr_assert_str_eq(c.alerts, "/a");
	cr_assert_str_eq(c.run_dir, "/r");
	cr_assert_str_eq(c.log, "/l");
	cr_assert_str_eq(c.socket, "/so");
	cr_assert_not(c.syslog);
	cr_assert(c.allow_container_override);
	cr_assert_str_eq(c.container_key_prefix, "tenant-a.");
	cr_assert_eq(c.on_unlearned, CIDS_UNLEARNED_REFUSE);
	cr_assert_float_eq(c.max_learn_s, 30.5, 1e-12);
	cr_assert_eq(c.max_learn_calls, 123456789012ull);
	cr_assert_eq(c.over_budget, CIDS_OVER_KILL_CONTAINER);
	cr_assert_eq(c.learning.ndbs, 2);
	cr_assert_eq(c.learning.dbs[0].algo, CIDS_ALGO_BOSC);
	cr_assert_eq(c.learning.dbs[0].k, 10);
	cr_assert_eq(c.learning.dbs[1].k, 6);
	cr_assert_eq(c.learning.seq, CIDS_SEQ_CONTAINER);
	cr_assert_float_eq(c.learning.interval, 0.25, 1e-12);
	cr_assert_float_eq(c.learning.sigma, 0, 1e-12);
	cr_assert_eq(c.learning.consecutive, 3);
	cr_assert_float_eq(c.checkpoint_s, 0.5, 1e-12);
	cr_assert_eq(c.learning.max_entries, 1000);
	cr_assert_eq(c.detection.algo, CIDS_ALGO_BOSC);
	cr_assert_eq(c.detection.k, 10);
	cr_assert_eq(c.detection.frame, 50);
	cr_assert_eq(c.detection.threshold, 3);
	cr_assert_eq(c.action, CIDS_ACT_KILL_CONTAINER);
	cr_assert_eq(c.max_kills_per_minute, 0);
	cr_assert_eq(c.max_threads, 10);
	cr_assert_eq(c.max_alerts_per_second, 0);
	cr_assert_float_eq(c.hook_timeout_s, 1.5, 1e-12);
	cr_assert_eq(c.monitor_restarts, 0);
	cr_assert_eq(c.nruntimes, 1);
	cr_assert_str_eq(c.runtimes[0], "/usr/bin/crun");
	cr_assert_str_eq(c.hook_path, "/h");
	cr_assert_str_eq(c.hook_stage, "prestart");

	/* and it survives a round trip through config_to_json */
	char *out = config_to_json(&c);
	struct cids_config d;
	cr_assert_not_null(out);
	cr_assert_eq(config_parse(out, strlen(out), &d, why, sizeof(why)), 0, "%s\n%s", why, out);
	free(out);
	cr_assert_eq(memcmp(&c, &d, sizeof(c)), 0);
}

Test(config, windows_only_keeps_both_algorithms)
{
	struct cids_config c;
	cr_assert_eq(parse("{\"learning\":{\"windows\":[4]}}", &c), 0, "%s", why);
	cr_assert_eq(c.learning.ndbs, 2);
	cr_assert_eq(c.learning.dbs[0].algo, CIDS_ALGO_STIDE);
	cr_assert_eq(c.learning.dbs[1].algo, CIDS_ALGO_BOSC);
}

Test(config, wrong_types_name_the_key)
{
	expect_error("{\"mode\":1}", "mode");
	expect_error("{\"container_key_prefix\":\"w-\"}", "container_key_prefix");
	expect_error("{\"container_key_prefix\":\"k8s.default.\"}", "container_key_prefix");
	expect_error("{\"container_key_prefix\":\"k\"}", "container_key_prefix");
	expect_error("{\"container_key_prefix\":\"../x\"}", "container_key_prefix");
	expect_error("{\"container_key_prefix\":\"-x\"}", "container_key_prefix");
	expect_error("{\"container_key_prefix\":3}", "container_key_prefix");
	expect_error("{\"on_unlearned\":\"ignore\"}", "on_unlearned");
	expect_error("{\"learning\":{\"max_learn_s\":-1}}", "learning.max_learn_s");
	expect_error("{\"learning\":{\"max_learn_calls\":-1}}", "learning.max_learn_calls");
	expect_error("{\"learning\":{\"max_learn_calls\":1.5}}", "learning.max_learn_calls");
	expect_error("{\"enforce\":{\"over_budget\":\"allow\"}}", "enforce.over_budget");
	expect_error("{\"mode\":\"watch\"}", "mode");
	expect_error("{\"on_steady\":null}", "on_steady");
	expect_error("{\"backend\":\"dtrace\"}", "backend");
	expect_error("{\"on_error\":true}", "on_error");
	expect_error("{\"store\":\"relative/path\"}", "store");
	expect_error("{\"alerts\":5}", "alerts");
	expect_error("{\"run_dir\":\"\"}", "run_dir");
	expect_error("{\"syslog\":\"yes\"}", "syslog");
	expect_error("{\"ebpf\":{\"seccomp_guard\":1}}", "ebpf.seccomp_guard");
	expect_error("{\"ebpf\":[]}", "ebpf");
	expect_error("{\"allow_container_override\":1}", "allow_container_override");
	expect_error("{\"learning\":[]}", "learning");
	expect_error("{\"learning\":{\"sigma\":\"0.1\"}}", "learning.sigma");
	expect_error("{\"learning\":{\"sigma\":-0.1}}", "learning.sigma");
	expect_error("{\"learning\":{\"interval_s\":0}}", "learning.interval_s");
	expect_error("{\"learning\":{\"consecutive\":0}}", "learning.consecutive");
	expect_error("{\"learning\":{\"consecutive\":2.5}}", "learning.consecutive");
	expect_error("{\"learning\":{\"consecutive\":99999999999999999999999}}",
		     "learning.consecutive");
	expect_error("{\"learning\":{\"checkpoint_s\":-1}}", "learning.checkpoint_s");
	expect_error("{\"learning\":{\"max_entries\":0}}", "learning.max_entries");
	expect_error("{\"learning\":{\"max_entries\":4194305}}", "learning.max_entries");
	expect_error("{\"learning\":{\"algorithms\":[]}}", "learning.algorithms");
	expect_error("{\"learning\":{\"algorithms\":[\"stide\",\"stide\"]}}",
		     "learning.algorithms");
	expect_error("{\"learning\":{\"algorithms\":[\"hmm\"]}}", "learning.algorithms");
	expect_error("{\"learning\":{\"algorithms\":\"stide\"}}", "learning.algorithms");
	expect_error("{\"learning\":{\"windows\":[0]}}", "learning.windows");
	expect_error("{\"learning\":{\"windows\":[15]}}", "learning.windows");
	expect_error("{\"learning\":{\"windows\":[-3]}}", "learning.windows");
	expect_error("{\"learning\":{\"windows\":[3,3]}}", "learning.windows");
	expect_error("{\"learning\":{\"windows\":[1,2,3,4,5,6,7,8,9]}}", "learning.windows");
	expect_error("{\"learning\":{\"sequence\":\"fiber\"}}", "learning.sequence");
	expect_error("{\"detection\":{\"frame\":0}}", "detection.frame");
	expect_error("{\"detection\":{\"frame\":70000}}", "detection.frame");
	expect_error("{\"detection\":{\"threshold\":0}}", "detection.threshold");
	expect_error("{\"detection\":{\"threshold\":21}}", "detection.threshold");
	expect_error("{\"detection\":{\"algorithm\":\"x\"}}", "detection.algorithm");
	expect_error("{\"enforce\":{\"action\":\"nuke\"}}", "enforce.action");
	expect_error("{\"enforce\":{\"max_kills_per_minute\":-1}}", "enforce.max_kills_per_minute");
	expect_error("{\"limits\":{\"max_threads\":0}}", "limits.max_threads");
	expect_error("{\"limits\":{\"hook_timeout_s\":0}}", "limits.hook_timeout_s");
	expect_error("{\"limits\":{\"hook_timeout_s\":100000}}", "limits.hook_timeout_s");
	expect_error("{\"runtime\":{\"runtimes\":[]}}", "runtime.runtimes");
	expect_error("{\"runtime\":{\"runtimes\":[\"bin/runc\"]}}", "runtime.runtimes");
	expect_error("{\"runtime\":{\"runtimes\":[1]}}", "runtime.runtimes");
	expect_error("{\"runtime\":{\"runtimes\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\","
		     "\"i\"]}}",
		     "runtime.runtimes");
	expect_error("{\"runtime\":{\"hook\":\"cids-hook\"}}", "runtime.hook");
	expect_error("{\"runtime\":{\"hook_stage\":\"poststop\"}}", "runtime.hook_stage");
}

Test(config, sigma_message_is_readable)
{
	struct cids_config c;
	cr_assert_lt(parse("{\"learning\":{\"sigma\":-1}}", &c), 0);
	cr_assert_str_eq(why, "learning.sigma: must be a number >= 0");
}

Test(config, detection_must_be_learned)
{
	expect_error("{\"detection\":{\"window\":7}}", "detection.window");
	expect_error("{\"learning\":{\"algorithms\":[\"bosc\"]}}", "detection.window");
	struct cids_config c;
	cr_assert_eq(parse("{\"learning\":{\"windows\":[7]},\"detection\":{\"window\":7}}", &c), 0,
		     "%s", why);
}

Test(config, malformed_json)
{
	const char *bad[] = {"",
			     "{",
			     "}",
			     "{\"mode\":\"learn\",}",
			     "{'mode':'learn'}",
			     "{\"mode\":\"learn\"} x",
			     "[1,2]",
			     "\"str\"",
			     "42",
			     "null",
			     "{\"learning\":{\"sigma\":NaN}}",
			     "{\"learning\":{\"interval_s\":Infinity}}",
			     "{\"unknown\":[-Infinity]}",
			     "{\"x\":{\"y\":NaN}}",
			     "\xff\xfe"};
	struct cids_config c;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_lt(parse(bad[i], &c), 0, "accepted \"%s\"", bad[i]);
		cr_assert_neq(why[0], 0, "no reason for \"%s\"", bad[i]);
	}
	/* A NUL byte inside */
	cr_assert_lt(config_parse("{}\0{}", 5, &c, why, sizeof(why)), 0);
}

Test(config, deep_nesting_refused)
{
	char *s = malloc(200002);
	struct cids_config c;
	memset(s, '[', 100000);
	memset(s + 100000, ']', 100000);
	s[200000] = 0;
	cr_assert_lt(parse(s, &c), 0);
	free(s);
}

Test(config, huge_input_refused)
{
	size_t n = CIDS_CONFIG_MAX + 10;
	char *s = malloc(n + 1);
	struct cids_config c;
	memset(s, ' ', n);
	s[0] = '{';
	s[n - 1] = '}';
	s[n] = 0;
	cr_assert_eq(config_parse(s, n, &c, why, sizeof(why)), -E2BIG);
	free(s);
}

Test(config, unknown_keys_warn_and_are_ignored)
{
	char path[] = "/tmp/cids-test-cfg-log.XXXXXX";
	int fd = mkstemp(path);
	struct cids_config c;
	char *buf;
	size_t len;

	cr_assert_geq(fd, 0);
	log_set_fd(fd, LOG_FMT_TEXT);
	cr_assert_eq(parse("{\"colour\":1,\"learning\":{\"speed\":2},\"x\\ny\":3}", &c), 0, "%s",
		     why);
	log_set_fd(-1, LOG_FMT_TEXT);
	close(fd);
	cr_assert_eq(read_full_file(path, 10000, &buf, &len), 0);
	unlink(path);
	cr_assert_not_null(strstr(buf, "unknown key \"colour\""), "%s", buf);
	cr_assert_not_null(strstr(buf, "unknown key \"learning.speed\""), "%s", buf);
	/* the hostile key cannot forge a line */
	cr_assert_not_null(strstr(buf, "unknown key \"x\\ny\""), "%s", buf);
	int lines = 0;
	for (char *p = buf; *p; p++)
		lines += *p == '\n';
	cr_assert_eq(lines, 3);
	free(buf);
}

Test(config, load_paths)
{
	char dir[] = "/tmp/cids-test-cfg.XXXXXX", path[256];
	struct cids_config c;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/missing.json", dir);
	cr_assert_eq(config_load(path, &c, why, sizeof(why)), -ENOENT);
	cr_assert_not_null(strstr(why, "missing.json"));

	snprintf(path, sizeof(path), "%s/c.json", dir);
	cr_assert_eq(write_file_atomic(path, "{\"mode\":\"detect\"}", 17, 0600), 0);
	cr_assert_eq(config_load(path, &c, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(c.mode, CIDS_MODE_DETECT);

	setenv("CIDS_CONFIG", path, 1);
	config_default(&c);
	cr_assert_eq(config_load(NULL, &c, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(c.mode, CIDS_MODE_DETECT);

	cr_assert_eq(write_file_atomic(path, "{\"mode\":3}", 10, 0600), 0);
	cr_assert_eq(config_load(NULL, &c, why, sizeof(why)), -EINVAL);
	cr_assert_not_null(strstr(why, "c.json: mode: must be one of"), "%s", why);

	snprintf(path, sizeof(path), "%s/none.json", dir);
	setenv("CIDS_CONFIG", path, 1);
	cr_assert_eq(config_load(NULL, &c, why, sizeof(why)), -ENOENT);
	unsetenv("CIDS_CONFIG");

	cr_assert_eq(config_load(dir, &c, why, sizeof(why)), -EISDIR);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(config, names)
{
	cr_assert_str_eq(cids_mode_name(CIDS_MODE_ENFORCE), "enforce");
	cr_assert_eq(cids_mode_from_name("detect"), CIDS_MODE_DETECT);
	cr_assert_lt(cids_mode_from_name("Detect"), 0);
	cr_assert_lt(cids_mode_from_name(NULL), 0);
	cr_assert_str_eq(cids_action_name(CIDS_ACT_KILL_CONTAINER), "kill-container");
	cr_assert_str_eq(cids_backend_name(CIDS_BACKEND_SECCOMP), "seccomp");
}

Test(config, to_json_of_defaults_round_trips)
{
	struct cids_config a, b;
	config_default(&a);
	char *s = config_to_json(&a);
	cr_assert_not_null(s);
	cr_assert_eq(config_parse(s, strlen(s), &b, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0);
	cr_assert_not_null(strstr(s, "\"hook_stage\": \"createRuntime\""), "%s", s);
	free(s);
}

/* detection.model sets the other keys' defaults, whatever the key order; explicit keys win. */
Test(config, detection_model)
{
	struct cids_config c;

	cr_assert_eq(parse("{\"detection\":{\"threshold\":2,\"model\":\"paper\"}}", &c), 0);
	cr_assert_eq(c.model, CIDS_MODEL_PAPER);
	cr_assert_eq(c.detection.threshold, 2);
	cr_assert_eq(c.enforce_threshold, 1);
	cr_assert_eq(c.detection.flags, 0);
	cr_assert_float_eq(c.startup_grace_s, 0, 1e-9);
	cr_assert_eq(parse("{\"detection\":{\"model\":\"tolerant\",\"unseen_calls\":false,"
			   "\"enforce_threshold\":9},\"learning\":{\"quiet_calls\":0,"
			   "\"min_containers\":1}}",
			   &c),
		     0);
	cr_assert_eq(c.detection.threshold, 3);
	cr_assert_eq(c.enforce_threshold, 9);
	cr_assert_eq(c.detection.flags, CIDS_DET_NEAR_WINDOWS | CIDS_DET_LOW_RISK_UNSEEN |
						CIDS_DET_NEAR_QUIET | CIDS_DET_REPEATS_ONCE);
	cr_assert_eq(c.learning.quiet_calls, 0);
	cr_assert_eq(c.learning_min_containers, 1);
	cr_assert_eq(parse("{\"detection\":{\"near_windows\":false,\"startup_grace_s\":2.5}}", &c),
		     0);
	cr_assert_float_eq(c.startup_grace_s, 2.5, 1e-9);
	cr_assert_eq(c.detection.flags, CIDS_DET_UNSEEN_CALLS | CIDS_DET_LOW_RISK_UNSEEN |
						CIDS_DET_NEAR_QUIET | CIDS_DET_REPEATS_ONCE);
	cr_assert_eq(parse("{\"detection\":{\"low_risk_unseen\":false}}", &c), 0);
	cr_assert_eq(c.detection.flags, CIDS_DET_UNSEEN_CALLS | CIDS_DET_NEAR_WINDOWS |
						CIDS_DET_NEAR_QUIET | CIDS_DET_REPEATS_ONCE);
	cr_assert_eq(parse("{\"detection\":{\"near_quiet\":false}}", &c), 0);
	cr_assert_eq(c.detection.flags, CIDS_DET_UNSEEN_CALLS | CIDS_DET_NEAR_WINDOWS |
						CIDS_DET_LOW_RISK_UNSEEN | CIDS_DET_REPEATS_ONCE);
	expect_error("{\"detection\":{\"model\":\"strict\"}}", "detection.model");
	expect_error("{\"detection\":{\"enforce_threshold\":0}}", "detection.enforce_threshold");
	expect_error("{\"detection\":{\"startup_grace_s\":-1}}", "detection.startup_grace_s");
	expect_error("{\"learning\":{\"min_containers\":0}}", "learning.min_containers");
}
