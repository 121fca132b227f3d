/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids report: axis ticks, labels, escaping, Fig. 3 point classes, the SVG and Table II rows. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the CLI is not a library: compile its report pieces into the test */

#include "cids/macro.h"
#include "report.h"
#include "svg.h"

static char *capture(void (*fn)(FILE *, void *), void *ud)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert(f);
	fn(f, ud);
	fclose(f);
	return buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

Test(report, nice_ticks_cover_the_range_with_round_steps)
{
	static const double maxes[] = {0, 0.3, 1, 7, 10, 99, 101, 1234, 20000, 37001, 3e6, 1e9 + 1};
	for (size_t i = 0; i < ARRAY_SIZE(maxes); i++)
		for (unsigned n = 1; n <= 10; n++) {
			struct svg_ticks t;
			svg_nice_ticks(maxes[i], n, &t);
			cr_assert_geq(t.max, maxes[i], "max %g n %u", maxes[i], n);
			cr_assert_leq(t.n, n, "max %g: %u intervals > %u", maxes[i], t.n, n);
			cr_assert_geq(t.n, 1);
			double m = t.step / pow(10, floor(log10(t.step)));
			cr_assert(fabs(m - 1) < 1e-9 || fabs(m - 2) < 1e-9 || fabs(m - 5) < 1e-9,
				  "step %g is not 1, 2 or 5 x 10^n", t.step);
			/* not wastefully large: the last tick is below max + step */
			cr_assert_lt(t.max - t.step, maxes[i] > 0 ? maxes[i] : 1);
		}
}

Test(report, si_labels)
{
	char b[32];
	svg_format_si(20000, 5000, b, sizeof(b));
	cr_assert_str_eq(b, "20k");
	svg_format_si(2500, 500, b, sizeof(b));
	cr_assert_str_eq(b, "2.5k");
	svg_format_si(1500000, 500000, b, sizeof(b));
	cr_assert_str_eq(b, "1.5M");
	svg_format_si(250, 50, b, sizeof(b));
	cr_assert_str_eq(b, "250");
	svg_format_si(0.4, 0.2, b, sizeof(b));
	cr_assert_str_eq(b, "0.4");
	svg_format_si(0, 5000, b, sizeof(b));
	cr_assert_str_eq(b, "0");
	/* ticks of one axis get distinct labels */
	struct svg_ticks t;
	svg_nice_ticks(3100, 6, &t);
	char prev[32] = "";
	for (unsigned i = 0; i <= t.n; i++) {
		svg_format_si(t.v[i], t.step, b, sizeof(b));
		cr_assert_str_neq(b, prev);
		strcpy(prev, b);
	}
}

static void esc(FILE *f, void *ud)
{
	svg_escape(f, ud, 0);
}

Test(report, escape_yields_plain_xml_text)
{
	char *s = capture(esc, "a<b>&\"c'\x01\xff\xc3\xa9z");
	cr_assert_str_eq(s, "a&lt;b&gt;&amp;&quot;c&apos;????z");
	free(s);
}

/* An engine fed a cycle of 3 calls: the databases stop growing after the first sample. */
static struct cids_engine *cyclic_engine(unsigned consecutive, size_t calls)
{
	struct cids_engine_config c;
	struct cids_engine *e = NULL;

	engine_config_default(&c);
	c.arch = CIDS_ARCH_X86_64;
	c.clock = CIDS_CLOCK_CALLS;
	c.ndbs = 3;
	c.dbs[0] = (struct cids_db_id){CIDS_ALGO_STIDE, 3};
	c.dbs[1] = (struct cids_db_id){CIDS_ALGO_STIDE, 4};
	c.dbs[2] = (struct cids_db_id){CIDS_ALGO_BOSC, 3};
	c.interval = 10;
	c.sigma = 0.15;
	c.consecutive = consecutive;
	cr_assert_eq(engine_new(&c, &e), 0);
	for (size_t i = 0; i < calls; i++)
		cr_assert_geq(engine_learn(e, 1, (unsigned[]){0, 1, 2}[i % 3], (double)(i + 1)), 0);
	return e;
}

