/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids-hook's own pieces: mode/key resolution (hook/resolve.c), monitor spawn (hook/spawn.c). */
#ifndef CIDS_HOOK_HOOK_H
#define CIDS_HOOK_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include "cids/config.h"
#include "cids/oci.h"
#include "cids/session.h"

/*
 * Mode and profile key of a container. With allow_container_override the annotations
 * io.cids.mode / io.cids.profile (state first, then the bundle's config.json), else CIDS_MODE /
 * CIDS_PROFILE in the bundle's process env, choose; a chosen key is sanitised (key_sanitize).
 * Otherwise (or when nothing is chosen) the config's mode and, for LXC, the container name
 * (state->ann_profile set by lxc_hook_state), else key_derive(workload material).
 * w may be NULL (bundle config.json unreadable): then only the state counts. An unknown mode
 * name is ignored with a warning in warn (config mode used).
 */
int hook_resolve(const struct cids_config *cfg, const struct oci_state *st,
		 const struct oci_workload *w, bool is_lxc, struct session_info *info, char *warn,
		 size_t warnlen);

/*
 * Start the monitor (fork, setsid, fork; stdio on cfg->log) and wait up to hook_timeout_s for
 * its report. 0 when attached; -EACCES when the session refuses the container by policy
 * (on_unlearned refuse); -errno with why otherwise (the monitor is killed on timeout).
 * ret_ms: time spent, for the log.
 */
int hook_spawn_monitor(const struct cids_config *cfg, const struct session_info *info, char *why,
		       size_t whylen);

#endif
