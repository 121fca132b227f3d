/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The eBPF backend's seccomp guard (ebpf.seccomp_guard): in enforce, a container whose profile is
 * steady gets a seccomp filter that fails with EPERM every call its profile never learned, so
 * such a call never runs; cidsd still sees it at its exit and acts on it as on any anomaly. On a
 * kernel without BPF LSM that is the only prevention the eBPF backend has (its kill comes at the
 * call's exit, after the call ran), and it covers `exec` joiners, which runc and crun give the
 * container's filter before their execve.
 *
 * What the guard lets run: every call the profile learned, the calls enforce never blocks (exit,
 * exit_group, rt_sigreturn, restart_syscall, futex), the low-risk calls when the detection model
 * judges those by their count (detection low_risk_unseen), and the calls the runtime itself makes
 * between loading the filter and the workload's execve (cli/seccomp_export.c's list). The
 * rewrite keeps the container's own profile (the least permissive action wins):
 * - an allow-list (Docker's default: defaultAction ERRNO or KILL): names the profile never
 *   learned leave its ALLOW/LOG rules and fall to its default;
 * - defaultAction ALLOW or LOG (or no linux.seccomp): those names leave its ALLOW/LOG rules too,
 *   and one ERRNO rule lists them with every call libseccomp knows that no rule of the profile
 *   names; a call the profile filters by its arguments with another action keeps the profile's
 *   decision (its conditions, and the default when they do not match).
 * architectures becomes the native one alone: a call of another ABI (i386 int 0x80) is never
 * learned, and matching it by name against x86_64's learned set would let i386 mkdir through
 * wherever mkdir was learned.
 */
#include <errno.h>
#include <limits.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cids/engine.h"
#include "cids/log.h"
#include "cids/oci.h"
#include "cids/profile.h"
#include "cids/runtime_calls.h"
#include "cids/session.h"
#include "cids/util.h"
#include "hook.h"
#include "shim.h"

/* The runtime's own calls under the filter (cids/runtime_calls.h) */
static void allow_runtime_calls(bool privileged, bool allowed[SHIM_GUARD_NR])
{
	for (size_t i = 0; i < cids_nruntime_calls; i++) {
		const struct cids_runtime_call *c = &cids_runtime_calls[i];
		int nr;

		if (c->privileged && !privileged)
			continue;
		nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, c->name);
		if (nr >= 0 && nr < SHIM_GUARD_NR)
			allowed[nr] = true;
	}
}

int shim_guard_allowed(const struct cids_engine *e, bool low_risk, bool allowed[SHIM_GUARD_NR])
{
	const uint64_t *counts = engine_sym_counts(e);
	unsigned n = 0;

	memset(allowed, 0, SHIM_GUARD_NR * sizeof(allowed[0]));
	for (unsigned s = 0; s < CIDS_SYM_OTHER && s < SHIM_GUARD_NR; s++) {
		allowed[s] = counts[s] > 0 || (low_risk && cids_sym_low_risk(s));
		n += counts[s] > 0;
	}
	if (n == 0)
		return -ENODATA;
	for (unsigned nr = 0; nr < SHIM_GUARD_NR; nr++)
		allowed[nr] |= session_never_blocked(nr);
	allow_runtime_calls(false, allowed);
	return 0;
}

/* Is the string name allowed? Names libseccomp does not know on this arch: not ours to judge
 * (a newer call the profile names): left as they are. */
static bool name_allowed(const char *name, const bool allowed[SHIM_GUARD_NR])
{
	int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, name);

	return nr < 0 || nr >= SHIM_GUARD_NR || allowed[nr];
}

static bool lets_run(struct json_object *act)
{
	return shim_json_str_is(act, "SCMP_ACT_ALLOW") || shim_json_str_is(act, "SCMP_ACT_LOG");
}

