/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cids-runtime: register in daemon.json as {"runtimes": {"cids": {"path": ".../cids-runtime"}}}.
 * Invoked with runc's arguments. create/run: add cids-hook to <bundle>/config.json, then exec
 * the real runtime with the original arguments. Anything else: exec the real runtime at once,
 * touching no file but our configuration. Never writes to stdout (the runtime's stdout belongs to
 * its caller); diagnostics go to the runtime's --log file in its --log-format, else stderr.
 *
 * Configuration: --cids-config PATH (a global flag of ours, taken out before the real runtime
 * sees the arguments: Podman runs `start`, `kill`, `delete` with an environment of its own, so
 * `podman --runtime-flag cids-config=PATH` is how a test's configuration reaches every call),
 * else $CIDS_CONFIG, else /etc/cids/config.json (dockerd passes only runc's arguments).
 * One debug command of our own: `cids-runtime --cids-print-key BUNDLE` prints the profile key
 * the workload in BUNDLE derives (the key two runs of one image and command share).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cids/config.h"
#include "cids/log.h"
#include "cids/notify_proto.h"
#include "cids/oci.h"
#include "cids/util.h"
#include "cids/json.h"
#include "shim.h"

/* If the configuration is broken we cannot trust its on_error; read just that key if we can. */
static enum cids_on_error on_error_of_broken_config(const char *path)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *v;
	size_t len;

	if (read_full_file(path, CIDS_CONFIG_MAX, &text, &len) < 0)
		return CIDS_ONERR_ALLOW;
	if (cids_json_parse(text, len, "config", &root, NULL, 0) < 0)
		return CIDS_ONERR_ALLOW;
	if (json_object_is_type(root, json_type_object) &&
	    json_object_object_get_ex(root, "on_error", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), "deny") == 0)
		return CIDS_ONERR_DENY;
	return CIDS_ONERR_ALLOW;
}

/* The real runtime with the original arguments, less our own --cids-config. */
static _noreturn_ void exec_runtime(const char *runtime, const struct shim_args *a, int argc,
				    char **argv)
{
	_cleanup_free_ char **nargv = calloc((size_t)argc + 1, sizeof(char *));
	int n = 1;

	if (!nargv) {
		log_error("Out of memory");
		_exit(1);
	}
	nargv[0] = (char *)runtime;
	for (int i = 1; i < argc; i++)
		if (!a->config || i < a->config_argi || i >= a->config_argi + a->config_argn)
			nargv[n++] = argv[i];
	execv(runtime, nargv);
	log_error_errno(errno, "Cannot execute the real runtime \"%s\"", runtime);
	_exit(127);
}

static int open_log(const struct shim_args *a)
{
	const char *p = a->log_path;

	if (!p || !*p)
		return -1;
	/* crun also takes "file:PATH", "journald:..." and "syslog:...": only files are ours. */
	if (strncmp(p, "file:", 5) == 0)
		p += 5;
	else if (strncmp(p, "journald:", 9) == 0 || strncmp(p, "syslog:", 7) == 0)
		return -1;
	/* As runc opens it: append, create 0644. */
	return open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
}

static int print_key(const char *bundle)
{
	struct oci_workload w;
	char why[512], key[136];
	int r;

	r = oci_bundle_workload(bundle, &w, why, sizeof(why));
	if (r < 0)
		return log_error("%s", why), 1;
	oci_workload_key(&w, key, sizeof(key));
	printf("%s\n", key);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* seccomp backend: start the bundle's cids-notify monitor, then point config.json's
 * listenerPath at it. 1 with *ret, 0 nothing to do, -errno with why (on_error decides). */
static int add_notify(const struct shim_args *a, const struct cids_config *cfg,
		      const char *config_path, const char *text, size_t len, char **ret, char *why,
		      size_t whylen)
{
	char bundle[PATH_MAX], exe[PATH_MAX], sock[NOTIFY_SOCK_MAX];
	char denied_arg[NOTIFY_NR_MAX * 10];
	struct notify_denied denied = {};
	ssize_t n;
	char *slash;
	int r;

	if (!realpath(a->bundle ? a->bundle : ".", bundle))
		return why_err(why, whylen, -errno, "bundle: %s", strerror(errno));
	r = notify_socket_path(cfg->run_dir, bundle, sock, sizeof(sock));
	if (r < 0)
		return why_err(why, whylen, r, "run_dir \"%.200s\" is too long for a socket",
			       cfg->run_dir);
	/* cids-notify sits beside cids-runtime */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return why_err(why, whylen, -errno, "cannot find cids-notify: %s", strerror(errno));
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash || (size_t)(slash - exe) + sizeof("/cids-notify") > sizeof(exe))
		return why_err(why, whylen, -ENAMETOOLONG, "cannot find cids-notify");
	strcpy(slash, "/cids-notify");
	r = shim_add_notify(text, len, sock, &denied, ret, why, whylen);
	if (r <= 0)
		return r;
	r = notify_denied_format(&denied, denied_arg, sizeof(denied_arg));
	if (r >= 0)
		r = notify_spawn(exe, config_path, sock, denied_arg, false, cfg->log,
				 cfg->hook_timeout_s, why, whylen);
	if (r < 0) {
		free(*ret);
		*ret = NULL;
		return r;
	}
	log_info("Started cids-notify on %s", sock);
	return 1;
}

