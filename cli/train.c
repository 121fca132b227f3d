/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids train: learn a profile from recorded traces. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cids/log.h"
#include "cids/profile.h"
#include "cids/util.h"
#include "cli.h"

#define TRAIN_CALLS_INTERVAL 5000.0
#define TRAIN_CALLS_SIGMA    0.02
#include "offline.h"
#include "show.h"

static void help(FILE *f)
{
	fprintf(f,
		"Usage: cids train --format FORMAT -o PROFILE [OPTIONS] PATH...\n"
		"\n"
		"Learn STIDE and BoSC databases from recorded traces and save them as a profile.\n"
		"Directories are read recursively in sorted order; windows never cross a trace\n"
		"(a file, or a process/thread inside a file).\n"
		"Files ending in .gz are gunzipped; .tar, .tar.gz and .tgz archives are read\n"
		"member by member, each member its own trace (members ending in .gz too).\n"
		"Bad input stops with FILE:LINE: REASON and exit 2 unless --skip-bad.\n"
		"\n"
		"  -f, --format F          adfa | unm | strace | lid (required)\n"
		"  -o, --output PROFILE    profile to write (refused if it exists, see --force)\n"
		"      --force             replace an existing profile\n"
		"  -w, --windows LIST      STIDE window sizes (default 3,4,5,6)\n"
		"      --bosc-windows LIST BoSC window sizes (default 3,4,5,6,10)\n"
		"      --algorithms LIST   stide,bosc (default both)\n"
		"      --sequence S        thread | process | container: how streams are cut\n"
		"                          (strace, lid; default thread)\n"
		"      --clock C           calls | seconds (default: calls for adfa/unm, seconds\n"
		"                          for strace/lid)\n"
		"      --interval N        steady-state sampling interval, in the clock's unit\n"
		"                          (default 100 s; 5000 calls on the call clock)\n"
		"      --sigma S           steady when 0 <= slope <= S new entries per clock unit\n"
		"                          (default 0.15 per s; 0.02 per call on the call clock)\n"
		"      --consecutive C     ... C samples in a row (default 5)\n"
		"      --key K             workload key recorded in the profile\n"
		"      --skip-bad          warn about and skip bad lines (default: stop, exit 2)\n"
		"      --max-calls N       cap on calls per file (default %llu)\n"
		"      --max-files N       cap on files (default %u)\n"
		"      --json              print the summary as JSON\n"
		"\n"
		"Exit status: 0 saved, 2 usage error, bad input or failure to save.\n"
		"\n"
		"Example:\n"
		"  cids train --format adfa -o adfa.profile ADFA-LD/Training_Data_Master\n"
		"  cids train --format strace --sequence process -o app.profile app.strace\n",
		TRACE_MAX_CALLS, TRACE_MAX_FILES);
}

static int fill_dbs(struct cids_engine_config *c, bool stide, bool bosc, const uint8_t *sk,
		    unsigned nsk, const uint8_t *bk, unsigned nbk)
{
	c->ndbs = 0;
	if (stide)
		for (unsigned i = 0; i < nsk; i++) {
			if (c->ndbs == CIDS_MAX_DBS)
				return -E2BIG;
			c->dbs[c->ndbs++] = (struct cids_db_id){CIDS_ALGO_STIDE, sk[i]};
		}
	if (bosc)
		for (unsigned i = 0; i < nbk; i++) {
			if (c->ndbs == CIDS_MAX_DBS)
				return -E2BIG;
			c->dbs[c->ndbs++] = (struct cids_db_id){CIDS_ALGO_BOSC, bk[i]};
		}
	return c->ndbs ? 0 : -EINVAL;
}

struct train_args {
	struct trace_opts to;
	uint8_t sk[CIDS_MAX_DBS], bk[CIDS_MAX_DBS];
	unsigned nsk, nbk;
	bool stide, bosc, force, json;
	const char *out, *key;
	int clock, consecutive;
	double interval, sigma;
	unsigned long max_files;
};

#define ARGS_RUN (-1) /* parse_args: go on (else the exit status) */

/* train's long options without a short name */
enum {
	O_FORCE = 256,
	O_BOSC,
	O_ALGOS,
	O_SEQ,
	O_CLOCK,
	O_INTERVAL,
	O_SIGMA,
	O_CONSEC,
	O_KEY,
	O_SKIP,
	O_MAXCALLS,
	O_MAXFILES,
	O_JSON
};

