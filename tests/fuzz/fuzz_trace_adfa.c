/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness: the adfa trace reader (traces/) on arbitrary bytes. */
#include "fuzz_trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_trace(TRACE_ADFA, data, size);
}
