/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * profile_decode on arbitrary bytes. A file it accepts must be usable: it encodes again to a
 * file that decodes to the same sizes, and learning, detection and scoring work on it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cids/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cids_engine *e = NULL, *e2 = NULL;
	struct cids_provenance p;
	char why[256];
	void *buf = NULL;
	size_t len;

	if (profile_decode(data, size, &e, &p, why, sizeof(why)) < 0)
		return 0;
	if (profile_encode(e, &p, &buf, &len) < 0)
		abort();
	if (profile_decode(buf, len, &e2, NULL, why, sizeof(why)) < 0)
		abort();
	for (unsigned i = 0; i < engine_config(e)->ndbs; i++)
		if (engine_db_size(e, i) != engine_db_size(e2, i))
			abort();

	const struct cids_engine_config *c = engine_config(e);
	uint16_t trace[64];
	for (unsigned i = 0; i < 64; i++)
		trace[i] = (uint16_t)(size > i ? data[i] : i);
	for (unsigned i = 0; i < c->ndbs; i++) {
		struct cids_detector d = {c->dbs[i].algo, c->dbs[i].k, 8, 2, 0};
		struct cids_alarm a;
		struct cids_score sc;
		engine_score_trace(e, i, trace, 64, 8, &sc);
		for (unsigned j = 0; j < 64; j++)
			engine_detect(e, 1, trace[j], &d, &a);
	}
	for (unsigned j = 0; j < 64; j++)
		engine_learn(e, 2, trace[j], engine_elapsed(e) + j * c->interval * 0.5);
	free(buf);
	engine_free(e);
	engine_free(e2);
	return 0;
}
