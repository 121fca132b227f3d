/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json-c helpers private to common/ (and shim/): strict, capped parsing and cleanups. */
#ifndef CIDS_COMMON_JSON_UTIL_H
#define CIDS_COMMON_JSON_UTIL_H

#include <stddef.h>
#include <json-c/json.h>

#define CIDS_JSON_DEPTH 64

static inline void json_object_putp(struct json_object **o)
{
	if (*o)
		json_object_put(*o);
}
#define _cleanup_json_ __attribute__((cleanup(json_object_putp)))

/*
 * Parse exactly one JSON value from text[0..len) (trailing whitespace allowed, nothing else;
 * NUL bytes inside are an error). On failure returns -EBADMSG and writes "invalid JSON at byte
 * N: reason" into why (prefixed with what).
 */
int cids_json_parse(const char *text, size_t len, const char *what, struct json_object **ret,
		    char *why, size_t whylen);
/* The same for a document that must be an object of at most max bytes: -E2BIG "<what>: larger
 * than <max> bytes", -EINVAL "<what>: must be a JSON object". */
int cids_json_parse_object(const char *text, size_t len, size_t max, const char *what,
			   struct json_object **ret, char *why, size_t whylen);

#endif
