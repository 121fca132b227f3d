/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The learning engine's detection: foreign sequences, STIDE's locality frame, BoSC's epochs,
 * the detector's state per stream, and trace scores. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "cids/engine.h"
#include "engine_util.h"

/*
 * A foreign sequence F of length s (distinct symbols, never seen) whose (s-1)-grams are all
 * normal: training has z^m F[0..s-2] z^m and z^m F[1..s-1] z^m as separate streams; the test
 * trace is z^m F z^m. Every window of size k < s of the test trace holds at most s-1
 * consecutive symbols of F, so it is in training; for k >= s some window holds all of F.
 */
Test(engine, foreign_sequence_detected_iff_k_ge_s)
{
	const unsigned Z = 7, m = 16;

	for (unsigned s = 2; s <= 7; s++) {
		for (unsigned k = 1; k <= 10; k++) {
			const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, (uint8_t)k}};
			struct cids_engine *e = mk(d, 1, 0, 0);
			uint16_t test[64];
			size_t n = 0;
			double t = 0;

			for (unsigned part = 0; part < 2; part++) {
				for (unsigned i = 0; i < m; i++)
					engine_learn(e, part, Z, ++t);
				for (unsigned i = part; i < s - 1 + part; i++)
					engine_learn(e, part, 100 + i, ++t);
				for (unsigned i = 0; i < m; i++)
					engine_learn(e, part, Z, ++t);
				engine_end_stream(e, part);
			}
			for (unsigned i = 0; i < m; i++)
				test[n++] = Z;
			for (unsigned i = 0; i < s; i++)
				test[n++] = (uint16_t)(100 + i);
			for (unsigned i = 0; i < m; i++)
				test[n++] = Z;

			struct cids_score sc;
			cr_assert_eq(engine_score_trace(e, 0, test, n, 20, &sc), 0);
			cr_expect_eq(sc.mismatches > 0, k >= s, "s=%u k=%u mismatches=%lu", s, k,
				     (unsigned long)sc.mismatches);
			if (k >= s) /* the windows holding all of F: k - s + 1 of them */
				cr_expect_eq(sc.mismatches, k - s + 1, "s=%u k=%u", s, k);

			/* The live detector agrees. */
			struct cids_detector det = {CIDS_ALGO_STIDE, (uint8_t)k, 20, 1, 0};
			unsigned alarms = 0;
			for (size_t i = 0; i < n; i++)
				alarms += engine_detect(e, 99, test[i], &det, NULL) == 1;
			cr_expect_eq(alarms, sc.mismatches, "s=%u k=%u", s, k);
			engine_free(e);
		}
	}
}

static int detect_str(struct cids_engine *e, uint64_t stream, char c, const struct cids_detector *d,
		      struct cids_alarm *a)
{
	return engine_detect(e, stream, (unsigned)(c - 'a' + 1), d, a);
}

Test(engine, stide_threshold_one_alarms_each_mismatch)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, 3}};
	struct cids_engine *e = mk(d, 1, 0, 0);
	struct cids_detector det = {CIDS_ALGO_STIDE, 3, 20, 1, 0};
	struct cids_alarm a;
	const char *t = "abcdabc";
	int expect[] = {0, 0, 0, 1, 1, 1, 0}; /* bcd cda dab mismatch, abc matches */

	learn_str(e, 1, "abcabca");
	for (int i = 0; t[i]; i++) {
		memset(&a, 0xff, sizeof(a));
		cr_expect_eq(detect_str(e, 2, t[i], &det, &a), expect[i], "call %d", i);
		if (expect[i]) {
			cr_expect_eq(a.algo, CIDS_ALGO_STIDE);
			cr_expect_eq(a.k, 3);
			cr_expect_eq(a.nwin, 3);
			cr_expect_eq(a.score, (unsigned)i - 2); /* LFC grows 1, 2, 3 */
			for (int j = 0; j < 3; j++)
				cr_expect_eq(a.window[j], t[i - 2 + j] - 'a' + 1);
		}
	}
	engine_free(e);
}

/* CIDS_DET_UNSEEN_CALLS: a call never learned is an alarm at once, whatever the frame count;
 * new orderings of known calls wait for the threshold. Batches judge the same. */
