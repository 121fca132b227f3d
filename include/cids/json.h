/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json-c helpers (common/json_util.c): the one strict, capped parser, field getters, cleanups. */
#ifndef CIDS_JSON_H
#define CIDS_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CIDS_JSON_DEPTH 64

static inline void json_object_putp(struct json_object **o)
{
	if (*o)
		json_object_put(*o);
}
#define _cleanup_json_ __attribute__((cleanup(json_object_putp)))

/*
 * Parse exactly one JSON value from text[0..len) (surrounding whitespace allowed, nothing else;
 * NUL bytes, NaN and Infinity, single quotes, trailing commas and nesting deeper than
 * CIDS_JSON_DEPTH are errors). On failure returns -EBADMSG and writes "invalid JSON at byte N:
 * reason" into why, prefixed with "<what>: " unless what is NULL.
 */
int cids_json_parse(const char *text, size_t len, const char *what, struct json_object **ret,
		    char *why, size_t whylen);
/* The same for a document that must be an object of at most max bytes: -E2BIG "<what>: larger
 * than <max> bytes", -EINVAL "<what>: must be a JSON object". */
int cids_json_parse_object(const char *text, size_t len, size_t max, const char *what,
			   struct json_object **ret, char *why, size_t whylen);

/* Field getters that tolerate absence and wrong types: the default is returned instead. */
const char *cids_json_str(json_object *o, const char *key, const char *def);
int64_t cids_json_int(json_object *o, const char *key, int64_t def);
double cids_json_num(json_object *o, const char *key, double def);
bool cids_json_bool(json_object *o, const char *key, bool def);
bool cids_json_is(json_object *o, const char *key, json_type t);

#endif
