/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Growth curves as SVG: one panel per (algorithm, k), coloured as the paper's Fig. 3. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cids/macro.h"
#include "svg.h"

/* Panel geometry (px). */
#define PANEL_W	 380
#define PANEL_H	 280
#define PAD_L	 64
#define PAD_R	 18
#define PAD_T	 48
#define PAD_B	 50
#define HEADER_H 92
#define MARGIN	 12
#define CHAR_W	 7.0 /* generous width of a 12px sans-serif digit, for tick spacing */

/* Intervals of width step needed to reach max (at least 1). */
static unsigned intervals(double max, double step)
{
	unsigned n = (unsigned)ceil(max / step - 1e-12);
	if (n < 1)
		n = 1;
	while (n * step < max)
		n++;
	return n;
}

void svg_nice_ticks(double max, unsigned max_ticks, struct svg_ticks *ret)
{
	struct svg_ticks t = {0};

	if (max_ticks < 1)
		max_ticks = 1;
	if (max_ticks > SVG_MAX_TICKS)
		max_ticks = SVG_MAX_TICKS;
	if (!(max > 0) || !isfinite(max))
		max = 1;

	double raw = max / max_ticks;
	double p = pow(10, floor(log10(raw)));
	static const double mult[] = {1, 2, 5, 10};
	double step = 10 * p;
	for (size_t i = 0; i < ARRAY_SIZE(mult); i++)
		if (mult[i] * p >= raw * (1 - 1e-12)) {
			step = mult[i] * p;
			break;
		}
	unsigned n = intervals(max, step);
	/* rounding can leave one interval too many: take the next step up */
	while (n > max_ticks) {
		double m = step / pow(10, floor(log10(step)));
		step = m < 1.5 ? step * 2 : m < 3 ? step * 2.5 : step * 2;
		n = intervals(max, step);
	}
	t.step = step;
	t.n = n;
	t.max = n * step;
	for (unsigned i = 0; i <= n; i++)
		t.v[i] = i * step;
	*ret = t;
}

void svg_format_si(double v, double step, char *buf, size_t len)
{
	static const struct {
		double div;
		const char *suffix;
	} si[] = {{1e9, "G"}, {1e6, "M"}, {1e3, "k"}, {1, ""}};
	double a = fabs(v), scale = 1;
	const char *suffix = "";

	for (size_t i = 0; i < ARRAY_SIZE(si); i++)
		if (a >= si[i].div && fabs(step) >= si[i].div / 10) {
			scale = si[i].div;
			suffix = si[i].suffix;
			break;
		}
	double sv = v / scale, ss = fabs(step) / scale;
	int dec = 0;
	/* enough decimals to tell neighbouring ticks apart */
	while (dec < 6 && ss > 0 && fabs(ss * pow(10, dec) - round(ss * pow(10, dec))) > 1e-6)
		dec++;
	if (fabs(sv) < 1e-12)
		sv = 0;
	snprintf(buf, len, "%.*f%s", dec, sv, suffix);
}

void svg_escape(FILE *f, const char *s, size_t max)
{
	if (!s)
		return;
	for (size_t i = 0; s[i] && (!max || i < max); i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		default:
			fputc(c < 0x20 || c >= 0x7f ? '?' : c, f);
		}
	}
}

const char *growth_class_name(enum growth_class c)
{
	static const char *const names[] = {"above", "below", "run", "steady"};
	return (unsigned)c < ARRAY_SIZE(names) ? names[c] : "above";
}

long growth_classify(const struct cids_growth_point *g, size_t n, const struct cids_steady *st,
		     unsigned consecutive, uint8_t *cls)
{
	long s = -1;

	for (size_t i = 0; i < n; i++)
		cls[i] = g[i].below ? GROWTH_BELOW : GROWTH_ABOVE;
	if (!st || !st->steady || n == 0)
		return -1;
	/* the steady sample: the point at t_max (sample times are exact multiples of the
	 * interval, so allow only rounding error) */
	double tol = 1e-9 * MAX(1.0, fabs(st->t_max));
	for (size_t i = 0; i < n; i++)
		if (fabs(g[i].t - st->t_max) <= tol) {
			s = (long)i;
			break;
		}
	if (s < 0)
		return -1;
	cls[s] = GROWTH_STEADY;
	for (long i = s - 1; i >= 0 && i > s - (long)consecutive; i--)
		cls[i] = GROWTH_RUN;
	return s;
}

