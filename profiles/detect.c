/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Detection: live per-stream judgement (engine_detect) and offline per-trace scores
 * (engine_score_trace). The rules are described in include/cids/engine.h.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cids/macro.h"
#include "engine-internal.h"

static size_t det_words(unsigned frame)
{
	return (frame + 63) / 64;
}

/* The detection state of stream s against database db for detector d, made or restarted. */
static struct det_state *det_get(struct cids_engine *e, struct stream *s, unsigned db,
				 const struct cids_detector *d)
{
	struct det_state *ds;

	if (!s->det) {
		s->det = calloc(e->c.ndbs, sizeof(*s->det));
		if (!s->det)
			return NULL;
	}
	ds = s->det[db];
	if (_likely_(ds && ds->frame == d->frame && ds->threshold == d->threshold))
		return ds;

	if (ds && ds->frame == d->frame) {
		/* Same frame size, another threshold: restart the counts, keep the window. */
		memset(ds->bits, 0, 2 * det_words(ds->frame) * sizeof(uint64_t));
	} else {
		struct det_state *n =
			calloc(1, sizeof(*n) + 2 * det_words(d->frame) * sizeof(uint64_t));
		if (!n)
			return NULL;
		if (ds) {
			n->n = ds->n;
			n->roll = ds->roll;
			memcpy(n->bag, ds->bag, sizeof(n->bag));
			free(ds);
		} else {
			/* Continue from the learning window: no gap at learn -> detect. */
			n->n = s->n;
			n->roll = s->roll;
			bag_rebuild(n->bag, n->roll, n->n, d->k);
		}
		ds = s->det[db] = n;
	}
	ds->algo = d->algo;
	ds->k = d->k;
	ds->frame = d->frame;
	ds->threshold = d->threshold;
	ds->lfc = ds->epoch_calls = ds->epoch_mis = 0;
	ds->pos = 0;
	return ds;
}

/*
 * The detector's count after one more call: STIDE's locality frame count (mismatching windows
 * among the last `frame` full windows; kept in halves, w the new window's weight: 2 for a
 * mismatch, less for a near one, 0 for a match; rounded down), or BoSC's mismatching bags in the
 * current epoch of `frame` calls (the epoch restarts after its last call). The ring holds two
 * bits per window: counted, and counted as a half.
 */
static inline unsigned frame_count(struct det_state *ds, bool bosc, bool full, unsigned w)
{
	unsigned score;

	if (!bosc) {
		if (full) {
			size_t i = ds->pos / 64;
			uint64_t *b = &ds->bits[i], *h = &ds->bits[det_words(ds->frame) + i];
			uint64_t bit = 1ull << (ds->pos % 64);

			if (*b & bit)
				ds->lfc -= (*h & bit) ? 1 : 2;
			ds->lfc += w;
			*b = w ? (*b | bit) : (*b & ~bit);
			*h = w == 1 ? (*h | bit) : (*h & ~bit);
			if (++ds->pos == ds->frame)
				ds->pos = 0;
		}
		return ds->lfc / 2u;
	}
	ds->epoch_mis += w != 0;
	score = ds->epoch_mis;
	if (++ds->epoch_calls == ds->frame)
		ds->epoch_calls = ds->epoch_mis = 0;
	return score;
}

/* What engine_detect and engine_detect_many share: the database of d (its index in *ret_idx)
 * and the detection state of stream against it, made or restarted. */
static int det_begin(struct cids_engine *e, uint64_t stream, const struct cids_detector *d,
		     struct det_state **ret_ds, int *ret_idx)
{
	struct stream *s;
	int idx, err = 0;

	idx = engine_db_index(e, d->algo, d->k);
	if (idx < 0)
		return idx;
	if (d->frame == 0 || d->frame > CIDS_MAX_FRAME)
		return -EINVAL;
	s = stream_get(e, stream, &err);
	if (!s)
		return err < 0 ? err : -ENOMEM; /* stream_get always says why */
	*ret_ds = det_get(e, s, (unsigned)idx, d);
	if (!*ret_ds)
		return -ENOMEM;
	*ret_idx = idx;
	return 0;
}

