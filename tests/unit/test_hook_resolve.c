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
	snprintf(w.env_mode, sizeof(w.env_mode), "detect");
	snprintf(w.env_profile, sizeof(w.env_profile), "from-env");
	cr_assert_eq(hook_resolve(&cfg, &st, &w, false, &info, warn, sizeof(warn)), 0);
	cr_assert_str_eq(info.key, "from-env");
	cr_assert_eq(info.mode, CIDS_MODE_DETECT);

	snprintf(st.ann_mode, sizeof(st.ann_mode), "enforce");
	snprintf(st.ann_profile, sizeof(st.ann_profile), "from-ann");
	cr_assert_eq(hook_resolve(&cfg, &st, &w, false, &info, warn, sizeof(warn)), 0);
	cr_assert_str_eq(info.key, "from-ann");
	cr_assert_eq(info.mode, CIDS_MODE_ENFORCE);
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

	/* an explicit key still wins */
	snprintf(st.ann_profile, sizeof(st.ann_profile), "web");
	cr_assert_eq(hook_resolve(&cfg, &st, &w, false, &info, warn, sizeof(warn)), 0);
	cr_assert_str_eq(info.key, "web");
}
