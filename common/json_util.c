/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json-c helpers for every folder (include/cids/json.h): strict parsing, field getters. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cids/util.h"
#include "cids/json.h"

/* The reason into why, and -EBADMSG. */
static int json_fail(char *why, size_t whylen, const char *what, size_t off, const char *reason)
{
	return why_err(why, whylen, -EBADMSG, "%s%sinvalid JSON at byte %zu: %s", what ? what : "",
		       what ? ": " : "", off, reason);
}

/* json-c accepts the literals NaN and Infinity even in strict mode; JSON (and Go) do not. */
static bool has_nonfinite(struct json_object *o, int depth)
{
	if (!o || depth > CIDS_JSON_DEPTH)
		return false;
	switch (json_object_get_type(o)) {
	case json_type_double: {
		const char *lit;

		if (isfinite(json_object_get_double(o)))
			return false;
		/* 1e400 is valid JSON that overflows (json-c keeps its spelling); NaN is not */
		lit = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		return !lit || strcasestr(lit, "nan") || strcasestr(lit, "inf");
	}
	case json_type_array:
		for (size_t i = 0, n = json_object_array_length(o); i < n; i++)
			if (has_nonfinite(json_object_array_get_idx(o, i), depth + 1))
				return true;
		return false;
	case json_type_object: {
		json_object_object_foreach (o, k, v) {
			(void)k;
			if (has_nonfinite(v, depth + 1))
				return true;
		}
		return false;
	}
	default:
		return false;
	}
}

int cids_json_parse(const char *text, size_t len, const char *what, struct json_object **ret,
		    char *why, size_t whylen)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error jerr;
	size_t off;

	if (!text || len == 0)
		return json_fail(why, whylen, what, 0, "empty input");
	if (len > (size_t)INT32_MAX)
		return why_err(why, whylen, -E2BIG, "%s%stoo large", what ? what : "",
			       what ? ": " : "");
	if (memchr(text, 0, len))
		return json_fail(why, whylen, what,
				 (size_t)((const char *)memchr(text, 0, len) - text), "NUL byte");
	tok = json_tokener_new_ex(CIDS_JSON_DEPTH);
	if (!tok)
		return -ENOMEM;
	/* Strict: no NaN/Infinity, no single quotes, no trailing commas. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	off = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/* A bare number at the very end is complete only once input ends. */
		if (!o)
			o = json_tokener_parse_ex(tok, "", 1);
		jerr = o ? json_tokener_success : json_tokener_error_parse_eof;
		off = len;
	}
	json_tokener_free(tok);
	if (jerr != json_tokener_success || !o) {
		json_object_put(o);
		return json_fail(why, whylen, what, off, json_tokener_error_desc(jerr));
	}
	if (has_nonfinite(o, 0)) {
		json_object_put(o);
		return json_fail(why, whylen, what, 0, "NaN and Infinity are not JSON numbers");
	}
	for (size_t i = off; i < len; i++) {
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r') {
			json_object_put(o);
			return json_fail(why, whylen, what, i,
					 "trailing data after the JSON value");
		}
	}
	*ret = o;
	return 0;
}

int cids_json_parse_object(const char *text, size_t len, size_t max, const char *what,
			   struct json_object **ret, char *why, size_t whylen)
{
	struct json_object *root = NULL;
	int r;

	if (len > max)
		return why_err(why, whylen, -E2BIG, "%s: larger than %zu bytes", what, max);
	r = cids_json_parse(text, len, what, &root, why, whylen);
	if (r < 0)
		return r;
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return why_err(why, whylen, -EINVAL, "%s: must be a JSON object", what);
	}
	*ret = root;
	return 0;
}

static json_object *field(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object))
		return NULL;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

bool cids_json_is(json_object *o, const char *key, json_type t)
{
	json_object *v = field(o, key);

	return v && json_object_is_type(v, t);
}

const char *cids_json_str(json_object *o, const char *key, const char *def)
{
	json_object *v = field(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : def;
}

int64_t cids_json_int(json_object *o, const char *key, int64_t def)
{
	json_object *v = field(o, key);

	if (v && json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	if (v && json_object_is_type(v, json_type_double)) {
		double d = json_object_get_double(v);

		if (d >= -9e18 && d <= 9e18)
			return (int64_t)d;
	}
	return def;
}

double cids_json_num(json_object *o, const char *key, double def)
{
	json_object *v = field(o, key);

	if (v &&
	    (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return json_object_get_double(v);
	return def;
}

bool cids_json_bool(json_object *o, const char *key, bool def)
{
	json_object *v = field(o, key);

	return v && json_object_is_type(v, json_type_boolean) ? json_object_get_boolean(v) : def;
}
