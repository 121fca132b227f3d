/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The learning engine: configuration, databases, streams and learning. Detection is in
 * detect.c, the steady-state sampler in steady.c, files in profile.c.
 *
 * Per stream we keep the last CIDS_MAX_K calls packed 9 bits each into one 128-bit word
 * (`roll`, newest call in the low bits): the STIDE key of size k is `roll` masked to 9k bits.
 * For each BoSC database the stream keeps its window sorted, updated by one removal and one
 * insertion per call, and the key is that sorted array packed the same way.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cids/macro.h"
#include "engine-internal.h"

#define STREAM_MIN_CAP 64u

void engine_config_default(struct cids_engine_config *c)
{
	memset(c, 0, sizeof(*c));
	c->arch = CIDS_ARCH_X86_64;
	c->seq = CIDS_SEQ_THREAD;
	c->clock = CIDS_CLOCK_SECONDS;
	for (unsigned k = 3; k <= 6; k++)
		c->dbs[c->ndbs++] = (struct cids_db_id){CIDS_ALGO_STIDE, (uint8_t)k};
	for (unsigned k = 3; k <= 6; k++)
		c->dbs[c->ndbs++] = (struct cids_db_id){CIDS_ALGO_BOSC, (uint8_t)k};
	c->dbs[c->ndbs++] = (struct cids_db_id){CIDS_ALGO_BOSC, 10};
	c->interval = 100;
	c->sigma = 0.15;
	c->consecutive = 5;
	c->max_entries = 0;
	c->max_streams = 0;
}

static int config_check(const struct cids_engine_config *c)
{
	if ((unsigned)c->arch > CIDS_ARCH_NONE || (unsigned)c->seq > CIDS_SEQ_CONTAINER ||
	    (unsigned)c->clock > CIDS_CLOCK_CALLS)
		return -EINVAL;
	if (c->ndbs < 1 || c->ndbs > CIDS_MAX_DBS)
		return -EINVAL;
	for (unsigned i = 0; i < c->ndbs; i++) {
		if (c->dbs[i].algo > CIDS_ALGO_BOSC || c->dbs[i].k < 1 || c->dbs[i].k > CIDS_MAX_K)
			return -EINVAL;
		for (unsigned j = 0; j < i; j++)
			if (c->dbs[j].algo == c->dbs[i].algo && c->dbs[j].k == c->dbs[i].k)
				return -EINVAL;
	}
	if (!isfinite(c->interval) || !(c->interval > 0) || c->interval > ENGINE_MAX_INTERVAL ||
	    !isfinite(c->sigma) || c->sigma < 0)
		return -EINVAL;
	if (c->consecutive < 1 || c->consecutive > ENGINE_MAX_CONSECUTIVE)
		return -EINVAL;
	if (c->max_entries > CIDS_MAX_ENTRIES || c->max_streams > CIDS_MAX_STREAMS)
		return -EINVAL;
	return 0;
}

int engine_new(const struct cids_engine_config *c, struct cids_engine **ret)
{
	struct cids_engine *e;
	int r;

	if (!c || !ret)
		return -EINVAL;
	r = config_check(c);
	if (r < 0)
		return r;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->c = *c;
	if (!e->c.max_entries)
		e->c.max_entries = CIDS_MAX_ENTRIES;
	if (!e->c.max_streams)
		e->c.max_streams = CIDS_MAX_STREAMS;
	for (unsigned i = 0; i < c->ndbs; i++) {
		struct db *d = &e->db[i];
		d->id = c->dbs[i];
		d->bag_slot = d->id.algo == CIDS_ALGO_BOSC ? (int)e->nbags++ : -1;
		r = table_init(&d->t, e->c.max_entries, 0, d->id.k <= 7);
		if (r < 0) {
			engine_free(e);
			return r;
		}
		d->t.acct = &e->bytes;
		d->t.acct_max = &e->c.max_bytes;
		e->bytes += table_bytes_for(d->t.narrow, d->t.mask + 1);
	}
	e->streams.ids = calloc(STREAM_MIN_CAP, sizeof(*e->streams.ids));
	e->streams.s = calloc(STREAM_MIN_CAP, sizeof(*e->streams.s));
	if (!e->streams.ids || !e->streams.s) {
		engine_free(e);
		return -ENOMEM;
	}
	e->streams.mask = STREAM_MIN_CAP - 1;
	e->stream_seed = e->db[0].t.seed * 0x9e3779b97f4a7c15ull + 1;
	engine_sampler_restore(e);
	*ret = e;
	return 0;
}

