/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cids-hook: an OCI prestart/createRuntime hook (state JSON on stdin) or an LXC start-host hook.
 * Resolves the container's mode and profile key, hands it to the configured backend and exits
 * 0 once it is traced. On failure on_error decides: allow (start untraced, alert + log line,
 * exit 0) or deny (exit 1 with the reason on stderr: the runtime aborts the start).
 */
#include <errno.h>
#include <json-c/json.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cids/alert.h"
#include "cids/cidsd_proto.h"
#include "cids/config.h"
#include "cids/log.h"
#include "cids/session.h"
#include "cids/macro.h"
#include "cids/notify_proto.h"
#include "cids/oci.h"
#include "cids/util.h"
#include "entry.h"
#include "hook.h"
#include "tracer.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: cids-hook [--config PATH] [--check-config] [--debug]\n"
		   "       cids-hook --lxc-seccomp-policy[=CONTAINER-POLICY]\n"
		   "       cids-hook [--config PATH] --lxc-proxy LXCPATH/NAME/config\n"
		   "  Run as an OCI prestart or createRuntime hook (state JSON on stdin) or as an\n"
		   "  LXC lxc.hook.start-host hook. --check-config prints the effective\n"
		   "  configuration and what the chosen backend can do. --lxc-seccomp-policy\n"
		   "  prints the lxc.seccomp.profile an LXC container needs for the seccomp\n"
		   "  backend (=CONTAINER-POLICY: with that policy's denials kept and\n"
		   "  seen); --lxc-proxy the lxc.seccomp.notify.proxy line of that container.\n");
}

/* What cidsd found at start (<run_dir>/cidsd.json): can the kernel deny calls before they run? */
static void ebpf_prevention_note(const struct cids_config *cfg)
{
	char path[CIDS_PATH_MAX + 32];
	struct json_object *st = NULL, *v = NULL, *why = NULL;
	bool block = cfg->action == CIDS_ACT_BLOCK;

	snprintf(path, sizeof(path), "%s/cidsd.json", cfg->run_dir);
	st = json_object_from_file(path);
	if (!st || !json_object_object_get_ex(st, "prevention", &v)) {
		log_info("Note: cidsd is not running (or is older): `cidsd --check` says whether "
			 "the kernel denies anomalous calls before they run (BPF LSM) or cidsd "
			 "kills "
			 "after the call%s",
			 block ? "; enforce.action \"block\" acts as \"kill\" where nothing denies"
			       : "");
	} else if (json_object_get_boolean(v)) {
		log_info(
			"Note: prevention in the kernel (BPF LSM): in enforce, anomalous calls "
			"that "
			"pass an LSM hook (open, mkdir, symlink, connect, exec, fork, mount, kill, "
			"ptrace, setuid...) are denied before they run; other calls are killed "
			"after "
			"the call%s",
			block ? " (enforce.action \"block\" acts as \"kill\" for those)" : "");
	} else {
		(void)json_object_object_get_ex(st, "prevention_why", &why);
		log_info("Note: no prevention in the kernel (%s): in enforce, anomalous processes "
			 "are "
			 "killed after the call%s",
			 why ? json_object_get_string(why) : "BPF LSM unavailable",
			 block ? " (enforce.action \"block\" acts as \"kill\" but for a call that "
				 "failed with EPERM, such as one the seccomp guard denied)"
			       : "");
	}
	json_object_put(st);
}

/* One stop per call when the container's filter traces every call it lets run, whoever wrote it
 * (cids-runtime with ptrace.one_stop): without the monitor's PTRACE_O_TRACESECCOMP each of those
 * calls would fail with ENOSYS. */
static void ptrace_stops(const struct cids_config *cfg, const struct oci_workload *w, bool is_lxc,
			 struct session_info *info)
{
	if (!is_lxc && w->all_traced)
		info->backend = "ptrace1";
	else if (cfg->ptrace_one_stop)
		log_info("Container \"%s\": two stops per call (its seccomp filter does not trace "
			 "every call: started without cids-runtime?)",
			 info->id);
}

