/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids eval: train in memory, then score normal and attack traces per detector and window. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cids/log.h"
#include "cli.h"
#include "freq.h"
#include "metrics.h"
#include "offline.h"

enum field { F_RATE, F_PEAK, F_RARITY };

struct row {
	char name[32];
	char k[16];
	uint64_t entries;
	double auc, dr[3], thr[3];
	int order;
	unsigned kk; /* sort key: the window size, or 100 for combinations */
};

static const double fars[3] = {0.01, 0.05, 0.10};

static double field_of(const struct cids_score *s, enum cids_algo a, enum field f)
{
	switch (f) {
	case F_RATE:
		return s->rate;
	case F_PEAK:
		return a == CIDS_ALGO_STIDE ? s->max_lfc : s->max_epoch;
	case F_RARITY:
		return s->rarity;
	}
	return 0;
}

static void fill_row(struct row *r, const double *sn, size_t nn, const double *sa, size_t na)
{
	r->auc = metrics_auc(sn, nn, sa, na);
	for (int i = 0; i < 3; i++)
		r->dr[i] = metrics_dr_at_far(sn, nn, sa, na, fars[i], &r->thr[i], NULL);
}

static int score_set(const struct cids_engine *e, unsigned db, const struct trace_set *s,
		     unsigned frame, struct cids_score *out)
{
	for (size_t i = 0; i < s->n; i++) {
		int r = engine_score_trace(e, db, s->t[i].syms, s->t[i].n, frame, &out[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->order != y->order)
		return x->order - y->order;
	return (int)x->kk - (int)y->kk;
}

static int cmp_row_auc(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->auc != y->auc)
		return x->auc > y->auc ? -1 : 1;
	return cmp_row(a, b);
}

static void help(FILE *f)
{
	fprintf(f,
		"Usage: cids eval --format F --train PATH --normal PATH --attack PATH [OPTIONS]\n"
		"\n"
		"Learn from the training traces (in memory), score every normal and attack trace\n"
		"with every detector and window size, and print one table: database size, ROC AUC\n"
		"(trace level, ties count half) and the detection rate at 1 %%, 5 %% and 10 %%\n"
		"false-alarm rate (threshold taken from the normal scores; alarm = score\n"
		"above it).\n"
		"A trace is a file (adfa) or one process/thread of a file (unm, strace, lid);\n"
		"each training trace is learned as its own stream.\n"
		"Files ending in .gz are gunzipped; .tar, .tar.gz and .tgz archives are read\n"
		"member by member, each member its own trace (members ending in .gz too).\n"
		"Bad input stops with FILE:LINE: REASON and exit 2 unless --skip-bad.\n"
		"\n"
		"Detectors (score of a trace; higher = more anomalous):\n"
		"  stide-rate     share of k-grams not in the database\n"
		"  stide-lfc      most mismatches in any --frame consecutive windows\n"
		"  stide-rarity   mean -log2 frequency of the trace's k-grams (unseen = rarest)\n"
		"  bosc-rate      share of bags not in the database\n"
		"  bosc-epoch     most mismatching bags in any epoch of --epoch calls\n"
		"  bosc-rarity    as stide-rarity, on bags\n"
		"  *-mean         the score averaged over all window sizes of the algorithm\n"
		"  all-rate-mean  mismatch rate averaged over every database\n"
		"  freq-nn        cosine distance of the trace's syscall histogram to the\n"
		"                 nearest training trace's (order-blind)\n"
		"  *-rate+freq    a database's mismatch rate plus freq-nn\n"
		"\n"
		"  -f, --format F          adfa | unm | strace | lid (required)\n"
		"      --train PATH        normal traces to learn from (repeatable)\n"
		"      --normal PATH       normal traces to measure false alarms on (repeatable)\n"
		"      --split R           without --normal: learn from a share R (0..1) of the\n"
		"                          training traces (fixed pseudo-random choice), and\n"
		"                          use the others as the normal set\n"
		"      --attack PATH       attack traces (repeatable)\n"
		"  -w, --windows LIST      STIDE window sizes (default 3,4,5,6)\n"
		"      --bosc-windows LIST BoSC window sizes (default 3,4,5,6,10)\n"
		"      --sequence S        thread | process | container (strace, lid)\n"
		"      --frame N           STIDE locality frame in windows (default 20)\n"
		"      --epoch N           BoSC epoch in calls (default 20)\n"
		"      --sort auc          sort by AUC instead of detector and k\n"
		"      --skip-bad          warn about and skip bad lines (default: stop, exit 2)\n"
		"      --json              print the table as JSON\n"
		"\n"
		"Exit status: 0 done, 2 usage error or bad input.\n"
		"\n"
		"Example:\n"
		"  cids eval --format adfa --train ADFA-LD/Training_Data_Master \\\n"
		"      --normal ADFA-LD/Validation_Data_Master \\\n"
		"      --attack ADFA-LD/Attack_Data_Master\n");
}

#define MAX_PATHS 64

struct eval_args {
	struct trace_opts to;
	char *paths[3][MAX_PATHS];
	size_t npaths[3];
	uint8_t sk[CIDS_MAX_DBS], bk[CIDS_MAX_DBS];
	unsigned nsk, nbk;
	unsigned long frame, epoch;
	double split;
	bool json, by_auc;
};

static int parse_args(int argc, char **argv, struct eval_args *a)
{
	enum {
		O_TRAIN = 256,
		O_NORMAL,
		O_ATTACK,
		O_BOSC,
		O_SEQ,
		O_FRAME,
		O_EPOCH,
		O_SORT,
		O_SKIP,
		O_JSON,
		O_SPLIT
	};
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
					     {"format", required_argument, NULL, 'f'},
					     {"train", required_argument, NULL, O_TRAIN},
					     {"normal", required_argument, NULL, O_NORMAL},
					     {"attack", required_argument, NULL, O_ATTACK},
					     {"windows", required_argument, NULL, 'w'},
					     {"bosc-windows", required_argument, NULL, O_BOSC},
					     {"sequence", required_argument, NULL, O_SEQ},
					     {"frame", required_argument, NULL, O_FRAME},
					     {"epoch", required_argument, NULL, O_EPOCH},
					     {"sort", required_argument, NULL, O_SORT},
					     {"skip-bad", no_argument, NULL, O_SKIP},
					     {"json", no_argument, NULL, O_JSON},
					     {"split", required_argument, NULL, O_SPLIT},
					     {}};
	int opt, r;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "hf:w:", opts, NULL)) >= 0) {
		switch (opt) {
		case 'h':
			help(stdout);
			return 1;
		case 'f':
			r = trace_format_from_name(optarg);
			if (r < 0)
				return log_error("Unknown format \"%s\": use adfa, unm, strace or "
						 "lid.",
						 optarg),
				       -EINVAL;
			a->to.format = (enum trace_format)r;
			break;
		case O_TRAIN:
		case O_NORMAL:
		case O_ATTACK: {
			int w = opt - O_TRAIN;
			if (a->npaths[w] == MAX_PATHS)
				return log_error("At most %d paths per set.", MAX_PATHS), -EINVAL;
			a->paths[w][a->npaths[w]++] = optarg;
			break;
		}
		case 'w':
		case O_BOSC:
			r = parse_k_list(optarg, 1, CIDS_MAX_K, opt == 'w' ? a->sk : a->bk,
					 CIDS_MAX_DBS, opt == 'w' ? &a->nsk : &a->nbk);
			if (r < 0)
				return log_error("Bad window list \"%s\": give sizes 1..%d like "
						 "3,4,5,6.",
						 optarg, CIDS_MAX_K),
				       -EINVAL;
			break;
		case O_SEQ:
			r = parse_seq(optarg);
			if (r < 0)
				return log_error("Bad --sequence \"%s\": use thread, process or "
						 "container.",
						 optarg),
				       -EINVAL;
			a->to.seq = (enum cids_seq)r;
			break;
		case O_FRAME:
		case O_EPOCH:
			if (parse_uint(optarg, 1, 65535, opt == O_FRAME ? &a->frame : &a->epoch) <
			    0)
				return log_error("Bad %s \"%s\": give 1..65535.",
						 opt == O_FRAME ? "--frame" : "--epoch", optarg),
				       -EINVAL;
			break;
		case O_SORT:
			if (strcmp(optarg, "auc") != 0 && strcmp(optarg, "detector") != 0)
				return log_error("Bad --sort \"%s\": use auc or detector.", optarg),
				       -EINVAL;
			a->by_auc = strcmp(optarg, "auc") == 0;
			break;
		case O_SKIP:
			a->to.skip_bad = true;
			break;
		case O_JSON:
			a->json = true;
			break;
		case O_SPLIT:
			if (parse_double(optarg, 0.01, 0.99, &a->split) < 0)
				return log_error("Bad --split \"%s\": give a share 0.01..0.99.",
						 optarg),
				       -EINVAL;
			break;
		default:
			help(stderr);
			return -EINVAL;
		}
	}
	if ((int)a->to.format < 0 || !a->npaths[0] || !(a->npaths[1] || a->split > 0) ||
	    !a->npaths[2] || optind != argc)
		return log_error("Need --format, --train, --normal (or --split) and --attack; see "
				 "\"cids eval --help\"."),
		       -EINVAL;
	if (a->npaths[1] && a->split > 0)
		return log_error("Give --normal or --split, not both."), -EINVAL;
	return 0;
}

