/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Offline evaluation pieces: AUC with ties, detection rate at a false-alarm rate, option
 * parsing, and learning/loading traces so that windows never cross a trace. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "offline.h"

Test(eval, auc_perfect_reversed_and_ties)
{
	double n[] = {0.1, 0.2, 0.3}, a[] = {0.4, 0.5}, lo[] = {0.0, 0.05};
	double t1[] = {1, 1, 1}, t2[] = {1, 1};

	cr_assert_float_eq(metrics_auc(n, 3, a, 2), 1.0, 1e-12);
	cr_assert_float_eq(metrics_auc(n, 3, lo, 2), 0.0, 1e-12);
	cr_assert_float_eq(metrics_auc(t1, 3, t2, 2), 0.5, 1e-12, "all tied counts half");
	cr_assert(isnan(metrics_auc(n, 0, a, 2)));
}

Test(eval, auc_hand_checked)
{
	/* pairs (a > n): a=0.3 beats 0.1,0.2 (2), ties 0.3 (0.5); a=0.15 beats 0.1 (1):
	 * (2 + 0.5 + 1) / (2 * 3) = 0.583333 */
	double n[] = {0.1, 0.2, 0.3}, a[] = {0.3, 0.15};
	cr_assert_float_eq(metrics_auc(n, 3, a, 2), 3.5 / 6.0, 1e-12);
}

Test(eval, dr_at_far_threshold_from_normals)
{
	double n[100], a[] = {99.5, 98.5, 94.5, 50, 0};
	double thr, far;

	for (int i = 0; i < 100; i++)
		n[i] = i; /* 0..99 */
	/* 1 %: one normal may lie above: threshold 98, alarms 99.5 and 98.5 */
	cr_assert_float_eq(metrics_dr_at_far(n, 100, a, 5, 0.01, &thr, &far), 0.4, 1e-12);
	cr_assert_float_eq(thr, 98, 1e-12);
	cr_assert_float_eq(far, 0.01, 1e-12);
	/* 5 %: threshold 94 */
	cr_assert_float_eq(metrics_dr_at_far(n, 100, a, 5, 0.05, &thr, &far), 0.6, 1e-12);
	cr_assert_float_eq(thr, 94, 1e-12);
	cr_assert_float_eq(far, 0.05, 1e-12);
}

Test(eval, dr_at_far_ties_never_exceed_the_rate)
{
	/* 20 % of normals share the top score: at 10 % no threshold below it is allowed */
	double n[10] = {5, 5, 1, 1, 1, 1, 1, 1, 1, 1}, a[] = {5, 5, 5};
	double far;
	cr_assert_float_eq(metrics_dr_at_far(n, 10, a, 3, 0.10, NULL, &far), 0.0, 1e-12);
	cr_assert_leq(far, 0.10);
}

Test(eval, k_lists)
{
	uint8_t k[16];
	unsigned n;

	cr_assert_eq(parse_k_list("6,3,4,4", 1, 14, k, 16, &n), 0);
	cr_assert_eq(n, 3);
	cr_assert_eq(k[0], 3);
	cr_assert_eq(k[2], 6);
	cr_assert_eq(parse_k_list("3-6,10", 1, 14, k, 16, &n), 0);
	cr_assert_eq(n, 5);
	cr_assert_eq(k[4], 10);
	cr_assert_eq(parse_k_list("0", 1, 14, k, 16, &n), -EINVAL);
	cr_assert_eq(parse_k_list("15", 1, 14, k, 16, &n), -EINVAL);
	cr_assert_eq(parse_k_list("3,", 1, 14, k, 16, &n), 0);
	cr_assert_eq(parse_k_list("3,,4", 1, 14, k, 16, &n), -EINVAL);
	cr_assert_eq(parse_k_list("6-3", 1, 14, k, 16, &n), -EINVAL);
	cr_assert_eq(parse_k_list("a", 1, 14, k, 16, &n), -EINVAL);
	cr_assert_eq(parse_k_list("1-14", 1, 14, k, 4, &n), -E2BIG);
}

static char *write_tmp(const char *content)
{
	char *p = strdup("/tmp/cids-test-eval-XXXXXX");
	int fd = mkstemp(p);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	return p;
}

static struct cids_engine *stide3_engine(void)
{
	struct cids_engine_config c;
	struct cids_engine *e = NULL;

