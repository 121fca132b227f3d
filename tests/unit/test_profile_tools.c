/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids profile diff / merge / install / export-seccomp, on engines built here. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* the CLI is not a library: compile the tools into the test */

#include "cids/util.h"
#include "profile_tools.h"

static struct cids_engine *engine_of(enum cids_arch arch, const unsigned *syms, size_t n,
				     unsigned interval)
{
	struct cids_engine_config c;
	struct cids_engine *e = NULL;

	engine_config_default(&c);
	c.arch = arch;
	c.clock = CIDS_CLOCK_CALLS;
	c.ndbs = 2;
	c.dbs[0] = (struct cids_db_id){CIDS_ALGO_STIDE, 3};
	c.dbs[1] = (struct cids_db_id){CIDS_ALGO_BOSC, 3};
	c.interval = interval;
	c.sigma = 0.15;
	c.consecutive = 3;
	cr_assert_eq(engine_new(&c, &e), 0);
	for (size_t i = 0; i < n; i++)
		cr_assert_geq(engine_learn(e, 1, syms[i], (double)(i + 1)), 0);
	return e;
}

/* x86_64: 0 read, 1 write, 2 open, 3 close, 39 getpid, 60 exit, 272 unshare */
static const unsigned A[] = {0, 1, 2, 0, 1, 2, 0, 1, 2, 3};
static const unsigned B[] = {0, 1, 2, 0, 1, 39, 0, 1, 2};

struct find {
	const uint16_t *w;
	uint32_t count;
};

static int find_cb(const uint16_t *syms, unsigned k, uint32_t count, void *ud)
{
	struct find *f = ud;
	if (memcmp(syms, f->w, k * sizeof(uint16_t)) == 0)
		f->count = count;
	return 0;
}

static uint32_t count_of(const struct cids_engine *e, unsigned db, const uint16_t *w)
{
	struct find f = {w, 0};
	engine_db_foreach(e, db, find_cb, &f);
	return f.count;
}

Test(profile_tools, diff_lists_windows_of_each_side)
{
	struct cids_engine *a = engine_of(CIDS_ARCH_X86_64, A, ARRAY_SIZE(A), 100);
	struct cids_engine *b = engine_of(CIDS_ARCH_X86_64, B, ARRAY_SIZE(B), 100);
	struct profile_windows oa, ob;

	/* STIDE k=3. A: 012 120 201 123. B: 012 120 201 0139 1390 3901 */
	cr_assert_eq(profile_diff_db(a, 0, b, 0, &oa, &ob), 1);
	cr_assert_eq(oa.n, 1);
	cr_assert_eq(oa.k, 3);
	const uint16_t a0[] = {1, 2, 3};
	cr_assert_arr_eq(oa.w, a0, sizeof(a0));
	cr_assert_eq(ob.n, 3);
	const uint16_t b0[] = {0, 1, 39}, b1[] = {1, 39, 0}, b2[] = {39, 0, 1};
	cr_assert_arr_eq(ob.w, b0, sizeof(b0));
	cr_assert_arr_eq(ob.w + 3, b1, sizeof(b1));
	cr_assert_arr_eq(ob.w + 6, b2, sizeof(b2));
	free(oa.w);
	free(ob.w);

	/* a profile equals itself */
	cr_assert_eq(profile_diff_db(a, 1, a, 1, &oa, &ob), 0);
	cr_assert_eq(oa.n + ob.n, 0);
	free(oa.w);
	free(ob.w);
	engine_free(a);
	engine_free(b);
}