static void stream_free(struct cids_engine *e, struct stream *s)
{
	if (!s)
		return;
	if (s->det) {
		for (unsigned i = 0; i < e->c.ndbs; i++)
			free(s->det[i]);
		free(s->det);
	}
	free(s);
}

void engine_free(struct cids_engine *e)
{
	if (!e)
		return;
	engine_reset_streams(e);
	free(e->streams.ids);
	free(e->streams.s);
	for (unsigned i = 0; i < CIDS_MAX_DBS; i++) {
		table_done(&e->db[i].t);
		free(e->db[i].growth);
	}
	free(e);
}

const struct cids_engine_config *engine_config(const struct cids_engine *e)
{
	return &e->c;
}

int engine_db_index(const struct cids_engine *e, enum cids_algo algo, unsigned k)
{
	for (unsigned i = 0; i < e->c.ndbs; i++)
		if (e->db[i].id.algo == algo && e->db[i].id.k == k)
			return (int)i;
	return -ENOENT;
}

uint64_t engine_db_size(const struct cids_engine *e, unsigned db)
{
	return db < e->c.ndbs ? e->db[db].t.size : 0;
}

const struct cids_steady *engine_db_steady(const struct cids_engine *e, unsigned db)
{
	return db < e->c.ndbs ? &e->db[db].steady : NULL;
}

const struct cids_growth_point *engine_db_growth(const struct cids_engine *e, unsigned db,
						 size_t *ret_n)
{
	if (db >= e->c.ndbs) {
		*ret_n = 0;
		return NULL;
	}
	*ret_n = e->db[db].ngrowth;
	return e->db[db].growth;
}

bool engine_steady(const struct cids_engine *e, const struct cids_db_id *which, unsigned n)
{
	if (n == 0) {
		for (unsigned i = 0; i < e->c.ndbs; i++)
			if (!e->db[i].steady.steady)
				return false;
		return true;
	}
	for (unsigned i = 0; i < n; i++) {
		int d = engine_db_index(e, which[i].algo, which[i].k);
		if (d < 0 || !e->db[d].steady.steady)
			return false;
	}
	return true;
}

uint64_t engine_total_calls(const struct cids_engine *e)
{
	return e->total_calls;
}

const uint64_t *engine_sym_counts(const struct cids_engine *e)
{
	return e->sym_counts;
}

unsigned engine_distinct_syms(const struct cids_engine *e)
{
	unsigned n = 0;

	for (unsigned i = 0; i < CIDS_NSYM; i++)
		n += e->sym_counts[i] != 0;
	return n;
}

double engine_elapsed(const struct cids_engine *e)
{
	return e->elapsed;
}

uint64_t engine_db_bytes(const struct cids_engine *e)
{
	return e->bytes;
}

void engine_set_max_bytes(struct cids_engine *e, uint64_t max_bytes)
{
	e->c.max_bytes = max_bytes;
}

/* --- streams --- */

static inline uint64_t stream_hash(const struct cids_engine *e, uint64_t id)
{
	return mix64(id ^ e->stream_seed);
}

static int stream_map_grow(struct cids_engine *e)
{
	struct stream_map *m = &e->streams, n;
	uint64_t cap = (m->mask + 1) * 2;

	n.ids = calloc(cap, sizeof(*n.ids));
	n.s = calloc(cap, sizeof(*n.s));
	if (!n.ids || !n.s) {
		free(n.ids);
		free(n.s);
		return -ENOMEM;
	}
	n.mask = cap - 1;
	n.size = m->size;
	for (uint64_t i = 0; i <= m->mask; i++) {
		if (!m->s[i])
			continue;
		uint64_t j = stream_hash(e, m->ids[i]) & n.mask;
		while (n.s[j])
			j = (j + 1) & n.mask;
		n.ids[j] = m->ids[i];
		n.s[j] = m->s[i];
	}
	free(m->ids);
	free(m->s);
	*m = n;
	return 0;
}

struct stream *engine_stream_get(struct cids_engine *e, uint64_t id, int *ret_err)
{
	struct stream_map *m = &e->streams;
	struct stream *s;
	uint64_t i;