bool cids_sym_low_risk(unsigned sym)
{
	switch (sym) {
	case 24:  /* sched_yield */
	case 36:  /* getitimer */
	case 51:  /* getsockname */
	case 52:  /* getpeername */
	case 74:  /* fsync */
	case 75:  /* fdatasync */
	case 96:  /* gettimeofday */
	case 98:  /* getrusage */
	case 99:  /* sysinfo */
	case 100: /* times */
	case 140: /* getpriority */
	case 143: /* sched_getparam */
	case 145: /* sched_getscheduler */
	case 201: /* time */
	case 204: /* sched_getaffinity */
	case 228: /* clock_gettime */
	case 229: /* clock_getres */
	case 277: /* sync_file_range */
	case 306: /* syncfs */
	case 309: /* getcpu */
		return true;
	default:
		return false;
	}
}

/* Is the STIDE window key (k calls) one call away from a window of db: the same calls but one,
 * at the same place? Tries every learned symbol (and the start symbol) at each place: up to
 * k * (learned syscalls) look-ups, paid by mismatching windows only. */
static bool one_call_away(const struct cids_engine *e, const struct db *db, u128 key, unsigned k)
{
	for (unsigned age = 0; age < k; age++) {
		unsigned have = roll_sym(key, age);
		u128 hole = key & ~((u128)SYM_MASK << (SYM_BITS * age));

		for (unsigned s = 0; s < CIDS_NSYM; s++) {
			if (s == have || (e->sym_counts[s] == 0 && s != CIDS_SYM_START))
				continue;
			if (table_find(&db->t, hole | ((u128)s << (SYM_BITS * age))) >= 0)
				return true;
		}
	}
	return false;
}

/*
 * Weight of a mismatching STIDE window in the locality frame, in halves (CIDS_DET_NEAR_WINDOWS):
 * near (its set of calls is in the BoSC database of the same k: a new ordering of calls learned
 * together) 1, or 0 with CIDS_DET_NEAR_FREE; with CIDS_DET_NEAR_FREE also 0 when it is one call
 * away from a learned window (a call slipped in by the allocator, a lock: start-up warm-up);
 * else 2. Only mismatches pay for the look-ups.
 */
static unsigned near_weight(const struct cids_engine *e, const struct db *db, u128 roll,
			    const struct cids_detector *d)
{
	unsigned near = (d->flags & CIDS_DET_NEAR_FREE) ? 0 : 1, k = d->k;
	uint16_t syms[CIDS_MAX_K];
	int idx;

	idx = engine_db_index(e, CIDS_ALGO_BOSC, k);
	if (idx >= 0) {
		const struct db *b = &e->db[idx];

		engine_unpack(roll & key_mask(k), k, syms);
		if (table_find(&b->t, engine_key_of(b, syms, k)) >= 0)
			return near;
	}
	/* one call away: near in the start-up grace only (0), else far (a post-exploitation shell
	 * in a shell's container is made of them) */
	return near == 0 && one_call_away(e, db, roll & key_mask(k), k) ? 0 : 2;
}

/* A repeat of one of the stream's last DET_RECENT mismatching windows (CIDS_DET_REPEATS_ONCE)?
 * Else remembered as the newest of them. */
static bool repeat_of_recent(struct det_state *ds, u128 key)
{
	for (unsigned i = 0; i < DET_RECENT; i++)
		if (ds->recent[i] == (key | DET_RECENT_USED))
			return true;
	ds->recent[ds->recent_pos] = key | DET_RECENT_USED;
	ds->recent_pos = (uint8_t)((ds->recent_pos + 1) % DET_RECENT);
	return false;
}

/* A mismatch's weight in the frame, in halves. */
static inline unsigned weight_of(const struct cids_engine *e, const struct db *db,
				 const struct cids_detector *d, struct det_state *ds, u128 roll)
{
	if (db->bag_slot >= 0)
		return 2;
	if ((d->flags & CIDS_DET_REPEATS_ONCE) && repeat_of_recent(ds, roll & key_mask(d->k)))
		return 0;
	if (d->flags & CIDS_DET_NEAR_WINDOWS)
		return near_weight(e, db, roll, d);
	return 2;
}

/* sym was never learned and counts as such (not a low-risk one with CIDS_DET_LOW_RISK_UNSEEN). */
static inline bool sym_unseen(const struct cids_engine *e, const struct cids_detector *d,
			      unsigned sym)
{
	return e->sym_counts[sym] == 0 &&
	       !((d->flags & CIDS_DET_LOW_RISK_UNSEEN) && cids_sym_low_risk(sym));
}

/* The alarm rule for a mismatching window of weight w (halves) ending at sym, its frame count
 * score: the count reaches thr (twice thr at a near window, with CIDS_DET_NEAR_QUIET), or sym
 * was never learned (CIDS_DET_UNSEEN_CALLS; not a low-risk one with CIDS_DET_LOW_RISK_UNSEEN).
 * *unseen: sym was never learned and counts as such. */
