/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The learning steady-state test on synthetic growth curves. A STIDE k=1 database grows by one
 * entry for every new symbol, so the size at any time is exactly the number of distinct
 * symbols fed so far and each curve below is known in advance.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "cids/engine.h"

static struct cids_engine *mk(double interval, double sigma, unsigned consecutive,
			      enum cids_clock clock, uint32_t max_entries)
{
	struct cids_engine_config c;
	struct cids_engine *e = NULL;

	engine_config_default(&c);
	c.arch = CIDS_ARCH_NONE;
	c.clock = clock;
	c.ndbs = 1;
	c.dbs[0] = (struct cids_db_id){CIDS_ALGO_STIDE, 1};
	c.interval = interval;
	c.sigma = sigma;
	c.consecutive = consecutive;
	c.max_entries = max_entries;
	cr_assert_eq(engine_new(&c, &e), 0);
	return e;
}

static unsigned next_sym = 1;

/* A new entry at time t. */
static void grow(struct cids_engine *e, double t)
{
	cr_assert_geq(engine_learn(e, 1, next_sym++, t), 0);
}

/* A known call at time t (no growth). */
static void same(struct cids_engine *e, double t)
{
	cr_assert_eq(engine_learn(e, 1, 1, t), 0);
}

static const struct cids_growth_point *curve(struct cids_engine *e, size_t *n)
{
	return engine_db_growth(e, 0, n);
}

Test(steady, reached_after_consecutive_flat_samples)
{
	struct cids_engine *e = mk(1, 0.15, 5, CIDS_CLOCK_SECONDS, 0);
	const struct cids_steady *st = engine_db_steady(e, 0);
	const struct cids_growth_point *g;
	size_t n;

	next_sym = 1;
	for (int i = 0; i < 10; i++)
		grow(e, 0.05 + i * 0.05); /* 10 entries before t = 1 */
	for (double t = 1.5; t < 5.9; t += 0.5)
		same(e, t);
	cr_expect_not(st->steady);
	cr_expect_eq(st->run, 4); /* samples at 2, 3, 4, 5 */
	same(e, 6.0);		  /* the sample at 6 is the fifth in a row */
	cr_expect(st->steady);
	cr_expect_eq(st->t_max, 6.0);
	cr_expect_eq(st->size, 10);
	cr_expect(engine_steady(e, NULL, 0));

	g = curve(e, &n);
	cr_assert_eq(n, 6);
	cr_expect_eq(g[0].t, 1.0);
	cr_expect_eq(g[0].size, 10);
	cr_expect_eq(g[0].slope, 10.0);
	cr_expect_not(g[0].below);
	for (size_t i = 1; i < 6; i++) {
		cr_expect_eq(g[i].t, (double)(i + 1));
		cr_expect_eq(g[i].size, 10);
		cr_expect_eq(g[i].slope, 0);
		cr_expect(g[i].below);
	}
	cr_expect_eq(engine_elapsed(e), 6.0);
	engine_free(e);
}

Test(steady, never_steady)
{
	struct cids_engine *e = mk(1, 0.15, 5, CIDS_CLOCK_SECONDS, 0);
	const struct cids_steady *st = engine_db_steady(e, 0);
	size_t n;

	next_sym = 1;
	for (int i = 1; i <= 400; i++)
		grow(e, i * 0.25); /* 4 new entries per second */
	cr_expect_not(st->steady);
	cr_expect_eq(st->run, 0);
	const struct cids_growth_point *g = curve(e, &n);
	cr_assert_eq(n, 100);
	for (size_t i = 0; i < n; i++) {
		cr_expect_eq(g[i].size, 4 * (i + 1));
		cr_expect_eq(g[i].slope, 4.0);
		cr_expect_not(g[i].below);
	}
	engine_free(e);
}

/* Growth at sigma exactly is "below" (0 <= slope <= sigma); a bit above is not. */
Test(steady, slope_equal_to_sigma_is_below)
{
	struct cids_engine *e = mk(10, 0.1, 3, CIDS_CLOCK_SECONDS, 0);
	const struct cids_steady *st = engine_db_steady(e, 0);

	next_sym = 1;
	grow(e, 5);
	grow(e, 15);
	grow(e, 25);
	same(e, 29);
	cr_expect_not(st->steady);
	grow(e, 35); /* slope of the sample at 30 is 1/10 = sigma: third in a row */
	cr_expect(st->steady);
	cr_expect_eq(st->t_max, 30);
	cr_expect_eq(st->size, 3);
	engine_free(e);

	e = mk(10, 0.1, 3, CIDS_CLOCK_SECONDS, 0);
	st = engine_db_steady(e, 0);
	for (int i = 0; i < 30; i++) {
		grow(e, 1 + 10 * i); /* 1 per interval ... */
		if (i % 3 == 0)
			grow(e, 2 + 10 * i); /* ... and a second one every third interval */
	}
	cr_expect_not(st->steady);
	cr_expect_eq(st->run, 1); /* last sample at 290: interval 27 had 2, interval 28 had 1 */
	engine_free(e);
}

