/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Nearest-neighbour cosine distance between syscall histograms. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cids/engine.h"
#include "freq.h"

struct freq_model {
	size_t n;
	float *v; /* n x CIDS_NSYM, each row unit length */
};

/* Unit-length histogram of a trace into row (CIDS_NSYM floats); false when empty. */
static bool unit_hist(const uint16_t *syms, size_t n, float *row)
{
	double norm = 0;

	memset(row, 0, CIDS_NSYM * sizeof(*row));
	for (size_t i = 0; i < n; i++)
		row[syms[i] < CIDS_NSYM ? syms[i] : CIDS_SYM_OTHER] += 1;
	for (unsigned s = 0; s < CIDS_NSYM; s++)
		norm += (double)row[s] * row[s];
	if (norm <= 0)
		return false;
	norm = sqrt(norm);
	for (unsigned s = 0; s < CIDS_NSYM; s++)
		row[s] = (float)(row[s] / norm);
	return true;
}

int freq_new(const uint16_t *const *syms, const size_t *len, size_t n, struct freq_model **ret)
{
	struct freq_model *m;
	size_t used = 0;

	if (n == 0)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->v = calloc(n, CIDS_NSYM * sizeof(float));
	if (!m->v) {
		free(m);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (unit_hist(syms[i], len[i], m->v + used * CIDS_NSYM))
			used++;
	m->n = used;
	*ret = m;
	return 0;
}

void freq_free(struct freq_model *m)
{
	if (!m)
		return;
	free(m->v);
	free(m);
}

double freq_score(const struct freq_model *m, const uint16_t *syms, size_t n)
{
	float row[CIDS_NSYM];
	unsigned nz[CIDS_NSYM], nnz = 0;
	double best = 0;

	if (!unit_hist(syms, n, row))
		return 1;
	for (unsigned s = 0; s < CIDS_NSYM; s++)
		if (row[s] > 0)
			nz[nnz++] = s;
	for (size_t t = 0; t < m->n; t++) {
		const float *v = m->v + t * CIDS_NSYM;
		double dot = 0;
		for (unsigned j = 0; j < nnz; j++)
			dot += (double)row[nz[j]] * v[nz[j]];
		if (dot > best)
			best = dot;
	}
	return best >= 1 ? 0 : 1 - best;
}
