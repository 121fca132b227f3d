/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What an engine holds, as text and JSON: the paper's Table I (syscalls) and Table II (steady
 * state per database). Used by train (summary) and profile show. */
#ifndef CIDS_CLI_SHOW_H
#define CIDS_CLI_SHOW_H

#include <stdio.h>

#include <json-c/json.h>

#include "cids/engine.h"

/* Distinct/total syscalls and the steady-state table. */
void show_print_summary(FILE *f, const struct cids_engine *e);
/* The steady-state table alone. */
void show_print_db_table(FILE *f, const struct cids_engine *e);
/* Adds "distinct_syscalls", "total_calls", "databases" to o. */
void show_add_summary_json(struct json_object *o, const struct cids_engine *e);
/* Clock unit: "s" or "calls". */
const char *show_clock_unit(const struct cids_engine *e);

#endif
