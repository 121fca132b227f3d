/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The learning engine: golden counts, tables, streams, caps, batches, ADFA-LD and reference
 * checks (detection rules and trace scores: test_engine_detect.c). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cids/engine.h"
#include "cids/macro.h"
#include "engine_util.h"

static unsigned db(const struct cids_engine *e, enum cids_algo a, unsigned k)
{
	int i = engine_db_index(e, a, k);
	cr_assert_geq(i, 0);
	return (unsigned)i;
}

static const struct cids_db_id ALL[] = {
	{CIDS_ALGO_STIDE, 1}, {CIDS_ALGO_STIDE, 2}, {CIDS_ALGO_STIDE, 3},
	{CIDS_ALGO_BOSC, 1},  {CIDS_ALGO_BOSC, 2},  {CIDS_ALGO_BOSC, 3},
};

struct golden {
	const char *trace;
	uint64_t stide[3], bosc[3]; /* k = 1, 2, 3 */
};

/* Hand-checked. "abcabca": k=3 windows abc bca cab abc bca -> 3 k-grams, 1 bag {a,b,c};
 * k=2 ab bc ca -> 3, bags {ab} {bc} {ac} -> 3.  "ababba": k=3 aba bab abb bba -> 4,
 * bags {aab} {abb} {abb} {abb} -> 2; k=2 ab ba ab bb ba -> 3, bags {ab} {bb} -> 2.
 * "aaaa": 1 of each.  "ab": no 3-windows.  "abcd": k=3 abc bcd -> 2 and 2 bags. */
static const struct golden GOLDEN[] = {
	{"abcabca", {3, 3, 3}, {3, 3, 1}},
	{"ababba", {2, 3, 4}, {2, 2, 2}},
	{"aaaa", {1, 1, 1}, {1, 1, 1}},
	{"ab", {2, 1, 0}, {2, 1, 0}},
	{"abcd", {4, 3, 2}, {4, 3, 2}},
	{"abccba", {3, 5, 4}, {3, 3, 2}}, /* bags ab bc cc bc ab */
};

Test(engine, golden_counts)
{
	for (size_t g = 0; g < sizeof(GOLDEN) / sizeof(GOLDEN[0]); g++) {
		struct cids_engine *e = mk(ALL, 6, 0, 0);
		learn_str(e, 1, GOLDEN[g].trace);
		for (unsigned k = 1; k <= 3; k++) {
			cr_expect_eq(engine_db_size(e, db(e, CIDS_ALGO_STIDE, k)),
				     GOLDEN[g].stide[k - 1], "%s stide k=%u", GOLDEN[g].trace, k);
			cr_expect_eq(engine_db_size(e, db(e, CIDS_ALGO_BOSC, k)),
				     GOLDEN[g].bosc[k - 1], "%s bosc k=%u", GOLDEN[g].trace, k);
		}
		engine_free(e);
	}
}

struct listing {
	unsigned n;
	char s[16][8];
	uint32_t count[16];
};

static int collect(const uint16_t *syms, unsigned k, uint32_t count, void *ud)
{
	struct listing *l = ud;

	cr_assert_lt(l->n, 16);
	for (unsigned i = 0; i < k; i++)
		l->s[l->n][i] = (char)('a' + syms[i] - 1);
	l->s[l->n][k] = 0;
	l->count[l->n++] = count;
	return 0;
}

static uint32_t count_of(const struct listing *l, const char *w)
{
	for (unsigned i = 0; i < l->n; i++)
		if (strcmp(l->s[i], w) == 0)
			return l->count[i];
	return 0;
}

Test(engine, foreach_lists_windows_with_counts)
{
	struct cids_engine *e = mk(ALL, 6, 0, 0);
	struct listing l = {};

	learn_str(e, 1, "abcabca");
	cr_assert_eq(engine_db_foreach(e, db(e, CIDS_ALGO_STIDE, 3), collect, &l), 0);
	cr_assert_eq(l.n, 3);
	cr_expect_eq(count_of(&l, "abc"), 2);
	cr_expect_eq(count_of(&l, "bca"), 2);
	cr_expect_eq(count_of(&l, "cab"), 1);

	memset(&l, 0, sizeof(l));
	learn_str(e, 2, "cba");
	cr_assert_eq(engine_db_foreach(e, db(e, CIDS_ALGO_BOSC, 3), collect, &l), 0);
	cr_assert_eq(l.n, 1);
	cr_expect_str_eq(l.s[0], "abc"); /* bags are listed sorted */
	cr_expect_eq(l.count[0], 6);
	engine_free(e);
}

