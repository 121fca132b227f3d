/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Mode and profile key of a container (hook/resolve.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cids/config.h"
#include "cids/oci.h"
#include "cids/util.h"
#include "hook.h"

static struct cids_config cfg;
static struct oci_state st;
static struct oci_workload w;
static struct session_info info;
static char warn[256];

static void setup(void)
{
	config_default(&cfg);
	memset(&st, 0, sizeof(st));
	memset(&w, 0, sizeof(w));
	memset(&info, 0, sizeof(info));
	snprintf(st.id, sizeof(st.id), "ctr");
	snprintf(st.bundle, sizeof(st.bundle), "/b");
	st.pid = 42;
	snprintf(w.key_material, sizeof(w.key_material), "busybox sh -c loop");
}

TestSuite(resolve, .init = setup);

Test(resolve, derived_key_and_config_mode)
{
	char want[129];

	cr_assert_eq(hook_resolve(&cfg, &st, &w, false, &info, warn, sizeof(warn)), 0);
	key_derive(w.key_material, want, sizeof(want));
	cr_assert_str_eq(info.key, want);
	cr_assert_eq(info.mode, cfg.mode);
	cr_assert_str_eq(info.bundle_profile, "/b/cids.profile");
	cr_assert_eq(info.init_pid, 42);
	cr_assert_str_eq(info.backend, "ptrace");
}

Test(resolve, annotations_then_env_when_allowed)
{
	cfg.allow_container_override = true;
	snprintf(w.env_mode, sizeof(w.env_mode), "detect");
	snprintf(w.env_profile, sizeof(w.env_profile), "from-env");
	cr_assert_eq(hook_resolve(&cfg, &st, &w, false, &info, warn, sizeof(warn)), 0);
	cr_assert_str_eq(info.key, "c-from-env");
	cr_assert_eq(info.mode, CIDS_MODE_DETECT);

	snprintf(st.ann_mode, sizeof(st.ann_mode), "enforce");
	snprintf(st.ann_profile, sizeof(st.ann_profile), "from-ann");
	cr_assert_eq(hook_resolve(&cfg, &st, &w, false, &info, warn, sizeof(warn)), 0);
	cr_assert_str_eq(info.key, "c-from-ann");
	cr_assert_eq(info.mode, CIDS_MODE_ENFORCE);
}

/* The default: a container chooses neither its mode nor its key (issue 19). */
Test(resolve, default_ignores_the_container)
{
	char want[129];

	cfg.mode = CIDS_MODE_ENFORCE;
	snprintf(w.env_mode, sizeof(w.env_mode), "learn");
	snprintf(w.env_profile, sizeof(w.env_profile), "new-key");
	snprintf(w.ann_mode, sizeof(w.ann_mode), "learn");
	snprintf(st.ann_profile, sizeof(st.ann_profile), "other");
	cr_assert_eq(hook_resolve(&cfg, &st, &w, false, &info, warn, sizeof(warn)), 0);
	key_derive(w.key_material, want, sizeof(want));
	cr_assert_str_eq(info.key, want);
	cr_assert_eq(info.mode, CIDS_MODE_ENFORCE);
}

/* Allowed, a container can only make its treatment stricter. */
Test(resolve, only_stricter_modes)
{
	static const enum cids_mode modes[] = {CIDS_MODE_LEARN, CIDS_MODE_DETECT,
					       CIDS_MODE_ENFORCE};

	cfg.allow_container_override = true;
	for (unsigned h = 0; h < 3; h++)
		for (unsigned c = 0; c < 3; c++) {
			cfg.mode = modes[h];
			snprintf(st.ann_mode, sizeof(st.ann_mode), "%s", cids_mode_name(modes[c]));
			cr_assert_eq(hook_resolve(&cfg, &st, &w, false, &info, warn, sizeof(warn)),
				     0);
			cr_assert_eq(info.mode, c >= h ? modes[c] : modes[h], "host %s asked %s",
				     cids_mode_name(modes[h]), cids_mode_name(modes[c]));
			if (c < h)
				cr_assert(strstr(warn, "weaker"), "%s", warn);
		}
}

/* A chosen key lives in the granted namespace: never a derived key, nor one outside it. */
Test(resolve, chosen_keys_stay_in_the_namespace)
{
	char victim[129];
	const char *tries[] = {"w-0123456789abcdef", "../w-x", "", "x", "c-c-x"};

	cfg.allow_container_override = true;
	snprintf(cfg.container_key_prefix, sizeof(cfg.container_key_prefix), "tenant1.");
	key_derive("victim workload", victim, sizeof(victim));
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		snprintf(w.env_profile, sizeof(w.env_profile), "%s", tries[i]);
		cr_assert_eq(hook_resolve(&cfg, &st, &w, false, &info, warn, sizeof(warn)), 0);
		if (tries[i][0])
			cr_assert(strncmp(info.key, "tenant1.", 8) == 0, "\"%s\" -> \"%s\"",
				  tries[i], info.key);
		cr_assert_str_neq(info.key, victim);
		cr_assert(key_is_valid(info.key));
	}
	snprintf(w.env_profile, sizeof(w.env_profile), "%s", victim);
	cr_assert_eq(hook_resolve(&cfg, &st, &w, false, &info, warn, sizeof(warn)), 0);
	cr_assert(strncmp(info.key, "tenant1.w-", 10) == 0, "%s", info.key);
	cr_assert_str_neq(info.key, victim);
}

