/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Engine micro-benchmark: learn and detect throughput (syscalls per second, one core) for
 * STIDE k=6 and BoSC k=6, one database each, on a recorded stream: the ADFA-LD training traces
 * concatenated and replayed to >= BENCH_CALLS calls (a synthetic stream when the data is
 * absent). Then the load time of a profile of ~200k entries.
 *
 *   build/bench_engine [calls]     (default 100M; CIDS_SHARED_DATA points at the data)
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cids/profile.h"

#ifndef CIDS_SHARED_DATA
#define CIDS_SHARED_DATA "../shared/data"
#endif

/* CPU time of this process: the figure is per core even on a shared, busy machine. */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct trace {
	uint16_t *v;
	size_t n, alloc;
};

static void push(struct trace *t, uint16_t s)
{
	if (t->n == t->alloc) {
		size_t a = t->alloc ? t->alloc * 2 : 1 << 16;
		uint16_t *v = realloc(t->v, a * sizeof(*v));
		if (!v)
			exit(1);
		t->v = v;
		t->alloc = a;
	}
	t->v[t->n++] = s;
}

static const char *load_adfa(struct trace *t)
{
	static char dir[4096];
	const char *base = getenv("CIDS_SHARED_DATA");
	struct dirent **ents;
	int n;

	snprintf(dir, sizeof(dir), "%s/ADFA-LD/Training_Data_Master",
		 base && *base ? base : CIDS_SHARED_DATA);
	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		return NULL;
	for (int i = 0; i < n; i++) {
		char path[8192];
		long v;
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		FILE *f = ents[i]->d_name[0] == '.' ? NULL : fopen(path, "re");
		while (f && fscanf(f, "%ld", &v) == 1)
			push(t, (uint16_t)cids_sym(v));
		if (f)
			fclose(f);
		free(ents[i]);
	}
	free(ents);
	return t->n ? "ADFA-LD training traces, concatenated" : NULL;
}

/* A stream with ADFA-like statistics: a few hot loops over ~150 symbols, some noise. */
static const char *synthesize(struct trace *t)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < 300000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		push(t, (uint16_t)((x % 100) < 90 ? (i % 12) * 3 + 1 : x % 150));
	}
	return "synthetic stream (ADFA-LD not found)";
}

static struct cids_engine *mk(enum cids_algo algo, unsigned k)
{
	struct cids_engine_config c;
	struct cids_engine *e;

	engine_config_default(&c);
	c.arch = CIDS_ARCH_I386;
	c.clock = CIDS_CLOCK_CALLS;
	c.interval = 1e6;
	c.ndbs = 1;
	c.dbs[0] = (struct cids_db_id){(uint8_t)algo, (uint8_t)k};
	if (engine_new(&c, &e) < 0)
		exit(1);
	return e;
}

static double bench_learn(struct cids_engine *e, const struct trace *t, uint64_t calls)
{
	double t0 = now_s(), now = engine_elapsed(e);
	uint64_t done = 0;

	while (done < calls) {
		for (size_t i = 0; i < t->n; i++)
			engine_learn(e, 1, t->v[i], ++now);
		done += t->n;
	}
	return (double)done / (now_s() - t0);
}

static double bench_detect(struct cids_engine *e, const struct trace *t, uint64_t calls,
			   enum cids_algo algo, unsigned k, uint64_t *alarms)
{
	struct cids_detector d = {(uint8_t)algo, (uint8_t)k, 20, 1, 0};
	struct cids_alarm a;
	double t0 = now_s();
	uint64_t done = 0, n = 0;

	while (done < calls) {
		for (size_t i = 0; i < t->n; i++)
			n += engine_detect(e, 2, t->v[i], &d, &a) == 1;
		done += t->n;
	}
	*alarms = n;
	return (double)done / (now_s() - t0);
}

#define CHUNK 1024 /* calls per batch, as a ring-buffer reader would hand them over */

static double bench_learn_many(struct cids_engine *e, const struct trace *t, uint64_t calls)
{
	double t0 = now_s();
	uint64_t done = 0;

	while (done < calls) {
		for (size_t i = 0; i < t->n; i += CHUNK)
			engine_learn_many(e, 1, t->v + i, t->n - i < CHUNK ? t->n - i : CHUNK,
					  NULL);
		done += t->n;
	}
	return (double)done / (now_s() - t0);
}

static double bench_detect_many(struct cids_engine *e, const struct trace *t, uint64_t calls,
				enum cids_algo algo, unsigned k, uint64_t *alarms)
{
	struct cids_detector d = {(uint8_t)algo, (uint8_t)k, 20, 1, 0};
	double t0 = now_s();
	uint64_t done = 0, n = 0;

