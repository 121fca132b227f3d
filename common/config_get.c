/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The typed getters of config.json's parser (common/config.c): strict types and ranges, errors
 * that name the key. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cids/json.h"
#include "cids/log.h"
#include "cids/util.h"
#include "config_internal.h"

int config_name_index(const char *const *names, size_t n, const char *s)
{
	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -EINVAL;
}

int config_perr(struct pctx *p, const char *key, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->why && p->whylen)
		snprintf(p->why, p->whylen, "%s: %s", key, msg);
	return -EINVAL;
}

void config_warn_unknown(const char *prefix, const char *key)
{
	char esc[256];

	json_escape(key, esc, sizeof(esc));
	log_warn("config: unknown key \"%s%s\" ignored", prefix, esc);
}

int config_get_bool(struct pctx *p, const char *name, struct json_object *v, bool *ret)
{
	if (!json_object_is_type(v, json_type_boolean))
		return config_perr(p, name, "must be true or false");
	*ret = json_object_get_boolean(v);
	return 0;
}

int config_get_number(struct pctx *p, const char *name, struct json_object *v, double min,
		      bool min_open, double max, double *ret)
{
	double d;

	if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
		goto bad;
	d = json_object_get_double(v);
	if (!isfinite(d) || d < min || (min_open && d <= min) || d > max)
		goto bad;
	*ret = d;
	return 0;
bad:
	if (max >= 1e12)
		return config_perr(p, name, "must be a number %s %g", min_open ? ">" : ">=", min);
	return config_perr(p, name, "must be a number %s %g and <= %g", min_open ? ">" : ">=", min,
			   max);
}

int config_get_uint(struct pctx *p, const char *name, struct json_object *v, int64_t min,
		    int64_t max, unsigned *ret)
{
	int64_t i;

	if (!json_object_is_type(v, json_type_int))
		goto bad;
	errno = 0;
	i = json_object_get_int64(v);
	/* json-c saturates out-of-range literals; both ends are outside every range here. */
	if (i < min || i > max)
		goto bad;
	*ret = (unsigned)i;
	return 0;
bad:
	return config_perr(p, name, "must be an integer from %lld to %lld", (long long)min,
			   (long long)max);
}

int config_get_enum(struct pctx *p, const char *name, struct json_object *v,
		    const char *const *names, size_t n, int *ret)
{
	char list[256] = "";
	int i;

	if (json_object_is_type(v, json_type_string)) {
		i = config_name_index(names, n, json_object_get_string(v));
		if (i >= 0) {
			*ret = i;
			return 0;
		}
	}
	for (size_t j = 0; j < n; j++) {
		size_t l = strlen(list);
		snprintf(list + l, sizeof(list) - l, "%s\"%s\"",
			 j ? (j + 1 == n ? " or " : ", ") : "", names[j]);
	}
	return config_perr(p, name, "must be one of %s", list);
}

int config_get_path(struct pctx *p, const char *name, struct json_object *v, char *dst,
		    size_t dstlen)
{
	const char *s;
	size_t l;

	if (!json_object_is_type(v, json_type_string))
		return config_perr(p, name, "must be a string (an absolute path)");
	s = json_object_get_string(v);
	l = (size_t)json_object_get_string_len(v);
	if (l == 0 || s[0] != '/')
		return config_perr(p, name, "must be an absolute path");
	if (strlen(s) != l)
		return config_perr(p, name, "must not contain NUL bytes");
	if (l >= dstlen)
		return config_perr(p, name, "path longer than %zu bytes", dstlen - 1);
	memset(dst, 0, dstlen);
	memcpy(dst, s, l + 1);
	return 0;
}

/* The "ebpf" section (here for the same reason). */
int config_parse_ebpf(struct pctx *p, struct json_object *o, struct cids_config *c)
{
	if (!json_object_is_type(o, json_type_object))
		return config_perr(p, "ebpf", "must be an object");
	json_object_object_foreach (o, key, v) {
		if (strcmp(key, "seccomp_guard") == 0) {
			int r = config_get_bool(p, "ebpf.seccomp_guard", v, &c->ebpf_seccomp_guard);

			if (r < 0)
				return r;
		} else {
			config_warn_unknown("ebpf.", key);
		}
	}
	return 0;
}

/* The "ptrace" section (kept here: common/config.c is at STYLE's file size). */
int config_parse_ptrace(struct pctx *p, struct json_object *o, struct cids_config *c)
{
	if (!json_object_is_type(o, json_type_object))
		return config_perr(p, "ptrace", "must be an object");
	json_object_object_foreach (o, key, v) {
		if (strcmp(key, "one_stop") == 0) {
			int r = config_get_bool(p, "ptrace.one_stop", v, &c->ptrace_one_stop);

			if (r < 0)
				return r;
		} else {
			config_warn_unknown("ptrace.", key);
		}
	}
	return 0;
}