static inline bool alarm_rule(const struct cids_engine *e, const struct cids_detector *d,
			      unsigned score, unsigned thr, unsigned w, unsigned sym, bool *unseen)
{
	*unseen = sym_unseen(e, d, sym);
	if (score >= thr && !((d->flags & CIDS_DET_NEAR_QUIET) && w < 2 && score < 2 * thr))
		return true;
	return *unseen && (d->flags & CIDS_DET_UNSEEN_CALLS);
}

bool engine_sym_unseen(const struct cids_engine *e, const struct cids_detector *d, unsigned sym)
{
	return sym_unseen(e, d, sym_clamp(sym));
}

/* An alarm of detector d, its window left for the caller. */
static void alarm_set(struct cids_alarm *ret, const struct cids_detector *d, bool unseen,
		      unsigned score)
{
	memset(ret, 0, sizeof(*ret));
	ret->algo = d->algo;
	ret->k = d->k;
	ret->unseen = unseen;
	ret->score = (uint16_t)score;
	ret->nwin = d->k;
}

int engine_detect(struct cids_engine *e, uint64_t stream, unsigned sym,
		  const struct cids_detector *d, struct cids_alarm *ret)
{
	struct det_state *ds;
	const struct db *db;
	unsigned k, thr, score, w;
	bool mis = false, anomalous, unseen = false;
	int idx, r;
	uint64_t n;
	u128 old;

	r = det_begin(e, stream, d, &ds, &idx);
	if (r < 0)
		return r;
	db = &e->db[idx];
	k = d->k;
	sym = sym_clamp(sym);

	old = ds->roll;
	ds->prev_roll = old;
	/* the first of consecutive blocked calls is taken back, the next ones are not */
	ds->can_undo = !ds->blocked;
	ds->blocked = false;
	n = ds->n++;
	ds->roll = ((old << SYM_BITS) | sym) & key_mask(CIDS_MAX_K);
	if (db->bag_slot >= 0 && (n < k || roll_sym(old, k - 1) != sym)) /* else same bag */
		bag_slide(ds->bag, n < k ? (unsigned)n : k, k, roll_sym(old, k - 1), sym);
	if (n + 1 >= k) {
		u128 key = db->bag_slot >= 0 ? bag_pack(ds->bag, k) : ds->roll & key_mask(k);
		mis = table_find(&db->t, key) < 0;
	}

	thr = d->threshold ? d->threshold : 1;
	w = mis ? weight_of(e, db, d, ds, ds->roll) : 0;
	score = frame_count(ds, db->bag_slot >= 0, n + 1 >= k, w);
	anomalous = mis && alarm_rule(e, d, score, thr, w, sym, &unseen);
	if (!anomalous)
		return 0;
	if (ret) {
		alarm_set(ret, d, unseen, score);
		engine_unpack(ds->roll & key_mask(k), k, ret->window);
	}
	return 1;
}

int engine_detect_undo(struct cids_engine *e, uint64_t stream, const struct cids_detector *d)
{
	struct det_state *ds;
	int idx, r;

	r = det_begin(e, stream, d, &ds, &idx);
	if (r < 0)
		return r;
	if (!ds->can_undo || ds->n == 0) {
		ds->blocked = ds->blocked || ds->n > 0;
		return -ENOENT;
	}
	ds->blocked = true;
	ds->can_undo = false;
	ds->roll = ds->prev_roll;
	ds->n--;
	bag_rebuild(ds->bag, ds->roll, ds->n, ds->k);
	return 0;
}

int engine_detect_reported(struct cids_engine *e, uint64_t stream, const uint16_t *win, unsigned k,
			   unsigned nmis, const struct cids_detector *d, struct cids_alarm *ret)
{
	struct det_state *ds;
	const struct db *db;
	unsigned w, sum = 0, sym, thr, score;
	bool unseen;
	u128 key;
	int idx, r;

	if (!win || d->algo != CIDS_ALGO_STIDE || k != d->k || nmis == 0)
		return -EINVAL;
	r = det_begin(e, stream, d, &ds, &idx);
	if (r < 0)
		return r;
	db = &e->db[idx];
	key = engine_key_of(db, win, k);
	w = weight_of(e, db, d, ds, key);
	ds->rep_w[ds->rep_pos] = (uint8_t)w;
	ds->rep_pos = (uint8_t)((ds->rep_pos + 1) % CIDS_REPORTED_MAX);
	for (unsigned i = 1; i <= nmis && i <= CIDS_REPORTED_MAX; i++)
		sum += ds->rep_w[(ds->rep_pos + CIDS_REPORTED_MAX - i) % CIDS_REPORTED_MAX];
	score = sum / 2;
	sym = sym_clamp(win[k - 1]);
	thr = d->threshold ? d->threshold : 1;
	if (!alarm_rule(e, d, score, thr, w, sym, &unseen))
		return 0;
	if (ret) {
		alarm_set(ret, d, unseen, score);
		memcpy(ret->window, win, k * sizeof(*win));
	}
	return 1;
}