static void print_rows(const struct row *rows, size_t n, const struct eval_args *a,
		       const size_t cnt[3], double secs)
{
	if (a->json) {
		struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
		json_object_object_add(o, "format",
				       json_object_new_string(trace_format_name(a->to.format)));
		json_object_object_add(o, "train_traces", json_object_new_int64((int64_t)cnt[0]));
		json_object_object_add(o, "normal_traces", json_object_new_int64((int64_t)cnt[1]));
		json_object_object_add(o, "attack_traces", json_object_new_int64((int64_t)cnt[2]));
		json_object_object_add(o, "frame", json_object_new_int64((int64_t)a->frame));
		json_object_object_add(o, "epoch", json_object_new_int64((int64_t)a->epoch));
		for (size_t i = 0; i < n; i++) {
			struct json_object *r = json_object_new_object();
			json_object_object_add(r, "detector", json_object_new_string(rows[i].name));
			json_object_object_add(r, "k", json_object_new_string(rows[i].k));
			json_object_object_add(r, "entries",
					       json_object_new_int64((int64_t)rows[i].entries));
			json_object_object_add(r, "auc", json_object_new_double(rows[i].auc));
			json_object_object_add(r, "dr_at_far_1",
					       json_object_new_double(rows[i].dr[0]));
			json_object_object_add(r, "dr_at_far_5",
					       json_object_new_double(rows[i].dr[1]));
			json_object_object_add(r, "dr_at_far_10",
					       json_object_new_double(rows[i].dr[2]));
			json_object_object_add(r, "threshold_far_1",
					       json_object_new_double(rows[i].thr[0]));
			json_object_object_add(r, "threshold_far_5",
					       json_object_new_double(rows[i].thr[1]));
			json_object_object_add(r, "threshold_far_10",
					       json_object_new_double(rows[i].thr[2]));
			json_object_array_add(arr, r);
		}
		json_object_object_add(o, "detectors", arr);
		json_object_object_add(o, "seconds", json_object_new_double(secs));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		return;
	}
	printf("Traces: %zu train, %zu normal, %zu attack (format %s, frame %lu, epoch %lu)\n\n",
	       cnt[0], cnt[1], cnt[2], trace_format_name(a->to.format), a->frame, a->epoch);
	printf("%-18s %-5s %10s %7s %9s %9s %9s\n", "detector", "k", "entries", "AUC", "DR@1%FA",
	       "DR@5%FA", "DR@10%FA");
	for (size_t i = 0; i < n; i++)
		printf("%-18s %-5s %10llu %7.4f %8.1f%% %8.1f%% %8.1f%%\n", rows[i].name, rows[i].k,
		       (unsigned long long)rows[i].entries, rows[i].auc, 100 * rows[i].dr[0],
		       100 * rows[i].dr[1], 100 * rows[i].dr[2]);
	if (n) {
		size_t best = 0;
		for (size_t i = 1; i < n; i++)
			if (rows[i].auc > rows[best].auc)
				best = i;
		printf("\nBest AUC: %s k=%s, %.4f. Took %.2f s.\n", rows[best].name, rows[best].k,
		       rows[best].auc, secs);
	}
}