Test(engine, unseen_calls_alarm_below_threshold)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, 3}};
	struct cids_engine *e = mk(d, 1, 0, 0);
	struct cids_detector det = {CIDS_ALGO_STIDE, 3, 20, 5, CIDS_DET_UNSEEN_CALLS};
	struct cids_alarm a;
	const char *t = "abcacbae"; /* cac acb cba bae: four mismatches, 'e' never learned */
	int expect[] = {0, 0, 0, 0, 0, 0, 0, 1};
	uint16_t syms[8];

	learn_str(e, 1, "abcabca");
	for (int i = 0; t[i]; i++) {
		memset(&a, 0, sizeof(a));
		cr_expect_eq(detect_str(e, 2, t[i], &det, &a), expect[i], "call %d", i);
		syms[i] = (uint16_t)(t[i] - 'a' + 1);
	}
	cr_expect_eq(a.unseen, 1);
	cr_expect_eq(a.score, 4); /* cac acb cba bae */
	/* without the flag the unseen call waits for the threshold like any mismatch */
	det.flags = 0;
	det.threshold = 4;
	cr_expect_eq(engine_detect_many(e, 3, syms, 8, &det, NULL, NULL), 1);
	det.threshold = 5;
	cr_expect_eq(engine_detect_many(e, 4, syms, 8, &det, NULL, NULL), 0);
	det.flags = CIDS_DET_UNSEEN_CALLS;
	cr_expect_eq(engine_detect_many(e, 5, syms, 8, &det, NULL, NULL), 1);
	/* CIDS_DET_LOW_RISK_UNSEEN: getpeername (52) never learned waits for the threshold like
	 * any mismatch; unshare (272) never learned is still an alarm at once */
	det.flags = CIDS_DET_UNSEEN_CALLS | CIDS_DET_LOW_RISK_UNSEEN;
	cr_expect_eq(detect_str(e, 6, 'a', &det, NULL), 0);
	cr_expect_eq(detect_str(e, 6, 'b', &det, NULL), 0);
	cr_expect_eq(engine_detect(e, 6, 52, &det, NULL), 0);
	cr_expect_eq(engine_detect(e, 6, 272, &det, &a), 1);
	cr_expect_eq(a.unseen, 1);
	det.flags = CIDS_DET_UNSEEN_CALLS;
	cr_expect_eq(detect_str(e, 7, 'a', &det, NULL), 0);
	cr_expect_eq(detect_str(e, 7, 'b', &det, NULL), 0);
	cr_expect_eq(engine_detect(e, 7, 52, &det, &a), 1);
	engine_free(e);
}

Test(engine, stide_locality_frame)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, 1}};
	struct cids_engine *e = mk(d, 1, 0, 0);
	struct cids_detector det = {CIDS_ALGO_STIDE, 1, 4, 2, 0};
	struct cids_alarm a;

	learn_str(e, 1, "a");
	/* frame 4, threshold 2: x a a a a x -> the 2 x are 5 windows apart: no alarm */
	const char *t1 = "xaaaax";
	for (int i = 0; t1[i]; i++)
		cr_expect_eq(detect_str(e, 2, t1[i], &det, &a), 0, "t1 call %d", i);
	/* x a a x: within 4 windows: alarm on the second x with LFC 2 */
	const char *t2 = "xaax";
	for (int i = 0; t2[i]; i++)
		cr_expect_eq(detect_str(e, 3, t2[i], &det, &a), i == 3, "t2 call %d", i);
	cr_expect_eq(a.score, 2);
	/* The count also holds x from stream 2's last frame: 1 x in its last 4 windows, so one
	 * more x alarms. */
	cr_expect_eq(detect_str(e, 2, 'x', &det, &a), 1);
	cr_expect_eq(a.score, 2);
	/* a match never alarms even when the count is over the threshold */
	cr_expect_eq(detect_str(e, 2, 'a', &det, &a), 0);
	engine_free(e);
}