static const char *class_colour(enum growth_class c)
{
	switch (c) {
	case GROWTH_BELOW:
		return "#1f5fd6";
	case GROWTH_RUN:
		return "#18a33b";
	case GROWTH_STEADY:
		return "#e0201b";
	default:
		return "#8a8a8a";
	}
}

struct panel {
	unsigned db;
	unsigned row, col;
};

static int panel_cmp(const void *a, const void *b)
{
	const struct panel *x = a, *y = b;
	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	return x->col < y->col ? -1 : x->col > y->col;
}

/* Pick the points to draw: every stride-th, the last, and every coloured one (run, steady). */
static size_t decimate(const uint8_t *cls, size_t n, size_t max_points, uint8_t *keep)
{
	size_t kept = 0, stride = 1;

	if (n > max_points && max_points > 0)
		stride = (n + max_points - 1) / max_points;
	for (size_t i = 0; i < n; i++) {
		keep[i] = i % stride == 0 || i + 1 == n || cls[i] == GROWTH_RUN ||
			  cls[i] == GROWTH_STEADY;
		kept += keep[i];
	}
	return kept;
}

static void axis(FILE *f, bool x_axis, const struct svg_ticks *t, double x0, double y0, double len,
		 const char *label)
{
	char buf[32];

	fprintf(f, "<g class=\"axis %s\">\n", x_axis ? "x" : "y");
	if (x_axis)
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n",
			x0, y0, x0 + len, y0);
	else
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n",
			x0, y0, x0, y0 - len);
	for (unsigned i = 0; i <= t->n; i++) {
		double p = len * t->v[i] / t->max;
		svg_format_si(t->v[i], t->step, buf, sizeof(buf));
		if (x_axis)
			fprintf(f,
				"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"#333\"/>"
				"<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
				"text-anchor=\"middle\">%s</text>\n",
				x0 + p, y0, x0 + p, y0 + 5, x0 + p, y0 + 18, buf);
		else
			fprintf(f,
				"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"#333\"/>"
				"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"#eee\"/>"
				"<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
				"text-anchor=\"end\">%s</text>\n",
				x0 - 5, y0 - p, x0, y0 - p, x0 + 1, y0 - p,
				x0 + PANEL_W - PAD_L - PAD_R, y0 - p, x0 - 8, y0 - p + 4, buf);
	}
	if (x_axis)
		fprintf(f,
			"<text class=\"axis-label x\" x=\"%.1f\" y=\"%.1f\" "
			"text-anchor=\"middle\">%s</text>\n",
			x0 + len / 2, y0 + 38, label);
	else
		fprintf(f,
			"<text class=\"axis-label y\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
			"transform=\"rotate(-90 %.1f %.1f)\">%s</text>\n",
			x0 - 50, y0 - len / 2, x0 - 50, y0 - len / 2, label);
	fprintf(f, "</g>\n");
}

/* How many tick intervals fit on an axis of len px when a label is up to `chars` wide. */
static unsigned ticks_fit(double len, unsigned chars, bool x_axis)
{
	double need = x_axis ? chars * CHAR_W + 14 : 22;
	unsigned n = (unsigned)(len / need);
	return MAX(1u, MIN(n, 8u));
}

/* The widest label of an axis 0..max with about n intervals, in characters. */
static unsigned label_chars(double max, unsigned n)
{
	struct svg_ticks t;
	char buf[32];
	unsigned w = 1;

	svg_nice_ticks(max, n, &t);
	for (unsigned i = 0; i <= t.n; i++) {
		svg_format_si(t.v[i], t.step, buf, sizeof(buf));
		w = MAX(w, (unsigned)strlen(buf));
	}
	return w;
}