/*
 * The frequency detector (nearest training histogram, cosine distance) alone, and added to each
 * STIDE and BoSC mismatch rate: windows see order, the histogram sees the mix of calls.
 */
static int add_freq_rows(const struct cids_engine *e, const struct cids_engine_config *c,
			 const struct trace_set *train, const bool *pick,
			 const struct trace_set sets[2], struct cids_score *sc[CIDS_MAX_DBS][2],
			 struct row *rows, size_t *nrows, double *vn, double *va)
{
	const uint16_t **syms = calloc(train->n, sizeof(*syms));
	size_t *len = calloc(train->n, sizeof(*len)), n = 0;
	double *fq[2] = {calloc(sets[0].n, sizeof(double)), calloc(sets[1].n, sizeof(double))};
	struct freq_model *m = NULL;
	struct row *rw;
	int r = -ENOMEM;

	if (!syms || !len || !fq[0] || !fq[1])
		goto out;
	for (size_t i = 0; i < train->n; i++)
		if (!pick || pick[i]) {
			syms[n] = train->t[i].syms;
			len[n++] = train->t[i].n;
		}
	r = freq_new(syms, len, n, &m);
	if (r < 0)
		goto out;
	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < sets[s].n; i++)
			fq[s][i] = freq_score(m, sets[s].t[i].syms, sets[s].t[i].n);
	rw = &rows[(*nrows)++];
	memset(rw, 0, sizeof(*rw));
	snprintf(rw->name, sizeof(rw->name), "freq-nn");
	snprintf(rw->k, sizeof(rw->k), "-");
	rw->entries = n;
	rw->order = 50;
	fill_row(rw, fq[0], sets[0].n, fq[1], sets[1].n);
	for (unsigned d = 0; d < c->ndbs; d++) {
		rw = &rows[(*nrows)++];
		memset(rw, 0, sizeof(*rw));
		snprintf(rw->name, sizeof(rw->name), "%s-rate+freq",
			 cids_algo_name(c->dbs[d].algo));
		snprintf(rw->k, sizeof(rw->k), "%u", c->dbs[d].k);
		rw->kk = c->dbs[d].k;
		rw->entries = engine_db_size(e, d) + n;
		rw->order = 51 + c->dbs[d].algo;
		for (size_t i = 0; i < sets[0].n; i++)
			vn[i] = sc[d][0][i].rate + fq[0][i];
		for (size_t i = 0; i < sets[1].n; i++)
			va[i] = sc[d][1][i].rate + fq[1][i];
		fill_row(rw, vn, sets[0].n, va, sets[1].n);
	}
	r = 0;
