/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids config.json parser; the effective configuration must print and parse back the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cids/config.h"
#include "cids/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cids_config c, d;
	char why[512];
	char *s;

	log_set_level(LOG_LVL_ERROR); /* unknown keys are warnings: keep the fuzzer quiet */
	if (config_parse((const char *)data, size, &c, why, sizeof(why)) < 0) {
		if (!why[0])
			abort(); /* every failure explains itself */
		return 0;
	}
	s = config_to_json(&c);
	if (!s)
		abort();
	if (config_parse(s, strlen(s), &d, why, sizeof(why)) < 0 || memcmp(&c, &d, sizeof(c)) != 0)
		abort(); /* config_to_json must round trip */
	free(s);
	return 0;
}
