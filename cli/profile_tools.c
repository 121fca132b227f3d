/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids profile diff | merge | install | export-seccomp. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cids/config.h"
#include "cids/log.h"
#include "cids/profile.h"
#include "cids/util.h"
#include "cli.h"
#include "profile_text.h"
#include "profile_tools.h"

#define DIFF_MAX_WINDOWS (1u << 24) /* windows listed per side and database */

static int load(const char *path, struct cids_engine **ret_e, struct cids_provenance *ret_p)
{
	char why[256] = "";
	int r = profile_load(path, ret_e, ret_p, why, sizeof(why));
	if (r < 0)
		log_error("Cannot load profile \"%s\": %s", path, why[0] ? why : strerror(-r));
	return r;
}

static void sym_name(enum cids_arch arch, unsigned sym, char *buf, size_t len)
{
	const char *n = sym == CIDS_SYM_OTHER ? NULL : cids_sys_name(arch, (int)sym);
	if (n)
		snprintf(buf, len, "%s", n);
	else if (sym == CIDS_SYM_OTHER)
		snprintf(buf, len, "other");
	else if (sym == CIDS_SYM_START)
		snprintf(buf, len, "start");
	else
		snprintf(buf, len, "sys_%u", sym);
}

/* Copy of text from a file for diagnostics: control characters become '?'. */
static void printable(const char *in, char *out, size_t outlen)
{
	size_t i = 0;
	for (; i + 1 < outlen && in[i]; i++)
		out[i] = (unsigned char)in[i] < 0x20 || in[i] == 0x7f ? '?' : in[i];
	out[i] = '\0';
}

/* --- diff --- */

struct winlist {
	uint16_t *w; /* n windows of k symbols */
	size_t n, alloc;
	unsigned k;
	const struct cids_engine *other;
	unsigned other_db;
	int err;
};

static int collect_missing(const uint16_t *syms, unsigned k, uint32_t count, void *ud)
{
	struct winlist *l = ud;

	if (engine_db_contains(l->other, l->other_db, syms, k))
		return 0;
	if (l->n >= DIFF_MAX_WINDOWS) {
		l->err = -E2BIG;
		return 1;
	}
	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 64;
		uint16_t *w = reallocarray(l->w, na, (size_t)k * sizeof(uint16_t));
		if (!w) {
			l->err = -ENOMEM;
			return 1;
		}
		l->w = w;
		l->alloc = na;
	}
	memcpy(l->w + l->n * k, syms, k * sizeof(uint16_t));
	l->n++;
	return 0;
}