static int stop_at_first(const uint16_t *syms, unsigned k, uint32_t count, void *ud)
{
	(*(unsigned *)ud)++;
	return 7;
}

Test(engine, foreach_stops_early)
{
	struct cids_engine *e = mk(ALL, 6, 0, 0);
	unsigned calls = 0;

	learn_str(e, 1, "abcdefg");
	cr_expect_eq(engine_db_foreach(e, 0, stop_at_first, &calls), 7);
	cr_expect_eq(calls, 1);
	engine_free(e);
}

Test(engine, syscall_zero_and_other)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, 3}, {CIDS_ALGO_BOSC, 3}};
	struct cids_engine *e = mk(d, 2, 0, 0);
	uint16_t zeros[3] = {0, 0, 0}, zzo[3] = {0, 0, 1}, big[3] = {511, 511, 511};

	for (int i = 0; i < 3; i++)
		cr_assert_eq(engine_learn(e, 1, 0, i + 1), 0);
	cr_expect_eq(engine_db_size(e, 0), 1);
	cr_expect(engine_db_contains(e, 0, zeros, 3));
	cr_expect_not(engine_db_contains(e, 0, zzo, 3));
	cr_expect(engine_db_contains(e, 1, zeros, 3));

	/* Numbers past the alphabet are all CIDS_SYM_OTHER. */
	for (int i = 0; i < 3; i++)
		cr_assert_eq(engine_learn(e, 2, 600 + (unsigned)i * 1000, 10 + i), 0);
	cr_expect(engine_db_contains(e, 0, big, 3));
	cr_expect_eq(cids_sym(-1), CIDS_SYM_OTHER);
	cr_expect_eq(cids_sym(5000), CIDS_SYM_OTHER);
	cr_expect_eq(cids_sym(509), 509);
	cr_expect_eq(cids_sym(CIDS_SYM_START), CIDS_SYM_OTHER); /* no call is the start symbol */
	cr_expect_eq(engine_sym_counts(e)[0], 3);
	cr_expect_eq(engine_sym_counts(e)[CIDS_SYM_OTHER], 3);
	cr_expect_eq(engine_total_calls(e), 6);
	cr_expect_eq(engine_distinct_syms(e), 2);
	engine_free(e);
}

Test(engine, max_k_windows)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, 14}, {CIDS_ALGO_BOSC, 14}};
	struct cids_engine *e = mk(d, 2, 0, 0);
	uint16_t w[14], rev[14];

	for (unsigned i = 0; i < 14; i++) {
		w[i] = (uint16_t)(511 - i * 37);
		rev[13 - i] = w[i];
		cr_assert_eq(engine_learn(e, 1, w[i], i + 1), 0);
	}
	cr_expect_eq(engine_db_size(e, 0), 1);
	cr_expect(engine_db_contains(e, 0, w, 14));
	cr_expect_not(engine_db_contains(e, 0, rev, 14));
	cr_expect(engine_db_contains(e, 1, rev, 14)); /* same bag */
	engine_free(e);
}

struct windows {
	unsigned n;
	uint16_t w[4][CIDS_MAX_K];
};

static int collect_windows(const uint16_t *syms, unsigned k, uint32_t count, void *ud)
{
	struct windows *l = ud;

	cr_assert_lt(l->n, 4);
	memcpy(l->w[l->n++], syms, k * sizeof(*syms));
	return 0;
}

static bool listed(const struct windows *l, const uint16_t *w, unsigned k)
{
	for (unsigned i = 0; i < l->n; i++)
		if (memcmp(l->w[i], w, k * sizeof(*w)) == 0)
			return true;
	return false;
}

