/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids status internals, shared with tests. */
#ifndef CIDS_CLI_STATUS_H
#define CIDS_CLI_STATUS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* Whether the monitor that wrote a status file still runs (see cids status --help). */
bool status_monitor_alive(pid_t pid, double started, char *why, size_t whylen);
/* Required fields: "id" (non-empty string), "monitor_pid" (positive int); "dbs" an array. */
int status_validate(json_object *o, char *why, size_t whylen);
/* Live monitors of <run_dir>/monitors as a JSON array; stale files removed, malformed skipped. */
int status_collect(const char *run_dir, bool verbose, json_object **ret);
void status_print_line(FILE *f, json_object *o, double now);

#endif