Test(resolve, override_forbidden)
{
	char want[129];

	cfg.allow_container_override = false;
	snprintf(st.ann_mode, sizeof(st.ann_mode), "learn");
	snprintf(st.ann_profile, sizeof(st.ann_profile), "victim-key");
	cfg.mode = CIDS_MODE_ENFORCE;
	cr_assert_eq(hook_resolve(&cfg, &st, &w, false, &info, warn, sizeof(warn)), 0);
	key_derive(w.key_material, want, sizeof(want));
	cr_assert_str_eq(info.key, want);
	cr_assert_eq(info.mode, CIDS_MODE_ENFORCE);
}

Test(resolve, hostile_keys_stay_in_the_store)
{
	cfg.allow_container_override = true;
	cfg.container_key_prefix[0] = '\0'; /* the operator trusts containers with keys */
	const char *bad[] = {
		"../../etc/passwd",
		"a/b",
		".hidden",
		"..",
		"x\ny",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(st.ann_profile, sizeof(st.ann_profile), "%s", bad[i]);
		cr_assert_eq(hook_resolve(&cfg, &st, &w, false, &info, warn, sizeof(warn)), 0);
		cr_assert(key_is_valid(info.key), "\"%s\" -> invalid key \"%s\"", bad[i], info.key);
		cr_assert_null(strchr(info.key, '/'));
		cr_assert_null(strstr(info.key, ".."));
	}
}

Test(resolve, unknown_mode_warns)
{
	cfg.allow_container_override = true;
	snprintf(st.ann_mode, sizeof(st.ann_mode), "off");
	cfg.mode = CIDS_MODE_DETECT;
	cr_assert_eq(hook_resolve(&cfg, &st, &w, false, &info, warn, sizeof(warn)), 0);
	cr_assert_eq(info.mode, CIDS_MODE_DETECT);
	cr_assert(strstr(warn, "off"), "%s", warn);
}

Test(resolve, lxc_name_is_the_key_even_without_override)
{
	cfg.allow_container_override = false;
	snprintf(st.ann_profile, sizeof(st.ann_profile), "web1");
	cr_assert_eq(hook_resolve(&cfg, &st, NULL, true, &info, warn, sizeof(warn)), 0);
	cr_assert_str_eq(info.key, "web1");
}

Test(resolve, no_workload_uses_the_id)
{
	char want[129];

	cr_assert_eq(hook_resolve(&cfg, &st, NULL, false, &info, warn, sizeof(warn)), 0);
	key_derive("ctr", want, sizeof(want));
	cr_assert_str_eq(info.key, want);
}

Test(resolve, k8s_pod_key)
{
	char want[129];

	snprintf(w.key_prefix, sizeof(w.key_prefix), "k8s.shop.nginx");
	cr_assert_eq(hook_resolve(&cfg, &st, &w, false, &info, warn, sizeof(warn)), 0);
	key_derive(w.key_material, want, sizeof(want));
	cr_assert_eq(strncmp(info.key, "k8s.shop.nginx.", 15), 0, "%s", info.key);
	cr_assert_str_eq(info.key + 15, want + 2);
	cr_assert(key_is_valid(info.key));

	/* an explicit key wins only where the host allows it, in its namespace */
	snprintf(st.ann_profile, sizeof(st.ann_profile), "web");
	cr_assert_eq(hook_resolve(&cfg, &st, &w, false, &info, warn, sizeof(warn)), 0);
	cr_assert_eq(strncmp(info.key, "k8s.shop.nginx.", 15), 0, "%s", info.key);
	cfg.allow_container_override = true;
	cr_assert_eq(hook_resolve(&cfg, &st, &w, false, &info, warn, sizeof(warn)), 0);
	cr_assert_str_eq(info.key, "c-web");
}