Test(engine, bosc_epochs)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_BOSC, 2}};
	struct cids_engine *e = mk(d, 1, 0, 0);
	struct cids_detector det = {CIDS_ALGO_BOSC, 2, 5, 2, 0};
	struct cids_alarm a;

	learn_str(e, 1, "abab");
	/* epoch of 5 calls; threshold 2 mismatching bags within one epoch */
	/* calls 0-4: a b b a b -> bags ab bb ab ab: one mismatch (bb) -> no alarm.
	 * calls 5-9: b b a a c -> bags (b,b) at 5 (window b b crossing the epoch) mis,
	 * bb at 6 mis -> alarm at call 6; aa at 8 mis, ac at 9 mis. */
	const char *t = "abbabbbaac";
	int expect[] = {0, 0, 0, 0, 0, 0, 1, 0, 1, 1};
	for (int i = 0; t[i]; i++) {
		int r = detect_str(e, 2, t[i], &det, &a);
		cr_expect_eq(r, expect[i], "call %d", i);
		if (r == 1 && i == 9) {
			cr_expect_eq(a.score, 4);
			cr_expect_eq(a.window[0], 1); /* in call order: a then c */
			cr_expect_eq(a.window[1], 3);
		}
	}
	/* Reordered bag matches: "ba" is the bag {a,b} */
	cr_expect_eq(detect_str(e, 3, 'b', &det, &a), 0);
	cr_expect_eq(detect_str(e, 3, 'a', &det, &a), 0);
	engine_free(e);
}

Test(engine, bosc_window_order_in_alarm)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_BOSC, 3}};
	struct cids_engine *e = mk(d, 1, 0, 0);
	struct cids_detector det = {CIDS_ALGO_BOSC, 3, 10, 1, 0};
	struct cids_alarm a;

	learn_str(e, 1, "abc");
	cr_expect_eq(detect_str(e, 2, 'z', &det, &a), 0);
	cr_expect_eq(detect_str(e, 2, 'c', &det, &a), 0);
	cr_expect_eq(detect_str(e, 2, 'b', &det, &a), 1);
	cr_expect_eq(a.window[0], 26);
	cr_expect_eq(a.window[1], 3);
	cr_expect_eq(a.window[2], 2);
	cr_expect_eq(detect_str(e, 2, 'a', &det, &a), 0); /* c b a: bag {a,b,c} */
	engine_free(e);
}

Test(engine, detect_continues_learning_window)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, 3}, {CIDS_ALGO_BOSC, 3}};
	struct cids_engine *e = mk(d, 2, 0, 0);
	struct cids_detector st = {CIDS_ALGO_STIDE, 3, 20, 1, 0},
			     bo = {CIDS_ALGO_BOSC, 3, 20, 1, 0};
	struct cids_alarm a;

	learn_str(e, 1, "abc");
	learn_str(e, 5, "ab"); /* stream 5 has "ab" in its window */
	/* stream 5 goes on in detect mode: "c" completes abc (known) for both databases */
	cr_expect_eq(detect_str(e, 5, 'c', &st, &a), 0);
	cr_expect_eq(detect_str(e, 5, 'c', &bo, &a), 0);
	/* a fresh stream: first k-1 calls never alarm */
	cr_expect_eq(detect_str(e, 6, 'x', &st, &a), 0);
	cr_expect_eq(detect_str(e, 6, 'y', &st, &a), 0);
	cr_expect_eq(detect_str(e, 6, 'z', &st, &a), 1);
	engine_free(e);
}

Test(engine, detect_errors)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, 3}};
	struct cids_engine *e = mk(d, 1, 0, 0);
	struct cids_detector det = {CIDS_ALGO_BOSC, 3, 20, 1, 0};
	struct cids_score sc;

	cr_expect_eq(engine_detect(e, 1, 1, &det, NULL), -ENOENT);
	det = (struct cids_detector){CIDS_ALGO_STIDE, 3, 0, 1, 0};
	cr_expect_eq(engine_detect(e, 1, 1, &det, NULL), -EINVAL);
	det.frame = CIDS_MAX_FRAME + 1;
	cr_expect_eq(engine_detect(e, 1, 1, &det, NULL), -EINVAL);
	det.frame = CIDS_MAX_FRAME;
	cr_expect_eq(engine_detect(e, 1, 1, &det, NULL), 0);
	cr_expect_eq(engine_score_trace(e, 0, NULL, 0, 0, &sc), -EINVAL);
	cr_expect_eq(engine_score_trace(e, 3, NULL, 0, 5, &sc), -EINVAL);
	cr_expect_eq(engine_score_trace(e, 0, NULL, 0, 5, &sc), 0);
	cr_expect_eq(sc.windows, 0);
	cr_expect_eq(sc.rate, 0);
	engine_free(e);
}

