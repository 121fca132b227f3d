/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Trace-level detection metrics: ROC AUC (ties count half) and detection rate at a false-alarm
 * rate, with the threshold chosen on the normal scores. Higher score = more anomalous. */
#ifndef CIDS_CLI_METRICS_H
#define CIDS_CLI_METRICS_H

#include <stddef.h>

/* AUC = P(attack > normal) + P(attack == normal) / 2. NAN when either side is empty. */
double metrics_auc(const double *normal, size_t nn, const double *attack, size_t na);

/*
 * Threshold t = the smallest observed normal score such that at most floor(far * nn) normal
 * scores lie above it; an alarm is score > t. Returns the fraction of attack scores above t
 * (NAN when a side is empty); *ret_thr and *ret_far (the false-alarm rate reached) if not NULL.
 */
double metrics_dr_at_far(const double *normal, size_t nn, const double *attack, size_t na,
			 double far, double *ret_thr, double *ret_far);

#endif
