/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids profile show: provenance, Table I (syscalls), Table II (steady state), config. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cids/log.h"
#include "cids/profile.h"
#include "profile_text.h"
#include "cli.h"
#include "offline.h"
#include "show.h"

const char *show_clock_unit(const struct cids_engine *e)
{
	return engine_config(e)->clock == CIDS_CLOCK_SECONDS ? "s" : "calls";
}

void show_print_summary(FILE *f, const struct cids_engine *e)
{
	fprintf(f, "%u distinct syscalls, %llu calls learned (arch %s, clock %s).\n\n",
		engine_distinct_syms(e), (unsigned long long)engine_total_calls(e),
		cids_arch_name(engine_config(e)->arch), show_clock_unit(e));
	show_print_db_table(f, e);
}

void show_print_db_table(FILE *f, const struct cids_engine *e)
{
	const struct cids_engine_config *c = engine_config(e);

	fprintf(f, "%-9s %3s %10s %-7s %14s %12s\n", "algorithm", "k", "entries", "steady", "T_max",
		"size@T_max");
	for (unsigned i = 0; i < c->ndbs; i++) {
		const struct cids_steady *s = engine_db_steady(e, i);
		char tmax[32] = "-", sz[32] = "-";

		if (s->steady) {
			snprintf(tmax, sizeof(tmax), "%.6g %s", s->t_max, show_clock_unit(e));
			snprintf(sz, sizeof(sz), "%llu", (unsigned long long)s->size);
		}
		fprintf(f, "%-9s %3u %10llu %-7s %14s %12s\n", cids_algo_name(c->dbs[i].algo),
			c->dbs[i].k, (unsigned long long)engine_db_size(e, i),
			s->full	    ? "FULL"
			: s->steady ? "yes"
				    : "no",
			tmax, sz);
	}
}

void show_add_summary_json(struct json_object *o, const struct cids_engine *e)
{
	const struct cids_engine_config *c = engine_config(e);
	struct json_object *dbs = json_object_new_array();

	json_object_object_add(o, "distinct_syscalls",
			       json_object_new_int64(engine_distinct_syms(e)));
	json_object_object_add(o, "total_calls",
			       json_object_new_int64((int64_t)engine_total_calls(e)));
	for (unsigned i = 0; i < c->ndbs; i++) {
		const struct cids_steady *s = engine_db_steady(e, i);
		struct json_object *d = json_object_new_object();

		json_object_object_add(d, "algorithm",
				       json_object_new_string(cids_algo_name(c->dbs[i].algo)));
		json_object_object_add(d, "k", json_object_new_int(c->dbs[i].k));
		json_object_object_add(d, "entries",
				       json_object_new_int64((int64_t)engine_db_size(e, i)));
		json_object_object_add(d, "steady", json_object_new_boolean(s->steady));
		json_object_object_add(d, "full", json_object_new_boolean(s->full));
		json_object_object_add(d, "t_max",
				       s->steady ? json_object_new_double(s->t_max) : NULL);
		json_object_object_add(d, "size_at_t_max",
				       s->steady ? json_object_new_int64((int64_t)s->size) : NULL);
		json_object_object_add(d, "run_below_sigma", json_object_new_int((int)s->run));
		json_object_array_add(dbs, d);
	}
	json_object_object_add(o, "databases", dbs);
}

struct symcount {
	unsigned sym;
	uint64_t n;
};

static int cmp_count(const void *a, const void *b)
{
	const struct symcount *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->sym < y->sym ? -1 : x->sym > y->sym;
}

static size_t top_syms(const struct cids_engine *e, struct symcount *out)
{
	const uint64_t *cnt = engine_sym_counts(e);
	size_t n = 0;

	for (unsigned s = 0; s < CIDS_NSYM; s++)
		if (cnt[s])
			out[n++] = (struct symcount){s, cnt[s]};
	qsort(out, n, sizeof(*out), cmp_count);
	return n;
}

static const char *sym_name(const struct cids_engine *e, unsigned sym, char *buf, size_t len)
{
	const char *nm;

	if (sym == CIDS_SYM_OTHER)
		return "other";
	if (sym == CIDS_SYM_START)
		return "start"; /* a stream's start (profiles of version 2) */
	nm = cids_sys_name(engine_config(e)->arch, (int)sym);
	if (nm)
		return nm;
	snprintf(buf, len, "sys_%u", sym);
	return buf;
}

static void fmt_time(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || !gmtime_r(&tt, &tm) || strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "-");
}

static void help(FILE *f)
{
	fprintf(f,
		"Usage: cids profile show [--json] [--top N] PROFILE\n"
		"\n"
		"What a profile holds: where it came from, the syscalls it saw (distinct, total,\n"
		"the most frequent by name), each database's size and steady state (T_max and\n"
		"the size then), and the learning configuration.\n"
		"\n"
		"  --json     print everything as one JSON object\n"
		"  --top N    how many syscalls to list by count (default 15, 0 = all)\n"
		"\n"
		"Exit status: 0 shown, 2 usage error or unreadable profile.\n"
		"\n"
		"Example:\n"
		"  cids profile show --json adfa.profile\n");
}