static int check_config(const struct cids_config *cfg)
{
	_cleanup_free_ char *json = config_to_json(cfg);

	if (!json)
		return log_error_errno(-ENOMEM, "Cannot print the configuration");
	printf("%s\n", json);
	switch (cfg->backend) {
	case CIDS_BACKEND_EBPF:
		ebpf_prevention_note(cfg);
		if (cfg->ebpf_seccomp_guard)
			log_info(
				"Note: ebpf.seccomp_guard: containers started through cids-runtime "
				"in enforce with a steady profile get a seccomp filter failing "
				"every never-learned call with EPERM before it runs (exec joiners "
				"included); others are acted on at the call's exit");
		log_info("Note: the ebpf backend needs cidsd running on \"%s\"", cfg->socket);
		if (detector_external_ok(&cfg->detection, cfg->learning.seq, CIDS_EBPF_KD_MAX_K,
					 CIDS_EBPF_KD_MAX_FRAME))
			log_info("Note: once a container detects, the kernel judges its calls "
				 "and sends cidsd only anomalous windows");
		else
			log_info("Note: cidsd judges every call in user space: the kernel judges "
				 "only STIDE with window <= %u, frame <= %u and sequence "
				 "\"thread\"",
				 CIDS_EBPF_KD_MAX_K, CIDS_EBPF_KD_MAX_FRAME);
		break;
	case CIDS_BACKEND_SECCOMP:
		log_info("Note: seccomp backend: containers must start through cids-runtime, which "
			 "adds a seccomp filter notifying every call but write, exit, exit_group, "
			 "rt_sigreturn, restart_syscall, futex, sched_yield and nanosleep "
			 "(linux.seccomp.listenerPath) and starts "
			 "one cids-notify monitor per container; calls are judged before they run "
			 "(block: EPERM, kill: SIGKILL first), from the first call after each "
			 "process's execve, exec joiners included");
		log_info("Note: LXC containers: lxc.seccomp.profile = a file holding the output of "
			 "`cids-hook --lxc-seccomp-policy`, lxc.seccomp.notify.proxy = "
			 "unix:%s/notify/lxc-HASH.sock (the line `cids-hook --lxc-proxy "
			 "LXCPATH/NAME/config` prints: keyed on the container's directory) "
			 "and lxc.hook.start-host = cids-hook; cids-hook starts cids-notify "
			 "there and hands it the init's listener, LXC forwards every later call, "
			 "lxc-attach processes included; not notified for LXC besides the above: "
			 "fcntl, close, setsid, sendmsg; if the monitor dies, LXC reconnects to "
			 "the socket, which its watchdog holds: every call let through (on_error "
			 "allow) or the container killed (deny), no restart; start with -F "
			 "(lxc-start -d hangs: LXC opens /dev/null before start-host)",
			 cfg->run_dir);
		log_info("Note: calls the container's own seccomp profile denies whatever their "
			 "arguments are notified too, judged and answered with the profile's "
			 "errno (kill: SIGKILL first); those it denies for some arguments only "
			 "(Docker's clone, personality) stay plain ERRNO, unseen; "
			 "if a monitor dies, its watchdog restarts it up to %u time(s) "
			 "(limits.monitor_restarts), then %s",
			 cfg->monitor_restarts,
			 cfg->on_error == CIDS_ONERR_DENY
				 ? "kills the container (on_error deny)"
				 : "lets every call through unobserved (on_error allow)");
		break;
	default: {
		char why[512] = "";

		log_info("Note: ptrace backend: one monitor per container; learning starts at the "
			 "container's first execve");
		if (cfg->ptrace_one_stop)
			log_info("Note: ptrace.one_stop: containers started through cids-runtime "
				 "get a "
				 "seccomp filter tracing every call it allows but exit and "
				 "exit_group, "
				 "and stop once per call (what their own profile denies with an "
				 "errno "
				 "is traced too, judged, then failed with it; KILL and TRAP rules "
				 "are "
				 "not seen); if a monitor dies %s; containers started otherwise "
				 "stop "
				 "twice per call",
				 cfg->on_error == CIDS_ONERR_DENY
					 ? "the container is killed (on_error deny)"
					 : "every traced call fails with ENOSYS (on_error allow "
					   "cannot "
					   "let them run untraced)");
		else
			log_info("Note: two ptrace stops per call (ptrace.one_stop is off)");
		if (joiner_watch_probe(why, sizeof(why)) == 0)
			log_info("Note: processes joining a container (runc/crun/docker/podman "
				 "exec, "
				 "lxc-attach) are stopped at their exec by a BPF program "
				 "(tp_btf/sched_process_exec) and judged from their first call");
		else
			log_warn("No joiner stop (%s): processes joining a container (exec) are "
				 "found by a scan every 200 ms and run unjudged until then",
				 why);
		break;
	}
	}
	if (cfg->max_kills_per_minute == 0 &&
	    (cfg->action == CIDS_ACT_KILL || cfg->action == CIDS_ACT_KILL_CONTAINER))
		log_warn("enforce.max_kills_per_minute is 0: kills only alert");
	return 0;
}