int engine_score_trace(const struct cids_engine *e, unsigned db, const uint16_t *syms, size_t n,
		       unsigned frame, struct cids_score *ret)
{
	_cleanup_free_ uint64_t *bits = NULL;
	struct cids_score sc = {};
	const struct db *d;
	uint16_t bag[CIDS_MAX_K];
	double lnorm, sum = 0;
	unsigned k, lfc = 0, pos = 0, epoch_calls = 0, epoch_mis = 0;
	uint64_t c0;
	u128 roll = 0;

	if (db >= e->c.ndbs || !ret || (n && !syms) || frame == 0)
		return -EINVAL;
	d = &e->db[db];
	k = d->id.k;
	/* The ring of the last `frame` windows never holds more than the n windows there are. */
	bits = calloc(det_words(frame < n ? frame : (unsigned)MAX(n, (size_t)1)), sizeof(uint64_t));
	if (!bits)
		return -ENOMEM;
	/* Laplace-smoothed window probability p = (count + 1) / (total + distinct + 1): an
	 * unseen window scores the most, -log2(1 / (total + distinct + 1)). */
	lnorm = log2((double)d->t.total + (double)d->t.size + 1);
	/* a padded engine scores a trace as a stream: start symbols first */
	c0 = e->c.start_pad ? CIDS_MAX_K : 0;
	if (c0) {
		roll = start_roll();
		bag_rebuild(bag, roll, c0, k);
	}

	for (size_t i = 0; i < n; i++) {
		unsigned sym = sym_clamp(syms[i]);
		uint64_t c = c0 + i;
		u128 old = roll;
		bool mis = false;

		roll = ((old << SYM_BITS) | sym) & key_mask(CIDS_MAX_K);
		if (d->bag_slot >= 0 && (c < k || roll_sym(old, k - 1) != sym))
			bag_slide(bag, c < k ? (unsigned)c : k, k, roll_sym(old, k - 1), sym);
		if (c + 1 >= k) {
			u128 key = d->bag_slot >= 0 ? bag_pack(bag, k) : roll & key_mask(k);
			int64_t at = table_find(&d->t, key);
			uint32_t cnt = at < 0 ? 0 : d->t.counts[at];

			mis = at < 0;
			sc.windows++;
			sc.mismatches += mis;
			sum += lnorm - log2((double)cnt + 1);

			uint64_t *w = &bits[pos / 64], bit = 1ull << (pos % 64);
			lfc -= (*w & bit) != 0;
			lfc += mis;
			*w = mis ? (*w | bit) : (*w & ~bit);
			if (++pos == frame)
				pos = 0;
			if (lfc > sc.max_lfc)
				sc.max_lfc = lfc;
		}
		epoch_mis += mis;
		if (epoch_mis > sc.max_epoch)
			sc.max_epoch = epoch_mis;
		if (++epoch_calls == frame)
			epoch_calls = epoch_mis = 0;
	}
	if (sc.windows) {
		sc.rate = (double)sc.mismatches / (double)sc.windows;
		sc.rarity = sum / (double)sc.windows;
	}
	*ret = sc;
	return 0;
}

/* A mismatch of weight w ending at sym judged in a batch path: an alarm by alarm_rule; cb (when
 * given) gets it with its window at index `at`. Returns 1 for an alarm, else 0. */
static inline size_t batch_alarm(const struct cids_engine *e, const struct cids_detector *d,
				 unsigned score, unsigned thr, unsigned w, unsigned sym,
				 u128 window, size_t at, engine_alarm_cb cb, void *ud)
{
	bool unseen;

	if (!alarm_rule(e, d, score, thr, w, sym, &unseen))
		return 0;
	if (cb) {
		struct cids_alarm a = {
			.algo = d->algo,
			.k = d->k,
			.unseen = unseen,
			.score = (uint16_t)score,
			.nwin = (uint16_t)d->k,
		};
		engine_unpack(window, d->k, a.window);
		cb(at, &a, ud);
	}
	return 1;
}