int cmd_profile_show(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
					     {"json", no_argument, NULL, 'j'},
					     {"top", required_argument, NULL, 't'},
					     {}};
	struct symcount top[CIDS_NSYM];
	struct cids_engine *e = NULL;
	struct cids_provenance p = {};
	const struct cids_engine_config *c;
	unsigned long ntop = 15;
	bool json = false;
	char why[256] = "", tb[2][64], nb[32];
	size_t n;
	int r, opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "hjt:", opts, NULL)) >= 0) {
		switch (opt) {
		case 'h':
			help(stdout);
			return 0;
		case 'j':
			json = true;
			break;
		case 't':
			if (parse_uint(optarg, 0, CIDS_NSYM, &ntop) < 0)
				return exit_error("Bad --top \"%s\": give 0..%d.", optarg,
						  CIDS_NSYM);
			break;
		default:
			help(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		log_error("Need exactly one PROFILE; see \"cids profile show --help\".");
		return 2;
	}
	r = profile_load(argv[optind], &e, &p, why, sizeof(why));
	if (r < 0)
		return exit_error("Cannot load \"%s\": %s", argv[optind],
				  why[0] ? why : strerror(-r));
	c = engine_config(e);
	char digest[65] = "";
	if (profile_digest(e, digest, sizeof(digest)) < 0)
		digest[0] = '\0';
	n = top_syms(e, top);
	if (ntop == 0 || ntop > n)
		ntop = n;
	fmt_time(p.created, tb[0], sizeof(tb[0]));
	fmt_time(p.updated, tb[1], sizeof(tb[1]));

	if (json) {
		struct json_object *o = json_object_new_object(), *pv = json_object_new_object();
		struct json_object *ts = json_object_new_array(), *cf = json_object_new_object();

		json_object_object_add(o, "profile", json_object_new_string(argv[optind]));
		json_object_object_add(pv, "key", json_object_new_string(p.key));
		json_object_object_add(pv, "source", json_object_new_string(p.source));
		json_object_object_add(pv, "created", json_object_new_int64(p.created));
		json_object_object_add(pv, "updated", json_object_new_int64(p.updated));
		json_object_object_add(pv, "sessions", json_object_new_int64(p.sessions));
		json_object_object_add(o, "provenance", pv);
		json_object_object_add(o, "digest", json_object_new_string(digest));
		show_add_summary_json(o, e);
		for (size_t i = 0; i < ntop; i++) {
			struct json_object *s = json_object_new_object();
			json_object_object_add(s, "nr", json_object_new_int((int)top[i].sym));
			json_object_object_add(
				s, "name",
				json_object_new_string(sym_name(e, top[i].sym, nb, sizeof(nb))));
			json_object_object_add(s, "count",
					       json_object_new_int64((int64_t)top[i].n));
			json_object_array_add(ts, s);
		}
		json_object_object_add(o, "top_syscalls", ts);
		json_object_object_add(cf, "arch", json_object_new_string(cids_arch_name(c->arch)));
		json_object_object_add(cf, "sequence", json_object_new_string(seq_name(c->seq)));
		json_object_object_add(cf, "clock", json_object_new_string(show_clock_unit(e)));
		json_object_object_add(cf, "interval", json_object_new_double(c->interval));
		json_object_object_add(cf, "sigma", json_object_new_double(c->sigma));
		json_object_object_add(cf, "consecutive", json_object_new_int((int)c->consecutive));
		json_object_object_add(cf, "max_entries", json_object_new_int64(c->max_entries));
		json_object_object_add(cf, "learning_time",
				       json_object_new_double(engine_elapsed(e)));
		json_object_object_add(o, "config", cf);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		printf("Profile   %s\n", argv[optind]);
		printf("Key       %s\n", p.key[0] ? p.key : "-");
		printf("Source    %s\n", p.source[0] ? p.source : "-");
		printf("Created   %s\nUpdated   %s\nSessions  %u\n", tb[0], tb[1], p.sessions);
		printf("Digest    sha256:%s\n", digest);
		printf("Config    arch %s, sequence %s, clock %s, interval %g, sigma %g, "
		       "consecutive %u, max entries %u\n",
		       cids_arch_name(c->arch), seq_name(c->seq), show_clock_unit(e), c->interval,
		       c->sigma, c->consecutive, c->max_entries);
		printf("Learned   %g %s\n\n", engine_elapsed(e), show_clock_unit(e));
		printf("System calls (Table I): %u distinct, %llu total\n", engine_distinct_syms(e),
		       (unsigned long long)engine_total_calls(e));
		printf("  %5s  %-20s %12s %7s\n", "nr", "name", "count", "share");
		for (size_t i = 0; i < ntop; i++)
			printf("  %5u  %-20s %12llu %6.2f%%\n", top[i].sym,
			       sym_name(e, top[i].sym, nb, sizeof(nb)),
			       (unsigned long long)top[i].n,
			       engine_total_calls(e)
				       ? 100.0 * (double)top[i].n / (double)engine_total_calls(e)
				       : 0);
		printf("\nDatabases (Table II):\n");
		show_print_db_table(stdout, e);
	}
	engine_free(e);
	return 0;
}