Test(report, classify_marks_fig3_points)
{
	struct cids_engine *e = cyclic_engine(4, 200);
	size_t n = 0;
	const struct cids_growth_point *g = engine_db_growth(e, 0, &n);
	const struct cids_steady *st = engine_db_steady(e, 0);
	cr_assert(st->steady);
	cr_assert_geq(n, 10);
	uint8_t cls[n];
	long s = growth_classify(g, n, st, 4, cls);
	cr_assert_geq(s, 3);
	cr_assert_float_eq(g[s].t, st->t_max, 1e-9);
	cr_assert_eq(cls[s], GROWTH_STEADY);
	for (long i = s - 3; i < s; i++)
		cr_assert_eq(cls[i], GROWTH_RUN, "point %ld", i);
	for (size_t i = 0; i < n; i++) {
		if ((long)i >= s - 3 && (long)i <= s)
			continue;
		cr_assert_eq(cls[i], g[i].below ? GROWTH_BELOW : GROWTH_ABOVE, "point %zu", i);
	}
	/* not steady: nothing red or green */
	struct cids_steady ns = *st;
	ns.steady = false;
	cr_assert_eq(growth_classify(g, n, &ns, 4, cls), -1);
	for (size_t i = 0; i < n; i++)
		cr_assert(cls[i] == GROWTH_BELOW || cls[i] == GROWTH_ABOVE);
	engine_free(e);
}

struct svg_args {
	struct cids_engine *e;
	struct cids_provenance *p;
	size_t max_points;
};

static void svg(FILE *f, void *ud)
{
	struct svg_args *a = ud;
	struct svg_opts o = {.max_points = a->max_points};
	cr_assert_eq(svg_growth_write(f, a->e, a->p, &o), 0);
}

Test(report, svg_has_a_panel_per_database_and_the_steady_points)
{
	struct cids_engine *e = cyclic_engine(3, 300);
	struct cids_provenance p = {.sessions = 1};
	strcpy(p.key, "web-1");
	strcpy(p.source, "</text><script>alert(1)</script>");
	struct svg_args a = {e, &p, 0};
	char *s = capture(svg, &a);

	cr_assert_eq(count(s, "<g class=\"panel\""), 3);
	cr_assert(strstr(s, "data-algo=\"stide\" data-k=\"3\""));
	cr_assert(strstr(s, "data-algo=\"stide\" data-k=\"4\""));
	cr_assert(strstr(s, "data-algo=\"bosc\" data-k=\"3\""));
	cr_assert_eq(count(s, "<circle class=\"steady\""), 3);
	cr_assert_eq(count(s, "<circle class=\"run\""), 3 * 2);
	cr_assert(strstr(s, "learning time (calls)"));
	cr_assert(strstr(s, "database size (entries)"));
	cr_assert(strstr(s, "&#963; = 0.15"));
	cr_assert_null(strstr(s, "<script>"));
	cr_assert(strstr(s, "&lt;/text&gt;&lt;script&gt;"));
	cr_assert_null(strstr(s, "decimated:"));
	free(s);

	/* a long curve is decimated, and says so, but keeps its coloured points */
	a.max_points = 10;
	s = capture(svg, &a);
	cr_assert_eq(count(s, "decimated: "), 3);
	cr_assert_eq(count(s, "<circle class=\"steady\""), 3);
	cr_assert_eq(count(s, "<circle class=\"run\""), 3 * 2);
	free(s);
	engine_free(e);
}

Test(report, svg_of_a_learning_profile_has_no_steady_point)
{
	struct cids_engine *e = cyclic_engine(1000, 100);
	struct cids_provenance p = {0};
	struct svg_args a = {e, &p, 0};
	char *s = capture(svg, &a);
	cr_assert_eq(count(s, "<g class=\"panel\""), 3);
	cr_assert_eq(count(s, "class=\"steady\""), 0);
	cr_assert_eq(count(s, "data-state=\"learning\""), 3);
	free(s);
	engine_free(e);
}

Test(report, rows_follow_the_steady_state)
{
	struct cids_engine *e = cyclic_engine(3, 300);
	struct report_row r;
	report_row(e, 0, &r);
	cr_assert(r.steady);
	cr_assert_str_eq(r.state, "steady");
	cr_assert_str_eq(r.algo, "stide");
	cr_assert_eq(r.k, 3);
	cr_assert_float_eq(r.t_max, engine_db_steady(e, 0)->t_max, 1e-9);
	cr_assert_eq(r.size, engine_db_steady(e, 0)->size);
	cr_assert_eq(r.size_now, engine_db_size(e, 0));
	engine_free(e);

	e = cyclic_engine(1000, 100);
	report_row(e, 2, &r);
	cr_assert_not(r.steady);
	cr_assert_str_eq(r.state, "not steady");
	cr_assert_float_eq(r.t_max, -1, 1e-9);
	cr_assert_eq(r.size, engine_db_size(e, 2));
	struct cids_provenance p = {0};
	json_object *j = report_json(e, &p);
	json_object *d = json_object_array_get_idx(json_object_object_get(j, "dbs"), 2);
	cr_assert_str_eq(json_object_get_string(json_object_object_get(d, "algorithm")), "bosc");
	cr_assert_null(json_object_object_get(d, "t_max"));
	json_object_put(j);
	engine_free(e);
}