	if (e->last && e->last_id == id)
		return e->last;
	for (i = stream_hash(e, id) & m->mask; m->s[i]; i = (i + 1) & m->mask)
		if (m->ids[i] == id) {
			e->last_id = id;
			return e->last = m->s[i];
		}
	if (m->size >= e->c.max_streams) {
		*ret_err = -ENOSPC;
		return NULL;
	}
	if ((m->size + 1) * 2 > m->mask + 1) {
		if (stream_map_grow(e) < 0) {
			*ret_err = -ENOMEM;
			return NULL;
		}
		for (i = stream_hash(e, id) & m->mask; m->s[i]; i = (i + 1) & m->mask)
			;
	}
	s = calloc(1, sizeof(*s) + (size_t)e->nbags * CIDS_MAX_K * sizeof(uint16_t));
	if (!s) {
		*ret_err = -ENOMEM;
		return NULL;
	}
	s->id = id;
	if (e->c.start_pad) {
		/* as if CIDS_MAX_K start symbols came first: every window is full from the start */
		s->n = CIDS_MAX_K;
		s->roll = start_roll();
		for (unsigned b = 0; b < e->nbags * CIDS_MAX_K; b++)
			s->bags[b] = CIDS_SYM_START;
	}
	m->ids[i] = id;
	m->s[i] = s;
	m->size++;
	e->last_id = id;
	return e->last = s;
}

void engine_end_stream(struct cids_engine *e, uint64_t stream)
{
	struct stream_map *m = &e->streams;
	uint64_t i, j;

	for (i = stream_hash(e, stream) & m->mask; m->s[i]; i = (i + 1) & m->mask)
		if (m->ids[i] == stream)
			break;
	if (!m->s[i])
		return;
	if (e->last == m->s[i])
		e->last = NULL;
	stream_free(e, m->s[i]);
	m->s[i] = NULL;
	m->size--;
	/* Backward-shift deletion keeps every probe chain unbroken. */
	for (j = (i + 1) & m->mask; m->s[j]; j = (j + 1) & m->mask) {
		uint64_t home = stream_hash(e, m->ids[j]) & m->mask;
		/* Move j into the hole at i when its home is not in (i, j] cyclically. */
		if (((j - home) & m->mask) >= ((j - i) & m->mask)) {
			m->ids[i] = m->ids[j];
			m->s[i] = m->s[j];
			m->s[j] = NULL;
			i = j;
		}
	}
}

void engine_reset_streams(struct cids_engine *e)
{
	struct stream_map *m = &e->streams;

	if (!m->s)
		return;
	for (uint64_t i = 0; i <= m->mask; i++) {
		stream_free(e, m->s[i]);
		m->s[i] = NULL;
	}
	m->size = 0;
	e->last = NULL;
}

/* --- keys --- */

void bag_rebuild(uint16_t *bag, u128 roll, uint64_t n, unsigned k)
{
	unsigned m = n < k ? (unsigned)n : k;

	for (unsigned i = 0; i < m; i++)
		bag_slide(bag, i, k, 0, roll_sym(roll, i));
}

u128 engine_key_of(const struct db *d, const uint16_t *syms, unsigned k)
{
	u128 key = 0;

	/* a stored window may hold start symbols: kept, anything past them is "other" */
	if (d->id.algo == CIDS_ALGO_BOSC) {
		uint16_t bag[CIDS_MAX_K];
		for (unsigned i = 0; i < k; i++)
			bag_slide(bag, i, k, 0, MIN(syms[i], (uint16_t)CIDS_SYM_OTHER));
		return bag_pack(bag, k);
	}
	for (unsigned i = 0; i < k; i++)
		key = key << SYM_BITS | MIN(syms[i], (uint16_t)CIDS_SYM_OTHER);
	return key;
}

void engine_unpack(u128 key, unsigned k, uint16_t *syms)
{
	for (unsigned i = 0; i < k; i++)
		syms[i] = (uint16_t)roll_sym(key, k - 1 - i);
}

/* --- learning --- */

/* Learn one window of db d (hash h, or computed here when h == NULL). 0, 1 when the database
 * just became full (said once), -ENOMEM. (A one-entry cache of the last window learned, to
 * skip the lookup for runs of one call, measured no faster on ADFA-LD and was dropped.) */
static inline int db_learn(struct db *d, u128 key, const uint64_t *h)
{
	int r = table_add_h(&d->t, key, h ? *h : table_hash_key(&d->t, key), 1);

	if (_likely_(r >= 0))
		return 0;
	if (r != -ENOSPC)
		return r;
	d->steady.full = true;
	if (d->full_reported)
		return 0;
	d->full_reported = true;
	return 1;
}

