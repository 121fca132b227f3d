/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids scan: score recorded traces against a profile, per trace and detector. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cids/log.h"
#include "cids/profile.h"
#include "cli.h"
#include "offline.h"

#define SCAN_DEFAULT_FRAME     20
#define SCAN_DEFAULT_THRESHOLD 4

static void help(FILE *f)
{
	fprintf(f,
		"Usage: cids scan --profile PROFILE [OPTIONS] PATH...\n"
		"\n"
		"Score every trace (a file, an archive member, or one process/thread of\n"
		"one) against the profile's databases. A trace alarms when its peak\n"
		"reaches the threshold: for STIDE the most mismatching windows among any\n"
		"--frame consecutive windows (locality frame count), for BoSC the most\n"
		"mismatching bags in any epoch of --frame calls.\n"
		"\n"
		"  -p, --profile PROFILE   the profile to score against (required)\n"
		"  -f, --format F          adfa | unm | strace | lid (default: adfa for i386\n"
		"                          profiles, unm for arch none; required for x86_64)\n"
		"  -d, --detector A:K      stide:6, bosc:10, ... (repeatable; default every "
		"database)\n"
		"      --frame N           locality frame / epoch (default %d)\n"
		"  -t, --threshold T       alarm when the peak reaches T (default %d)\n"
		"      --sequence S        thread | process | container (default: the profile's)\n"
		"      --alarms-only       list only traces that alarm\n"
		"      --skip-bad          warn about and skip bad lines (default: stop, exit 2)\n"
		"      --json              one JSON object with every trace's scores\n"
		"\n"
		"Exit status: 0 no alarm, 1 at least one alarm, 2 usage error or bad input.\n"
		"\n"
		"Example:\n"
		"  cids scan --profile adfa.profile --detector stide:6 --threshold 4 \\\n"
		"      ADFA-LD/Attack_Data_Master/Adduser_1\n",
		SCAN_DEFAULT_FRAME, SCAN_DEFAULT_THRESHOLD);
}

struct scan_args {
	const char *profile;
	int format;
	int seq;
	struct cids_db_id det[CIDS_MAX_DBS];
	unsigned ndet;
	unsigned long frame, threshold;
	bool json, alarms_only, skip_bad;
};

static int parse_detector(const char *s, struct cids_db_id *ret)
{
	char algo[16];
	const char *colon = strchr(s, ':');
	unsigned long k;
	int a;

	if (!colon || (size_t)(colon - s) >= sizeof(algo))
		return -EINVAL;
	memcpy(algo, s, (size_t)(colon - s));
	algo[colon - s] = '\0';
	a = cids_algo_from_name(algo);
	if (a < 0 || parse_uint(colon + 1, 1, CIDS_MAX_K, &k) < 0)
		return -EINVAL;
	*ret = (struct cids_db_id){(uint8_t)a, (uint8_t)k};
	return 0;
}

static int parse_args(int argc, char **argv, struct scan_args *a)
{
	enum { O_FRAME = 256, O_SEQ, O_ALARMS, O_SKIP, O_JSON };
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
					     {"profile", required_argument, NULL, 'p'},
					     {"format", required_argument, NULL, 'f'},
					     {"detector", required_argument, NULL, 'd'},
					     {"frame", required_argument, NULL, O_FRAME},
					     {"threshold", required_argument, NULL, 't'},
					     {"sequence", required_argument, NULL, O_SEQ},
					     {"alarms-only", no_argument, NULL, O_ALARMS},
					     {"skip-bad", no_argument, NULL, O_SKIP},
					     {"json", no_argument, NULL, O_JSON},
					     {}};
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "hp:f:d:t:", opts, NULL)) >= 0) {
		switch (opt) {
		case 'h':
			help(stdout);
			return 1;
		case 'p':
			a->profile = optarg;
			break;
		case 'f':
			a->format = trace_format_from_name(optarg);
			if (a->format < 0)
				return log_error("Unknown format \"%s\": use adfa, unm, strace or "
						 "lid.",
						 optarg),
				       -EINVAL;
			break;
		case 'd':
			if (a->ndet == CIDS_MAX_DBS)
				return log_error("At most %d detectors.", CIDS_MAX_DBS), -EINVAL;
			if (parse_detector(optarg, &a->det[a->ndet]) < 0)
				return log_error("Bad --detector \"%s\": use stide:K or bosc:K.",
						 optarg),
				       -EINVAL;
			a->ndet++;
			break;
		case O_FRAME:
			if (parse_uint(optarg, 1, 65535, &a->frame) < 0)
				return log_error("Bad --frame \"%s\": give 1..65535.", optarg),
				       -EINVAL;
			break;
		case 't':
			if (parse_uint(optarg, 1, 65535, &a->threshold) < 0)
				return log_error("Bad --threshold \"%s\": give 1..65535.", optarg),
				       -EINVAL;
			break;
		case O_SEQ:
			a->seq = parse_seq(optarg);
			if (a->seq < 0)
				return log_error("Bad --sequence \"%s\": use thread, process or "
						 "container.",
						 optarg),
				       -EINVAL;
			break;
		case O_ALARMS:
			a->alarms_only = true;
			break;
		case O_SKIP:
			a->skip_bad = true;
			break;
		case O_JSON:
			a->json = true;
			break;
		default:
			help(stderr);
			return -EINVAL;
		}
	}
	if (!a->profile || optind >= argc)
		return log_error("Need --profile and at least one PATH; see \"cids scan --help\"."),
		       -EINVAL;
	if (a->threshold > a->frame)
		return log_error("--threshold %lu can never be reached with --frame %lu.",
				 a->threshold, a->frame),
		       -EINVAL;
	return 0;
}

