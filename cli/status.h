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

/* cli/status_profiles.c: the store's profiles as a JSON array of {"key","sessions","updated",
 * "learned","clock","interval","consecutive","dbs":[{"algorithm","k","entries","steady","full",
 * "run","samples_left","eta"}]} (samples_left: growth samples below sigma still needed, 0
 * steady, -1 full), sorted by key; unreadable profiles are skipped with a warning. */
int status_profiles_collect(const char *store, json_object **ret);
void status_profiles_print(FILE *f, const char *store, json_object *arr);

/* cli/status_prom.c: monitors (status_collect), cidsd.json of run_dir and profiles (may be
 * NULL) in the Prometheus text format; status_textfile writes it atomically to path. */
int status_prometheus(FILE *f, json_object *mons, json_object *profs, const char *run_dir,
		      double now);
int status_textfile(const char *path, json_object *mons, json_object *profs, const char *run_dir,
		    double now);

#endif