out:
	freq_free(m);
	free(syms);
	free(len);
	free(fq[0]);
	free(fq[1]);
	return r;
}

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The engine's configuration: the databases of --windows and --bosc-windows; -E2BIG. */
static int eval_config(const struct eval_args *a, struct cids_engine_config *c)
{
	engine_config_default(c);
	c->arch = trace_format_arch(a->to.format);
	c->seq = a->to.seq;
	c->clock = CIDS_CLOCK_CALLS;
	c->ndbs = 0;
	for (unsigned i = 0; i < a->nsk + a->nbk; i++) {
		if (c->ndbs == CIDS_MAX_DBS)
			return -E2BIG;
		c->dbs[c->ndbs++] =
			i < a->nsk ? (struct cids_db_id){CIDS_ALGO_STIDE, a->sk[i]}
				   : (struct cids_db_id){CIDS_ALGO_BOSC, a->bk[i - a->nsk]};
	}
	return 0;
}

/* --split R: trace i is learned when a fixed hash of i falls below R; the others move to
 * normal (owned by it from then on). */
static int split_training(struct trace_set *train, double split, bool **ret_pick,
			  size_t *ret_ntrain, struct trace_set *normal)
{
	size_t ntrain = 0;
	bool *pick;

	/* reproducible, and not in step with the order processes appear in (UNM files alternate
	 * parent and child) */
	pick = calloc(train->n ? train->n : 1, sizeof(bool));
	if (!pick)
		return log_error_errno(-ENOMEM, "Cannot split");
	*ret_pick = pick;
	for (size_t i = 0; i < train->n; i++)
		pick[i] = (double)(splitmix64(i) >> 11) / 9007199254740992.0 < split;
	for (size_t i = 0; i < train->n; i++) {
		if (pick[i]) {
			ntrain++;
			continue;
		}
		if (normal->n == normal->cap) {
			size_t nc = normal->cap ? normal->cap * 2 : 64;
			struct trace_rec *nt = reallocarray(normal->t, nc, sizeof(*nt));
			if (!nt)
				return log_error_errno(-ENOMEM, "Cannot split");
			normal->t = nt;
			normal->cap = nc;
		}
		normal->t[normal->n++] = train->t[i]; /* moved: owned by normal now */
		train->t[i] = (struct trace_rec){};
	}
	*ret_ntrain = ntrain;
	return 0;
}

/* Score every trace of both sets against every database (sc[d][set][trace], calloc'ed). */
static int score_all(const struct cids_engine *e, const struct cids_engine_config *c,
		     const struct eval_args *a, const struct trace_set sets[2],
		     struct cids_score *sc[CIDS_MAX_DBS][2])
{
	int r;

