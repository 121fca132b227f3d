/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to profiles/: the window database. An open-addressing hash table (linear probing) of
 * packed windows with a uint32 count per entry. A key is up to CIDS_MAX_K symbols of 9 bits
 * (126 bits). Tables of k <= 7 are "narrow": a window fits 63 bits and a slot is one uint64_t;
 * wider ones use two. The top bit is set in every stored key, so an all-zero slot is empty and
 * a window of k syscall-0 calls is still a valid key. Narrow slots halve the memory a probe
 * walks, which is what learning and detection wait on. The table grows by doubling at 3/4 load
 * and never holds more than `max` entries. The hash is seeded per table from getrandom(), so a
 * traced program cannot aim windows at one probe chain (table_hash).
 */
#ifndef CIDS_TABLE_H
#define CIDS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef unsigned __int128 u128;

#define TABLE_USED    ((u128)1 << 127)
#define TABLE_MIN_CAP 1024u

struct table_slot {
	uint64_t lo, hi; /* hi has bit 63 set when used */
};

struct table {
	struct table_slot *slots; /* wide tables */
	uint64_t *keys;		  /* narrow tables: the key | 1 << 63 */
	uint32_t *counts;
	bool narrow;
	uint64_t mask;	  /* capacity - 1 */
	uint64_t size;	  /* entries */
	uint64_t grow_at; /* grow when size reaches this */
	uint64_t max;	  /* hard cap on entries */
	uint64_t total;	  /* sum of counts */
	uint64_t seed;
	uint64_t mul_lo, mul_hi; /* table_hash's multipliers (odd), from seed */
	unsigned shift;		 /* 64 - log2(capacity) */
	/* Memory accounting shared by an engine's tables (NULL: none): *acct holds the bytes of
	 * every table, and a growth that would take it past a non-zero *acct_max fails -ENOSPC
	 * (the table is full, as at `max`). */
	uint64_t *acct;
	const uint64_t *acct_max;
};

/* Bytes of a table of capacity cap. */
static inline uint64_t table_bytes_for(bool narrow, uint64_t cap)
{
	return cap * ((narrow ? sizeof(uint64_t) : sizeof(struct table_slot)) + sizeof(uint32_t));
}

int table_init(struct table *t, uint64_t max, uint64_t expect, bool narrow);
void table_done(struct table *t);

/* Slow path of table_add: a new entry at empty slot i (from the probe); *ret_slot is where it
 * ended up (the table may have grown). */
int table_insert_new(struct table *t, uint64_t i, uint64_t lo, uint64_t hi, uint32_t count,
		     uint64_t *ret_slot);
/* Reserve room for n more entries (one rehash instead of several). */
int table_reserve(struct table *t, uint64_t n);

/* splitmix64's finaliser: every input bit moves every output bit */
static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* Multiply-shift hashing (Dietzfelbinger et al.): the key times random odd multipliers, whose
 * top bits (table_home) pick the home slot. One multiply per word instead of mix64's two and
 * its shifts, which measured 1.3-1.5x faster on ADFA-LD; a random multiplier per table keeps
 * the family universal, so a traced program still cannot aim windows at one probe chain. */
static inline uint64_t table_hash(const struct table *t, uint64_t lo, uint64_t hi)
{
	return lo * t->mul_lo + hi * t->mul_hi;
}

static inline uint64_t table_hash_key(const struct table *t, u128 key)
{
	return table_hash(t, (uint64_t)key, (uint64_t)(key >> 64) | (1ull << 63));
}

/* The home slot of a hash: its top bits. */
static inline uint64_t table_home(const struct table *t, uint64_t h)
{
	return h >> t->shift;
}

/* Start loading the home slot of a hash (batch paths hide the cache miss this way). */
static inline void table_prefetch(const struct table *t, uint64_t h)
{
	if (t->narrow)
		__builtin_prefetch(&t->keys[table_home(t, h)]);
	else
		__builtin_prefetch(&t->slots[table_home(t, h)]);
}

