/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The batch calls' fast paths against the one-call paths, on real traces (ADFA-LD), and the
 * packed BoSC bag update against the sorted array it replaces. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cids/engine.h"
#include "cids/macro.h"
#include "../../profiles/engine-internal.h" /* bag_swap_packed, bag_slide, bag_pack */
#include "engine_util.h"

/* Order-independent digest of a database: its windows and their counts. */
static int digest_entry(const uint16_t *syms, unsigned k, uint32_t count, void *ud)
{
	uint64_t *d = ud, h = count;

	for (unsigned i = 0; i < k; i++)
		h = (h ^ syms[i]) * 0x100000001b3ull;
	*d += h ^ (h >> 29);
	return 0;
}

static uint64_t db_digest(const struct cids_engine *e, unsigned db)
{
	uint64_t d = 0;

	cr_assert_eq(engine_db_foreach(e, db, digest_entry, &d), 0);
	return d;
}

/* Up to max calls of the first nfiles traces of an ADFA-LD directory, one after another;
 * ends[i] is where trace i ends. Returns the number of traces (0: data not found). */
static size_t read_adfa_dir(const char *sub, size_t nfiles, uint16_t *buf, size_t max, size_t *ends)
{
	char dir[4096];
	struct dirent **ents = NULL;
	size_t files = 0, len = 0;
	int n;

	snprintf(dir, sizeof(dir), "%s/ADFA-LD/%s", data_dir(), sub);
	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		return 0;
	for (int i = 0; i < n; i++) {
		char path[8192];
		if (ents[i]->d_name[0] != '.' && files < nfiles) {
			snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
			len += read_trace(path, buf + len, max - len);
			ends[files++] = len;
		}
		free(ents[i]);
	}
	free(ents);
	return files;
}

/* The fast paths of the batch calls (STIDE with k <= 7) against the one-call paths on real
 * traces: every database's windows and counts, a database filling up, and every alarm. */
