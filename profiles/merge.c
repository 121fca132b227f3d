/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Merging profiles of one workload (`cids profile merge`): databases are unions of entries with
 * their counts added, Table I counts and totals are added. Growth curves are not merged (the
 * learning times of different hosts do not line up); the caller decides the steady state.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cids/util.h"
#include "engine-internal.h"

struct merge_ctx {
	struct db *d;
	uint64_t lost; /* entries that did not fit (destination full) */
	int err;
};

static int merge_entry(const uint16_t *syms, unsigned k, uint32_t count, void *ud)
{
	struct merge_ctx *m = ud;
	int r = table_add(&m->d->t, engine_key_of(m->d, syms, k), count ? count : 1);

	if (r == -ENOSPC) {
		m->d->steady.full = true;
		m->lost++;
		return 0;
	}
	if (r < 0) {
		m->err = r;
		return 1;
	}
	return 0;
}

int engine_merge(struct cids_engine *dst, const struct cids_engine *src, uint64_t *ret_lost,
		 char *why, size_t whylen)
{
	uint64_t lost = 0;

	if (dst->c.arch != src->c.arch)
		return why_err(why, whylen, -EINVAL, "architectures differ (%s and %s)",
			       cids_arch_name(dst->c.arch), cids_arch_name(src->c.arch));
	if (dst->c.start_pad != src->c.start_pad)
		return why_err(why, whylen, -EINVAL,
			       "one profile has start-of-stream windows, the other not (profile "
			       "versions 1 and 2: learn the old one again)");
	if (dst->c.ndbs != src->c.ndbs)
		return why_err(why, whylen, -EINVAL, "database sets differ (%u and %u databases)",
			       dst->c.ndbs, src->c.ndbs);
	for (unsigned i = 0; i < src->c.ndbs; i++)
		if (engine_db_index(dst, src->c.dbs[i].algo, src->c.dbs[i].k) < 0)
			return why_err(why, whylen, -EINVAL,
				       "database sets differ (%s k=%u only in one)",
				       cids_algo_name(src->c.dbs[i].algo), src->c.dbs[i].k);
	for (unsigned i = 0; i < src->c.ndbs; i++) {
		int di = engine_db_index(dst, src->c.dbs[i].algo, src->c.dbs[i].k);
		struct merge_ctx m = {.d = &dst->db[di]};
		int r = engine_db_foreach(src, i, merge_entry, &m);
		if (m.err < 0 || r < 0)
			return why_err(why, whylen, m.err < 0 ? m.err : r,
				       "out of memory merging %s k=%u",
				       cids_algo_name(src->c.dbs[i].algo), src->c.dbs[i].k);
		lost += m.lost;
	}
	for (unsigned s = 0; s < CIDS_NSYM; s++) {
		uint64_t a = dst->sym_counts[s], b = src->sym_counts[s];
		dst->sym_counts[s] = a + b < a ? UINT64_MAX : a + b;
	}
	dst->total_calls = dst->total_calls + src->total_calls < dst->total_calls
				   ? UINT64_MAX
				   : dst->total_calls + src->total_calls;
	if (ret_lost)
		*ret_lost = lost;
	return 0;
}

int engine_db_set_steady(struct cids_engine *e, unsigned db, const struct cids_steady *st)
{
	if (db >= e->c.ndbs || !st)
		return -EINVAL;
	e->db[db].steady = *st;
	return 0;
}

void engine_restart_steady(struct cids_engine *e)
{
	for (unsigned i = 0; i < e->c.ndbs; i++) {
		struct db *d = &e->db[i];

		d->steady = (struct cids_steady){.full = d->steady.full};
		d->last_size = d->t.size;
		d->ngrowth = 0;
	}
}

void engine_merge_steady(struct cids_engine *m, struct cids_engine *const *in, size_t n)
{
	double elapsed = 0;

	for (unsigned d = 0; d < m->c.ndbs; d++) {
		struct db *md = &m->db[d];
		struct cids_steady st = {.steady = n > 0, .full = md->steady.full};
		unsigned run = m->c.consecutive;

		for (size_t i = 0; i < n; i++) {
			int j = engine_db_index(in[i], md->id.algo, md->id.k);
			const struct cids_steady *si;

			if (j < 0) {
				st.steady = false;
				run = 0;
				continue;
			}
			si = &in[i]->db[j].steady;
			st.full |= si->full;
			if (si->steady) {
				st.t_max = MAX(st.t_max, si->t_max);
			} else {
				st.steady = false;
				run = MIN(run, si->run);
			}
		}
		if (st.full || !st.steady) {
			st.steady = false;
			st.t_max = 0;
			st.run = st.full ? 0 : run;
		} else {
			st.run = run;
			st.size = md->t.size;
		}
		md->steady = st;
		md->full_reported = st.full;
		/* the next sample measures growth beyond the union, not the union itself */
		md->last_size = md->t.size;
	}
	for (size_t i = 0; i < n; i++)
		elapsed = MAX(elapsed, in[i]->elapsed);
	if (!isfinite(elapsed) || elapsed < 0)
		elapsed = 0;
	/* learning time goes on from the longest input; samples as if taken on its boundaries */
	double q = floor(elapsed / m->c.interval);
	uint64_t ns = q >= (double)(STEADY_MAX_SAMPLES - 1) ? STEADY_MAX_SAMPLES - 1 : (uint64_t)q;
	while (ns > 0 && (double)ns * m->c.interval > elapsed)
		ns--;
	while ((double)(ns + 1) * m->c.interval <= elapsed && ns + 1 < STEADY_MAX_SAMPLES)
		ns++;
	m->elapsed = elapsed;
	m->nsamples = ns;
	engine_sampler_restore(m);
}
