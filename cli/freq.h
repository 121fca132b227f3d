/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Frequency detector for offline evaluation: a trace's syscall histogram against the nearest
 * training trace's (cosine distance, 0 = same mix of calls, 1 = no call in common). Sees what
 * windows miss: a normal-looking sequence in an abnormal mix. */
#ifndef CIDS_CLI_FREQ_H
#define CIDS_CLI_FREQ_H

#include <stddef.h>
#include <stdint.h>

struct freq_model;

/* Build from n traces (syms[i], len[i]). -ENOMEM, -EINVAL when n == 0. */
int freq_new(const uint16_t *const *syms, const size_t *len, size_t n, struct freq_model **ret);
void freq_free(struct freq_model *m);
/* Cosine distance of the trace to its nearest training trace (1 for an empty trace). */
double freq_score(const struct freq_model *m, const uint16_t *syms, size_t n);

#endif