/* Trace t of set (from path): one row (or JSON object in jtr) per detector; *any when one of
 * them alarms. */
static int scan_trace(const struct scan_args *a, struct cids_engine *e, const int *dbi,
		      const char *path, const struct trace_set *set, size_t t,
		      enum trace_format format, struct json_object *jtr, bool *any)
{
	const struct trace_rec *tr = &set->t[t];
	bool multi = format != TRACE_ADFA;
	bool archive = set->t[set->n - 1].member > 0;
	struct json_object *jt = NULL, *jd = NULL;
	char label[512];
	int r;

	/* file[#member of an archive][:stream] */
	int m = snprintf(label, sizeof(label), "%s", path);
	if (archive && m > 0 && (size_t)m < sizeof(label))
		m += snprintf(label + m, sizeof(label) - (size_t)m, "#%u", tr->member);
	if (multi && m > 0 && (size_t)m < sizeof(label))
		snprintf(label + m, sizeof(label) - (size_t)m, ":%llu",
			 (unsigned long long)tr->stream);
	if (a->json) {
		jt = json_object_new_object();
		jd = json_object_new_array();
		json_object_object_add(jt, "file", json_object_new_string(path));
		if (archive)
			json_object_object_add(jt, "member", json_object_new_int((int)tr->member));
		if (multi)
			json_object_object_add(jt, "stream",
					       json_object_new_int64((int64_t)tr->stream));
		json_object_object_add(jt, "calls", json_object_new_int64((int64_t)tr->n));
	}
	for (unsigned i = 0; i < a->ndet; i++) {
		struct cids_score s;
		unsigned peak;
		bool alarm;

		r = engine_score_trace(e, (unsigned)dbi[i], tr->syms, tr->n, (unsigned)a->frame,
				       &s);
		if (r < 0) {
			json_object_put(jt);
			json_object_put(jd);
			return log_error_errno(r, "Cannot score \"%s\"", label);
		}
		peak = a->det[i].algo == CIDS_ALGO_STIDE ? s.max_lfc : s.max_epoch;
		alarm = peak >= a->threshold;
		*any |= alarm;
		if (jd) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(
				o, "algorithm",
				json_object_new_string(cids_algo_name(a->det[i].algo)));
			json_object_object_add(o, "k", json_object_new_int(a->det[i].k));
			json_object_object_add(o, "windows",
					       json_object_new_int64((int64_t)s.windows));
			json_object_object_add(o, "mismatches",
					       json_object_new_int64((int64_t)s.mismatches));
			json_object_object_add(o, "rate", json_object_new_double(s.rate));
			json_object_object_add(o, "peak", json_object_new_int((int)peak));
			json_object_object_add(o, "rarity", json_object_new_double(s.rarity));
			json_object_object_add(o, "alarm", json_object_new_boolean(alarm));
			json_object_array_add(jd, o);
		} else if (!a->alarms_only || alarm) {
			printf("%-40s %8zu %-9s %3u %8llu %8llu %7.4f %5u %s\n", label, tr->n,
			       cids_algo_name(a->det[i].algo), a->det[i].k,
			       (unsigned long long)s.windows, (unsigned long long)s.mismatches,
			       s.rate, peak, alarm ? "ALARM" : "-");
		}
	}
	if (jt) {
		json_object_object_add(jt, "detectors", jd);
		json_object_object_add(jt, "alarm", json_object_new_boolean(*any));
		if (!a->alarms_only || *any)
			json_object_array_add(jtr, jt);
		else
			json_object_put(jt);
	}
	return 0;
}

