/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids profile export --text | import | install --from, and the content digest (shared with
 * tests and cids profile show). */
#ifndef CIDS_CLI_PROFILE_TEXT_H
#define CIDS_CLI_PROFILE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "cids/engine.h"
#include "profile_tools.h"

/* sha256 (64 hex digits) of the profile's text form without its provenance (key, source, times,
 * sessions): the same for the same settings, windows, counts and growth curves, whatever the
 * key it is installed under or when it was saved. */
int profile_digest(const struct cids_engine *e, char *hex, size_t hexlen);

/* Install OLD (a key in store, or a profile file) as <store>/<key>.profile with every database's
 * steady state restarted (engine_restart_steady): containers of the new key keep the old windows
 * and learn only what is new until steady again. Same checks as profile_install. */
int profile_install_from(const char *old, const char *key, const char *store, bool force,
			 char *dest, size_t destlen, char *why, size_t whylen);

#endif
