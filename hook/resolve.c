/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which mode and which profile key a container gets (DESIGN.md "Profile key and files"). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cids/profile.h"
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

/* learn < detect < enforce: how strictly a container is treated. */
static bool stricter_or_same(enum cids_mode asked, enum cids_mode host)
{
	return (int)asked >= (int)host;
}

int hook_resolve(const struct cids_config *cfg, const struct oci_state *st,
		 const struct oci_workload *w, bool is_lxc, struct session_info *info, char *warn,
		 size_t warnlen)
{
	const char *mode = NULL, *key = NULL;
	char chosen[PROFILE_KEY_MAX + 1] = "";
	int r;

	if (warn && warnlen)
		warn[0] = '\0';
	info->mode = cfg->mode;
	info->key[0] = '\0';

	/* Annotations, environment and image are the tenant's to write: read only when the host
	 * allows it, and then only to make the treatment stricter, in the granted key namespace. */
	if (cfg->allow_container_override) {
		mode = first(st->ann_mode, w ? w->ann_mode : NULL, w ? w->env_mode : NULL);
		if (!is_lxc)
			key = first(st->ann_profile, w ? w->ann_profile : NULL,
				    w ? w->env_profile : NULL);
	}

	if (mode) {
		r = cids_mode_from_name(mode);
		if (r < 0)
			snprintf(warn, warnlen,
				 "unknown mode \"%.32s\" asked by the container: using %s", mode,
				 cids_mode_name(cfg->mode));
		else if (!stricter_or_same((enum cids_mode)r, cfg->mode))
			snprintf(warn, warnlen,
				 "mode \"%s\" asked by the container is weaker than the host's: "
				 "using %s",
				 cids_mode_name((enum cids_mode)r), cids_mode_name(cfg->mode));
		else
			info->mode = (enum cids_mode)r;
	}
	if (key) {
		char prefixed[sizeof(cfg->container_key_prefix) + sizeof(st->ann_profile)];

		/* a chosen key always carries the granted prefix: never a derived ("w-...") key,
		 * an LXC name or any other key the host decided */
		snprintf(prefixed, sizeof(prefixed), "%s%s", cfg->container_key_prefix, key);
		r = key_sanitize(prefixed, chosen, sizeof(chosen));
		if (r < 0 || strncmp(chosen, cfg->container_key_prefix,
				     strlen(cfg->container_key_prefix)) != 0)
			key = NULL;
		else
			snprintf(info->key, sizeof(info->key), "%s", chosen);
	}
	/* the LXC name is the host's choice, not the tenant's */
	if (is_lxc && st->ann_profile[0]) {
		r = key_sanitize(st->ann_profile, info->key, sizeof(info->key));
		key = r < 0 ? NULL : info->key;
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
