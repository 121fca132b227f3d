/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Byte sources: file or memory -> optional gunzip -> optional tar members -> optional gunzip. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "cids/macro.h"
#include "trace_src.h"

#define ZCHUNK (64u << 10)

struct zlayer {
	bool on, done;
	z_stream z;
	unsigned char *in;
};

struct tsrc {
	int fd;
	const unsigned char *mem;
	size_t memlen, mempos;
	struct zlayer outer; /* whole file gzipped */
	bool tar, tar_end;
	uint64_t left, pad; /* tar: data left in the member, padding after it */
	unsigned members;
	char member[258];    /* prefix / name */
	struct zlayer inner; /* member gzipped */
	uint64_t inflated;   /* bytes produced by gunzip, capped: compression bombs */
	char err[160];
};

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int zlayer_init(struct zlayer *l)
{
	memset(l, 0, sizeof(*l));
	l->in = malloc(ZCHUNK);
	if (!l->in)
		return -ENOMEM;
	if (inflateInit2(&l->z, 15 + 16) != Z_OK) { /* gzip wrapper */
		free(l->in);
		l->in = NULL;
		return -ENOMEM;
	}
	l->on = true;
	return 0;
}

static void zlayer_done(struct zlayer *l)
{
	if (!l->on)
		return;
	inflateEnd(&l->z);
	free(l->in);
	memset(l, 0, sizeof(*l));
}

static ssize_t raw_read(struct tsrc *s, void *buf, size_t n)
{
	if (s->mem) {
		size_t k = MIN(n, s->memlen - s->mempos);
		memcpy(buf, s->mem + s->mempos, k);
		s->mempos += k;
		return (ssize_t)k;
	}
	for (;;) {
		ssize_t k = read(s->fd, buf, n);
		if (k >= 0)
			return k;
		if (errno != EINTR)
			return -EIO;
	}
}

typedef ssize_t (*reader_fn)(struct tsrc *s, void *buf, size_t n);

/* Inflate through layer l, pulling compressed bytes with below(). Concatenated gzip members
 * are read as one stream. */
static ssize_t zlayer_read(struct tsrc *s, struct zlayer *l, reader_fn below, void *buf, size_t n)
{
	if (l->done)
		return 0;
	l->z.next_out = buf;
	l->z.avail_out = (uInt)MIN(n, (size_t)UINT32_MAX);
	while (l->z.avail_out == n) {
		int zr;
		if (l->z.avail_in == 0) {
			ssize_t k = below(s, l->in, ZCHUNK);
			if (k < 0)
				return k;
			if (k == 0) {
				l->done = true;
				if (l->z.total_in == 0)
					break; /* empty input: empty output */
				snprintf(s->err, sizeof(s->err), "truncated gzip data");
				return -EBADMSG;
			}
			l->z.next_in = l->in;
			l->z.avail_in = (uInt)k;
		}
		zr = inflate(&l->z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END) {
			size_t got = n - l->z.avail_out;
			/* another gzip member may follow */
			if (l->z.avail_in == 0) {
				ssize_t k = below(s, l->in, ZCHUNK);
				if (k < 0)
					return k;
				if (k == 0) {
					l->done = true;
					return (ssize_t)got;
				}
				l->z.next_in = l->in;
				l->z.avail_in = (uInt)k;
			}
			inflateReset(&l->z);
			if (got)
				return (ssize_t)got;
			continue;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			snprintf(s->err, sizeof(s->err), "corrupt gzip data (%s)",
				 l->z.msg ? l->z.msg : "inflate failed");
			l->done = true;
			return -EBADMSG;
		}
	}
	return (ssize_t)(n - l->z.avail_out);
}

static ssize_t outer_read(struct tsrc *s, void *buf, size_t n)
{
	return s->outer.on ? zlayer_read(s, &s->outer, raw_read, buf, n) : raw_read(s, buf, n);
}

/* Read exactly n bytes of the (decompressed) archive: n, 0 at a clean end, -errno. */
static ssize_t outer_full(struct tsrc *s, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = outer_read(s, (char *)buf + got, n - got);
		if (k < 0)
			return k;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	if (got && got < n) {
		snprintf(s->err, sizeof(s->err), "truncated tar archive");
		return -EBADMSG;
	}
	return (ssize_t)got;
}

static ssize_t member_raw(struct tsrc *s, void *buf, size_t n)
{
	ssize_t k;

	if (s->left == 0)
		return 0;
	k = outer_read(s, buf, (size_t)MIN((uint64_t)n, s->left));
	if (k == 0) {
		snprintf(s->err, sizeof(s->err), "truncated tar member");
		return -EBADMSG;
	}
	if (k > 0)
		s->left -= (uint64_t)k;
	return k;
}

ssize_t tsrc_read(struct tsrc *s, void *buf, size_t n)
{
	ssize_t k;

	if (!s->tar)
		k = outer_read(s, buf, n);
	else if (s->inner.on)
		k = zlayer_read(s, &s->inner, member_raw, buf, n);
	else
		k = member_raw(s, buf, n);
	if (k > 0 && (s->outer.on || s->inner.on)) {
		s->inflated += (uint64_t)k;
		if (s->inflated > TSRC_MAX_INFLATED) {
			snprintf(s->err, sizeof(s->err), "more than %llu GiB after gunzip (cap)",
				 (unsigned long long)(TSRC_MAX_INFLATED >> 30));
			return -E2BIG;
		}
	}
	return k;
}