Test(engine, score_trace_golden)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, 3}};
	struct cids_engine *e = mk(d, 1, 0, 0);
	uint16_t t[] = {1, 2, 3, 4, 1, 2, 3}; /* a b c d a b c */
	struct cids_score sc;

	learn_str(e, 1, "abcabca"); /* abc x2, bca x2, cab x1: total 5, distinct 3 */
	cr_assert_eq(engine_score_trace(e, 0, t, 7, 20, &sc), 0);
	cr_expect_eq(sc.windows, 5);
	cr_expect_eq(sc.mismatches, 3);
	cr_expect_float_eq(sc.rate, 0.6, 1e-12);
	cr_expect_eq(sc.max_lfc, 3);
	cr_expect_eq(sc.max_epoch, 3);
	/* rarity: p = (count + 1) / (5 + 3 + 1): abc twice (3/9), 3 unseen (1/9) */
	double want = (2 * -log2(3.0 / 9) + 3 * -log2(1.0 / 9)) / 5;
	cr_expect_float_eq(sc.rarity, want, 1e-12);

	cr_assert_eq(engine_score_trace(e, 0, t, 7, 2, &sc), 0);
	cr_expect_eq(sc.max_lfc, 2);
	/* epochs of 4 calls: {0..3}: window at 3 mismatches; {4..6}: windows at 4 and 5 */
	cr_assert_eq(engine_score_trace(e, 0, t, 7, 4, &sc), 0);
	cr_expect_eq(sc.max_epoch, 2);
	/* Scoring is pure: no stream is created, nothing learned. */
	cr_expect_eq(engine_db_size(e, 0), 3);
	cr_expect_eq(engine_total_calls(e), 7);
	engine_free(e);
}

/* Another frame or threshold on the same stream restarts the count, not the window. */
Test(engine, detector_change_restarts_count)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, 1}};
	struct cids_engine *e = mk(d, 1, 0, 0);
	struct cids_detector a = {CIDS_ALGO_STIDE, 1, 10, 2, 0}, b = {CIDS_ALGO_STIDE, 1, 10, 3, 0};
	struct cids_alarm al;

	learn_str(e, 1, "a");
	cr_expect_eq(detect_str(e, 2, 'x', &a, &al), 0);
	cr_expect_eq(detect_str(e, 2, 'x', &a, &al), 1); /* LFC 2 */
	cr_expect_eq(detect_str(e, 2, 'x', &b, &al), 0); /* restarted: LFC 1 of 3 */
	cr_expect_eq(detect_str(e, 2, 'x', &b, &al), 0);
	cr_expect_eq(detect_str(e, 2, 'x', &b, &al), 1);
	cr_expect_eq(al.score, 3);
	b.frame = 2; /* a new frame size: 2 windows can never reach 3 */
	for (int i = 0; i < 5; i++)
		cr_expect_eq(detect_str(e, 2, 'x', &b, &al), 0);
	engine_free(e);
}

/* Issue 14: with start_pad a stream's first calls form windows too, learned and judged; a
 * short-lived child cannot run k-1 calls unseen. */
Test(engine, start_pad_judges_first_calls)
{
	struct cids_engine_config c;
	struct cids_engine *e = NULL;
	const struct cids_detector d = {CIDS_ALGO_STIDE, 3, 20, 1, 0};
	const struct cids_db_id ids[] = {{CIDS_ALGO_STIDE, 3}, {CIDS_ALGO_BOSC, 3}};
	struct cids_alarm al;
	uint16_t w[3] = {CIDS_SYM_START, CIDS_SYM_START, 1};

	engine_config_default(&c);
	c.arch = CIDS_ARCH_NONE;
	c.clock = CIDS_CLOCK_CALLS;
	c.interval = 1000000;
	c.ndbs = 2;
	memcpy(c.dbs, ids, sizeof(ids));
	c.start_pad = true;
	cr_assert_eq(engine_new(&c, &e), 0);
	learn_str(e, 1, "abc");
	/* [S S a] [S a b] [a b c]: three windows from three calls (unpadded: one) */
	cr_expect_eq(engine_db_size(e, 0), 3);
	cr_expect_eq(engine_db_size(e, 1), 3);
	cr_expect(engine_db_contains(e, 0, w, 3));
	cr_expect(engine_db_contains(e, 1, w, 3));
	/* a fresh stream whose first call was never a first call: anomalous at once */
	cr_expect_eq(engine_detect(e, 2, 2, &d, &al), 1);
	cr_expect_eq(al.window[0], CIDS_SYM_START);
	cr_expect_eq(al.window[2], 2);
	/* the learned start is normal */
	cr_expect_eq(engine_detect(e, 3, 1, &d, NULL), 0);
	cr_expect_eq(engine_detect(e, 3, 2, &d, NULL), 0);
	engine_free(e);
}

