/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bundle config.json -> workload (key material, CIDS_* env, io.cids.* annotations). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cids/oci.h"
#include "cids/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_workload w;
	char why[512], key[64];

	if (oci_workload_parse((const char *)data, size, &w, why, sizeof(why)) < 0) {
		if (!why[0] && size <= OCI_CONFIG_MAX)
			abort();
		return 0;
	}
	if (strnlen(w.key_material, sizeof(w.key_material)) == sizeof(w.key_material))
		abort();
	key_derive(w.key_material, key, sizeof(key));
	if (!key_is_valid(key))
		abort();
	return 0;
}
