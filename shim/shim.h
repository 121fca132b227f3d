/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cids-runtime: a runc-compatible wrapper. On create/run it adds cids-hook to the bundle's
 * config.json, then execs the real runtime with the original arguments; everything else passes
 * straight through. The logic lives here (testable, fuzzed); shim/main.c only wires it up.
 */
#ifndef CIDS_SHIM_H
#define CIDS_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include "cids/config.h"
#include "cids/engine.h"
#include "cids/json.h"
#include "cids/log.h"
#include "cids/notify_proto.h"

struct json_object;

#define SHIM_HOOK_ARGS_MAX 8

/* What the runtime's command line says, as far as the wrapper cares. Pointers point into argv. */
struct shim_args {
	int cmd_index;		 /* argv index of the subcommand, -1 when there is none */
	const char *cmd;	 /* "create", "run", "state", ... or NULL */
	const char *bundle;	 /* --bundle / -b of create/run, NULL = working directory */
	const char *log_path;	 /* global --log */
	enum log_format log_fmt; /* global --log-format (text unless "json") */
	const char *root;	 /* global --root */
	bool debug;		 /* global --debug */
	const char *print_key;	 /* --cids-print-key BUNDLE (our own debug command) */
	/* --cids-config PATH (ours, for engines that pass runtime flags but not our environment
	 * to every runtime call: `podman --runtime-flag cids-config=PATH`): argv index and
	 * count (1 or 2) of the words to take out before the real runtime sees them */
	const char *config;
	int config_argi, config_argn;
};

/*
 * Parse runc's command line: global flags (--root X, --log X, --log-format json|text,
 * --systemd-cgroup, --debug, --criu X, --rootless X, ... in "--flag value" and "--flag=value"
 * forms, one or two dashes as Go's flag package accepts), the subcommand, and for create/run the
 * bundle (--bundle X, -b X, --bundle=X). Never fails on flags it does not know (they are the
 * real runtime's business); -EINVAL only when a flag that needs a value is last.
 */
int shim_parse_args(int argc, char **argv, struct shim_args *ret);

/* True for the subcommands that get the hook (create, run). */
bool shim_cmd_adds_hook(const char *cmd);

/* The hook entry to add. */
struct shim_hook {
	const char *path;		      /* absolute path of cids-hook */
	const char *stage;		      /* "createRuntime" or "prestart" */
	const char *args[SHIM_HOOK_ARGS_MAX]; /* argv of the hook, args[0] = "cids-hook" */
	unsigned nargs;
	const char *env[4]; /* "NAME=value" entries, may be empty */
	unsigned nenv;
	int timeout; /* seconds, 0 = none */
};

/* Fill h from the configuration; config_path non-NULL adds "--config <config_path>". */
void shim_hook_from_config(const struct cids_config *c, const char *config_path,
			   struct shim_hook *h);

/* root as compact JSON text in *ret (malloc'd): 1, or -ENOMEM. */
int shim_json_out(struct json_object *root, char **ret);
/*
 * Add h to the OCI config.json text at h->stage, keeping every other field and hook. Returns 1
 * and the new text in *ret (malloc'ed) when the hook was added, 0 when a hook with the same path
 * already is in any stage (nothing to do, *ret untouched), -errno with why on a config.json that
 * cannot be parsed or whose "hooks" have the wrong shape.
 */
int shim_add_hook(const char *text, size_t len, const struct shim_hook *h, char **ret, char *why,
		  size_t whylen);

/*
 * The real runtime: the first of c->runtimes that exists and is executable and is not this
 * program (self = /proc/self/exe's device and inode; pass 0/0 to skip that check). Names are
 * looked up in path_env (PATH; default when NULL). Writes the path into out.
 */
int shim_find_runtime(const struct cids_config *c, const char *path_env, dev_t self_dev,
		      ino_t self_ino, char *out, size_t outlen);

