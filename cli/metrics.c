/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ROC AUC with ties, and detection rate at a fixed false-alarm rate. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

struct lab {
	double s;
	bool attack;
};

static int cmp_lab(const void *a, const void *b)
{
	double x = ((const struct lab *)a)->s, y = ((const struct lab *)b)->s;
	return x < y ? -1 : x > y;
}

double metrics_auc(const double *normal, size_t nn, const double *attack, size_t na)
{
	struct lab *v;
	double rank_sum = 0;
	size_t n = nn + na, i = 0;

	if (!nn || !na)
		return NAN;
	v = malloc(n * sizeof(*v));
	if (!v)
		return NAN;
	for (size_t j = 0; j < nn; j++)
		v[j] = (struct lab){normal[j], false};
	for (size_t j = 0; j < na; j++)
		v[nn + j] = (struct lab){attack[j], true};
	qsort(v, n, sizeof(*v), cmp_lab);
	/* Mann-Whitney U: average ranks over ties */
	while (i < n) {
		size_t j = i, a = 0;
		double mid;
		while (j < n && v[j].s == v[i].s) {
			a += v[j].attack;
			j++;
		}
		mid = ((double)(i + 1) + (double)j) / 2.0; /* ranks i+1 .. j */
		rank_sum += mid * (double)a;
		i = j;
	}
	free(v);
	return (rank_sum - (double)na * ((double)na + 1) / 2.0) / ((double)na * (double)nn);
}

static int cmp_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x > y ? -1 : x < y;
}

double metrics_dr_at_far(const double *normal, size_t nn, const double *attack, size_t na,
			 double far, double *ret_thr, double *ret_far)
{
	double *s, thr;
	size_t m, fa = 0, det = 0;

	if (!nn || !na)
		return NAN;
	s = malloc(nn * sizeof(*s));
	if (!s)
		return NAN;
	memcpy(s, normal, nn * sizeof(*s));
	qsort(s, nn, sizeof(*s), cmp_desc);
	m = (size_t)floor(far * (double)nn + 1e-9);
	thr = m < nn ? s[m] : -INFINITY;
	free(s);
	for (size_t i = 0; i < nn; i++)
		fa += normal[i] > thr;
	for (size_t i = 0; i < na; i++)
		det += attack[i] > thr;
	if (ret_thr)
		*ret_thr = thr;
	if (ret_far)
		*ret_far = (double)fa / (double)nn;
	return (double)det / (double)na;
}