/* k = 7 is the widest one-word table (63 bits), k = 8 the narrowest two-word one. */
Test(engine, narrow_and_wide_tables)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, 7},
				       {CIDS_ALGO_STIDE, 8},
				       {CIDS_ALGO_BOSC, 7},
				       {CIDS_ALGO_BOSC, 8}};
	struct cids_engine *e = mk(d, 4, 0, 0);
	uint16_t ones[8] = {511, 511, 511, 511, 511, 511, 511, 511}, zeros[8] = {0};
	uint16_t mixed[8] = {0, 511, 0, 511, 0, 511, 0, 511};

	for (unsigned db = 0; db < 4; db++) {
		unsigned k = d[db].k;
		struct windows l = {};
		bool bag = d[db].algo == CIDS_ALGO_BOSC;

		cr_expect_eq(engine_db_insert(e, db, ones, k), 1);
		cr_expect_eq(engine_db_insert(e, db, zeros, k), 1);
		cr_expect_eq(engine_db_insert(e, db, mixed, k), 1);
		cr_expect_eq(engine_db_insert(e, db, ones, k), 0);
		cr_expect(engine_db_contains(e, db, ones, k));
		cr_expect(engine_db_contains(e, db, zeros, k));
		cr_expect_eq(engine_db_size(e, db), 3);
		cr_assert_eq(engine_db_foreach(e, db, collect_windows, &l), 0);
		cr_expect(listed(&l, ones, k), "db %u", db);
		cr_expect(listed(&l, zeros, k), "db %u", db);
		/* k=7 mixed has four 0s and three 511s; as a bag it lists sorted */
		uint16_t want[8];
		if (bag) {
			unsigned z = (k + 1) / 2;
			for (unsigned i = 0; i < k; i++)
				want[i] = i < z ? 0 : 511;
		} else {
			memcpy(want, mixed, sizeof(want));
		}
		cr_expect(listed(&l, want, k), "db %u", db);
	}
	engine_free(e);
}

Test(engine, windows_never_cross_streams)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, 3}, {CIDS_ALGO_BOSC, 3}};
	struct cids_engine *e = mk(d, 2, 0, 0);
	const char *s1 = "abcabc", *s2 = "xyzxyz";
	uint16_t axb[3] = {1, 24, 2};

	for (int i = 0; i < 6; i++) {
		cr_assert_eq(engine_learn(e, 1, (unsigned)(s1[i] - 'a' + 1), 2 * i + 1), 0);
		cr_assert_eq(engine_learn(e, 2, (unsigned)(s2[i] - 'a' + 1), 2 * i + 2), 0);
	}
	/* stream 1: abc bca cab; stream 2: xyz yzx zxy; bags {abc} {xyz} */
	cr_expect_eq(engine_db_size(e, 0), 6);
	cr_expect_eq(engine_db_size(e, 1), 2);
	cr_expect_not(engine_db_contains(e, 0, axb, 3));

	/* An ended stream starts a new window: "ab" + end + "c" adds nothing. */
	engine_end_stream(e, 1);
	learn_str(e, 1, "q");
	cr_expect_eq(engine_db_size(e, 0), 6);
	learn_str(e, 1, "rs");
	cr_expect_eq(engine_db_size(e, 0), 7);
	engine_reset_streams(e);
	learn_str(e, 2, "ab");
	cr_expect_eq(engine_db_size(e, 0), 7);
	engine_free(e);
}

/* Thousands of streams created, interleaved and ended: a stream-table mix-up would create
 * windows across streams. Stream s says A_s B_s A_s B_s ...: only (A,B) and (B,A) windows. */
Test(engine, stream_table_under_churn)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, 2}};
	struct cids_engine *e = mk(d, 1, 0, 0);
	const unsigned N = 3000;
	uint64_t t = 0;

	for (unsigned round = 0; round < 6; round++)
		for (unsigned s = 0; s < N; s++) {
			uint64_t id = (uint64_t)s * 0x100000001ull + 7;
			unsigned a = 2 * (s % 200) + 1;
			cr_assert_eq(engine_learn(e, id, round % 2 ? a + 1 : a, (double)++t), 0);
			if (round == 3 && s % 3 == 0)
				engine_end_stream(e, id);
		}
	cr_expect_eq(engine_db_size(e, 0), 400);
	engine_free(e);
}

