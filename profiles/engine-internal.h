/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to profiles/: the engine's state, shared by engine.c (learning, streams, steady
 * state), detect.c (detection, scores) and profile.c (files).
 */
#ifndef CIDS_ENGINE_INTERNAL_H
#define CIDS_ENGINE_INTERNAL_H

#include "cids/engine.h"
#include "cids/macro.h"
#include "table.h"

#define SYM_BITS	       9
#define STEADY_MAX_SAMPLES     (1ull << 52)
#define ENGINE_MAX_INTERVAL    1e9 /* seconds or calls between samples */
#define ENGINE_MAX_CONSECUTIVE 10000
#define SYM_MASK	       0x1ffu

struct det_state;

#define DET_RECENT	16 /* mismatching windows remembered (CIDS_DET_REPEATS_ONCE) */
#define DET_RECENT_USED ((u128)1 << 127)

/* One stream (thread, process, container, trace file). */
struct stream {
	uint64_t id;
	uint64_t n;		/* calls pushed into the learning window */
	u128 roll;		/* the last CIDS_MAX_K calls, newest in the low 9 bits */
	struct det_state **det; /* per database, allocated on the first engine_detect */
	uint16_t bags[];	/* per BoSC database: its window sorted (first min(n, k) used) */
};

/* Detection state of one stream against one database. */
struct det_state {
	uint8_t algo, k;
	uint16_t frame, threshold;
	uint16_t lfc;	      /* STIDE: mismatching windows among the last `frame`, in halves */
	uint16_t epoch_calls; /* BoSC: calls in the current epoch */
	uint16_t epoch_mis;   /* BoSC: mismatching bags in the current epoch */
	uint32_t pos;	      /* STIDE: next bit of the frame ring */
	uint64_t n;	      /* calls pushed into this window */
	u128 roll;
	u128 prev_roll; /* the window before the last call (engine_detect_undo) */
	bool can_undo;
	bool blocked; /* engine_detect_undo was asked for the last call */
	uint16_t bag[CIDS_MAX_K];
	uint8_t recent_pos;
	u128 recent[DET_RECENT];	  /* last mismatching STIDE windows, | DET_RECENT_USED */
	uint8_t rep_pos;		  /* next slot of rep_w */
	uint8_t rep_w[CIDS_REPORTED_MAX]; /* engine_detect_reported: weights (halves), newest at
					   * rep_pos - 1 */
	uint64_t bits[]; /* STIDE: frame ring, one bit per window (counted), then one per window
			  * (counted as a half: CIDS_DET_NEAR_WINDOWS) */
};

struct db {
	struct cids_db_id id;
	struct table t;
	int bag_slot; /* BoSC: index into stream->bags / CIDS_MAX_K; -1 for STIDE */
	struct cids_steady steady;
	struct cids_growth_point *growth;
	size_t ngrowth, growth_alloc;
	uint64_t last_size;  /* size at the last boundary */
	uint64_t grow_calls; /* total_calls at the last boundary where the database had grown */
	bool full_reported;
};

struct stream_map {
	uint64_t *ids;
	struct stream **s; /* NULL = empty slot */
	uint64_t mask, size;
};

struct cids_engine {
	struct cids_engine_config c;
	uint64_t bytes; /* memory of every table (for max_bytes) */
	struct db db[CIDS_MAX_DBS];
	unsigned nbags;	   /* BoSC databases (bag slots per stream) */
	uint64_t nsamples; /* interval boundaries sampled (may exceed a growth curve's length) */
	double next_t;	   /* time of the next sample boundary (nsamples + 1) * interval */
	double elapsed;	   /* learning time of the last call or tick */
	uint64_t total_calls;
	uint64_t sym_counts[CIDS_NSYM];
	struct stream_map streams;
	uint64_t stream_seed;
	uint64_t last_id; /* one-entry cache of the last stream used */
	struct stream *last;
};

static inline u128 key_mask(unsigned k)
{
	return k >= 14 ? (((u128)1 << (SYM_BITS * 14)) - 1) : (((u128)1 << (SYM_BITS * k)) - 1);
}

static inline unsigned roll_sym(u128 roll, unsigned age)
{
	/* age < k <= CIDS_MAX_K: engine_new refuses k == 0 */
	// NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult)
	return (unsigned)(roll >> (SYM_BITS * age)) & SYM_MASK;
}

/* Pack a sorted bag of k symbols: first (smallest) in the highest position. */
static inline u128 bag_pack(const uint16_t *bag, unsigned k)
{
	uint64_t lo = 0;
	unsigned i = 0;

	if (k <= 7) {
		for (; i < k; i++)
			lo = lo << SYM_BITS | bag[i];
		return lo;
	}
	u128 key = 0;
	for (; i < k; i++)
		key = key << SYM_BITS | bag[i];
	return key;
}

/* Slide a sorted bag of n (< k: grows, == k: full) symbols: drop `old` when full, add `nw`.
 * (A branch-free version, ranks by counting and selects, measured slower on ADFA-LD, whose
 * repetitive traces keep these branches well predicted.) */
