/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Trace readers: open a file or memory, and hand out its events, archive member by member. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace_internal.h"

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

static int parse_next(struct trace_reader *r, struct trace_event *ev)
{
	switch (r->o.format) {
	case TRACE_ADFA:
		return trace_next_adfa(r, ev);
	case TRACE_UNM:
		return trace_next_unm(r, ev);
	case TRACE_STRACE:
		return trace_next_strace(r, ev);
	case TRACE_LID:
		return trace_next_lid(r, ev);
	}
	return -EINVAL;
}

/* Enter the next archive member: 1, 0 when none is left, -errno. */
static int next_member(struct trace_reader *r)
{
	int k = tsrc_next_member(r->src);

	if (k < 0) {
		r->src_err = k;
		return trace_src_fail(r);
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