Test(engine, max_streams)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, 2}};
	struct cids_engine *e = mk(d, 1, 0, 2);
	struct cids_detector det = {CIDS_ALGO_STIDE, 2, 20, 1, 0};

	cr_expect_eq(engine_learn(e, 10, 1, 1), 0);
	cr_expect_eq(engine_learn(e, 20, 1, 2), 0);
	cr_expect_eq(engine_learn(e, 30, 1, 3), -ENOSPC);
	cr_expect_eq(engine_detect(e, 30, 1, &det, NULL), -ENOSPC);
	cr_expect_eq(engine_total_calls(e), 2); /* the refused call was not learned */
	engine_end_stream(e, 10);
	cr_expect_eq(engine_learn(e, 30, 1, 4), 0);
	cr_expect_eq(engine_learn(e, 10, 1, 5), -ENOSPC);
	engine_free(e);
}

Test(engine, max_entries_full)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, 1}, {CIDS_ALGO_STIDE, 2}};
	struct cids_engine *e = mk(d, 2, 3, 0);
	uint16_t a[1] = {1};

	cr_expect_eq(engine_learn(e, 1, 1, 1), 0);
	cr_expect_eq(engine_learn(e, 1, 2, 2), 0);
	cr_expect_eq(engine_learn(e, 1, 3, 3), 0); /* k=1: 3 entries, k=2: 2 */
	cr_expect_not(engine_db_steady(e, 0)->full);
	cr_expect_eq(engine_learn(e, 1, 4, 4), 1); /* k=1 full now: said once */
	cr_expect(engine_db_steady(e, 0)->full);
	cr_expect_not(engine_db_steady(e, 1)->full); /* k=2 has 3 entries, not over */
	cr_expect_eq(engine_learn(e, 1, 5, 5), 1);   /* k=2 full now */
	cr_expect_eq(engine_learn(e, 1, 6, 6), 0);   /* both full: no second alert */
	cr_expect_eq(engine_learn(e, 1, 1, 7), 0);
	cr_expect_eq(engine_db_size(e, 0), 3);
	cr_expect_eq(engine_db_size(e, 1), 3);
	cr_expect(engine_db_steady(e, 1)->full);
	/* Learning of a full database stopped: counts do not move either. */
	struct listing l = {};
	engine_db_foreach(e, 0, collect, &l);
	cr_expect_eq(count_of(&l, "a"), 1);
	cr_expect_eq(engine_db_insert(e, 0, (uint16_t[]){9}, 1), -ENOSPC);
	cr_expect_eq(engine_db_insert(e, 0, a, 1), 0);
	engine_free(e);
}

Test(engine, insert_and_contains)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, 3}, {CIDS_ALGO_BOSC, 3}};
	struct cids_engine *e = mk(d, 2, 0, 0);
	uint16_t w[3] = {5, 3, 4}, s[3] = {3, 4, 5};

	cr_expect_eq(engine_db_insert(e, 0, w, 3), 1);
	cr_expect_eq(engine_db_insert(e, 0, w, 3), 0);
	cr_expect_eq(engine_db_insert(e, 1, w, 3), 1);
	cr_expect_eq(engine_db_insert(e, 1, s, 3), 0); /* same bag */
	cr_expect(engine_db_contains(e, 0, w, 3));
	cr_expect_not(engine_db_contains(e, 0, s, 3));
	cr_expect(engine_db_contains(e, 1, s, 3));
	cr_expect_eq(engine_db_insert(e, 0, w, 2), -EINVAL);
	cr_expect_eq(engine_db_insert(e, 5, w, 3), -EINVAL);
	cr_expect_not(engine_db_contains(e, 0, w, 4));
	engine_free(e);
}