Test(engine_batch, adfa_ld_batches_equal_single_calls)
{
	enum { NF = 400, MAX = 1 << 20 };
	static uint16_t train[MAX], val[MAX];
	static size_t tend[NF], vend[NF];
	static struct cids_alarm al[MAX], bl[MAX];
	size_t nt = read_adfa_dir("Training_Data_Master", NF, train, MAX, tend);
	size_t nv = read_adfa_dir("Validation_Data_Master", NF, val, MAX, vend);

	if (!nt || !nv)
		cr_skip_test("ADFA-LD not found under %s", data_dir());
	for (unsigned pass = 0; pass < 2; pass++) {
		struct cids_engine_config c;
		struct cids_engine *a, *b;

		engine_config_default(&c); /* STIDE and BoSC k = 3..6, BoSC 10 */
		c.arch = CIDS_ARCH_I386;
		c.clock = CIDS_CLOCK_CALLS;
		c.interval = 1000;
		c.start_pad = pass == 1;
		c.max_entries = pass == 1 ? 20000 : 0; /* pass 1: the larger ones fill up */
		cr_assert_eq(engine_new(&c, &a), 0);
		cr_assert_eq(engine_new(&c, &b), 0);
		for (size_t f = 0, at = 0; f < nt; at = tend[f++]) {
			for (size_t i = at; i < tend[f]; i++)
				cr_assert_geq(engine_learn(a, f, train[i], engine_elapsed(a) + 1),
					      0);
			for (size_t i = at, m; i < tend[f]; i += m) {
				m = 1 + rnd(700); /* not inside MIN: evaluated once */
				m = MIN(tend[f] - i, m);
				cr_assert_geq(engine_learn_many(b, f, train + i, m, NULL), 0);
			}
		}
		for (unsigned i = 0; i < c.ndbs; i++) {
			cr_expect_eq(engine_db_size(a, i), engine_db_size(b, i), "pass %u db %u",
				     pass, i);
			cr_expect_eq(db_digest(a, i), db_digest(b, i), "pass %u db %u", pass, i);
			cr_expect_eq(engine_db_steady(a, i)->full, engine_db_steady(b, i)->full);
			size_t na, nb;
			const struct cids_growth_point *ga = engine_db_growth(a, i, &na);
			const struct cids_growth_point *gb = engine_db_growth(b, i, &nb);
			cr_assert_eq(na, nb);
			cr_assert_gt(na, 10);
			for (size_t j = 0; j < na; j++)
				cr_assert(ga[j].t == gb[j].t && ga[j].size == gb[j].size,
					  "pass %u db %u point %zu", pass, i, j);
		}
		cr_expect_eq(engine_db_steady(a, 3)->full, pass == 1, "STIDE k=6 full");
		cr_expect_eq(engine_elapsed(a), engine_elapsed(b));
		cr_expect_eq(memcmp(engine_sym_counts(a), engine_sym_counts(b), CIDS_NSYM * 8), 0);

		for (unsigned i = 0; i < c.ndbs; i++) {
			struct cids_detector det = {c.dbs[i].algo, c.dbs[i].k, (uint16_t)(10 + i),
						    (uint16_t)(1 + i % 3), CIDS_DET_UNSEEN_CALLS};
			size_t na = 0, nb = 0;

			memset(al, 0, nv * sizeof(al[0]));
			memset(bl, 0, nv * sizeof(bl[0]));
			for (size_t f = 0, at = 0; f < nv; at = vend[f++]) {
				for (size_t j = at; j < vend[f]; j++) {
					int r = engine_detect(a, 1000 + f, val[j], &det, &al[j]);
					cr_assert_geq(r, 0);
					if (r == 0)
						memset(&al[j], 0, sizeof(al[j]));
					na += (size_t)r;
				}
				for (size_t j = at, m; j < vend[f]; j += m) {
					m = 1 + rnd(700);
					m = MIN(vend[f] - j, m);
					int r = engine_detect_many(b, 1000 + f, val + j, m, &det,
								   count_alarm, bl + j);
					cr_assert_geq(r, 0);
					nb += (size_t)r;
				}
			}
			cr_expect_eq(na, nb, "pass %u db %u", pass, i);
			cr_expect_gt(na, 50, "pass %u db %u", pass, i);
			cr_expect_eq(memcmp(al, bl, nv * sizeof(al[0])), 0,
				     "pass %u db %u: alarms differ", pass, i);
		}
		engine_free(a);
		engine_free(b);
	}
}

/* bag_swap_packed (the batch paths, k <= 6) gives what bag_slide + bag_pack give, for random
 * bags from small and large alphabets, the extreme calls 0 and 511 (start and other) among
 * them, and bag_unpack inverts bag_pack. */
Test(engine_batch, packed_bag_swap_equals_sorted_bag)
{
	for (unsigned k = 1; k <= 6; k++) {
		struct bag_lanes l = bag_lanes_of(k);

		for (unsigned it = 0; it < 200000; it++) {
			unsigned pool = it % 3 == 0 ? 3 : it % 3 == 1 ? 40 : CIDS_NSYM;
			uint16_t bag[CIDS_MAX_K], back[CIDS_MAX_K];
			unsigned out, in;
			uint64_t p, got;

			for (unsigned i = 0; i < k; i++)
				bag_slide(bag, i, k, 0,
					  it % 5 == 0 && i == 0 ? CIDS_NSYM - 1 : rnd(pool));
			out = bag[rnd(k)];
			in = it % 7 == 0 ? CIDS_NSYM - 1 : it % 11 == 0 ? 0 : rnd(pool);
			p = (uint64_t)bag_pack(bag, k);
			bag_slide(bag, k, k, out, in);
			got = bag_swap_packed(&l, p, out, in);
			cr_assert_eq(got, (uint64_t)bag_pack(bag, k), "k %u out %u in %u bag %#llx",
				     k, out, in, (unsigned long long)p);
			bag_unpack(back, got, k);
			cr_assert_eq(memcmp(back, bag, k * sizeof(bag[0])), 0);
		}
	}
}
