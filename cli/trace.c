/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Streaming readers for ADFA-LD, UNM, strace -f -ttt and LID-DS 2021 trace files. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cids/macro.h"
#include "trace.h"
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

static int reader_alloc(const char *name, const struct trace_opts *o, struct trace_reader **ret)
{
	struct trace_reader *r;

	if ((unsigned)o->format > TRACE_LID)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->o = *o;
	if (!r->o.max_calls)
		r->o.max_calls = TRACE_MAX_CALLS;
	snprintf(r->path, sizeof(r->path), "%s", name);
	snprintf(r->name, sizeof(r->name), "%s", name);
	if (o->format == TRACE_ADFA)
		r->lineno = 1; /* token reader: lines counted by their newlines */
	r->line = malloc(TRACE_MAX_LINE + 1);
	r->buf = malloc(RD_CHUNK);
	if (!r->line || !r->buf) {
		free(r->line);
		free(r->buf);
		free(r);
		return -ENOMEM;
	}
	*ret = r;
	return 0;
}

int trace_reader_open(const char *path, const struct trace_opts *o, struct trace_reader **ret)
{
	struct trace_reader *r = NULL;
	struct stat sb;
	int r_;

	int fd;

	r_ = reader_alloc(path, o, &r);
	if (r_ < 0)
		return r_;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r_ = -errno;
		goto fail;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		r_ = S_ISREG(sb.st_mode) ? -errno : -EINVAL;
		close(fd);
		goto fail;
	}
	r_ = tsrc_open_fd(fd, path, &r->src);
	if (r_ < 0)
		goto fail;
	*ret = r;
	return 0;
fail:
	trace_reader_free(r);
	return r_;
}

int trace_reader_open_mem(const void *buf, size_t len, const char *name, const struct trace_opts *o,
			  struct trace_reader **ret)
{
	struct trace_reader *r = NULL;
	int r_ = reader_alloc(name, o, &r);

	if (r_ < 0)
		return r_;
	r_ = tsrc_open_mem(buf, len, name, &r->src);
	if (r_ < 0) {
		trace_reader_free(r);
		return r_;
	}
	*ret = r;
	return 0;
}

void trace_reader_free(struct trace_reader *r)
{
	if (!r)
		return;
	tsrc_free(r->src);
	free(r->buf);
	free(r->line);
	free(r->slots);
	free(r);
}

const char *trace_reader_error(const struct trace_reader *r)
{
	return r->err;
}

const struct trace_stats *trace_reader_stats(const struct trace_reader *r)
{
	return &r->st;
}

_printf_(3, 4) static int fail_at(struct trace_reader *r, int err, const char *fmt, ...)
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
_printf_(2, 3) static int bad_line(struct trace_reader *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!r->o.skip_bad)
		return fail_at(r, -EBADMSG, "%s", msg);
	r->st.bad_lines++;
	snprintf(r->warn, sizeof(r->warn), "%s:%lu: %s (skipped)", r->name,
		 r->lineno ? r->lineno : 1, msg);
	if (r->o.warn)
		r->o.warn(r->o.warn_ud, r->warn);
	return 0;
}

/* --- bytes and lines --- */

/* Next byte, EOF at the end of the file (or archive member), -2 on a read error. */
static int rd_getc(struct trace_reader *r)
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

static int src_fail(struct trace_reader *r)
{
	const char *why = tsrc_error(r->src);
	return fail_at(r, r->src_err ? r->src_err : -EIO, "%s", why[0] ? why : "read error");
}

/* 1: line in r->line; 0: end of file; -EMSGSIZE (r->line holds the first TRACE_MAX_LINE bytes,
 * the rest was skipped); -EILSEQ (NUL);
 * other -errno: the source failed (r->err says why). */