static unsigned cmp_k;
static int win_cmp_syms(const void *a, const void *b)
{
	const uint16_t *x = a, *y = b;
	for (unsigned i = 0; i < cmp_k; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

int profile_diff_db(const struct cids_engine *a, unsigned da, const struct cids_engine *b,
		    unsigned db, struct profile_windows *only_a, struct profile_windows *only_b)
{
	struct winlist la = {.other = b, .other_db = db}, lb = {.other = a, .other_db = da};
	unsigned k = engine_config(a)->dbs[da].k;

	engine_db_foreach(a, da, collect_missing, &la);
	engine_db_foreach(b, db, collect_missing, &lb);
	if (la.err < 0 || lb.err < 0) {
		free(la.w);
		free(lb.w);
		return la.err < 0 ? la.err : lb.err;
	}
	cmp_k = k;
	if (la.n)
		qsort(la.w, la.n, k * sizeof(uint16_t), win_cmp_syms);
	if (lb.n)
		qsort(lb.w, lb.n, k * sizeof(uint16_t), win_cmp_syms);
	*only_a = (struct profile_windows){.w = la.w, .n = la.n, .k = k};
	*only_b = (struct profile_windows){.w = lb.w, .n = lb.n, .k = k};
	return (la.n || lb.n) ? 1 : 0;
}

static void window_names(enum cids_arch arch, const uint16_t *w, unsigned k, json_object *arr,
			 FILE *f)
{
	char buf[64];
	for (unsigned i = 0; i < k; i++) {
		sym_name(arch, w[i], buf, sizeof(buf));
		if (arr)
			json_object_array_add(arr, json_object_new_string(buf));
		if (f)
			fprintf(f, "%s%s", i ? " " : "", buf);
	}
}

static void diff_usage(FILE *f)
{
	fprintf(f,
		"Usage: cids profile diff A B [--json] [--max N]\n"
		"\n"
		"Windows (as syscall names) in profile A and not in B (\"<\") and in B and not in "
		"A\n"
		"(\">\"), per database (algorithm, k), and syscalls seen in only one of them. "
		"BoSC\n"
		"windows are bags, listed sorted. Both profiles must use the same architecture.\n"
		"Exit status: 0 same, 1 different, 2 error.\n"
		"\n"
		"  --json     one JSON object instead of text\n"
		"  --max N    list at most N windows per side and database (default: all)\n"
		"\n"
		"Example:\n"
		"  cids profile diff host1/web.profile host2/web.profile\n");
}

/* One profile diff: the two engines and where the output goes (out NULL: text on stdout). */
struct diff_ctx {
	const struct cids_engine *a, *b;
	enum cids_arch arch;
	unsigned long max; /* windows listed per side and database */
	json_object *out, *jdbs;
	bool differ;
};

/* Syscalls seen in one profile only (Table I). */
static void diff_syscalls(struct diff_ctx *d)
{
	const uint64_t *sa = engine_sym_counts(d->a), *sb = engine_sym_counts(d->b);
	bool json = d->out != NULL;
	json_object *jsa = json ? json_object_new_array() : NULL,
		    *jsb = json ? json_object_new_array() : NULL;

	for (int side = 0; side < 2; side++) {
		bool any = false;
		for (unsigned s = 0; s < CIDS_NSYM; s++) {
			bool in_a = sa[s] > 0, in_b = sb[s] > 0;
			if (in_a == in_b || (side == 0) != in_a)
				continue;
			char buf[64];
			sym_name(d->arch, s, buf, sizeof(buf));
			d->differ = true;
			if (json)
				json_object_array_add(side ? jsb : jsa,
						      json_object_new_string(buf));
			else {
				if (!any)
					printf("syscalls only in %s:", side ? "B" : "A");
				printf(" %s", buf);
			}
			any = true;
		}
		if (any && !json)
			putchar('\n');
	}
	if (json) {
		json_object_object_add(d->out, "syscalls_only_a", jsa);
		json_object_object_add(d->out, "syscalls_only_b", jsb);
	}
}

/* Databases (algorithm and window) in one profile only. */
static void diff_databases(struct diff_ctx *d)
{
	for (int side = 0; side < 2; side++) {
		const struct cids_engine *x = side ? d->b : d->a, *y = side ? d->a : d->b;
		const struct cids_engine_config *cx = engine_config(x);
		for (unsigned i = 0; i < cx->ndbs; i++) {
			if (engine_db_index(y, cx->dbs[i].algo, cx->dbs[i].k) >= 0)
				continue;
			d->differ = true;
			if (d->out) {
				json_object *o = json_object_new_object();
				json_object_object_add(
					o, "algorithm",
					json_object_new_string(cids_algo_name(cx->dbs[i].algo)));
				json_object_object_add(o, "k", json_object_new_int(cx->dbs[i].k));
				json_object_object_add(o, "only_in",
						       json_object_new_string(side ? "b" : "a"));
				json_object_array_add(d->jdbs, o);
			} else
				printf("%s k=%u: database only in %s\n",
				       cids_algo_name(cx->dbs[i].algo), cx->dbs[i].k,
				       side ? "B" : "A");
		}
	}
}

/* The windows of one database in one profile only, up to d->max per side. */
static void diff_list_windows(struct diff_ctx *d, const struct profile_windows *oa,
			      const struct profile_windows *ob, json_object *ja, json_object *jb)
{
	for (int side = 0; side < 2; side++) {
		const struct profile_windows *w = side ? ob : oa;
		for (size_t n = 0; n < w->n && n < d->max; n++) {
			if (d->out) {
				json_object *win = json_object_new_array();
				window_names(d->arch, w->w + n * w->k, w->k, win, NULL);
				json_object_array_add(side ? jb : ja, win);
			} else {
				fputs(side ? "  > " : "  < ", stdout);
				window_names(d->arch, w->w + n * w->k, w->k, NULL, stdout);
				putchar('\n');
			}
		}
		if (!d->out && w->n > d->max)
			printf("  %c ... %zu more\n", side ? '>' : '<', w->n - d->max);
	}
}

/* Windows of the databases both profiles have, in one only. -errno (logged) on failure. */
static int diff_windows(struct diff_ctx *d)
{
	const struct cids_engine_config *ca = engine_config(d->a);

	for (unsigned i = 0; i < ca->ndbs; i++) {
		int j = engine_db_index(d->b, ca->dbs[i].algo, ca->dbs[i].k);
		if (j < 0)
			continue;
		struct profile_windows oa = {0}, ob = {0};
		int r = profile_diff_db(d->a, i, d->b, (unsigned)j, &oa, &ob);
		if (r < 0)
			return log_error_errno(r, "Cannot compare %s k=%u",
					       cids_algo_name(ca->dbs[i].algo), ca->dbs[i].k);
		if (r > 0)
			d->differ = true;
		json_object *o = NULL, *ja = NULL, *jb = NULL;
		if (d->out) {
			o = json_object_new_object();
			ja = json_object_new_array();
			jb = json_object_new_array();
			json_object_object_add(
				o, "algorithm",
				json_object_new_string(cids_algo_name(ca->dbs[i].algo)));
			json_object_object_add(o, "k", json_object_new_int(ca->dbs[i].k));
			json_object_object_add(o, "count_only_a",
					       json_object_new_int64((int64_t)oa.n));
			json_object_object_add(o, "count_only_b",
					       json_object_new_int64((int64_t)ob.n));
			json_object_object_add(o, "only_a", ja);
			json_object_object_add(o, "only_b", jb);
			json_object_array_add(d->jdbs, o);
		} else {
			printf("%s k=%u: %zu only in A, %zu only in B\n",
			       cids_algo_name(ca->dbs[i].algo), ca->dbs[i].k, oa.n, ob.n);
		}
		diff_list_windows(d, &oa, &ob, ja, jb);
		free(oa.w);
		free(ob.w);
	}
	return 0;
}

int cmd_profile_diff(int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
					     {"max", required_argument, NULL, 'm'},
					     {"help", no_argument, NULL, 'h'},
					     {}};
	bool json = false;
	unsigned long max = (unsigned long)-1;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'm': {
			char *end;
			errno = 0;
			max = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg) {
				log_error("--max: expected a number, got \"%s\".", optarg);
				return 2;
			}
			break;
		}
		case 'h':
			diff_usage(stdout);
			return 0;
		default:
			diff_usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		diff_usage(stderr);
		return 2;
	}
	const char *pa = argv[optind], *pb = argv[optind + 1];
	_cleanup_(engine_freep) struct cids_engine *a = NULL;
	_cleanup_(engine_freep) struct cids_engine *b = NULL;
	struct cids_provenance prova, provb;
	if (load(pa, &a, &prova) < 0 || load(pb, &b, &provb) < 0)
		return 2;
	const struct cids_engine_config *ca = engine_config(a), *cb = engine_config(b);
	if (ca->arch != cb->arch) {
		log_error("Profiles use different architectures (%s and %s): their syscall numbers "
			  "cannot be compared.",
			  cids_arch_name(ca->arch), cids_arch_name(cb->arch));
		return 2;
	}
	_cleanup_(json_object_putp) json_object *out = json ? json_object_new_object() : NULL;
	struct diff_ctx d = {.a = a, .b = b, .arch = ca->arch, .max = max, .out = out};
	if (json) {
		d.jdbs = json_object_new_array();
		json_object_object_add(out, "a", json_object_new_string(pa));
		json_object_object_add(out, "b", json_object_new_string(pb));
		json_object_object_add(out, "dbs", d.jdbs);
	} else {
		printf("--- %s\n+++ %s\n", pa, pb);
	}

	diff_syscalls(&d);
	diff_databases(&d);
	if (diff_windows(&d) < 0)
		return 2;
	if (json) {
		json_object_object_add(out, "identical", json_object_new_boolean(!d.differ));
		printf("%s\n",
		       json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
	} else if (!d.differ)
		printf("Profiles hold the same windows.\n");
	return d.differ ? 1 : 0;
}