Test(steady, reached_late_after_runs_break)
{
	struct cids_engine *e = mk(1, 0.15, 5, CIDS_CLOCK_SECONDS, 0);
	const struct cids_steady *st = engine_db_steady(e, 0);
	size_t n;

	next_sym = 1;
	/* t < 20: one new entry per second */
	for (int i = 0; i < 20; i++)
		grow(e, i + 0.5);
	/* quiet for 4 samples (21..24), then one new entry: the run breaks at 25 */
	for (double t = 20.5; t < 24.9; t += 1)
		same(e, t);
	cr_expect_eq(st->run, 4);
	grow(e, 24.5);
	same(e, 25.5);
	cr_expect_eq(st->run, 0);
	/* quiet again: samples 26..30 are five in a row */
	for (double t = 26.5; t < 40; t += 1)
		same(e, t);
	cr_expect(st->steady);
	cr_expect_eq(st->t_max, 30);
	cr_expect_eq(st->size, 21);
	const struct cids_growth_point *g = curve(e, &n);
	cr_expect_eq(n, 39);
	cr_expect_eq(g[19].t, 20);
	cr_expect_eq(g[19].size, 20);
	cr_expect_eq(g[24].size, 21);
	cr_expect_eq(g[24].slope, 1);
	engine_free(e);
}

Test(steady, stays_steady_while_learning_continues)
{
	struct cids_engine *e = mk(1, 0.15, 2, CIDS_CLOCK_SECONDS, 0);
	const struct cids_steady *st = engine_db_steady(e, 0);

	next_sym = 1;
	grow(e, 0.5);
	engine_tick(e, 3); /* samples at 1 (slope 1), 2 and 3 (0, 0): steady at 3 */
	cr_expect(st->steady);
	cr_expect_eq(st->t_max, 3);
	for (int i = 0; i < 50; i++)
		grow(e, 3.5 + i * 0.1);
	engine_tick(e, 10);
	cr_expect(st->steady);
	cr_expect_eq(st->t_max, 3);
	cr_expect_eq(st->size, 1);
	cr_expect_eq(engine_db_size(e, 0), 51);
	engine_free(e);
}

/* An idle container: the clock passes several boundaries without a call. Each boundary gets
 * a sample; all but the first have slope 0. */
Test(steady, idle_jump_samples_every_boundary)
{
	struct cids_engine *e = mk(2, 0.15, 5, CIDS_CLOCK_SECONDS, 0);
	const struct cids_steady *st = engine_db_steady(e, 0);
	size_t n;

	next_sym = 1;
	for (int i = 0; i < 4; i++)
		grow(e, 0.1 * (i + 1));
	grow(e, 13); /* boundaries 2, 4, ..., 12 lie before: S = 4, then this call */
	const struct cids_growth_point *g = curve(e, &n);
	cr_assert_eq(n, 6);
	cr_expect_eq(g[0].t, 2);
	cr_expect_eq(g[0].size, 4);
	cr_expect_eq(g[0].slope, 2.0);
	for (size_t i = 1; i < 6; i++) {
		cr_expect_eq(g[i].t, 2.0 * (double)(i + 1));
		cr_expect_eq(g[i].size, 4); /* the call at 13 is not in the sample at 12 */
		cr_expect_eq(g[i].slope, 0);
	}
	cr_expect(st->steady);
	cr_expect_eq(st->t_max, 12);
	cr_expect_eq(st->size, 4);

	engine_tick(e, 14); /* the sample at 14 holds the call at 13 */
	g = curve(e, &n);
	cr_assert_eq(n, 7);
	cr_expect_eq(g[6].size, 5);
	cr_expect_eq(g[6].slope, 0.5);
	cr_expect_eq(engine_elapsed(e), 14);
	engine_free(e);
}

/* Call clock: `now` is the call count; the sample at t = 4 holds call 4. */
Test(steady, call_clock_boundaries)
{
	struct cids_engine *e = mk(4, 0.15, 2, CIDS_CLOCK_CALLS, 0);
	size_t n;

	next_sym = 1;
	for (int i = 1; i <= 8; i++)
		grow(e, i);
	for (int i = 9; i <= 16; i++)
		same(e, i);
	const struct cids_growth_point *g = curve(e, &n);
	cr_assert_eq(n, 4);
	cr_expect_eq(g[0].size, 4);
	cr_expect_eq(g[1].size, 8);
	cr_expect_eq(g[2].size, 8);
	cr_expect_eq(g[0].slope, 1);
	cr_expect(engine_db_steady(e, 0)->steady);
	cr_expect_eq(engine_db_steady(e, 0)->t_max, 16);
	engine_free(e);
}

