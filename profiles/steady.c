/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The learning steady-state test (DESIGN.md, and the paper's formula): at every interval
 * boundary t_i = i * interval of learning time, i = 1, 2, ..., take each database's size S_i
 * (S_0 = 0 at t = 0). The slope is (S_i - S_{i-1}) / interval, new entries per second (or per
 * call with the call clock); the sample is "below" when 0 <= slope <= sigma; a database is
 * steady after `consecutive` samples below in a row. t_max and the size at that boundary are
 * recorded, and a steady database stays steady while learning may go on adding entries.
 *
 * S_i is the size after every call with time <= t_i: engine_learn samples the boundaries that
 * lie strictly before the call's time, adds the call's windows, then samples a boundary that
 * equals the call's time.
 *
 * When learning time jumps over several boundaries (an idle container, engine_tick after a
 * pause), every boundary passed gets its own sample: nothing was learned in between, so the
 * first of them carries the growth since the last sample and the others have slope 0. An idle
 * container therefore levels off as it would with calls. A huge jump is not looped over one
 * boundary at a time beyond what the growth curve can hold: the rest only advances the runs.
 *
 * Sampling stops for good after STEADY_MAX_SAMPLES boundaries (2^52: the boundary times stay
 * exact doubles); no real clock gets there.
 *
 * A database that hit max_entries ("full") keeps being sampled, so its curve tells the truth,
 * but is never declared steady: its growth stopped because learning stopped, not because the
 * behaviour was covered.
 *
 * Enough activity, not only seconds (quiet_calls > 0, live learning): a database is declared
 * steady only when, besides the slope rule, at least quiet_calls calls were learned since the
 * last boundary at which it had grown. At a few thousand calls a second (a server under ptrace)
 * "less than 0.15 new windows a second" still lets a new window in every few thousand calls,
 * and the rare request kinds of real traffic need more calls than seconds to show up. The
 * count restarts when a profile is loaded (engine_set_quiet_calls): a continued profile that
 * was not steady yet earns its quiet calls again in the new container, start-up included.
 *
 * The growth curve keeps its first CIDS_MAX_GROWTH points; after that points are no longer
 * appended, but the steady test keeps running on every sample.
 */
#include <math.h>
#include <stdlib.h>

#include "engine-internal.h"

static void growth_append(struct db *d, const struct cids_growth_point *p)
{
	if (d->ngrowth >= CIDS_MAX_GROWTH)
		return; /* curve capped; the test itself goes on */
	if (d->ngrowth == d->growth_alloc) {
		size_t n = d->growth_alloc ? d->growth_alloc * 2 : 64;
		if (n > CIDS_MAX_GROWTH)
			n = CIDS_MAX_GROWTH;
		struct cids_growth_point *g = reallocarray(d->growth, n, sizeof(*g));
		if (!g)
			return; /* out of memory: lose the point, keep the test */
		d->growth = g;
		d->growth_alloc = n;
	}
	d->growth[d->ngrowth++] = *p;
}

static void sample_one(struct cids_engine *e)
{
	double t = (double)(e->nsamples + 1) * e->c.interval;

	for (unsigned i = 0; i < e->c.ndbs; i++) {
		struct db *d = &e->db[i];
		struct cids_growth_point p = {
			.t = t,
			.size = d->t.size,
			.slope = (double)(d->t.size - d->last_size) / e->c.interval,
		};
		p.below = p.slope >= 0 && p.slope <= e->c.sigma;
		if (p.below) {
			if (d->steady.run < UINT32_MAX)
				d->steady.run++;
		} else {
			d->steady.run = 0;
		}
		if (d->t.size != d->last_size)
			d->grow_calls = e->total_calls;
		if (!d->steady.steady && !d->steady.full && d->steady.run >= e->c.consecutive &&
		    e->total_calls - d->grow_calls >= e->c.quiet_calls) {
			d->steady.steady = true;
			d->steady.t_max = t;
			d->steady.size = d->t.size;
		}
		growth_append(d, &p);
		d->last_size = d->t.size;
	}
	e->nsamples++;
	e->next_t = (double)(e->nsamples + 1) * e->c.interval;
}

/* Sample every boundary before `now` (inclusive: up to and including `now`). */
void steady_sample_upto(struct cids_engine *e, double now, bool inclusive)
{
	/* Boundaries that one call may pass one by one: enough to fill any growth curve and
	 * to settle every run; the rest of a huge jump has slope 0 and only lengthens runs. */
	const uint64_t one_by_one = CIDS_MAX_GROWTH + (uint64_t)e->c.consecutive + 2;
	double q = floor(now / e->c.interval);
	uint64_t target = q >= (double)STEADY_MAX_SAMPLES ? STEADY_MAX_SAMPLES : (uint64_t)q;

	if (target > e->nsamples + one_by_one + 2) {
		for (uint64_t i = 0; i < one_by_one; i++)
			sample_one(e);
		/* Leave the last two boundaries to the exact loop below. */
		uint64_t skip = target - e->nsamples - 2;
		for (unsigned i = 0; i < e->c.ndbs; i++) {
			struct db *d = &e->db[i];
			d->steady.run = d->steady.run + skip > UINT32_MAX
						? UINT32_MAX
						: (unsigned)(d->steady.run + skip);
		}
		e->nsamples += skip;
		e->next_t = (double)(e->nsamples + 1) * e->c.interval;
	}
	while ((inclusive ? e->next_t <= now : e->next_t < now) && e->nsamples < STEADY_MAX_SAMPLES)
		sample_one(e);
}

void engine_set_quiet_calls(struct cids_engine *e, uint64_t n)
{
	e->c.quiet_calls = n;
	for (unsigned i = 0; i < e->c.ndbs; i++)
		e->db[i].grow_calls = e->total_calls;
}

void engine_sampler_restore(struct cids_engine *e)
{
	e->next_t = (double)(e->nsamples + 1) * e->c.interval;
}
