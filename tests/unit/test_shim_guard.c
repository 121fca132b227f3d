/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ebpf.seccomp_guard: cids-runtime's rewrite of linux.seccomp that fails every call a steady
 * profile never learned with EPERM, the container's own profile kept (shim/guard.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"

/* x86_64: read 0, write 1, getpid 39, clone 56, exit 60, mkdir 83, exit_group 231 */
static void allow_some(bool allowed[SHIM_GUARD_NR])
{
	memset(allowed, 0, SHIM_GUARD_NR * sizeof(allowed[0]));
	allowed[0] = allowed[1] = allowed[39] = allowed[56] = allowed[60] = allowed[231] = true;
}

static struct json_object *guard(const char *in)
{
	bool allowed[SHIM_GUARD_NR];
	char *out = NULL, why[256] = "";
	struct json_object *root;

	allow_some(allowed);
	cr_assert_eq(shim_add_guard(in, strlen(in), allowed, &out, why, sizeof(why)), 1, "%s", why);
	root = json_tokener_parse(out);
	cr_assert_not_null(root, "%s", out);
	free(out);
	return root;
}

static struct json_object *seccomp_of(struct json_object *root)
{
	struct json_object *lin, *sc;

	cr_assert(json_object_object_get_ex(root, "linux", &lin));
	cr_assert(json_object_object_get_ex(lin, "seccomp", &sc));
	return sc;
}

/* The actions of the rules naming name, joined by spaces ("" for none). */
static const char *actions_of(struct json_object *root, const char *name)
{
	static char buf[256];
	struct json_object *rules, *sc = seccomp_of(root);

	buf[0] = 0;
	cr_assert(json_object_object_get_ex(sc, "syscalls", &rules));
	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		struct json_object *r = json_object_array_get_idx(rules, i), *names, *act;

		json_object_object_get_ex(r, "names", &names);
		json_object_object_get_ex(r, "action", &act);
		for (size_t j = 0; j < json_object_array_length(names); j++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(names, j)),
				   name) == 0)
				snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
					 buf[0] ? " " : "", json_object_get_string(act));
	}
	return buf;
}

static const char *str_at(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

Test(shim_guard, no_profile_denies_every_call_never_learned)
{
	struct json_object *root =
		guard("{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"]}}");
	struct json_object *sc = seccomp_of(root);

	cr_assert_str_eq(str_at(sc, "defaultAction"), "SCMP_ACT_ALLOW");
	cr_assert_str_eq(actions_of(root, "mkdir"), "SCMP_ACT_ERRNO");
	cr_assert_str_eq(actions_of(root, "unshare"), "SCMP_ACT_ERRNO");
	cr_assert_str_eq(actions_of(root, "getpid"), "", "a learned call is left to the default");
	cr_assert_str_eq(actions_of(root, "exit"), "");
	/* the i386 ABI is never learned: only the native architecture is in the filter */
	cr_assert_str_eq(json_object_to_json_string_ext(json_object_object_get(sc, "architectures"),
							JSON_C_TO_STRING_PLAIN),
			 "[\"SCMP_ARCH_X86_64\"]");
	json_object_put(root);
}

Test(shim_guard, allow_list_loses_the_names_never_learned)
{
	/* Docker-like: default ERRNO, an ALLOW list, a conditional ALLOW for clone */
	struct json_object *root = guard(
		"{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":"
		"1,"
		"\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],"
		"\"syscalls\":[{\"names\":[\"getpid\",\"mkdir\",\"read\"],\"action\":\"SCMP_ACT_"
		"ALLOW\"},"
		"{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
		"\"value\":2114060288,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
		"{\"names\":[\"mkdir\",\"symlink\"],\"action\":\"SCMP_ACT_LOG\"},"
		"{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_KILL\"}]}}}");
	struct json_object *sc = seccomp_of(root), *rules;

	cr_assert_str_eq(str_at(sc, "defaultAction"), "SCMP_ACT_ERRNO");
	cr_assert_str_eq(actions_of(root, "getpid"), "SCMP_ACT_ALLOW");
	cr_assert_str_eq(actions_of(root, "read"), "SCMP_ACT_ALLOW");
	cr_assert_str_eq(actions_of(root, "mkdir"), "", "never learned: falls to the default");
	cr_assert_str_eq(actions_of(root, "clone"), "SCMP_ACT_ALLOW", "its conditions are kept");
	cr_assert_str_eq(actions_of(root, "ptrace"), "SCMP_ACT_KILL", "a denial stays");
	cr_assert_str_eq(actions_of(root, "exit_group"), "", "no rule added to an allow-list");
	/* the LOG rule lost all of its names: it is gone */
	json_object_object_get_ex(sc, "syscalls", &rules);
	cr_assert_eq(json_object_array_length(rules), 3);
	json_object_put(root);
}

