/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids-runtime's logic: argv parsing, the config.json rewrite, finding the real runtime. */
#include <criterion/criterion.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The shim's objects are not in a library: build its logic into the test. */

#include "cids/oci.h"
#include "shim.h"

#include "cids/util.h"

static struct shim_args parse(int argc, char **argv)
{
	struct shim_args a;
	cr_assert_eq(shim_parse_args(argc, argv, &a), 0);
	return a;
}

#define ARGV(...)  ((char *[]){"cids-runtime", __VA_ARGS__, NULL})
#define ARGC(...)  ((int)(sizeof((char *[]){"cids-runtime", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(...) parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

Test(shim, containerd_create_line)
{
	struct shim_args a = PARSE("--root", "/run/containerd/runc/moby", "--log", "/b/log.json",
				   "--log-format", "json", "--systemd-cgroup", "create", "--bundle",
				   "/b", "--pid-file", "/b/init.pid", "abc");
	cr_assert_str_eq(a.cmd, "create");
	cr_assert_eq(a.cmd_index, 8);
	cr_assert_str_eq(a.bundle, "/b");
	cr_assert_str_eq(a.log_path, "/b/log.json");
	cr_assert_str_eq(a.root, "/run/containerd/runc/moby");
	cr_assert_eq(a.log_fmt, LOG_FMT_JSON);
}

Test(shim, equals_forms_and_single_dash)
{
	struct shim_args a = PARSE("--root=/r", "-log=/l", "--log-format=text", "--debug", "run",
				   "-d", "--bundle=/x", "id");
	cr_assert_str_eq(a.cmd, "run");
	cr_assert_str_eq(a.root, "/r");
	cr_assert_str_eq(a.log_path, "/l");
	cr_assert_eq(a.log_fmt, LOG_FMT_TEXT);
	cr_assert(a.debug);
	cr_assert_str_eq(a.bundle, "/x");

	a = PARSE("create", "-b", "/y", "id");
	cr_assert_str_eq(a.bundle, "/y");
	a = PARSE("create", "-b=/z", "id");
	cr_assert_str_eq(a.bundle, "/z");
	a = PARSE("-criu", "/usr/sbin/criu", "--rootless", "auto", "create", "id");
	cr_assert_str_eq(a.cmd, "create");
	cr_assert_null(a.bundle, "no --bundle: working directory");
}

Test(shim, flag_values_are_not_taken_for_subcommands_or_bundles)
{
	/* values that look like subcommands or flags */
	struct shim_args a = PARSE("--log", "create", "--root", "-b", "state", "x");
	cr_assert_str_eq(a.cmd, "state");
	cr_assert_str_eq(a.log_path, "create");
	cr_assert_str_eq(a.root, "-b");

	a = PARSE("create", "--pid-file", "--bundle", "--console-socket", "-b", "id");
	cr_assert_null(a.bundle);

	/* after the container id, runc (Go flag) stops reading flags */
	a = PARSE("create", "id", "--bundle", "/late");
	cr_assert_null(a.bundle);

	/* the last --bundle wins */
	a = PARSE("create", "--bundle", "/a", "--bundle", "/b", "id");
	cr_assert_str_eq(a.bundle, "/b");
}

Test(shim, passthrough_commands)
{
	const char *cmds[] = {"state",	"kill", "delete", "features",  "start",
			      "exec",	"ps",	"events", "pause",     "resume",
			      "update", "spec", "list",	  "checkpoint"};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char *argv[] = {"cids-runtime", "--root", "/r", (char *)cmds[i], "id", NULL};
		struct shim_args a = parse(5, argv);
		cr_assert_str_eq(a.cmd, cmds[i]);
		cr_assert_not(shim_cmd_adds_hook(a.cmd));
		cr_assert_null(a.bundle);
	}
	cr_assert(shim_cmd_adds_hook("create"));
	cr_assert(shim_cmd_adds_hook("run"));
	cr_assert_not(shim_cmd_adds_hook(NULL));
	cr_assert_not(shim_cmd_adds_hook("Create"));

	struct shim_args a = PARSE("--version");
	cr_assert_null(a.cmd);
	cr_assert_eq(a.cmd_index, -1);
	a = PARSE("-v");
	cr_assert_null(a.cmd);
	char *none[] = {"cids-runtime", NULL};
	a = parse(1, none);
	cr_assert_null(a.cmd);
}

