/* SPDX-License-Identifier: GPL-2.0-or-later */
/* LID-DS 2021: "<ts_ns> <uid> <pid> <pname> <tid> <syscall> <dir> args..." (sysdig). */
#include <string.h>

#include "trace_internal.h"

static int lid_line(struct trace_reader *r, struct trace_event *ev)
{
	const char *p = r->line, *name, *pname;
	uint64_t ts, uid, pid, tid, stream;
	struct tslot *s = NULL;
	uint32_t h;
	size_t n;
	char dir;
	int k;

	if (*p == '\0') {
		r->st.skipped++;
		return 0;
	}
	if (!trace_parse_u64(&p, &ts) || *p != ' ')
		return trace_bad_line(r, "expected a nanosecond timestamp");
	p++;
	if (!trace_parse_u64(&p, &uid) || *p != ' ')
		return trace_bad_line(r, "expected a user id after the timestamp");
	p++;
	if (!trace_parse_u64(&p, &pid) || *p != ' ')
		return trace_bad_line(r, "expected a process id after the user id");
	pname = ++p;
	while (*p && *p != ' ')
		p++;
	if (p == pname || *p != ' ')
		return trace_bad_line(r, "expected a process name after the process id");
	p++;
	if (!trace_parse_u64(&p, &tid) || *p != ' ')
		return trace_bad_line(r, "expected a thread id after the process name");
	name = ++p;
	while (trace_is_name_char(*p))
		p++;
	n = (size_t)(p - name);
	if (n == 0 || n > 63 || *p != ' ')
		return trace_bad_line(r, "expected a system call name after the thread id");
	p++;
	dir = *p;
	if ((dir != '>' && dir != '<') || (p[1] != ' ' && p[1] != '\0'))
		return trace_bad_line(
			r, "expected direction \">\" or \"<\" after the system call name");

	stream = r->o.seq == CIDS_SEQ_CONTAINER ? 0 : r->o.seq == CIDS_SEQ_PROCESS ? pid : tid;
	if (n == 8 && memcmp(name, "procexit", 8) == 0) { /* sysdig event, not a call */
		r->st.skipped++;
		if (r->o.seq == CIDS_SEQ_CONTAINER || (r->o.seq == CIDS_SEQ_PROCESS && pid != tid))
			return 0;
		ev->kind = TRACE_EV_END;
		ev->stream = stream;
		ev->sym = 0;
		ev->time = (double)ts / 1e9;
		ev->line = r->lineno;
		return 1;
	}
	h = trace_name_hash(name, n) | 1u; /* never 0: 0 means "no open entry" */
	k = trace_slot_get(r, tid, true, &s);
	if (k < 0)
		return k;
	if (dir == '>') {
		s->pending = h;
	} else {
		bool had = s->pending == h;
		s->pending = 0;
		if (had) { /* exit of an entry already counted */
			r->st.skipped++;
			return 0;
		}
		/* an exit without its entry (recording started mid-call): count it here */
	}
	return trace_emit(r, ev, stream, trace_name_sym(r, name, n), (double)ts / 1e9);
}

int trace_next_lid(struct trace_reader *r, struct trace_event *ev)
{
	return trace_next_from_lines(r, ev, lid_line);
}