	for (unsigned d = 0; d < c->ndbs; d++) {
		unsigned frame = c->dbs[d].algo == CIDS_ALGO_STIDE ? a->frame : a->epoch;
		for (int s = 0; s < 2; s++) {
			sc[d][s] = calloc(sets[s].n, sizeof(struct cids_score));
			if (!sc[d][s])
				return log_error_errno(-ENOMEM, "Cannot score");
			r = score_set(e, d, &sets[s], frame, sc[d][s]);
			if (r < 0)
				return log_error_errno(r, "Cannot score %s k=%u",
						       cids_algo_name(c->dbs[d].algo), c->dbs[d].k);
		}
	}
	return 0;
}

/* Per database: rate, peak (LFC / epoch), rarity. */
static void db_rows(const struct cids_engine *e, const struct cids_engine_config *c,
		    const struct trace_set sets[2], struct cids_score *sc[CIDS_MAX_DBS][2],
		    double *vn, double *va, struct row *rows, size_t *nrows)
{
	for (unsigned d = 0; d < c->ndbs; d++) {
		enum cids_algo al = c->dbs[d].algo;

		if (!sc[d][0] || !sc[d][1]) /* score_all fills every database's, or fails */
			continue;
		static const char *const suffix[2][3] = {{"rate", "lfc", "rarity"},
							 {"rate", "epoch", "rarity"}};
		for (int f = 0; f < 3; f++) {
			struct row *rw = &rows[(*nrows)++];
			memset(rw, 0, sizeof(*rw));
			snprintf(rw->name, sizeof(rw->name), "%s-%s", cids_algo_name(al),
				 suffix[al][f]);
			snprintf(rw->k, sizeof(rw->k), "%u", c->dbs[d].k);
			rw->kk = c->dbs[d].k;
			rw->entries = engine_db_size(e, d);
			rw->order = al * 10 + f;
			for (size_t i = 0; i < sets[0].n; i++)
				vn[i] = field_of(&sc[d][0][i], al, f);
			for (size_t i = 0; i < sets[1].n; i++)
				va[i] = field_of(&sc[d][1][i], al, f);
			fill_row(rw, vn, sets[0].n, va, sets[1].n);
		}
	}
}

/* Combinations over window sizes: mean rate / rarity per algorithm, and over all dbs. */
static void combo_rows(const struct cids_engine *e, const struct cids_engine_config *c,
		       const struct eval_args *a, const struct trace_set sets[2],
		       struct cids_score *sc[CIDS_MAX_DBS][2], double *vn, double *va,
		       struct row *rows, size_t *nrows)
{
	for (int combo = 0; combo < 5; combo++) {
		int al = combo < 2 ? CIDS_ALGO_STIDE : combo < 4 ? CIDS_ALGO_BOSC : -1;
		enum field f = combo == 4 ? F_RATE : (combo % 2 ? F_RARITY : F_RATE);
		unsigned used = 0;
		struct row *rw = &rows[*nrows];
		memset(rw, 0, sizeof(*rw));
		memset(vn, 0, sets[0].n * sizeof(double));
		memset(va, 0, sets[1].n * sizeof(double));
		for (unsigned d = 0; d < c->ndbs; d++) {
			if ((al >= 0 && c->dbs[d].algo != al) || !sc[d][0] || !sc[d][1])
				continue;
			used++;
			rw->entries += engine_db_size(e, d);
			for (size_t i = 0; i < sets[0].n; i++)
				vn[i] += field_of(&sc[d][0][i], c->dbs[d].algo, f);
			for (size_t i = 0; i < sets[1].n; i++)
				va[i] += field_of(&sc[d][1][i], c->dbs[d].algo, f);
		}
		if (used < 2)
			continue;
		for (size_t i = 0; i < sets[0].n; i++)
			vn[i] /= used;
		for (size_t i = 0; i < sets[1].n; i++)
			va[i] /= used;
		(*nrows)++;
		snprintf(rw->name, sizeof(rw->name), "%s-%s-mean",
			 al < 0 ? "all" : cids_algo_name(al), f == F_RATE ? "rate" : "rarity");
		if (al < 0)
			snprintf(rw->k, sizeof(rw->k), "all");
		else
			snprintf(rw->k, sizeof(rw->k), "%u-%u",
				 (unsigned)(al ? a->bk[0] : a->sk[0]),
				 (unsigned)(al ? a->bk[a->nbk - 1] : a->sk[a->nsk - 1]));
		rw->order = al < 0 ? 100 : al * 10 + 5 + f;
		rw->kk = 100;
		fill_row(rw, vn, sets[0].n, va, sets[1].n);
	}
}

