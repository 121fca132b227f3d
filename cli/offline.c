/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared pieces of the offline commands: option parsing, progress, learning and loading. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cids/log.h"
#include "cids/macro.h"
#include "offline.h"

int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *ret)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_double(const char *s, double min, double max, double *ret)
{
	double v;
	char *end;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_k_list(const char *s, unsigned min, unsigned max, uint8_t *out, unsigned cap,
		 unsigned *ret_n)
{
	bool seen[256] = {};
	unsigned n = 0;
	const char *p = s;

	if (!s || !*s || max > 255)
		return -EINVAL;
	while (*p) {
		char *end;
		unsigned long a, b;
		errno = 0;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		a = strtoul(p, &end, 10);
		b = a;
		if (errno)
			return -EINVAL;
		p = end;
		if (*p == '-') {
			p++;
			if (*p < '0' || *p > '9')
				return -EINVAL;
			b = strtoul(p, &end, 10);
			if (errno)
				return -EINVAL;
			p = end;
		}
		if (a < min || b > max || a > b)
			return -EINVAL;
		for (unsigned long k = a; k <= b; k++)
			seen[k] = true;
		if (*p == ',')
			p++;
		else if (*p)
			return -EINVAL;
	}
	for (unsigned k = min; k <= max; k++)
		if (seen[k]) {
			if (n == cap)
				return -E2BIG;
			out[n++] = (uint8_t)k;
		}
	if (n == 0)
		return -EINVAL;
	*ret_n = n;
	return 0;
}

int parse_algorithms(const char *s, bool *stide, bool *bosc)
{
	char buf[64];
	char *save = NULL, *tok;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	*stide = *bosc = false;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "stide") == 0)
			*stide = true;
		else if (strcmp(tok, "bosc") == 0)
			*bosc = true;
		else
			return -EINVAL;
	}
	return *stide || *bosc ? 0 : -EINVAL;
}

int parse_seq(const char *s)
{
	return cids_seq_from_name(s);
}

