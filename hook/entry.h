/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How cids-hook learns which container it serves, and how it hands it to a backend. */
#ifndef CIDS_HOOK_ENTRY_H
#define CIDS_HOOK_ENTRY_H

#include <stddef.h>
#include "cids/config.h"
#include "cids/oci.h"
#include "cids/session.h"

/*
 * hook/lxc.c. LXC runs hooks with LXC_NAME, LXC_PID, LXC_CONFIG_FILE, LXC_HOOK_TYPE (version 1)
 * or with arguments "NAME lxc HOOKTYPE" (version 0). Returns 1 and fills *s (id = name, pid =
 * LXC_PID, bundle = directory of LXC_CONFIG_FILE, ann_profile = name as the key) when invoked as
 * start-host; 0 when this is not an LXC invocation; -EPERM with the reason in why when invoked
 * as lxc.hook.start (inside the container, where the tenant could see and kill the tracer).
 * Other -errno with the reason in why when LXC ran it in a way cids cannot serve (another hook
 * type, LXC_PID missing or not a pid, an unusable name or LXC_CONFIG_FILE): the caller should
 * fail too rather than read an OCI state from stdin. argv is main's, before getopt: version 0
 * puts "NAME lxc HOOKTYPE" after whatever options the hook line carried.
 */
int lxc_hook_state(int argc, char **argv, struct oci_state *s, char *why, size_t whylen);

/*
 * hook/ebpf_client.c. Register the container with cidsd over cfg->socket (the daemon checks the
 * peer credentials) and wait for its acknowledgement. -ECONNREFUSED/-ENOENT when the daemon is
 * not running (the caller applies on_error), -EACCES when cidsd's policy refuses the container
 * (on_unlearned refuse: the hook refuses it whatever on_error says), other -errno with why.
 */
int ebpf_register(const struct cids_config *cfg, const struct session_info *info, char *why,
		  size_t whylen);

/*
 * hook/notify_client.c. Register the container with the cids-notify monitor cids-runtime started
 * for its bundle (include/cids/notify_proto.h) and wait for the session to exist. -ENOENT /
 * -ECONNREFUSED when there is no monitor (the container was not started through cids-runtime);
 * the caller applies on_error.
 */
/* hook/lxc.c: the lxc.seccomp.profile the seccomp backend needs (LXC's policy format 2). */
/* hook/lxc_policy.c: the lxc.seccomp.profile for the seccomp backend, merged with the
 * container's own policy file merge when not NULL (-EINVAL with why when it cannot be). */
int lxc_print_seccomp_policy(FILE *f, const char *merge, char *why, size_t whylen);
/* At start-host: the "NR:ERRNO,..." table of the cids policy the container's config conf loads
 * (empty when it has none); -EACCES when that policy replaces another lxc.seccomp.profile of
 * the container without having been merged from it. */
int lxc_policy_denied(const char *conf, char *denied, size_t len, char *why, size_t whylen);
/* The container's proxy socket (cids/notify_proto.h notify_lxc_socket_path) for the container
 * whose LXC config file is conf (its directory resolved): 0, or -errno with why. */
int lxc_proxy_path(const char *run_dir, const char *conf, char *out, size_t outlen, char *why,
		   size_t whylen);
/* LXC under the seccomp backend (at lxc.hook.start-host): start cids-notify --lxc on the
 * container's proxy socket (keyed on the directory of conf, LXC_CONFIG_FILE), register, and
 * hand it the listener taken from the init. */
int notify_lxc_start(const struct cids_config *cfg, const char *config_path,
		     const struct session_info *info, const char *conf, char *why, size_t whylen);
int notify_register(const struct cids_config *cfg, const struct session_info *info,
		    const char *bundle, char *why, size_t whylen);

#endif