#define BATCH  32
#define DBATCH 64 /* STIDE fast path: windows hashed and prefetched ahead of their lookups */

/* k <= 7, the common case, for engine_detect_many: the window in one uint64_t, the frame ring
 * or epoch updated in place, keys prefetched DBATCH ahead; BoSC slides the sorted bag of the
 * detection state (a call equal to the one leaving keeps the key). Judges exactly as
 * engine_detect would call by call. `bosc` is a constant in each inlined copy. */
static inline __attribute__((always_inline)) size_t
detect_narrow_t(const struct cids_engine *e, const struct db *db, struct det_state *ds,
		const uint16_t *syms, size_t n, const struct cids_detector *d, engine_alarm_cb cb,
		void *ud, const bool bosc)
{
	const unsigned k = d->k, thr = d->threshold ? d->threshold : 1, frame = ds->frame;
	const uint64_t kmask = (uint64_t)key_mask(k), used = 1ull << 63;
	const struct table *t = &db->t;
	/* the table's fields in registers (detection never changes the table) */
	const uint64_t *tk = t->keys, tmask = t->mask, mul = t->mul_lo, hadd = used * t->mul_hi;
	const unsigned shift = t->shift;
	uint64_t roll = (uint64_t)ds->roll & kmask, c = ds->n, keys[DBATCH], h[DBATCH], last = 0;
	uint64_t wins[DBATCH]; /* BoSC: the windows as calls, for alarms */
	unsigned lfc = ds->lfc, pos = ds->pos, ecalls = ds->epoch_calls, emis = ds->epoch_mis;
	/* BoSC, k <= 6, full windows: the bag is slid packed (bag_swap_packed) and the state's
	 * sorted bag written back at the end */
	const bool swar = bosc && k <= 6;
	const struct bag_lanes lanes = bag_lanes_of(swar ? k : 0);
	size_t i = 0, alarms = 0;

	for (; i < n && c + 1 < k; i++, c++) { /* the first calls of a stream: no window yet */
		unsigned sym = sym_clamp(syms[i]);
		if (bosc) {
			bag_slide(ds->bag, (unsigned)c, k, 0, sym);
			if (++ecalls == frame) /* the epoch counts calls, windows or not */
				ecalls = emis = 0;
		}
		roll = ((roll << SYM_BITS) | sym) & kmask;
	}
	if (bosc && c >= k)
		last = (uint64_t)bag_pack(ds->bag, k);
	while (i < n) {
		size_t nk = MIN(n - i, (size_t)DBATCH), first = i;

		for (size_t j = 0; j < nk; j++, c++) {
			unsigned sym = sym_clamp(syms[i + j]);
			/* k >= 1: engine_new refuses k == 0 */
			// NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult)
			unsigned out = (unsigned)(roll >> (SYM_BITS * (k - 1))) & SYM_MASK;
			uint64_t key;

			roll = ((roll << SYM_BITS) | sym) & kmask;
			if (!bosc) {
				key = roll;
			} else if (_likely_(c >= k && swar)) {
				if (out != sym) /* else the same bag */
					last = bag_swap_packed(&lanes, last, out, sym);
				key = last;
			} else if (c < k || out != sym) {
				bag_slide(ds->bag, c < k ? (unsigned)c : k, k, out, sym);
				key = last = (uint64_t)bag_pack(ds->bag, k);
			} else {
				key = last; /* the same bag */
			}
			if (bosc)
				wins[j] = roll;
			keys[j] = key | used;
			h[j] = key * mul + hadd;
			__builtin_prefetch(&tk[h[j] >> shift]);
		}
		i += nk;
		for (size_t j = 0; j < nk; j++) {
			uint64_t key = keys[j], at = h[j] >> shift, v;
			unsigned score, wt = 2;
			bool mis;

			while ((v = tk[at]) != key && v)
				at = (at + 1) & tmask;
			mis = !v;

			if (bosc) {
				emis += mis;
				score = emis;
				if (++ecalls == frame)
					ecalls = emis = 0;
			} else {
				uint64_t *w = &ds->bits[pos / 64], bit = 1ull << (pos % 64);
				uint64_t *hw = &ds->bits[det_words(frame) + pos / 64];
				/* the frame ring, in halves (frame_count): the window `frame` ago
				 * leaves, this one comes */
				if (_unlikely_(mis || (*w & bit))) {
					wt = mis ? weight_of(e, db, d, ds, keys[j] & kmask) : 0;
					if (*w & bit)
						lfc -= (*hw & bit) ? 1 : 2;
					lfc += wt;
					*w = wt ? (*w | bit) : (*w & ~bit);
					*hw = wt == 1 ? (*hw | bit) : (*hw & ~bit);
				}
				if (++pos == frame)
					pos = 0;
				score = lfc / 2;
			}
			if (_likely_(!mis))
				continue;
			alarms += batch_alarm(e, d, score, thr, wt, sym_clamp(syms[first + j]),
					      bosc ? wins[j] : keys[j] & kmask, first + j, cb, ud);
		}
	}
	if (swar && c >= k)
		bag_unpack(ds->bag, last, k);
	ds->lfc = (uint16_t)lfc;
	ds->pos = pos;
	ds->epoch_calls = (uint16_t)ecalls;
	ds->epoch_mis = (uint16_t)emis;
	/* The state keeps the last CIDS_MAX_K calls, as the call-by-call path does. */
	for (i = n > CIDS_MAX_K ? n - CIDS_MAX_K : 0; i < n; i++)
		ds->roll = ((ds->roll << SYM_BITS) | sym_clamp(syms[i])) & key_mask(CIDS_MAX_K);
	ds->n += n;
	return alarms;
}

