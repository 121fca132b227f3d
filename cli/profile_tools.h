/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Library side of cids profile diff | merge | install | export-seccomp (shared with tests). */
#ifndef CIDS_CLI_PROFILE_TOOLS_H
#define CIDS_CLI_PROFILE_TOOLS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cids/engine.h"
#include "cids/json.h"
#include "cids/macro.h"
#include "cids/profile.h"

struct profile_windows {
	uint16_t *w; /* n windows of k symbols, sorted; free() it */
	size_t n;
	unsigned k;
};

/* Windows of a's database da missing from b's db, and the other way round. Returns 1 when
 * they differ, 0 when equal, -errno. */
int profile_diff_db(const struct cids_engine *a, unsigned da, const struct cids_engine *b,
		    unsigned db, struct profile_windows *only_a, struct profile_windows *only_b);

/* Merge n profiles into a new engine (see `cids profile merge --help` for the rules). why
 * gets the reason on failure, or a loss warning on success (why[0] != 0). */
int profile_merge(struct cids_engine *const *in, const struct cids_provenance *prov, size_t n,
		  const char *key, struct cids_engine **ret, struct cids_provenance *ret_p,
		  char *why, size_t whylen);

/* Install src as <store>/<key>.profile (see `cids profile install --help`). */
int profile_install(const char *src, const char *key, const char *store, bool force, char *dest,
		    size_t destlen, char *why, size_t whylen);

enum seccomp_default { SECCOMP_DEFAULT_ERRNO, SECCOMP_DEFAULT_KILL, SECCOMP_DEFAULT_LOG };

/* The OCI/Docker seccomp profile of e's syscalls (non-zero Table I count), plus the calls the
 * runtime itself makes after installing the filter unless runtime_extras is false. */
int seccomp_export(const struct cids_engine *e, enum seccomp_default act, bool runtime_extras,
		   json_object **ret, char *why, size_t whylen);

#endif
