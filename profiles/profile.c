/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Profile files. Little-endian binary:
 *
 *   header   magic "CIDSPRF\0" | u32 version | u32 header length (32) | u64 file length |
 *            u32 sections | u32 0
 *   sections u32 type | u32 0 | u64 payload length | payload
 *              1 config      arch, seq, clock, ndbs, dbs[16], interval, sigma, consecutive,
 *                            max_entries, max_streams, flags (version 2: bit 0 start_pad;
 *                            version 1 wrote 0 there, so its profiles load unpadded)
 *              2 provenance  key, source (u32 length + bytes), created, updated, sessions
 *              3 stats       elapsed, samples taken, total calls, calls per symbol [512]
 *              4 database    one per configured database, in order: id, steady result,
 *                            sampler state, entries (u64 lo, u64 hi, u32 count; written in
 *                            key order, read in any), growth curve
 *   trailer  u64 checksum of every byte before it
 *
 * Every length is checked against what is left of the buffer and against the engine's caps
 * before anything is allocated; the decoded engine is checked for consistency (keys fit k,
 * bags sorted, no duplicates, counts add up), so a decoded profile is as sound as a learned one.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cids/macro.h"
#include "cids/profile.h"
#include "cids/util.h"
#include "engine-internal.h"

#define HEADER_LEN  32u
#define TRAILER_LEN 8u
#define SECTION_HDR 16u
#define ENTRY_LEN   20u
#define GROWTH_LEN  25u
#define CONFIG_LEN  80u
#define STATS_LEN   (24u + 8u * CIDS_NSYM)
#define DB_HDR_LEN  64u

#define CONFIG_START_PAD 1u /* config flags */

#ifdef CIDS_FUZZ
#define FUZZING 1
#else
#define FUZZING 0
#endif

enum {
	SEC_CONFIG = 1,
	SEC_PROVENANCE = 2,
	SEC_STATS = 3,
	SEC_DB = 4,
};

/* --- checksum: 64-bit, word at a time, not cryptographic (detects corruption) --- */

static inline uint64_t rotl64(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

uint64_t profile_checksum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t h = 0x243f6a8885a308d3ull ^ ((uint64_t)len * 0x9e3779b97f4a7c15ull), w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h ^= le64toh(w) * 0x87c37b91114253d5ull;
		h = rotl64(h, 31) * 0x4cf5ad432745937full;
	}
	w = 0;
	for (unsigned s = 0; i < len; i++, s += 8)
		w |= (uint64_t)p[i] << s;
	h ^= w * 0x87c37b91114253d5ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/* --- writer --- */

struct wbuf {
	uint8_t *p;
	size_t off;
};

static void put(struct wbuf *w, const void *v, size_t n)
{
	memcpy(w->p + w->off, v, n);
	w->off += n;
}

