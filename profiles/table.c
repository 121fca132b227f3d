/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>

#include "table.h"

static uint64_t table_seed(void)
{
	uint64_t s = 0;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s)) {
		/* No entropy yet (early boot): the table still works, only less hardened. */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		s = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)ts.tv_sec ^
		    (uint64_t)(uintptr_t)&s;
	}
	return s;
}

/* Smallest power-of-two capacity that holds n entries at <= 3/4 load. */
static uint64_t cap_for(uint64_t n)
{
	uint64_t cap = TABLE_MIN_CAP;

	while (cap / 4 * 3 < n)
		cap <<= 1;
	return cap;
}

/* Zeroed memory for a table. Big tables ask for transparent huge pages: a probe is a random
 * access, and with 4 KiB pages most of them would also miss the TLB. */
static void *table_calloc(size_t n, size_t size)
{
	const size_t huge = 2u << 20;
	size_t bytes = n * size;
	void *p = NULL;

	if (bytes < huge)
		return calloc(n, size);
	if (posix_memalign(&p, huge, bytes) != 0)
		return NULL;
	(void)madvise(p, bytes, MADV_HUGEPAGE); /* a hint; fine to fail */
	memset(p, 0, bytes);
	return p;
}

/* Room for a table of cap slots in place of the current one (old_cap, 0 = none)? */
static bool table_fits(const struct table *t, uint64_t old_cap, uint64_t cap)
{
	if (!t->acct || !t->acct_max || !*t->acct_max)
		return true;
	return *t->acct - table_bytes_for(t->narrow, old_cap) + table_bytes_for(t->narrow, cap) <=
	       *t->acct_max;
}

static int table_alloc(struct table *t, uint64_t cap)
{
	struct table_slot *slots = NULL;
	uint64_t *keys = NULL;
	uint32_t *counts = table_calloc(cap, sizeof(*counts));

	if (t->narrow)
		keys = table_calloc(cap, sizeof(*keys));
	else
		slots = table_calloc(cap, sizeof(*slots));
	if (!counts || (!keys && !slots)) {
		free(slots);
		free(keys);
		free(counts);
		return -ENOMEM;
	}
	t->slots = slots;
	t->keys = keys;
	t->counts = counts;
	if (t->acct)
		*t->acct += table_bytes_for(t->narrow, cap);
	t->mask = cap - 1;
	t->shift = (unsigned)__builtin_clzll(cap) + 1; /* cap is a power of two >= 1024 */
	t->grow_at = cap / 4 * 3;
	return 0;
}

int table_init(struct table *t, uint64_t max, uint64_t expect, bool narrow)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
	t->narrow = narrow;
	t->seed = table_seed();
	t->mul_lo = mix64(t->seed) | 1;
	t->mul_hi = mix64(t->seed + 0x9e3779b97f4a7c15ull) | 1;
	return table_alloc(t, cap_for(expect < max ? expect : max));
}

void table_done(struct table *t)
{
	if (t->acct && (t->slots || t->keys))
		*t->acct -= table_bytes_for(t->narrow, t->mask + 1);
	free(t->slots);
	free(t->keys);
	free(t->counts);
	t->slots = NULL;
	t->keys = NULL;
	t->counts = NULL;
}

/* The empty slot where a key with hash h goes in a table being filled (no duplicates). */
static uint64_t free_slot(const struct table *t, uint64_t h)
{
	uint64_t j = table_home(t, h);

	while (table_slot_used(t, j))
		j = (j + 1) & t->mask;
	return j;
}

static void put_slot(struct table *t, uint64_t j, uint64_t lo, uint64_t hi)
{
	if (t->narrow)
		t->keys[j] = lo | (1ull << 63);
	else
		t->slots[j] = (struct table_slot){lo, hi};
}

static int table_rehash(struct table *t, uint64_t cap)
{
	struct table old = *t;
	int r;

	if (!table_fits(t, t->mask + 1, cap))
		return -ENOSPC;
	r = table_alloc(t, cap);
	if (r < 0)
		return r;
	for (uint64_t i = 0; i <= old.mask; i++) {
		if (!table_slot_used(&old, i))
			continue;
		u128 key = table_key_at(&old, i);
		uint64_t lo = (uint64_t)key, hi = (uint64_t)(key >> 64) | (1ull << 63);
		uint64_t j = free_slot(t, table_hash(t, lo, hi));
		put_slot(t, j, lo, hi);
		t->counts[j] = old.counts[i];
	}
	table_done(&old);
	return 0;
}

int table_reserve(struct table *t, uint64_t n)
{
	uint64_t want = t->size + n;

	if (want > t->max)
		want = t->max;
	if (want <= t->grow_at)
		return 0;
	return table_rehash(t, cap_for(want));
}

int table_insert_new(struct table *t, uint64_t i, uint64_t lo, uint64_t hi, uint32_t count,
		     uint64_t *ret_slot)
{
	if (t->size >= t->max)
		return -ENOSPC;
	if (t->size + 1 > t->grow_at) {
		int r = table_rehash(t, (t->mask + 1) * 2);
		if (r < 0)
			return r;
		i = free_slot(t, table_hash(t, lo, hi));
	}
	put_slot(t, i, lo, hi);
	t->counts[i] = count;
	t->size++;
	t->total += count;
	*ret_slot = i;
	return 1;
}