Test(shim, missing_values)
{
	struct shim_args a;
	cr_assert_eq(shim_parse_args(ARGC("--root"), ARGV("--root"), &a), -EINVAL);
	cr_assert_eq(shim_parse_args(ARGC("create", "--bundle"), ARGV("create", "--bundle"), &a),
		     -EINVAL);
	cr_assert_eq(shim_parse_args(ARGC("--cids-print-key"), ARGV("--cids-print-key"), &a),
		     -EINVAL);
}

Test(shim, double_dash_ends_flags)
{
	struct shim_args a = PARSE("--", "create", "--bundle", "/b", "x");
	cr_assert_str_eq(a.cmd, "create");
	cr_assert_str_eq(a.bundle, "/b");
	a = PARSE("create", "--", "--bundle", "/b");
	cr_assert_null(a.bundle);
}

Test(shim, print_key_flag)
{
	struct shim_args a = PARSE("--cids-print-key", "/b");
	cr_assert_str_eq(a.print_key, "/b");
	a = PARSE("--cids-print-key=/c");
	cr_assert_str_eq(a.print_key, "/c");
}

/* --- config.json rewrite --- */

static char why[512];

static struct shim_hook test_hook(const char *cfgpath)
{
	static struct cids_config c; /* the hook points into it */
	struct shim_hook h;
	config_default(&c);
	strcpy(c.hook_path, "/usr/local/bin/cids-hook");
	shim_hook_from_config(&c, cfgpath, &h);
	return h;
}

static struct json_object *jparse(const char *s)
{
	struct json_object *o = json_tokener_parse(s);
	cr_assert_not_null(o, "unparsable: %s", s);
	return o;
}

Test(shim, adds_hook_and_keeps_everything)
{
	const char *in =
		"{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"],\"env\":[\"A=\\u00e9/"
		"x\"]},"
		"\"hooks\":{\"prestart\":[{\"path\":\"/bin/true\"}],\"createRuntime\":[{\"path\":"
		"\"/usr/bin/nvidia\",\"args\":[\"nv\"]}],\"poststop\":[{\"path\":\"/bin/false\"}]},"
		"\"linux\":{\"resources\":{\"memory\":{\"limit\":9223372036854775807,"
		"\"swappiness\":18446744073709551615},\"cpu\":{\"shares\":0.5e3}}},"
		"\"x-unknown\":{\"nested\":[1,2.50,null,true,\"\\\"q\\\"\"]},\"annotations\":{}}";
	struct shim_hook h = test_hook("/etc/cids/test.json");
	char *out = NULL;

	cr_assert_eq(shim_add_hook(in, strlen(in), &h, &out, why, sizeof(why)), 1, "%s", why);
	struct json_object *a = jparse(in), *b = jparse(out), *hooks, *cr, *hk, *v;

	/* exactly one hook more, at the end of createRuntime, the others untouched */
	cr_assert(json_object_object_get_ex(b, "hooks", &hooks));
	cr_assert(json_object_object_get_ex(hooks, "createRuntime", &cr));
	cr_assert_eq(json_object_array_length(cr), 2);
	hk = json_object_array_get_idx(cr, 0);
	cr_assert(json_object_object_get_ex(hk, "path", &v));
	cr_assert_str_eq(json_object_get_string(v), "/usr/bin/nvidia");
	hk = json_object_array_get_idx(cr, 1);
	cr_assert(json_object_object_get_ex(hk, "path", &v));
	cr_assert_str_eq(json_object_get_string(v), "/usr/local/bin/cids-hook");
	cr_assert(json_object_object_get_ex(hk, "args", &v));
	cr_assert_str_eq(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE),
			 "[\"cids-hook\",\"--config\",\"/etc/cids/test.json\"]");
	cr_assert(json_object_object_get_ex(hk, "timeout", &v));
	cr_assert_gt(json_object_get_int(v), 10);

	/* everything else equal: remove our hook and compare whole documents */
	json_object_array_del_idx(cr, 1, 1);
	cr_assert(json_object_equal(a, b), "round trip changed the document:\n%s", out);

	/* numbers keep their spelling (no float re-formatting, no uint64 clamping) */
	cr_assert_not_null(strstr(out, "9223372036854775807"));
	cr_assert_not_null(strstr(out, "18446744073709551615"));
	cr_assert_not_null(strstr(out, "2.50"));
	cr_assert_not_null(strstr(out, "0.5e3"));
	cr_assert_not_null(strstr(out, "\\u00e9/x") ? strstr(out, "\\u00e9/x")
						    : strstr(out, "\xc3\xa9/x"));
	json_object_put(a);
	json_object_put(b);
	free(out);
}