int engine_learn(struct cids_engine *e, uint64_t stream, unsigned sym, double now)
{
	struct stream *s;
	int err = 0, ret = 0;
	u128 old;
	uint64_t n;

	if (!(now >= e->elapsed) || !isfinite(now)) /* going back, NaN, infinite: hold */
		now = e->elapsed;
	s = stream_get(e, stream, &err);
	if (!s)
		return err;
	if (e->next_t < now)
		steady_sample_upto(e, now, false);
	sym = sym_clamp(sym);
	e->sym_counts[sym]++;
	e->total_calls++;

	old = s->roll;
	n = s->n++;
	s->roll = ((old << SYM_BITS) | sym) & key_mask(CIDS_MAX_K);
	for (unsigned i = 0; i < e->c.ndbs; i++) {
		struct db *d = &e->db[i];
		unsigned k = d->id.k;
		u128 key;
		int r;

		if (d->steady.full)
			continue;
		if (d->bag_slot >= 0) {
			uint16_t *bag = s->bags + (size_t)d->bag_slot * CIDS_MAX_K;
			unsigned out = roll_sym(old, k - 1);
			if (n < k || out != sym) /* else: the same bag */
				bag_slide(bag, n < k ? (unsigned)n : k, k, out, sym);
			if (n + 1 < k)
				continue;
			key = bag_pack(bag, k);
		} else {
			if (n + 1 < k)
				continue;
			key = s->roll & key_mask(k);
		}
		r = db_learn(d, key, NULL);
		if (r < 0)
			err = r;
		else if (r > 0)
			ret = 1;
	}
	if (e->next_t <= now)
		steady_sample_upto(e, now, true);
	e->elapsed = now;
	return err < 0 ? err : ret;
}

void engine_tick(struct cids_engine *e, double now)
{
	if (!(now >= e->elapsed) || !isfinite(now))
		return;
	steady_sample_upto(e, now, true);
	e->elapsed = now;
}

/* --- direct access --- */

int engine_db_insert(struct cids_engine *e, unsigned db, const uint16_t *syms, unsigned k)
{
	struct db *d;
	int r;

	if (db >= e->c.ndbs || !syms || k != e->db[db].id.k)
		return -EINVAL;
	d = &e->db[db];
	r = table_add(&d->t, engine_key_of(d, syms, k), 1);
	if (r == -ENOSPC)
		d->steady.full = true;
	return r;
}

bool engine_db_contains(const struct cids_engine *e, unsigned db, const uint16_t *syms, unsigned k)
{
	const struct db *d;

	if (db >= e->c.ndbs || !syms || k != e->db[db].id.k)
		return false;
	d = &e->db[db];
	return table_find(&d->t, engine_key_of(d, syms, k)) >= 0;
}

int engine_db_foreach(const struct cids_engine *e, unsigned db, engine_entry_cb cb, void *ud)
{
	const struct db *d;
	uint16_t syms[CIDS_MAX_K];

	if (db >= e->c.ndbs || !cb)
		return -EINVAL;
	d = &e->db[db];
	for (uint64_t i = 0; i <= d->t.mask; i++) {
		if (!table_slot_used(&d->t, i))
			continue;
		engine_unpack(table_key_at(&d->t, i), d->id.k, syms);
		int r = cb(syms, d->id.k, d->t.counts[i], ud);
		if (r)
			return r;
	}
	return 0;
}

/* --- batches --- */

#define BATCH 32 /* windows whose slots are prefetched ahead of their lookups */

/* Add the windows of calls syms[0..m) to db d (k > 7: 128-bit windows), starting from the
 * stream's state before them. Keys are made BATCH at a time, their slots prefetched, then
 * added. */
