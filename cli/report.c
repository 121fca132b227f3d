/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids report: the paper's Table II for every database of a profile, and its growth curves. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cids/json.h"
#include "cids/log.h"
#include "cids/profile.h"
#include "cids/util.h"
#include "cli.h"
#include "report.h"
#include "svg.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: cids report PROFILE [-o report.svg] [--format table|json|csv] "
		"[--max-points N]\n"
		"\n"
		"Prints the steady-state table (the paper's Table II) for every database of "
		"PROFILE:\n"
		"algorithm, window size k, T_max (learning time when steady state was reached), "
		"database\n"
		"size at T_max (the current size when not steady) and the state: steady, not "
		"steady, or\n"
		"full (the database hit its entry cap and stopped learning).\n"
		"\n"
		"  -o, --output FILE   also draw the growth curves as SVG: one panel per algorithm "
		"and k,\n"
		"                      points coloured as in the paper's Fig. 3 (blue: slope <= "
		"sigma,\n"
		"                      green: the run leading to steady state, red: the steady "
		"point)\n"
		"  -f, --format FMT    table (default), json or csv\n"
		"      --max-points N  points drawn per panel before the curve is decimated (%d)\n"
		"  -h, --help          this text\n"
		"\n"
		"Example:\n"
		"  cids report /var/lib/cids/profiles/web.profile -o web-growth.svg\n"
		"  chromium --headless --screenshot=web.png --window-size=1600,700 "
		"web-growth.svg\n",
		SVG_DEFAULT_POINTS);
}

const char *report_state_name(const struct cids_steady *st)
{
	return st->full ? "full" : st->steady ? "steady" : "not steady";
}

void report_row(const struct cids_engine *e, unsigned db, struct report_row *ret)
{
	const struct cids_engine_config *c = engine_config(e);
	const struct cids_steady *st = engine_db_steady(e, db);
	struct report_row r = {0};

	r.algo = cids_algo_name(c->dbs[db].algo);
	r.k = c->dbs[db].k;
	r.steady = st->steady;
	r.full = st->full;
	r.t_max = st->steady ? st->t_max : -1;
	r.size_now = engine_db_size(e, db);
	r.size = st->steady ? st->size : r.size_now;
	r.run = st->run;
	engine_db_growth(e, db, &r.samples);
	r.state = report_state_name(st);
	*ret = r;
}

static void print_table(FILE *f, const struct cids_engine *e, const struct cids_provenance *p)
{
	const struct cids_engine_config *c = engine_config(e);
	bool calls = c->clock == CIDS_CLOCK_CALLS;

	char key[PROFILE_KEY_MAX + 1];
	size_t kl = 0;

	/* the key comes from a file: no control characters to the terminal */
	for (; kl < PROFILE_KEY_MAX && p->key[kl]; kl++)
		key[kl] = (unsigned char)p->key[kl] < 0x20 || p->key[kl] == 0x7f ? '?' : p->key[kl];
	key[kl] = '\0';
	fprintf(f, "Profile %s%s%s: %llu calls learned, %u sessions, arch %s\n", key[0] ? "\"" : "",
		key[0] ? key : "(no key)", key[0] ? "\"" : "",
		(unsigned long long)engine_total_calls(e), p->sessions, cids_arch_name(c->arch));
	fprintf(f,
		"Steady when 0 <= slope <= %g entries/%s for %u consecutive samples every %g "
		"%s\n\n",
		c->sigma, calls ? "call" : "s", c->consecutive, c->interval, calls ? "calls" : "s");
	fprintf(f, "%-9s %3s %14s %10s %10s  %s\n", "algorithm", "k",
		calls ? "T_max (calls)" : "T_max (s)", "DB size", "now", "state");
	for (unsigned i = 0; i < c->ndbs; i++) {
		struct report_row r;
		char tmax[32];
		report_row(e, i, &r);
		if (r.steady)
			snprintf(tmax, sizeof(tmax), calls ? "%.0f" : "%.1f", r.t_max);
		else
			snprintf(tmax, sizeof(tmax), "-");
		fprintf(f, "%-9s %3u %14s %10llu %10llu  %s", r.algo, r.k, tmax,
			(unsigned long long)r.size, (unsigned long long)r.size_now, r.state);
		if (!r.steady && !r.full)
			fprintf(f, " (%u/%u below sigma)", r.run, c->consecutive);
		if (r.steady && r.full)
			fprintf(f, " (and full)");
		fputc('\n', f);
	}
}

static void print_csv(FILE *f, const struct cids_engine *e)
{
	const struct cids_engine_config *c = engine_config(e);

	fprintf(f, "algorithm,k,t_max,size,size_now,state,samples,clock\n");
	for (unsigned i = 0; i < c->ndbs; i++) {
		struct report_row r;
		report_row(e, i, &r);
		if (r.steady)
			fprintf(f, "%s,%u,%.6g,", r.algo, r.k, r.t_max);
		else
			fprintf(f, "%s,%u,,", r.algo, r.k);
		fprintf(f, "%llu,%llu,%s,%zu,%s\n", (unsigned long long)r.size,
			(unsigned long long)r.size_now, r.state, r.samples,
			c->clock == CIDS_CLOCK_CALLS ? "calls" : "seconds");
	}
}

