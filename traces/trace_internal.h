/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The trace readers' shared state and helpers (traces/ only): the reader, its byte and line
 * input, the per-file thread table, and the format parsers trace_reader_next dispatches to.
 */
#ifndef CIDS_TRACES_TRACE_INTERNAL_H
#define CIDS_TRACES_TRACE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "cids/macro.h"
#include "cids/trace.h"
#include "trace_src.h"

#define RD_CHUNK (64u << 10)

/* Per-thread state for strace (thread -> process) and LID-DS (pending entry). Open addressing,
 * no deletion: the table is per file and capped at TRACE_MAX_TRACKED. */
struct tslot {
	uint64_t tid; /* 0 = empty; stored as tid + 1 */
	uint64_t tgid;
	uint32_t pending; /* lid: hash of the open entry's name; strace: a clone is unfinished */
};

struct trace_reader {
	struct trace_opts o;
	char path[256];
	char name[520]; /* path, or path:member inside an archive */
	struct tsrc *src;
	unsigned char *buf;
	size_t bufpos, buflen;
	bool eof, started;
	int src_err;
	char *line; /* current line, NUL-terminated */
	size_t linelen;
	unsigned long lineno; /* lines started so far */
	struct tslot *slots;
	size_t nslots, used;
	struct trace_stats st;
	char err[1024];
	char warn[1024];
};

/* Next byte, EOF at the end of the file (or archive member), -2 on a read error. */
static inline int trace_getc(struct trace_reader *r)
{
	ssize_t n;

	if (r->bufpos < r->buflen)
		return r->buf[r->bufpos++];
	if (r->eof)
		return EOF;
	n = tsrc_read(r->src, r->buf, RD_CHUNK);
	if (n < 0) {
		r->src_err = (int)n;
		r->eof = true;
		return -2;
	}
	if (n == 0) {
		r->eof = true;
		return EOF;
	}
	r->buflen = (size_t)n;
	r->bufpos = 1;
	return r->buf[0];
}

/* Parse an unsigned decimal of at most 19 digits at *p; advances *p. */
static inline bool trace_parse_u64(const char **p, uint64_t *ret)
{
	const char *s = *p;
	uint64_t v = 0;
	unsigned n = 0;

	while (*s >= '0' && *s <= '9') {
		if (++n > 19)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		s++;
	}
	if (n == 0)
		return false;
	*p = s;
	*ret = v;
	return true;
}

static inline const char *trace_skip_sp(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static inline bool trace_is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* "file:line: reason" in r->err; returns err. */
_printf_(3, 4) int trace_fail_at(struct trace_reader *r, int err, const char *fmt, ...);
/* A bad line: fail (-EBADMSG), or with skip_bad keep a warning and go on (returns 0). */
_printf_(2, 3) int trace_bad_line(struct trace_reader *r, const char *fmt, ...);
/* The byte source failed: its reason as the reader's error. */
int trace_src_fail(struct trace_reader *r);
/* 1: line in r->line; 0: end of file; -EMSGSIZE (r->line holds the first TRACE_MAX_LINE bytes,
 * the rest was skipped); -EILSEQ (NUL); other -errno: the source failed (r->err says why). */
int trace_next_line(struct trace_reader *r);
/* A call event of stream at time t (within the calls cap): 1, or -E2BIG. */
int trace_emit(struct trace_reader *r, struct trace_event *ev, uint64_t stream, unsigned sym,
	       double t);
/* The thread table: 1 and *ret when tid is (or, with create, was made) known, 0 when not,
 * -E2BIG past TRACE_MAX_TRACKED, -ENOMEM. */
int trace_slot_get(struct trace_reader *r, uint64_t tid, bool create, struct tslot **ret);
uint32_t trace_name_hash(const char *s, size_t n);
/* Syscall name (x86_64) to symbol; unknown names count and map to CIDS_SYM_OTHER. */
unsigned trace_name_sym(struct trace_reader *r, const char *name, size_t n);
/* Line-oriented formats: feed each line to parse_line until it yields an event or an error. */
int trace_next_from_lines(struct trace_reader *r, struct trace_event *ev,
			  int (*parse_line)(struct trace_reader *, struct trace_event *));

/* The formats: next event as trace_reader_next, 0 at the end of the file or member. */
int trace_next_adfa(struct trace_reader *r, struct trace_event *ev);   /* trace_adfa_unm.c */
int trace_next_unm(struct trace_reader *r, struct trace_event *ev);    /* trace_adfa_unm.c */
int trace_next_strace(struct trace_reader *r, struct trace_event *ev); /* trace_strace.c */
int trace_next_lid(struct trace_reader *r, struct trace_event *ev);    /* trace_lid.c */

#endif