/* --- merge --- */

static void merge_usage(FILE *f)
{
	fprintf(f,
		"Usage: cids profile merge -o OUT [--force] [--key KEY] A B [C...]\n"
		"\n"
		"Combines profiles of the same workload (for example learned on several hosts) "
		"into\n"
		"OUT: every database becomes the union of the inputs' windows with their counts "
		"added;\n"
		"the per-syscall counts (Table I), call totals and sessions are added. The inputs "
		"must\n"
		"have the same architecture, window sequence and set of databases (algorithm, k);\n"
		"otherwise nothing is written and the reason is printed.\n"
		"\n"
		"Growth curves are not merged: learning times of different hosts do not line up, "
		"so OUT\n"
		"has none. A merged database is steady only when it was steady in every input "
		"(T_max is\n"
		"then the largest input T_max, the size the merged size); otherwise it keeps the\n"
		"shortest run of samples below sigma among the inputs (a steady input counts as\n"
		"complete), and a container that continues learning on OUT needs only the samples\n"
		"the least advanced replica still needed, its growth counted from the merged "
		"size.\n"
		"Learning time continues from the longest input's. A database that overflows its\n"
		"entry cap is marked full.\n"
		"\n"
		"  -o, --output OUT  the merged profile (refused if it exists, unless --force)\n"
		"      --force       replace an existing OUT\n"
		"      --key KEY     workload key recorded in OUT (default: the first input's)\n"
		"\n"
		"Example:\n"
		"  cids profile merge -o web.profile host1/web.profile host2/web.profile\n");
}

