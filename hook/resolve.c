/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which mode and which profile key a container gets (DESIGN.md "Profile key and files"). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cids/util.h"
#include "hook.h"

static const char *first(const char *a, const char *b, const char *c)
{
	if (a && *a)
		return a;
	if (b && *b)
		return b;
	if (c && *c)
		return c;
	return NULL;
}

int hook_resolve(const struct cids_config *cfg, const struct oci_state *st,
		 const struct oci_workload *w, bool is_lxc, struct session_info *info, char *warn,
		 size_t warnlen)
{
	const char *mode = NULL, *key = NULL;
	int r;

	if (warn && warnlen)
		warn[0] = '\0';
	info->mode = cfg->mode;
	info->key[0] = '\0';

	if (cfg->allow_container_override) {
		mode = first(st->ann_mode, w ? w->ann_mode : NULL, w ? w->env_mode : NULL);
		if (!is_lxc)
			key = first(st->ann_profile, w ? w->ann_profile : NULL,
				    w ? w->env_profile : NULL);
	}
	/* the LXC name is the host's choice, not the tenant's */
	if (is_lxc && st->ann_profile[0])
		key = st->ann_profile;

	if (mode) {
		r = cids_mode_from_name(mode);
		if (r < 0)
			snprintf(warn, warnlen,
				 "unknown mode \"%.32s\" asked by the container: using %s", mode,
				 cids_mode_name(cfg->mode));
		else
			info->mode = (enum cids_mode)r;
	}
	if (key) {
		r = key_sanitize(key, info->key, sizeof(info->key));
		if (r < 0)
			key = NULL;
	}
	if (!key) {
		/* no bundle description: the id is all we have (a key per container) */
		if (w && w->key_material[0])
			oci_workload_key(w, info->key, sizeof(info->key));
		else
			key_derive(st->id, info->key, sizeof(info->key));
	}
	if (!key_is_valid(info->key))
		return -EINVAL;
	snprintf(info->id, sizeof(info->id), "%s", st->id);
	info->init_pid = st->pid;
	if (st->bundle[0]) {
		r = snprintf(info->bundle_profile, sizeof(info->bundle_profile), "%s/cids.profile",
			     st->bundle);
		if (r < 0 || (size_t)r >= sizeof(info->bundle_profile))
			info->bundle_profile[0] = '\0';
	} else {
		info->bundle_profile[0] = '\0';
	}
	info->backend = cids_backend_name(cfg->backend);
	return 0;
}