/* eBPF backend in enforce: the seccomp guard (shim/guard.c). 1 with *ret, 0 when the container
 * does not get it (said in the log), -errno with why. */
static int add_guard(const struct shim_args *a, const struct cids_config *cfg, const char *text,
		     size_t len, char **ret, char *why, size_t whylen)
{
	bool allowed[SHIM_GUARD_NR];
	char bundle[PATH_MAX], reason[512] = "";
	unsigned n = 0;
	int r;

	if (!realpath(a->bundle ? a->bundle : ".", bundle))
		return why_err(why, whylen, -errno, "bundle: %s", strerror(errno));
	r = shim_guard_for_bundle(cfg, bundle, allowed, reason, sizeof(reason));
	if (r <= 0) {
		log_info("ebpf.seccomp_guard: no guard (%s)", reason);
		return 0;
	}
	r = shim_add_guard(text, len, allowed, ret, why, whylen);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < SHIM_GUARD_NR; i++)
		n += allowed[i];
	log_info("ebpf.seccomp_guard: %s: the seccomp filter fails with EPERM every call but "
		 "the %u it lets run",
		 reason, n);
	return 1;
}

/* Add the hook to <bundle>/config.json. 0 on success or nothing to do, -errno with why. */
static int add_hook(const struct shim_args *a, const struct cids_config *cfg,
		    const char *config_path, bool *refuse, char *why, size_t whylen)
{
	_cleanup_free_ char *text = NULL, *out = NULL, *path = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct shim_hook h;
	struct stat st;
	const char *cur;
	char *n = NULL;
	size_t len, curlen;
	int r, q = 0;

	if (asprintf(&path, "%s/config.json", a->bundle ? a->bundle : ".") < 0) {
		path = NULL;
		return -ENOMEM;
	}
	if (access(cfg->hook_path, X_OK) < 0) {
		r = -errno;
		return why_err(why, whylen, r,
			       "cids-hook \"%.400s\" is not executable: %s (runtime.hook)",
			       cfg->hook_path, strerror(-r));
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		return why_err(why, whylen, r, "%.400s: %s", path, strerror(-r));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		return why_err(why, whylen, -EINVAL, "%.400s: not a regular file", path);
	}
	r = read_full_fd(fd, OCI_CONFIG_MAX, &text, &len);
	if (r < 0) {
		*refuse = r == -E2BIG;
		return why_err(why, whylen, r, "%.400s: %s", path,
			       r == -E2BIG ? "larger than the 16 MiB cap" : strerror(-r));
	}
	shim_hook_from_config(cfg, config_path, &h);
	r = shim_add_hook(text, len, &h, &out, why, whylen);
	if (r < 0) {
		char inner[512];

		*refuse = true;
		snprintf(inner, sizeof(inner), "%.500s", why);
		return why_err(why, whylen, r, "%.400s/%.500s", a->bundle ? a->bundle : ".", inner);
	}
	/* the backend's own rewrite of the text so far */
	cur = out ? out : text;
	curlen = out ? strlen(out) : len;
	if (cfg->backend == CIDS_BACKEND_SECCOMP)
		q = add_notify(a, cfg, config_path, cur, curlen, &n, why, whylen);
	else if (cfg->backend == CIDS_BACKEND_PTRACE && cfg->ptrace_one_stop)
		q = shim_add_trace(cur, curlen, &n, why, whylen);
	else if (cfg->backend == CIDS_BACKEND_EBPF && cfg->ebpf_seccomp_guard)
		q = add_guard(a, cfg, cur, curlen, &n, why, whylen);
	if (q < 0)
		return q;
	if (q > 0) {
		free(out);
		out = n;
		r = 1;
		if (cfg->backend == CIDS_BACKEND_PTRACE)
			log_info("ptrace.one_stop: the seccomp filter traces the calls it allows");
	}
	if (r == 0 || !out) {
		log_info("cids-hook already in %s, left as it is", path);
		return 0;
	}
	r = write_file_atomic(path, out, strlen(out), st.st_mode & 07777);
	if (r < 0) {
		return why_err(why, whylen, r, "cannot write %.400s: %s", path, strerror(-r));
	}
	log_info("Added cids-hook (%s) to %s", h.stage, path);
	return 0;
}