json_object *report_json(const struct cids_engine *e, const struct cids_provenance *p)
{
	const struct cids_engine_config *c = engine_config(e);
	json_object *o = json_object_new_object(), *dbs = json_object_new_array();

	json_object_object_add(o, "key", json_object_new_string(p->key));
	json_object_object_add(o, "source", json_object_new_string(p->source));
	json_object_object_add(o, "sessions", json_object_new_int64(p->sessions));
	json_object_object_add(o, "arch", json_object_new_string(cids_arch_name(c->arch)));
	json_object_object_add(
		o, "clock",
		json_object_new_string(c->clock == CIDS_CLOCK_CALLS ? "calls" : "seconds"));
	json_object_object_add(o, "interval", json_object_new_double(c->interval));
	json_object_object_add(o, "sigma", json_object_new_double(c->sigma));
	json_object_object_add(o, "consecutive", json_object_new_int64(c->consecutive));
	json_object_object_add(o, "calls", json_object_new_int64((int64_t)engine_total_calls(e)));
	for (unsigned i = 0; i < c->ndbs; i++) {
		struct report_row r;
		json_object *d = json_object_new_object();
		report_row(e, i, &r);
		json_object_object_add(d, "algorithm", json_object_new_string(r.algo));
		json_object_object_add(d, "k", json_object_new_int64(r.k));
		json_object_object_add(d, "t_max",
				       r.steady ? json_object_new_double(r.t_max) : NULL);
		json_object_object_add(d, "size", json_object_new_int64((int64_t)r.size));
		json_object_object_add(d, "size_now", json_object_new_int64((int64_t)r.size_now));
		json_object_object_add(d, "steady", json_object_new_boolean(r.steady));
		json_object_object_add(d, "full", json_object_new_boolean(r.full));
		json_object_object_add(d, "state", json_object_new_string(r.state));
		json_object_object_add(d, "run", json_object_new_int64(r.run));
		json_object_object_add(d, "samples", json_object_new_int64((int64_t)r.samples));
		json_object_array_add(dbs, d);
	}
	json_object_object_add(o, "dbs", dbs);
	return o;
}

/* The SVG in memory, then written atomically (write_file_atomic): a reader never sees half a
 * plot. */
static int write_svg(const char *out, const struct cids_engine *e, const struct cids_provenance *p,
		     const struct svg_opts *o)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (strcmp(out, "-") == 0)
		return svg_growth_write(stdout, e, p, o);
	f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	r = svg_growth_write(f, e, p, o);
	if (fclose(f) != 0 && r >= 0)
		r = -errno;
	if (r < 0)
		return r;
	return write_file_atomic(out, buf, len, 0644);
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
					     {"format", required_argument, NULL, 'f'},
					     {"json", no_argument, NULL, 'j'},
					     {"max-points", required_argument, NULL, 'm'},
					     {"help", no_argument, NULL, 'h'},
					     {}};
	const char *out = NULL, *format = "table";
	struct svg_opts so = {0};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "o:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'j':
			format = "json";
			break;
		case 'm': {
			char *end;
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (errno || *end || v < 10 || v > 1000000) {
				log_error("--max-points: expected a number from 10 to 1000000, got "
					  "\"%s\".",
					  optarg);
				return 2;
			}
			so.max_points = v;
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0 &&
	    strcmp(format, "csv") != 0) {
		log_error("--format: expected table, json or csv, got \"%s\".", format);
		return 2;
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}

	_cleanup_(engine_freep) struct cids_engine *e = NULL;
	struct cids_provenance p = {0};
	char why[256] = "";
	int r = profile_load(argv[optind], &e, &p, why, sizeof(why));
	if (r < 0) {
		log_error("Cannot load profile \"%s\": %s", argv[optind],
			  why[0] ? why : strerror(-r));
		return 2;
	}

	FILE *tf = out && strcmp(out, "-") == 0 ? stderr : stdout;
	if (strcmp(format, "json") == 0) {
		_cleanup_(json_object_putp) json_object *o = report_json(e, &p);
		fprintf(tf, "%s\n",
			json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	} else if (strcmp(format, "csv") == 0)
		print_csv(tf, e);
	else
		print_table(tf, e, &p);

	if (out) {
		r = write_svg(out, e, &p, &so);
		if (r < 0) {
			log_error_errno(r, "Cannot write \"%s\"", out);
			return 2;
		}
		if (strcmp(out, "-") != 0)
			fprintf(stderr, "Growth curves written to %s\n", out);
	}
	return 0;
}
