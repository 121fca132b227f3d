/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp backend: the calls the container's own profile denies, seen by cids. The least
 * permissive filter wins, so a call the profile answers SCMP_ACT_ERRNO never reaches a NOTIFY
 * rule. Where the profile's decision does not depend on the arguments, cids can own it without
 * changing it: such a call becomes SCMP_ACT_NOTIFY and cids-notify answers it with the same
 * errno after judging it (struct notify_denied). The calls taken over:
 * - calls no rule names, under defaultAction SCMP_ACT_ERRNO (defaultErrnoRet, EPERM when unset);
 * - calls that only unconditional SCMP_ACT_ERRNO rules name, all with the same errno (errnoRet,
 *   EPERM when unset).
 * Left as they are: a call any other rule names (ALLOW/NOTIFY with argument conditions, such as
 * Docker's clone and personality: the arguments those rules do not allow fall to the default
 * action, which must stay a plain ERRNO since a NOTIFY default is refused by runc 1.1 and a
 * decision on arguments would need a second, complementary rule set); ERRNO rules with argument
 * conditions; KILL, TRAP, TRACE and LOG rules and defaults; the calls shim/notify.c never
 * notifies (write, the exit calls...).
 */
#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "cids/macro.h"
#include "cids/util.h"
#include "cids/json.h"
#include "shim.h"

#define ERRNO_ACT "SCMP_ACT_ERRNO"

static bool is_str(struct json_object *o, const char *s)
{
	return o && json_object_is_type(o, json_type_string) &&
	       strcmp(json_object_get_string(o), s) == 0;
}

/* errnoRet (or defaultErrnoRet) of o: EPERM when absent, 0 when out of range. */
static int errno_of(struct json_object *o, const char *key)
{
	struct json_object *v;
	int64_t e;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return EPERM;
	if (!json_object_is_type(v, json_type_int))
		return 0;
	e = json_object_get_int64(v);
	return e > 0 && e <= NOTIFY_ERRNO_MAX ? (int)e : 0;
}

static bool rule_names(struct json_object *rule, const char *name)
{
	struct json_object *names;

	if (!json_object_object_get_ex(rule, "names", &names) ||
	    !json_object_is_type(names, json_type_array))
		return false;
	for (size_t j = 0; j < json_object_array_length(names); j++)
		if (is_str(json_object_array_get_idx(names, j), name))
			return true;
	return false;
}

/* The errno the profile always answers name with, 0 when that is not decided on numbers only. */
static int fixed_errno(struct json_object *rules, const char *name, int default_errno)
{
	size_t n = json_object_array_length(rules);
	int e = 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(rules, i), *act, *args;
		int re;

		if (!json_object_is_type(r, json_type_object) || !rule_names(r, name))
			continue;
		if (!json_object_object_get_ex(r, "action", &act) || !is_str(act, ERRNO_ACT))
			return 0;
		if (json_object_object_get_ex(r, "args", &args) &&
		    !json_object_is_type(args, json_type_null) &&
		    (!json_object_is_type(args, json_type_array) ||
		     json_object_array_length(args) > 0))
			return 0;
		re = errno_of(r, "errnoRet");
		if (!re || (e && re != e))
			return 0;
		e = re;
	}
	return e ? e : default_errno;
}

/* Drop the taken-over names from the ERRNO rules (a rule left with none goes). */
static void drop_taken(struct json_object *rules, const struct notify_denied *d)
{
	for (size_t i = json_object_array_length(rules); i-- > 0;) {
		struct json_object *r = json_object_array_get_idx(rules, i), *act, *names;

		if (!json_object_is_type(r, json_type_object) ||
		    !json_object_object_get_ex(r, "action", &act) || !is_str(act, ERRNO_ACT) ||
		    !json_object_object_get_ex(r, "names", &names) ||
		    !json_object_is_type(names, json_type_array))
			continue;
		for (size_t j = json_object_array_length(names); j-- > 0;) {
			struct json_object *v = json_object_array_get_idx(names, j);
			int nr;

			if (!json_object_is_type(v, json_type_string))
				continue;
			nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE,
							       json_object_get_string(v));
			if (notify_denied_errno(d, nr))
				json_object_array_del_idx(names, j, 1);
		}
		if (json_object_array_length(names) == 0)
			json_object_array_del_idx(rules, i, 1);
	}
}

int shim_notify_denied(struct json_object *sc, struct json_object *rules, struct notify_denied *ret)
{
	struct json_object *def;
	struct notify_denied d = {};
	int default_errno = 0, errs[NOTIFY_NR_MAX] = {0}, nerrs = 0;

	if (json_object_object_get_ex(sc, "defaultAction", &def) && is_str(def, ERRNO_ACT))
		default_errno = errno_of(sc, "defaultErrnoRet");
	for (int nr = 0; nr < NOTIFY_NR_MAX; nr++) {
		_cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

		if (name && !shim_notify_exempt(name))
			d.err[nr] = (uint16_t)fixed_errno(rules, name, default_errno);
	}
	drop_taken(rules, &d);
	/* one NOTIFY rule per errno (the errno itself is the monitor's to answer) */
	for (int nr = 0; nr < NOTIFY_NR_MAX; nr++) {
		bool seen = false;

		for (int i = 0; i < nerrs && !seen; i++)
			seen = errs[i] == d.err[nr];
		if (d.err[nr] && !seen)
			errs[nerrs++] = d.err[nr];
	}
	for (int i = 0; i < nerrs; i++) {
		struct json_object *rule = json_object_new_object(),
				   *names = json_object_new_array();

		if (!rule || !names) {
			json_object_put(rule);
			json_object_put(names);
			return -ENOMEM;
		}
		for (int nr = 0; nr < NOTIFY_NR_MAX; nr++) {
			_cleanup_free_ char *name =
				d.err[nr] == errs[i]
					? seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr)
					: NULL;

			if (name)
				json_object_array_add(names, json_object_new_string(name));
		}
		json_object_object_add(rule, "names", names);
		json_object_object_add(rule, "action", json_object_new_string("SCMP_ACT_NOTIFY"));
		json_object_array_add(rules, rule);
	}
	if (ret)
		*ret = d;
	return nerrs;
}