/* on_error: allow -> alert + log line, exit 0; deny -> reason on stderr, exit 1. A refusal by the
 * host's policy (-EACCES: on_unlearned refuse) is a deny whatever on_error says. */
static int fail_r(const struct cids_config *cfg, const char *id, const char *key, const char *why,
		  int r)
{
	bool policy = r == -EACCES;
	bool deny = policy || cfg->on_error == CIDS_ONERR_DENY;
	char msg[1400];
	struct cids_alert a = {
		.rule = "cids_monitor",
		.priority = "Critical",
		.container_id = id ? id : "",
		.profile_key = key ? key : "",
		.action = deny ? "refused" : "untraced",
		.message = msg,
	};

	snprintf(msg, sizeof(msg), "container %s (%s): %s", deny ? "refused" : "started untraced",
		 policy ? "policy"
		 : deny ? "on_error deny"
			: "on_error allow",
		 why);
	(void)alert_emit(cfg->alerts, cfg->syslog, &a);
	if (deny) {
		log_error("Container \"%s\" refused (%s): %s", id ? id : "?",
			  policy ? "policy" : "on_error deny", why);
		return 1;
	}
	log_warn("Container \"%s\" starts untraced (on_error allow): %s", id ? id : "?", why);
	return 0;
}

/* The OCI state on stdin (capped at OCI_STATE_MAX); logs why it is unusable. */
static int read_state(struct oci_state *st)
{
	_cleanup_free_ char *text = NULL;
	char why[1200] = "";
	size_t len = 0;
	int r;

	r = read_full_fd(STDIN_FILENO, OCI_STATE_MAX, &text, &len);
	if (r < 0)
		return log_error("Cannot read the OCI state on stdin: %s",
				 r == -E2BIG ? "larger than the 1 MiB cap" : strerror(-r)),
		       r;
	r = oci_state_parse(text, len, st, why, sizeof(why));
	if (r < 0)
		return log_error("Invalid OCI state on stdin: %s", why), r;
	return 0;
}

static int fail(const struct cids_config *cfg, const char *id, const char *key, const char *why)
{
	return fail_r(cfg, id, key, why, -EIO);
}

/* --lxc-proxy CONFIG: the lxc.seccomp.notify.proxy line of the container configured there. */
static int print_lxc_proxy(const struct cids_config *cfg, const char *conf)
{
	char path[NOTIFY_SOCK_MAX], why[600];

	if (lxc_proxy_path(cfg->run_dir, conf, path, sizeof(path), why, sizeof(why)) < 0) {
		log_error("%s", why);
		return 1;
	}
	printf("lxc.seccomp.notify.proxy = unix:%s\n", path);
	return 0;
}

/* --lxc-seccomp-policy[=CONTAINER-POLICY] */
static int print_lxc_policy(const char *merge)
{
	char why[800] = "";

	if (lxc_print_seccomp_policy(stdout, merge, why, sizeof(why)) < 0) {
		log_error("%s", why[0] ? why : "Cannot print the policy");
		return 1;
	}
	return 0;
}