/* The same, and the count that learning will write. */
static inline void table_prefetch_rw(const struct table *t, uint64_t h)
{
	table_prefetch(t, h);
	__builtin_prefetch(&t->counts[table_home(t, h)], 1);
}

/* Probe for a narrow key (with its top bit set): its slot, or the empty slot that ends the
 * chain as -1 - slot. */
static inline int64_t table_probe_narrow(const struct table *t, uint64_t key, uint64_t h)
{
	for (uint64_t i = table_home(t, h);; i = (i + 1) & t->mask) {
		uint64_t s = t->keys[i];
		if (s == key)
			return (int64_t)i;
		if (!s)
			return -1 - (int64_t)i;
	}
}

/* Slot index of key with hash h (table_hash_key), or -1 when absent. */
static inline int64_t table_find_h(const struct table *t, u128 key, uint64_t h)
{
	uint64_t lo = (uint64_t)key, hi = (uint64_t)(key >> 64) | (1ull << 63);
	uint64_t i = table_home(t, h);

	if (t->narrow) {
		int64_t at = table_probe_narrow(t, lo | (1ull << 63), h);
		return at < 0 ? -1 : at;
	}

	for (;;) {
		const struct table_slot *s = &t->slots[i];
		if (s->lo == lo && s->hi == hi)
			return (int64_t)i;
		if (!s->hi)
			return -1;
		i = (i + 1) & t->mask;
	}
}

/* Slot index of key, or -1 when absent. key must not carry TABLE_USED (added here). */
static inline int64_t table_find(const struct table *t, u128 key)
{
	return table_find_h(t, key, table_hash_key(t, key));
}

/* Add `count` sightings of key (hash h): 1 new entry, 0 known (count added, saturating),
 * -ENOSPC when the key is new and the table holds `max` entries, -ENOMEM. *ret_slot is the
 * entry's slot, valid until the table grows (its mask changes); entries never move otherwise. */
static inline int table_add_hs(struct table *t, u128 key, uint64_t h, uint32_t count,
			       uint64_t *ret_slot)
{
	uint64_t lo = (uint64_t)key, hi = (uint64_t)(key >> 64) | (1ull << 63);
	uint64_t i = table_home(t, h);

	if (t->narrow) {
		int64_t at = table_probe_narrow(t, lo | (1ull << 63), h);
		if (at < 0)
			return table_insert_new(t, (uint64_t)(-1 - at), lo, hi, count, ret_slot);
		i = (uint64_t)at;
	} else {
		for (;; i = (i + 1) & t->mask) {
			const struct table_slot *s = &t->slots[i];
			if (s->lo == lo && s->hi == hi)
				break;
			if (!s->hi)
				return table_insert_new(t, i, lo, hi, count, ret_slot);
		}
	}
	uint32_t c = t->counts[i];
	t->counts[i] = c + count < c ? UINT32_MAX : c + count;
	t->total += count;
	*ret_slot = i;
	return 0;
}

static inline int table_add_h(struct table *t, u128 key, uint64_t h, uint32_t count)
{
	uint64_t slot;
	return table_add_hs(t, key, h, count, &slot);
}

static inline int table_add(struct table *t, u128 key, uint32_t count)
{
	return table_add_h(t, key, table_hash_key(t, key), count);
}

static inline uint32_t table_count(const struct table *t, u128 key)
{
	int64_t i = table_find(t, key);
	return i < 0 ? 0 : t->counts[i];
}

static inline u128 table_key_at(const struct table *t, uint64_t i)
{
	if (t->narrow)
		return t->keys[i] & ~(1ull << 63);
	return ((u128)(t->slots[i].hi & ~(1ull << 63)) << 64) | t->slots[i].lo;
}

static inline bool table_slot_used(const struct table *t, uint64_t i)
{
	return t->narrow ? t->keys[i] != 0 : t->slots[i].hi != 0;
}

#endif