/* Is name in the names of a rule whose action is not ALLOW/LOG? */
static bool named_otherwise(struct json_object *rules, const char *name)
{
	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		struct json_object *r = json_object_array_get_idx(rules, i), *names, *act;

		if (!json_object_is_type(r, json_type_object) ||
		    !json_object_object_get_ex(r, "names", &names) ||
		    !json_object_is_type(names, json_type_array) ||
		    (json_object_object_get_ex(r, "action", &act) && lets_run(act)))
			continue;
		for (size_t j = 0; j < json_object_array_length(names); j++)
			if (shim_json_str_is(json_object_array_get_idx(names, j), name))
				return true;
	}
	return false;
}

/* Take the names the guard denies out of an ALLOW/LOG rule. */
static int narrow_rule(struct json_object *rule, const bool allowed[SHIM_GUARD_NR])
{
	struct json_object *names, *keep;

	if (!json_object_object_get_ex(rule, "names", &names) ||
	    !json_object_is_type(names, json_type_array))
		return 0;
	keep = json_object_new_array();
	if (!keep)
		return -ENOMEM;
	for (size_t i = 0; i < json_object_array_length(names); i++) {
		struct json_object *v = json_object_array_get_idx(names, i);

		if (!json_object_is_type(v, json_type_string) ||
		    name_allowed(json_object_get_string(v), allowed))
			json_object_array_add(keep, json_object_get(v));
	}
	json_object_object_add(rule, "names", keep);
	return 0;
}

/* Does the container's process keep privileges (noNewPrivileges not true)? */
static bool keeps_privileges(struct json_object *root)
{
	struct json_object *proc, *nnp;

	return !json_object_object_get_ex(root, "process", &proc) ||
	       !json_object_object_get_ex(proc, "noNewPrivileges", &nnp) ||
	       !json_object_is_type(nnp, json_type_boolean) || !json_object_get_boolean(nnp);
}

int shim_add_guard(const char *text, size_t len, bool allowed[SHIM_GUARD_NR], char **ret, char *why,
		   size_t whylen)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *sc, *rules, *def, *kept, *arch;
	bool allow_default;
	int r;

	r = cids_json_parse_object(text, len, OCI_CONFIG_MAX, "config.json", &root, why, whylen);
	if (r < 0)
		return r;
	if (keeps_privileges(root))
		allow_runtime_calls(true, allowed);
	r = shim_seccomp_object(root, &sc, why, whylen);
	if (r < 0)
		return r;
	r = shim_seccomp_default(sc, &def, why, whylen);
	if (r < 0)
		return r;
	allow_default = lets_run(def);
	r = shim_seccomp_rules(sc, &rules, why, whylen);
	if (r < 0)
		return r;

	/* ALLOW/LOG rules lose the names the guard denies; a rule left with none goes */
	kept = json_object_new_array();
	if (!kept)
		return -ENOMEM;
	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		struct json_object *rule = json_object_array_get_idx(rules, i), *act, *names;

		if (json_object_is_type(rule, json_type_object) &&
		    json_object_object_get_ex(rule, "action", &act) && lets_run(act)) {
			r = narrow_rule(rule, allowed);
			if (r < 0) {
				json_object_put(kept);
				return r;
			}
			if (json_object_object_get_ex(rule, "names", &names) &&
			    json_object_is_type(names, json_type_array) &&
			    json_object_array_length(names) == 0)
				continue;
		}
		json_object_array_add(kept, json_object_get(rule));
	}
	json_object_object_add(sc, "syscalls", kept);
	rules = kept;

	if (allow_default) {
		struct json_object *deny = json_object_new_array(), *rule;

		for (int nr = 0; deny && nr < SHIM_GUARD_NR; nr++) {
			_cleanup_free_ char *name =
				seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

			if (name && !allowed[nr] && !named_otherwise(rules, name))
				json_object_array_add(deny, json_object_new_string(name));
		}
		if (deny && json_object_array_length(deny) == 0) {
			json_object_put(deny); /* guarded already (a second create) */
			deny = NULL;
			goto arch;
		}
		rule = json_object_new_object();
		if (!deny || !rule) {
			json_object_put(deny);
			json_object_put(rule);
			return -ENOMEM;
		}
		json_object_object_add(rule, "names", deny);
		json_object_object_add(rule, "action", json_object_new_string("SCMP_ACT_ERRNO"));
		json_object_object_add(rule, "errnoRet", json_object_new_int(EPERM));
		json_object_array_add(rules, rule);
	}
