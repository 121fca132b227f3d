/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ADFA-LD (whitespace-separated numbers, one stream per file) and UNM ("pid nr" lines). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "trace_internal.h"

/* --- ADFA-LD: whitespace-separated numbers, one stream per file --- */

int trace_next_adfa(struct trace_reader *r, struct trace_event *ev)
{
	for (;;) {
		char tok[24];
		size_t n = 0;
		bool bad = false;
		int c, k;

		do {
			c = trace_getc(r);
			if (c == '\n')
				r->lineno++;
		} while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
		if (c == EOF)
			return 0;
		for (; c != EOF && c != ' ' && c != '\t' && c != '\n' && c != '\r';
		     c = trace_getc(r)) {
			if (c == -2)
				return trace_src_fail(r);
			if (c < '0' || c > '9')
				bad = true;
			if (n < sizeof(tok) - 1)
				tok[n++] = (char)c;
			else
				bad = true;
		}
		if (c == -2)
			return trace_src_fail(r);
		tok[n] = '\0';
		if (bad || n > 6) {
			for (size_t i = 0; i < n; i++)
				if (!isprint((unsigned char)tok[i]))
					tok[i] = '?';
			k = trace_bad_line(r, "\"%s%s\" is not a system-call number", tok,
					   n == sizeof(tok) - 1 ? "..." : "");
		} else {
			k = trace_emit(r, ev, 0, cids_sym(atol(tok)), NAN);
		}
		/* the separator that ended the token may end the line too: count it afterwards */
		if (c == '\n')
			r->lineno++;
		if (k != 0)
			return k;
	}
}

/* --- UNM: "pid nr" lines, processes interleaved --- */

int trace_next_unm(struct trace_reader *r, struct trace_event *ev)
{
	for (;;) {
		uint64_t pid, nr;
		const char *p;
		int k = trace_next_line(r);

		if (k == -EMSGSIZE)
			k = trace_bad_line(r, "line longer than %u bytes", TRACE_MAX_LINE);
		else if (k == -EILSEQ)
			k = trace_bad_line(r, "binary data (NUL byte)");
		else if (k <= 0)
			return k;
		else {
			p = trace_skip_sp(r->line);
			if (*p == '\0')
				continue; /* blank line */
			if (!trace_parse_u64(&p, &pid) || (*p != ' ' && *p != '\t') ||
			    !trace_parse_u64((p = trace_skip_sp(p), &p), &nr) ||
			    *trace_skip_sp(p) != '\0')
				k = trace_bad_line(r, "expected \"PID NUMBER\"");
			else
				return trace_emit(
					r, ev, r->o.seq == CIDS_SEQ_CONTAINER ? 0 : pid,
					cids_sym(nr > CIDS_SYM_OTHER ? CIDS_SYM_OTHER : (long)nr),
					NAN);
		}
		if (k < 0)
			return k;
	}
}