Test(profile_tools, merge_is_a_union_with_counts_added)
{
	struct cids_engine *in[2] = {engine_of(CIDS_ARCH_X86_64, A, ARRAY_SIZE(A), 100),
				     engine_of(CIDS_ARCH_X86_64, B, ARRAY_SIZE(B), 100)};
	struct cids_provenance p[2] = {{.sessions = 2, .created = 200},
				       {.sessions = 3, .created = 100}};
	strcpy(p[0].key, "web");
	strcpy(p[1].key, "web");
	struct cids_engine *m = NULL;
	struct cids_provenance mp;
	char why[256] = "";

	cr_assert_eq(profile_merge(in, p, 2, NULL, &m, &mp, why, sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(why, "");
	/* union: 4 in A, 6 in B, 3 shared (012, 120, 201) */
	cr_assert_eq(engine_db_size(m, 0), 7);
	const uint16_t w012[] = {0, 1, 2}, w123[] = {1, 2, 3}, w1390[] = {1, 39, 0};
	cr_assert_eq(count_of(m, 0, w012), count_of(in[0], 0, w012) + count_of(in[1], 0, w012));
	cr_assert_eq(count_of(m, 0, w012), 3 + 2);
	cr_assert_eq(count_of(m, 0, w123), 1);
	cr_assert_eq(count_of(m, 0, w1390), 1);
	for (unsigned i = 0; i < 2; i++) {
		struct profile_windows oa, ob;
		/* nothing of an input is missing from the merge */
		cr_assert_geq(profile_diff_db(in[i], 0, m, 0, &oa, &ob), 0);
		cr_assert_eq(oa.n, 0);
		free(oa.w);
		free(ob.w);
	}
	/* Table I and totals added */
	cr_assert_eq(engine_total_calls(m), ARRAY_SIZE(A) + ARRAY_SIZE(B));
	cr_assert_eq(engine_sym_counts(m)[0], 3 + 3);
	cr_assert_eq(engine_sym_counts(m)[39], 1);
	cr_assert_eq(engine_sym_counts(m)[3], 1);
	/* provenance */
	cr_assert_eq(mp.sessions, 5);
	cr_assert_eq(mp.created, 100);
	cr_assert_str_eq(mp.key, "web");
	/* no growth curve; short inputs were not steady, so neither is the merge */
	size_t n = 99;
	engine_db_growth(m, 0, &n);
	cr_assert_eq(n, 0);
	cr_assert_not(engine_db_steady(m, 0)->steady);
	engine_free(m);
	for (int i = 0; i < 2; i++)
		engine_free(in[i]);
}

Test(profile_tools, merge_steady_only_when_every_input_was)
{
	unsigned cyc[300];
	for (size_t i = 0; i < ARRAY_SIZE(cyc); i++)
		cyc[i] = (unsigned[]){0, 1, 2}[i % 3];
	struct cids_engine *in[3] = {engine_of(CIDS_ARCH_X86_64, cyc, 300, 10),
				     engine_of(CIDS_ARCH_X86_64, cyc, 200, 20),
				     engine_of(CIDS_ARCH_X86_64, A, ARRAY_SIZE(A), 100)};
	struct cids_provenance p[3];
	memset(p, 0, sizeof(p));
	struct cids_engine *m = NULL;
	struct cids_provenance mp;
	char why[256];

	cr_assert(engine_db_steady(in[0], 0)->steady);
	cr_assert(engine_db_steady(in[1], 0)->steady);
	cr_assert_not(engine_db_steady(in[2], 0)->steady);
	cr_assert_eq(profile_merge(in, p, 2, "merged-key", &m, &mp, why, sizeof(why)), 0);
	const struct cids_steady *st = engine_db_steady(m, 0);
	cr_assert(st->steady);
	cr_assert_float_eq(
		st->t_max,
		MAX(engine_db_steady(in[0], 0)->t_max, engine_db_steady(in[1], 0)->t_max), 1e-9);
	cr_assert_eq(st->size, engine_db_size(m, 0));
	cr_assert_str_eq(mp.key, "merged-key");

	/* survives a save and a load */
	char dir[] = "/tmp/cids-test-merge.XXXXXX", path[128];
	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/m.profile", dir);
	cr_assert_eq(profile_save(m, &mp, path), 0);
	struct cids_engine *l = NULL;
	struct cids_provenance lp;
	cr_assert_eq(profile_load(path, &l, &lp, why, sizeof(why)), 0, "%s", why);
	cr_assert(engine_db_steady(l, 0)->steady);
	cr_assert_eq(engine_db_size(l, 0), engine_db_size(m, 0));
	cr_assert_str_eq(lp.key, "merged-key");
	engine_free(l);
	unlink(path);
	rmdir(dir);
	engine_free(m);

	/* one input not steady: the merge is not steady */
	cr_assert_eq(profile_merge(in, p, 3, NULL, &m, &mp, why, sizeof(why)), 0);
	cr_assert_not(engine_db_steady(m, 0)->steady);
	engine_free(m);
	for (int i = 0; i < 3; i++)
		engine_free(in[i]);
}

/* Replicas of one workload, one steady and one two samples into its run of three: the merge is
 * not steady but keeps the run, so one more quiet sample makes it steady (it used to start
 * over, and to count the whole merged database as the next sample's growth). */
Test(profile_tools, merge_keeps_steady_progress)
{
	unsigned cyc[300], other[300];
	for (size_t i = 0; i < ARRAY_SIZE(cyc); i++) {
		cyc[i] = (unsigned[]){0, 1, 2}[i % 3];
		other[i] = i == 0 ? 39 : cyc[i];
	}
	struct cids_engine *in[2] = {engine_of(CIDS_ARCH_X86_64, cyc, 30, 10),
				     engine_of(CIDS_ARCH_X86_64, other, 300, 10)};
	struct cids_provenance p[2];
	memset(p, 0, sizeof(p));
	struct cids_engine *m = NULL;
	struct cids_provenance mp;
	char why[256];

	cr_assert_not(engine_db_steady(in[0], 0)->steady);
	cr_assert_eq(engine_db_steady(in[0], 0)->run, 2);
	cr_assert(engine_db_steady(in[1], 0)->steady);
	cr_assert_eq(profile_merge(in, p, 2, NULL, &m, &mp, why, sizeof(why)), 0);
	cr_assert_gt(engine_db_size(m, 0), engine_db_size(in[0], 0));
	const struct cids_steady *st = engine_db_steady(m, 0);
	cr_assert_not(st->steady);
	cr_assert_eq(st->run, 2, "run %u: the replicas' progress was lost", st->run);
	cr_assert_float_eq(engine_elapsed(m), 300, 1e-9);

	/* it survives a save and a load, and one quiet sample later it is steady */
	char dir[] = "/tmp/cids-test-merge.XXXXXX", path[128];
	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/m.profile", dir);
	cr_assert_eq(profile_save(m, &mp, path), 0);
	struct cids_engine *l = NULL;
	cr_assert_eq(profile_load(path, &l, NULL, why, sizeof(why)), 0, "%s", why);
	unlink(path);
	rmdir(dir);
	engine_tick(l, 310);
	cr_assert(engine_db_steady(l, 0)->steady, "run %u after a quiet sample",
		  engine_db_steady(l, 0)->run);
	cr_assert_float_eq(engine_db_steady(l, 0)->t_max, 310, 1e-9);
	engine_free(l);
	engine_free(m);
	for (int i = 0; i < 2; i++)
		engine_free(in[i]);
}

Test(profile_tools, merge_refuses_other_workloads)
{
	struct cids_engine *in[2] = {engine_of(CIDS_ARCH_X86_64, A, ARRAY_SIZE(A), 100),
				     engine_of(CIDS_ARCH_I386, A, ARRAY_SIZE(A), 100)};
	struct cids_provenance p[2];
	memset(p, 0, sizeof(p));
	struct cids_engine *m = NULL;
	struct cids_provenance mp;
	char why[256] = "";

	cr_assert_eq(profile_merge(in, p, 2, NULL, &m, &mp, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "architectures differ"), "%s", why);
	cr_assert_null(m);
	engine_free(in[1]);

	struct cids_engine_config c = *engine_config(in[0]);
	c.dbs[1].k = 4;
	cr_assert_eq(engine_new(&c, &in[1]), 0);
	cr_assert_eq(profile_merge(in, p, 2, NULL, &m, &mp, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "database sets differ"), "%s", why);
	engine_free(in[1]);

	c = *engine_config(in[0]);
	c.seq = CIDS_SEQ_CONTAINER;
	cr_assert_eq(engine_new(&c, &in[1]), 0);
	cr_assert_eq(profile_merge(in, p, 2, NULL, &m, &mp, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "per container"), "%s", why);
	engine_free(in[1]);
	engine_free(in[0]);
}

static char *slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	cr_assert_eq(read_full_file(path, 1 << 20, &buf, len), 0);
	return buf;
}

Test(profile_tools, install_validates_and_keeps_the_old_profile)
{
	char dir[] = "/tmp/cids-test-install.XXXXXX", src[128], src2[128], store[128], dest[4096],
	     path[256], why[512];
	struct stat sb;
	size_t l1, l2, l3;
	cr_assert(mkdtemp(dir));
	snprintf(src, sizeof(src), "%s/a.profile", dir);
	snprintf(src2, sizeof(src2), "%s/b.profile", dir);
	snprintf(store, sizeof(store), "%s/store/profiles", dir);
	struct cids_engine *a = engine_of(CIDS_ARCH_X86_64, A, ARRAY_SIZE(A), 100);
	struct cids_engine *b = engine_of(CIDS_ARCH_X86_64, B, ARRAY_SIZE(B), 100);
	struct cids_provenance p = {.sessions = 1};
	cr_assert_eq(profile_save(a, &p, src), 0);
	cr_assert_eq(profile_save(b, &p, src2), 0);

	cr_assert_eq(
		profile_install(src, "web.v1", store, false, dest, sizeof(dest), why, sizeof(why)),
		0, "%s", why);
	snprintf(path, sizeof(path), "%s/web.v1.profile", store);
	cr_assert_str_eq(dest, path);
	cr_assert_eq(stat(store, &sb), 0);
	cr_assert_eq(sb.st_mode & 07777, 0700);
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_mode & 07777, 0600);
	char *x = slurp(src, &l1), *y = slurp(path, &l2);
	cr_assert_eq(l1, l2);
	cr_assert_arr_eq(x, y, l1);
	free(y);

	/* no silent replacement */
	cr_assert_eq(
		profile_install(src2, "web.v1", store, false, dest, sizeof(dest), why, sizeof(why)),
		-EEXIST);
	y = slurp(path, &l2);
	cr_assert_arr_eq(x, y, l1);
	free(y);
	/* --force: replaced, the old one kept as .bak */
	cr_assert_eq(
		profile_install(src2, "web.v1", store, true, dest, sizeof(dest), why, sizeof(why)),
		0);
	char bak[300];
	snprintf(bak, sizeof(bak), "%s.bak", path);
	y = slurp(bak, &l2);
	cr_assert_eq(l1, l2);
	cr_assert_arr_eq(x, y, l1);
	free(y);
	char *z = slurp(src2, &l3);
	y = slurp(path, &l2);
	cr_assert_eq(l3, l2);
	cr_assert_arr_eq(z, y, l3);
	free(x);
	free(y);
	free(z);

	/* bad keys, corrupt profiles: refused, nothing written */
	static const char *const bad[] = {"", "../evil", ".hidden", "a/b", "a..b", "sp ace"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		cr_assert_eq(profile_install(src, bad[i], store, true, dest, sizeof(dest), why,
					     sizeof(why)),
			     -EINVAL, "key \"%s\"", bad[i]);
	int fd = open(src, O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, "garbage!", 8, 40), 8);
	close(fd);
	cr_assert_lt(
		profile_install(src, "corrupt", store, false, dest, sizeof(dest), why, sizeof(why)),
		0);
	snprintf(path, sizeof(path), "%s/corrupt.profile", store);
	cr_assert_neq(access(path, F_OK), 0);
	engine_free(a);
	engine_free(b);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

static bool has_name(json_object *o, const char *name)
{
	json_object *names = json_object_object_get(
		json_object_array_get_idx(json_object_object_get(o, "syscalls"), 0), "names");
	for (size_t i = 0; i < json_object_array_length(names); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(names, i)), name) == 0)
			return true;
	return false;
}

