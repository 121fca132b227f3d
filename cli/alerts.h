/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids alerts internals, shared with tests. */
#ifndef CIDS_CLI_ALERTS_H
#define CIDS_CLI_ALERTS_H

#include <json-c/json.h>
#include <stdio.h>

/* "2026-11-26T15:04:05.123456789Z", "2026-11-26 15:04", "2026-11-26" (UTC) or "@1795700000"
 * -> unix seconds. */
int alerts_parse_time(const char *s, double *ret);
/* A time as above, or a duration back from now: "90", "90s", "10m", "2h", "1d". */
int alerts_parse_since(const char *s, double now, double *ret);
/* One human line for a parsed alert object. */
void alerts_format(FILE *f, json_object *o);

#endif
