/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hook/lxc.c: how cids-hook recognises an LXC start-host invocation (hook versions 0 and 1). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

/* The unit build links only the libraries; the LXC entry is one self-contained file. */

#include "cids/macro.h"
#include "cids/util.h"
#include "entry.h"

static const char *lxc_vars[] = {"LXC_HOOK_VERSION", "LXC_HOOK_TYPE", "LXC_HOOK_SECTION",
				 "LXC_NAME",	     "LXC_PID",	      "LXC_CONFIG_FILE",
				 "LXC_ROOTFS_PATH"};

static void clear_env(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(lxc_vars); i++)
		unsetenv(lxc_vars[i]);
}

/* What LXC 5.0 sets for start-host with lxc.hook.version = 1. */
static void v1_env(const char *type, const char *name, const char *pid)
{
	clear_env();
	setenv("LXC_HOOK_VERSION", "1", 1);
	setenv("LXC_HOOK_TYPE", type, 1);
	setenv("LXC_HOOK_SECTION", "lxc", 1);
	setenv("LXC_NAME", name, 1);
	if (pid)
		setenv("LXC_PID", pid, 1);
	setenv("LXC_CONFIG_FILE", "/var/lib/lxc/web1/config", 1);
	setenv("LXC_ROOTFS_PATH", "/var/lib/lxc/web1/rootfs", 1);
}

static int call(int argc, char **argv, struct oci_state *s, char *why)
{
	memset(s, 0x5a, sizeof(*s));
	s->id[0] = 'X';
	s->id[1] = '\0';
	why[0] = '\0';
	return lxc_hook_state(argc, argv, s, why, 512);
}

Test(lxc, not_lxc_without_env_or_args)
{
	struct oci_state s;
	char why[512];
	char *argv[] = {"cids-hook", NULL};
	char *argv2[] = {"cids-hook", "web1", "lxc", "start-host", NULL};

	clear_env();
	cr_assert_eq(call(1, argv, &s, why), 0);
	cr_assert_str_eq(s.id, "X", "state must not be touched");
	/* the v0 argument shape alone (no LXC_NAME, no LXC_HOOK_VERSION) is not LXC */
	cr_assert_eq(call(4, argv2, &s, why), 0);
}

Test(lxc, v1_start_host)
{
	struct oci_state s;
	char why[512];
	char *argv[] = {"cids-hook", "--config", "/etc/cids/t.json", NULL};

	v1_env("start-host", "web1", "4242");
	cr_assert_eq(call(3, argv, &s, why), 1, "why: %s", why);
	cr_assert_str_eq(s.id, "web1");
	cr_assert_eq(s.pid, 4242);
	cr_assert_str_eq(s.bundle, "/var/lib/lxc/web1");
	cr_assert_str_eq(s.ann_profile, "web1");
	cr_assert_str_eq(s.ann_mode, "");
	cr_assert_str_eq(s.status, "created");
}

Test(lxc, v0_args_with_options_before)
{
	struct oci_state s;
	char why[512];
	char *argv[] = {"cids-hook", "--config", "/x.json", "db-2", "lxc", "start-host", NULL};

	clear_env();
	setenv("LXC_HOOK_VERSION", "0", 1);
	setenv("LXC_NAME", "db-2", 1);
	setenv("LXC_PID", "77", 1);
	setenv("LXC_CONFIG_FILE", "/srv/lxc/db-2/config", 1);
	cr_assert_eq(call(6, argv, &s, why), 1, "why: %s", why);
	cr_assert_str_eq(s.id, "db-2");
	cr_assert_eq(s.pid, 77);
	cr_assert_str_eq(s.bundle, "/srv/lxc/db-2");
	cr_assert_str_eq(s.ann_profile, "db-2");
}

Test(lxc, v0_args_without_version_env)
{
	struct oci_state s;
	char why[512];
	char *argv[] = {"cids-hook", "c", "lxc", "start-host", NULL};

	clear_env();
	setenv("LXC_NAME", "c", 1);
	setenv("LXC_PID", "1234", 1);
	cr_assert_eq(call(4, argv, &s, why), 1, "why: %s", why);
	cr_assert_str_eq(s.id, "c");
	cr_assert_str_eq(s.bundle, "", "no LXC_CONFIG_FILE: no bundle copy");
}

Test(lxc, v0_version_without_args_is_error)
{
	struct oci_state s;
	char why[512];
	char *argv[] = {"cids-hook", NULL};

	clear_env();
	setenv("LXC_HOOK_VERSION", "0", 1);
	setenv("LXC_NAME", "c", 1);
	setenv("LXC_PID", "1234", 1);
	cr_assert_eq(call(1, argv, &s, why), -EINVAL);
	cr_assert(strstr(why, "NAME lxc HOOKTYPE"), "why: %s", why);
	cr_assert_str_eq(s.id, "X");
}