const char *seq_name(enum cids_seq s)
{
	const char *n = cids_seq_name(s);

	return n ? n : "?";
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(struct progress *p, const char *what, size_t total)
{
	p->on = isatty(STDERR_FILENO) == 1;
	p->start = p->last = mono();
	p->total = total;
	p->what = what;
}

void progress_update(struct progress *p, size_t done, uint64_t calls)
{
	double t;

	if (!p->on)
		return;
	t = mono();
	if (t - p->last < 0.2 && done < p->total)
		return;
	p->last = t;
	fprintf(stderr, "\r\033[K%s: %zu/%zu files, %llu calls, %.0f calls/s", p->what, done,
		p->total, (unsigned long long)calls,
		t > p->start ? (double)calls / (t - p->start) : 0);
}

void progress_done(struct progress *p)
{
	if (p->on)
		fprintf(stderr, "\r\033[K");
}

#define MAX_WARNINGS_PER_FILE 10

struct warn_state {
	const char *path;
	unsigned n;
};

/* Log skipped bad lines; after MAX_WARNINGS_PER_FILE only count them (summary at file end). */
static void warn_cb(void *ud, const char *msg)
{
	struct warn_state *w = ud;
	if (++w->n <= MAX_WARNINGS_PER_FILE)
		log_warn("%s", msg);
}

static void warn_summary(const struct warn_state *w)
{
	if (w->n > MAX_WARNINGS_PER_FILE)
		log_warn("\"%s\": %u bad lines skipped in all (first %d shown).", w->path, w->n,
			 MAX_WARNINGS_PER_FILE);
}

/* Open f->paths[i] with the warning hook set. */
static int open_reader(const struct trace_files *f, size_t i, const struct trace_opts *o,
		       struct warn_state *w, struct trace_reader **ret)
{
	struct trace_opts oo = *o;
	int r;

	*w = (struct warn_state){.path = f->paths[i]};
	oo.warn = warn_cb;
	oo.warn_ud = w;
	r = trace_reader_open(f->paths[i], &oo, ret);
	if (r < 0)
		log_error_errno(r, "Cannot read \"%s\"", f->paths[i]);
	return r;
}

int learn_files(struct cids_engine *e, const struct trace_files *f, const struct trace_opts *o,
		enum cids_clock clock, struct learn_stats *st)
{
	struct progress pg;
	int r = 0;

	progress_init(&pg, "learning", f->n);
	for (size_t i = 0; i < f->n; i++) {
		struct trace_reader *rd = NULL;
		struct trace_event ev;
		double base = engine_elapsed(e), t0 = NAN, last = base;
		const struct trace_stats *ts;
		struct warn_state ws;

		r = open_reader(f, i, o, &ws, &rd);
		if (r < 0)
			break;
		while ((r = trace_reader_next(rd, &ev)) > 0) {
			double now;
			if (ev.kind == TRACE_EV_END) {
				engine_end_stream(e, ev.stream);
				continue;
			}
			if (ev.kind == TRACE_EV_RESET) { /* next archive member: its own clock */
				engine_reset_streams(e);
				base = last;
				t0 = NAN;
				continue;
			}
			if (clock == CIDS_CLOCK_CALLS) {
				now = last + 1;
			} else {
				if (isnan(ev.time)) {
					log_error("%s:%lu: no timestamp; record with \"strace -f "
						  "-ttt\" "
						  "or train with --clock calls",
						  f->paths[i], ev.line);
					r = -EBADMSG;
					break;
				}
				if (isnan(t0))
					t0 = ev.time;
				now = base + (ev.time - t0);
				if (now < last)
					now = last; /* interleaved threads may print out of order */
			}
			last = now;
			r = engine_learn(e, ev.stream, ev.sym, now);
			if (r == 1) {
				st->full_events++;
				log_warn("%s:%lu: a database is full (%u entries): it stops "
					 "learning",
					 f->paths[i], ev.line, engine_config(e)->max_entries);
			} else if (r < 0) {
				if (r == -ENOSPC)
					log_error("%s:%lu: more live processes/threads than the "
						  "engine "
						  "tracks (cap)",
						  f->paths[i], ev.line);
				else
					log_error_errno(r, "%s:%lu: cannot learn", f->paths[i],
							ev.line);
				break;
			}
			if ((++st->calls & 0xffff) == 0)
				progress_update(&pg, i, st->calls);
		}
		warn_summary(&ws);
		if (trace_reader_stats(rd)->truncated)
			log_warn("\"%s\": %llu lines longer than %u bytes were read up to that.",
				 f->paths[i], (unsigned long long)trace_reader_stats(rd)->truncated,
				 TRACE_MAX_LINE);
		if (r < 0 && r != -ENOSPC && rd && trace_reader_error(rd)[0])
			log_error("%s", trace_reader_error(rd));
		ts = trace_reader_stats(rd);
		st->unknown += ts->unknown;
		st->bad_lines += ts->bad_lines;
		if (ts->unknown && !st->first_unknown[0])
			snprintf(st->first_unknown, sizeof(st->first_unknown), "%s",
				 ts->first_unknown);
		trace_reader_free(rd);
		engine_reset_streams(e);
		if (r < 0)
			break;
		st->files++;
		progress_update(&pg, i + 1, st->calls);
	}
	progress_done(&pg);
	return r < 0 ? r : 0;
}

/* --- traces in memory --- */

struct smap_ent {
	uint64_t key; /* stream + 1, 0 = empty */
	size_t idx;   /* trace index, SIZE_MAX = ended */
};

struct smap {
	struct smap_ent *e;
	size_t cap, n;
};

static struct smap_ent *smap_slot(struct smap *m, uint64_t stream)
{
	size_t mask = m->cap - 1, i = (size_t)((stream + 1) * 0x9E3779B97F4A7C15ull >> 17) & mask;

	while (m->e[i].key != 0 && m->e[i].key != stream + 1)
		i = (i + 1) & mask;
	return &m->e[i];
}

/* The trace index slot of a stream (SIZE_MAX: no trace open for it). */
static int smap_get(struct smap *m, uint64_t stream, size_t **ret)
{
	struct smap_ent *ent;

	if ((m->n + 1) * 2 > m->cap) {
		struct smap old = *m;
		m->cap = m->cap ? m->cap * 2 : 64;
		m->e = calloc(m->cap, sizeof(*m->e));
		if (!m->e) {
			*m = old;
			return -ENOMEM;
		}
		for (size_t i = 0; i < old.cap; i++)
			if (old.e[i].key)
				*smap_slot(m, old.e[i].key - 1) = old.e[i];
		free(old.e);
	}
	ent = smap_slot(m, stream);
	if (ent->key == 0) {
		ent->key = stream + 1;
		ent->idx = SIZE_MAX;
		m->n++;
	}
	*ret = &ent->idx;
	return 0;
}

static int set_push(struct trace_set *s, size_t file, unsigned member, uint64_t stream, size_t *ret)
{
	if (s->n >= TRACE_SET_MAX_TRACES)
		return -E2BIG;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 1024;
		struct trace_rec *nt = reallocarray(s->t, nc, sizeof(*nt));
		if (!nt)
			return -ENOMEM;
		s->t = nt;
		s->cap = nc;
	}
	s->t[s->n] = (struct trace_rec){.file = file, .member = member, .stream = stream};
	*ret = s->n++;
	return 0;
}

