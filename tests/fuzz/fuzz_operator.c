/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What cids status and cids alerts read from files monitors (and whoever can write there)
 * produce: a status file or an alert line, and --since times. The input is parsed as JSON,
 * validated and formatted; the formatted text must never carry control characters.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "cids/log.h"
#include "cids/json.h"
#include "status.h"

static void no_controls(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\n')
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[256], *out = NULL, *text;
	size_t outlen = 0;
	json_object *o = NULL;
	double t;

	log_set_level(LOG_LVL_ERROR);
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	(void)alerts_parse_time(text, &t);
	(void)alerts_parse_since(text, 1.8e9, &t);

	if (cids_json_parse(text, size, NULL, &o, why, sizeof(why)) < 0) {
		if (!why[0])
			abort();
		free(text);
		return 0;
	}
	FILE *f = open_memstream(&out, &outlen);
	if (!f)
		abort();
	if (status_validate(o, why, sizeof(why)) == 0)
		status_print_line(f, o, 1.8e9);
	if (json_object_is_type(o, json_type_object))
		alerts_format(f, o);
	fclose(f);
	no_controls(out, outlen);
	free(out);
	json_object_put(o);
	free(text);
	return 0;
}