int main(int argc, char **argv)
{
	struct shim_args a;
	_cleanup_free_ struct cids_config *cfg = calloc(1, sizeof(*cfg));
	char why[1024], runtime[CIDS_PATH_MAX], abs_cfg[PATH_MAX];
	const char *env_cfg = getenv("CIDS_CONFIG"), *config_path = NULL;
	bool cfg_ok, refuse = false;
	struct stat self;
	int r, logfd = -1;

	log_set_ident("cids-runtime");
	if (!cfg)
		return log_error("Out of memory"), 1;
	/* Unparsable global flags: not ours to judge, but we must still find the runtime. */
	if (shim_parse_args(argc, argv, &a) < 0)
		a = (struct shim_args){.cmd_index = -1};

	if (a.print_key)
		/* cppcheck-suppress memleak ; freed by _cleanup_free_ */
		return print_key(a.print_key);

	if (shim_cmd_adds_hook(a.cmd)) {
		/* create / run: our diagnostics go where the runtime's go. */
		logfd = open_log(&a);
		if (logfd >= 0)
			log_set_fd(logfd, a.log_fmt);
		if (a.debug)
			log_set_level(LOG_LVL_DEBUG);
	} else {
		/* Pass-through: say nothing unless we cannot hand over at all. */
		log_set_level(LOG_LVL_ERROR);
	}

	if (log_get_level() >= LOG_LVL_DEBUG) {
		char line[2048] = "", esc[512];
		size_t o = 0;

		for (int i = 0; i < argc && o < sizeof(line) - 1; i++) {
			json_escape(argv[i], esc, sizeof(esc));
			o += (size_t)snprintf(line + o, sizeof(line) - o, "%s\"%s\"", i ? " " : "",
					      esc);
		}
		log_debug("Invoked as %s", line);
	}

	if (a.config && *a.config)
		env_cfg = a.config; /* --cids-config wins over $CIDS_CONFIG */
	r = config_load(env_cfg && *env_cfg ? env_cfg : NULL, cfg, why, sizeof(why));
	cfg_ok = r >= 0;
	if (!cfg_ok) {
		enum cids_on_error onerr =
			on_error_of_broken_config(env_cfg && *env_cfg ? env_cfg : CIDS_CONFIG_PATH);
		config_default(cfg);
		cfg->on_error = onerr;
	}
	if (env_cfg && *env_cfg)
		config_path = realpath(env_cfg, abs_cfg) ? abs_cfg : env_cfg;

	if (stat("/proc/self/exe", &self) < 0)
		memset(&self, 0, sizeof(self));
	r = shim_find_runtime(cfg, getenv("PATH"), self.st_dev, self.st_ino, runtime,
			      sizeof(runtime));
	if (r < 0) {
		log_error("No real runtime found (runtime.runtimes: tried %u, none executable)",
			  cfg->nruntimes);
		return 1;
	}

	if (!shim_cmd_adds_hook(a.cmd))
		exec_runtime(runtime, &a, argc, argv);

	if (!cfg_ok) {
		if (cfg->on_error == CIDS_ONERR_DENY) {
			log_error("Refusing to %s the container: cids configuration is broken: %s "
				  "(on_error is \"deny\")",
				  a.cmd, why);
			return 1;
		}
		log_error("cids configuration is broken, starting the container without cids "
			  "(on_error \"allow\"): %s",
			  why);
		exec_runtime(runtime, &a, argc, argv);
	}

	r = add_hook(&a, cfg, config_path, &refuse, why, sizeof(why));
	if (r < 0 && refuse) {
		/* A config.json we cannot read is one the runtime should not run blindly. */
		log_error("Refusing to %s the container: %s. Fix the bundle's config.json; cids "
			  "adds its hook only to a config.json it can parse and write back whole.",
			  a.cmd, why);
		return 1;
	}
	if (r < 0) {
		if (cfg->on_error == CIDS_ONERR_DENY) {
			log_error("Refusing to %s the container: %s (on_error is \"deny\")", a.cmd,
				  why);
			return 1;
		}
		log_error("Starting the container without cids (on_error \"allow\"): %s", why);
	}
	exec_runtime(runtime, &a, argc, argv);
}