int profile_merge(struct cids_engine *const *in, const struct cids_provenance *prov, size_t n,
		  const char *key, struct cids_engine **ret, struct cids_provenance *ret_p,
		  char *why, size_t whylen)
{
	_cleanup_(engine_freep) struct cids_engine *m = NULL;
	struct cids_provenance p = {0};
	const struct cids_engine_config *c0;
	int r;

	if (n < 1)
		return -EINVAL;
	c0 = engine_config(in[0]);
	for (size_t i = 1; i < n; i++) {
		const struct cids_engine_config *ci = engine_config(in[i]);
		if (ci->seq != c0->seq)
			return why_err(why, whylen, -EINVAL,
				       "input %zu cuts windows per %s, input 1 per %s", i + 1,
				       cids_seq_name(ci->seq), cids_seq_name(c0->seq));
	}
	r = engine_new(c0, &m);
	if (r < 0)
		return why_err(why, whylen, r, "cannot create the merged engine: %s", strerror(-r));
	uint64_t lost_total = 0;
	for (size_t i = 0; i < n; i++) {
		char w[200] = "";
		uint64_t lost = 0;
		r = engine_merge(m, in[i], &lost, w, sizeof(w));
		if (r < 0)
			return why_err(why, whylen, r, "input %zu: %s", i + 1,
				       w[0] ? w : strerror(-r));
		lost_total += lost;
	}
	engine_merge_steady(m, in, n);

	snprintf(p.key, sizeof(p.key), "%s", key ? key : prov[0].key);
	snprintf(p.source, sizeof(p.source), "merge of %zu profiles", n);
	p.created = prov[0].created;
	for (size_t i = 0; i < n; i++) {
		if (prov[i].created && (!p.created || prov[i].created < p.created))
			p.created = prov[i].created;
		p.sessions = p.sessions + prov[i].sessions < p.sessions
				     ? UINT32_MAX
				     : p.sessions + prov[i].sessions;
	}
	p.updated = (int64_t)time(NULL);
	if (lost_total)
		why_set(why, whylen, "%llu windows did not fit (database full)",
			(unsigned long long)lost_total);
	*ret = TAKE_PTR(m);
	*ret_p = p;
	return 0;
}

static int merge_and_save(struct cids_engine *const *in, const struct cids_provenance *prov,
			  size_t n, const char *key, const char *out)
{
	_cleanup_(engine_freep) struct cids_engine *m = NULL;
	struct cids_provenance mp;
	char why[256] = "";
	int r = profile_merge(in, prov, n, key, &m, &mp, why, sizeof(why));
	if (r < 0) {
		log_error("Cannot merge: %s.", why[0] ? why : strerror(-r));
		return 2;
	}
	if (why[0])
		log_warn("Merged with loss: %s.", why);
	r = profile_save(m, &mp, out);
	if (r < 0) {
		log_error_errno(r, "Cannot write \"%s\"", out);
		return 2;
	}
	const struct cids_engine_config *cm = engine_config(m);
	unsigned steady = 0;
	for (unsigned d = 0; d < cm->ndbs; d++)
		steady += engine_db_steady(m, d)->steady;
	printf("Merged %zu profiles into %s: %llu calls, %u sessions, %u of %u databases steady.\n",
	       n, out, (unsigned long long)engine_total_calls(m), mp.sessions, steady, cm->ndbs);
	return 0;
}

