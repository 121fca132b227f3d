/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What cids-runtime does for the ptrace backend's one-stop mode (ptrace.one_stop): config.json's
 * linux.seccomp keeps the container's own profile, with every call it lets run (SCMP_ACT_ALLOW,
 * SCMP_ACT_LOG) turned into SCMP_ACT_TRACE but exit and exit_group (common/oci_trace.c): the
 * monitor sets PTRACE_O_TRACESECCOMP and stops once per call, at the filter.
 * - a profile with defaultAction ALLOW or LOG (or none at all): the default becomes TRACE, so a
 *   call no rule names (one libseccomp does not know included) is traced; its ALLOW rules too;
 * - an allow-list (Docker's default: defaultAction ERRNO): its ALLOW rules become TRACE.
 * What the profile denies with an errno (SCMP_ACT_ERRNO rules, with or without argument
 * conditions, and an ERRNO default) becomes TRACE too, with the errno in the rule's data
 * (OCI_TRACE_DENY | errno): the monitor judges the call and then fails it with that errno, so
 * the profile's decision stands and the call is seen (ERRNO would win over TRACE and hide it).
 * KILL, TRAP and errnos beyond OCI_TRACE_ERRNO are left as they are (not seen).
 * A filter with a listener (another agent's SCMP_ACT_NOTIFY) is left alone: two-stop mode.
 */
#include <errno.h>
#include <string.h>

#include "cids/json.h"
#include "cids/log.h"
#include "cids/oci.h"
#include "cids/util.h"
#include "shim.h"

#define TRACE "SCMP_ACT_TRACE"
#define ALLOW "SCMP_ACT_ALLOW"
#define ERRNO "SCMP_ACT_ERRNO"

/* A denial the monitor carries out: TRACE with the errno (errnoKey, EPERM when unset) in its
 * data. False (left alone) for an errno the data cannot hold. */
static bool trace_denial(struct json_object *o, const char *act_key, const char *errno_key)
{
	struct json_object *v;
	int64_t e = EPERM;

	if (json_object_object_get_ex(o, errno_key, &v) &&
	    !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_int))
			return false;
		e = json_object_get_int64(v);
	}
	if (e <= 0 || e > OCI_TRACE_ERRNO)
		return false;
	json_object_object_add(o, act_key, json_object_new_string(TRACE));
	json_object_object_add(o, errno_key, json_object_new_int((int)(OCI_TRACE_DENY | e)));
	return true;
}

/* An ALLOW (LOG) rule becomes TRACE; its exempt names move to a copy that stays ALLOW. */
static int trace_rule(struct json_object *rule, struct json_object *extra)
{
	struct json_object *names, *keep, *exempted, *copy = NULL;

	if (!json_object_object_get_ex(rule, "names", &names) ||
	    !json_object_is_type(names, json_type_array))
		return 0;
	keep = json_object_new_array();
	exempted = json_object_new_array();
	if (!keep || !exempted)
		goto nomem;
	for (size_t i = 0; i < json_object_array_length(names); i++) {
		struct json_object *v = json_object_array_get_idx(names, i);
		bool ex = json_object_is_type(v, json_type_string) &&
			  oci_trace_exempt(json_object_get_string(v));

		json_object_array_add(ex ? exempted : keep, json_object_get(v));
	}
	if (json_object_array_length(exempted) > 0) {
		if (json_object_deep_copy(rule, &copy, NULL) < 0 || !copy)
			goto nomem;
		json_object_object_add(copy, "names", exempted);
		json_object_object_add(copy, "action", json_object_new_string(ALLOW));
		json_object_array_add(extra, copy);
	} else {
		json_object_put(exempted);
	}
	json_object_object_add(rule, "names", keep);
	if (json_object_array_length(keep) > 0)
		json_object_object_add(rule, "action", json_object_new_string(TRACE));
	return 0;
nomem:
	json_object_put(keep);
	json_object_put(exempted);
	return -ENOMEM;
}

int shim_add_trace(const char *text, size_t len, char **ret, char *why, size_t whylen)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *sc, *rules, *def, *extra, *ex;
	int r;

	r = cids_json_parse_object(text, len, OCI_CONFIG_MAX, "config.json", &root, why, whylen);
	if (r < 0)
		return r;
	if (oci_seccomp_all_traced(root))
		return 0; /* ours already (a second create of the bundle) */
	r = shim_seccomp_object(root, &sc, why, whylen);
	if (r < 0)
		return r;
	if (json_object_object_get_ex(sc, "listenerPath", &def)) {
		log_warn("config.json has a seccomp listener (another agent): ptrace.one_stop "
			 "left off, the monitor stops twice per call");
		return 0;
	}
	r = shim_seccomp_default(sc, &def, why, whylen);
	if (r < 0)
		return r;
	r = shim_seccomp_rules(sc, &rules, why, whylen);
	if (r < 0)
		return r;
	extra = json_object_new_array();
	if (!extra)
		return -ENOMEM;
	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		struct json_object *rule = json_object_array_get_idx(rules, i), *act;

		if (!json_object_is_type(rule, json_type_object) ||
		    !json_object_object_get_ex(rule, "action", &act))
			continue;
		if (shim_json_str_is(act, ERRNO)) {
			(void)trace_denial(rule, "action", "errnoRet");
			continue;
		}
		if (!(shim_json_str_is(act, ALLOW) || shim_json_str_is(act, "SCMP_ACT_LOG")))
			continue;
		r = trace_rule(rule, extra);
		if (r < 0) {
			json_object_put(extra);
			return r;
		}
	}
	if (shim_json_str_is(def, ERRNO))
		(void)trace_denial(sc, "defaultAction", "defaultErrnoRet");
	if (shim_json_str_is(def, ALLOW) || shim_json_str_is(def, "SCMP_ACT_LOG")) {
		json_object_object_add(sc, "defaultAction", json_object_new_string(TRACE));
		ex = json_object_new_object();
		if (ex) {
			struct json_object *names = json_object_new_array();

			json_object_array_add(names, json_object_new_string("exit"));
			json_object_array_add(names, json_object_new_string("exit_group"));
			json_object_object_add(ex, "names", names);
			json_object_object_add(ex, "action", json_object_new_string(ALLOW));
			json_object_array_add(extra, ex);
		}
	}
	for (size_t i = 0; i < json_object_array_length(extra); i++)
		json_object_array_add(rules, json_object_get(json_object_array_get_idx(extra, i)));
	json_object_put(extra);
	return shim_json_out(root, ret);
}
