/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cids-runtime's config.json rewriter: add the hook, keep everything else, never twice.
 * Checked on every accepted input: the output minus our hook equals the input (json-c's
 * comparison), and rewriting the output again changes nothing. The eBPF backend's seccomp guard
 * (shim/guard.c) on the same input: refused with a reason, or an output that parses and that a
 * second guard leaves as it is.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cids/config.h"
#include "shim.h"

static struct json_object *parse(const char *s, size_t n)
{
	struct json_tokener *t = json_tokener_new_ex(64);
	struct json_object *o;

	json_tokener_set_flags(t, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(t, s, (int)n);
	if (!o && json_tokener_get_error(t) == json_tokener_continue)
		o = json_tokener_parse_ex(t, "", 1);
	json_tokener_free(t);
	return o;
}

static void guard(const uint8_t *data, size_t size)
{
	static bool allowed[SHIM_GUARD_NR];
	char why[512] = "", *out = NULL, *out2 = NULL;
	struct json_object *o;
	int r;

	/* read, write, getpid, clone, exit, exit_group */
	allowed[0] = allowed[1] = allowed[39] = allowed[56] = allowed[60] = allowed[231] = true;
	r = shim_add_guard((const char *)data, size, allowed, &out, why, sizeof(why));
	if (r < 0) {
		if (!why[0] && r != -ENOMEM)
			abort();
		return;
	}
	o = parse(out, strlen(out));
	if (!o)
		abort();
	json_object_put(o);
	if (shim_add_guard(out, strlen(out), allowed, &out2, why, sizeof(why)) != 1 ||
	    strcmp(out, out2) != 0)
		abort();
	free(out);
	free(out2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cids_config c;
	struct shim_hook h;
	struct json_object *in, *out_o, *hooks, *stage, *in_hooks = NULL, *in_stage = NULL;
	char why[512], *out = NULL, *out2 = NULL;
	size_t n;
	int r;

	guard(data, size);
	config_default(&c);
	if (size && (data[0] & 1))
		strcpy(c.hook_stage, "prestart");
	shim_hook_from_config(&c, (size && (data[0] & 2)) ? "/etc/cids/other.json" : NULL, &h);
	r = shim_add_hook((const char *)data, size, &h, &out, why, sizeof(why));
	if (r < 0) {
		if (!why[0] && r != -ENOMEM)
			abort();
		return 0;
	}
	if (r == 0)
		return 0;
	/* the output parses and the hook is not added a second time */
	if (shim_add_hook(out, strlen(out), &h, &out2, why, sizeof(why)) != 0)
		abort();

	in = parse((const char *)data, size);
	out_o = parse(out, strlen(out));
	if (!in || !out_o)
		abort();
	/* take our hook (the last entry of its stage) out again, and what was created for it */
	if (!json_object_object_get_ex(out_o, "hooks", &hooks) ||
	    !json_object_object_get_ex(hooks, h.stage, &stage))
		abort();
	n = json_object_array_length(stage);
	if (n == 0)
		abort();
	json_object_array_del_idx(stage, n - 1, 1);
	/* json-c: a JSON null is a NULL object; get_ex's result tells present from absent */
	bool has_hooks = json_object_object_get_ex(in, "hooks", &in_hooks), has_stage = false;
	if (in_hooks)
		has_stage = json_object_object_get_ex(in_hooks, h.stage, &in_stage);
	if (!in_stage) {
		if (has_stage) /* "stage": null became [] */
			json_object_object_add(hooks, h.stage, NULL);
		else
			json_object_object_del(hooks, h.stage);
	}
	if (!has_hooks)
		json_object_object_del(out_o, "hooks");
	else if (!in_hooks) /* "hooks": null became an object */
		json_object_object_add(out_o, "hooks", NULL);
	if (!json_object_equal(in, out_o))
		abort();
	json_object_put(in);
	json_object_put(out_o);
	free(out);
	return 0;
}