Test(shim_guard, allow_default_keeps_the_profiles_own_conditions)
{
	struct json_object *root = guard(
		"{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		"{\"names\":[\"unshare\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
		"\"value\":268435456,\"op\":\"SCMP_CMP_MASKED_EQ\",\"valueTwo\":268435456}]},"
		"{\"names\":[\"mkdir\",\"getpid\"],\"action\":\"SCMP_ACT_ALLOW\"}]}}}");

	cr_assert_str_eq(actions_of(root, "unshare"), "SCMP_ACT_ERRNO",
			 "the profile's conditional rule, not one of ours on top of it");
	cr_assert_str_eq(actions_of(root, "getpid"), "SCMP_ACT_ALLOW");
	cr_assert_str_eq(actions_of(root, "mkdir"), "SCMP_ACT_ERRNO");
	cr_assert_str_eq(actions_of(root, "symlink"), "SCMP_ACT_ERRNO");
	json_object_put(root);
}

Test(shim_guard, privilege_drop_calls_run_only_without_no_new_privileges)
{
	/* without noNewPrivileges runc and crun drop privileges under the filter */
	struct json_object *keeps = guard("{\"process\":{\"noNewPrivileges\":false},"
					  "\"linux\":{\"seccomp\":null}}");
	struct json_object *nnp = guard("{\"process\":{\"noNewPrivileges\":true}}");

	cr_assert_str_eq(actions_of(keeps, "setgroups"), "");
	cr_assert_str_eq(actions_of(keeps, "capset"), "");
	cr_assert_str_eq(actions_of(keeps, "mkdir"), "SCMP_ACT_ERRNO");
	cr_assert_str_eq(actions_of(nnp, "setgroups"), "SCMP_ACT_ERRNO");
	cr_assert_str_eq(actions_of(nnp, "capset"), "SCMP_ACT_ERRNO");
	cr_assert_str_eq(actions_of(nnp, "mkdir"), "SCMP_ACT_ERRNO");
	json_object_put(keeps);
	json_object_put(nnp);
}

Test(shim_guard, a_second_create_adds_nothing)
{
	bool allowed[SHIM_GUARD_NR];
	char *once = NULL, *twice = NULL, why[256] = "";
	const char *in = "{\"process\":{}}";

	allow_some(allowed);
	cr_assert_eq(shim_add_guard(in, strlen(in), allowed, &once, why, sizeof(why)), 1);
	cr_assert_eq(shim_add_guard(once, strlen(once), allowed, &twice, why, sizeof(why)), 1);
	cr_assert_str_eq(once, twice);
	free(once);
	free(twice);
}

Test(shim_guard, malformed_seccomp_is_refused)
{
	bool allowed[SHIM_GUARD_NR];
	char *out = NULL, why[256] = "";
	const char *bad[] = {
		"{\"linux\":{\"seccomp\":\"allow\"}}",
		"{\"linux\":{\"seccomp\":{\"syscalls\":[]}}}",
		"{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":{}}}}",
		"{\"linux\":[]}",
		"[1,2]",
	};

	allow_some(allowed);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_lt(
			shim_add_guard(bad[i], strlen(bad[i]), allowed, &out, why, sizeof(why)), 0,
			"%s", bad[i]);
		cr_assert_null(out);
		cr_assert_neq(why[0], 0, "%s: no reason given", bad[i]);
	}
}