static const struct option opts[] = {
	{"config", required_argument, NULL, 'c'},
	{"check-config", no_argument, NULL, 'C'},
	{"debug", no_argument, NULL, 'd'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{"lxc-seccomp-policy", optional_argument, NULL, 'P'},
	{"lxc-proxy", required_argument, NULL, 'X'},
	{},
};

int main(int argc, char **argv)
{
	const char *config_path = NULL, *proxy_for = NULL;
	bool check = false, is_lxc = false;
	struct cids_config cfg;
	struct oci_state st = {};
	struct oci_workload w = {};
	struct session_info info = {};
	char why[1200] = "", warn[256] = "";
	int c, r;

	log_set_ident("cids-hook");
	/* LXC passes "NAME lxc HOOKTYPE" as arguments: look at those before getopt reorders */
	r = lxc_hook_state(argc, argv, &st, why, sizeof(why));
	if (r < 0) {
		/* refused (lxc.hook.start) or an LXC invocation we cannot serve: never fall back
		 * to reading an OCI state that LXC does not send */
		log_error("%s", why[0] ? why : strerror(-r));
		return 1;
	}
	is_lxc = r == 1;

	opterr = 0;
	/* LXC appends "NAME lxc HOOKTYPE" after our own options: "+" stops at NAME */
	while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) >= 0) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'C':
			check = true;
			break;
		case 'd':
			log_set_level(LOG_LVL_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("cids-hook %s\n", CIDS_VERSION);
			return 0;
		case 'P': /* the lxc.seccomp.profile for the seccomp backend [merged] */
			return print_lxc_policy(optarg);
		case 'X': /* the lxc.seccomp.notify.proxy line of a container */
			proxy_for = optarg;
			break;
		default:
			/* runtimes may pass extra args (hook name, stage): ignore them */
			break;
		}
	}

	r = config_load(config_path, &cfg, why, sizeof(why));
	if (r < 0) {
		log_error("Configuration: %s", why[0] ? why : strerror(-r));
		return check ? 2 : 1;
	}
	if (check)
		return check_config(&cfg) < 0 ? 2 : 0;
	if (proxy_for)
		return print_lxc_proxy(&cfg, proxy_for);

	/* no container to allow without a state: a usage error */
	if (!is_lxc && read_state(&st) < 0)
		return 1;
	if (st.pid <= 0)
		return fail(&cfg, st.id, NULL, "the OCI state has no container pid");

	if (!is_lxc && st.bundle[0]) {
		char wwhy[512] = "";

		r = oci_bundle_workload(st.bundle, &w, wwhy, sizeof(wwhy));
		if (r < 0) {
			log_warn("Bundle \"%s\": %s: deriving the key from the container id",
				 st.bundle, wwhy);
			memset(&w, 0, sizeof(w));
		}
	}
	r = hook_resolve(&cfg, &st, w.key_material[0] || w.ann_mode[0] || w.env_mode[0] ? &w : NULL,
			 is_lxc, &info, warn, sizeof(warn));
	if (warn[0])
		log_warn("Container \"%s\": %s", st.id, warn);
	if (r < 0)
		return fail(&cfg, st.id, NULL, "cannot resolve a profile key");

	switch (cfg.backend) {
	case CIDS_BACKEND_PTRACE: {
		double t0 = now_mono();

		ptrace_stops(&cfg, &w, is_lxc, &info);

		r = hook_spawn_monitor(&cfg, &info, why, sizeof(why));
		if (r < 0)
			return fail_r(&cfg, info.id, info.key, why, r);
		log_debug("Container \"%s\" attached in %.1f ms", info.id, (now_mono() - t0) * 1e3);
		return 0;
	}
	case CIDS_BACKEND_EBPF:
		r = ebpf_register(&cfg, &info, why, sizeof(why));
		if (r < 0) {
			if (!why[0])
				snprintf(why, sizeof(why), "cidsd registration failed: %s",
					 strerror(-r));
			return fail_r(&cfg, info.id, info.key, why, r);
		}
		return 0;
	case CIDS_BACKEND_SECCOMP:
		if (is_lxc)
			r = notify_lxc_start(&cfg, config_path, &info, getenv("LXC_CONFIG_FILE"),
					     why, sizeof(why));
		else
			r = notify_register(&cfg, &info, st.bundle, why, sizeof(why));
		if (r < 0)
			return fail_r(&cfg, info.id, info.key, why, r);
		return 0;
	default:
		return fail(&cfg, info.id, info.key, "unknown backend");
	}
}