Test(shim, idempotent)
{
	const char *in = "{\"ociVersion\":\"1.0.2\"}";
	struct shim_hook h = test_hook(NULL);
	char *out = NULL, *out2 = (char *)0x1;

	cr_assert_eq(shim_add_hook(in, strlen(in), &h, &out, why, sizeof(why)), 1, "%s", why);
	cr_assert_eq(shim_add_hook(out, strlen(out), &h, &out2, why, sizeof(why)), 0);
	cr_assert_eq(out2, (char *)0x1, "output written when nothing changed");
	cr_assert_not_null(strstr(out, "\"args\":[\"cids-hook\"]"), "%s", out);
	free(out);

	/* our hook at another stage already counts */
	in = "{\"hooks\":{\"prestart\":[{\"path\":\"/usr/local/bin/cids-hook\"}]}}";
	cr_assert_eq(shim_add_hook(in, strlen(in), &h, &out, why, sizeof(why)), 0);
}

Test(shim, prestart_stage)
{
	struct cids_config c;
	struct shim_hook h;
	char *out = NULL;
	const char *in = "{\"hooks\":null}";

	config_default(&c);
	strcpy(c.hook_stage, "prestart");
	shim_hook_from_config(&c, NULL, &h);
	cr_assert_eq(shim_add_hook(in, strlen(in), &h, &out, why, sizeof(why)), 1, "%s", why);
	cr_assert_not_null(
		strstr(out, "\"hooks\":{\"prestart\":[{\"path\":\"/usr/local/bin/cids-hook\""),
		"%s", out);
	free(out);
}

Test(shim, refuses_what_it_cannot_parse)
{
	const char *bad[] = {
		"",
		"{",
		"{\"ociVersion\":\"1.0.2\",}",
		"[]",
		"{\"a\":1} trailing",
		"{\"hooks\":[]}",
		"{\"hooks\":{\"createRuntime\":{}}}",
		"{\"hooks\":{\"prestart\":\"x\"}}",
		"{\"hooks\":{\"poststop\":7}}",
		"{\"hg\":NaN}",
		"{\"a\":[1,{\"b\":-Infinity}]}",
	};
	struct shim_hook h = test_hook(NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *out = NULL;
		cr_assert_lt(shim_add_hook(bad[i], strlen(bad[i]), &h, &out, why, sizeof(why)), 0,
			     "accepted %s", bad[i]);
		cr_assert_null(out);
		cr_assert_not_null(strstr(why, "config.json"), "why: %s", why);
	}
	/* the message says where */
	cr_assert_lt(shim_add_hook("{\"a\":1,,}", 9, &h, NULL, why, sizeof(why)), 0);
	cr_assert_not_null(strstr(why, "invalid JSON at byte"), "%s", why);
}

Test(shim, refuses_integers_it_would_clamp)
{
	const char *bad[] = {
		"{\"a\":18446744073709551616}",
		"{\"a\":-9223372036854775809}",
		"{\"a\":[1,123456789012345678901234567890]}",
	};
	const char *good[] = {
		"{\"a\":18446744073709551615,\"b\":-9223372036854775808}",
		"{\"a\":\"99999999999999999999999\",\"b\":1e400,\"c\":-1.5e-3}",
		"{\"a\\\"99999999999999999999\":\"x\\\\\",\"b\":0}",
	};
	struct shim_hook h = test_hook(NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *out = NULL;
		cr_assert_eq(shim_add_hook(bad[i], strlen(bad[i]), &h, &out, why, sizeof(why)),
			     -ERANGE, "accepted %s", bad[i]);
		cr_assert_not_null(strstr(why, "out of the 64-bit range"));
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char *out = NULL;
		cr_assert_eq(shim_add_hook(good[i], strlen(good[i]), &h, &out, why, sizeof(why)), 1,
			     "refused %s: %s", good[i], why);
		struct json_object *a = jparse(good[i]), *b = jparse(out), *hooks;
		cr_assert(json_object_object_get_ex(b, "hooks", &hooks));
		json_object_object_del(b, "hooks");
		cr_assert(json_object_equal(a, b), "%s -> %s", good[i], out);
		json_object_put(a);
		json_object_put(b);
		free(out);
	}
}

