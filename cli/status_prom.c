/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cids status --prometheus / --textfile: the live monitors (their status files), cidsd's counters
 * and the store's profiles in the Prometheus text exposition format (version 0.0.4), for a
 * scraper or node_exporter's textfile collector.
 */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cids/config.h"
#include "cids/json.h"
#include "cids/macro.h"
#include "cids/util.h"
#include "status.h"

#define PROM_MAX_LABEL 256 /* bytes of a label value kept (container ids are 64) */

/* A label value: \ " and newline escaped as the format asks; other control bytes and bytes
 * that are not ASCII become '?', so that a hostile container id cannot break the UTF-8 the
 * format requires. */
static void put_label(FILE *f, const char *name, const char *v, bool first)
{
	fprintf(f, "%s%s=\"", first ? "" : ",", name);
	for (size_t i = 0; v && v[i] && i < PROM_MAX_LABEL; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '\\')
			fputs("\\\\", f);
		else if (c == '"')
			fputs("\\\"", f);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c >= 0x7f)
			fputc('?', f);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void put_value(FILE *f, double v)
{
	if (isnan(v))
		fputs(" NaN\n", f);
	else if (isinf(v))
		fputs(v > 0 ? " +Inf\n" : " -Inf\n", f);
	else if (v == floor(v) && fabs(v) < 9e15)
		fprintf(f, " %.0f\n", v);
	else
		fprintf(f, " %.9g\n", v);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample: name{container_id,profile_key[,extra labels]} value. */
static void sample_c(FILE *f, const char *name, json_object *m, const char *const *extra, double v)
{
	fprintf(f, "%s{", name);
	put_label(f, "container_id", cids_json_str(m, "id", ""), true);
	put_label(f, "profile_key", cids_json_str(m, "key", ""), false);
	for (size_t i = 0; extra && extra[i]; i += 2)
		put_label(f, extra[i], extra[i + 1], false);
	fputc('}', f);
	put_value(f, v);
}

static const char *const modes[] = {"learn", "detect", "enforce"};
static const char *const rules[] = {"cids_anomalous_window", "cids_kill_rate_limited"};

/* One sample per rule of the status file's object (alerts_by_rule / kills_by_rule); status files
 * of older monitors have none: what their totals tell. */
static void by_rule(FILE *f, json_object *m, const char *obj, const char *name)
{
	json_object *o = NULL;

	if (json_object_object_get_ex(m, obj, &o) && json_object_is_type(o, json_type_object)) {
		json_object_object_foreach (o, rule, v) {
			const char *ex[] = {"rule", rule, NULL};
			if (json_object_is_type(v, json_type_int))
				sample_c(f, name, m, ex, (double)json_object_get_int64(v));
		}
		return;
	}
	if (strcmp(obj, "kills_by_rule") == 0) {
		const char *ex[] = {"rule", rules[0], NULL};
		sample_c(f, name, m, ex, (double)cids_json_int(m, "kills", 0));
	} else {
		const char *ex[] = {"rule", rules[1], NULL};
		sample_c(f, name, m, ex, (double)cids_json_int(m, "kills_limited", 0));
	}
}

/* Each monitor's databases: size, steady, growth slope, time to steady. */
static void monitor_databases(FILE *f, json_object *arr, size_t n)
{
	static const struct {
		const char *name, *help;
	} dbf[] = {
		{"cids_database_entries", "Distinct windows in the database (its size)."},
		{"cids_database_steady",
		 "1 when the database has reached the learning steady state."},
		{"cids_database_growth_slope",
		 "Slope of the last growth sample, new entries per second."},
		{"cids_database_steady_eta_seconds",
		 "Least learning time before the database can be steady (0 when steady)."},
	};
	for (size_t q = 0; q < ARRAY_SIZE(dbf); q++) {
		family(f, dbf[q].name, "gauge", dbf[q].help);
		for (size_t i = 0; i < n; i++) {
			json_object *m = json_object_array_get_idx(arr, i), *dbs = NULL;
			json_object_object_get_ex(m, "dbs", &dbs);
			size_t nd = dbs && json_object_is_type(dbs, json_type_array)
					    ? json_object_array_length(dbs)
					    : 0;
			for (size_t j = 0; j < nd && j < 64; j++) {
				json_object *d = json_object_array_get_idx(dbs, j);
				char k[24];
				double v;

				snprintf(k, sizeof(k), "%lld", (long long)cids_json_int(d, "k", 0));
				const char *ex[] = {"algorithm", cids_json_str(d, "algorithm", ""),
						    "k", k, NULL};
				if (q == 0)
					v = (double)cids_json_int(d, "size", 0);
				else if (q == 1)
					v = cids_json_bool(d, "steady", false);
				else if (q == 2)
					v = cids_json_num(d, "slope", 0);
				else
					v = cids_json_num(d, "eta_s", 0);
				sample_c(f, dbf[q].name, m, ex, v);
			}
		}
	}
}

static void monitors(FILE *f, json_object *arr, double now)
{
	size_t n = arr ? json_object_array_length(arr) : 0;

	family(f, "cids_monitors", "gauge", "Live cids monitors (one per watched container).");
	fprintf(f, "cids_monitors %zu\n", n);
	if (!n)
		return;

	family(f, "cids_monitor_info", "gauge",
	       "A live monitor: its container, profile key, backend and mode (always 1).");
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(arr, i);
		const char *ex[] = {"backend", cids_json_str(m, "backend", ""), "mode",
				    cids_json_str(m, "mode", ""), NULL};
		sample_c(f, "cids_monitor_info", m, ex, 1);
	}
	family(f, "cids_monitor_last_update_age_seconds", "gauge",
	       "Seconds since the monitor last rewrote its status file (it does about once a "
	       "second; a large value is a stuck monitor).");
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(arr, i);
		double age = now - cids_json_num(m, "updated", now);
		sample_c(f, "cids_monitor_last_update_age_seconds", m, NULL, age < 0 ? 0 : age);
	}
	family(f, "cids_container_mode", "gauge",
	       "The container's mode: 1 for the current one of learn, detect, enforce.");
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(arr, i);
		for (size_t j = 0; j < ARRAY_SIZE(modes); j++) {
			const char *ex[] = {"mode", modes[j], NULL};
			sample_c(f, "cids_container_mode", m, ex,
				 strcmp(cids_json_str(m, "mode", ""), modes[j]) == 0);
		}
	}
	family(f, "cids_container_steady", "gauge",
	       "1 when the container's detection database has reached the learning steady "
	       "state.");
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(arr, i);
		sample_c(f, "cids_container_steady", m, NULL, cids_json_bool(m, "steady", false));
	}

	static const struct {
		const char *name, *field, *help;
	} counters[] = {
		{"cids_container_syscalls_total", "syscalls", "System calls seen."},
		{"cids_container_blocks_total", "blocks",
		 "System calls blocked (failed with EPERM) in enforce mode."},
		{"cids_container_alerts_dropped_total", "alerts_dropped",
		 "Alerts not written because of the per-second alert cap."},
		{"cids_container_events_lost_total", "lost",
		 "System-call events lost by the tracer (windows restarted)."},
		{"cids_container_checkpoints_total", "checkpoints", "Profile checkpoints written."},
	};
	for (size_t c = 0; c < ARRAY_SIZE(counters); c++) {
		family(f, counters[c].name, "counter", counters[c].help);
		for (size_t i = 0; i < n; i++) {
			json_object *m = json_object_array_get_idx(arr, i);
			sample_c(f, counters[c].name, m, NULL,
				 (double)cids_json_int(m, counters[c].field, 0));
		}
	}

	family(f, "cids_container_alerts_total", "counter", "Alerts raised, by rule.");
	for (size_t i = 0; i < n; i++)
		by_rule(f, json_object_array_get_idx(arr, i), "alerts_by_rule",
			"cids_container_alerts_total");
	family(f, "cids_container_kills_total", "counter",
	       "Processes (or containers) killed in enforce mode, by rule.");
	for (size_t i = 0; i < n; i++)
		by_rule(f, json_object_array_get_idx(arr, i), "kills_by_rule",
			"cids_container_kills_total");
	monitor_databases(f, arr, n);
}