/* The steady point: a red ring (the run's green points stay visible inside it on dense
 * curves) and a dashed guide down to T_max on the time axis. */
static void steady_mark(FILE *f, double cx, double cy, double y0)
{
	fprintf(f,
		"<line class=\"t-max\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		"stroke=\"%s\" stroke-width=\"1\" stroke-dasharray=\"3,3\"/>\n",
		cx, cy + 6, cx, y0, class_colour(GROWTH_STEADY));
	fprintf(f,
		"<circle class=\"steady\" cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"none\" "
		"stroke=\"%s\" stroke-width=\"2.5\"/>\n",
		cx, cy, class_colour(GROWTH_STEADY));
}

static void panel_write(FILE *f, const struct cids_engine *e, unsigned db, double ox, double oy,
			const struct svg_opts *o, uint8_t *cls, uint8_t *keep)
{
	const struct cids_engine_config *c = engine_config(e);
	const struct cids_steady *st = engine_db_steady(e, db);
	size_t n = 0;
	const struct cids_growth_point *g = engine_db_growth(e, db, &n);
	const char *algo = cids_algo_name(c->dbs[db].algo);
	unsigned k = c->dbs[db].k;
	const char *state = st->full ? "full" : st->steady ? "steady" : "learning";
	bool calls = c->clock == CIDS_CLOCK_CALLS;
	double pw = PANEL_W - PAD_L - PAD_R, ph = PANEL_H - PAD_T - PAD_B;
	double x0 = ox + PAD_L, y0 = oy + PANEL_H - PAD_B;
	double tmax = 0, smax = (double)engine_db_size(e, db);
	char buf2[96];

	for (size_t i = 0; i < n; i++) {
		tmax = MAX(tmax, g[i].t);
		smax = MAX(smax, (double)g[i].size);
	}
	if (st->steady) {
		tmax = MAX(tmax, st->t_max);
		smax = MAX(smax, (double)st->size);
	}
	long s = growth_classify(g, n, st, c->consecutive, cls);
	size_t kept = decimate(cls, n, o->max_points ? o->max_points : SVG_DEFAULT_POINTS, keep);

	struct svg_ticks tx, ty;
	unsigned nx = ticks_fit(pw, label_chars(tmax, 6), true);
	svg_nice_ticks(tmax, MIN(nx, ticks_fit(pw, label_chars(tmax, nx), true)), &tx);
	svg_nice_ticks(smax, ticks_fit(ph, 0, false), &ty);

	fprintf(f,
		"<g class=\"panel\" id=\"panel-%s-%u\" data-algo=\"%s\" data-k=\"%u\" "
		"data-state=\"%s\" data-points=\"%zu\" data-drawn=\"%zu\">\n",
		algo, k, algo, k, state, n, kept);
	fprintf(f,
		"<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" "
		"fill=\"#fff\" stroke=\"#ccc\"/>\n",
		ox, oy, PANEL_W, PANEL_H);
	fprintf(f,
		"<text class=\"panel-title\" x=\"%.1f\" y=\"%.1f\" font-weight=\"bold\">%s, k = "
		"%u</text>\n",
		ox + 10, oy + 18, strcmp(algo, "bosc") == 0 ? "BoSC" : "STIDE", k);
	if (st->steady) {
		fprintf(f,
			"<text class=\"panel-state steady\" x=\"%.1f\" y=\"%.1f\" fill=\"#b0120e\">"
			"steady: T_max = %.*f %s, %llu entries%s</text>\n",
			ox + 10, oy + 34, st->t_max == floor(st->t_max) ? 0 : 2, st->t_max,
			calls ? "calls" : "s", (unsigned long long)st->size,
			st->full ? " (full)" : "");
	} else {
		fprintf(f,
			"<text class=\"panel-state %s\" x=\"%.1f\" y=\"%.1f\">%s: %llu entries, "
			"%u of %u samples below sigma in a row</text>\n",
			state, ox + 10, oy + 34, st->full ? "full, learning stopped" : "not steady",
			(unsigned long long)engine_db_size(e, db), st->run, c->consecutive);
	}

	axis(f, true, &tx, x0, y0, pw, calls ? "learning time (calls)" : "learning time (s)");
	axis(f, false, &ty, x0, y0, ph, "database size (entries)");

	if (n == 0) {
		fprintf(f,
			"<text class=\"no-curve\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
			"fill=\"#666\">no growth curve (merged profile or no sample yet)</text>\n",
			x0 + pw / 2, y0 - ph / 2);
	} else {
		fprintf(f, "<polyline class=\"curve\" fill=\"none\" stroke=\"#999\" "
			   "stroke-width=\"1\" points=\"");
		/* a fresh profile's curve starts at size 0, time 0 (its first sample is one
		 * interval in); a continued profile's first sample is later */
		if (g[0].t <= c->interval * (1 + 1e-9))
			fprintf(f, "%.1f,%.1f ", x0, y0);
		for (size_t i = 0; i < n; i++)
			if (keep[i])
				fprintf(f, "%.1f,%.1f ", x0 + pw * g[i].t / tx.max,
					y0 - ph * (double)g[i].size / ty.max);
		fprintf(f, "\"/>\n");
		/* coloured points on top of grey ones; the steady ring under the green run, so
		 * that dense curves show both */
		static const enum growth_class order[] = {GROWTH_ABOVE, GROWTH_BELOW, GROWTH_STEADY,
							  GROWTH_RUN};
		for (size_t oi = 0; oi < ARRAY_SIZE(order); oi++)
			for (size_t i = 0; i < n; i++) {
				if (!keep[i] || cls[i] != order[oi])
					continue;
				double cx = x0 + pw * g[i].t / tx.max;
				double cy = y0 - ph * (double)g[i].size / ty.max;
				if (cls[i] == GROWTH_STEADY)
					steady_mark(f, cx, cy, y0);
				else
					fprintf(f,
						"<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" "
						"r=\"%s\" fill=\"%s\"/>\n",
						growth_class_name(cls[i]), cx, cy,
						cls[i] == GROWTH_RUN ? "3" : "2.5",
						class_colour(cls[i]));
			}
	}
	/* the steady point is drawn from the steady-state record when the curve lacks it
	 * (merged profiles, curves beyond CIDS_MAX_GROWTH) */
	if (st->steady && s < 0)
		steady_mark(f, x0 + pw * st->t_max / tx.max, y0 - ph * (double)st->size / ty.max,
			    y0);
	if (kept < n) {
		snprintf(buf2, sizeof(buf2), "decimated: %zu of %zu samples drawn", kept, n);
		fprintf(f,
			"<text class=\"decimated\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
			"font-size=\"10\" fill=\"#666\">%s</text>\n",
			ox + PANEL_W - 6, oy + 18, buf2);
	}
	fprintf(f, "</g>\n");
}

