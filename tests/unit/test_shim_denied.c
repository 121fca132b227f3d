/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seccomp backend: the calls the container's own profile denies become NOTIFY, answered by the
 * monitor with the profile's errno (shim/denied.c, common/notify_denied.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <json-c/json.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "cids/notify_proto.h"
#include "shim.h"

static char why[512];

static int nr_of(const char *name)
{
	return seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, name);
}

/* The action the rewritten profile gives name with no argument condition, or "cond" when only
 * rules with conditions name it, or NULL when no rule names it. */
static const char *action_of(struct json_object *rules, const char *name)
{
	const char *found = NULL;

	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		struct json_object *r = json_object_array_get_idx(rules, i), *names, *act, *args;

		cr_assert(json_object_object_get_ex(r, "names", &names));
		cr_assert_gt(json_object_array_length(names), 0, "a rule with no names left");
		for (size_t j = 0; j < json_object_array_length(names); j++) {
			if (strcmp(json_object_get_string(json_object_array_get_idx(names, j)),
				   name) != 0)
				continue;
			cr_assert(json_object_object_get_ex(r, "action", &act));
			if (json_object_object_get_ex(r, "args", &args) &&
			    json_object_array_length(args) > 0) {
				if (!found)
					found = "cond";
				continue;
			}
			cr_assert_null(found && strcmp(found, "cond") != 0 ? found : NULL,
				       "%s named twice without conditions", name);
			found = json_object_get_string(act);
		}
	}
	return found;
}

static struct json_object *rewrite(const char *in, struct notify_denied *d)
{
	char *out = NULL;
	struct json_object *o, *l, *sc, *rules;

	cr_assert_eq(shim_add_notify(in, strlen(in), "/run/cids/notify/x.sock", d, &out, why,
				     sizeof(why)),
		     1, "%s", why);
	o = json_tokener_parse(out);
	free(out);
	cr_assert_not_null(o);
	cr_assert(json_object_object_get_ex(o, "linux", &l));
	cr_assert(json_object_object_get_ex(l, "seccomp", &sc));
	cr_assert(json_object_object_get_ex(sc, "syscalls", &rules));
	json_object_get(rules);
	json_object_put(o);
	return rules;
}

/* Docker's default profile, as dockerd hands it to the runtime (a few of its ALLOW names). */
static const char *docker =
	"{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\","
	"\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],"
	"\"syscalls\":[{\"names\":[\"read\",\"write\",\"openat\",\"exit_group\",\"futex\"],"
	"\"action\":\"SCMP_ACT_ALLOW\"},"
	"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
	"\"value\":8,\"op\":\"SCMP_CMP_EQ\"}]},"
	"{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
	"\"value\":2114060288,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
	"{\"names\":[\"clone3\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38},"
	"{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_KILL\"},"
	"{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
	"\"value\":40,\"op\":\"SCMP_CMP_EQ\"}]}]}}}";

Test(shim_denied, docker_profile)
{
	struct notify_denied d;
	struct json_object *rules = rewrite(docker, &d);

	/* named by no rule: the default's errno (EPERM, defaultErrnoRet unset) */
	cr_assert_eq(d.err[nr_of("unshare")], EPERM);
	cr_assert_eq(d.err[nr_of("mount")], EPERM);
	cr_assert_eq(d.err[nr_of("keyctl")], EPERM);
	cr_assert_str_eq(action_of(rules, "unshare"), "SCMP_ACT_NOTIFY");
	cr_assert_str_eq(action_of(rules, "keyctl"), "SCMP_ACT_NOTIFY");
	/* an unconditional ERRNO rule: its errnoRet, the ERRNO rule gone */
	cr_assert_eq(d.err[nr_of("clone3")], 38);
	cr_assert_str_eq(action_of(rules, "clone3"), "SCMP_ACT_NOTIFY");
	/* allowed for some arguments: stays as it was (NOTIFY for those, the default ERRNO for
	 * the others), not in the table */
	cr_assert_eq(d.err[nr_of("personality")], 0);
	cr_assert_eq(d.err[nr_of("clone")], 0);
	cr_assert_str_eq(action_of(rules, "clone"), "cond");
	/* KILL stays KILL, a conditional ERRNO stays, allowed calls are not denied */
	cr_assert_eq(d.err[nr_of("ptrace")], 0);
	cr_assert_str_eq(action_of(rules, "ptrace"), "SCMP_ACT_KILL");
	cr_assert_eq(d.err[nr_of("socket")], 0);
	cr_assert_str_eq(action_of(rules, "socket"), "cond");
	cr_assert_eq(d.err[nr_of("openat")], 0);
	cr_assert_str_eq(action_of(rules, "openat"), "SCMP_ACT_NOTIFY");
	/* never notified, even where denied */
	cr_assert_eq(d.err[nr_of("write")], 0);
	cr_assert_str_eq(action_of(rules, "write"), "SCMP_ACT_ALLOW");
	cr_assert_eq(d.err[nr_of("nanosleep")], 0);
	cr_assert_null(action_of(rules, "nanosleep"));
	json_object_put(rules);
}