/* cidsd's counters from <run_dir>/cidsd.json; nothing when the eBPF daemon is not in use. */
static void cidsd(FILE *f, const char *run_dir, double now)
{
	char path[CIDS_PATH_MAX + 16], why[128];
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ json_object *o = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/cidsd.json", run_dir);
	if (read_full_file(path, 1u << 16, &text, &len) < 0)
		return;
	if (cids_json_parse_object(text, len, 1u << 16, "cidsd.json", &o, why, sizeof(why)) < 0)
		return;
	pid_t pid = (pid_t)cids_json_int(o, "pid", 0);
	bool up = pid > 0 && status_monitor_alive(pid, 0, why, sizeof(why));
	double age = now - cids_json_num(o, "time", now);

	family(f, "cids_cidsd_up", "gauge",
	       "1 when the eBPF daemon that wrote cidsd.json runs and updated it in the last 30 "
	       "seconds.");
	fprintf(f, "cids_cidsd_up %d\n", up && age < 30);
	family(f, "cids_cidsd_containers", "gauge", "Containers registered with cidsd.");
	fprintf(f, "cids_cidsd_containers %lld\n", (long long)cids_json_int(o, "containers", 0));
	family(f, "cids_cidsd_events_total", "counter", "Events cidsd received from the kernel.");
	fprintf(f, "cids_cidsd_events_total %lld\n", (long long)cids_json_int(o, "events", 0));
	family(f, "cids_cidsd_events_lost_total", "counter",
	       "Events the kernel could not hand to cidsd (ring buffer full).");
	fprintf(f, "cids_cidsd_events_lost_total %lld\n", (long long)cids_json_int(o, "lost", 0));
}

