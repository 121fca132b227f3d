/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rows of `cids report` (the paper's Table II), shared with its tests. */
#ifndef CIDS_CLI_REPORT_H
#define CIDS_CLI_REPORT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cids/engine.h"
#include "cids/profile.h"

struct report_row {
	const char *algo;
	unsigned k;
	bool steady, full;
	double t_max;	   /* -1 when not steady */
	uint64_t size;	   /* at T_max when steady, else the current size */
	uint64_t size_now; /* current size */
	unsigned run;	   /* current run of samples below sigma */
	size_t samples;	   /* growth-curve points */
	const char *state; /* "steady" "not steady" "full" */
};

const char *report_state_name(const struct cids_steady *st);
void report_row(const struct cids_engine *e, unsigned db, struct report_row *ret);
json_object *report_json(const struct cids_engine *e, const struct cids_provenance *p);

#endif
