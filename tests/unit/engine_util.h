/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What test_engine.c and test_engine_detect.c share: a small engine and a trace given as letters.
 */
#ifndef CIDS_TEST_ENGINE_UTIL_H
#define CIDS_TEST_ENGINE_UTIL_H

#include <criterion/criterion.h>
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

#endif