/* One option of cids train into a: ARGS_RUN, or the exit status (help, a bad value). */
static int train_option(struct train_args *a, int opt, const char *arg)
{
	unsigned long v;
	int r;

	switch (opt) {
	case 'h':
		help(stdout);
		return 0;
	case 'f':
		r = trace_format_from_name(arg);
		if (r < 0)
			return exit_error("Unknown format \"%s\": use adfa, unm, strace or "
					  "lid.",
					  arg);
		a->to.format = (enum trace_format)r;
		return ARGS_RUN;
	case 'o':
		a->out = arg;
		return ARGS_RUN;
	case O_FORCE:
		a->force = true;
		return ARGS_RUN;
	case 'w':
	case O_BOSC:
		r = parse_k_list(arg, 1, CIDS_MAX_K, opt == 'w' ? a->sk : a->bk, CIDS_MAX_DBS,
				 opt == 'w' ? &a->nsk : &a->nbk);
		if (r < 0)
			return exit_error("Bad window list \"%s\": give sizes 1..%d like "
					  "3,4,5,6.",
					  arg, CIDS_MAX_K);
		return ARGS_RUN;
	case O_ALGOS:
		if (parse_algorithms(arg, &a->stide, &a->bosc) < 0)
			return exit_error("Bad --algorithms \"%s\": use stide, bosc or "
					  "stide,bosc.",
					  arg);
		return ARGS_RUN;
	case O_SEQ:
		r = parse_seq(arg);
		if (r < 0)
			return exit_error("Bad --sequence \"%s\": use thread, process or "
					  "container.",
					  arg);
		a->to.seq = (enum cids_seq)r;
		return ARGS_RUN;
	case O_CLOCK:
		if (strcmp(arg, "calls") == 0)
			a->clock = CIDS_CLOCK_CALLS;
		else if (strcmp(arg, "seconds") == 0)
			a->clock = CIDS_CLOCK_SECONDS;
		else
			return exit_error("Bad --clock \"%s\": use calls or seconds.", arg);
		return ARGS_RUN;
	case O_INTERVAL:
		if (parse_double(arg, 1e-6, 1e12, &a->interval) < 0)
			return exit_error("Bad --interval \"%s\": give a positive number.", arg);
		return ARGS_RUN;
	case O_SIGMA:
		if (parse_double(arg, 0, 1e12, &a->sigma) < 0)
			return exit_error("Bad --sigma \"%s\": give a number >= 0.", arg);
		return ARGS_RUN;
	case O_CONSEC:
		if (parse_uint(arg, 1, 1000000, &v) < 0)
			return exit_error("Bad --consecutive \"%s\": give 1..1000000.", arg);
		a->consecutive = (int)v;
		return ARGS_RUN;
	case O_KEY:
		if (!key_is_valid(arg))
			return exit_error("Bad --key \"%s\": 1..128 of [A-Za-z0-9._-], not "
					  "starting with '.'.",
					  arg);
		a->key = arg;
		return ARGS_RUN;
	case O_SKIP:
		a->to.skip_bad = true;
		return ARGS_RUN;
	case O_MAXCALLS:
		if (parse_uint(arg, 1, ~0ul, &v) < 0)
			return exit_error("Bad --max-calls \"%s\".", arg);
		a->to.max_calls = v;
		return ARGS_RUN;
	case O_MAXFILES:
		if (parse_uint(arg, 1, ~0ul, &a->max_files) < 0)
			return exit_error("Bad --max-files \"%s\".", arg);
		return ARGS_RUN;
	case O_JSON:
		a->json = true;
		return ARGS_RUN;
	default:
		help(stderr);
		return 2;
	}
}

static int parse_args(int argc, char **argv, struct train_args *a)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
					     {"format", required_argument, NULL, 'f'},
					     {"output", required_argument, NULL, 'o'},
					     {"force", no_argument, NULL, O_FORCE},
					     {"windows", required_argument, NULL, 'w'},
					     {"bosc-windows", required_argument, NULL, O_BOSC},
					     {"algorithms", required_argument, NULL, O_ALGOS},
					     {"sequence", required_argument, NULL, O_SEQ},
					     {"clock", required_argument, NULL, O_CLOCK},
					     {"interval", required_argument, NULL, O_INTERVAL},
					     {"sigma", required_argument, NULL, O_SIGMA},
					     {"consecutive", required_argument, NULL, O_CONSEC},
					     {"key", required_argument, NULL, O_KEY},
					     {"skip-bad", no_argument, NULL, O_SKIP},
					     {"max-calls", required_argument, NULL, O_MAXCALLS},
					     {"max-files", required_argument, NULL, O_MAXFILES},
					     {"json", no_argument, NULL, O_JSON},
					     {}};
	int r, opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "hf:o:w:", opts, NULL)) >= 0) {
		r = train_option(a, opt, optarg);
		if (r != ARGS_RUN)
			return r;
	}
	if ((int)a->to.format < 0 || !a->out || optind >= argc) {
		log_error("Need --format, -o PROFILE and at least one PATH; see \"cids train "
			  "--help\".");
		return 2;
	}
	r = check_output_path(a->out, a->force);
	if (r == -EEXIST)
		return log_error("\"%s\" exists; pass --force to replace it.", a->out), 2;
	if (r < 0)
		return exit_error_errno(r, "Cannot write \"%s\"", a->out);
	return ARGS_RUN;
}

