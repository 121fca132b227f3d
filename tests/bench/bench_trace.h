/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the engine benchmarks share (bench_engine.c, bench_instr.c): the recorded stream they
 * replay (the ADFA-LD training traces concatenated, or a synthetic stream with ADFA-like
 * statistics when the data is absent) and their one-database engine. Header only: bench_instr.c
 * is also built against older revisions' libraries.
 */
#ifndef CIDS_BENCH_TRACE_H
#define CIDS_BENCH_TRACE_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cids/engine.h"

#ifndef CIDS_SHARED_DATA
#define CIDS_SHARED_DATA "../shared/data"
#endif

struct trace {
	uint16_t *v;
	size_t n, alloc;
};

static inline void trace_push(struct trace *t, uint16_t s)
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

/* Every number of the ADFA-LD training traces (CIDS_SHARED_DATA) through map, which returns what
 * to push or -1 to leave the call out. NULL when the data is not there. */
static inline const char *trace_load_adfa(struct trace *t, long (*map)(long nr))
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
			if ((v = map(v)) >= 0)
				trace_push(t, (uint16_t)v);
		if (f)
			fclose(f);
		free(ents[i]);
	}
	free(ents);
	return t->n ? "ADFA-LD training traces, concatenated" : NULL;
}

/* A stream with ADFA-like statistics: a few hot loops over ~150 symbols, some noise. */
static inline const char *trace_synthesize(struct trace *t)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < 300000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		trace_push(t, (uint16_t)((x % 100) < 90 ? (i % 12) * 3 + 1 : x % 150));
	}
	return "synthetic stream (ADFA-LD not found)";
}

/* One database (algo, k) on the call clock, as the benchmarks measure it. */
static inline struct cids_engine *bench_engine_new(enum cids_algo algo, unsigned k,
						   enum cids_arch arch)
{
	struct cids_engine_config c;
	struct cids_engine *e;

	engine_config_default(&c);
	c.arch = arch;
	c.clock = CIDS_CLOCK_CALLS;
	c.interval = 1e6;
	c.ndbs = 1;
	c.dbs[0] = (struct cids_db_id){(uint8_t)algo, (uint8_t)k};
	if (engine_new(&c, &e) < 0)
		exit(1);
	return e;
}

#endif
