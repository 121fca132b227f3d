/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The text form of a profile (cids profile export --text / import): every field of the binary
 * file, one per line, windows one per line as syscall names, sorted, so that two versions of a
 * profile diff well in git and a reviewer reads what was learned. Reading it back gives an engine
 * whose binary encoding (profile_encode) is byte for byte the file it was exported from.
 *
 *   cids-profile-text 1
 *   arch x86_64 | sequence thread | clock seconds | interval 100 | sigma 0.15 | consecutive 5
 *   max_entries 0 | max_streams 0 | start_pad 1 (only when set: start-of-stream windows)
 *   key web | source runc 4f2a... | created 1764... | updated 1764... | sessions 3
 *   elapsed 512.5 | samples 5
 *   syscall read 1234                       (Table I counts, non-zero only, by number)
 *   db stide 4                              (then that database's lines, until the next db)
 *   steady 1 2.2 40 | run 7 | full 0 | last_size 44
 *   window read write close mmap 17         (names, then how often it was seen; sorted)
 *   growth 0.2 10 50 0                      (t, size, slope, below; in time order)
 *   end
 *
 * Numbers are printed so that they read back exactly (the shortest %g that does). '#' starts a
 * comment line. Strings (key, source) escape '\' and bytes outside printable ASCII as \xHH.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cids/profile.h"
#include "engine-internal.h"

#define TEXT_MAGIC     "cids-profile-text 1"
#define TEXT_MAX_LINE  4096
#define TEXT_MAX_WORDS (CIDS_MAX_K + 4)

/* --- writer --- */

static void put_double(FILE *f, double v)
{
	char buf[40];

	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v || prec == 17)
			break;
	}
	fputs(buf, f);
}

