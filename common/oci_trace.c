/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ptrace backend's one-stop mode (ptrace.one_stop): which calls a bundle's linux.seccomp
 * leaves outside SCMP_ACT_TRACE, and whether the one it carries traces every call it lets run.
 *
 * shim/trace.c writes such a filter; cids-hook reads the bundle's config.json and runs the
 * monitor in one-stop mode only when oci_seccomp_all_traced() holds, whoever wrote the filter:
 * a call the filter lets run without a trace stop would run unseen under PTRACE_CONT, so an
 * annotation or a partial filter is never trusted.
 */
#include <string.h>

#include "cids/json.h"
#include "cids/macro.h"
#include "cids/oci.h"

/* A dead tracer makes every SCMP_ACT_TRACE call fail with ENOSYS: a process must still be able
 * to end. Nothing else is exempt: rt_sigreturn carries the signal-handler depth, and runc's
 * init is traced before it loads the filter, so its calls up to its execve stop (unjudged). */
static const char *const trace_exempt[] = {"exit", "exit_group"};

bool oci_trace_exempt(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(trace_exempt); i++)
		if (strcmp(name, trace_exempt[i]) == 0)
			return true;
	return false;
}

static bool str_of(struct json_object *o, const char *key, const char **ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return false;
	*ret = json_object_get_string(v);
	return true;
}

/* Actions under which a call runs without a trace stop. */
static bool lets_run(const char *act)
{
	return strcmp(act, "SCMP_ACT_ALLOW") == 0 || strcmp(act, "SCMP_ACT_LOG") == 0 ||
	       strcmp(act, "SCMP_ACT_NOTIFY") == 0;
}

bool oci_seccomp_all_traced(struct json_object *root)
{
	struct json_object *lin, *sc, *rules, *v;
	const char *def = NULL;
	bool traced;
	size_t n;

	if (!json_object_object_get_ex(root, "linux", &lin) ||
	    !json_object_is_type(lin, json_type_object) ||
	    !json_object_object_get_ex(lin, "seccomp", &sc) ||
	    !json_object_is_type(sc, json_type_object) || !str_of(sc, "defaultAction", &def) ||
	    lets_run(def) || json_object_object_get_ex(sc, "listenerPath", &v))
		return false;
	traced = strcmp(def, "SCMP_ACT_TRACE") == 0;
	if (!json_object_object_get_ex(sc, "syscalls", &rules) ||
	    json_object_is_type(rules, json_type_null))
		return traced;
	if (!json_object_is_type(rules, json_type_array))
		return false;
	n = json_object_array_length(rules);
	for (size_t i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(rules, i), *names;
		const char *act;

		if (!json_object_is_type(r, json_type_object) || !str_of(r, "action", &act))
			return false;
		traced |= strcmp(act, "SCMP_ACT_TRACE") == 0;
		if (!lets_run(act))
			continue;
		if (!json_object_object_get_ex(r, "names", &names) ||
		    !json_object_is_type(names, json_type_array))
			return false;
		for (size_t j = 0; j < json_object_array_length(names); j++) {
			struct json_object *nm = json_object_array_get_idx(names, j);

			if (!json_object_is_type(nm, json_type_string) ||
			    !oci_trace_exempt(json_object_get_string(nm)))
				return false;
		}
	}
	return traced;
}