Test(engine, config_validation)
{
	struct cids_engine_config c;
	struct cids_engine *e = NULL;

	engine_config_default(&c);
	cr_expect_eq(c.ndbs, 9);
	cr_expect_eq(c.interval, 100);
	cr_expect_eq(c.sigma, 0.15);
	cr_expect_eq(c.consecutive, 5);
	cr_assert_eq(engine_new(&c, &e), 0);
	cr_expect_eq(engine_db_index(e, CIDS_ALGO_BOSC, 10), 8);
	cr_expect_eq(engine_db_index(e, CIDS_ALGO_STIDE, 10), -ENOENT);
	cr_expect_eq(engine_config(e)->max_entries, CIDS_MAX_ENTRIES);
	engine_free(e);
	engine_free(NULL);

	struct cids_engine_config bad;
	bad = c, bad.ndbs = 0;
	cr_expect_eq(engine_new(&bad, &e), -EINVAL);
	bad = c, bad.dbs[0].k = 15;
	cr_expect_eq(engine_new(&bad, &e), -EINVAL);
	bad = c, bad.dbs[0].k = 0;
	cr_expect_eq(engine_new(&bad, &e), -EINVAL);
	bad = c, bad.dbs[1] = bad.dbs[0];
	cr_expect_eq(engine_new(&bad, &e), -EINVAL);
	bad = c, bad.interval = 0;
	cr_expect_eq(engine_new(&bad, &e), -EINVAL);
	bad = c, bad.interval = NAN;
	cr_expect_eq(engine_new(&bad, &e), -EINVAL);
	bad = c, bad.sigma = -1;
	cr_expect_eq(engine_new(&bad, &e), -EINVAL);
	bad = c, bad.consecutive = 0;
	cr_expect_eq(engine_new(&bad, &e), -EINVAL);
	bad = c, bad.max_entries = CIDS_MAX_ENTRIES + 1;
	cr_expect_eq(engine_new(&bad, &e), -EINVAL);
	bad = c, bad.dbs[0].algo = 7;
	cr_expect_eq(engine_new(&bad, &e), -EINVAL);
}

/* --- ADFA-LD: an independent implementation found 59,885 and 50,575 --- */

Test(engine, adfa_ld_training_counts)
{
	char dir[4096];
	struct dirent **ents = NULL;
	int n;

	snprintf(dir, sizeof(dir), "%s/ADFA-LD/Training_Data_Master", data_dir());
	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		cr_skip_test("ADFA-LD not found at %s", dir);

	const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, 6}, {CIDS_ALGO_BOSC, 10}};
	struct cids_engine *e = mk(d, 2, 0, 0);
	uint16_t *buf = malloc((1u << 20) * sizeof(uint16_t));
	uint64_t calls = 0, files = 0;

	for (int i = 0; i < n; i++) {
		char path[8192];
		if (ents[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
			size_t len = read_trace(path, buf, 1 << 20);
			for (size_t j = 0; j < len; j++)
				cr_assert_eq(engine_learn(e, files, buf[j], (double)++calls), 0);
			engine_end_stream(e, files++);
		}
		free(ents[i]);
	}
	free(ents);
	free(buf);
	cr_expect_eq(files, 833);
	cr_expect_eq(engine_db_size(e, 0), 59885);
	cr_expect_eq(engine_db_size(e, 1), 50575);
	cr_expect_eq(engine_total_calls(e), calls);
	engine_free(e);
}

/* --- reference checks on random traces --- */

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* BoSC's incremental sorted window against sorting every window from scratch, and the
 * number of distinct bags against a brute-force count. */
Test(engine, bosc_matches_naive_reference)
{
	for (unsigned k = 1; k <= CIDS_MAX_K; k++) {
		const struct cids_db_id d[] = {{CIDS_ALGO_BOSC, (uint8_t)k}};
		struct cids_engine *e = mk(d, 1, 0, 0);
		enum { N = 600 };
		uint16_t t[N], bags[N][CIDS_MAX_K];
		unsigned nb = 0, alpha = 2 + k % 5;

		for (unsigned i = 0; i < N; i++) {
			t[i] = (uint16_t)(rnd(alpha) * 100 + (k == 14 ? 11 : 0));
			cr_assert_eq(engine_learn(e, 1, t[i], i + 1), 0);
			if (i + 1 < k)
				continue;
			uint16_t w[CIDS_MAX_K];
			memcpy(w, t + i + 1 - k, k * sizeof(*w));
			qsort(w, k, sizeof(*w), cmp_u16);
			cr_assert(engine_db_contains(e, 0, w, k), "k=%u i=%u", k, i);
			unsigned j;
			for (j = 0; j < nb && memcmp(bags[j], w, k * sizeof(*w)); j++)
				;
			if (j == nb)
				memcpy(bags[nb++], w, k * sizeof(*w));
		}
		cr_expect_eq(engine_db_size(e, 0), nb, "k=%u", k);
		engine_free(e);
	}
}