Test(profile_tools, seccomp_export_allows_exactly_the_learned_calls)
{
	static const unsigned calls[] = {0, 1, 39, 60, 3};
	struct cids_engine *e = engine_of(CIDS_ARCH_X86_64, calls, ARRAY_SIZE(calls), 100);
	json_object *o = NULL;
	char why[256];

	cr_assert_eq(seccomp_export(e, SECCOMP_DEFAULT_ERRNO, false, &o, why, sizeof(why)), 0);
	cr_assert_str_eq(json_object_get_string(json_object_object_get(o, "defaultAction")),
			 "SCMP_ACT_ERRNO");
	cr_assert_eq(json_object_get_int(json_object_object_get(o, "defaultErrnoRet")), 1);
	cr_assert_eq(json_object_array_length(json_object_object_get(o, "architectures")), 3);
	json_object *names = json_object_object_get(
		json_object_array_get_idx(json_object_object_get(o, "syscalls"), 0), "names");
	cr_assert_eq(json_object_array_length(names), 5);
	static const char *const want[] = {"close", "exit", "getpid", "read", "write"};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) /* sorted */
		cr_assert_str_eq(json_object_get_string(json_object_array_get_idx(names, i)),
				 want[i]);
	cr_assert_not(has_name(o, "unshare"));
	cr_assert_not(has_name(o, "execve"));
	json_object_put(o);

	cr_assert_eq(seccomp_export(e, SECCOMP_DEFAULT_KILL, true, &o, why, sizeof(why)), 0);
	cr_assert_str_eq(json_object_get_string(json_object_object_get(o, "defaultAction")),
			 "SCMP_ACT_KILL_PROCESS");
	cr_assert_null(json_object_object_get(o, "defaultErrnoRet"));
	cr_assert(has_name(o, "execve"));
	cr_assert(has_name(o, "fstatfs"));
	cr_assert_not(has_name(o, "unshare"));
	json_object_put(o);
	engine_free(e);

	/* UNM-style numbers have no names */
	e = engine_of(CIDS_ARCH_NONE, calls, ARRAY_SIZE(calls), 100);
	cr_assert_eq(seccomp_export(e, SECCOMP_DEFAULT_ERRNO, true, &o, why, sizeof(why)), -EINVAL);
	engine_free(e);
	/* i386 profiles (ADFA) map numbers with the i386 table */
	static const unsigned i386[] = {3, 4, 20}; /* read write getpid */
	e = engine_of(CIDS_ARCH_I386, i386, ARRAY_SIZE(i386), 100);
	cr_assert_eq(seccomp_export(e, SECCOMP_DEFAULT_LOG, false, &o, why, sizeof(why)), 0);
	cr_assert(has_name(o, "getpid"));
	cr_assert(has_name(o, "read"));
	cr_assert_eq(json_object_array_length(json_object_object_get(o, "architectures")), 1);
	json_object_put(o);
	engine_free(e);
}