/* A blocked call is taken back: the next call is judged against the window before it, so
 * neither a free prefix (stream restart) nor the blocked call's own windows follow (only the
 * first of consecutive blocked calls: below). */
Test(engine, detect_undo_takes_back_one_call)
{
	struct cids_engine *e = mk((const struct cids_db_id[]){{CIDS_ALGO_STIDE, 3}}, 1, 0, 0);
	const struct cids_detector d = {CIDS_ALGO_STIDE, 3, 20, 1, 0};

	learn_str(e, 1, "abcd");
	cr_expect_eq(engine_detect(e, 2, 1, &d, NULL), 0);
	cr_expect_eq(engine_detect(e, 2, 2, &d, NULL), 0);
	cr_expect_eq(engine_detect(e, 2, 5, &d, NULL), 1); /* [a b e]: blocked */
	cr_expect_eq(engine_detect_undo(e, 2, &d), 0);
	cr_expect_eq(engine_detect_undo(e, 2, &d), -ENOENT); /* once */
	cr_expect_eq(engine_detect(e, 2, 3, &d, NULL), 0);   /* [a b c] */
	cr_expect_eq(engine_detect(e, 2, 5, &d, NULL), 1);   /* [b c e]: judged, no free call */
	engine_free(e);
}

/* CIDS_DET_NEAR_WINDOWS: a new ordering of a learned set of calls (its bag is in the BoSC
 * database) counts 1/2 in the frame, any other mismatch 1; with CIDS_DET_NEAR_FREE near windows
 * and windows one call away from a learned one count 0; the live detector and batches agree. */
Test(engine, near_windows_weigh_less)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, 3}, {CIDS_ALGO_BOSC, 3}};
	const struct cids_db_id only[] = {{CIDS_ALGO_STIDE, 3}};
	struct cids_engine *e = mk(d, 2, 0, 0), *e1 = mk(only, 1, 0, 0);
	struct cids_detector det = {CIDS_ALGO_STIDE, 3, 20, 2, CIDS_DET_NEAR_WINDOWS};
	struct cids_alarm a;
	/* learned abc bca cab; cac: one call away from cab (1), acb: the set of abc (1/2),
	 * cbd: new (1) */
	const char *t = "abcacbd";
	int near[] = {0, 0, 0, 0, 0, 0, 1}, plain[] = {0, 0, 0, 0, 0, 1, 1};
	unsigned plain_score[] = {0, 0, 0, 0, 1, 2, 3};
	uint16_t syms[7];

	learn_str(e, 1, "abcabca");
	learn_str(e1, 1, "abcabca");
	for (int i = 0; t[i]; i++) {
		memset(&a, 0, sizeof(a));
		cr_expect_eq(detect_str(e, 2, t[i], &det, &a), near[i], "call %d", i);
		syms[i] = (uint16_t)(t[i] - 'a' + 1);
	}
	cr_expect_eq(a.score, 2); /* 1 + 1/2 + 1, rounded down */
	cr_expect_eq(engine_detect_many(e, 3, syms, 7, &det, NULL, NULL), 1);
	/* without the flag every mismatch counts 1 */
	det.flags = 0;
	for (int i = 0; t[i]; i++) {
		memset(&a, 0, sizeof(a));
		cr_expect_eq(detect_str(e, 4, t[i], &det, &a), plain[i], "call %d", i);
		if (plain[i])
			cr_expect_eq(a.score, plain_score[i], "call %d", i);
	}
	/* without a BoSC database a new ordering is a plain mismatch */
	det.flags = CIDS_DET_NEAR_WINDOWS;
	for (int i = 0; t[i]; i++)
		cr_expect_eq(detect_str(e1, 2, t[i], &det, NULL), plain[i], "call %d", i);
	/* near windows free (the start-up grace): threshold 1 is reached at cbd alone */
	det.threshold = 1;
	det.flags = CIDS_DET_NEAR_WINDOWS | CIDS_DET_NEAR_FREE;
	for (int i = 0; t[i]; i++) {
		memset(&a, 0, sizeof(a));
		cr_expect_eq(detect_str(e, 5, t[i], &det, &a), i == 6, "call %d", i);
	}
	cr_expect_eq(a.score, 1);
	/* past the grace cac counts 1 again: threshold 1 from it on */
	det.flags = CIDS_DET_NEAR_WINDOWS;
	for (int i = 0; t[i]; i++)
		cr_expect_eq(detect_str(e, 6, t[i], &det, NULL), i >= 4, "call %d", i);
	/* CIDS_DET_NEAR_QUIET: a near window raises the alarm only at twice the threshold (acb:
	 * count 1 of 2), a far one at the threshold (cac, cbd) */
	det.flags = CIDS_DET_NEAR_WINDOWS | CIDS_DET_NEAR_QUIET;
	for (int i = 0; t[i]; i++)
		cr_expect_eq(detect_str(e, 7, t[i], &det, NULL), i == 4 || i == 6, "call %d", i);
	engine_free(e);
	engine_free(e1);
}

