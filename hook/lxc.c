/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * LXC entry: cids-hook run as lxc.hook.start-host.
 *
 * What LXC (5.0, src/lxc/start.c and utils.c run_script_argv) gives a hook:
 *   - the hook line runs through "/bin/sh -c 'exec <line> [args]'", so the line may carry
 *     options ("lxc.hook.start-host = /usr/local/bin/cids-hook --config /etc/cids/x.json");
 *   - env LXC_NAME, LXC_CONFIG_FILE, LXC_ROOTFS_PATH, LXC_HOOK_VERSION ("0" | "1") for every
 *     hook; LXC_PID (the container's init in the host pid namespace) from start-host on;
 *   - hook version 1: env LXC_HOOK_TYPE ("start-host") and LXC_HOOK_SECTION ("lxc"), no args;
 *   - hook version 0: the trailing arguments "NAME lxc HOOKTYPE".
 * start-host runs on the host after the container's namespaces and cgroups are set up and
 * before its init executes the workload: the same moment as OCI createRuntime.
 *
 * Everything here comes from the environment and the command line, which the host admin
 * controls, not the tenant; still every value is checked and capped before it is used, since
 * the name becomes a file name in the store and the pid a ptrace target.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cids/macro.h"
#include "cids/oci.h"
#include "cids/util.h"
#include "entry.h"

#define LXC_PID_LIMIT 4194304 /* PID_MAX_LIMIT on 64-bit */

/* A copy of s fit for a message: at most 64 printable ASCII characters. */
static const char *printable(const char *s, char *buf, size_t buflen)
{
	size_t i = 0;

	for (; s && *s && i + 4 < buflen && i < 64; s++)
		buf[i++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	if (s && *s && i + 4 < buflen)
		buf[i++] = '.', buf[i++] = '.', buf[i++] = '.';
	buf[i] = '\0';
	return buf;
}

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* Strict decimal pid: digits only, no sign, no spaces, 2..PID_MAX_LIMIT (never the host init). */
static int parse_pid(const char *text, pid_t *ret)
{
	unsigned long v = 0;
	const char *p;

	if (!text || !*text || strlen(text) > 7)
		return -EINVAL;
	for (p = text; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (text[0] == '0' || v < 2 || v > LXC_PID_LIMIT)
		return -EINVAL;
	*ret = (pid_t)v;
	return 0;
}

/* LXC names are directory names under lxcpath: no '/', not "." or "..", printable. */
static bool name_ok(const char *name)
{
	const unsigned char *p;

	if (!name || !*name || strlen(name) >= OCI_ID_MAX)
		return false;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (p = (const unsigned char *)name; *p; p++)
		if (*p == '/' || *p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* Lexical dirname of an absolute file path into out ("/a/b/config" -> "/a/b", "/config" -> "/"). */
static int config_dir(const char *path, char *out, size_t outlen)
{
	size_t n;
	const unsigned char *p;

	if (!path || path[0] != '/')
		return -EINVAL;
	n = strlen(path);
	if (n >= outlen)
		return -ENAMETOOLONG;
	if (path[n - 1] == '/') /* a directory, not a config file */
		return -EINVAL;
	for (p = (const unsigned char *)path; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return -EINVAL;
	while (n > 0 && path[n - 1] != '/') /* last component */
		n--;
	while (n > 1 && path[n - 1] == '/') /* the slashes before it */
		n--;
	memcpy(out, path, n);
	out[n] = '\0';
	return 0;
}

/* Which hook LXC runs and for which container, from LXC_HOOK_VERSION, LXC_HOOK_TYPE, LXC_NAME
 * and (version 0) the arguments: 1 with ret_type and ret_name (NULL if none was given), 0 when
 * LXC did not run us, -EINVAL with the reason in why. */
static int hook_type_name(int argc, char **argv, const char **ret_type, const char **ret_name,
			  char *why, size_t whylen)
{
	const char *version = getenv("LXC_HOOK_VERSION");
	const char *env_type = env_nonempty("LXC_HOOK_TYPE");
	const char *env_name = env_nonempty("LXC_NAME");
	const char *arg_name = NULL, *arg_type = NULL;
	const char *name, *type;
	char b1[80];
	bool v0_args;

	/* Version 0 passes "NAME lxc HOOKTYPE" after whatever the hook line itself carried. */
	v0_args = argc >= 4 && argv && argv[argc - 3] && argv[argc - 2] && argv[argc - 1] &&
		  strcmp(argv[argc - 2], "lxc") == 0;
	if (v0_args) {
		arg_name = argv[argc - 3];
		arg_type = argv[argc - 1];
	}

	if (version && strcmp(version, "0") != 0 && strcmp(version, "1") != 0) {
		(void)why_err(why, whylen, 0,
			      "Unsupported LXC_HOOK_VERSION \"%s\" (cids knows 0 and 1)",
			      printable(version, b1, sizeof(b1)));
		return -EINVAL;
	}

	if (version && strcmp(version, "1") == 0) {
		if (!env_type) {
			(void)why_err(why, whylen, 0,
				      "LXC_HOOK_VERSION is 1 but LXC_HOOK_TYPE is not set");
			return -EINVAL;
		}
		type = env_type;
		name = env_name;
	} else if (version) { /* "0" */
		if (!v0_args) {
			(void)why_err(
				why, whylen, 0,
				"LXC_HOOK_VERSION is 0 but the arguments do not end in \"NAME lxc "
				"HOOKTYPE\"");
			return -EINVAL;
		}
		type = arg_type;
		name = arg_name;
	} else if (env_type) { /* no version: an older LXC or a hand-made environment */
		type = env_type;
		name = env_name;
	} else if (v0_args && env_name) {
		type = arg_type;
		name = arg_name;
	} else {
		return 0; /* not run by LXC */
	}

	*ret_type = type;
	*ret_name = name;
	return 1;
}

int lxc_hook_state(int argc, char **argv, struct oci_state *s, char *why, size_t whylen)
{
	const char *env_section = env_nonempty("LXC_HOOK_SECTION");
	const char *env_name = env_nonempty("LXC_NAME");
	const char *name = NULL, *type = NULL, *pidtext, *conf;
	char b1[80], b2[80];
	struct oci_state st;
	int r;

	if (!s)
		return -EINVAL;
	r = hook_type_name(argc, argv, &type, &name, why, whylen);
	if (r <= 0)
		return r;

	if (name && env_name && strcmp(name, env_name) != 0) {
		(void)why_err(why, whylen, 0,
			      "Container name \"%s\" in the arguments differs from LXC_NAME \"%s\"",
			      printable(name, b1, sizeof(b1)), printable(env_name, b2, sizeof(b2)));
		return -EINVAL;
	}
	if (env_section && strcmp(env_section, "lxc") != 0) {
		(void)why_err(
			why, whylen, 0,
			"cids-hook was run as a \"%s\" hook; it belongs in lxc.hook.start-host",
			printable(env_section, b1, sizeof(b1)));
		return -EINVAL;
	}

	if (strcmp(type, "start") == 0) {
		(void)why_err(
			why, whylen, 0,
			"cids-hook was run as lxc.hook.start, which runs inside the container: "
			"a tracer there is visible to the container's tenant, who can kill it "
			"or read its profile. Use \"lxc.hook.start-host = <path>/cids-hook\" "
			"instead; it runs on the host");
		return -EPERM;
	}
	if (strcmp(type, "start-host") != 0) {
		(void)why_err(
			why, whylen, 0,
			"cids-hook was run as lxc.hook.%s; it only works as lxc.hook.start-host",
			printable(type, b1, sizeof(b1)));
		return -EINVAL;
	}

	if (!name_ok(name)) {
		(void)why_err(why, whylen, 0, "Invalid or missing LXC container name \"%s\"",
			      printable(name, b1, sizeof(b1)));
		return -EINVAL;
	}

	memset(&st, 0, sizeof(st));
	snprintf(st.id, sizeof(st.id), "%s", name);
	snprintf(st.status, sizeof(st.status), "created");

	pidtext = getenv("LXC_PID");
	if (parse_pid(pidtext, &st.pid) < 0) {
		(void)why_err(
			why, whylen, 0, "LXC_PID \"%s\" is %s", printable(pidtext, b1, sizeof(b1)),
			pidtext ? "not a container pid" : "not set (is this lxc.hook.start-host?)");
		return -EINVAL;
	}

	conf = env_nonempty("LXC_CONFIG_FILE");
	if (conf) {
		r = config_dir(conf, st.bundle, sizeof(st.bundle) - sizeof("/cids.profile"));
		if (r < 0) {
			(void)why_err(why, whylen, 0,
				      "LXC_CONFIG_FILE \"%s\" is not a usable absolute path",
				      printable(conf, b1, sizeof(b1)));
			return r;
		}
	}

	r = key_sanitize(name, st.ann_profile, sizeof(st.ann_profile));
	if (r < 0 || !key_is_valid(st.ann_profile)) {
		(void)why_err(why, whylen, 0,
			      "Cannot derive a profile key from container name \"%s\"",
			      printable(name, b1, sizeof(b1)));
		return r < 0 ? r : -EINVAL;
	}

	*s = st;
	return 1;
}