/* t is an element of trace_set.t, made by set_push before the first call for it */
static int rec_add(struct trace_rec *t, unsigned sym)
{
	// NOLINTNEXTLINE(clang-analyzer-core.NullDereference)
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 256;
		uint16_t *ns = reallocarray(t->syms, nc, sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		t->syms = ns;
		t->cap = nc;
	}
	t->syms[t->n++] = (uint16_t)sym;
	return 0;
}

int trace_set_load(const struct trace_files *f, const struct trace_opts *o, const char *what,
		   struct trace_set *ret)
{
	struct trace_set s = {};
	struct progress pg;
	int r = 0;

	progress_init(&pg, what, f->n);
	for (size_t i = 0; i < f->n && r >= 0; i++) {
		struct trace_reader *rd = NULL;
		struct smap m = {};
		struct trace_event ev;
		unsigned member = 0;
		struct warn_state ws;

		r = open_reader(f, i, o, &ws, &rd);
		if (r < 0)
			break;
		while ((r = trace_reader_next(rd, &ev)) > 0) {
			size_t *idx;
			if (ev.kind == TRACE_EV_RESET) { /* next archive member: all streams end */
				if (m.e)
					memset(m.e, 0, m.cap * sizeof(*m.e));
				m.n = 0;
				member++;
				continue;
			}
			r = smap_get(&m, ev.stream, &idx);
			if (r < 0)
				break;
			if (ev.kind == TRACE_EV_END) {
				*idx = SIZE_MAX;
				continue;
			}
			if (*idx == SIZE_MAX) {
				r = set_push(&s, i, member, ev.stream, idx);
				if (r < 0) {
					log_error("More than %u traces (cap)",
						  TRACE_SET_MAX_TRACES);
					break;
				}
			}
			if (s.calls >= TRACE_SET_MAX_CALLS) {
				log_error("%s:%lu: more than %llu calls to hold in memory (cap)",
					  f->paths[i], ev.line,
					  (unsigned long long)TRACE_SET_MAX_CALLS);
				r = -E2BIG;
				break;
			}
			/* set_push above made s.t hold record *idx */
			r = rec_add(&s.t[*idx], ev.sym);
			if (r < 0)
				break;
			if ((++s.calls & 0xffff) == 0)
				progress_update(&pg, i, s.calls);
		}
		warn_summary(&ws);
		if (trace_reader_stats(rd)->truncated)
			log_warn("\"%s\": %llu lines longer than %u bytes were read up to that.",
				 f->paths[i], (unsigned long long)trace_reader_stats(rd)->truncated,
				 TRACE_MAX_LINE);
		if (r < 0 && trace_reader_error(rd)[0])
			log_error("%s", trace_reader_error(rd));
		else if (r == -ENOMEM)
			log_error("Out of memory loading \"%s\"", f->paths[i]);
		s.unknown += trace_reader_stats(rd)->unknown;
		s.bad_lines += trace_reader_stats(rd)->bad_lines;
		trace_reader_free(rd);
		free(m.e);
		progress_update(&pg, i + 1, s.calls);
	}
	progress_done(&pg);
	if (r < 0) {
		trace_set_done(&s);
		return r;
	}
	*ret = s;
	return 0;
}

void trace_set_done(struct trace_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->t[i].syms);
	free(s->t);
	*s = (struct trace_set){};
}

int learn_set(struct cids_engine *e, const struct trace_set *s, const bool *pick)
{
	for (size_t i = 0; i < s->n; i++) {
		if (pick && !pick[i])
			continue;
		/* the call clock (one call, one unit): the batch path learns what engine_learn
		 * would call by call (tests/unit/test_engine_batch.c) */
		int r = engine_learn_many(e, 0, s->t[i].syms, s->t[i].n, NULL);
		if (r < 0)
			return r;
		engine_end_stream(e, 0);
	}
	return 0;
}

int check_output_path(const char *path, bool force)
{
	struct stat sb;

	if (lstat(path, &sb) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISREG(sb.st_mode))
		return -EINVAL;
	return force ? 0 : -EEXIST;
}