	while (done < calls) {
		for (size_t i = 0; i < t->n; i += CHUNK) {
			int r = engine_detect_many(e, 3, t->v + i,
						   t->n - i < CHUNK ? t->n - i : CHUNK, &d, NULL,
						   NULL);
			n += r > 0 ? (uint64_t)r : 0;
		}
		done += t->n;
	}
	*alarms = n;
	return (double)done / (now_s() - t0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void bench_profile(void)
{
	struct cids_engine_config c;
	struct cids_engine *e, *l;
	char path[] = "/tmp/cids-bench-profile.XXXXXX", why[256];
	double t[9];
	uint64_t x = 12345;
	void *buf;
	size_t len;
	int fd;

	engine_config_default(&c);
	c.ndbs = 2;
	c.dbs[0] = (struct cids_db_id){CIDS_ALGO_STIDE, 6};
	c.dbs[1] = (struct cids_db_id){CIDS_ALGO_BOSC, 6};
	if (engine_new(&c, &e) < 0)
		exit(1);
	for (unsigned db = 0; db < 2; db++)
		while (engine_db_size(e, db) < 100000) {
			uint16_t w[6];
			for (int i = 0; i < 6; i++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				w[i] = (uint16_t)(x % 300);
			}
			engine_db_insert(e, db, w, 6);
		}
	fd = mkstemp(path);
	if (fd < 0)
		exit(1);
	close(fd);
	if (profile_save(e, NULL, path) < 0 || profile_encode(e, NULL, &buf, &len) < 0)
		exit(1);
	for (unsigned i = 0; i < 9; i++) {
		double t0 = now_s();
		if (profile_load(path, &l, NULL, why, sizeof(why)) < 0) {
			fprintf(stderr, "load: %s\n", why);
			exit(1);
		}
		t[i] = now_s() - t0;
		engine_free(l);
	}
	qsort(t, 9, sizeof(t[0]), cmp_double);
	printf("%-34s %10.2f ms  (%zu bytes, 2 x 100,000 entries, median of 9)\n",
	       "profile load, 200k entries", t[4] * 1e3, len);
	double t0 = now_s();
	for (unsigned i = 0; i < 9; i++)
		free(buf), profile_encode(e, NULL, &buf, &len);
	printf("%-34s %10.2f ms\n", "profile encode, 200k entries", (now_s() - t0) / 9 * 1e3);
	t0 = now_s();
	if (profile_save(e, NULL, path) < 0)
		exit(1);
	printf("%-34s %10.2f ms  (CPU; fsync not included)\n", "profile save, 200k entries",
	       (now_s() - t0) * 1e3);
	unlink(path);
	free(buf);
	engine_free(e);
}

int main(int argc, char **argv)
{
	uint64_t calls = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000000ull;
	struct trace t = {};
	const char *what = load_adfa(&t);
	uint64_t alarms;

	if (!what)
		what = synthesize(&t);
	printf("engine benchmark: %s: %zu calls, replayed to >= %llu calls, one core\n", what, t.n,
	       (unsigned long long)calls);
	printf("%-34s %10s\n", "", "M calls/s (CPU time)");
	for (unsigned a = 0; a < 2; a++) {
		enum cids_algo algo = a ? CIDS_ALGO_BOSC : CIDS_ALGO_STIDE;
		struct cids_engine *e = mk(algo, 6), *e2 = mk(algo, 6);
		const char *name = cids_algo_name(algo);
		char label[64];
		double r;

		r = bench_learn(e, &t, calls);
		snprintf(label, sizeof(label), "learn  %s k=6, per call", name);
		printf("%-34s %10.1f  (%llu entries)\n", label, r / 1e6,
		       (unsigned long long)engine_db_size(e, 0));
		r = bench_learn_many(e2, &t, calls);
		snprintf(label, sizeof(label), "learn  %s k=6, batches of %d", name, CHUNK);
		printf("%-34s %10.1f  (%llu entries)\n", label, r / 1e6,
		       (unsigned long long)engine_db_size(e2, 0));
		if (engine_db_size(e, 0) != engine_db_size(e2, 0))
			printf("MISMATCH between per-call and batch learning\n");
		r = bench_detect(e, &t, calls, algo, 6, &alarms);
		snprintf(label, sizeof(label), "detect %s k=6, per call", name);
		printf("%-34s %10.1f  (%llu alarms)\n", label, r / 1e6, (unsigned long long)alarms);
		r = bench_detect_many(e, &t, calls, algo, 6, &alarms);
		snprintf(label, sizeof(label), "detect %s k=6, batches of %d", name, CHUNK);
		printf("%-34s %10.1f  (%llu alarms)\n", label, r / 1e6, (unsigned long long)alarms);
		engine_free(e);
		engine_free(e2);
	}
	bench_profile();
	free(t.v);
	return 0;
}
