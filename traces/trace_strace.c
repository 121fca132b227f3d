/* SPDX-License-Identifier: GPL-2.0-or-later */
/* strace -f -ttt (also -tt, -t): one stream per thread, threads grouped by their clone. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "trace_internal.h"

/* "1700000000.123456" (-ttt) or "12:34:56.123456" (-tt / -t). */
static bool parse_time(const char **p, double *ret)
{
	const char *s = *p;
	double v = 0;
	uint64_t a;

	if (!trace_parse_u64(&s, &a))
		return false;
	v = (double)a;
	if (*s == ':') {
		uint64_t m, sec;
		s++;
		if (!trace_parse_u64(&s, &m) || *s != ':')
			return false;
		s++;
		if (!trace_parse_u64(&s, &sec))
			return false;
		v = (double)a * 3600 + (double)m * 60 + (double)sec;
	}
	if (*s == '.') {
		double f = 0.1;
		s++;
		if (*s < '0' || *s > '9')
			return false;
		for (; *s >= '0' && *s <= '9'; s++, f /= 10)
			v += (*s - '0') * f;
	}
	if (*s != ' ')
		return false;
	*p = s;
	*ret = v;
	return true;
}

/* Return value " = N" at the end of a line, or -1. */
static int64_t strace_retval(const char *line)
{
	const char *eq = strstr(line, ") = ");
	const char *last = NULL;
	uint64_t v;

	while (eq) {
		last = eq;
		eq = strstr(eq + 1, ") = ");
	}
	if (!last)
		return -1;
	last += 4;
	if (!trace_parse_u64(&last, &v) || v > INT32_MAX)
		return -1;
	return (int64_t)v;
}

static int strace_new_thread(struct trace_reader *r, uint64_t parent, int64_t child)
{
	struct tslot *ps = NULL, *cs = NULL;
	uint64_t tgid = parent;
	int k;

	if (child <= 0)
		return 0;
	k = trace_slot_get(r, parent, false, &ps);
	if (k > 0)
		tgid = ps->tgid;
	k = trace_slot_get(r, (uint64_t)child, true, &cs);
	if (k < 0)
		return k;
	cs->tgid = tgid;
	return 0;
}

static uint64_t strace_stream(struct trace_reader *r, uint64_t tid)
{
	struct tslot *s = NULL;

	if (r->o.seq == CIDS_SEQ_CONTAINER)
		return 0;
	if (r->o.seq == CIDS_SEQ_PROCESS && trace_slot_get(r, tid, false, &s) > 0)
		return s->tgid;
	return tid;
}

static int strace_line(struct trace_reader *r, struct trace_event *ev)
{
	const char *p = r->line, *name;
	uint64_t tid = 0;
	double t = NAN;
	size_t n;
	int k;

	if (strncmp(p, "strace: ", 8) == 0 || *p == '\0') {
		r->st.skipped++;
		return 0;
	}
	if (strncmp(p, "[pid", 4) == 0) {
		p = trace_skip_sp(p + 4);
		if (!trace_parse_u64(&p, &tid) || *p != ']')
			return trace_bad_line(r, "malformed \"[pid N]\" prefix");
		p = trace_skip_sp(p + 1);
	} else if (*p >= '0' && *p <= '9') {
		/* "PID ..." with -f: digits then a space (a time has '.' or ':' after its digits)
		 */
		const char *d = p;
		uint64_t v;
		if (trace_parse_u64(&d, &v) && *d == ' ') {
			tid = v;
			p = trace_skip_sp(d);
		}
	}
	if (*p >= '0' && *p <= '9') {
		if (!parse_time(&p, &t))
			return trace_bad_line(r, "malformed timestamp");
		p = trace_skip_sp(p);
	}
	if (strncmp(p, "+++ ", 4) == 0) {
		struct tslot *s = NULL;
		bool thread;
		r->st.skipped++;
		/* a thread's exit ends its stream; a process stream ends with its leader. The id
		 * may be reused by an unrelated process: forget what it belonged to. */
		thread = trace_slot_get(r, tid, false, &s) > 0 && s->tgid != tid;
		if (s) {
			s->tgid = tid;
			s->pending = 0;
		}
		if (r->o.seq == CIDS_SEQ_CONTAINER || (r->o.seq == CIDS_SEQ_PROCESS && thread))
			return 0;
		ev->kind = TRACE_EV_END;
		ev->stream = tid;
		ev->sym = 0;
		ev->time = t;
		ev->line = r->lineno;
		return 1;
	}
	if (strncmp(p, "--- ", 4) == 0) {
		r->st.skipped++;
		return 0;
	}
	if (strncmp(p, "<... ", 5) == 0) {
		struct tslot *s = NULL;
		/* second half of an interrupted call: counted at its first half */
		r->st.skipped++;
		if (!strstr(p, " resumed>"))
			return trace_bad_line(r, "malformed \"<... resumed>\" line");
		if (trace_slot_get(r, tid, false, &s) > 0 && s->pending) {
			s->pending = 0;
			return strace_new_thread(r, tid, strace_retval(p));
		}
		return 0;
	}
	name = p;
	while (trace_is_name_char(*p))
		p++;
	n = (size_t)(p - name);
	if (n == 0 || n > 63 || *p != '(')
		return trace_bad_line(r, "expected a system call \"name(...\"");
	if ((n == 5 && memcmp(name, "clone", 5) == 0) ||
	    (n == 6 && memcmp(name, "clone3", 6) == 0)) {
		if (strstr(p, "CLONE_THREAD")) {
			if (strstr(p, "<unfinished ...>")) {
				struct tslot *s = NULL;
				k = trace_slot_get(r, tid, true, &s);
				if (k < 0)
					return k;
				s->pending = 1;
			} else {
				k = strace_new_thread(r, tid, strace_retval(p));
				if (k < 0)
					return k;
			}
		}
	}
	return trace_emit(r, ev, strace_stream(r, tid), trace_name_sym(r, name, n), t);
}

int trace_next_strace(struct trace_reader *r, struct trace_event *ev)
{
	return trace_next_from_lines(r, ev, strace_line);
}
