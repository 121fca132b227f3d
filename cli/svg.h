/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The growth-curve plot of `cids report` as SVG, and the small pieces it is built from (nice
 * axis ticks, SI-suffixed labels, XML escaping, point classes as in the paper's Fig. 3).
 */
#ifndef CIDS_CLI_SVG_H
#define CIDS_CLI_SVG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cids/engine.h"
#include "cids/profile.h"

#define SVG_MAX_TICKS	   16
#define SVG_DEFAULT_POINTS 1500 /* points drawn per panel before decimation */

struct svg_ticks {
	double step, max; /* axis runs from 0 to max, a multiple of step */
	unsigned n;	  /* ticks at 0, step, ..., max */
	double v[SVG_MAX_TICKS + 1];
};

/* Ticks from 0 to at least `max` with a step of 1, 2 or 5 times a power of ten and at most
 * max_ticks intervals (>= 1). max <= 0 gives the axis 0..1. */
void svg_nice_ticks(double max, unsigned max_ticks, struct svg_ticks *ret);

/* Tick label: "0", "250", "2.5", "20k", "1.5M", "3G" (the step decides the decimals). */
void svg_format_si(double v, double step, char *buf, size_t len);

/* Write s with &<>"' escaped; control characters and bytes >= 0x80 become '?', so any input
 * yields well-formed XML. At most max bytes of s are used (0 = no limit). */
void svg_escape(FILE *f, const char *s, size_t max);

/* Point classes of the paper's Fig. 3. */
enum growth_class {
	GROWTH_ABOVE = 0,  /* slope > sigma or negative */
	GROWTH_BELOW = 1,  /* 0 <= slope <= sigma (blue) */
	GROWTH_RUN = 2,	   /* one of the consecutive-1 samples just before the steady one (green) */
	GROWTH_STEADY = 3, /* the sample at which steady state was declared (red) */
};
const char *growth_class_name(enum growth_class c); /* "above" "below" "run" "steady" */

/* Classify the n points of a growth curve into cls[n]. Returns the index of the steady point
 * or -1 when the database is not steady or its steady sample is not on the curve. */
long growth_classify(const struct cids_growth_point *g, size_t n, const struct cids_steady *st,
		     unsigned consecutive, uint8_t *cls);

struct svg_opts {
	size_t max_points; /* per panel; 0 = SVG_DEFAULT_POINTS */
	const char *title; /* NULL: "cids growth curves" */
};

/* The whole plot: one panel per database in a grid (a row per algorithm, a column per k). */
int svg_growth_write(FILE *f, const struct cids_engine *e, const struct cids_provenance *p,
		     const struct svg_opts *o);

#endif
