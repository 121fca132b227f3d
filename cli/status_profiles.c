/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids status --profiles: every profile in the store and how far each database is from steady. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cids/config.h"
#include "cids/json.h"
#include "cids/macro.h"
#include "cids/log.h"
#include "cids/profile.h"
#include "cids/util.h"
#include "status.h"

#define STATUS_MAX_PROFILES 65536

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One profile as {"key","sessions","updated","learned","clock","dbs":[...]}, or NULL. */
static json_object *profile_status(const char *path, const char *key)
{
	_cleanup_(engine_freep) struct cids_engine *e = NULL;
	struct cids_provenance p;
	char why[256] = "";
	int r = profile_load(path, &e, &p, why, sizeof(why));

	if (r < 0) {
		log_warn("Skipping profile \"%s\": %s", path, why[0] ? why : strerror(-r));
		return NULL;
	}
	const struct cids_engine_config *c = engine_config(e);
	json_object *o = json_object_new_object(), *dbs = json_object_new_array();
	json_object_object_add(o, "key", json_object_new_string(key));
	json_object_object_add(o, "sessions", json_object_new_int64(p.sessions));
	json_object_object_add(o, "updated", json_object_new_int64(p.updated));
	json_object_object_add(o, "learned", json_object_new_double(engine_elapsed(e)));
	json_object_object_add(
		o, "clock",
		json_object_new_string(c->clock == CIDS_CLOCK_CALLS ? "calls" : "seconds"));
	json_object_object_add(o, "interval", json_object_new_double(c->interval));
	json_object_object_add(o, "consecutive", json_object_new_int64(c->consecutive));
	for (unsigned i = 0; i < c->ndbs; i++) {
		const struct cids_steady *st = engine_db_steady(e, i);
		json_object *d = json_object_new_object();
		int64_t left = st->steady		  ? 0
			       : st->full		  ? -1
			       : c->consecutive > st->run ? (int64_t)(c->consecutive - st->run)
							  : 1;

		json_object_object_add(d, "algorithm",
				       json_object_new_string(cids_algo_name(c->dbs[i].algo)));
		json_object_object_add(d, "k", json_object_new_int(c->dbs[i].k));
		json_object_object_add(d, "entries",
				       json_object_new_int64((int64_t)engine_db_size(e, i)));
		json_object_object_add(d, "steady", json_object_new_boolean(st->steady));
		json_object_object_add(d, "full", json_object_new_boolean(st->full));
		json_object_object_add(d, "run", json_object_new_int64(st->run));
		json_object_object_add(d, "samples_left", json_object_new_int64(left));
		json_object_object_add(
			d, "eta",
			json_object_new_double(left > 0 ? (double)left * c->interval : 0));
		json_object_array_add(dbs, d);
	}
	json_object_object_add(o, "dbs", dbs);
	return o;
}

int status_profiles_collect(const char *store, json_object **ret)
{
	_cleanup_json_ json_object *arr = json_object_new_array();
	char **names = NULL;
	size_t n = 0, alloc = 0;
	int r = 0;
	DIR *d = opendir(store);

	if (!d) {
		if (errno == ENOENT) {
			*ret = TAKE_PTR(arr);
			return 0;
		}
		return -errno;
	}
	struct dirent *de;
	while ((de = readdir(d)) && n < STATUS_MAX_PROFILES) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l <= 8 || strcmp(de->d_name + l - 8, ".profile") != 0)
			continue;
		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 32;
			char **nn = reallocarray(names, na, sizeof(*names));
			if (!nn) {
				r = -ENOMEM;
				break;
			}
			names = nn;
			alloc = na;
		}
		if (!(names[n] = strdup(de->d_name))) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n && r >= 0; i++) {
		char path[CIDS_PATH_MAX * 2];

		names[i][strlen(names[i]) - 8] = '\0';
		if (!key_is_valid(names[i]))
			continue; /* not a file cids wrote */
		snprintf(path, sizeof(path), "%s/%s.profile", store, names[i]);
		json_object *o = profile_status(path, names[i]);
		if (o)
			json_object_array_add(arr, o);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(arr);
	return 0;
}

static void fmt_left(json_object *d, const char *clock, char *buf, size_t len)
{
	int64_t left = cids_json_int(d, "samples_left", 0);
	double eta = cids_json_num(d, "eta", 0);

	if (cids_json_bool(d, "steady", false))
		snprintf(buf, len, "steady");
	else if (left < 0)
		snprintf(buf, len, "full");
	else if (strcmp(clock, "calls") == 0)
		snprintf(buf, len, "%lld left (>= %.0f calls)", (long long)left, eta);
	else
		snprintf(buf, len, "%lld left (>= %.0fs)", (long long)left, eta);
}

void status_profiles_print(FILE *f, const char *store, json_object *arr)
{
	size_t n = json_object_array_length(arr);

	if (!n) {
		fprintf(f, "No profiles in %s.\n", store);
		return;
	}
	fprintf(f, "%-40s %8s %10s  %s\n", "PROFILE", "SESSIONS", "LEARNED",
		"DATABASES algo/k:entries(steady | samples below sigma left)");
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(arr, i), *dbs = NULL;
		const char *clock = cids_json_str(p, "clock", "seconds");
		char learned[32], left[64];

		snprintf(learned, sizeof(learned), "%.0f%s", cids_json_num(p, "learned", 0),
			 strcmp(clock, "calls") == 0 ? " calls" : "s");
		fprintf(f, "%-40s %8lld %10s ", cids_json_str(p, "key", ""),
			(long long)cids_json_int(p, "sessions", 0), learned);
		json_object_object_get_ex(p, "dbs", &dbs);
		for (size_t j = 0; dbs && j < json_object_array_length(dbs); j++) {
			json_object *d = json_object_array_get_idx(dbs, j);
			fmt_left(d, clock, left, sizeof(left));
			fprintf(f, " %s/%lld:%lld(%s)", cids_json_str(d, "algorithm", "?"),
				(long long)cids_json_int(d, "k", 0),
				(long long)cids_json_int(d, "entries", 0), left);
		}
		fputc('\n', f);
	}
}