/* CIDS_DET_REPEATS_ONCE: a mismatching window equal to one of the stream's last 16 mismatching
 * windows counts 0: a loop of one new window is one novelty, however long; live and batch agree */
Test(engine, repeats_of_recent_mismatches_count_once)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, 3}};
	struct cids_engine *e = mk(d, 1, 0, 0);
	struct cids_detector det = {CIDS_ALGO_STIDE, 3, 20, 3, CIDS_DET_REPEATS_ONCE};
	/* learned abc bca cab; the loop acacac...: aca and cac, new, over and over */
	const char *t = "acacacacacacacacacac";
	uint16_t syms[20];
	struct cids_alarm a;

	learn_str(e, 1, "abcabca");
	for (int i = 0; t[i]; i++) {
		cr_expect_eq(detect_str(e, 2, t[i], &det, NULL), 0, "call %d", i); /* count 2 */
		syms[i] = (uint16_t)(t[i] - 'a' + 1);
	}
	cr_expect_eq(engine_detect_many(e, 3, syms, 20, &det, NULL, NULL), 0);
	/* a third new window reaches 3 */
	cr_expect_eq(detect_str(e, 2, 'b', &det, &a), 1);
	cr_expect_eq(a.score, 3);
	/* without the flag the loop counts every window: anomalous from its third */
	det.flags = 0;
	cr_expect_eq(engine_detect_many(e, 4, syms, 20, &det, NULL, NULL), 16);
	for (int i = 0; t[i]; i++)
		cr_expect_eq(detect_str(e, 5, t[i], &det, NULL), i >= 4, "call %d", i);
	engine_free(e);
}

/* Only the first of consecutive blocked calls is taken back: held on one window, a thread's
 * error path made every next window new and every call blocked. */