static bool parse_octal(const unsigned char *p, size_t n, uint64_t *ret)
{
	uint64_t v = 0;
	size_t i = 0;
	bool any = false;

	while (i < n && p[i] == ' ')
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v >> 60)
			return false;
		v = v * 8 + (uint64_t)(p[i] - '0');
		any = true;
	}
	for (; i < n; i++)
		if (p[i] != ' ' && p[i] != '\0')
			return false;
	*ret = v;
	return any;
}

static int skip_bytes(struct tsrc *s, uint64_t n)
{
	unsigned char buf[4096];
	while (n) {
		ssize_t k = outer_read(s, buf, (size_t)MIN(n, (uint64_t)sizeof(buf)));
		if (k < 0)
			return (int)k;
		if (k == 0) {
			snprintf(s->err, sizeof(s->err), "truncated tar archive");
			return -EBADMSG;
		}
		n -= (uint64_t)k;
	}
	return 0;
}

int tsrc_next_member(struct tsrc *s)
{
	unsigned char h[512];
	int r;

	if (!s->tar || s->tar_end)
		return 0;
	/* finish the current member: its rest, then its padding */
	r = skip_bytes(s, s->left + s->pad);
	if (r < 0)
		return r;
	s->left = s->pad = 0;
	zlayer_done(&s->inner);
	s->member[0] = '\0';
	for (;;) {
		uint64_t size, sum, check = 0;
		ssize_t k = outer_full(s, h, sizeof(h));
		bool zero = true;

		if (k < 0)
			return (int)k;
		if (k == 0) {
			s->tar_end = true;
			return 0;
		}
		for (size_t i = 0; i < sizeof(h); i++)
			zero &= h[i] == 0;
		if (zero) { /* end-of-archive marker */
			s->tar_end = true;
			return 0;
		}
		for (size_t i = 0; i < sizeof(h); i++)
			check += (i >= 148 && i < 156) ? ' ' : h[i];
		if (!parse_octal(h + 148, 8, &sum) || sum != check) {
			snprintf(s->err, sizeof(s->err), "not a tar archive (bad header checksum)");
			return -EBADMSG;
		}
		if (!parse_octal(h + 124, 12, &size)) {
			snprintf(s->err, sizeof(s->err), "unsupported tar member size");
			return -EBADMSG;
		}
		if (h[156] != '0' && h[156] != '\0') { /* directories, links, long names, ... */
			r = skip_bytes(s, (size + 511) / 512 * 512);
			if (r < 0)
				return r;
			continue;
		}
		if (++s->members > TSRC_MAX_MEMBERS) {
			snprintf(s->err, sizeof(s->err), "more than %u members (cap)",
				 TSRC_MAX_MEMBERS);
			return -E2BIG;
		}
		if (h[345] && memcmp(h + 257, "ustar", 5) == 0)
			snprintf(s->member, sizeof(s->member), "%.155s/%.100s",
				 (const char *)h + 345, (const char *)h);
		else
			snprintf(s->member, sizeof(s->member), "%.100s", (const char *)h);
		for (char *c = s->member; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
		s->left = size;
		s->pad = (512 - size % 512) % 512;
		if (has_suffix(s->member, ".gz")) {
			r = zlayer_init(&s->inner);
			if (r < 0)
				return r;
		}
		return 1;
	}
}

static int tsrc_setup(struct tsrc *s, const char *name)
{
	int r;

	s->tar =
		has_suffix(name, ".tar") || has_suffix(name, ".tar.gz") || has_suffix(name, ".tgz");
	if (has_suffix(name, ".gz") || has_suffix(name, ".tgz")) {
		r = zlayer_init(&s->outer);
		if (r < 0)
			return r;
	}
	return 0; /* an archive is entered with tsrc_next_member() */
}

int tsrc_open_fd(int fd, const char *name, struct tsrc **ret)
{
	struct tsrc *s = calloc(1, sizeof(*s));
	int r;

	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	s->fd = fd;
	r = tsrc_setup(s, name);
	*ret = s; /* also on failure: the caller reads tsrc_error() and frees */
	return r;
}

int tsrc_open_mem(const void *buf, size_t len, const char *name, struct tsrc **ret)
{
	struct tsrc *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->fd = -EBADF;
	s->mem = buf;
	s->memlen = len;
	r = tsrc_setup(s, name);
	*ret = s;
	return r;
}

void tsrc_free(struct tsrc *s)
{
	if (!s)
		return;
	zlayer_done(&s->outer);
	zlayer_done(&s->inner);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

bool tsrc_is_archive(const struct tsrc *s)
{
	return s->tar;
}

const char *tsrc_member(const struct tsrc *s)
{
	return s->member;
}

const char *tsrc_error(const struct tsrc *s)
{
	return s->err;
}