static int next_line(struct trace_reader *r)
{
	size_t n = 0;
	bool nul = false, long_ = false;
	int c;

	c = rd_getc(r);
	if (c == EOF)
		return 0;
	r->lineno++;
	for (; c != EOF && c != '\n'; c = rd_getc(r)) {
		if (c == -2)
			return src_fail(r);
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

/* Parse an unsigned decimal of at most 19 digits at *p; advances *p. */
static bool parse_u64(const char **p, uint64_t *ret)
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

static const char *skip_sp(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static int emit(struct trace_reader *r, struct trace_event *ev, uint64_t stream, unsigned sym,
		double t)
{
	if (r->st.calls >= r->o.max_calls)
		return fail_at(r, -E2BIG, "more than %llu calls in one file (cap)",
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

static int slot_get(struct trace_reader *r, uint64_t tid, bool create, struct tslot **ret)
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
		return fail_at(r, -E2BIG, "more than %u threads in one file (cap)",
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
		return slot_get(r, tid, create, ret);
	}
	r->slots[i].tid = tid + 1;
	r->slots[i].tgid = tid;
	r->used++;
	*ret = &r->slots[i];
	return 1;
}

static uint32_t name_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* Syscall name (x86_64) to symbol; unknown names count and map to CIDS_SYM_OTHER. */
static unsigned name_sym(struct trace_reader *r, const char *name, size_t n)
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

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* --- ADFA-LD: whitespace-separated numbers, one stream per file --- */

static int next_adfa(struct trace_reader *r, struct trace_event *ev)
{
	for (;;) {
		char tok[24];
		size_t n = 0;
		bool bad = false;
		int c, k;

		do {
			c = rd_getc(r);
			if (c == '\n')
				r->lineno++;
		} while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
		if (c == EOF)
			return 0;
		for (; c != EOF && c != ' ' && c != '\t' && c != '\n' && c != '\r';
		     c = rd_getc(r)) {
			if (c == -2)
				return src_fail(r);
			if (c < '0' || c > '9')
				bad = true;
			if (n < sizeof(tok) - 1)
				tok[n++] = (char)c;
			else
				bad = true;
		}
		if (c == -2)
			return src_fail(r);
		tok[n] = '\0';
		if (bad || n > 6) {
			for (size_t i = 0; i < n; i++)
				if (!isprint((unsigned char)tok[i]))
					tok[i] = '?';
			k = bad_line(r, "\"%s%s\" is not a system-call number", tok,
				     n == sizeof(tok) - 1 ? "..." : "");
		} else {
			k = emit(r, ev, 0, cids_sym(atol(tok)), NAN);
		}
		/* the separator that ended the token may end the line too: count it afterwards */
		if (c == '\n')
			r->lineno++;
		if (k != 0)
			return k;
	}
}

/* --- UNM: "pid nr" lines, processes interleaved --- */

static int next_unm(struct trace_reader *r, struct trace_event *ev)
{
	for (;;) {
		uint64_t pid, nr;
		const char *p;
		int k = next_line(r);

		if (k == -EMSGSIZE)
			k = bad_line(r, "line longer than %u bytes", TRACE_MAX_LINE);
		else if (k == -EILSEQ)
			k = bad_line(r, "binary data (NUL byte)");
		else if (k <= 0)
			return k;
		else {
			p = skip_sp(r->line);
			if (*p == '\0')
				continue; /* blank line */
			if (!parse_u64(&p, &pid) || (*p != ' ' && *p != '\t') ||
			    !parse_u64((p = skip_sp(p), &p), &nr) || *skip_sp(p) != '\0')
				k = bad_line(r, "expected \"PID NUMBER\"");
			else
				return emit(
					r, ev, r->o.seq == CIDS_SEQ_CONTAINER ? 0 : pid,
					cids_sym(nr > CIDS_SYM_OTHER ? CIDS_SYM_OTHER : (long)nr),
					NAN);
		}
		if (k < 0)
			return k;
	}
}

/* --- strace -f -ttt --- */

/* "1700000000.123456" (-ttt) or "12:34:56.123456" (-tt / -t). */
static bool parse_time(const char **p, double *ret)
{
	const char *s = *p;
	double v = 0;
	uint64_t a;

	if (!parse_u64(&s, &a))
		return false;
	v = (double)a;
	if (*s == ':') {
		uint64_t m, sec;
		s++;
		if (!parse_u64(&s, &m) || *s != ':')
			return false;
		s++;
		if (!parse_u64(&s, &sec))
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
	if (!parse_u64(&last, &v) || v > INT32_MAX)
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
	k = slot_get(r, parent, false, &ps);
	if (k > 0)
		tgid = ps->tgid;
	k = slot_get(r, (uint64_t)child, true, &cs);
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
	if (r->o.seq == CIDS_SEQ_PROCESS && slot_get(r, tid, false, &s) > 0)
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
		p = skip_sp(p + 4);
		if (!parse_u64(&p, &tid) || *p != ']')
			return bad_line(r, "malformed \"[pid N]\" prefix");
		p = skip_sp(p + 1);
	} else if (*p >= '0' && *p <= '9') {
		/* "PID ..." with -f: digits then a space (a time has '.' or ':' after its digits)
		 */
		const char *d = p;
		uint64_t v;
		if (parse_u64(&d, &v) && *d == ' ') {
			tid = v;
			p = skip_sp(d);
		}
	}
	if (*p >= '0' && *p <= '9') {
		if (!parse_time(&p, &t))
			return bad_line(r, "malformed timestamp");
		p = skip_sp(p);
	}
	if (strncmp(p, "+++ ", 4) == 0) {
		struct tslot *s = NULL;
		bool thread;
		r->st.skipped++;
		/* a thread's exit ends its stream; a process stream ends with its leader. The id
		 * may be reused by an unrelated process: forget what it belonged to. */
		thread = slot_get(r, tid, false, &s) > 0 && s->tgid != tid;
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
			return bad_line(r, "malformed \"<... resumed>\" line");
		if (slot_get(r, tid, false, &s) > 0 && s->pending) {
			s->pending = 0;
			return strace_new_thread(r, tid, strace_retval(p));
		}
		return 0;
	}
	name = p;
	while (is_name_char(*p))
		p++;
	n = (size_t)(p - name);
	if (n == 0 || n > 63 || *p != '(')
		return bad_line(r, "expected a system call \"name(...\"");
	if ((n == 5 && memcmp(name, "clone", 5) == 0) ||
	    (n == 6 && memcmp(name, "clone3", 6) == 0)) {
		if (strstr(p, "CLONE_THREAD")) {
			if (strstr(p, "<unfinished ...>")) {
				struct tslot *s = NULL;
				k = slot_get(r, tid, true, &s);
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
	return emit(r, ev, strace_stream(r, tid), name_sym(r, name, n), t);
}

/* Line-oriented formats: feed each line to parse_line until it yields an event or an error. */
static int next_from_lines(struct trace_reader *r, struct trace_event *ev,
			   int (*parse_line)(struct trace_reader *, struct trace_event *))
{
	for (;;) {
		int k = next_line(r);
		if (k == -EILSEQ) {
			k = bad_line(r, "binary data (NUL byte)");
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

static int next_strace(struct trace_reader *r, struct trace_event *ev)
{
	return next_from_lines(r, ev, strace_line);
}

/* --- LID-DS 2021: "<ts_ns> <uid> <pid> <pname> <tid> <syscall> <dir> args..." --- */

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
	if (!parse_u64(&p, &ts) || *p != ' ')
		return bad_line(r, "expected a nanosecond timestamp");
	p++;
	if (!parse_u64(&p, &uid) || *p != ' ')
		return bad_line(r, "expected a user id after the timestamp");
	p++;
	if (!parse_u64(&p, &pid) || *p != ' ')
		return bad_line(r, "expected a process id after the user id");
	pname = ++p;
	while (*p && *p != ' ')
		p++;
	if (p == pname || *p != ' ')
		return bad_line(r, "expected a process name after the process id");
	p++;
	if (!parse_u64(&p, &tid) || *p != ' ')
		return bad_line(r, "expected a thread id after the process name");
	name = ++p;
	while (is_name_char(*p))
		p++;
	n = (size_t)(p - name);
	if (n == 0 || n > 63 || *p != ' ')
		return bad_line(r, "expected a system call name after the thread id");
	p++;
	dir = *p;
	if ((dir != '>' && dir != '<') || (p[1] != ' ' && p[1] != '\0'))
		return bad_line(r, "expected direction \">\" or \"<\" after the system call name");

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
	h = name_hash(name, n) | 1u; /* never 0: 0 means "no open entry" */
	k = slot_get(r, tid, true, &s);
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
	return emit(r, ev, stream, name_sym(r, name, n), (double)ts / 1e9);
}

static int next_lid(struct trace_reader *r, struct trace_event *ev)
{
	return next_from_lines(r, ev, lid_line);
}

static int parse_next(struct trace_reader *r, struct trace_event *ev)
{
	switch (r->o.format) {
	case TRACE_ADFA:
		return next_adfa(r, ev);
	case TRACE_UNM:
		return next_unm(r, ev);
	case TRACE_STRACE:
		return next_strace(r, ev);
	case TRACE_LID:
		return next_lid(r, ev);
	}
	return -EINVAL;
}

/* Enter the next archive member: 1, 0 when none is left, -errno. */
static int next_member(struct trace_reader *r)
{
	int k = tsrc_next_member(r->src);

	if (k < 0) {
		r->src_err = k;
		return src_fail(r);
	}
	if (k == 0)
		return 0;
	snprintf(r->name, sizeof(r->name), "%s:%s", r->path, tsrc_member(r->src));
	r->lineno = r->o.format == TRACE_ADFA ? 1 : 0;
	r->eof = false;
	r->bufpos = r->buflen = 0;
	if (r->slots)
		memset(r->slots, 0, r->nslots * sizeof(*r->slots));
	r->used = 0;
	return 1;
}

int trace_reader_next(struct trace_reader *r, struct trace_event *ev)
{
	int k;

	if (!r->started) {
		r->started = true;
		if (tsrc_is_archive(r->src)) {
			k = next_member(r);
			if (k <= 0)
				return k;
		}
	}
	k = parse_next(r, ev);
	if (k != 0 || !tsrc_is_archive(r->src))
		return k;
	/* end of a member: every stream ends with it */
	k = next_member(r);
	if (k <= 0)
		return k;
	ev->kind = TRACE_EV_RESET;
	ev->stream = 0;
	ev->sym = 0;
	ev->time = NAN;
	ev->line = 0;
	return 1;
}