Test(shim_denied, default_errno_ret)
{
	const char *in = "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\","
			 "\"defaultErrnoRet\":38,\"syscalls\":[{\"names\":[\"read\"],"
			 "\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"mount\"],"
			 "\"action\":\"SCMP_ACT_ERRNO\"}]}}}";
	struct notify_denied d;
	struct json_object *rules = rewrite(in, &d);

	cr_assert_eq(d.err[nr_of("unshare")], 38);
	cr_assert_eq(d.err[nr_of("mount")], EPERM, "a rule without errnoRet answers EPERM");
	cr_assert_eq(d.err[nr_of("read")], 0);
	json_object_put(rules);
}

Test(shim_denied, allow_default_with_denials)
{
	const char *in =
		"{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		"{\"names\":[\"unshare\",\"mount\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13},"
		"{\"names\":[\"keyctl\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1},"
		"{\"names\":[\"keyctl\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":2},"
		"{\"names\":[\"kexec_load\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"}]}}}";
	struct notify_denied d;
	struct json_object *rules = rewrite(in, &d);

	cr_assert_eq(d.err[nr_of("unshare")], 13);
	cr_assert_eq(d.err[nr_of("mount")], 13);
	cr_assert_str_eq(action_of(rules, "mount"), "SCMP_ACT_NOTIFY");
	/* two rules that disagree: left to the runtime */
	cr_assert_eq(d.err[nr_of("keyctl")], 0);
	cr_assert_str_eq(action_of(rules, "kexec_load"), "SCMP_ACT_KILL_PROCESS");
	/* the allowed rest is notified, not denied */
	cr_assert_eq(d.err[nr_of("openat")], 0);
	cr_assert_str_eq(action_of(rules, "openat"), "SCMP_ACT_NOTIFY");
	json_object_put(rules);
}

Test(shim_denied, table_round_trip)
{
	struct notify_denied d = {}, e;
	char buf[NOTIFY_NR_MAX * 10];

	d.err[0] = 1;
	d.err[272] = 1;
	d.err[435] = 38;
	d.err[NOTIFY_NR_MAX - 1] = NOTIFY_ERRNO_MAX;
	cr_assert_eq(notify_denied_format(&d, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "0:1,272:1,435:38,1023:4095");
	cr_assert_eq(notify_denied_parse(buf, &e), 0);
	cr_assert_eq(memcmp(&d, &e, sizeof(d)), 0);
	cr_assert_eq(notify_denied_parse("", &e), 0);
	cr_assert_eq(notify_denied_errno(&e, 272), 0);
	cr_assert_eq(notify_denied_format(&d, buf, 10), -ENOSPC);
	/* strict */
	const char *bad[] = {"1024:1", "5:0",	  "5:4096", "5:1,5:2", "5",    "5:",	  ":1",
			     "5:1,",   "5:1;6:1", "-1:1",   "+5:1",    "5:1 ", "000001:1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(notify_denied_parse(bad[i], &e), -EINVAL, "accepted \"%s\"", bad[i]);
}

/* a taken-over denial is notified for every ABI of the profile: another ABI is never let through */
Test(shim_denied, foreign_abi_never_continues)
{
	struct notify_denied d = {};

	d.err[272] = EPERM; /* unshare */
	cr_assert_eq(notify_call_denied(&d, AUDIT_ARCH_X86_64, 272), EPERM);
	cr_assert_eq(notify_call_denied(&d, AUDIT_ARCH_X86_64, 39), 0);
	cr_assert_eq(notify_call_denied(&d, AUDIT_ARCH_I386, 310), ENOSYS);
	cr_assert_eq(notify_call_denied(&d, AUDIT_ARCH_I386, 20), ENOSYS);
	cr_assert_eq(notify_call_denied(&d, AUDIT_ARCH_X86_64, 272 | CIDS_X32_SYSCALL_BIT), ENOSYS);
}