static int segment_wide(struct db *d, struct stream *s, const uint16_t *syms, size_t m, int *ret)
{
	const unsigned k = d->id.k;
	const u128 kmask = key_mask(k);
	uint16_t *bag = d->bag_slot >= 0 ? s->bags + (size_t)d->bag_slot * CIDS_MAX_K : NULL;
	u128 roll = s->roll & kmask, keys[BATCH], last = 0;
	uint64_t n = s->n, h[BATCH], last_h = 0;
	bool have_last = false;

	for (size_t i = 0; i < m;) {
		unsigned nk = 0;

		for (; i < m && nk < BATCH; i++, n++) {
			unsigned sym = sym_clamp(syms[i]), old_sym;
			u128 key;

			old_sym = roll_sym(roll, k - 1);
			roll = ((roll << SYM_BITS) | sym) & kmask;
			if (n + 1 < k) {
				if (bag)
					bag_slide(bag, (unsigned)n, k, old_sym, sym);
				continue;
			}
			if (bag) {
				/* The call that leaves equals the one that comes (40 % of ADFA-LD
				 * for k=6): same bag, same key, nothing to sort or hash. */
				if (have_last && n >= k && old_sym == sym) {
					keys[nk] = last;
					h[nk++] = last_h;
					continue;
				}
				bag_slide(bag, n < k ? (unsigned)n : k, k, old_sym, sym);
				key = bag_pack(bag, k);
			} else {
				key = roll;
			}
			/* a window equal to the previous one (runs of one call) is not hashed again
			 */
			if (!have_last || key != last) {
				last = key;
				last_h = table_hash_key(&d->t, key);
				have_last = true;
				table_prefetch_rw(&d->t, last_h);
			}
			keys[nk] = last;
			h[nk++] = last_h;
		}
		for (unsigned j = 0; j < nk; j++) {
			int r = db_learn(d, keys[j], &h[j]);
			if (r < 0)
				return r;
			if (r > 0)
				*ret = 1;
			if (_unlikely_(d->steady.full))
				return 0; /* learning stopped here, as in engine_learn */
		}
	}
	return 0;
}

#define LBATCH 64 /* STIDE fast path: windows hashed and prefetched ahead of their lookups */

/* k <= 7, the common case: segment_wide with the window in one uint64_t, the narrow table's
 * probe, and keys and counts prefetched LBATCH ahead. STIDE's key is the window; BoSC's the
 * stream's sorted bag, slid in place (a call equal to the one leaving keeps the key). Learns
 * exactly what engine_learn would call by call, and stops at the first window that finds the
 * database full, as engine_learn does. `bosc` is a constant in each inlined copy. */
static inline __attribute__((always_inline)) int segment_narrow_t(struct db *d, struct stream *s,
								  const uint16_t *syms, size_t m,
								  int *ret, const bool bosc)
{
	const unsigned k = d->id.k;
	const uint64_t kmask = (uint64_t)key_mask(k), used = 1ull << 63;
	struct table *t = &d->t;
	/* the table's fields in registers (a store to a count could alias them otherwise);
	 * reloaded after an insertion, which may grow the table */
	uint64_t *tk = t->keys, tmask = t->mask, total = 0;
	uint32_t *tc = t->counts;
	unsigned shift = t->shift;
	const uint64_t mul = t->mul_lo, hadd = used * t->mul_hi; /* table_hash(t, lo, used) */
	uint16_t *bag = bosc ? s->bags + (size_t)d->bag_slot * CIDS_MAX_K : NULL;
	uint64_t roll = (uint64_t)s->roll & kmask, n = s->n, keys[LBATCH], h[LBATCH], last = 0;
	/* BoSC, k <= 6, full windows: the bag is slid packed (bag_swap_packed) and the stream's
	 * sorted bag written back at the end */
	const bool swar = bosc && k <= 6;
	const struct bag_lanes lanes = bag_lanes_of(swar ? k : 0);
	size_t i = 0;
	int err = 0;

	for (; i < m && n + 1 < k; i++, n++) { /* the first calls of a stream: no window yet */
		unsigned sym = sym_clamp(syms[i]);
		if (bosc)
			bag_slide(bag, (unsigned)n, k, 0, sym);
		roll = ((roll << SYM_BITS) | sym) & kmask;
	}
	if (bosc && n >= k)
		last = (uint64_t)bag_pack(bag, k);
	while (i < m) {
		size_t nk = MIN(m - i, (size_t)LBATCH);

		for (size_t j = 0; j < nk; j++, n++) {
			unsigned sym = sym_clamp(syms[i + j]);
			/* k >= 1: engine_new refuses k == 0 */
			// NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult)
			unsigned out = (unsigned)(roll >> (SYM_BITS * (k - 1))) & SYM_MASK;
			uint64_t key;

			roll = ((roll << SYM_BITS) | sym) & kmask;
			if (!bosc) {
				key = roll;
			} else if (_likely_(n >= k && swar)) {
				if (out != sym) /* else the same bag */
					last = bag_swap_packed(&lanes, last, out, sym);
				key = last;
			} else if (n < k || out != sym) {
				bag_slide(bag, n < k ? (unsigned)n : k, k, out, sym);
				key = last = (uint64_t)bag_pack(bag, k);
			} else {
				key = last; /* the same bag */
			}
			keys[j] = key | used;
			h[j] = key * mul + hadd;
			__builtin_prefetch(&tk[h[j] >> shift]);
			__builtin_prefetch(&tc[h[j] >> shift], 1);
		}
		i += nk;
		for (size_t j = 0; j < nk; j++) {
			uint64_t key = keys[j], at = h[j] >> shift, v, slot;
			int r;

			while ((v = tk[at]) != key && v)
				at = (at + 1) & tmask;
			if (_likely_(v)) {
				uint32_t c = tc[at];
				tc[at] = c + (c != UINT32_MAX);
				total++;
				continue;
			}
			r = table_insert_new(t, at, key & ~used, used, 1, &slot);
			tk = t->keys;
			tc = t->counts;
			tmask = t->mask;
			shift = t->shift;
			if (_likely_(r >= 0))
				continue;
			if (r != -ENOSPC) {
				err = r;
				break;
			}
			d->steady.full = true;
			if (!d->full_reported) {
				d->full_reported = true;
				*ret = 1;
			}
			break; /* learning of this database stopped */
		}
		if (err < 0 || d->steady.full)
			break;
	}
	if (swar && n >= k)
		bag_unpack(bag, last, k);
	t->total += total;
	return err;
}