/* engine_detect_many for k > 7: the call-by-call rules, BATCH keys prefetched. */
static size_t detect_generic(const struct cids_engine *e, const struct db *db, struct det_state *ds,
			     const uint16_t *syms, size_t n, const struct cids_detector *d,
			     engine_alarm_cb cb, void *ud)
{
	const unsigned k = d->k, thr = d->threshold ? d->threshold : 1;
	const u128 kmask = key_mask(k);
	u128 keys[BATCH], rolls[BATCH];
	uint64_t h[BATCH];
	bool full[BATCH];
	size_t alarms = 0;

	for (size_t i = 0; i < n;) {
		size_t first = i;
		unsigned nk = 0;

		/* Slide the window over up to BATCH calls, prefetching each key's slot. */
		for (; i < n && nk < BATCH; i++, nk++) {
			unsigned sym = sym_clamp(syms[i]);
			u128 old = ds->roll;
			uint64_t c = ds->n++;

			ds->roll = ((old << SYM_BITS) | sym) & key_mask(CIDS_MAX_K);
			rolls[nk] = ds->roll;
			if (db->bag_slot >= 0 && (c < k || roll_sym(old, k - 1) != sym))
				bag_slide(ds->bag, c < k ? (unsigned)c : k, k, roll_sym(old, k - 1),
					  sym);
			full[nk] = c + 1 >= k;
			if (!full[nk])
				continue;
			keys[nk] = db->bag_slot >= 0 ? bag_pack(ds->bag, k) : ds->roll & kmask;
			h[nk] = table_hash_key(&db->t, keys[nk]);
			table_prefetch(&db->t, h[nk]);
		}
		/* Judge them in order. */
		for (unsigned j = 0; j < nk; j++) {
			bool mis = full[j] && table_find_h(&db->t, keys[j], h[j]) < 0;
			unsigned score, wt = mis ? weight_of(e, db, d, ds, rolls[j]) : 0;

			score = frame_count(ds, db->bag_slot >= 0, full[j], wt);
			if (!mis)
				continue;
			alarms += batch_alarm(e, d, score, thr, wt, roll_sym(rolls[j], 0),
					      rolls[j] & kmask, first + j, cb, ud);
		}
	}
	return alarms;
}

int engine_detect_many(struct cids_engine *e, uint64_t stream, const uint16_t *syms, size_t n,
		       const struct cids_detector *d, engine_alarm_cb cb, void *ud)
{
	struct det_state *ds;
	const struct db *db;
	size_t alarms;
	int idx, r;

	if (n && !syms)
		return -EINVAL;
	r = det_begin(e, stream, d, &ds, &idx);
	if (r < 0)
		return r;
	db = &e->db[idx];
	ds->can_undo = false; /* engine_detect_undo takes back engine_detect's call only */
	ds->blocked = false;
	if (db->t.narrow && db->bag_slot < 0)
		alarms = detect_narrow_t(e, db, ds, syms, n, d, cb, ud, false);
	else if (db->t.narrow)
		alarms = detect_narrow_t(e, db, ds, syms, n, d, cb, ud, true);
	else
		alarms = detect_generic(e, db, ds, syms, n, d, cb, ud);
	return alarms > INT_MAX ? INT_MAX : (int)alarms;
}