/* The batch calls give exactly what the one-call paths give: databases, counts, growth
 * curves, steady state, full state, alarms and their windows. */
Test(engine, batches_equal_single_calls)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, 3},
				       {CIDS_ALGO_STIDE, 6},
				       {CIDS_ALGO_BOSC, 4},
				       {CIDS_ALGO_BOSC, 10}};
	struct cids_engine_config c;
	struct cids_engine *a, *b;
	enum { N = 20000 };
	static uint16_t t[N];
	static double times[N];

	engine_config_default(&c);
	c.ndbs = 4;
	memcpy(c.dbs, d, sizeof(d));
	c.interval = 0.37;
	c.consecutive = 3;
	c.max_entries = 2500; /* some databases fill up on the way */
	cr_assert_eq(engine_new(&c, &a), 0);
	cr_assert_eq(engine_new(&c, &b), 0);
	double now = 0;
	for (unsigned i = 0; i < N; i++) {
		t[i] = (uint16_t)(i < N / 2 ? rnd(4 + i / 2000)
					    : rnd(8) + (rnd(50) == 0 ? 600 : 0));
		now += rnd(10) == 0 ? rnd(300) * 0.01 : 0.001; /* idle gaps over boundaries */
		times[i] = rnd(1000) == 0 ? now - 5 : now;     /* and a clock going back */
	}
	int ra = 0, rb = 0;
	for (size_t i = 0; i < N; i++) {
		if (i % 1000 == 999)
			engine_end_stream(a, 1);
		int r = engine_learn(a, 1, t[i], times[i]);
		cr_assert_geq(r, 0);
		ra |= r;
	}
	for (size_t i = 0; i < N; i += 1000) {
		int r = engine_learn_many(b, 1, t + i, 999, times + i);
		cr_assert_geq(r, 0);
		rb |= r;
		engine_end_stream(b, 1);
		r = engine_learn(b, 1, t[i + 999], times[i + 999]);
		cr_assert_geq(r, 0);
		rb |= r;
	}
	cr_expect_eq(ra, 1);
	cr_expect_eq(rb, 1);
	cr_expect_eq(engine_elapsed(a), engine_elapsed(b));
	cr_expect_eq(engine_total_calls(a), engine_total_calls(b));
	cr_expect_eq(memcmp(engine_sym_counts(a), engine_sym_counts(b), CIDS_NSYM * 8), 0);
	for (unsigned i = 0; i < 4; i++) {
		size_t na, nb;
		const struct cids_growth_point *ga = engine_db_growth(a, i, &na);
		const struct cids_growth_point *gb = engine_db_growth(b, i, &nb);
		cr_expect_eq(engine_db_size(a, i), engine_db_size(b, i), "db %u", i);
		cr_assert_eq(na, nb);
		cr_assert_gt(na, 100);
		for (size_t j = 0; j < na; j++)
			cr_assert(ga[j].t == gb[j].t && ga[j].size == gb[j].size, "db %u pt %zu", i,
				  j);
		cr_expect_eq(memcmp(engine_db_steady(a, i), engine_db_steady(b, i),
				    sizeof(struct cids_steady)),
			     0, "db %u", i);
	}
	cr_expect(engine_db_steady(a, 1)->full);
	cr_expect(engine_db_steady(a, 1)->full); /* both paths through "profile full" */
	cr_expect_not(engine_db_steady(a, 0)->full);
	cr_expect(engine_db_steady(a, 0)->steady);

	/* call clock: times == NULL is elapsed + 1, + 2, ... */
	for (unsigned i = 0; i < 1000; i++)
		cr_assert_geq(engine_learn(a, 9, t[i], engine_elapsed(a) + 1), 0);
	cr_assert_geq(engine_learn_many(b, 9, t, 1000, NULL), 0);
	cr_expect_eq(engine_elapsed(a), engine_elapsed(b));
	for (unsigned i = 0; i < 4; i++)
		cr_expect_eq(engine_db_size(a, i), engine_db_size(b, i), "db %u", i);

	/* detection */
	static struct cids_alarm al[N], bl[N];
	static uint16_t rev[N]; /* the trace backwards, with an unseen call now and then */
	for (unsigned j = 0; j < N; j++)
		rev[j] = j % 97 == 0 ? 300 : t[N - 1 - j];
	for (unsigned i = 0; i < 4; i++) {
		struct cids_detector det = {d[i].algo, d[i].k, (uint16_t)(5 + i * 7),
					    (uint16_t)(1 + i % 2), 0};
		unsigned na = 0;
		int nb = 0;

		memset(al, 0, sizeof(al));
		memset(bl, 0, sizeof(bl));
		for (unsigned j = 0; j < N; j++) {
			int r = engine_detect(a, 50 + i, rev[j], &det, &al[j]);
			cr_assert_geq(r, 0);
			if (r == 0)
				memset(&al[j], 0, sizeof(al[j]));
			na += r;
		}
		for (unsigned j = 0; j < N; j += 777) {
			int r = engine_detect_many(b, 50 + i, rev + j, MIN(777u, N - j), &det,
						   count_alarm, bl + j);
			cr_assert_geq(r, 0);
			nb += r;
		}
		cr_expect_eq(na, (unsigned)nb, "db %u", i);
		cr_expect_gt(na, 100, "db %u", i);
		cr_expect_eq(memcmp(al, bl, sizeof(al)), 0, "db %u alarms differ", i);
	}
	engine_free(a);
	engine_free(b);
}