Test(lxc, start_inside_container_refused_v1)
{
	struct oci_state s;
	char why[512];
	char *argv[] = {"cids-hook", NULL};

	v1_env("start", "web1", NULL); /* no LXC_PID inside the container */
	cr_assert_eq(call(1, argv, &s, why), -EPERM);
	cr_assert(strstr(why, "lxc.hook.start-host"), "why: %s", why);
	cr_assert(strstr(why, "inside the container"), "why: %s", why);
	cr_assert(strstr(why, "tenant"), "why: %s", why);
	cr_assert(strstr(why, "kill"), "why: %s", why);
	cr_assert_str_eq(s.id, "X");
}

Test(lxc, start_inside_container_refused_v0)
{
	struct oci_state s;
	char why[512];
	char *argv[] = {"/usr/bin/cids-hook", "web1", "lxc", "start", NULL};

	clear_env();
	setenv("LXC_HOOK_VERSION", "0", 1);
	setenv("LXC_NAME", "web1", 1);
	cr_assert_eq(call(4, argv, &s, why), -EPERM);
	cr_assert(strstr(why, "lxc.hook.start-host"), "why: %s", why);
}

Test(lxc, other_hook_types_refused)
{
	static const char *types[] = {"pre-start",   "mount", "autodev", "stop",
				      "post-stop",   "clone", "destroy", "pre-mount",
				      "start-hostx", ""};
	struct oci_state s;
	char why[512];
	char *argv[] = {"cids-hook", NULL};

	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		v1_env(types[i], "web1", "4242");
		if (!*types[i]) {
			/* empty LXC_HOOK_TYPE with version 1 */
			cr_assert_eq(call(1, argv, &s, why), -EINVAL);
			continue;
		}
		cr_assert_eq(call(1, argv, &s, why), -EINVAL, "type %s", types[i]);
		cr_assert(strstr(why, "start-host"), "why: %s", why);
	}
}

Test(lxc, net_section_refused)
{
	struct oci_state s;
	char why[512];
	char *argv[] = {"cids-hook", "veth", "eth0", NULL};

	v1_env("up", "web1", "4242");
	setenv("LXC_HOOK_SECTION", "net", 1);
	cr_assert_eq(call(3, argv, &s, why), -EINVAL);
}

Test(lxc, bad_versions)
{
	struct oci_state s;
	char why[512];
	char *argv[] = {"cids-hook", NULL};

	v1_env("start-host", "web1", "4242");
	setenv("LXC_HOOK_VERSION", "2", 1);
	cr_assert_eq(call(1, argv, &s, why), -EINVAL);
	cr_assert(strstr(why, "LXC_HOOK_VERSION"), "why: %s", why);

	v1_env("start-host", "web1", "4242");
	unsetenv("LXC_HOOK_TYPE");
	cr_assert_eq(call(1, argv, &s, why), -EINVAL);
}

Test(lxc, pid_parsing_is_strict)
{
	static const char *bad[] = {
		"",    "0",    "1",   "-5",	  "+5",	     " 12", "12 ",
		"12a", "0x10", "017", "99999999", "4194305", "1e3", "18446744073709551617"};
	struct oci_state s;
	char why[512];
	char *argv[] = {"cids-hook", NULL};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		v1_env("start-host", "web1", bad[i]);
		cr_assert_eq(call(1, argv, &s, why), -EINVAL, "pid \"%s\" accepted", bad[i]);
		cr_assert(strstr(why, "LXC_PID"), "why: %s", why);
	}
	v1_env("start-host", "web1", NULL);
	cr_assert_eq(call(1, argv, &s, why), -EINVAL);
	cr_assert(strstr(why, "not set"), "why: %s", why);

	v1_env("start-host", "web1", "4194304");
	cr_assert_eq(call(1, argv, &s, why), 1);
	cr_assert_eq(s.pid, 4194304);
	v1_env("start-host", "web1", "2");
	cr_assert_eq(call(1, argv, &s, why), 1);
}

Test(lxc, name_mismatch_refused)
{
	struct oci_state s;
	char why[512];
	char *argv[] = {"cids-hook", "other", "lxc", "start-host", NULL};

	clear_env();
	setenv("LXC_HOOK_VERSION", "0", 1);
	setenv("LXC_NAME", "web1", 1);
	setenv("LXC_PID", "4242", 1);
	cr_assert_eq(call(4, argv, &s, why), -EINVAL);
	cr_assert(strstr(why, "differs"), "why: %s", why);
}

