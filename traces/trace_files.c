/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Trace formats by name, and expanding trace paths: directories recurse in sorted order, capped
 * in depth and count. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cids/macro.h"
#include "cids/trace.h"
#include "cids/util.h"

static const char *const format_names[] = {"adfa", "unm", "strace", "lid"};

int trace_format_from_name(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(format_names); i++)
		if (strcmp(s, format_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

const char *trace_format_name(enum trace_format f)
{
	return (unsigned)f < ARRAY_SIZE(format_names) ? format_names[f] : "?";
}

enum cids_arch trace_format_arch(enum trace_format f)
{
	switch (f) {
	case TRACE_ADFA:
		return CIDS_ARCH_I386;
	case TRACE_UNM:
		return CIDS_ARCH_NONE;
	default:
		return CIDS_ARCH_X86_64;
	}
}

enum cids_clock trace_format_clock(enum trace_format f)
{
	return (f == TRACE_ADFA || f == TRACE_UNM) ? CIDS_CLOCK_CALLS : CIDS_CLOCK_SECONDS;
}

struct collect {
	struct trace_files *f;
	size_t cap, max;
	enum trace_format fmt;
	char *why;
	size_t whylen;
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Files a directory walk takes for a format. Explicit file arguments are always taken. */
static bool wanted(enum trace_format fmt, const char *name)
{
	static const char *const skip[] = {".zip",  ".bz2", ".xz",   ".zst", ".md",
					   ".json", ".res", ".pcap", ".csv", ".pdf"};

	if (name[0] == '.')
		return false;
	if (fmt == TRACE_LID)
		return ends_with(name, ".sc");
	for (size_t i = 0; i < ARRAY_SIZE(skip); i++)
		if (ends_with(name, skip[i]))
			return false;
	return true;
}

static int add(struct collect *c, const char *dir, const char *name)
{
	char *p;

	if (c->f->n >= c->max) {
		snprintf(c->why, c->whylen, "more than %zu trace files (cap)", c->max);
		return -E2BIG;
	}
	if (c->f->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 256;
		char **np = reallocarray(c->f->paths, nc, sizeof(*np));
		if (!np)
			return -ENOMEM;
		c->f->paths = np;
		c->cap = nc;
	}
	if (dir) {
		if (asprintf(&p, "%s/%s", dir, name) < 0)
			return -ENOMEM;
	} else {
		p = strdup(name);
		if (!p)
			return -ENOMEM;
	}
	c->f->paths[c->f->n++] = p;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int walk(struct collect *c, int dfd, const char *path, unsigned depth)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (depth > TRACE_MAX_DEPTH) {
		close(dfd);
		snprintf(c->why, c->whylen, "\"%s\": directories nested deeper than %d", path,
			 TRACE_MAX_DEPTH);
		return -ELOOP;
	}
	d = fdopendir(dfd);
	if (!d) {
		r = -errno;
		close(dfd);
		snprintf(c->why, c->whylen, "\"%s\": %s", path, strerror(-r));
		return r;
	}
	errno = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue; /* ".", "..", hidden files */
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			char **nn = reallocarray(names, nc, sizeof(*nn));
			if (!nn) {
				r = -ENOMEM;
				goto out;
			}
			names = nn;
			cap = nc;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			r = -ENOMEM;
			goto out;
		}
		n++;
		if (n > c->max * 4 + 1024) {
			snprintf(c->why, c->whylen, "\"%s\": too many entries", path);
			r = -E2BIG;
			goto out;
		}
	}
	if (errno) {
		r = -errno;
		snprintf(c->why, c->whylen, "\"%s\": %s", path, strerror(-r));
		goto out;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && r >= 0; i++) {
		struct stat sb;
		if (fstatat(dirfd(d), names[i], &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* vanished */
		if (S_ISLNK(sb.st_mode) && fstatat(dirfd(d), names[i], &sb, 0) == 0 &&
		    S_ISDIR(sb.st_mode)) {
			c->f->skipped++; /* symlinked directories are not followed (loops) */
			continue;
		}
		if (S_ISDIR(sb.st_mode)) {
			_cleanup_free_ char *sub = NULL;
			int fd = openat(dirfd(d), names[i],
					O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
			if (fd < 0) {
				r = -errno;
				snprintf(c->why, c->whylen, "\"%s/%s\": %s", path, names[i],
					 strerror(-r));
				break;
			}
			if (asprintf(&sub, "%s/%s", path, names[i]) < 0) {
				close(fd);
				r = -ENOMEM;
				break;
			}
			r = walk(c, fd, sub, depth + 1);
		} else if (S_ISREG(sb.st_mode) && wanted(c->fmt, names[i])) {
			r = add(c, path, names[i]);
		} else {
			c->f->skipped++;
		}
	}
out:
	free_names(names, n);
	closedir(d);
	return r;
}

int trace_files_collect(char *const *paths, size_t npaths, enum trace_format fmt, size_t max_files,
			struct trace_files *ret, char *why, size_t whylen)
{
	struct trace_files f = {};
	struct collect c = {.f = &f,
			    .max = max_files ? max_files : TRACE_MAX_FILES,
			    .fmt = fmt,
			    .why = why,
			    .whylen = whylen};
	int r = 0;

	why[0] = '\0';
	for (size_t i = 0; i < npaths && r >= 0; i++) {
		struct stat sb;
		if (stat(paths[i], &sb) < 0) {
			r = why_err(why, whylen, -errno, "\"%s\": %s", paths[i], strerror(errno));
		} else if (S_ISDIR(sb.st_mode)) {
			size_t len = strlen(paths[i]);
			_cleanup_free_ char *base = strdup(paths[i]);
			int fd;
			if (!base)
				return -ENOMEM;
			while (len > 1 && base[len - 1] == '/')
				base[--len] = '\0';
			fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0) {
				r = why_err(why, whylen, -errno, "\"%s\": %s", paths[i],
					    strerror(errno));
			} else {
				r = walk(&c, fd, base, 0);
			}
		} else if (S_ISREG(sb.st_mode)) {
			r = add(&c, NULL, paths[i]);
		} else {
			r = why_err(why, whylen, -EINVAL,
				    "\"%s\" is neither a file nor a directory", paths[i]);
		}
	}
	if (r >= 0 && f.n == 0)
		r = why_err(why, whylen, -ENOENT, "no %s trace files found",
			    trace_format_name(fmt));
	if (r < 0) {
		if (r == -ENOMEM && !why[0])
			why_set(why, whylen, "out of memory");
		trace_files_done(&f);
		return r;
	}
	*ret = f;
	return 0;
}

void trace_files_done(struct trace_files *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->paths[i]);
	free(f->paths);
	f->paths = NULL;
	f->n = 0;
}