/* The store's profiles (status_profiles_collect): how far each key is from steady. */
static void profiles(FILE *f, json_object *arr)
{
	size_t n = arr ? json_object_array_length(arr) : 0;
	static const struct {
		const char *name, *field, *help;
	} pf[] = {
		{"cids_profile_entries", "entries",
		 "Distinct windows in the stored profile's database."},
		{"cids_profile_steady", "steady", "1 when the stored database is steady."},
		{"cids_profile_steady_samples_left", "samples_left",
		 "Growth samples below sigma still needed before the database can be steady."},
	};

	if (!arr)
		return;
	family(f, "cids_profiles", "gauge", "Profiles in the store.");
	fprintf(f, "cids_profiles %zu\n", n);
	family(f, "cids_profile_sessions", "gauge",
	       "Containers or training runs that fed the stored profile.");
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(arr, i);
		fputs("cids_profile_sessions{", f);
		put_label(f, "profile_key", cids_json_str(p, "key", ""), true);
		fputc('}', f);
		put_value(f, (double)cids_json_int(p, "sessions", 0));
	}
	for (size_t q = 0; q < ARRAY_SIZE(pf); q++) {
		family(f, pf[q].name, "gauge", pf[q].help);
		for (size_t i = 0; i < n; i++) {
			json_object *p = json_object_array_get_idx(arr, i), *dbs = NULL;
			json_object_object_get_ex(p, "dbs", &dbs);
			size_t nd = dbs ? json_object_array_length(dbs) : 0;
			for (size_t j = 0; j < nd; j++) {
				json_object *d = json_object_array_get_idx(dbs, j);
				char k[24];

				snprintf(k, sizeof(k), "%lld", (long long)cids_json_int(d, "k", 0));
				fprintf(f, "%s{", pf[q].name);
				put_label(f, "profile_key", cids_json_str(p, "key", ""), true);
				put_label(f, "algorithm", cids_json_str(d, "algorithm", ""), false);
				put_label(f, "k", k, false);
				fputc('}', f);
				put_value(f, q == 1 ? (double)cids_json_bool(d, pf[q].field, false)
						    : (double)cids_json_int(d, pf[q].field, 0));
			}
		}
	}
}

int status_prometheus(FILE *f, json_object *mons, json_object *profs, const char *run_dir,
		      double now)
{
	monitors(f, mons, now);
	cidsd(f, run_dir, now);
	profiles(f, profs);
	return ferror(f) ? -EIO : 0;
}

int status_textfile(const char *path, json_object *mons, json_object *profs, const char *run_dir,
		    double now)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return -errno;
	r = status_prometheus(f, mons, profs, run_dir, now);
	if (fclose(f) != 0 && r >= 0)
		r = -EIO;
	if (r < 0)
		return r;
	/* node_exporter reads *.prom files whenever it is scraped: never a half-written one */
	return write_file_atomic(path, buf, len, 0644);
}
