/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lxc_hook_state() under arbitrary LXC_* environments and hook arguments.
 * Input: fields separated by 0x01. Fields 0..6 are the values of LXC_HOOK_VERSION,
 * LXC_HOOK_TYPE, LXC_HOOK_SECTION, LXC_NAME, LXC_PID, LXC_CONFIG_FILE, LXC_ROOTFS_PATH
 * (a field starting with '!' leaves the variable unset); the rest are hook arguments.
 * Checks the invariants the hook relies on when the call succeeds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cids/oci.h"
#include "cids/util.h"
#include "entry.h"

#define NVARS	7
#define MAXARGS 16

static const char *vars[NVARS] = {"LXC_HOOK_VERSION", "LXC_HOOK_TYPE", "LXC_HOOK_SECTION",
				  "LXC_NAME",	      "LXC_PID",       "LXC_CONFIG_FILE",
				  "LXC_ROOTFS_PATH"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *fields[NVARS + MAXARGS];
	char *argv[MAXARGS + 2];
	size_t nf = 0, i;
	struct oci_state s;
	char why[512];
	char *envbuf[NVARS + 1], **saved;
	size_t envp_n;
	int argc = 0, r;

	if (size > 16384)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	fields[nf++] = buf;
	for (i = 0; i < size && nf < NVARS + MAXARGS; i++)
		if (buf[i] == '\x01') {
			buf[i] = '\0';
			fields[nf++] = buf + i + 1;
		}

	/* A private environ for this input (setenv would keep every old value alive). */
	envp_n = 0;
	for (i = 0; i < NVARS; i++) {
		size_t l;

		if (i >= nf || fields[i][0] == '!')
			continue;
		l = strlen(vars[i]) + 1 + strlen(fields[i]) + 1;
		envbuf[envp_n] = malloc(l);
		if (!envbuf[envp_n])
			break;
		snprintf(envbuf[envp_n], l, "%s=%s", vars[i], fields[i]);
		envp_n++;
	}
	envbuf[envp_n] = NULL;
	saved = environ;
	environ = envbuf;
	argv[argc++] = (char *)"cids-hook";
	for (i = NVARS; i < nf; i++)
		argv[argc++] = fields[i];
	argv[argc] = NULL;

	memset(why, 0, sizeof(why));
	r = lxc_hook_state(argc, argv, &s, why, sizeof(why));
	if (r == 1) {
		if (!key_is_valid(s.ann_profile))
			__builtin_trap();
		if (s.pid < 2 || s.id[0] == '\0' || strchr(s.id, '/'))
			__builtin_trap();
		if (s.bundle[0] != '\0' && s.bundle[0] != '/')
			__builtin_trap();
		if (strlen(s.bundle) + sizeof("/cids.profile") > CIDS_PATH_MAX)
			__builtin_trap();
	} else if (r < 0) {
		if (why[0] == '\0' || memchr(why, '\0', sizeof(why)) == NULL)
			__builtin_trap();
		for (const char *p = why; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
				__builtin_trap();
	} else if (r != 0) {
		__builtin_trap();
	}
	environ = saved;
	for (i = 0; i < envp_n; i++)
		free(envbuf[i]);
	free(buf);
	return 0;
}