int cmd_profile_merge(int argc, char **argv)
{
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
					     {"force", no_argument, NULL, 'F'},
					     {"key", required_argument, NULL, 'k'},
					     {"help", no_argument, NULL, 'h'},
					     {}};
	const char *out = NULL, *key = NULL;
	bool force = false;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'F':
			force = true;
			break;
		case 'k':
			key = optarg;
			break;
		case 'h':
			merge_usage(stdout);
			return 0;
		default:
			merge_usage(stderr);
			return 2;
		}
	}
	if (!out || argc - optind < 2) {
		merge_usage(stderr);
		return 2;
	}
	if (key && !key_is_valid(key)) {
		log_error("Invalid key \"%s\": 1..128 of [A-Za-z0-9._-], not starting with '.', no "
			  "\"..\".",
			  key);
		return 2;
	}
	struct stat sb;
	if (!force && lstat(out, &sb) == 0) {
		log_error("\"%s\" exists; use --force to replace it.", out);
		return 2;
	}
	size_t n = (size_t)(argc - optind);
	_cleanup_free_ struct cids_engine **in = calloc(n, sizeof(*in));
	_cleanup_free_ struct cids_provenance *prov = calloc(n, sizeof(*prov));
	if (!in || !prov)
		return log_error("Out of memory."), 2;
	int ret = 2;
	size_t loaded = 0;
	for (; loaded < n; loaded++)
		if (load(argv[optind + loaded], &in[loaded], &prov[loaded]) < 0)
			break;
	if (loaded == n) {
		for (size_t i = 1; i < n; i++)
			if (strcmp(prov[i].key, prov[0].key) != 0 && !key) {
				char ki[PROFILE_KEY_MAX + 1], k0[PROFILE_KEY_MAX + 1];
				printable(prov[i].key, ki, sizeof(ki));
				printable(prov[0].key, k0, sizeof(k0));
				log_warn("Input \"%s\" has key \"%s\", the first \"%s\"; OUT keeps "
					 "\"%s\".",
					 argv[optind + i], ki, k0, k0);
			}
		ret = merge_and_save(in, prov, n, key, out);
	}
	for (size_t i = 0; i < n; i++)
		engine_free(in[i]);
	return ret;
}

/* --- install --- */

static void install_usage(FILE *f)
{
	fprintf(f,
		"Usage: cids profile install PROFILE --key KEY [--store DIR] [--force] [--config "
		"PATH]\n"
		"       cids profile install --from OLD --key KEY [--store DIR] [--force]\n"
		"\n"
		"Puts a learned (or merged) profile into a host's store as DIR/KEY.profile (mode "
		"0600,\n"
		"written atomically; the store is created 0700), so that containers of the "
		"workload\n"
		"with that key start in detect or enforce against it. The profile is loaded and "
		"checked\n"
		"first. An existing profile is replaced only with --force, and is then kept as\n"
		"DIR/KEY.profile.bak.\n"
		"\n"
		"  --key KEY      the workload key (1..128 of [A-Za-z0-9._-], not starting with "
		"'.')\n"
		"  --store DIR    the store (default: \"store\" of the configuration, %s)\n"
		"  --force        replace an existing profile (the old one becomes "
		"KEY.profile.bak)\n"
		"  --from OLD     start KEY from OLD (a key in the store, or a profile file): "
		"its\n"
		"                 windows are kept, every database's steady state restarts, so\n"
		"                 containers of KEY (in learn mode) learn only what is new, e.g. "
		"a\n"
		"                 new image version of a workload\n"
		"  --config PATH  configuration file (default $CIDS_CONFIG or %s)\n"
		"\n"
		"Example:\n"
		"  cids profile install web.profile --key web-frontend\n"
		"  cids profile install --from k8s.shop.web.1f2e3d4c5b6a7980 --key "
		"k8s.shop.web.0a1b2c3d4e5f6071\n",
		"/var/lib/cids/profiles", CIDS_CONFIG_PATH);
}

