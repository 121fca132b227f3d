/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ptrace.one_stop: cids-runtime's SCMP_ACT_TRACE rewrite (shim/trace.c) and the hook's check that
 * a filter traces every call it lets run (common/oci_trace.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cids/oci.h"
#include "shim.h"

static bool all_traced(const char *text)
{
	struct json_object *root = json_tokener_parse(text);
	bool r;

	cr_assert_not_null(root, "%s", text);
	r = oci_seccomp_all_traced(root);
	json_object_put(root);
	return r;
}

/* The action of the first rule naming name, "" for none. */
static const char *action_of(struct json_object *root, const char *name)
{
	struct json_object *lin, *sc, *rules;

	cr_assert(json_object_object_get_ex(root, "linux", &lin));
	cr_assert(json_object_object_get_ex(lin, "seccomp", &sc));
	cr_assert(json_object_object_get_ex(sc, "syscalls", &rules));
	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		struct json_object *r = json_object_array_get_idx(rules, i), *names, *act;

		json_object_object_get_ex(r, "names", &names);
		json_object_object_get_ex(r, "action", &act);
		for (size_t j = 0; j < json_object_array_length(names); j++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(names, j)),
				   name) == 0)
				return json_object_get_string(act);
	}
	return "";
}

static struct json_object *rewrite(const char *in)
{
	char *out = NULL, why[256] = "";
	struct json_object *root;

	cr_assert_eq(shim_add_trace(in, strlen(in), &out, why, sizeof(why)), 1, "%s", why);
	cr_assert(all_traced(out), "%s", out);
	/* a second create of the bundle leaves it alone */
	{
		char *again = NULL;

		cr_assert_eq(shim_add_trace(out, strlen(out), &again, why, sizeof(why)), 0);
	}
	root = json_tokener_parse(out);
	free(out);
	return root;
}

Test(shim_trace, no_seccomp_at_all_traces_by_default)
{
	struct json_object *root =
		rewrite("{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"]}}");
	struct json_object *lin, *sc, *def;

	json_object_object_get_ex(root, "linux", &lin);
	json_object_object_get_ex(lin, "seccomp", &sc);
	json_object_object_get_ex(sc, "defaultAction", &def);
	cr_assert_str_eq(json_object_get_string(def), "SCMP_ACT_TRACE");
	cr_assert_str_eq(action_of(root, "exit_group"), "SCMP_ACT_ALLOW");
	cr_assert_str_eq(action_of(root, "exit"), "SCMP_ACT_ALLOW");
	json_object_put(root);
}

/* The errnoRet of the first rule naming name, -1 for none. */
static int errno_of(struct json_object *root, const char *name)
{
	struct json_object *lin, *sc, *rules, *e;

	json_object_object_get_ex(root, "linux", &lin);
	json_object_object_get_ex(lin, "seccomp", &sc);
	json_object_object_get_ex(sc, "syscalls", &rules);
	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		struct json_object *r = json_object_array_get_idx(rules, i), *names;

		json_object_object_get_ex(r, "names", &names);
		for (size_t j = 0; j < json_object_array_length(names); j++)
			if (strcmp(json_object_get_string(json_object_array_get_idx(names, j)),
				   name) == 0)
				return json_object_object_get_ex(r, "errnoRet", &e)
					       ? json_object_get_int(e)
					       : -1;
	}
	return -1;
}

Test(shim_trace, allow_list_traces_denials_with_their_errno)
{
	struct json_object *root = rewrite(
		"{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
		"{\"names\":[\"read\",\"exit_group\",\"openat\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		"{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1},"
		"{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
		"\"value\":2114060288,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}}}");

	cr_assert_str_eq(action_of(root, "read"), "SCMP_ACT_TRACE");
	cr_assert_str_eq(action_of(root, "openat"), "SCMP_ACT_TRACE");
	cr_assert_str_eq(action_of(root, "clone"), "SCMP_ACT_TRACE");
	/* the profile's denials: traced, the errno in the data (the monitor fails them with it) */
	cr_assert_str_eq(action_of(root, "ptrace"), "SCMP_ACT_TRACE");
	cr_assert_eq(errno_of(root, "ptrace"), OCI_TRACE_DENY | 1);
	cr_assert_str_eq(action_of(root, "exit_group"), "SCMP_ACT_ALLOW");
	{
		struct json_object *lin, *sc, *v;

		json_object_object_get_ex(root, "linux", &lin);
		json_object_object_get_ex(lin, "seccomp", &sc);
		cr_assert(json_object_object_get_ex(sc, "defaultAction", &v));
		cr_assert_str_eq(json_object_get_string(v), "SCMP_ACT_TRACE");
		cr_assert(json_object_object_get_ex(sc, "defaultErrnoRet", &v));
		cr_assert_eq(json_object_get_int(v), OCI_TRACE_DENY | EPERM);
	}
	json_object_put(root);
}

Test(shim_trace, errnos_the_data_cannot_hold_stay_plain_errno)
{
	struct json_object *root = rewrite(
		"{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		"{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":5000},"
		"{\"names\":[\"umount2\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13}]}}}");

	cr_assert_str_eq(action_of(root, "mount"), "SCMP_ACT_ERRNO");
	cr_assert_eq(errno_of(root, "mount"), 5000);
	cr_assert_str_eq(action_of(root, "umount2"), "SCMP_ACT_TRACE");
	cr_assert_eq(errno_of(root, "umount2"), OCI_TRACE_DENY | 13);
	json_object_put(root);
}

Test(shim_trace, another_listener_is_left_alone)
{
	const char *in = "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
			 "\"listenerPath\":\"/run/x.sock\",\"syscalls\":[]}}}";
	char *out = NULL, why[256];

	cr_assert_eq(shim_add_trace(in, strlen(in), &out, why, sizeof(why)), 0);
	cr_assert_null(out);
	cr_assert_not(all_traced(in));
}

/* What the hook trusts: nothing but a filter under which no call but exit/exit_group runs
 * without a trace stop (a forged or partial one would let calls run unseen under PTRACE_CONT). */
Test(shim_trace, hook_check)
{
	cr_assert_not(all_traced("{}"));
	cr_assert_not(all_traced("{\"linux\":{}}"));
	cr_assert_not(all_traced("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
				 "\"syscalls\":[{\"names\":[\"read\"],\"action\":"
				 "\"SCMP_ACT_TRACE\"}]}}}"));
	cr_assert_not(all_traced("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_TRACE\","
				 "\"syscalls\":[{\"names\":[\"exit\",\"read\"],\"action\":"
				 "\"SCMP_ACT_ALLOW\"}]}}}"));
	cr_assert_not(all_traced("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_TRACE\","
				 "\"syscalls\":[{\"names\":[\"read\"],\"action\":"
				 "\"SCMP_ACT_LOG\"}]}}}"));
	cr_assert_not(all_traced("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\","
				 "\"syscalls\":[{\"names\":[\"read\"],\"action\":"
				 "\"SCMP_ACT_NOTIFY\"}]}}}"));
	/* denies everything, traces nothing: no call would ever be seen */
	cr_assert_not(
		all_traced("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\"}}}"));
	cr_assert(all_traced("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_TRACE\"}}}"));
	cr_assert(all_traced("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\","
			     "\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_TRACE\"},"
			     "{\"names\":[\"exit_group\"],\"action\":\"SCMP_ACT_ALLOW\"}]}}}"));
}