/* A huge jump (a clock gone wild) finishes at once: the curve stops at its cap, the runs
 * keep counting, and a later boundary is still where it should be. */
Test(steady, huge_jump_is_bounded)
{
	struct cids_engine *e = mk(1, 0.15, 5, CIDS_CLOCK_SECONDS, 0);
	const struct cids_steady *st = engine_db_steady(e, 0);
	size_t n;

	next_sym = 1;
	grow(e, 0.5);
	engine_tick(e, 1e12);
	curve(e, &n);
	cr_expect_eq(n, CIDS_MAX_GROWTH);
	cr_expect(st->steady);
	cr_expect_eq(st->t_max, 6);
	cr_expect_eq(st->run, UINT32_MAX); /* saturated */
	grow(e, 1e12 + 0.5);
	cr_expect_eq(engine_db_size(e, 0), 2);
	engine_free(e);
}

/* Curve capped at CIDS_MAX_GROWTH points: the test goes on after it. (More entries than a
 * k=1 database can hold: a k=3 database fed directly, time moved by ticks.) */
Test(steady, test_continues_after_curve_cap)
{
	struct cids_engine_config c;
	struct cids_engine *e;
	size_t n;

	engine_config_default(&c);
	c.ndbs = 1;
	c.dbs[0] = (struct cids_db_id){CIDS_ALGO_STIDE, 3};
	c.interval = 1;
	c.consecutive = 3;
	cr_assert_eq(engine_new(&c, &e), 0);
	const struct cids_steady *st = engine_db_steady(e, 0);
	for (unsigned i = 0; i < CIDS_MAX_GROWTH + 10; i++) {
		uint16_t w[3] = {(uint16_t)(i >> 18), (uint16_t)((i >> 9) & 511),
				 (uint16_t)(i & 511)};
		engine_tick(e, i + 0.5);
		cr_assert_eq(engine_db_insert(e, 0, w, 3), 1);
	}
	curve(e, &n);
	cr_expect_eq(n, CIDS_MAX_GROWTH);
	cr_expect_not(st->steady);
	engine_tick(e, CIDS_MAX_GROWTH + 20);
	cr_expect(st->steady);
	cr_expect_eq(st->t_max, CIDS_MAX_GROWTH + 13);
	engine_free(e);
}

/* A full database stopped learning; its flat curve does not make it steady. */
Test(steady, full_database_is_never_steady)
{
	struct cids_engine *e = mk(1, 0.15, 5, CIDS_CLOCK_SECONDS, 3);
	const struct cids_steady *st = engine_db_steady(e, 0);

	next_sym = 1;
	for (int i = 0; i < 5; i++)
		grow(e, 0.1 * (i + 1));
	engine_tick(e, 100);
	cr_expect(st->full);
	cr_expect_not(st->steady);
	cr_expect_geq(st->run, 99);
	cr_expect_not(engine_steady(e, NULL, 0));
	engine_free(e);
}

Test(steady, clock_going_back_is_held)
{
	struct cids_engine *e = mk(1, 0.15, 5, CIDS_CLOCK_SECONDS, 0);
	size_t n;

	next_sym = 1;
	grow(e, 5.5);
	grow(e, 2.0); /* earlier than the last call: counted at 5.5 */
	grow(e, NAN);
	cr_expect_eq(engine_elapsed(e), 5.5);
	engine_tick(e, 3);
	curve(e, &n);
	cr_expect_eq(n, 5);
	engine_tick(e, 6);
	const struct cids_growth_point *g = curve(e, &n);
	cr_assert_eq(n, 6);
	cr_expect_eq(g[5].size, 3);
	engine_free(e);
}

Test(steady, engine_steady_lists)
{
	struct cids_engine_config c;
	struct cids_engine *e;

	engine_config_default(&c);
	c.ndbs = 2;
	c.dbs[0] = (struct cids_db_id){CIDS_ALGO_STIDE, 1};
	c.dbs[1] = (struct cids_db_id){CIDS_ALGO_STIDE, 3};
	c.interval = 1;
	c.consecutive = 2;
	cr_assert_eq(engine_new(&c, &e), 0);
	/* two symbols alternating: both databases have their 2 entries at once */
	for (int i = 0; i < 100; i++)
		cr_assert_geq(engine_learn(e, 1, i % 2 ? 1 : 2, 0.1 * i), 0);
	struct cids_db_id one = {CIDS_ALGO_STIDE, 1}, three = {CIDS_ALGO_STIDE, 3},
			  none = {CIDS_ALGO_BOSC, 3};
	cr_expect(engine_steady(e, &one, 1));
	cr_expect(engine_steady(e, &three, 1)); /* 2 windows only: bab aba */
	cr_expect_not(engine_steady(e, &none, 1));
	engine_free(e);
}