/*
 * seccomp backend (shim/notify.c): make config.json's linux.seccomp notify every call its
 * profile allows, but the calls that must never wait for cids (write, exit, exit_group,
 * rt_sigreturn, restart_syscall), with listenerPath = listener. The calls the profile denies
 * whatever their arguments become notified too; *denied (may be NULL) gets their errnos, which
 * the monitor must answer them with. 1 and *ret as shim_add_hook, 0 when listenerPath already
 * is listener, -EBUSY when it names another agent.
 */
int shim_add_notify(const char *text, size_t len, const char *listener,
		    struct notify_denied *denied, char **ret, char *why, size_t whylen);
/* Never notified (shim/notify.c's list). */
bool shim_notify_exempt(const char *name);
/* shim/denied.c: in sc (linux.seccomp) with its syscalls array rules, turn the calls the profile
 * denies with a fixed errno into NOTIFY rules; *ret (may be NULL) gets the table. Returns the
 * number of NOTIFY rules added (one per errno) or -ENOMEM. */
int shim_notify_denied(struct json_object *sc, struct json_object *rules,
		       struct notify_denied *ret);
/* Is o the JSON string s (an action name)? */
static inline bool shim_json_str_is(struct json_object *o, const char *s)
{
	return o && json_object_is_type(o, json_type_string) &&
	       strcmp(json_object_get_string(o), s) == 0;
}
/* config.json root's "linux.seccomp" object in *ret, made (defaultAction allow) when absent or
 * null (shim/notify.c); -EINVAL with why when it or "linux" is not an object. */
int shim_seccomp_object(struct json_object *root, struct json_object **ret, char *why,
			size_t whylen);
/* linux.seccomp's "defaultAction" in *ret (shim/notify.c); -EINVAL with why when it is absent
 * or not a string. */
int shim_seccomp_default(struct json_object *sc, struct json_object **ret, char *why,
			 size_t whylen);
/* linux.seccomp's "syscalls" array in *ret, added empty when absent or null (shim/notify.c);
 * -EINVAL with why when it is not an array. */
int shim_seccomp_rules(struct json_object *sc, struct json_object **ret, char *why, size_t whylen);
/* ptrace backend with ptrace.one_stop (shim/trace.c): make config.json's linux.seccomp trace
 * (SCMP_ACT_TRACE) every call it lets run but exit and exit_group. 1 with *ret (malloc'd), 0 when
 * there is nothing to do (traced already, or another agent's listener), -errno with why. */
int shim_add_trace(const char *text, size_t len, char **ret, char *why, size_t whylen);

/* eBPF backend with ebpf.seccomp_guard (shim/guard.c): calls by x86_64 number */
#define SHIM_GUARD_NR CIDS_SYM_OTHER
struct cids_engine;
/* What the guard lets run for profile e: learned calls, the calls enforce never blocks, the
 * runtime's own, and low-risk calls when low_risk. -ENODATA when e learned none. */
int shim_guard_allowed(const struct cids_engine *e, bool low_risk, bool allowed[SHIM_GUARD_NR]);
/* Does the container of bundle get the guard? Its config.json is read as cids-hook reads it
 * (the same key). 1 with allowed filled when its resolved mode is enforce, its profile (store
 * copy, else bundle copy) is steady and the detection model acts on a never-learned call at
 * once; 0 with the reason in why otherwise. */
int shim_guard_for_bundle(const struct cids_config *cfg, const char *bundle,
			  bool allowed[SHIM_GUARD_NR], char *why, size_t whylen);
/* Rewrite config.json's linux.seccomp so that every call not in allowed fails with EPERM, the
 * container's own profile kept (shim/guard.c). allowed gains the runtime's privilege-dropping
 * calls when the process has noNewPrivileges false (the filter is loaded before them). 1 with
 * *ret (malloc'd), -errno with why. */
int shim_add_guard(const char *text, size_t len, bool allowed[SHIM_GUARD_NR], char **ret, char *why,
		   size_t whylen);

#endif
