/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The syscall alphabet: names of syscall numbers per architecture, through libseccomp. The
 * names of an architecture are resolved once (libseccomp returns malloc'ed strings) into a
 * number -> name table and a name -> number hash, kept for the life of the process.
 */
#include <errno.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cids/engine.h"

#define NAME_SLOTS 1024u /* power of two, > 2 * CIDS_SYM_OTHER */

struct alphabet {
	char *name[CIDS_SYM_OTHER];  /* NULL when the number has no name on this arch */
	int16_t by_name[NAME_SLOTS]; /* open addressing: syscall number, -1 = empty */
};

static struct alphabet alpha_x86_64, alpha_i386;
static pthread_once_t once_x86_64 = PTHREAD_ONCE_INIT, once_i386 = PTHREAD_ONCE_INIT;

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void alphabet_fill(struct alphabet *a, uint32_t token)
{
	for (unsigned i = 0; i < NAME_SLOTS; i++)
		a->by_name[i] = -1;

	for (int nr = 0; nr < CIDS_SYM_OTHER; nr++) {
		char *n = seccomp_syscall_resolve_num_arch(token, nr);
		if (!n)
			continue;
		if (!*n) {
			free(n);
			continue;
		}
		a->name[nr] = n;
		uint32_t i = name_hash(n) & (NAME_SLOTS - 1);
		while (a->by_name[i] >= 0)
			i = (i + 1) & (NAME_SLOTS - 1);
		a->by_name[i] = (int16_t)nr;
	}
}

static void fill_x86_64(void)
{
	alphabet_fill(&alpha_x86_64, SCMP_ARCH_X86_64);
}

static void fill_i386(void)
{
	alphabet_fill(&alpha_i386, SCMP_ARCH_X86);
}

static const struct alphabet *alphabet_get(enum cids_arch arch)
{
	switch (arch) {
	case CIDS_ARCH_X86_64:
		pthread_once(&once_x86_64, fill_x86_64);
		return &alpha_x86_64;
	case CIDS_ARCH_I386:
		pthread_once(&once_i386, fill_i386);
		return &alpha_i386;
	default:
		return NULL;
	}
}

const char *cids_sys_name(enum cids_arch arch, int nr)
{
	const struct alphabet *a;

	if (nr < 0 || nr >= CIDS_SYM_OTHER)
		return NULL;
	a = alphabet_get(arch);
	return a ? a->name[nr] : NULL;
}

/* "sys_<decimal>" with no sign, no leading garbage, at most 9 digits. */
static int parse_sys_nr(const char *s)
{
	long v = 0;
	unsigned digits = 0;

	if (strncmp(s, "sys_", 4) != 0)
		return -ENOENT;
	for (s += 4; *s; s++, digits++) {
		if (*s < '0' || *s > '9' || digits >= 9)
			return -ENOENT;
		v = v * 10 + (*s - '0');
	}
	return digits ? (int)v : -ENOENT;
}

int cids_sys_number(enum cids_arch arch, const char *name)
{
	const struct alphabet *a;
	int r;

	if (!name || !*name)
		return -ENOENT;
	r = parse_sys_nr(name);
	if (r >= 0)
		return r;
	a = alphabet_get(arch);
	if (!a)
		return -ENOENT;
	for (uint32_t i = name_hash(name) & (NAME_SLOTS - 1); a->by_name[i] >= 0;
	     i = (i + 1) & (NAME_SLOTS - 1))
		if (strcmp(a->name[a->by_name[i]], name) == 0)
			return a->by_name[i];
	return -ENOENT;
}

static const char *const arch_names[] = {
	[CIDS_ARCH_X86_64] = "x86_64",
	[CIDS_ARCH_I386] = "i386",
	[CIDS_ARCH_NONE] = "none",
};

const char *cids_arch_name(enum cids_arch arch)
{
	if ((unsigned)arch >= sizeof(arch_names) / sizeof(arch_names[0]))
		return NULL;
	return arch_names[arch];
}

int cids_arch_from_name(const char *s)
{
	for (unsigned i = 0; s && i < sizeof(arch_names) / sizeof(arch_names[0]); i++)
		if (strcmp(s, arch_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

static const char *const algo_names[] = CIDS_ALGO_NAMES;
static const char *const seq_names[] = CIDS_SEQ_NAMES;

const char *cids_algo_name(enum cids_algo a)
{
	if ((unsigned)a >= sizeof(algo_names) / sizeof(algo_names[0]))
		return NULL;
	return algo_names[a];
}

int cids_algo_from_name(const char *s)
{
	for (unsigned i = 0; s && i < sizeof(algo_names) / sizeof(algo_names[0]); i++)
		if (strcmp(s, algo_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

const char *cids_seq_name(enum cids_seq q)
{
	if ((unsigned)q >= sizeof(seq_names) / sizeof(seq_names[0]))
		return NULL;
	return seq_names[q];
}

int cids_seq_from_name(const char *s)
{
	for (unsigned i = 0; s && i < sizeof(seq_names) / sizeof(seq_names[0]); i++)
		if (strcmp(s, seq_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}