static inline void bag_slide(uint16_t *bag, unsigned n, unsigned k, unsigned old, unsigned nw)
{
	unsigned i;

	if (n >= k) {
		/* old is in the bag: its slot moves towards where nw belongs */
		for (i = 0; i < k && bag[i] != old; i++)
			;
		if (nw >= old)
			for (; i + 1 < k && bag[i + 1] < nw; i++)
				bag[i] = bag[i + 1];
		else
			for (; i > 0 && bag[i - 1] > nw; i--)
				bag[i] = bag[i - 1];
		bag[i] = (uint16_t)nw;
		return;
	}
	for (i = n; i > 0 && bag[i - 1] > nw; i--)
		bag[i] = bag[i - 1];
	bag[i] = (uint16_t)nw;
}

/*
 * BoSC, k <= 6: the packed sorted bag (bag_pack) with one of its calls, `out`, replaced by `in`,
 * computed on the packed word (what bag_slide + bag_pack give, without their branches). Fields
 * are 9 bits, the smallest call in the highest field, so the fields >= a call x are the lowest
 * ones, a run from shift 0 up. They are found in parallel: the even fields (shifts 0, 18, 36)
 * and the odd ones (9, 27, 45) each sit in 18-bit lanes with a guard bit at bit 9 of the lane;
 * subtracting x from every lane leaves that bit set where the field is >= x (512 + f - x never
 * borrows from the next lane). Put back at the fields' shifts, that is F = the sum of 2^9i for
 * the fields i >= x, and F * 511 = 2^(9(m+1)) - 1 for the highest of them, m: the mask of the
 * run, with no bit scan and no variable shift. `out` leaves from the top of its run (its first
 * place; the fields above move down one place), and `in` goes in on top of its run once out
 * has left (the fields above move up one). Ties do not matter: equal calls pack the same.
 */
#define BAG_LANES 0x0000001000040001ull /* bit 0 of each 18-bit lane */
#define BAG_GUARD (BAG_LANES << 9)
#define BAG_EVEN  (BAG_LANES * SYM_MASK)

struct bag_lanes {
	uint64_t guard_e, guard_o; /* the guard bits of the lanes that hold one of the k fields */
};

static inline struct bag_lanes bag_lanes_of(unsigned k)
{
	struct bag_lanes l = {0, 0};

	for (unsigned f = 0; f < k; f++) /* field f at shift 9f: lane f / 2 of the even or odd */
		*(f % 2 ? &l.guard_o : &l.guard_e) |= 0x200ull << (18 * (f / 2));
	return l;
}

/* Bit 9i set for each field i >= x (a run from field 0 up). */
static inline uint64_t bag_fields_ge(const struct bag_lanes *l, uint64_t eg, uint64_t og,
				     unsigned x)
{
	uint64_t xs = x * BAG_LANES;

	return (((eg - xs) & l->guard_e) >> SYM_BITS) | ((og - xs) & l->guard_o);
}

static inline uint64_t bag_swap_packed(const struct bag_lanes *l, uint64_t p, unsigned out,
				       unsigned in)
{
	uint64_t eg = (p & BAG_EVEN) | BAG_GUARD, og = ((p >> SYM_BITS) & BAG_EVEN) | BAG_GUARD;
	/* out is in the bag: its run ends at out; below out's field */
	uint64_t ma = (bag_fields_ge(l, eg, og, out) * SYM_MASK) >> SYM_BITS;
	/* in's run: when in > out it ends above out's field, which has left: one field lower */
	uint64_t mi = bag_fields_ge(l, eg, og, in) * SYM_MASK, mb = in > out ? mi : mi >> SYM_BITS;
	uint64_t r = ((p >> SYM_BITS) & ~ma) | (p & ma);

	return ((r & ~mb) << SYM_BITS) | ((uint64_t)in * (mb + 1)) | (r & mb);
}

/* The sorted bag of a packed one (bag_pack's inverse). */
static inline void bag_unpack(uint16_t *bag, uint64_t p, unsigned k)
{
	for (unsigned i = 0; i < k; i++)
		bag[i] = (uint16_t)((p >> (SYM_BITS * (k - 1 - i))) & SYM_MASK);
}

/* Symbols the engine stores: a caller's start symbol (or anything past it) is "other". */
static inline unsigned sym_clamp(unsigned sym)
{
	return sym >= CIDS_SYM_START ? CIDS_SYM_OTHER : sym;
}

/* The window of a fresh stream: CIDS_MAX_K start symbols (start_pad) or nothing. */
static inline u128 start_roll(void)
{
	u128 r = 0;

	for (unsigned i = 0; i < CIDS_MAX_K; i++)
		r = r << SYM_BITS | CIDS_SYM_START;
	return r;
}

/* Sort the last min(n, k) calls of roll into bag. */
void bag_rebuild(uint16_t *bag, u128 roll, uint64_t n, unsigned k);

struct stream *engine_stream_get(struct cids_engine *e, uint64_t id, int *ret_err);

/* The same, with the one-entry cache checked inline (consecutive calls of one stream). */
static inline struct stream *stream_get(struct cids_engine *e, uint64_t id, int *ret_err)
{
	if (e->last && e->last_id == id)
		return e->last;
	return engine_stream_get(e, id, ret_err);
}
/* Key of the window, in the db's format, from raw syms oldest first (BoSC sorts a copy). */
u128 engine_key_of(const struct db *d, const uint16_t *syms, unsigned k);
void engine_unpack(u128 key, unsigned k, uint16_t *syms);
/* steady.c: sample every interval boundary before now (inclusive: up to and including now). */
void steady_sample_upto(struct cids_engine *e, double now, bool inclusive);
/* Replace the steady sampler of a decoded engine (profile.c). */
void engine_sampler_restore(struct cids_engine *e);

#endif