static void legend(FILE *f, double x, double y)
{
	static const struct {
		enum growth_class c;
		const char *text; /* XML already */
		unsigned chars;	  /* visible characters */
	} items[] = {
		{GROWTH_ABOVE, "slope &gt; &#963;", 9},
		{GROWTH_BELOW, "slope &#8804; &#963;", 9},
		{GROWTH_RUN, "run leading to steady state", 27},
		{GROWTH_STEADY, "steady point (T_max)", 20},
	};
	fprintf(f, "<g class=\"legend\">\n");
	for (size_t i = 0; i < ARRAY_SIZE(items); i++) {
		bool ring = items[i].c == GROWTH_STEADY;
		fprintf(f,
			"<circle class=\"legend-%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" fill=\"%s\" "
			"stroke=\"%s\" stroke-width=\"2.5\"/><text x=\"%.1f\" "
			"y=\"%.1f\">%s</text>\n",
			growth_class_name(items[i].c), x, y - 4, ring ? "5" : "4",
			ring ? "none" : class_colour(items[i].c),
			ring ? class_colour(items[i].c) : "none", x + 10, y, items[i].text);
		x += 40 + 7.0 * items[i].chars;
	}
	fprintf(f, "</g>\n");
}

int svg_growth_write(FILE *f, const struct cids_engine *e, const struct cids_provenance *p,
		     const struct svg_opts *o)
{
	const struct cids_engine_config *c = engine_config(e);
	struct panel panels[CIDS_MAX_DBS];
	unsigned nrows = 0, ncols = 0, col_of_row[2] = {0};
	size_t maxn = 1;
	bool calls = c->clock == CIDS_CLOCK_CALLS;
	char buf[64];

	if (c->ndbs == 0 || c->ndbs > CIDS_MAX_DBS)
		return -EINVAL;
	/* rows: stide then bosc; columns: k ascending */
	for (unsigned i = 0; i < c->ndbs; i++) {
		panels[i].db = i;
		panels[i].row = c->dbs[i].algo == CIDS_ALGO_BOSC ? 1 : 0;
		panels[i].col = c->dbs[i].k;
		size_t n = 0;
		engine_db_growth(e, i, &n);
		maxn = MAX(maxn, n);
	}
	qsort(panels, c->ndbs, sizeof(panels[0]), panel_cmp);
	bool has_row[2] = {false, false};
	for (unsigned i = 0; i < c->ndbs; i++)
		has_row[panels[i].row] = true;
	unsigned row_index[2] = {0, has_row[0] ? 1u : 0u};
	nrows = (unsigned)has_row[0] + (unsigned)has_row[1];
	for (unsigned i = 0; i < c->ndbs; i++) {
		unsigned r = panels[i].row;
		panels[i].col = col_of_row[r]++;
		panels[i].row = row_index[r];
		ncols = MAX(ncols, panels[i].col + 1);
	}

	_cleanup_free_ uint8_t *cls = malloc(maxn);
	_cleanup_free_ uint8_t *keep = malloc(maxn);
	if (!cls || !keep)
		return -ENOMEM;

	double width = MARGIN * 2 + ncols * (PANEL_W + MARGIN) - MARGIN;
	double height = HEADER_H + nrows * (PANEL_H + MARGIN) + MARGIN;
	width = MAX(width, 760);

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"cids-growth\" width=\"%.0f\" "
		"height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Arial, "
		"sans-serif\" "
		"font-size=\"12\" data-dbs=\"%u\">\n",
		width, height, width, height, c->ndbs);
	fprintf(f,
		"<desc>Growth of the normal databases while learning; one panel per algorithm and "
		"window size k. Curves longer than %zu samples are decimated for drawing (every "
		"n-th sample, plus the coloured ones).</desc>\n",
		o->max_points ? o->max_points : (size_t)SVG_DEFAULT_POINTS);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafafa\"/>\n",
		width, height);
	fprintf(f, "<text class=\"title\" x=\"%d\" y=\"24\" font-size=\"16\" font-weight=\"bold\">",
		MARGIN);
	svg_escape(f, o->title ? o->title : "cids growth curves", 200);
	if (p && p->key[0]) {
		fputs(": ", f);
		svg_escape(f, p->key, PROFILE_KEY_MAX);
	}
	fputs("</text>\n", f);
	svg_format_si(c->interval, c->interval, buf, sizeof(buf));
	fprintf(f,
		"<text class=\"caption sigma\" x=\"%d\" y=\"44\">Steady when 0 &#8804; slope "
		"&#8804; "
		"&#963; = %g entries/%s for %u consecutive samples, one sample every %s %s",
		MARGIN, c->sigma, calls ? "call" : "s", c->consecutive, buf, calls ? "calls" : "s");
	if (p && p->source[0]) {
		fputs("; source: ", f);
		svg_escape(f, p->source, 80);
	}
	fputs("</text>\n", f);
	legend(f, MARGIN + 6, 70);

	for (unsigned i = 0; i < c->ndbs; i++) {
		double ox = MARGIN + panels[i].col * (PANEL_W + MARGIN);
		double oy = HEADER_H + panels[i].row * (PANEL_H + MARGIN);
		panel_write(f, e, panels[i].db, ox, oy, o, cls, keep);
	}
	fprintf(f, "</svg>\n");
	return ferror(f) ? -EIO : 0;
}
