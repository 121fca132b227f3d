/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small utilities: bounded reads, atomic writes, mkdir -p, clocks, profile keys, JSON escaping. */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cids/macro.h"
#include "cids/util.h"

#define KEY_MAX		128
#define KEY_HASH_SUFFIX 17 /* "-" + 16 hex digits */

int read_full_fd(int fd, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0 || !ret)
		return -EINVAL;
	if (max > SIZE_MAX - 2)
		max = SIZE_MAX - 2;

	for (;;) {
		ssize_t n;

		if (cap - len < 2) {
			/* Grow geometrically, but never past max + 1 (one byte to see "too big").
			 */
			size_t ncap = cap ? cap * 2 : 4096;
			char *nb;

			if (ncap > max + 2)
				ncap = max + 2;
			if (ncap <= cap)
				return -E2BIG;
			nb = realloc(buf, ncap);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return -E2BIG;
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return -ENOMEM;
	}
	buf[len] = 0;
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

int read_full_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	if (!path || !*path)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
		return -EBADF;
	if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max)
		return -E2BIG;
	/* O_NONBLOCK only to not hang on opening a FIFO; reads should block. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		return -errno;
	return read_full_fd(fd, max, ret, ret_len);
}

static int fsync_dir_of(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	_cleanup_close_ int dfd = -EBADF;
	char *slash;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (fsync(dfd) < 0)
		return -errno;
	return 0;
}

static int write_file_renamed(const char *path, const void *buf, size_t len, mode_t mode,
			      bool durable)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -EBADF;
	const char *p = buf;
	int r;

	if (!path || !*path || (!buf && len))
		return -EINVAL;
	if (asprintf(&tmp, "%s.tmp.%d.XXXXXX", path, (int)getpid()) < 0) {
		tmp = NULL;
		return -ENOMEM;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode) < 0) {
		r = -errno;
		goto fail;
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if (durable && fsync(fd) < 0) {
		r = -errno;
		goto fail;
	}
	r = close(TAKE_FD(fd));
	if (r < 0) {
		r = -errno;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		r = -errno;
		goto fail;
	}
	if (durable)
		(void)fsync_dir_of(path);
	return 0;
fail:
	unlink(tmp);
	return r;
}

int write_file_atomic(const char *path, const void *buf, size_t len, mode_t mode)
{
	return write_file_renamed(path, buf, len, mode, true);
}

int write_file_replace(const char *path, const void *buf, size_t len, mode_t mode)
{
	return write_file_renamed(path, buf, len, mode, false);
}

int mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = NULL;
	size_t n;

	if (!path || !*path)
		return -EINVAL;
	p = strdup(path);
	if (!p)
		return -ENOMEM;
	n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = 0;

	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == 0) {
			char c = *s;
			struct stat st;

			*s = 0;
			if (mkdir(p, mode) < 0) {
				if (errno != EEXIST)
					return -errno;
				if (stat(p, &st) < 0)
					return -errno;
				if (!S_ISDIR(st.st_mode))
					return -ENOTDIR;
			}
			*s = c;
			if (c == 0)
				break;
		}
	}
	return 0;
}

double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int fork_detached(bool new_session)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if ((new_session && setsid() < 0) || fork() != 0)
			_exit(0);
		return 0;
	}
	(void)waitpid(pid, &status, 0);
	return 1;
}

uint64_t hash64(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	/* Final avalanche (splitmix64) so short inputs spread over all 64 bits. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

static bool key_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

bool key_is_valid(const char *key)
{
	size_t n;

	/* A leading '.' hides the file, a leading '-' reads as an option in an operator's shell. */
	if (!key || !*key || key[0] == '.' || key[0] == '-')
		return false;
	n = strnlen(key, KEY_MAX + 1);
	if (n > KEY_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!key_char_ok(key[i]))
			return false;
		if (key[i] == '.' && key[i + 1] == '.')
			return false;
	}
	return true;
}

