/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * profile_text_decode (cids profile import) on arbitrary text. Text it accepts must give a sound
 * profile whose text form reads back to the same binary file (the round trip import promises).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cids/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cids_engine *e = NULL, *e2 = NULL;
	struct cids_provenance p, p2;
	char why[256], *text = NULL;
	void *b1 = NULL, *b2 = NULL;
	size_t tlen, l1, l2;

	if (profile_text_decode((const char *)data, size, &e, &p, why, sizeof(why)) < 0)
		return 0;
	if (profile_text_encode(e, &p, 0, &text, &tlen) < 0)
		abort();
	if (profile_text_decode(text, tlen, &e2, &p2, why, sizeof(why)) < 0)
		abort();
	if (profile_encode(e, &p, &b1, &l1) < 0 || profile_encode(e2, &p2, &b2, &l2) < 0)
		abort();
	if (l1 != l2 || memcmp(b1, b2, l1) != 0)
		abort();
	free(b1);
	free(b2);
	free(text);
	engine_free(e);
	engine_free(e2);
	return 0;
}