static void put_u8(struct wbuf *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put_u32(struct wbuf *w, uint32_t v)
{
	v = htole32(v);
	put(w, &v, 4);
}

static void put_u64(struct wbuf *w, uint64_t v)
{
	v = htole64(v);
	put(w, &v, 8);
}

static void put_f64(struct wbuf *w, double d)
{
	uint64_t v;

	memcpy(&v, &d, 8);
	put_u64(w, v);
}

static void put_section(struct wbuf *w, uint32_t type, uint64_t len)
{
	put_u32(w, type);
	put_u32(w, 0);
	put_u64(w, len);
}

static size_t prov_len(const char *key, const char *src)
{
	return 4 + strlen(key) + 4 + strlen(src) + 8 + 8 + 4;
}

static int slot_cmp(const void *a, const void *b, void *ud)
{
	const struct table *t = ud;
	u128 x = table_key_at(t, *(const uint64_t *)a), y = table_key_at(t, *(const uint64_t *)b);

	return x < y ? -1 : x > y;
}

/* One database's section. */
static int put_db(struct wbuf *w, const struct db *d)
{
	put_section(w, SEC_DB, DB_HDR_LEN + d->t.size * ENTRY_LEN + d->ngrowth * GROWTH_LEN);
	put_u8(w, d->id.algo);
	put_u8(w, d->id.k);
	put_u8(w, d->steady.steady);
	put_u8(w, d->steady.full);
	put_u32(w, d->steady.run);
	put_f64(w, d->steady.t_max);
	put_u64(w, d->steady.size);
	put_u64(w, d->last_size);
	put_u64(w, d->t.total);
	put_u64(w, d->t.size);
	put_u64(w, d->ngrowth);
	put_u64(w, 0);
	/* entries in key order: the same content is always the same bytes, whatever the
	 * table's seed and history (profile export/import round trips, digests) */
	uint64_t *slots = d->t.size ? malloc(d->t.size * sizeof(*slots)) : NULL;
	uint64_t ns = 0;
	if (d->t.size && !slots)
		return -ENOMEM;
	for (uint64_t j = 0; slots && j <= d->t.mask; j++) /* an empty table has no used slot */
		if (table_slot_used(&d->t, j))
			slots[ns++] = j;
	if (ns)
		qsort_r(slots, ns, sizeof(*slots), slot_cmp, (void *)&d->t);
	for (uint64_t j = 0; j < ns; j++) {
		u128 k = table_key_at(&d->t, slots[j]);
		put_u64(w, (uint64_t)k);
		put_u64(w, (uint64_t)(k >> 64));
		put_u32(w, d->t.counts[slots[j]]);
	}
	free(slots);
	for (size_t j = 0; j < d->ngrowth; j++) {
		put_f64(w, d->growth[j].t);
		put_u64(w, d->growth[j].size);
		put_f64(w, d->growth[j].slope);
		put_u8(w, d->growth[j].below);
	}
	return 0;
}

int profile_encode(const struct cids_engine *e, const struct cids_provenance *p, void **ret_buf,
		   size_t *ret_len)
{
	static const struct cids_provenance none = {};
	const char *key, *src;
	struct wbuf w = {};
	size_t len;

	if (!e || !ret_buf || !ret_len)
		return -EINVAL;
	if (!p)
		p = &none;
	key = p->key;
	src = p->source;
	if (strnlen(key, sizeof(p->key)) >= sizeof(p->key) ||
	    strnlen(src, sizeof(p->source)) >= sizeof(p->source))
		return -EINVAL;

	len = HEADER_LEN + SECTION_HDR + CONFIG_LEN + SECTION_HDR + prov_len(key, src) +
	      SECTION_HDR + STATS_LEN;
	for (unsigned i = 0; i < e->c.ndbs; i++)
		len += SECTION_HDR + DB_HDR_LEN + e->db[i].t.size * ENTRY_LEN +
		       e->db[i].ngrowth * GROWTH_LEN;
	len += TRAILER_LEN;
	if (len > PROFILE_MAX_SIZE)
		return -EFBIG;
	w.p = malloc(len);
	if (!w.p)
		return -ENOMEM;

	put(&w, PROFILE_MAGIC, 8);
	put_u32(&w, PROFILE_VERSION);
	put_u32(&w, HEADER_LEN);
	put_u64(&w, len);
	put_u32(&w, 3 + e->c.ndbs);
	put_u32(&w, 0);

	put_section(&w, SEC_CONFIG, CONFIG_LEN);
	put_u32(&w, e->c.arch);
	put_u32(&w, e->c.seq);
	put_u32(&w, e->c.clock);
	put_u32(&w, e->c.ndbs);
	for (unsigned i = 0; i < CIDS_MAX_DBS; i++) {
		put_u8(&w, i < e->c.ndbs ? e->c.dbs[i].algo : 0);
		put_u8(&w, i < e->c.ndbs ? e->c.dbs[i].k : 0);
	}
	put_f64(&w, e->c.interval);
	put_f64(&w, e->c.sigma);
	put_u32(&w, e->c.consecutive);
	put_u32(&w, e->c.max_entries);
	put_u32(&w, e->c.max_streams);
	put_u32(&w, e->c.start_pad ? CONFIG_START_PAD : 0);

	put_section(&w, SEC_PROVENANCE, prov_len(key, src));
	put_u32(&w, (uint32_t)strlen(key));
	put(&w, key, strlen(key));
	put_u32(&w, (uint32_t)strlen(src));
	put(&w, src, strlen(src));
	put_u64(&w, (uint64_t)p->created);
	put_u64(&w, (uint64_t)p->updated);
	put_u32(&w, p->sessions);

	put_section(&w, SEC_STATS, STATS_LEN);
	put_f64(&w, e->elapsed);
	put_u64(&w, e->nsamples);
	put_u64(&w, e->total_calls);
	for (unsigned i = 0; i < CIDS_NSYM; i++)
		put_u64(&w, e->sym_counts[i]);

	for (unsigned i = 0; i < e->c.ndbs; i++) {
		if (put_db(&w, &e->db[i]) < 0) {
			free(w.p);
			return -ENOMEM;
		}
	}
	put_u64(&w, profile_checksum(w.p, w.off));

	if (w.off != len) { /* cannot happen: the sizes above and the writes agree */
		free(w.p);
		return -EINVAL;
	}
	*ret_buf = w.p;
	*ret_len = len;
	return 0;
}

/* --- reader --- */

struct rbuf {
	const uint8_t *p;
	size_t off, end; /* end: limit of the current section */
	bool bad;
};

static const void *get(struct rbuf *r, size_t n)
{
	const void *v;

	if (r->bad || n > r->end - r->off) {
		r->bad = true;
		return NULL;
	}
	v = r->p + r->off;
	r->off += n;
	return v;
}

static uint8_t get_u8(struct rbuf *r)
{
	const uint8_t *v = get(r, 1);
	return v ? *v : 0;
}

static uint32_t get_u32(struct rbuf *r)
{
	const void *v = get(r, 4);
	uint32_t x = 0;

	if (v)
		memcpy(&x, v, 4);
	return le32toh(x);
}

static uint64_t get_u64(struct rbuf *r)
{
	const void *v = get(r, 8);
	uint64_t x = 0;

	if (v)
		memcpy(&x, v, 8);
	return le64toh(x);
}

static double get_f64(struct rbuf *r)
{
	uint64_t v = get_u64(r);
	double d;

	memcpy(&d, &v, 8);
	return d;
}

/* A malformed profile: the reason into why, and -EBADMSG. */
#define fail(why, whylen, ...) why_err(why, whylen, -EBADMSG, __VA_ARGS__)

static int get_string(struct rbuf *r, char *out, size_t max)
{
	uint32_t n = get_u32(r);
	const char *s;

	if (r->bad || n > max)
		return -EBADMSG;
	s = get(r, n);
	if (!s || memchr(s, 0, n))
		return -EBADMSG;
	memcpy(out, s, n);
	out[n] = 0;
	return 0;
}

static int decode_config(struct rbuf *r, struct cids_engine_config *c)
{
	uint32_t flags;

	memset(c, 0, sizeof(*c));
	c->arch = get_u32(r);
	c->seq = get_u32(r);
	c->clock = get_u32(r);
	c->ndbs = get_u32(r);
	for (unsigned i = 0; i < CIDS_MAX_DBS; i++) {
		c->dbs[i].algo = get_u8(r);
		c->dbs[i].k = get_u8(r);
	}
	c->interval = get_f64(r);
	c->sigma = get_f64(r);
	c->consecutive = get_u32(r);
	c->max_entries = get_u32(r);
	c->max_streams = get_u32(r);
	flags = get_u32(r);
	if (flags & ~CONFIG_START_PAD)
		return -EBADMSG;
	c->start_pad = flags & CONFIG_START_PAD;
	return r->bad ? -EBADMSG : 0;
}

static bool key_valid(u128 key, unsigned k, bool bag)
{
	if (key >> (SYM_BITS * k))
		return false;
	if (bag)
		for (unsigned i = 1; i < k; i++)
			if (roll_sym(key, i) > roll_sym(key, i - 1))
				return false;
	return true;
}

static int decode_db(struct rbuf *r, struct cids_engine *e, unsigned i, char *why, size_t whylen)
{
	struct db *d = &e->db[i];
	uint64_t total, nentries, ngrowth, sum = 0;
	size_t start = r->off;
	int q;

	if (get_u8(r) != d->id.algo || get_u8(r) != d->id.k)
		return fail(why, whylen, "database %u does not match the configuration", i);
	d->steady.steady = get_u8(r) != 0;
	d->steady.full = get_u8(r) != 0;
	d->full_reported = d->steady.full;
	d->steady.run = get_u32(r);
	d->steady.t_max = get_f64(r);
	d->steady.size = get_u64(r);
	d->last_size = get_u64(r);
	total = get_u64(r);
	nentries = get_u64(r);
	ngrowth = get_u64(r);
	(void)get_u64(r);
	if (r->bad)
		return fail(why, whylen, "truncated database %u header", i);
	if (nentries > e->c.max_entries || ngrowth > CIDS_MAX_GROWTH)
		return fail(why, whylen,
			    "database %u: %" PRIu64 " entries / %" PRIu64
			    " growth points over the caps",
			    i, nentries, ngrowth);
	if (r->end - r->off != nentries * ENTRY_LEN + ngrowth * GROWTH_LEN)
		return fail(why, whylen,
			    "database %u: section length %zu does not match %" PRIu64
			    " entries and %" PRIu64 " growth points",
			    i, r->end - start, nentries, ngrowth);
	if (d->last_size > nentries ||
	    (d->steady.steady && (!isfinite(d->steady.t_max) || d->steady.size > nentries)))
		return fail(why, whylen, "database %u: inconsistent steady-state record", i);

	q = table_reserve(&d->t, nentries);
	if (q < 0)
		return q;
	for (uint64_t j = 0; j < nentries; j++) {
		uint64_t lo = get_u64(r), hi = get_u64(r);
		uint32_t count = get_u32(r);
		u128 key = ((u128)hi << 64) | lo;

		if (!key_valid(key, d->id.k, d->bag_slot >= 0) || count == 0)
			return fail(why, whylen, "database %u: bad entry %" PRIu64, i, j);
		q = table_add(&d->t, key, count);
		if (q == 0)
			return fail(why, whylen, "database %u: duplicate entry %" PRIu64, i, j);
		if (q < 0)
			return q == -ENOSPC ? fail(why, whylen, "database %u over its cap", i) : q;
		if (__builtin_add_overflow(sum, count, &sum))
			return fail(why, whylen, "database %u: counts overflow", i);
	}
	if (sum != total)
		return fail(why, whylen, "database %u: counts do not add up", i);

	if (ngrowth) {
		d->growth = calloc(ngrowth, sizeof(*d->growth));
		if (!d->growth)
			return -ENOMEM;
		d->growth_alloc = ngrowth;
	}
	for (uint64_t j = 0; j < ngrowth; j++) {
		struct cids_growth_point *g = &d->growth[j];
		uint8_t below;

		g->t = get_f64(r);
		g->size = get_u64(r);
		g->slope = get_f64(r);
		below = get_u8(r);
		if (!isfinite(g->t) || !isfinite(g->slope) || below > 1 || g->size > nentries)
			return fail(why, whylen, "database %u: bad growth point %" PRIu64, i, j);
		g->below = below;
		d->ngrowth++;
	}
	return r->bad ? fail(why, whylen, "truncated database %u", i) : 0;
}

static int decode_stats(struct rbuf *r, struct cids_engine *e)
{
	uint64_t sum = 0;

	e->elapsed = get_f64(r);
	e->nsamples = get_u64(r);
	e->total_calls = get_u64(r);
	for (unsigned i = 0; i < CIDS_NSYM; i++) {
		e->sym_counts[i] = get_u64(r);
		if (__builtin_add_overflow(sum, e->sym_counts[i], &sum))
			return -EBADMSG;
	}
	if (r->bad || sum != e->total_calls || !isfinite(e->elapsed) || e->elapsed < 0 ||
	    e->nsamples > STEADY_MAX_SAMPLES)
		return -EBADMSG;
	engine_sampler_restore(e);
	/* The sampler had sampled every boundary up to the last call: anything else would make
	 * the next call catch up on boundaries that never were. */
	if (e->nsamples < STEADY_MAX_SAMPLES && !(e->next_t > e->elapsed))
		return -EBADMSG;
	if ((double)e->nsamples * e->c.interval > e->elapsed)
		return -EBADMSG;
	return 0;
}

/* The header and the trailer's checksum: the section count, r past the header. */
static int decode_header(const void *buf, size_t len, struct rbuf *r, uint32_t *ret_nsec, char *why,
			 size_t whylen)
{
	uint64_t file_len, sum;
	uint32_t version, nsec;

	if (!buf && len)
		return -EINVAL;
	if (len == 0)
		return fail(why, whylen, "empty file");
	if (len > PROFILE_MAX_SIZE) {
		fail(why, whylen, "file is %zu bytes, over the cap of %u", len, PROFILE_MAX_SIZE);
		return -EFBIG;
	}
	if (memcmp(buf, PROFILE_MAGIC, MIN(len, (size_t)8)) != 0) {
		fail(why, whylen, "not a cids profile (bad magic)");
		return -EPROTO;
	}
	if (len < HEADER_LEN)
		return fail(why, whylen, "truncated at byte %zu (header is %u bytes)", len,
			    HEADER_LEN);
	r->off = 8;
	version = get_u32(r);
	if (version < PROFILE_VERSION_MIN || version > PROFILE_VERSION) {
		fail(why, whylen, "profile version %" PRIu32 ", this build reads versions %u to %u",
		     version, PROFILE_VERSION_MIN, PROFILE_VERSION);
		return -EPROTO;
	}
	if (get_u32(r) != HEADER_LEN)
		return fail(why, whylen, "bad header length");
	file_len = get_u64(r);
	nsec = get_u32(r);
	(void)get_u32(r);
	if (file_len > PROFILE_MAX_SIZE) {
		fail(why, whylen, "header says %" PRIu64 " bytes, over the cap of %u", file_len,
		     PROFILE_MAX_SIZE);
		return -EFBIG;
	}
	if (file_len > len)
		return fail(why, whylen, "truncated at byte %zu (header says %" PRIu64 " bytes)",
			    len, file_len);
	if (file_len < len)
		return fail(why, whylen, "%zu bytes of trailing garbage", len - (size_t)file_len);
	if (len < HEADER_LEN + TRAILER_LEN)
		return fail(why, whylen, "truncated at byte %zu", len);
	memcpy(&sum, (const uint8_t *)buf + len - TRAILER_LEN, 8);
	/* Fuzz builds go past a bad checksum so the fuzzer reaches the section parser. */
	if (le64toh(sum) != profile_checksum(buf, len - TRAILER_LEN) && !FUZZING)
		return fail(why, whylen, "checksum mismatch: file is corrupt");
	if (nsec < 4 || nsec > 3 + CIDS_MAX_DBS)
		return fail(why, whylen, "bad section count %" PRIu32, nsec);
	*ret_nsec = nsec;
	return 0;
}

int profile_decode(const void *buf, size_t len, struct cids_engine **ret_e,
		   struct cids_provenance *ret_p, char *why, size_t whylen)
{
	_cleanup_(engine_freep) struct cids_engine *e = NULL;
	struct cids_provenance prov = {};
	struct cids_engine_config c;
	struct rbuf r = {.p = buf, .end = len};
	uint32_t nsec = 0;
	bool have_config = false, have_prov = false, have_stats = false;
	unsigned ndb = 0;
	int q;

	q = decode_header(buf, len, &r, &nsec, why, whylen);
	if (q < 0)
		return q;

	for (uint32_t s = 0; s < nsec; s++) {
		uint32_t type;
		uint64_t slen;
		size_t at = r.off;

		r.end = len - TRAILER_LEN;
		type = get_u32(&r);
		(void)get_u32(&r);
		slen = get_u64(&r);
		if (r.bad || slen > r.end - r.off)
			return fail(why, whylen,
				    "section %" PRIu32 " at byte %zu overruns the file", s, at);
		r.end = r.off + slen;
		switch (type) {
		case SEC_CONFIG:
			if (have_config || s != 0 || slen != CONFIG_LEN ||
			    decode_config(&r, &c) < 0)
				return fail(why, whylen, "bad configuration section");
			q = engine_new(&c, &e);
			if (q == -ENOMEM)
				return q;
			if (q < 0)
				return fail(why, whylen, "invalid configuration in profile");
			if (nsec != 3 + c.ndbs)
				return fail(why, whylen, "%" PRIu32 " sections for %u databases",
					    nsec, c.ndbs);
			have_config = true;
			break;
		case SEC_PROVENANCE:
			if (have_prov || get_string(&r, prov.key, PROFILE_KEY_MAX) < 0 ||
			    get_string(&r, prov.source, sizeof(prov.source) - 1) < 0)
				return fail(why, whylen, "bad provenance section");
			prov.created = (int64_t)get_u64(&r);
			prov.updated = (int64_t)get_u64(&r);
			prov.sessions = get_u32(&r);
			if (r.bad || r.off != r.end)
				return fail(why, whylen, "bad provenance section");
			have_prov = true;
			break;
		case SEC_STATS:
			if (have_stats || !e || slen != STATS_LEN || decode_stats(&r, e) < 0)
				return fail(why, whylen, "bad statistics section");
			have_stats = true;
			break;
		case SEC_DB:
			if (!e || ndb >= e->c.ndbs)
				return fail(why, whylen, "unexpected database section");
			q = decode_db(&r, e, ndb, why, whylen);
			if (q < 0)
				return q;
			ndb++;
			break;
		default:
			return fail(why, whylen, "unknown section type %" PRIu32 " at byte %zu",
				    type, at);
		}
		if (r.off != r.end)
			return fail(why, whylen, "section %" PRIu32 " has trailing bytes", s);
	}
	if (!have_config || !have_prov || !have_stats || ndb != e->c.ndbs ||
	    r.off != len - TRAILER_LEN)
		return fail(why, whylen, "missing sections");

	if (ret_p)
		*ret_p = prov;
	if (ret_e)
		*ret_e = TAKE_PTR(e);
	return 0;
}

/* --- files --- */

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int profile_save(const struct cids_engine *e, const struct cids_provenance *p, const char *path)
{
	_cleanup_free_ void *buf = NULL;
	_cleanup_free_ char *tmp = NULL, *dir = NULL;
	_cleanup_close_ int fd = -EBADF, dfd = -EBADF;
	const char *slash, *base;
	size_t len;
	int q;

	if (!path || !*path)
		return -EINVAL;
	q = profile_encode(e, p, &buf, &len);
	if (q < 0)
		return q;

	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	if (!*base)
		return -EISDIR;
	dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
	if (!dir || asprintf(&tmp, "%s/.%s.XXXXXX", dir, base) < 0) {
		tmp = NULL;
		return -ENOMEM;
	}
	fd = mkostemp(tmp, O_CLOEXEC); /* O_EXCL, mode 0600 */
	if (fd < 0)
		return -errno;
	q = write_all(fd, buf, len);
	if (q == 0 && fchmod(fd, 0600) < 0)
		q = -errno;
	if (q == 0 && fsync(fd) < 0)
		q = -errno;
	if (q == 0 && close(TAKE_FD(fd)) < 0)
		q = -errno;
	if (q == 0 && rename(tmp, path) < 0)
		q = -errno;
	if (q < 0) {
		unlink(tmp);
		return q;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0)
		return -errno;
	return 0;
}

int profile_load(const char *path, struct cids_engine **ret_e, struct cids_provenance *ret_p,
		 char *why, size_t whylen)
{
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	size_t len = 0;

	if (!path)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int q = -errno;
		return why_err(why, whylen, q, "cannot open: %s", strerror(-q));
	}
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return fail(why, whylen, "not a regular file");
	if ((uint64_t)st.st_size > PROFILE_MAX_SIZE) {
		fail(why, whylen, "file is %jd bytes, over the cap of %u", (intmax_t)st.st_size,
		     PROFILE_MAX_SIZE);
		return -EFBIG;
	}
	/* Read to end of file (one byte more than the cap at most), whatever stat said. */
	size_t cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			if (cap > PROFILE_MAX_SIZE) {
				fail(why, whylen, "file grew over the cap of %u", PROFILE_MAX_SIZE);
				return -EFBIG;
			}
			size_t ncap = MIN(cap * 2, (size_t)PROFILE_MAX_SIZE + 1);
			uint8_t *nb = realloc(buf, ncap);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return profile_decode(buf, len, ret_e, ret_p, why, whylen);
}
