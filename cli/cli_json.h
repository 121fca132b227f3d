/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Strict JSON parsing and field access for the operator tools (status files, alert lines). */
#ifndef CIDS_CLI_JSON_H
#define CIDS_CLI_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLI_JSON_DEPTH 32

/* Exactly one JSON value in text[0..len) (surrounding whitespace allowed); -EBADMSG with the
 * reason in why otherwise. */
int cli_json_parse(const char *text, size_t len, json_object **ret, char *why, size_t whylen);

/* Field getters that tolerate absence and wrong types: the default is returned instead. */
const char *cli_json_str(json_object *o, const char *key, const char *def);
int64_t cli_json_int(json_object *o, const char *key, int64_t def);
double cli_json_num(json_object *o, const char *key, double def);
bool cli_json_bool(json_object *o, const char *key, bool def);
bool cli_json_is(json_object *o, const char *key, json_type t);

static inline void cli_json_putp(json_object **o)
{
	if (*o)
		json_object_put(*o);
}

#endif
