/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The typed getters of config.json's parser (common/config_get.c), shared with common/config.c;
 * no other file's. Each names the key in its error and returns -EINVAL with the reason in p. */
#ifndef CIDS_COMMON_CONFIG_INTERNAL_H
#define CIDS_COMMON_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "cids/config.h"
#include "cids/macro.h"

struct pctx {
	char *why;
	size_t whylen;
};

/* The index of s in names, or -EINVAL. */
int config_name_index(const char *const *names, size_t n, const char *s);
/* "key: message" in p's buffer; returns -EINVAL. */
int config_perr(struct pctx *p, const char *key, const char *fmt, ...) _printf_(3, 4);
void config_warn_unknown(const char *prefix, const char *key);
int config_get_bool(struct pctx *p, const char *name, struct json_object *v, bool *ret);
/* A finite number in [min, max] (min excluded with min_open). */
int config_get_number(struct pctx *p, const char *name, struct json_object *v, double min,
		      bool min_open, double max, double *ret);
int config_get_uint(struct pctx *p, const char *name, struct json_object *v, int64_t min,
		    int64_t max, unsigned *ret);
/* One of names, as its index. */
int config_get_enum(struct pctx *p, const char *name, struct json_object *v,
		    const char *const *names, size_t n, int *ret);
/* An absolute path without NUL bytes that fits dst. */
int config_get_path(struct pctx *p, const char *name, struct json_object *v, char *dst,
		    size_t dstlen);
/* The "ptrace" section of config.json. */
int config_parse_ebpf(struct pctx *p, struct json_object *o, struct cids_config *c);
int config_parse_ptrace(struct pctx *p, struct json_object *o, struct cids_config *c);

#endif