static void put_string(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\\')
			fputs("\\\\", f);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

/* The name of sym on arch if it reads back as sym, else "sys_<n>". */
static void sym_text(enum cids_arch arch, unsigned sym, char *buf, size_t len)
{
	const char *n = sym == CIDS_SYM_OTHER ? NULL : cids_sys_name(arch, (int)sym);

	if (n && cids_sys_number(arch, n) == (int)sym)
		snprintf(buf, len, "%s", n);
	else
		snprintf(buf, len, "sys_%u", sym);
}

struct lines {
	char **v;
	size_t n, alloc;
	enum cids_arch arch;
	int err;
};

static int collect_window(const uint16_t *syms, unsigned k, uint32_t count, void *ud)
{
	struct lines *l = ud;
	char line[TEXT_MAX_LINE], name[32];
	size_t o = 0;

	for (unsigned i = 0; i < k; i++) {
		sym_text(l->arch, syms[i], name, sizeof(name));
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%s ", name);
	}
	snprintf(line + o, sizeof(line) - o, "%" PRIu32, count);
	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 256;
		char **nv = reallocarray(l->v, na, sizeof(*nv));
		if (!nv) {
			l->err = -ENOMEM;
			return 1;
		}
		l->v = nv;
		l->alloc = na;
	}
	if (!(l->v[l->n] = strdup(line))) {
		l->err = -ENOMEM;
		return 1;
	}
	l->n++;
	return 0;
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int profile_text_encode(const struct cids_engine *e, const struct cids_provenance *p,
			unsigned flags, char **ret_buf, size_t *ret_len)
{
	char *buf = NULL, name[32];
	size_t len = 0;
	int r = 0;
	FILE *f;

	if (!e || !ret_buf || !ret_len)
		return -EINVAL;
	f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	const struct cids_engine_config *c = &e->c;
	fprintf(f, "%s\n", TEXT_MAGIC);
	fprintf(f, "# cids profile export --text; cids profile import reads it back.\n");
	fprintf(f, "arch %s\nsequence %s\nclock %s\ninterval ", cids_arch_name(c->arch),
		cids_seq_name(c->seq), c->clock == CIDS_CLOCK_CALLS ? "calls" : "seconds");
	put_double(f, c->interval);
	fputs("\nsigma ", f);
	put_double(f, c->sigma);
	fprintf(f, "\nconsecutive %u\nmax_entries %" PRIu32 "\nmax_streams %" PRIu32 "\n",
		c->consecutive, c->max_entries, c->max_streams);
	if (c->start_pad) /* windows of a stream's first calls hold sys_510 (the start symbol) */
		fputs("start_pad 1\n", f);
	if (p && !(flags & PROFILE_TEXT_NO_PROVENANCE)) {
		fputs("key ", f);
		put_string(f, p->key);
		fputs("\nsource ", f);
		put_string(f, p->source);
		fprintf(f, "\ncreated %" PRId64 "\nupdated %" PRId64 "\nsessions %" PRIu32 "\n",
			p->created, p->updated, p->sessions);
	}
	fputs("elapsed ", f);
	put_double(f, e->elapsed);
	fprintf(f, "\nsamples %" PRIu64 "\n", e->nsamples);
	for (unsigned s = 0; s < CIDS_NSYM; s++) {
		if (!e->sym_counts[s])
			continue;
		sym_text(c->arch, s, name, sizeof(name));
		fprintf(f, "syscall %s %" PRIu64 "\n", name, e->sym_counts[s]);
	}
	for (unsigned i = 0; i < c->ndbs && r == 0; i++) {
		const struct db *d = &e->db[i];
		struct lines l = {.arch = c->arch};

		fprintf(f, "db %s %u\nsteady %d ", cids_algo_name(d->id.algo), d->id.k,
			d->steady.steady);
		put_double(f, d->steady.t_max);
		fprintf(f, " %" PRIu64 "\nrun %u\nfull %d\nlast_size %" PRIu64 "\n", d->steady.size,
			d->steady.run, d->steady.full, d->last_size);
		engine_db_foreach(e, i, collect_window, &l);
		r = l.err;
		if (r == 0 && l.n)
			qsort(l.v, l.n, sizeof(*l.v), line_cmp);
		for (size_t j = 0; j < l.n; j++) {
			if (r == 0)
				fprintf(f, "window %s\n", l.v[j]);
			free(l.v[j]);
		}
		free(l.v);
		for (size_t j = 0; j < d->ngrowth && r == 0; j++) {
			const struct cids_growth_point *g = &d->growth[j];
			fputs("growth ", f);
			put_double(f, g->t);
			fprintf(f, " %" PRIu64 " ", g->size);
			put_double(f, g->slope);
			fprintf(f, " %d\n", g->below);
		}
	}
	fputs("end\n", f);
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

/* --- reader --- */

struct reader {
	char *why;
	size_t whylen;
	unsigned line;
};

_printf_(2, 3) static int bad(struct reader *rd, const char *fmt, ...)
{
	va_list ap;
	int o;

	if (!rd->why || !rd->whylen)
		return -EBADMSG;
	o = snprintf(rd->why, rd->whylen, "line %u: ", rd->line);
	if (o < 0 || (size_t)o >= rd->whylen)
		return -EBADMSG;
	va_start(ap, fmt);
	vsnprintf(rd->why + o, rd->whylen - (size_t)o, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static bool get_u64(const char *s, uint64_t max, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*ret = v;
	return true;
}

static bool get_i64(const char *s, int64_t *ret)
{
	char *end;
	long long v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*ret = v;
	return true;
}

static bool get_double(const char *s, double *ret)
{
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	*ret = strtod(s, &end);
	return !*end && errno != ERANGE;
}

static int get_str(const char *s, char *out, size_t outlen)
{
	size_t o = 0;

	for (; *s; s++) {
		unsigned v = (unsigned char)*s;
		if (*s == '\\') {
			if (s[1] == '\\') {
				s++;
			} else if (s[1] == 'x' && sscanf(s + 2, "%2x", &v) == 1 && s[2] && s[3]) {
				s += 3;
				if (v == 0)
					return -EINVAL;
			} else {
				return -EINVAL;
			}
		}
		if (o + 1 >= outlen)
			return -E2BIG;
		out[o++] = (char)v;
	}
	out[o] = '\0';
	return 0;
}

static int sym_of(enum cids_arch arch, const char *name)
{
	int n = cids_sys_number(arch, name);
	return n >= 0 && n < CIDS_NSYM ? n : -1;
}

/* Split line at single spaces into at most max words; the rest stays in the last one. */
static unsigned split(char *line, char **w, unsigned max)
{
	unsigned n = 0;

	while (*line && n < max) {
		w[n++] = line;
		if (n == max)
			break;
		char *sp = strchr(line, ' ');
		if (!sp)
			break;
		*sp = '\0';
		line = sp + 1;
	}
	return n;
}

/* First pass: the "db <algo> <k>" lines, in order (the engine is made with all of them). */
static int list_dbs(const char *text, size_t len, struct cids_engine_config *c, struct reader *rd)
{
	for (size_t pos = 0; pos < len;) {
		const char *p = text + pos, *nl = memchr(p, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - p) : len - pos;
		char name[16];
		unsigned k;
		int algo, used = 0;

		rd->line++;
		pos += l + (nl ? 1 : 0);
		if (l < 3 || memcmp(p, "db ", 3) != 0)
			continue;
		char lb[40];
		if (l > 32)
			return bad(rd, "bad db line");
		memcpy(lb, p, l); /* the text need not end in NUL */
		lb[l] = '\0';
		if (sscanf(lb, "db %15s %u%n", name, &k, &used) != 2 || (size_t)used != l ||
		    (algo = cids_algo_from_name(name)) < 0 || k == 0 || k > CIDS_MAX_K)
			return bad(rd, "bad db line");
		if (c->ndbs >= CIDS_MAX_DBS)
			return bad(rd, "more than %d databases", CIDS_MAX_DBS);
		c->dbs[c->ndbs].algo = (uint8_t)algo;
		c->dbs[c->ndbs].k = (uint8_t)k;
		c->ndbs++;
	}
	return 0;
}

struct growth_buf {
	struct cids_growth_point *g;
	size_t n, alloc;
};

enum { K_ARCH = 1, K_SEQ = 2, K_CLOCK = 4, K_INT = 8, K_SIGMA = 16, K_CONS = 32 };

/* What the lines build up: the settings before the first db line, then the databases one by
 * one (the first pass, list_dbs, has made the configuration's list of them). */
struct text_state {
	struct reader rd;
	struct cids_engine *e; /* made at the first db line */
	struct cids_engine_config c;
	struct cids_provenance prov;
	struct growth_buf gb[CIDS_MAX_DBS];
	struct cids_steady st[CIDS_MAX_DBS];
	uint64_t last_size[CIDS_MAX_DBS];
	uint64_t sym_counts[CIDS_NSYM], nsamples;
	double elapsed;
	unsigned cfg_seen; /* K_* */
	int cur;	   /* the database the lines are about, -1 before the first */
	bool seen_end_of_config, ended;
};

static void text_state_done(struct text_state *ts)
{
	engine_free(ts->e);
	for (unsigned i = 0; i < CIDS_MAX_DBS; i++)
		free(ts->gb[i].g);
}

/* A setting before the first db line: 1 when k is one (and its value good), 0 when not, or
 * -errno. */
static int text_setting(struct text_state *ts, const char *k, const char *a, char **w, unsigned n)
{
	struct cids_engine_config *c = &ts->c;
	uint64_t u = 0;
	int64_t i64;

	if (!ts->seen_end_of_config && strcmp(k, "arch") == 0) {
		int q = cids_arch_from_name(a);
		if (q < 0)
			return bad(&ts->rd, "unknown arch \"%s\"", a);
		c->arch = (enum cids_arch)q;
		ts->cfg_seen |= K_ARCH;
	} else if (strcmp(k, "sequence") == 0) {
		int q = cids_seq_from_name(a);
		if (q < 0)
			return bad(&ts->rd, "unknown sequence \"%s\"", a);
		c->seq = (enum cids_seq)q;
		ts->cfg_seen |= K_SEQ;
	} else if (strcmp(k, "clock") == 0) {
		if (strcmp(a, "seconds") != 0 && strcmp(a, "calls") != 0)
			return bad(&ts->rd, "clock is seconds or calls");
		c->clock = strcmp(a, "calls") == 0 ? CIDS_CLOCK_CALLS : CIDS_CLOCK_SECONDS;
		ts->cfg_seen |= K_CLOCK;
	} else if (strcmp(k, "interval") == 0 && get_double(a, &c->interval)) {
		ts->cfg_seen |= K_INT;
	} else if (strcmp(k, "sigma") == 0 && get_double(a, &c->sigma)) {
		ts->cfg_seen |= K_SIGMA;
	} else if (strcmp(k, "consecutive") == 0 && get_u64(a, UINT32_MAX, &u)) {
		c->consecutive = (unsigned)u;
		ts->cfg_seen |= K_CONS;
	} else if (strcmp(k, "max_entries") == 0 && get_u64(a, UINT32_MAX, &u)) {
		c->max_entries = (uint32_t)u;
	} else if (strcmp(k, "max_streams") == 0 && get_u64(a, UINT32_MAX, &u)) {
		c->max_streams = (uint32_t)u;
	} else if (strcmp(k, "start_pad") == 0 && get_u64(a, 1, &u)) {
		c->start_pad = u == 1;
	} else if (strcmp(k, "created") == 0 && get_i64(a, &i64)) {
		ts->prov.created = i64;
	} else if (strcmp(k, "updated") == 0 && get_i64(a, &i64)) {
		ts->prov.updated = i64;
	} else if (strcmp(k, "sessions") == 0 && get_u64(a, UINT32_MAX, &u)) {
		ts->prov.sessions = (uint32_t)u;
	} else if (strcmp(k, "elapsed") == 0 && get_double(a, &ts->elapsed)) {
	} else if (strcmp(k, "samples") == 0 && get_u64(a, STEADY_MAX_SAMPLES, &ts->nsamples)) {
	} else if (strcmp(k, "syscall") == 0 && n == 3) {
		int s = sym_of(c->arch, w[1]);
		if (s < 0 || !get_u64(w[2], UINT64_MAX, &u) || ts->sym_counts[s])
			return bad(&ts->rd, "bad syscall line");
		ts->sym_counts[s] = u;
	} else {
		return 0;
	}
	return 1;
}

/* "db ALGO K": the settings are all before the first of them: make the engine. */
static int text_db(struct text_state *ts)
{
	int r;

	if (!ts->e) {
		if ((ts->cfg_seen & (K_ARCH | K_SEQ | K_INT | K_SIGMA | K_CONS)) !=
		    (K_ARCH | K_SEQ | K_INT | K_SIGMA | K_CONS))
			return bad(&ts->rd, "settings missing before the first db");
		r = engine_new(&ts->c, &ts->e);
		if (r < 0)
			return r == -ENOMEM ? r : bad(&ts->rd, "invalid settings");
	}
	ts->cur++;
	ts->seen_end_of_config = true;
	return 0;
}

/* "window NAME... COUNT" of the current database. */
static int text_window(struct text_state *ts, char **w, unsigned n)
{
	struct db *d = &ts->e->db[ts->cur];
	uint16_t syms[CIDS_MAX_K];
	uint64_t u = 0;

	if (n != (unsigned)d->id.k + 2 || !get_u64(w[n - 1], UINT32_MAX, &u) || u == 0)
		return bad(&ts->rd, "a %s k=%u window has %u names and a count",
			   cids_algo_name(d->id.algo), d->id.k, d->id.k);
	for (unsigned j = 0; j < d->id.k; j++) {
		int s = sym_of(ts->c.arch, w[1 + j]);
		if (s < 0)
			return bad(&ts->rd, "unknown syscall \"%.64s\"", w[1 + j]);
		syms[j] = (uint16_t)s;
	}
	int q = table_add(&d->t, engine_key_of(d, syms, d->id.k), (uint32_t)u);
	if (q == 0)
		return bad(&ts->rd, "duplicate window");
	if (q < 0)
		return q == -ENOSPC ? bad(&ts->rd, "database over its entry cap") : q;
	return 0;
}

/* "growth T SIZE SLOPE BELOW" of the current database. */
static int text_growth(struct text_state *ts, char **w)
{
	struct growth_buf *g = &ts->gb[ts->cur];
	struct cids_growth_point pt = {};
	uint64_t u = 0;

	if (!get_double(w[1], &pt.t) || !get_u64(w[2], UINT64_MAX, &pt.size) ||
	    !get_double(w[3], &pt.slope) || !get_u64(w[4], 1, &u) || g->n >= CIDS_MAX_GROWTH)
		return bad(&ts->rd, "bad growth line");
	pt.below = u;
	if (g->n == g->alloc) {
		size_t na = g->alloc ? g->alloc * 2 : 64;
		struct cids_growth_point *ng = reallocarray(g->g, na, sizeof(*ng));
		if (!ng)
			return -ENOMEM;
		g->g = ng;
		g->alloc = na;
	}
	g->g[g->n++] = pt;
	return 0;
}

/* A line about the current database: 1 when k is one (and its value good), 0 when not, or
 * -errno. */
static int text_db_line(struct text_state *ts, const char *k, const char *a, char **w, unsigned n)
{
	struct cids_steady *st = &ts->st[ts->cur];
	uint64_t u = 0;
	int r;

	if (strcmp(k, "steady") == 0 && n == 4) {
		uint64_t sz;
		if (!get_u64(w[1], 1, &u) || !get_double(w[2], &st->t_max) ||
		    !get_u64(w[3], UINT64_MAX, &sz))
			return bad(&ts->rd, "bad steady line");
		st->steady = u;
		st->size = sz;
	} else if (strcmp(k, "run") == 0 && get_u64(a, UINT32_MAX, &u)) {
		st->run = (unsigned)u;
	} else if (strcmp(k, "full") == 0 && get_u64(a, 1, &u)) {
		st->full = u;
	} else if (strcmp(k, "last_size") == 0 && get_u64(a, UINT64_MAX, &ts->last_size[ts->cur])) {
	} else if (strcmp(k, "window") == 0) {
		r = text_window(ts, w, n);
		if (r < 0)
			return r;
	} else if (strcmp(k, "growth") == 0 && n == 5) {
		r = text_growth(ts, w);
		if (r < 0)
			return r;
	} else {
		return 0;
	}
	return 1;
}

/* One line of the text after the header, split into n words. */
static int text_line(struct text_state *ts, char **w, unsigned n)
{
	const char *k = w[0], *a = n > 1 ? w[1] : "";
	int r;

	if (strcmp(k, "end") == 0 && n == 1) {
		ts->ended = true;
		return 0;
	}
	if (strcmp(k, "key") == 0)
		return get_str(a, ts->prov.key, sizeof(ts->prov.key)) < 0 ? bad(&ts->rd, "bad key")
									  : 0;
	if (strcmp(k, "source") == 0)
		return get_str(a, ts->prov.source, sizeof(ts->prov.source)) < 0
			       ? bad(&ts->rd, "bad source")
			       : 0;
	if (n != 2 && strcmp(k, "window") != 0 && strcmp(k, "steady") != 0 &&
	    strcmp(k, "growth") != 0 && strcmp(k, "syscall") != 0 && strcmp(k, "db") != 0)
		return bad(&ts->rd, "\"%s\" takes one value", k);
	if (ts->cur < 0) {
		r = text_setting(ts, k, a, w, n);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	if (strcmp(k, "db") == 0 && n == 3)
		return text_db(ts);
	if (ts->cur >= 0) {
		r = text_db_line(ts, k, a, w, n);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	return bad(&ts->rd, "unexpected \"%.32s\"", k);
}

/* After the end line: the engine with what the text said, checked by a round trip through the
 * binary format (which runs every check profile_load does). */
static int text_finish(struct text_state *ts, struct cids_engine **ret_e,
		       struct cids_provenance *ret_p)
{
	_cleanup_free_ void *bin = NULL;
	struct cids_engine *e, *checked = NULL;
	size_t blen = 0;
	char w2[200] = "";
	int r;

	e = ts->e;
	if (!e) { /* no window at all */
		r = engine_new(&ts->c, &e);
		if (r < 0)
			return r == -ENOMEM ? r : bad(&ts->rd, "invalid or missing settings");
		ts->e = e;
	}
	e->elapsed = ts->elapsed;
	e->nsamples = ts->nsamples;
	e->total_calls = 0;
	for (unsigned s = 0; s < CIDS_NSYM; s++) {
		e->sym_counts[s] = ts->sym_counts[s];
		e->total_calls += ts->sym_counts[s];
	}
	engine_sampler_restore(e);
	for (unsigned i = 0; i < ts->c.ndbs; i++) {
		struct db *d = &e->db[i];
		d->steady = ts->st[i];
		d->full_reported = ts->st[i].full;
		d->last_size = ts->last_size[i];
		d->growth = TAKE_PTR(ts->gb[i].g);
		d->ngrowth = ts->gb[i].n;
		d->growth_alloc = ts->gb[i].alloc;
	}
	r = profile_encode(e, &ts->prov, &bin, &blen);
	if (r < 0)
		return r == -ENOMEM ? r : bad(&ts->rd, "cannot encode: %s", strerror(-r));
	r = profile_decode(bin, blen, &checked, NULL, w2, sizeof(w2));
	if (r < 0) {
		if (ts->rd.why && ts->rd.whylen)
			snprintf(ts->rd.why, ts->rd.whylen, "inconsistent profile: %s", w2);
		return r;
	}
	engine_free(ts->e);
	ts->e = NULL;
	if (ret_p)
		*ret_p = ts->prov;
	*ret_e = checked;
	return 0;
}

int profile_text_decode(const char *text, size_t len, struct cids_engine **ret_e,
			struct cids_provenance *ret_p, char *why, size_t whylen)
{
	_cleanup_(text_state_done) struct text_state ts = {
		.rd = {.why = why, .whylen = whylen},
		.cur = -1,
	};
	bool header_done = false;
	size_t pos = 0;
	char line[TEXT_MAX_LINE];
	int r;

	if (!text && len)
		return -EINVAL;
	ts.c.clock = CIDS_CLOCK_SECONDS;
	r = list_dbs(text, len, &ts.c, &ts.rd);
	if (r < 0)
		return r;
	ts.rd.line = 0;
	while (pos < len && !ts.ended) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *w[TEXT_MAX_WORDS];

		ts.rd.line++;
		if (l >= sizeof(line))
			return bad(&ts.rd, "longer than %zu bytes", sizeof(line) - 1);
		memcpy(line, text + pos, l);
		line[l] = '\0';
		pos += l + (nl ? 1 : 0);
		if (memchr(line, '\0', l))
			return bad(&ts.rd, "NUL byte");
		if (!header_done) {
			if (strcmp(line, TEXT_MAGIC) != 0)
				return bad(&ts.rd, "not a cids profile text (expected \"%s\")",
					   TEXT_MAGIC);
			header_done = true;
			continue;
		}
		if (!line[0] || line[0] == '#')
			continue;
		bool setting = strncmp(line, "key ", 4) == 0 || strncmp(line, "source ", 7) == 0 ||
			       strcmp(line, "key") == 0 || strcmp(line, "source") == 0;
		unsigned n = split(line, w, setting ? 2 : TEXT_MAX_WORDS);
		r = text_line(&ts, w, n);
		if (r < 0)
			return r;
	}
	if (!ts.ended)
		return bad(&ts.rd, "no \"end\" line: truncated");
	return text_finish(&ts, ret_e, ret_p);
}