/* The engine's configuration from the options: -E2BIG with too many databases. */
static int train_config(const struct train_args *a, struct cids_engine_config *c)
{
	engine_config_default(c);
	c->arch = trace_format_arch(a->to.format);
	c->seq = a->to.seq;
	c->clock = a->clock >= 0 ? (enum cids_clock)a->clock : trace_format_clock(a->to.format);
	if (c->clock == CIDS_CLOCK_CALLS) {
		/* The paper's 0.15 entries/s assumes tens of thousands of calls a second; per call
		 * it would call a database steady after a few hundred calls. On the call clock
		 * the default asks for at most one new entry per 50 calls, 5 samples of 5,000 in a
		 * row.
		 */
		c->interval = TRAIN_CALLS_INTERVAL;
		c->sigma = TRAIN_CALLS_SIGMA;
	}
	if (a->interval > 0)
		c->interval = a->interval;
	if (a->sigma >= 0)
		c->sigma = a->sigma;
	if (a->consecutive > 0)
		c->consecutive = (unsigned)a->consecutive;
	return fill_dbs(c, a->stide, a->bosc, a->sk, a->nsk, a->bk, a->nbk);
}

static void print_result(const struct train_args *a, const struct cids_engine *e,
			 const struct learn_stats *st)
{
	if (a->json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "profile", json_object_new_string(a->out));
		json_object_object_add(o, "format",
				       json_object_new_string(trace_format_name(a->to.format)));
		json_object_object_add(o, "files", json_object_new_int64((int64_t)st->files));
		json_object_object_add(o, "calls", json_object_new_int64((int64_t)st->calls));
		json_object_object_add(o, "unknown_calls",
				       json_object_new_int64((int64_t)st->unknown));
		json_object_object_add(o, "bad_lines",
				       json_object_new_int64((int64_t)st->bad_lines));
		show_add_summary_json(o, e);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		printf("Saved \"%s\": %zu files, %llu calls", a->out, st->files,
		       (unsigned long long)st->calls);
		if (st->bad_lines)
			printf(", %llu bad lines skipped", (unsigned long long)st->bad_lines);
		printf(".\n");
		show_print_summary(stdout, e);
	}
}

int cmd_train(int argc, char **argv)
{
	struct train_args a = {
		.to = {.format = (enum trace_format) - 1, .seq = CIDS_SEQ_THREAD},
		.sk = {3, 4, 5, 6},
		.bk = {3, 4, 5, 6, 10},
		.nsk = 4,
		.nbk = 5,
		.stide = true,
		.bosc = true,
		.key = "",
		.clock = -1,
		.consecutive = -1,
		.interval = -1,
		.sigma = -1,
	};
	struct cids_engine_config c;
	struct cids_engine *e = NULL;
	struct trace_files files = {};
	struct learn_stats st = {};
	struct cids_provenance prov = {};
	char why[512];
	int r;

	r = parse_args(argc, argv, &a);
	if (r != ARGS_RUN)
		return r;
	if (train_config(&a, &c) < 0)
		return exit_error("Too many databases: at most %d (algorithms x windows).",
				  CIDS_MAX_DBS);

	r = trace_files_collect(argv + optind, (size_t)(argc - optind), a.to.format, a.max_files,
				&files, why, sizeof(why));
	if (r < 0)
		return exit_error("%s", why);
	r = engine_new(&c, &e);
	if (r < 0) {
		trace_files_done(&files);
		return exit_error_errno(r, "Cannot set up the engine");
	}
	r = learn_files(e, &files, &a.to, c.clock, &st);
	if (r < 0)
		goto out;
	if (st.calls == 0) {
		log_error("No system calls learned; are the traces in --format %s?",
			  trace_format_name(a.to.format));
		r = -ENODATA;
		goto out;
	}
	if (st.unknown)
		log_warn("%llu calls had names without a number (first: \"%s\"); learned as "
			 "\"other\".",
			 (unsigned long long)st.unknown, st.first_unknown);

	snprintf(prov.key, sizeof(prov.key), "%s", a.key);
	snprintf(prov.source, sizeof(prov.source), "cids train --format %s %s%s",
		 trace_format_name(a.to.format), argv[optind], argc - optind > 1 ? " ..." : "");
	prov.created = prov.updated = (int64_t)time(NULL);
	prov.sessions = 1;
	r = profile_save(e, &prov, a.out);
	if (r < 0) {
		log_error_errno(r, "Cannot save \"%s\"", a.out);
		goto out;
	}
	print_result(&a, e, &st);
out:
	engine_free(e);
	trace_files_done(&files);
	return r < 0 ? 2 : 0;
}
