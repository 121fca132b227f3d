/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the engine tests share: a small engine, a trace given as letters, recorded traces read
 * from the shared data (ADFA-LD), a pseudo-random sequence, an alarm collector. */
#ifndef CIDS_TEST_ENGINE_UTIL_H
#define CIDS_TEST_ENGINE_UTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cids/engine.h"

static inline struct cids_engine *mk(const struct cids_db_id *dbs, unsigned n, uint32_t max_entries,
				     uint32_t max_streams)
{
	struct cids_engine_config c;
	struct cids_engine *e = NULL;

	engine_config_default(&c);
	c.arch = CIDS_ARCH_NONE;
	c.clock = CIDS_CLOCK_CALLS;
	c.interval = 1000000;
	c.ndbs = n;
	memcpy(c.dbs, dbs, n * sizeof(*dbs));
	c.max_entries = max_entries;
	c.max_streams = max_streams;
	cr_assert_eq(engine_new(&c, &e), 0);
	return e;
}

/* Learn a trace given as a string of letters ('a' = 1, ...) on one stream. */
static inline void learn_str(struct cids_engine *e, uint64_t stream, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ')
			continue;
		cr_assert_geq(engine_learn(e, stream, (unsigned)(*s - 'a' + 1),
					   (double)engine_total_calls(e) + 1),
			      0);
	}
}

/* Where the shared data sets are: $CIDS_SHARED_DATA, else the build's default. */
static inline const char *data_dir(void)
{
	const char *d = getenv("CIDS_SHARED_DATA");
	return d && *d ? d : CIDS_SHARED_DATA;
}

/* One trace per file, whitespace-separated numbers. */
static inline size_t read_trace(const char *path, uint16_t *out, size_t max)
{
	FILE *f = fopen(path, "re");
	size_t n = 0;
	long v;

	cr_assert_not_null(f, "%s", path);
	while (n < max && fscanf(f, "%ld", &v) == 1)
		out[n++] = (uint16_t)cids_sym(v);
	fclose(f);
	return n;
}

/* xorshift64: the same sequence in every run. */
static inline unsigned rnd(unsigned n)
{
	static uint64_t rng = 0x2545f4914f6cdd1dull;

	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* engine_detect_many's callback: alarm i into ((struct cids_alarm *)ud)[i]. */
static inline void count_alarm(size_t i, const struct cids_alarm *a, void *ud)
{
	struct cids_alarm *v = ud;
	v[i] = *a;
}

#endif