arch:
	arch = json_object_new_array();
	if (!arch)
		return -ENOMEM;
	json_object_array_add(arch, json_object_new_string("SCMP_ARCH_X86_64"));
	json_object_object_add(sc, "architectures", arch);

	return shim_json_out(root, ret);
}

int shim_guard_for_bundle(const struct cids_config *cfg, const char *bundle,
			  bool allowed[SHIM_GUARD_NR], char *why, size_t whylen)
{
	_cleanup_(engine_freep) struct cids_engine *e = NULL;
	struct oci_workload w = {};
	struct oci_state st = {};
	struct session_info info = {};
	struct cids_provenance p;
	const struct cids_detector *d = &cfg->detection;
	char path[PATH_MAX], warn[256], reason[256] = "";
	int r, db;

	/* the bundle as cids-hook will read it (Docker's image identity included): the same key */
	if (oci_bundle_workload(bundle, &w, why, whylen) < 0)
		return 0; /* cids-hook says the same and falls back to the id's key */
	snprintf(st.bundle, sizeof(st.bundle), "%s", bundle);
	r = hook_resolve(cfg, &st, &w, false, &info, warn, sizeof(warn));
	if (r < 0)
		return why_err(why, whylen, 0, "no profile key");
	if (info.mode != CIDS_MODE_ENFORCE)
		return why_err(why, whylen, 0, "mode %s", cids_mode_name(info.mode));
	/* the session acts on a never-learned call at once only under these models */
	if (!(d->flags & CIDS_DET_UNSEEN_CALLS) && d->threshold > 1)
		return why_err(why, whylen, 0, "the detection model judges unseen calls by count");
	r = snprintf(path, sizeof(path), "%s/%s.profile", cfg->store, info.key);
	if (r < 0 || (size_t)r >= sizeof(path))
		return why_err(why, whylen, 0, "store path too long");
	r = profile_load(path, &e, &p, reason, sizeof(reason));
	if (r == -ENOENT) {
		snprintf(path, sizeof(path), "%s/cids.profile", bundle);
		r = profile_load(path, &e, &p, reason, sizeof(reason));
	}
	if (r < 0)
		/* none, or one the session will refuse with its own words */
		return why_err(why, whylen, 0, "profile %s: %s", info.key,
			       r == -ENOENT ? "none yet" : reason);
	if (p.key[0] && strcmp(p.key, info.key) != 0)
		return why_err(why, whylen, 0, "profile %s belongs to another key", path);
	if (!engine_config(e)->start_pad)
		return why_err(why, whylen, 0, "profile %s: the session refuses it", info.key);
	if (engine_config(e)->arch != CIDS_ARCH_X86_64)
		return why_err(why, whylen, 0, "profile %s is not of x86_64 calls", path);
	db = engine_db_index(e, d->algo, d->k);
	if (!(db >= 0 ? engine_db_steady(e, (unsigned)db)->steady : engine_steady(e, NULL, 0)))
		return why_err(why, whylen, 0, "profile %s is not steady yet", info.key);
	r = shim_guard_allowed(e, d->flags & CIDS_DET_LOW_RISK_UNSEEN, allowed);
	if (r < 0)
		return why_err(why, whylen, 0, "profile %s holds no call", info.key);
	snprintf(why, whylen, "profile %s", info.key);
	return 1;
}
