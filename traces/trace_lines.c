/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The readers' core: errors, bytes to lines, call events, the per-file thread table, names. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_internal.h"

int trace_fail_at(struct trace_reader *r, int err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(r->err, sizeof(r->err), "%s:%lu: %s", r->name, r->lineno ? r->lineno : 1, msg);
	return err;
}

/* A bad line: fail, or with skip_bad keep a warning and go on (returns 0). */
int trace_bad_line(struct trace_reader *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!r->o.skip_bad)
		return trace_fail_at(r, -EBADMSG, "%s", msg);
	r->st.bad_lines++;
	snprintf(r->warn, sizeof(r->warn), "%s:%lu: %s (skipped)", r->name,
		 r->lineno ? r->lineno : 1, msg);
	if (r->o.warn)
		r->o.warn(r->o.warn_ud, r->warn);
	return 0;
}

int trace_src_fail(struct trace_reader *r)
{
	const char *why = tsrc_error(r->src);
	return trace_fail_at(r, r->src_err ? r->src_err : -EIO, "%s", why[0] ? why : "read error");
}

/* 1: line in r->line; 0: end of file; -EMSGSIZE (r->line holds the first TRACE_MAX_LINE bytes,
 * the rest was skipped); -EILSEQ (NUL);
 * other -errno: the source failed (r->err says why). */
int trace_next_line(struct trace_reader *r)
{
	size_t n = 0;
	bool nul = false, long_ = false;
	int c;

	c = trace_getc(r);
	if (c == EOF)
		return 0;
	r->lineno++;
	for (; c != EOF && c != '\n'; c = trace_getc(r)) {
		if (c == -2)
			return trace_src_fail(r);
		if (c == 0)
			nul = true;
		if (n < TRACE_MAX_LINE)
			r->line[n++] = (char)c;
		else
			long_ = true;
	}
	while (n > 0 && (r->line[n - 1] == '\r' || r->line[n - 1] == ' ' || r->line[n - 1] == '\t'))
		n--;
	r->line[n] = '\0';
	r->linelen = n;
	if (nul)
		return -EILSEQ;
	if (long_)
		return -EMSGSIZE;
	return 1;
}

int trace_emit(struct trace_reader *r, struct trace_event *ev, uint64_t stream, unsigned sym,
	       double t)
{
	if (r->st.calls >= r->o.max_calls)
		return trace_fail_at(r, -E2BIG, "more than %llu calls in one file (cap)",
				     (unsigned long long)r->o.max_calls);
	r->st.calls++;
	ev->kind = TRACE_EV_CALL;
	ev->stream = stream;
	ev->sym = sym;
	ev->time = t;
	ev->line = r->lineno;
	return 1;
}

/* --- thread table --- */

int trace_slot_get(struct trace_reader *r, uint64_t tid, bool create, struct tslot **ret)
{
	size_t i, mask;

	if (!r->slots) {
		if (!create)
			return 0;
		r->nslots = 1024;
		r->slots = calloc(r->nslots, sizeof(*r->slots));
		if (!r->slots)
			return -ENOMEM;
	}
	mask = r->nslots - 1;
	for (i = (size_t)(tid * 0x9E3779B97F4A7C15ull >> 20) & mask;; i = (i + 1) & mask) {
		if (r->slots[i].tid == tid + 1) {
			*ret = &r->slots[i];
			return 1;
		}
		if (r->slots[i].tid == 0)
			break;
	}
	if (!create)
		return 0;
	if (r->used >= TRACE_MAX_TRACKED)
		return trace_fail_at(r, -E2BIG, "more than %u threads in one file (cap)",
				     TRACE_MAX_TRACKED);
	if ((r->used + 1) * 2 > r->nslots) {
		size_t nn = r->nslots * 2;
		struct tslot *ns = calloc(nn, sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		for (size_t j = 0; j < r->nslots; j++) {
			size_t k;
			if (!r->slots[j].tid)
				continue;
			for (k = (size_t)((r->slots[j].tid - 1) * 0x9E3779B97F4A7C15ull >> 20) &
				 (nn - 1);
			     ns[k].tid; k = (k + 1) & (nn - 1))
				;
			ns[k] = r->slots[j];
		}
		free(r->slots);
		r->slots = ns;
		r->nslots = nn;
		return trace_slot_get(r, tid, create, ret);
	}
	r->slots[i].tid = tid + 1;
	r->slots[i].tgid = tid;
	r->used++;
	*ret = &r->slots[i];
	return 1;
}

uint32_t trace_name_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* Syscall name (x86_64) to symbol; unknown names count and map to CIDS_SYM_OTHER. */
unsigned trace_name_sym(struct trace_reader *r, const char *name, size_t n)
{
	char buf[64];
	int nr;

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, name, n);
	buf[n] = '\0';
	if (strncmp(buf, "syscall_", 8) == 0) { /* strace's name for numbers it cannot name */
		char *end;
		unsigned long v;
		errno = 0;
		v = strtoul(buf + 8, &end, 0);
		if (!errno && *end == '\0' && end != buf + 8)
			return cids_sym(v > CIDS_SYM_OTHER ? CIDS_SYM_OTHER : (long)v);
	}
	nr = cids_sys_number(CIDS_ARCH_X86_64, buf);
	if (nr >= 0)
		return cids_sym(nr);
	if (r->st.unknown++ == 0)
		snprintf(r->st.first_unknown, sizeof(r->st.first_unknown), "%s", buf);
	return CIDS_SYM_OTHER;
}

/* Line-oriented formats: feed each line to parse_line until it yields an event or an error. */
int trace_next_from_lines(struct trace_reader *r, struct trace_event *ev,
			  int (*parse_line)(struct trace_reader *, struct trace_event *))
{
	for (;;) {
		int k = trace_next_line(r);
		if (k == -EILSEQ) {
			k = trace_bad_line(r, "binary data (NUL byte)");
		} else if (k == -EMSGSIZE || k > 0) {
			/* what matters (thread, time, name) is at the start of a long line */
			r->st.truncated += k < 0;
			k = parse_line(r, ev);
		} else {
			return k;
		}
		if (k != 0)
			return k;
	}
}
