/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Profile files: round trip, continued learning, and every kind of bad file refused. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cids/profile.h"

/* --- helpers --- */

static const struct cids_db_id DBS[] = {
	{CIDS_ALGO_STIDE, 2},
	{CIDS_ALGO_STIDE, 4},
	{CIDS_ALGO_BOSC, 3},
	{CIDS_ALGO_BOSC, 10},
};

static struct cids_engine *mk(uint32_t max_entries)
{
	struct cids_engine_config c;
	struct cids_engine *e = NULL;

	engine_config_default(&c);
	c.arch = CIDS_ARCH_I386;
	c.seq = CIDS_SEQ_PROCESS;
	c.clock = CIDS_CLOCK_SECONDS;
	c.ndbs = 4;
	memcpy(c.dbs, DBS, sizeof(DBS));
	c.interval = 0.5;
	c.sigma = 0.75;
	c.consecutive = 3;
	c.max_entries = max_entries;
	c.max_streams = 100;
	cr_assert_eq(engine_new(&c, &e), 0);
	return e;
}

/* Deterministic trace: calls i in [from, to), a stream per 300 calls, time 0.01 s per call.
 * The alphabet widens slowly, so the databases grow and then level off. */
static void feed(struct cids_engine *e, unsigned from, unsigned to)
{
	uint64_t x = 88172645463325252ull;

	for (unsigned i = 0; i < to; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		if (i < from)
			continue;
		unsigned alpha = 3 + (i < 4000 ? i / 400 : 10);
		unsigned sym = (unsigned)(x % alpha) * 7 + 1;
		cr_assert_geq(engine_learn(e, i / 300, sym, 0.01 * (i + 1)), 0);
		if (i % 300 == 299)
			engine_end_stream(e, i / 300);
	}
}

struct entry {
	uint16_t syms[CIDS_MAX_K];
	uint32_t count;
};

struct entries {
	struct entry *v;
	size_t n, alloc;
};

static int add_entry(const uint16_t *syms, unsigned k, uint32_t count, void *ud)
{
	struct entries *l = ud;

	if (l->n == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 256;
		l->v = realloc(l->v, l->alloc * sizeof(*l->v));
		cr_assert_not_null(l->v);
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	memcpy(l->v[l->n].syms, syms, k * sizeof(*syms));
	l->v[l->n++].count = count;
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct entry));
}

static void entries_of(const struct cids_engine *e, unsigned db, struct entries *l)
{
	memset(l, 0, sizeof(*l));
	cr_assert_eq(engine_db_foreach(e, db, add_entry, l), 0);
	qsort(l->v, l->n, sizeof(*l->v), entry_cmp);
}

/* Everything a profile holds is equal in a and b. */
static void assert_same(const struct cids_engine *a, const struct cids_engine *b)
{
	const struct cids_engine_config *ca = engine_config(a), *cb = engine_config(b);

	cr_assert_eq(ca->arch, cb->arch);
	cr_assert_eq(ca->seq, cb->seq);
	cr_assert_eq(ca->clock, cb->clock);
	cr_assert_eq(ca->ndbs, cb->ndbs);
	cr_assert_eq(memcmp(ca->dbs, cb->dbs, ca->ndbs * sizeof(ca->dbs[0])), 0);
	cr_assert_eq(ca->interval, cb->interval);
	cr_assert_eq(ca->sigma, cb->sigma);
	cr_assert_eq(ca->consecutive, cb->consecutive);
	cr_assert_eq(ca->max_entries, cb->max_entries);
	cr_assert_eq(ca->max_streams, cb->max_streams);
	cr_assert_eq(engine_total_calls(a), engine_total_calls(b));
	cr_assert_eq(memcmp(engine_sym_counts(a), engine_sym_counts(b), CIDS_NSYM * 8), 0);
	cr_assert_eq(engine_distinct_syms(a), engine_distinct_syms(b));
	cr_assert_eq(engine_elapsed(a), engine_elapsed(b));
	for (unsigned i = 0; i < ca->ndbs; i++) {
		struct entries la, lb;
		size_t na, nb;
		const struct cids_growth_point *ga = engine_db_growth(a, i, &na),
					       *gb = engine_db_growth(b, i, &nb);
		const struct cids_steady *sa = engine_db_steady(a, i), *sb = engine_db_steady(b, i);

		cr_assert_eq(engine_db_size(a, i), engine_db_size(b, i), "db %u", i);
		entries_of(a, i, &la);
		entries_of(b, i, &lb);
		cr_assert_eq(la.n, lb.n);
		cr_assert_eq(memcmp(la.v, lb.v, la.n * sizeof(*la.v)), 0, "db %u entries", i);
		free(la.v);
		free(lb.v);
		cr_assert_eq(na, nb, "db %u growth %zu %zu", i, na, nb);
		for (size_t j = 0; j < na; j++) {
			cr_assert_eq(ga[j].t, gb[j].t);
			cr_assert_eq(ga[j].size, gb[j].size);
			cr_assert_eq(ga[j].slope, gb[j].slope);
			cr_assert_eq(ga[j].below, gb[j].below);
		}
		cr_assert_eq(sa->steady, sb->steady, "db %u", i);
		cr_assert_eq(sa->t_max, sb->t_max);
		cr_assert_eq(sa->size, sb->size);
		cr_assert_eq(sa->run, sb->run);
		cr_assert_eq(sa->full, sb->full);
	}
}