	engine_config_default(&c);
	c.arch = CIDS_ARCH_NONE;
	c.clock = CIDS_CLOCK_CALLS;
	c.ndbs = 1;
	c.dbs[0] = (struct cids_db_id){CIDS_ALGO_STIDE, 3};
	cr_assert_eq(engine_new(&c, &e), 0);
	return e;
}

Test(eval, windows_never_cross_processes_or_files)
{
	/* two interleaved processes in one file, and a second file */
	char *a = write_tmp("1 1\n2 4\n1 2\n2 5\n1 3\n2 6\n");
	char *b = write_tmp("9 7\n9 8\n");
	char *c = write_tmp("9 9\n");
	char *paths[3] = {a, b, c};
	struct trace_files f = {.paths = paths, .n = 3};
	struct trace_opts o = {.format = TRACE_UNM};
	struct learn_stats st = {};
	struct trace_set s = {};
	struct cids_engine *e = stide3_engine();

	cr_assert_eq(learn_files(e, &f, &o, CIDS_CLOCK_CALLS, &st), 0);
	cr_assert_eq(st.calls, 9);
	cr_assert_eq(st.files, 3);
	/* 1 2 3 and 4 5 6 only: nothing across pids, nothing across files (7 8 | 9) */
	cr_assert_eq(engine_db_size(e, 0), 2);
	cr_assert(engine_db_contains(e, 0, (uint16_t[]){1, 2, 3}, 3));
	cr_assert(engine_db_contains(e, 0, (uint16_t[]){4, 5, 6}, 3));
	cr_assert_float_eq(engine_elapsed(e), 9, 1e-9);
	engine_free(e);

	cr_assert_eq(trace_set_load(&f, &o, "test", &s), 0);
	cr_assert_eq(s.n, 4);
	cr_assert_eq(s.t[0].stream, 1);
	cr_assert_eq(s.t[0].n, 3);
	cr_assert_eq(s.t[1].syms[2], 6);
	cr_assert_eq(s.t[2].file, 1);
	cr_assert_eq(s.t[3].n, 1);

	e = stide3_engine();
	cr_assert_eq(learn_set(e, &s, (bool[]){false, true, true, true}), 0);
	cr_assert_eq(engine_db_size(e, 0), 1);
	cr_assert(engine_db_contains(e, 0, (uint16_t[]){4, 5, 6}, 3));
	engine_free(e);

	trace_set_done(&s);
	unlink(a);
	unlink(b);
	unlink(c);
	free(a);
	free(b);
	free(c);
}

Test(eval, load_splits_a_stream_at_its_exit)
{
	char *a = write_tmp("5 1.0 getpid() = 5\n5 1.1 +++ exited with 0 +++\n"
			    "5 2.0 getppid() = 1\n");
	char *paths[1] = {a};
	struct trace_files f = {.paths = paths, .n = 1};
	struct trace_opts o = {.format = TRACE_STRACE};
	struct trace_set s = {};

	cr_assert_eq(trace_set_load(&f, &o, "test", &s), 0);
	cr_assert_eq(s.n, 2, "a reused pid starts a new trace");
	cr_assert_eq(s.t[0].syms[0], 39);
	cr_assert_eq(s.t[1].syms[0], 110);
	trace_set_done(&s);
	unlink(a);
	free(a);
}

Test(eval, seconds_clock_needs_timestamps)
{
	char *a = write_tmp("5 getpid() = 5\n");
	char *paths[1] = {a};
	struct trace_files f = {.paths = paths, .n = 1};
	struct trace_opts o = {.format = TRACE_STRACE};
	struct learn_stats st = {};
	struct cids_engine *e = stide3_engine();

	cr_assert_eq(learn_files(e, &f, &o, CIDS_CLOCK_SECONDS, &st), -EBADMSG);
	engine_free(e);
	unlink(a);
	free(a);
}

Test(eval, output_path_never_silently_replaced)
{
	char *a = write_tmp("x");
	cr_assert_eq(check_output_path(a, false), -EEXIST);
	cr_assert_eq(check_output_path(a, true), 0);
	cr_assert_eq(check_output_path("/tmp", true), -EINVAL);
	unlink(a);
	cr_assert_eq(check_output_path(a, false), 0);
	free(a);
}