int key_sanitize(const char *in, char *out, size_t outlen)
{
	size_t n, o = 0, keep;

	if (!in || !*in)
		return -EINVAL;
	if (!out || outlen < KEY_MAX + 1)
		return -ENOBUFS;
	if (key_is_valid(in)) {
		strcpy(out, in);
		return 0;
	}

	/* Changed: a readable prefix plus a hash of the whole original input. */
	n = strlen(in);
	keep = MIN(n, (size_t)(KEY_MAX - KEY_HASH_SUFFIX));
	for (size_t i = 0; i < keep; i++) {
		char c = in[i];

		if (!key_char_ok(c))
			c = '_';
		if ((c == '.' && (o == 0 || out[o - 1] == '.')) || (c == '-' && o == 0))
			c = '_';
		out[o++] = c;
	}
	snprintf(out + o, outlen - o, "-%016" PRIx64, hash64(in, n));
	return 1;
}

/* --- SHA-256 (FIPS 180-4), for keys a tenant must not be able to collide on purpose --- */

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static inline uint32_t ror32(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha256_block(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = hh + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) +
			      ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
		uint32_t t2 =
			(ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

void cids_sha256(const void *buf, size_t len, uint8_t out[32])
{
	uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	const unsigned char *p = buf;
	unsigned char tail[128] = {0};
	size_t full = len / 64 * 64, rest = len - full, tl;
	uint64_t bits = (uint64_t)len * 8;

	for (size_t i = 0; i < full; i += 64)
		sha256_block(h, p + i);
	if (rest)
		memcpy(tail, p + full, rest);
	tail[rest] = 0x80;
	tl = rest + 1 + 8 <= 64 ? 64 : 128;
	for (int i = 0; i < 8; i++)
		tail[tl - 1 - i] = (unsigned char)(bits >> (8 * i));
	sha256_block(h, tail);
	if (tl == 128)
		sha256_block(h, tail + 64);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(h[i] >> 8);
		out[4 * i + 3] = (uint8_t)h[i];
	}
}

void key_derive(const char *material, char *out, size_t outlen)
{
	const char *m = material ? material : "";
	uint8_t d[32];

	/* The first 64 bits of SHA-256: a tenant cannot craft a workload that lands on another
	 * workload's key (FNV, as in hash64, could be steered). */
	cids_sha256(m, strlen(m), d);
	snprintf(out, outlen, "w-%02x%02x%02x%02x%02x%02x%02x%02x", d[0], d[1], d[2], d[3], d[4],
		 d[5], d[6], d[7]);
}

/* Length of a valid UTF-8 sequence at s (1..4), or 0 when it is not valid. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* One input character's escaped form in tmp (>= 8 bytes); returns its length, *adv = bytes used. */
static size_t json_escape_one(const unsigned char *p, char *tmp, size_t *adv)
{
	*adv = 1;
	if (*p == '"' || *p == '\\') {
		tmp[0] = '\\';
		tmp[1] = (char)*p;
		return 2;
	}
	if (*p == '\n' || *p == '\t') {
		tmp[0] = '\\';
		tmp[1] = *p == '\n' ? 'n' : 't';
		return 2;
	}
	if (*p < 0x20 || *p == 0x7f)
		return (size_t)snprintf(tmp, 8, "\\u%04x", *p);
	if (*p < 0x80) {
		tmp[0] = (char)*p;
		return 1;
	}
	size_t ul = utf8_len(p);
	if (ul == 0)
		return (size_t)snprintf(tmp, 8, "\\u%04x", *p);
	memcpy(tmp, p, ul);
	*adv = ul;
	return ul;
}

void json_escape(const char *s, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t o = 0, need = 0, limit;
	char tmp[8];

	if (!out || outlen == 0)
		return;
	for (const unsigned char *q = p; *q;) {
		size_t adv;
		need += json_escape_one(q, tmp, &adv);
		q += adv;
	}
	/* Everything fits: write it all. Otherwise stop where "..." and the NUL still fit. */
	limit = need + 1 <= outlen ? outlen - 1 : (outlen >= 4 ? outlen - 4 : 0);
	while (*p) {
		size_t adv, tl = json_escape_one(p, tmp, &adv);

		if (o + tl > limit)
			break;
		memcpy(out + o, tmp, tl);
		o += tl;
		p += adv;
	}
	if (*p && outlen >= 4) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = 0;
}