static const struct cids_provenance PROV = {
	.key = "w-0123456789abcdef",
	.source = "train adfa Training_Data_Master",
	.created = 1700000000,
	.updated = 1700000999,
	.sessions = 7,
};

static void encode(const struct cids_engine *e, uint8_t **buf, size_t *len)
{
	cr_assert_eq(profile_encode(e, &PROV, (void **)buf, len), 0);
}

static int decode(const void *buf, size_t len, char *why)
{
	struct cids_engine *e = NULL;
	struct cids_provenance p;
	int r;

	why[0] = 0;
	r = profile_decode(buf, len, &e, &p, why, 256);
	if (r == 0)
		engine_free(e);
	else
		cr_assert_null(e);
	return r;
}

static void reseal(uint8_t *buf, size_t len)
{
	uint64_t s = htole64(profile_checksum(buf, len - 8));
	memcpy(buf + len - 8, &s, 8);
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return le64toh(v);
}

static void wr64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

/* Offset of the payload of the n-th section of `type` (sections start at byte 32). */
static size_t section(const uint8_t *buf, size_t len, uint32_t type, unsigned nth)
{
	size_t off = 32;

	while (off + 16 <= len - 8) {
		uint32_t t;
		memcpy(&t, buf + off, 4);
		uint64_t sl = rd64(buf + off + 8);
		if (le32toh(t) == type && nth-- == 0)
			return off + 16;
		off += 16 + sl;
	}
	cr_assert_fail("section %u not found", type);
	return 0;
}

static char tmpdir[] = "/tmp/cids-test-profile.XXXXXX";