Test(engine, batch_errors_and_caps)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, 2}};
	struct cids_engine *e = mk(d, 1, 0, 1);
	struct cids_detector det = {CIDS_ALGO_STIDE, 2, 20, 1, 0};
	uint16_t t[] = {1, 2, 1, 2, 3};

	cr_expect_eq(engine_learn_many(e, 1, NULL, 3, NULL), -EINVAL);
	cr_expect_eq(engine_learn_many(e, 1, t, 0, NULL), 0);
	cr_expect_eq(engine_learn_many(e, 1, t, 4, NULL), 0);
	cr_expect_eq(engine_elapsed(e), 4);
	cr_expect_eq(engine_learn_many(e, 2, t, 4, NULL), -ENOSPC); /* max_streams 1 */
	cr_expect_eq(engine_detect_many(e, 2, t, 4, &det, NULL, NULL), -ENOSPC);
	engine_end_stream(e, 1);
	cr_expect_eq(engine_detect_many(e, 2, t, 5, &det, NULL, NULL), 1); /* (2,3) only */
	det.frame = 0;
	cr_expect_eq(engine_detect_many(e, 2, t, 5, &det, NULL, NULL), -EINVAL);
	det = (struct cids_detector){CIDS_ALGO_BOSC, 2, 20, 1, 0};
	cr_expect_eq(engine_detect_many(e, 2, t, 5, &det, NULL, NULL), -ENOENT);
	engine_free(e);
}

/* The memory cap: databases stop growing (full) once their tables would pass it. */
Test(engine, max_bytes_bounds_memory)
{
	struct cids_engine *e = mk((const struct cids_db_id[]){{CIDS_ALGO_STIDE, 3}}, 1, 0, 0);
	uint64_t cap = 256u << 10, n = 0;
	int full = 0;

	engine_set_max_bytes(e, cap);
	cr_expect_leq(engine_db_bytes(e), cap);
	for (unsigned a = 1; a < 200 && !full; a++)
		for (unsigned b = 1; b < 200 && !full; b++) {
			int r = engine_learn(e, (uint64_t)a << 20 | b, a, (double)++n);
			if (r == 0)
				r = engine_learn(e, (uint64_t)a << 20 | b, b, (double)++n);
			if (r == 0)
				r = engine_learn(e, (uint64_t)a << 20 | b, a + b, (double)++n);
			cr_assert_geq(r, 0);
			full = r;
			engine_end_stream(e, (uint64_t)a << 20 | b);
		}
	cr_expect_eq(full, 1, "the cap was never reached");
	cr_expect(engine_db_steady(e, 0)->full);
	cr_expect_leq(engine_db_bytes(e), cap);
	cr_expect_gt(engine_db_size(e, 0), 1000);
	engine_free(e);
}
