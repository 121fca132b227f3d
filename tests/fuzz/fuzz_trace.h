/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared body of the trace-reader fuzzers: the first byte picks the stream cut, --skip-bad, a
 * call cap and the container layers (gzip, tar), the rest is the file. Every event must be
 * well-formed and the reader must stop. */
#ifndef CIDS_FUZZ_TRACE_H
#define CIDS_FUZZ_TRACE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cids/trace.h"

static int fuzz_trace(enum trace_format fmt, const uint8_t *data, size_t size)
{
	struct trace_opts o = {.format = fmt};
	struct trace_reader *r = NULL;
	struct trace_event ev;
	uint64_t n = 0;
	int k;

	if (size < 1)
		return 0;
	o.seq = (enum cids_seq)(data[0] % 3);
	o.skip_bad = data[0] & 4;
	o.max_calls = (data[0] & 8) ? 50 : 0;
	/* the name decides the layers: plain, gzip, tar, tar.gz */
	if (trace_reader_open_mem(
		    data + 1, size - 1,
		    (const char *[]){"fuzz", "fuzz.gz", "fuzz.tar", "fuzz.tgz"}[(data[0] >> 4) & 3],
		    &o, &r) < 0)
		return 0;
	while ((k = trace_reader_next(r, &ev)) > 0) {
		if (ev.kind == TRACE_EV_CALL && ev.sym > CIDS_SYM_OTHER)
			abort();
		if (ev.kind > TRACE_EV_RESET)
			abort();
		/* uncompressed input: at most one event per byte */
		if (++n > size + 1 && !((data[0] >> 4) & 1))
			abort();
	}
	if (k != 0 && k != -EBADMSG && k != -E2BIG && k != -ENOMEM && k != -EIO)
		abort();
	if (k < 0 && !trace_reader_error(r)[0])
		abort();
	trace_reader_free(r);
	return 0;
}

#endif