Test(lxc, hostile_names)
{
	static const char *bad[] = {"../etc", "a/b", ".", "..", "x\ny", "tab\there", "del\x7f"};
	struct oci_state s;
	char why[512];
	char *argv[] = {"cids-hook", NULL};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		v1_env("start-host", bad[i], "4242");
		cr_assert_eq(call(1, argv, &s, why), -EINVAL, "name %zu accepted", i);
		/* the message never carries control characters */
		for (const char *p = why; *p; p++)
			cr_assert(*p >= 0x20 && *p < 0x7f, "control char in why: %s", why);
	}
}

Test(lxc, odd_names_get_valid_distinct_keys)
{
	static const char *names[] = {"a b",	     "a_b",  "..foo", "-x", "x;rm -rf",
				      "caf\xc3\xa9", "a..b", "$(id)", "'q'"};
	char keys[ARRAY_SIZE(names)][256];
	struct oci_state s;
	char why[512];
	char *argv[] = {"cids-hook", NULL};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		v1_env("start-host", names[i], "4242");
		cr_assert_eq(call(1, argv, &s, why), 1, "name %s: %s", names[i], why);
		cr_assert_str_eq(s.id, names[i]);
		cr_assert(key_is_valid(s.ann_profile), "key %s", s.ann_profile);
		strcpy(keys[i], s.ann_profile);
		for (size_t j = 0; j < i; j++)
			cr_assert_str_neq(keys[i], keys[j]);
	}
	cr_assert_str_eq(keys[1], "a_b");
	cr_assert_str_neq(keys[0], "a_b");
}

Test(lxc, long_name)
{
	static char name[OCI_ID_MAX + 8];
	struct oci_state s;
	char why[512];
	char *argv[] = {"cids-hook", NULL};

	memset(name, 'n', OCI_ID_MAX - 1);
	name[OCI_ID_MAX - 1] = '\0';
	v1_env("start-host", name, "4242");
	cr_assert_eq(call(1, argv, &s, why), 1, "why: %s", why);
	cr_assert_eq(strlen(s.id), OCI_ID_MAX - 1);
	cr_assert(key_is_valid(s.ann_profile));
	cr_assert(strlen(s.ann_profile) <= 128);

	memset(name, 'n', OCI_ID_MAX);
	name[OCI_ID_MAX] = '\0';
	v1_env("start-host", name, "4242");
	cr_assert_eq(call(1, argv, &s, why), -EINVAL);
	cr_assert(strlen(why) < 200, "the message quotes a bounded excerpt");
}

Test(lxc, config_file_paths)
{
	static const struct {
		const char *conf;
		const char *dir; /* NULL: refused */
	} cases[] = {
		{"/var/lib/lxc/web1/config", "/var/lib/lxc/web1"},
		{"/config", "/"},
		{"//a//b//config", "//a//b"},
		{"/a/b/", NULL},
		{"config", NULL},
		{"./x/config", NULL},
		{"/a/\nb/config", NULL},
	};
	struct oci_state s;
	char why[512];
	char *argv[] = {"cids-hook", NULL};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		v1_env("start-host", "web1", "4242");
		setenv("LXC_CONFIG_FILE", cases[i].conf, 1);
		int r = call(1, argv, &s, why);
		if (cases[i].dir) {
			cr_assert_eq(r, 1, "conf %s: %s", cases[i].conf, why);
			cr_assert_str_eq(s.bundle, cases[i].dir);
		} else {
			cr_assert_lt(r, 0, "conf %zu accepted", i);
			cr_assert(strstr(why, "LXC_CONFIG_FILE"), "why: %s", why);
		}
	}
}

Test(lxc, config_path_too_long_for_profile)
{
	static char path[CIDS_PATH_MAX + 16];
	struct oci_state s;
	char why[512];
	char *argv[] = {"cids-hook", NULL};

	path[0] = '/';
	memset(path + 1, 'd', CIDS_PATH_MAX - 12);
	strcpy(path + CIDS_PATH_MAX - 11, "/config");
	v1_env("start-host", "web1", "4242");
	setenv("LXC_CONFIG_FILE", path, 1);
	/* "<dir>/cids.profile" must fit in CIDS_PATH_MAX */
	cr_assert_eq(call(1, argv, &s, why), -ENAMETOOLONG);
}

Test(lxc, null_state_and_small_why)
{
	char why[4];
	struct oci_state s;
	char *argv[] = {"cids-hook", NULL};

	v1_env("start-host", "web1", "4242");
	cr_assert_eq(lxc_hook_state(1, argv, NULL, why, sizeof(why)), -EINVAL);
	v1_env("start", "web1", NULL);
	cr_assert_eq(lxc_hook_state(1, argv, &s, why, sizeof(why)), -EPERM);
	cr_assert_eq(strlen(why), 3);
	cr_assert_eq(lxc_hook_state(1, argv, &s, NULL, 0), -EPERM);
}