Test(shim, refuses_bad_hook_spec)
{
	struct shim_hook h = test_hook(NULL);
	char *out = NULL;
	h.path = "cids-hook";
	cr_assert_eq(shim_add_hook("{}", 2, &h, &out, why, sizeof(why)), -EINVAL);
	h = test_hook(NULL);
	h.stage = "whenever";
	cr_assert_eq(shim_add_hook("{}", 2, &h, &out, why, sizeof(why)), -EINVAL);
}

Test(shim, size_cap)
{
	size_t n = OCI_CONFIG_MAX + 1;
	char *big = malloc(n);
	struct shim_hook h = test_hook(NULL);
	char *out = NULL;
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	cr_assert_eq(shim_add_hook(big, n, &h, &out, why, sizeof(why)), -E2BIG);
	free(big);
}

/* --- finding the runtime --- */

Test(shim, find_runtime)
{
	char dir[] = "/tmp/cids-test-rt.XXXXXX", path[256], out[CIDS_PATH_MAX], pathenv[512];
	struct cids_config c;
	struct stat st;

	cr_assert_not_null(mkdtemp(dir));
	config_default(&c);
	c.nruntimes = 3;
	strcpy(c.runtimes[0], "nosuchruntime");
	strcpy(c.runtimes[1], "fakerun");
	snprintf(c.runtimes[2], sizeof(c.runtimes[2]), "%s/abs", dir);

	snprintf(pathenv, sizeof(pathenv), "/nonexistent::relative:%s", dir);
	cr_assert_eq(shim_find_runtime(&c, pathenv, 0, 0, out, sizeof(out)), -ENOENT);

	/* not executable: skipped */
	snprintf(path, sizeof(path), "%s/fakerun", dir);
	cr_assert_eq(write_file_atomic(path, "#!/bin/sh\n", 10, 0644), 0);
	cr_assert_eq(shim_find_runtime(&c, pathenv, 0, 0, out, sizeof(out)), -ENOENT);
	chmod(path, 0755);
	cr_assert_eq(shim_find_runtime(&c, pathenv, 0, 0, out, sizeof(out)), 0);
	cr_assert_str_eq(out, path);

	/* ourselves (same inode) is skipped, the next candidate wins */
	cr_assert_eq(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/abs", dir);
	cr_assert_eq(write_file_atomic(path, "#!/bin/sh\n", 10, 0755), 0);
	cr_assert_eq(shim_find_runtime(&c, pathenv, st.st_dev, st.st_ino, out, sizeof(out)), 0);
	cr_assert_str_eq(out, path);

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(shim, cids_config_flag)
{
	struct shim_args a = PARSE("--cids-config=/t/c.json", "--root", "/r", "start", "id");

	cr_assert_str_eq(a.config, "/t/c.json");
	cr_assert_eq(a.config_argi, 1);
	cr_assert_eq(a.config_argn, 1);
	cr_assert_str_eq(a.cmd, "start");
	cr_assert_str_eq(a.root, "/r");
	a = PARSE("--log", "/l", "--cids-config", "/t/c.json", "create", "--bundle", "/b", "id");
	cr_assert_str_eq(a.config, "/t/c.json");
	cr_assert_eq(a.config_argi, 3);
	cr_assert_eq(a.config_argn, 2);
	cr_assert_str_eq(a.cmd, "create");
	cr_assert_str_eq(a.bundle, "/b");
	a = PARSE("state", "id");
	cr_assert_null(a.config);
	struct shim_args b;
	cr_assert_eq(shim_parse_args(ARGC("--cids-config"), ARGV("--cids-config"), &b), -EINVAL);
}
