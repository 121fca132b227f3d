/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What cids-runtime does for the seccomp backend: a linux.seccomp in config.json whose rules
 * notify cids (SCMP_ACT_NOTIFY) and whose listenerPath is the socket of a cids-notify monitor,
 * and that monitor, started before the real runtime sees the bundle.
 *
 * The rewrite keeps the container's own profile: the least permissive action wins, so every call
 * the profile denies stays denied; every call it allows becomes notified.
 * - a profile with defaultAction SCMP_ACT_ALLOW (or none at all): one NOTIFY rule for every
 *   call libseccomp knows that no rule names, and the profile's ALLOW rules become NOTIFY;
 * - an allow-list (Docker's default: defaultAction ERRNO): its ALLOW rules become NOTIFY.
 * What the profile denies whatever the arguments also becomes NOTIFY, answered by the monitor
 * with the profile's errno (shim/denied.c).
 * Never notified: write (runc 1.1 refuses it, it also carries runc's hand-over of the fd),
 * futex, sched_yield and nanosleep (runc's init is Go: between loading the filter and handing
 * the listener to its parent, its runtime may wait on a futex, after spinning with sched_yield
 * or sleeping with nanosleep (usleep); notified, that call waits for a listener that only the
 * blocked thread's next write would deliver, and the container hangs for ever), exit,
 * exit_group (a dead listener would make them fail: the process could not end), rt_sigreturn,
 * restart_syscall. runc 1.1 refuses NOTIFY as defaultAction: calls are listed.
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cids/macro.h"
#include "cids/oci.h"
#include "cids/util.h"
#include "cids/json.h"
#include "shim.h"

#define NOTIFY	       "SCMP_ACT_NOTIFY"
#define SYSCALL_NR_MAX 1024

static const char *const exempt[] = {
	"write", "futex",      "sched_yield",  "nanosleep",
	"exit",	 "exit_group", "rt_sigreturn", "restart_syscall",
};

bool shim_notify_exempt(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(exempt); i++)
		if (strcmp(name, exempt[i]) == 0)
			return true;
	return false;
}

int shim_seccomp_object(struct json_object *root, struct json_object **ret, char *why,
			size_t whylen)
{
	struct json_object *linux_o, *sc;

	if (!json_object_object_get_ex(root, "linux", &linux_o) ||
	    json_object_is_type(linux_o, json_type_null)) {
		linux_o = json_object_new_object();
		if (!linux_o)
			return -ENOMEM;
		json_object_object_add(root, "linux", linux_o);
	}
	if (!json_object_is_type(linux_o, json_type_object))
		return why_err(why, whylen, -EINVAL, "config.json: \"linux\" must be an object");
	if (!json_object_object_get_ex(linux_o, "seccomp", &sc) ||
	    json_object_is_type(sc, json_type_null)) {
		sc = json_object_new_object();
		if (!sc)
			return -ENOMEM;
		json_object_object_add(sc, "defaultAction",
				       json_object_new_string("SCMP_ACT_ALLOW"));
		json_object_object_add(linux_o, "seccomp", sc);
	}
	if (!json_object_is_type(sc, json_type_object))
		return why_err(why, whylen, -EINVAL,
			       "config.json: \"linux.seccomp\" must be an object");
	*ret = sc;
	return 0;
}

int shim_seccomp_default(struct json_object *sc, struct json_object **ret, char *why, size_t whylen)
{
	if (!json_object_object_get_ex(sc, "defaultAction", ret) ||
	    !json_object_is_type(*ret, json_type_string))
		return why_err(why, whylen, -EINVAL,
			       "config.json: \"linux.seccomp.defaultAction\" must be a string");
	return 0;
}

int shim_seccomp_rules(struct json_object *sc, struct json_object **ret, char *why, size_t whylen)
{
	struct json_object *rules;

	if (!json_object_object_get_ex(sc, "syscalls", &rules) ||
	    json_object_is_type(rules, json_type_null)) {
		rules = json_object_new_array();
		if (!rules)
			return -ENOMEM;
		json_object_object_add(sc, "syscalls", rules);
	}
	if (!json_object_is_type(rules, json_type_array))
		return why_err(why, whylen, -EINVAL,
			       "config.json: \"linux.seccomp.syscalls\" must be an array");
	*ret = rules;
	return 0;
}

/* Is name in any rule's "names"? */
static bool named(struct json_object *rules, const char *name)
{
	size_t n = rules ? json_object_array_length(rules) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(rules, i), *names;

		if (!json_object_is_type(r, json_type_object) ||
		    !json_object_object_get_ex(r, "names", &names) ||
		    !json_object_is_type(names, json_type_array))
			continue;
		for (size_t j = 0; j < json_object_array_length(names); j++)
			if (shim_json_str_is(json_object_array_get_idx(names, j), name))
				return true;
	}
	return false;
}

/* An ALLOW rule becomes NOTIFY; its exempt names move to a copy that stays ALLOW. */
static int convert_rule(struct json_object *rule, struct json_object *extra)
{
	struct json_object *names, *keep, *exempted, *copy = NULL;
	size_t n;

	if (!json_object_object_get_ex(rule, "names", &names) ||
	    !json_object_is_type(names, json_type_array))
		return 0;
	n = json_object_array_length(names);
	keep = json_object_new_array();
	exempted = json_object_new_array();
	if (!keep || !exempted) {
		json_object_put(keep);
		json_object_put(exempted);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(names, i);

		if (json_object_is_type(v, json_type_string) &&
		    shim_notify_exempt(json_object_get_string(v)))
			json_object_array_add(exempted, json_object_get(v));
		else
			json_object_array_add(keep, json_object_get(v));
	}
	if (json_object_array_length(exempted) > 0) {
		if (json_object_deep_copy(rule, &copy, NULL) < 0 || !copy) {
			json_object_put(keep);
			json_object_put(exempted);
			return -ENOMEM;
		}
		json_object_object_add(copy, "names", exempted);
		json_object_array_add(extra, copy);
	} else {
		json_object_put(exempted);
	}
	json_object_object_add(rule, "names", keep);
	if (json_object_array_length(keep) > 0)
		json_object_object_add(rule, "action", json_object_new_string(NOTIFY));
	return 0;
}

int shim_add_notify(const char *text, size_t len, const char *listener,
		    struct notify_denied *denied, char **ret, char *why, size_t whylen)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *sc, *rules, *def, *extra, *all;
	bool allow_default;
	int r;

	r = cids_json_parse_object(text, len, OCI_CONFIG_MAX, "config.json", &root, why, whylen);
	if (r < 0)
		return r;
	r = shim_seccomp_object(root, &sc, why, whylen);
	if (r < 0)
		return r;
	if (json_object_object_get_ex(sc, "listenerPath", &def)) {
		if (shim_json_str_is(def, listener))
			return 0; /* ours already (a second create of the bundle) */
		return why_err(why, whylen, -EBUSY,
			       "config.json already has a seccomp listenerPath (another agent): "
			       "one listener per filter chain");
	}
	r = shim_seccomp_default(sc, &def, why, whylen);
	if (r < 0)
		return r;
	allow_default =
		shim_json_str_is(def, "SCMP_ACT_ALLOW") || shim_json_str_is(def, "SCMP_ACT_LOG");
	r = shim_seccomp_rules(sc, &rules, why, whylen);
	if (r < 0)
		return r;

	extra = json_object_new_array();
	if (!extra)
		return -ENOMEM;
	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		struct json_object *rule = json_object_array_get_idx(rules, i), *act;

		if (!json_object_is_type(rule, json_type_object) ||
		    !json_object_object_get_ex(rule, "action", &act) ||
		    !shim_json_str_is(act, "SCMP_ACT_ALLOW"))
			continue;
		r = convert_rule(rule, extra);
		if (r < 0) {
			json_object_put(extra);
			return r;
		}
	}
	/* what the profile denies on numbers only: NOTIFY too, answered with its errno */
	r = shim_notify_denied(sc, rules, denied);
	if (r < 0) {
		json_object_put(extra);
		return r;
	}
	if (allow_default) {
		all = json_object_new_array();
		for (int nr = 0; all && nr < SYSCALL_NR_MAX; nr++) {
			_cleanup_free_ char *name =
				seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

			if (name && !shim_notify_exempt(name) && !named(rules, name))
				json_object_array_add(all, json_object_new_string(name));
		}
		if (all) {
			struct json_object *rule = json_object_new_object();

			json_object_object_add(rule, "names", all);
			json_object_object_add(rule, "action", json_object_new_string(NOTIFY));
			json_object_array_add(rules, rule);
		}
	}
	for (size_t i = 0; i < json_object_array_length(extra); i++)
		json_object_array_add(rules, json_object_get(json_object_array_get_idx(extra, i)));
	json_object_put(extra);
	json_object_object_add(sc, "listenerPath", json_object_new_string(listener));
	json_object_object_add(sc, "listenerMetadata", json_object_new_string("cids"));

	return shim_json_out(root, ret);
}
