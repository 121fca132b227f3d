/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli_json.h"

int cli_json_parse(const char *text, size_t len, json_object **ret, char *why, size_t whylen)
{
	json_tokener *tok;
	json_object *o;
	size_t end;

	if (len > (size_t)INT32_MAX || memchr(text, '\0', len)) {
		snprintf(why, whylen, "NUL byte or too long");
		return -EBADMSG;
	}
	tok = json_tokener_new_ex(CLI_JSON_DEPTH);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error err = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o || err != json_tokener_success) {
		json_object_put(o);
		snprintf(why, whylen, "invalid JSON at byte %zu: %s", end,
			 err == json_tokener_continue ? "unexpected end"
						      : json_tokener_error_desc(err));
		return -EBADMSG;
	}
	for (; end < len; end++)
		if (!strchr(" \t\r\n", text[end])) {
			json_object_put(o);
			snprintf(why, whylen, "trailing data at byte %zu", end);
			return -EBADMSG;
		}
	*ret = o;
	return 0;
}

static json_object *field(json_object *o, const char *key)
{
	json_object *v = NULL;
	if (!o || !json_object_is_type(o, json_type_object))
		return NULL;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

bool cli_json_is(json_object *o, const char *key, json_type t)
{
	json_object *v = field(o, key);
	return v && json_object_is_type(v, t);
}

const char *cli_json_str(json_object *o, const char *key, const char *def)
{
	json_object *v = field(o, key);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : def;
}

int64_t cli_json_int(json_object *o, const char *key, int64_t def)
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

double cli_json_num(json_object *o, const char *key, double def)
{
	json_object *v = field(o, key);
	if (v &&
	    (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return json_object_get_double(v);
	return def;
}

bool cli_json_bool(json_object *o, const char *key, bool def)
{
	json_object *v = field(o, key);
	return v && json_object_is_type(v, json_type_boolean) ? json_object_get_boolean(v) : def;
}