static int segment_db(struct db *d, struct stream *s, const uint16_t *syms, size_t m, int *ret)
{
	if (d->id.k <= 7 && d->bag_slot < 0)
		return segment_narrow_t(d, s, syms, m, ret, false);
	if (d->id.k <= 7)
		return segment_narrow_t(d, s, syms, m, ret, true);
	return segment_wide(d, s, syms, m, ret);
}

/* Calls syms[0..m) of stream s, none of them at or past a sample boundary. */
static int learn_segment(struct cids_engine *e, struct stream *s, const uint16_t *syms, size_t m,
			 int *ret)
{
	int err = 0;

	for (size_t i = 0; i < m; i++)
		e->sym_counts[sym_clamp(syms[i])]++;
	e->total_calls += m;
	for (unsigned i = 0; i < e->c.ndbs; i++) {
		if (e->db[i].steady.full)
			continue;
		int r = segment_db(&e->db[i], s, syms, m, ret);
		if (r < 0)
			err = r;
	}
	/* Only the last CIDS_MAX_K calls stay in the window. */
	for (size_t i = m > CIDS_MAX_K ? m - CIDS_MAX_K : 0; i < m; i++) {
		unsigned sym = sym_clamp(syms[i]);
		s->roll = ((s->roll << SYM_BITS) | sym) & key_mask(CIDS_MAX_K);
	}
	s->n += m;
	return err;
}

/* The call clock from a whole learning time `base` (< 2^52, so that every sum below is exact
 * and equals adding 1 call by call): how many of the next `max` calls, at base + 1, base + 2,
 * ..., come before the sample boundary next_t. */
static size_t call_clock_run(double base, double next_t, size_t max)
{
	double gap = next_t - base;
	size_t m;

	if (base + (double)max < next_t)
		return max;
	m = gap >= 1 ? MIN((size_t)gap, max) : 0; /* gap <= max + 1 here */
	while (m > 0 && !(base + (double)m < next_t))
		m--;
	while (m < max && base + (double)(m + 1) < next_t)
		m++;
	return m;
}

int engine_learn_many(struct cids_engine *e, uint64_t stream, const uint16_t *syms, size_t n,
		      const double *times)
{
	struct stream *s;
	int err = 0, ret = 0;
	size_t i = 0;

	if (n && !syms)
		return -EINVAL;
	s = stream_get(e, stream, &err);
	if (!s)
		return err;
	while (i < n) {
		double run = e->elapsed, t = run;
		size_t j = i;

		/* The longest run of calls that needs no sample: learned database by database. */
		if (!times && run == floor(run) && run < 0x1p52) {
			size_t m = call_clock_run(run, e->next_t, n - i);
			j = i + m;
			run += (double)m;
			t = run + 1;
		} else {
			for (; j < n; j++) {
				t = times ? times[j] : run + 1;
				if (!(t >= run) || !isfinite(t))
					t = run;
				if (t >= e->next_t)
					break;
				run = t;
			}
		}
		if (j > i) {
			int r = learn_segment(e, s, syms + i, j - i, &ret);
			if (r < 0)
				err = r;
			e->elapsed = run;
		}
		if (j < n) { /* a call at or past a boundary: the one-call path samples */
			int r = engine_learn(e, stream, syms[j], t);
			if (r < 0)
				err = r;
			else if (r > 0)
				ret = 1;
			j++;
		}
		i = j;
	}
	return err < 0 ? err : ret;
}
