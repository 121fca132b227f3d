/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Adding cids-hook to a bundle's config.json: a json-c round trip that keeps everything else. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cids/oci.h"
#include "cids/util.h"
#include "cids/json.h"
#include "shim.h"

static const char *const hook_stages[] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

void shim_hook_from_config(const struct cids_config *c, const char *config_path,
			   struct shim_hook *h)
{
	memset(h, 0, sizeof(*h));
	h->path = c->hook_path;
	h->stage = c->hook_stage[0] ? c->hook_stage : "createRuntime";
	h->args[h->nargs++] = "cids-hook";
	if (config_path) {
		h->args[h->nargs++] = "--config";
		h->args[h->nargs++] = config_path;
	}
	/* Runtimes run hooks with exactly the env given here; give the hook a sane PATH. */
	h->env[h->nenv++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	/* The runtime SIGKILLs an overrunning hook. cids-hook bounds its own wait for the monitor
	 * by hook_timeout_s; leave it room to report before the runtime's axe falls. */
	h->timeout = (int)ceil(c->hook_timeout_s) * 2 + 5;
}

static bool hook_has_path(struct json_object *arr, const char *path)
{
	size_t n = json_object_array_length(arr);

	for (size_t i = 0; i < n; i++) {
		struct json_object *hk = json_object_array_get_idx(arr, i), *p;

		if (json_object_is_type(hk, json_type_object) &&
		    json_object_object_get_ex(hk, "path", &p) &&
		    json_object_is_type(p, json_type_string) &&
		    strcmp(json_object_get_string(p), path) == 0)
			return true;
	}
	return false;
}

static struct json_object *hook_object(const struct shim_hook *h)
{
	struct json_object *o = json_object_new_object(), *args, *env;

	if (!o)
		return NULL;
	json_object_object_add(o, "path", json_object_new_string(h->path));
	args = json_object_new_array();
	for (unsigned i = 0; i < h->nargs && i < SHIM_HOOK_ARGS_MAX; i++)
		json_object_array_add(args, json_object_new_string(h->args[i]));
	json_object_object_add(o, "args", args);
	if (h->nenv) {
		env = json_object_new_array();
		for (unsigned i = 0; i < h->nenv && i < ARRAY_SIZE(h->env); i++)
			json_object_array_add(env, json_object_new_string(h->env[i]));
		json_object_object_add(o, "env", env);
	}
	if (h->timeout > 0)
		json_object_object_add(o, "timeout", json_object_new_int(h->timeout));
	return o;
}

/*
 * json-c clamps integers beyond int64/uint64 to the nearest bound, which would change what the
 * runtime reads (an overflow it refuses could become a value it accepts). Find such a literal
 * before parsing: returns its offset, or -1 when every integer literal is in range.
 */
static ssize_t find_clamped_integer(const char *t, size_t len)
{
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		char c = t[i];
		size_t start, digits = 0;
		bool neg = false, frac = false;
		char buf[32];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
			continue;
		}
		if (c != '-' && (c < '0' || c > '9'))
			continue;
		start = i;
		if (c == '-') {
			neg = true;
			i++;
		}
		while (i < len && t[i] >= '0' && t[i] <= '9') {
			digits++;
			i++;
		}
		while (i < len && (t[i] == '.' || t[i] == 'e' || t[i] == 'E' || t[i] == '+' ||
				   t[i] == '-' || (t[i] >= '0' && t[i] <= '9'))) {
			frac = true;
			i++;
		}
		i--; /* the loop's i++ moves past the literal */
		if (frac || digits == 0)
			continue; /* doubles keep their original spelling in json-c */
		if (digits + (neg ? 1 : 0) >= sizeof(buf))
			return (ssize_t)start;
		memcpy(buf, t + start, digits + (neg ? 1 : 0));
		buf[digits + (neg ? 1 : 0)] = 0;
		errno = 0;
		if (neg)
			(void)strtoll(buf, NULL, 10);
		else
			(void)strtoull(buf, NULL, 10);
		if (errno == ERANGE)
			return (ssize_t)start;
	}
	return -1;
}

int shim_json_out(struct json_object *root, char **ret)
{
	const char *out = json_object_to_json_string_ext(
		root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!out)
		return -ENOMEM;
	*ret = strdup(out);
	return *ret ? 1 : -ENOMEM;
}

int shim_add_hook(const char *text, size_t len, const struct shim_hook *h, char **ret, char *why,
		  size_t whylen)
{
	ssize_t bad;
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *hooks, *stage, *hk;
	bool known = false;
	int r;

	if (why && whylen)
		why[0] = 0;
	if (!h || !h->path || h->path[0] != '/' || !h->stage)
		return why_err(why, whylen, -EINVAL, "hook path must be absolute");
	for (size_t i = 0; i < ARRAY_SIZE(hook_stages); i++)
		known |= strcmp(h->stage, hook_stages[i]) == 0;
	if (!known)
		return why_err(why, whylen, -EINVAL, "unknown hook stage \"%.32s\"", h->stage);
	r = cids_json_parse_object(text, len, OCI_CONFIG_MAX, "config.json", &root, why, whylen);
	if (r < 0)
		return r;
	bad = find_clamped_integer(text, len);
	if (bad >= 0)
		return why_err(
			why, whylen, -ERANGE,
			"config.json: integer out of the 64-bit range at byte %zd (it could not "
			"be written back unchanged)",
			bad);

	if (!json_object_object_get_ex(root, "hooks", &hooks) ||
	    json_object_is_type(hooks, json_type_null)) {
		hooks = json_object_new_object();
		if (!hooks)
			return -ENOMEM;
		json_object_object_add(root, "hooks", hooks);
	} else if (!json_object_is_type(hooks, json_type_object)) {
		return why_err(why, whylen, -EINVAL, "config.json: \"hooks\" must be an object");
	}

	/* Already there, at any stage (a second create, or a hand-made bundle): leave it. */
	for (size_t i = 0; i < ARRAY_SIZE(hook_stages); i++) {
		if (!json_object_object_get_ex(hooks, hook_stages[i], &stage) ||
		    json_object_is_type(stage, json_type_null))
			continue;
		if (!json_object_is_type(stage, json_type_array))
			return why_err(why, whylen, -EINVAL,
				       "config.json: \"hooks.%s\" must be an array",
				       hook_stages[i]);
		if (hook_has_path(stage, h->path))
			return 0;
	}

	if (!json_object_object_get_ex(hooks, h->stage, &stage) ||
	    json_object_is_type(stage, json_type_null)) {
		stage = json_object_new_array();
		if (!stage)
			return -ENOMEM;
		json_object_object_add(hooks, h->stage, stage);
	}
	hk = hook_object(h);
	if (!hk)
		return -ENOMEM;
	if (json_object_array_add(stage, hk) < 0) {
		json_object_put(hk);
		return -ENOMEM;
	}
	return shim_json_out(root, ret);
}