static void setup(void)
{
	strcpy(tmpdir, "/tmp/cids-test-profile.XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || de->d_name[1] == '.'))
			continue;
		char p[512];
		snprintf(p, sizeof(p), "%s/%s", tmpdir, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(tmpdir);
}

static unsigned dir_entries(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	unsigned n = 0;

	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

/* --- round trip --- */

Test(profile, round_trip_every_field)
{
	struct cids_engine *a = mk(0), *b = NULL;
	struct cids_provenance p;
	uint8_t *buf;
	size_t len;
	char why[256];

	feed(a, 0, 6000);
	/* the fixture must exercise both outcomes */
	cr_assert(engine_db_steady(a, 0)->steady);
	cr_assert_not(engine_db_steady(a, 3)->steady);
	encode(a, &buf, &len);
	cr_assert_eq(profile_decode(buf, len, &b, &p, why, sizeof(why)), 0, "%s", why);
	assert_same(a, b);
	cr_expect_str_eq(p.key, PROV.key);
	cr_expect_str_eq(p.source, PROV.source);
	cr_expect_eq(p.created, PROV.created);
	cr_expect_eq(p.updated, PROV.updated);
	cr_expect_eq(p.sessions, PROV.sessions);
	/* encoding is deterministic apart from table order: re-encoding gives the same size */
	uint8_t *buf2;
	size_t len2;
	encode(b, &buf2, &len2);
	cr_expect_eq(len, len2);
	/* validate only */
	cr_expect_eq(profile_decode(buf, len, NULL, NULL, why, sizeof(why)), 0);
	free(buf);
	free(buf2);
	engine_free(a);
	engine_free(b);
}

Test(profile, save_and_load, .init = setup, .fini = teardown)
{
	struct cids_engine *a = mk(0), *b = NULL;
	struct cids_provenance p;
	char path[256], why[256];
	struct stat st;

	feed(a, 0, 3000);
	snprintf(path, sizeof(path), "%s/x.profile", tmpdir);
	cr_assert_eq(profile_save(a, &PROV, path), 0);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0600);
	cr_expect_eq(dir_entries(), 1); /* no temporary file left */
	cr_assert_eq(profile_load(path, &b, &p, why, sizeof(why)), 0, "%s", why);
	assert_same(a, b);
	cr_expect_eq(p.sessions, 7);
	engine_free(b);

	/* Replacing an existing (even corrupt) file. */
	FILE *f = fopen(path, "w");
	fputs("garbage", f);
	fclose(f);
	chmod(path, 0644);
	feed(a, 3000, 4000);
	cr_assert_eq(profile_save(a, NULL, path), 0);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0600);
	cr_assert_eq(profile_load(path, &b, &p, why, sizeof(why)), 0, "%s", why);
	assert_same(a, b);
	cr_expect_str_eq(p.key, "");
	cr_expect_eq(dir_entries(), 1);
	engine_free(b);

	/* A directory that does not exist: error, nothing written. */
	snprintf(path, sizeof(path), "%s/nope/x.profile", tmpdir);
	cr_expect_eq(profile_save(a, &PROV, path), -ENOENT);
	cr_expect_eq(dir_entries(), 1);
	engine_free(a);
}

/* A loaded engine continues exactly where it stopped: learning half, saving, loading and
 * learning the other half gives what one pass gives (curves, runs, steady, counts). */
Test(profile, continue_learning_equals_one_pass, .init = setup, .fini = teardown)
{
	struct cids_engine *one = mk(0), *first = mk(0), *cont = NULL;
	char path[256], why[256];

	feed(one, 0, 9000);
	feed(first, 0, 4500); /* 4500 = 15 streams of 300: no stream is cut */
	snprintf(path, sizeof(path), "%s/half.profile", tmpdir);
	cr_assert_eq(profile_save(first, &PROV, path), 0);
	engine_free(first);
	cr_assert_eq(profile_load(path, &cont, NULL, why, sizeof(why)), 0, "%s", why);
	cr_expect_eq(engine_elapsed(cont), 45.0);
	feed(cont, 4500, 9000);
	assert_same(one, cont);
	engine_free(one);
	engine_free(cont);
}

Test(profile, full_state_survives)
{
	struct cids_engine *a = mk(20), *b = NULL;
	uint8_t *buf;
	size_t len;
	char why[256];

	feed(a, 0, 2000);
	for (unsigned i = 0; i < 4; i++)
		cr_assert(engine_db_steady(a, i)->full, "db %u", i);
	encode(a, &buf, &len);
	cr_assert_eq(profile_decode(buf, len, &b, NULL, why, sizeof(why)), 0, "%s", why);
	assert_same(a, b);
	/* "profile full" was said before the save: not said again */
	for (unsigned i = 0; i < 500; i++)
		cr_expect_eq(engine_learn(b, 1, i, 100 + i), 0);
	cr_expect_eq(engine_db_size(b, 1), 20);
	free(buf);
	engine_free(a);
	engine_free(b);
}

/* --- refused files --- */

Test(profile, truncated_at_every_offset)
{
	struct cids_engine *a = mk(0);
	uint8_t *buf;
	size_t len;
	char why[256];

	feed(a, 0, 400);
	encode(a, &buf, &len);
	for (size_t n = 0; n < len; n++) {
		uint8_t *cut = malloc(n ? n : 1);
		memcpy(cut, buf, n);
		cr_assert_eq(decode(cut, n, why), -EBADMSG, "length %zu", n);
		cr_assert_neq(why[0], 0);
		if (n == 0)
			cr_expect_str_eq(why, "empty file");
		else if (n >= 32)
			cr_expect(strncmp(why, "truncated at byte ", 18) == 0, "%s", why);
		free(cut);
	}
	cr_expect_eq(decode(buf, len, why), 0, "%s", why);
	free(buf);
	engine_free(a);
}

Test(profile, flipped_byte_everywhere)
{
	struct cids_engine *a = mk(0);
	uint8_t *buf;
	size_t len;
	char why[256];

	feed(a, 0, 400);
	encode(a, &buf, &len);
	for (size_t i = 0; i < len; i++) {
		for (unsigned bit = 0; bit < 8; bit += 3) {
			buf[i] ^= (uint8_t)(1u << bit);
			int r = decode(buf, len, why);
			if (i < 12)
				cr_assert_eq(r, -EPROTO, "byte %zu: %s", i, why);
			else if (i >= 16 && i < 24)
				cr_assert(r == -EBADMSG || r == -EFBIG, "byte %zu: %d", i, r);
			else
				cr_assert_eq(r, -EBADMSG, "byte %zu: %s", i, why);
			if (i >= 32 && i < len - 8)
				cr_assert_str_eq(why, "checksum mismatch: file is corrupt");
			buf[i] ^= (uint8_t)(1u << bit);
		}
	}
	free(buf);
	engine_free(a);
}

Test(profile, foreign_magic_and_version)
{
	struct cids_engine *a = mk(0);
	uint8_t *buf;
	size_t len;
	char why[256];

	feed(a, 0, 100);
	encode(a, &buf, &len);
	buf[6] = 'X';
	reseal(buf, len);
	cr_expect_eq(decode(buf, len, why), -EPROTO);
	cr_expect_str_eq(why, "not a cids profile (bad magic)");
	buf[6] = 'F';
	buf[8] = 3; /* version 3, checksum made valid */
	reseal(buf, len);
	cr_expect_eq(decode(buf, len, why), -EPROTO);
	cr_expect(strstr(why, "version 3") != NULL, "%s", why);
	buf[8] = 1; /* version 1 (no start-of-stream windows) still loads */
	reseal(buf, len);
	cr_expect_eq(decode(buf, len, why), 0);
	buf[8] = 2;
	reseal(buf, len);
	cr_expect_eq(decode(buf, len, why), 0);
	cr_expect_eq(decode("\x7f"
			    "ELF\x02\x01\x01",
			    7, why),
		     -EPROTO);
	cr_expect_eq(decode("{\"json\": true}\n", 15, why), -EPROTO);
	cr_expect_eq(decode("CIDS", 4, why), -EBADMSG); /* a prefix of the magic: truncated */
	free(buf);
	engine_free(a);
}

/* Structurally bad files with a valid checksum: what a hostile writer could produce. */
Test(profile, forged_fields_refused)
{
	struct cids_engine *a = mk(0);
	uint8_t *orig, *buf;
	size_t len, db;
	char why[256];

	feed(a, 0, 800);
	encode(a, &orig, &len);
	buf = malloc(len + 64);

#define FORGE(desc, ...)                                                                           \
	do {                                                                                       \
		memcpy(buf, orig, len);                                                            \
		__VA_ARGS__;                                                                       \
		reseal(buf, len);                                                                  \
		int r_ = decode(buf, len, why);                                                    \
		cr_expect_eq(r_, -EBADMSG, "%s: %d %s", desc, r_, why);                            \
	} while (0)

	db = section(orig, len, 4, 1); /* STIDE k=4 payload */
	FORGE("nentries huge", wr64(buf + db + 40, 1ull << 60));
	FORGE("nentries +1", wr64(buf + db + 40, rd64(orig + db + 40) + 1));
	FORGE("ngrowth huge", wr64(buf + db + 48, ~0ull));
	FORGE("section length huge", wr64(buf + db - 8, 1ull << 62));
	FORGE("section length short", wr64(buf + db - 8, rd64(orig + db - 8) - 20));
	FORGE("duplicate entry", memcpy(buf + db + 64 + 20, buf + db + 64, 20));
	FORGE("key beyond k", buf[db + 64 + 4] |= 0x80);
	FORGE("key high word", buf[db + 64 + 8] = 1);
	FORGE("count zero", memset(buf + db + 64 + 16, 0, 4));
	FORGE("total mismatch", wr64(buf + db + 32, rd64(orig + db + 32) + 1));
	FORGE("algo mismatch", buf[db] = 1);
	FORGE("last size over entries", wr64(buf + db + 24, 1ull << 40));
	FORGE("steady size over entries", buf[db + 2] = 1; wr64(buf + db + 16, 1ull << 40));
	size_t bag = section(orig, len, 4, 2); /* BoSC k=3 */
	FORGE("unsorted bag", {
		uint64_t k = rd64(buf + bag + 64);
		/* swap the first and last 9-bit symbols of the bag */
		uint64_t s0 = (k >> 18) & 511, s2 = k & 511;
		if (s0 == s2)
			s2 = s0 + 1; /* make it unsorted anyway */
		wr64(buf + bag + 64, (s2 << 18) | (k & (511u << 9)) | s0);
	});
	size_t cfg = section(orig, len, 1, 0);
	FORGE("config k=15", buf[cfg + 16 + 1] = 15);
	FORGE("config ndbs 17", buf[cfg + 12] = 17);
	FORGE("config interval 0", wr64(buf + cfg + 48, 0));
	size_t st = section(orig, len, 3, 0);
	FORGE("stats do not add up", wr64(buf + st + 24, rd64(orig + st + 24) + 1));
	size_t pv = section(orig, len, 2, 0);
	FORGE("provenance key too long", buf[pv] = 200);
	FORGE("provenance NUL in key", buf[pv + 4] = 0);
	FORGE("section count", buf[24] = 9);
	FORGE("unknown section", buf[st - 16] = 77);
	FORGE("header length", buf[12] = 40);
#undef FORGE

	/* trailing garbage, and the header made to cover it */
	memcpy(buf, orig, len);
	memset(buf + len, 0, 64);
	cr_expect_eq(decode(buf, len + 64, why), -EBADMSG);
	wr64(buf + 16, len + 64);
	reseal(buf, len + 64);
	cr_expect_eq(decode(buf, len + 64, why), -EBADMSG);

	/* a header length over the cap */
	memcpy(buf, orig, len);
	wr64(buf + 16, (uint64_t)PROFILE_MAX_SIZE + 1);
	reseal(buf, len);
	cr_expect_eq(decode(buf, len, why), -EFBIG);

	free(buf);
	free(orig);
	engine_free(a);
}

Test(profile, load_errors, .init = setup, .fini = teardown)
{
	struct cids_engine *e = NULL;
	char path[256], why[256];
	int fd;

	snprintf(path, sizeof(path), "%s/missing.profile", tmpdir);
	cr_expect_eq(profile_load(path, &e, NULL, why, sizeof(why)), -ENOENT);

	snprintf(path, sizeof(path), "%s/empty.profile", tmpdir);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	close(fd);
	cr_expect_eq(profile_load(path, &e, NULL, why, sizeof(why)), -EBADMSG);
	cr_expect_str_eq(why, "empty file");

	snprintf(path, sizeof(path), "%s/huge.profile", tmpdir);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	cr_assert_eq(ftruncate(fd, (off_t)PROFILE_MAX_SIZE + 1), 0); /* sparse */
	close(fd);
	cr_expect_eq(profile_load(path, &e, NULL, why, sizeof(why)), -EFBIG);

	cr_expect_eq(profile_load(tmpdir, &e, NULL, why, sizeof(why)), -EBADMSG);
	cr_expect_null(e);
}
