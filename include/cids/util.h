/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CIDS_UTIL_H
#define CIDS_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Read at most max bytes from fd / path into a NUL-terminated malloc'ed buffer.
 * -E2BIG when the input is longer than max. */
int read_full_fd(int fd, size_t max, char **ret, size_t *ret_len);
int read_full_file(const char *path, size_t max, char **ret, size_t *ret_len);

/* Write buf to path atomically (tmp in same dir, fsync, rename, fsync dir), with mode. */
int write_file_atomic(const char *path, const void *buf, size_t len, mode_t mode);
/* The same without the fsyncs: readers never see a partial file, but a power cut may lose it.
 * For status files under run_dir, rewritten every second and meaningless after a reboot. */
int write_file_replace(const char *path, const void *buf, size_t len, mode_t mode);

/* mkdir -p with mode for every created component. */
int mkdir_p(const char *path, mode_t mode);

/* Monotonic and wall time in seconds. */
double now_mono(void);
double now_wall(void);

/* Fork a process that outlives the caller and is not its child: the child forks again (after
 * setsid() when new_session) and exits at once, the caller reaps it. Returns 0 in the
 * grandchild, 1 in the caller, -errno when the first fork fails. When the second fork (or
 * setsid) fails there is no grandchild: the caller learns it as it learns anything else of it
 * (no answer on the pipe it handed over). */
int fork_detached(bool new_session);

/*
 * Profile keys name files in the store. A key is 1..128 chars of [A-Za-z0-9._-], not starting
 * with '.', and cannot contain "..". key_is_valid checks; key_sanitize maps anything else to a
 * valid key that cannot collide with another input by accident (invalid input gets a hash
 * suffix). Returns -EINVAL for empty input.
 */
bool key_is_valid(const char *key);
int key_sanitize(const char *in, char *out, size_t outlen);
/* Key derived from workload material (image + args): "w-<16 hex>", the first 64 bits of the
 * material's SHA-256. */
void key_derive(const char *material, char *out, size_t outlen);
uint64_t hash64(const void *buf, size_t len); /* FNV-1a 64 style, not for security */
/* SHA-256 of buf (key_derive uses its first 64 bits). */
void cids_sha256(const void *buf, size_t len, uint8_t out[32]);

/* Write a reason into why (when given). Inline: profiles/ (libc only) uses it too. */
__attribute__((format(printf, 3, 4))) static inline void why_set(char *why, size_t whylen,
								 const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
}

/* Evaluate r, write a reason into why (when given) and give r back:
 * "return why_err(why, whylen, -EINVAL, ...)". A macro, so that the static analyzer sees that r
 * is what comes back (it does not follow variadic calls). */
#define why_err(why, whylen, r, ...)                                                               \
	({                                                                                         \
		int _why_r_ = (r);                                                                 \
		why_set(why, whylen, __VA_ARGS__);                                                 \
		_why_r_;                                                                           \
	})

/* JSON-escape s into out (always NUL-terminated, truncated with "..." when too long). Control
 * characters and non-UTF-8 bytes become \u00XX. */
void json_escape(const char *s, char *out, size_t outlen);

#endif
