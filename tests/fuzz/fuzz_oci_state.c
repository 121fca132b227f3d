/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OCI state JSON, as the hook reads it from the runtime on stdin. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cids/oci.h"
#include "cids/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_state s;
	char why[512];

	if (oci_state_parse((const char *)data, size, &s, why, sizeof(why)) < 0) {
		if (!why[0])
			abort();
		return 0;
	}
	/* what the parser promises */
	if (!s.id[0] || s.bundle[0] != '/' || s.pid < 0 ||
	    strnlen(s.id, sizeof(s.id)) == sizeof(s.id) ||
	    strnlen(s.ann_profile, sizeof(s.ann_profile)) == sizeof(s.ann_profile))
		abort();
	if (s.ann_profile[0]) {
		char key[256];
		if (key_sanitize(s.ann_profile, key, sizeof(key)) < 0 || !key_is_valid(key))
			abort();
	}
	return 0;
}