Test(engine, detect_undo_only_first_of_consecutive_blocks)
{
	struct cids_engine *e = mk((const struct cids_db_id[]){{CIDS_ALGO_STIDE, 3}}, 1, 0, 0);
	const struct cids_detector d = {CIDS_ALGO_STIDE, 3, 20, 1, 0};

	learn_str(e, 1, "abcd");
	cr_expect_eq(engine_detect(e, 2, 1, &d, NULL), 0);
	cr_expect_eq(engine_detect(e, 2, 2, &d, NULL), 0);
	cr_expect_eq(engine_detect(e, 2, 5, &d, NULL), 1); /* [a b e]: blocked */
	cr_expect_eq(engine_detect_undo(e, 2, &d), 0);	   /* window [a b] */
	cr_expect_eq(engine_detect(e, 2, 6, &d, NULL), 1); /* [a b f]: blocked right after */
	cr_expect_eq(engine_detect_undo(e, 2, &d), -ENOENT);
	cr_expect_eq(engine_detect(e, 2, 7, &d, NULL), 1); /* [b f g], not [a b g] */
	cr_expect_eq(engine_detect_undo(e, 2, &d), -ENOENT);
	cr_expect_eq(engine_detect(e, 2, 1, &d, NULL), 1); /* [f g a]: not blocked */
	cr_expect_eq(engine_detect(e, 2, 2, &d, NULL), 1); /* [g a b] */
	cr_expect_eq(engine_detect(e, 2, 3, &d, NULL), 0); /* [a b c] */
	cr_expect_eq(engine_detect(e, 2, 5, &d, NULL), 1); /* [b c e]: a new run of blocks */
	cr_expect_eq(engine_detect_undo(e, 2, &d), 0);
	engine_free(e);
}

/* A backend that counts every mismatch 1 and reports each with its count (cidsd's kernel
 * program): engine_detect_reported, fed the mismatching windows alone, raises the same alarms
 * with the same scores as engine_detect fed every call, under the tolerant model's weights. */
Test(engine, reported_mismatches_weigh_as_detect)
{
	const struct cids_db_id d[] = {{CIDS_ALGO_STIDE, 3}, {CIDS_ALGO_BOSC, 3}};
	struct cids_engine *e = mk(d, 2, 0, 0);
	const unsigned frame = 8;
	struct cids_detector det = {CIDS_ALGO_STIDE, 3, 8, 2,
				    CIDS_DET_UNSEEN_CALLS | CIDS_DET_NEAR_WINDOWS |
					    CIDS_DET_NEAR_QUIET | CIDS_DET_REPEATS_ONCE};
	struct cids_alarm a, b;
	uint16_t win[3];
	uint64_t hist = 0;
	unsigned x = 12345, alarms = 0, near = 0, mis = 0;

	learn_str(e, 1, "abcdabcdbacdabcdabdc");
	for (unsigned pass = 0; pass < 2; pass++) {
		det.flags ^= pass ? CIDS_DET_NEAR_FREE : 0; /* the start-up grace's weights too */
		hist = 0;
		for (unsigned i = 0; i < 4000; i++) {
			unsigned sym;
			int ra, rb = 0;

			/* mostly the learned cycle, some reorderings, a few never-learned calls */
			x = x * 1103515245u + 12345u;
			sym = (x >> 16) % 100 < 85   ? 1 + i % 4
			      : (x >> 16) % 100 < 98 ? 1 + (x >> 8) % 4
						     : 5;
			win[0] = win[1];
			win[1] = win[2];
			win[2] = (uint16_t)sym;
			memset(&a, 0, sizeof(a));
			ra = engine_detect(e, 10 + pass, sym, &det, &a);
			cr_assert_geq(ra, 0);
			if (i < 2)
				continue; /* no full window yet (no start padding here) */
			hist = (hist << 1) & ((1ull << frame) - 1);
			if (engine_db_contains(e, 0, win, 3)) {
				cr_assert_eq(ra, 0, "call %u: a learned window alarmed", i);
				continue;
			}
			hist |= 1;
			mis++;
			memset(&b, 0, sizeof(b));
			rb = engine_detect_reported(e, 20 + pass, win, 3,
						    (unsigned)__builtin_popcountll(hist), &det, &b);
			cr_assert_eq(rb, ra, "call %u: reported %d, detect %d", i, rb, ra);
			if (ra) {
				alarms++;
				cr_assert_eq(b.score, a.score, "call %u", i);
				cr_assert_eq(b.unseen, a.unseen, "call %u", i);
				cr_assert_arr_eq(b.window, a.window, sizeof(win), "call %u", i);
			} else {
				near++;
			}
		}
	}
	/* the sequence exercised both outcomes */
	cr_assert_gt(alarms, 10);
	cr_assert_gt(near, 10);
	cr_assert_gt(mis, alarms);
	cr_assert_eq(engine_detect_reported(e, 30, win, 2, 1, &det, NULL), -EINVAL);
	cr_assert_eq(engine_detect_reported(e, 30, win, 3, 0, &det, NULL), -EINVAL);
	engine_free(e);
}