int cmd_eval(int argc, char **argv)
{
	struct eval_args a = {.to = {.format = (enum trace_format) - 1},
			      .sk = {3, 4, 5, 6},
			      .nsk = 4,
			      .bk = {3, 4, 5, 6, 10},
			      .nbk = 5,
			      .frame = 20,
			      .epoch = 20};
	struct trace_files files[3] = {};
	struct trace_set sets[2] = {}, train = {};
	bool *pick = NULL;
	struct cids_score *sc[CIDS_MAX_DBS][2] = {};
	struct cids_engine_config c;
	struct cids_engine *e = NULL;
	size_t ntrain = 0;
	struct row rows[CIDS_MAX_DBS * 4 + 8];
	double *vn = NULL, *va = NULL, t0 = mono();
	size_t nrows = 0, cnt[3];
	char why[512];
	int r;

	r = parse_args(argc, argv, &a);
	if (r != 0)
		return r > 0 ? 0 : 2;
	if (eval_config(&a, &c) < 0)
		return exit_error("Too many window sizes: at most %d databases.", CIDS_MAX_DBS);
	for (int w = 0; w < 3; w++) {
		if (w == 1 && a.split > 0)
			continue;
		r = trace_files_collect(a.paths[w], a.npaths[w], a.to.format, 0, &files[w], why,
					sizeof(why));
		if (r < 0) {
			log_error("%s set: %s",
				  w == 0   ? "Training"
				  : w == 1 ? "Normal"
					   : "Attack",
				  why);
			goto out;
		}
	}
	r = engine_new(&c, &e);
	if (r < 0) {
		log_error_errno(r, "Cannot set up the engine");
		goto out;
	}
	r = trace_set_load(&files[0], &a.to, "training", &train);
	if (r < 0)
		goto out;
	if (a.split > 0) {
		r = split_training(&train, a.split, &pick, &ntrain, &sets[0]);
		if (r < 0)
			goto out;
	} else {
		ntrain = train.n;
		r = trace_set_load(&files[1], &a.to, "normal", &sets[0]);
		if (r < 0)
			goto out;
	}
	if (ntrain == 0) {
		log_error("No training traces%s.", a.split > 0 ? " left after --split" : "");
		r = -ENOENT;
		goto out;
	}
	r = learn_set(e, &train, pick);
	if (r < 0) {
		log_error_errno(r, "Cannot learn");
		goto out;
	}
	r = trace_set_load(&files[2], &a.to, "attack", &sets[1]);
	if (r < 0)
		goto out;
	if (!sets[0].n || !sets[1].n) {
		log_error("No %s traces to score.", sets[0].n ? "attack" : "normal");
		r = -ENOENT;
		goto out;
	}
	cnt[0] = ntrain;
	cnt[1] = sets[0].n;
	cnt[2] = sets[1].n;

	vn = calloc(sets[0].n, sizeof(double));
	va = calloc(sets[1].n, sizeof(double));
	if (!vn || !va) {
		r = log_error_errno(-ENOMEM, "Cannot score");
		goto out;
	}
	r = score_all(e, &c, &a, sets, sc);
	if (r < 0)
		goto out;

	db_rows(e, &c, sets, sc, vn, va, rows, &nrows);
	combo_rows(e, &c, &a, sets, sc, vn, va, rows, &nrows);
	r = add_freq_rows(e, &c, &train, pick, sets, sc, rows, &nrows, vn, va);
	if (r < 0)
		goto out;
	qsort(rows, nrows, sizeof(rows[0]), a.by_auc ? cmp_row_auc : cmp_row);
	print_rows(rows, nrows, &a, cnt, mono() - t0);
	r = 0;
out:
	for (unsigned d = 0; d < CIDS_MAX_DBS; d++)
		for (int s = 0; s < 2; s++)
			free(sc[d][s]);
	free(vn);
	free(va);
	trace_set_done(&sets[0]);
	trace_set_done(&sets[1]);
	trace_set_done(&train);
	free(pick);
	for (int w = 0; w < 3; w++)
		trace_files_done(&files[w]);
	engine_free(e);
	return r < 0 ? 2 : 0;
}