int profile_install(const char *src, const char *key, const char *store, bool force, char *dest,
		    size_t destlen, char *why, size_t whylen)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	struct cids_engine *e = NULL;
	struct cids_provenance p;
	struct stat sb;
	int r;

	if (!key_is_valid(key))
		return why_err(why, whylen, -EINVAL,
			       "invalid key \"%s\" (1..128 of [A-Za-z0-9._-], not starting "
			       "with '.', no \"..\")",
			       key);
	/* validate exactly the bytes that will be installed */
	r = read_full_file(src, PROFILE_MAX_SIZE, &buf, &len);
	if (r < 0)
		return why_err(why, whylen, r, "cannot read \"%s\": %s", src,
			       r == -E2BIG ? "larger than the profile size cap" : strerror(-r));
	r = profile_decode(buf, len, &e, &p, why, whylen);
	if (r < 0)
		return r;
	engine_free(e);
	if (p.key[0] && strcmp(p.key, key) != 0) {
		char pk[PROFILE_KEY_MAX + 1];
		printable(p.key, pk, sizeof(pk));
		log_warn("Profile was learned under key \"%s\"; installing it as \"%s\".", pk, key);
	}

	r = mkdir_p(store, 0700);
	if (r < 0)
		return why_err(why, whylen, r, "cannot create store \"%s\": %s", store,
			       strerror(-r));
	if (lstat(store, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return why_err(why, whylen, -ENOTDIR, "store \"%s\" is not a directory", store);
	if (sb.st_mode & 0077)
		log_warn("Store \"%s\" is accessible to group or others (mode %04o); cids expects "
			 "0700.",
			 store, (unsigned)(sb.st_mode & 07777));
	if ((size_t)snprintf(dest, destlen, "%s/%s.profile", store, key) >= destlen)
		return why_err(why, whylen, -ENAMETOOLONG, "path too long");
	if (lstat(dest, &sb) == 0) {
		if (!force)
			return why_err(why, whylen, -EEXIST,
				       "\"%s\" exists; use --force to replace it (the old one is "
				       "then kept as %s.profile.bak)",
				       dest, key);
		if (!S_ISREG(sb.st_mode))
			return why_err(why, whylen, -EEXIST, "\"%s\" is not a regular file", dest);
		char bak[CIDS_PATH_MAX + 16];
		snprintf(bak, sizeof(bak), "%s.bak", dest);
		/* the old inode stays reachable as .bak; dest is then replaced atomically */
		if (unlink(bak) < 0 && errno != ENOENT) {
			r = -errno;
			return why_err(why, whylen, r, "cannot remove old \"%s\": %s", bak,
				       strerror(-r));
		}
		if (link(dest, bak) < 0) {
			r = -errno;
			return why_err(why, whylen, r, "cannot keep \"%s\" as \"%s\": %s", dest,
				       bak, strerror(-r));
		}
	} else if (errno != ENOENT) {
		r = -errno;
		return why_err(why, whylen, r, "cannot check \"%s\": %s", dest, strerror(-r));
	}
	r = write_file_atomic(dest, buf, len, 0600);
	if (r < 0)
		return why_err(why, whylen, r, "cannot write \"%s\": %s", dest, strerror(-r));
	return 0;
}

int cmd_profile_install(int argc, char **argv)
{
	static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
					     {"store", required_argument, NULL, 's'},
					     {"force", no_argument, NULL, 'F'},
					     {"config", required_argument, NULL, 'c'},
					     {"from", required_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {}};
	const char *key = NULL, *store = NULL, *config = NULL, *from = NULL;
	bool force = false;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key = optarg;
			break;
		case 's':
			store = optarg;
			break;
		case 'F':
			force = true;
			break;
		case 'c':
			config = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 'h':
			install_usage(stdout);
			return 0;
		default:
			install_usage(stderr);
			return 2;
		}
	}
	if (!key || argc - optind != (from ? 0 : 1)) {
		install_usage(stderr);
		return 2;
	}
	_cleanup_free_ struct cids_config *cfg = NULL;
	if (!store) {
		if (cli_config_load(config, &cfg) < 0)
			return 2;
		store = cfg->store;
	}
	char dest[CIDS_PATH_MAX], why[512] = "";
	const char *src = from ? from : argv[optind];
	int r = from ? profile_install_from(from, key, store, force, dest, sizeof(dest), why,
					    sizeof(why))
		     : profile_install(src, key, store, force, dest, sizeof(dest), why,
				       sizeof(why));
	if (r < 0) {
		log_error("Cannot install \"%s\": %s.", src, why[0] ? why : strerror(-r));
		return 2;
	}
	printf("Installed %s as %s%s\n", src, dest,
	       from ? " (steady state restarted: it learns what is new)" : "");
	return 0;
}