int cmd_scan(int argc, char **argv)
{
	struct scan_args a = {.format = -1,
			      .seq = -1,
			      .frame = SCAN_DEFAULT_FRAME,
			      .threshold = SCAN_DEFAULT_THRESHOLD};
	struct cids_engine *e = NULL;
	struct cids_provenance prov;
	struct trace_files files = {};
	struct trace_opts to = {};
	struct json_object *jtr = NULL;
	int dbi[CIDS_MAX_DBS];
	size_t ntraces = 0, nalarm = 0;
	char why[512] = "";
	int r;

	r = parse_args(argc, argv, &a);
	if (r != 0)
		return r > 0 ? 0 : 2;
	r = profile_load(a.profile, &e, &prov, why, sizeof(why));
	if (r < 0)
		return exit_error("Cannot load \"%s\": %s", a.profile, why[0] ? why : strerror(-r));
	if (a.format < 0) {
		enum cids_arch arch = engine_config(e)->arch;
		if (arch == CIDS_ARCH_X86_64) {
			log_error("Say which --format the traces are in (strace or lid).");
			r = -EINVAL;
			goto out;
		}
		a.format = arch == CIDS_ARCH_I386 ? TRACE_ADFA : TRACE_UNM;
	}
	if (trace_format_arch((enum trace_format)a.format) != engine_config(e)->arch)
		log_warn("The profile learned %s syscalls, the %s format has %s ones: scores will "
			 "be meaningless.",
			 cids_arch_name(engine_config(e)->arch), trace_format_name(a.format),
			 cids_arch_name(trace_format_arch(a.format)));
	if (a.ndet == 0) {
		for (unsigned i = 0; i < engine_config(e)->ndbs; i++)
			a.det[a.ndet++] = engine_config(e)->dbs[i];
	}
	for (unsigned i = 0; i < a.ndet; i++) {
		dbi[i] = engine_db_index(e, a.det[i].algo, a.det[i].k);
		if (dbi[i] < 0) {
			log_error("The profile has no %s database with k=%u; see \"cids profile "
				  "show\".",
				  cids_algo_name(a.det[i].algo), a.det[i].k);
			r = -ENOENT;
			goto out;
		}
	}
	to.format = (enum trace_format)a.format;
	to.seq = a.seq >= 0 ? (enum cids_seq)a.seq : engine_config(e)->seq;
	to.skip_bad = a.skip_bad;
	r = trace_files_collect(argv + optind, (size_t)(argc - optind), to.format, 0, &files, why,
				sizeof(why));
	if (r < 0) {
		log_error("%s", why);
		goto out;
	}
	if (a.json)
		jtr = json_object_new_array();
	else
		printf("%-40s %8s %-9s %3s %8s %8s %7s %5s %s\n", "trace", "calls", "detector", "k",
		       "windows", "mismatch", "rate", "peak", "alarm");

	for (size_t fi = 0; fi < files.n; fi++) {
		struct trace_files one = {.paths = &files.paths[fi], .n = 1};
		struct trace_set set = {};

		r = trace_set_load(&one, &to, "scanning", &set);
		if (r < 0)
			goto out;
		for (size_t t = 0; t < set.n; t++) {
			bool any = false;

			r = scan_trace(&a, e, dbi, files.paths[fi], &set, t, to.format, jtr, &any);
			if (r < 0) {
				trace_set_done(&set);
				goto out;
			}
			ntraces++;
			nalarm += any;
		}
		trace_set_done(&set);
	}
	if (a.json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "profile", json_object_new_string(a.profile));
		json_object_object_add(o, "frame", json_object_new_int64((int64_t)a.frame));
		json_object_object_add(o, "threshold", json_object_new_int64((int64_t)a.threshold));
		json_object_object_add(o, "traces_scanned",
				       json_object_new_int64((int64_t)ntraces));
		json_object_object_add(o, "traces_alarmed", json_object_new_int64((int64_t)nalarm));
		json_object_object_add(o, "traces", jtr);
		jtr = NULL;
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		printf("\n%zu traces, %zu with an alarm (frame %lu, threshold %lu).\n", ntraces,
		       nalarm, a.frame, a.threshold);
	}
	r = 0;
out:
	json_object_put(jtr);
	trace_files_done(&files);
	engine_free(e);
	if (r < 0)
		return 2;
	return nalarm ? 1 : 0;
}
