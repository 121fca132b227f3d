/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Profile files: every database of an engine, its growth curves and steady-state results, and
 * where it came from. Versioned header, checksum, size cap; written to a temporary file in the
 * same directory, fsynced, renamed, and the directory fsynced. A corrupt, truncated, foreign or
 * oversized file is refused with a reason and never overwritten by a load.
 */
#ifndef CIDS_PROFILE_H
#define CIDS_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include "cids/engine.h"

#define PROFILE_MAGIC	    "CIDSPRF\0"
#define PROFILE_VERSION	    2 /* 2: config flags (start_pad); version 1 files load unpadded */
#define PROFILE_VERSION_MIN 1
#define PROFILE_MAX_SIZE    (256u << 20) /* 256 MiB */
#define PROFILE_KEY_MAX	    128

struct cids_provenance {
	char key[PROFILE_KEY_MAX + 1]; /* workload key ("" offline) */
	char source[256];  /* free text: "runc <id>", "train adfa Training_Data_Master" */
	int64_t created;   /* unix seconds, first save */
	int64_t updated;   /* unix seconds, this save */
	uint32_t sessions; /* containers / training runs that fed it */
};

/* Write atomically to path with mode 0600. On failure the previous file at path is intact. */
int profile_save(const struct cids_engine *e, const struct cids_provenance *p, const char *path);

/* Serialise to / parse from memory (profile_save and profile_load use these; fuzzers too).
 * profile_encode returns a malloc'ed buffer. */
int profile_encode(const struct cids_engine *e, const struct cids_provenance *p, void **ret_buf,
		   size_t *ret_len);
int profile_decode(const void *buf, size_t len, struct cids_engine **ret_e,
		   struct cids_provenance *ret_p, char *why, size_t whylen);

/* The checksum in a profile's trailer: 64 bits over every byte before the trailer. Not
 * cryptographic; it catches corruption. Exposed for tests and tools that forge files. */
uint64_t profile_checksum(const void *buf, size_t len);

/*
 * Load a profile. On failure returns -errno (-ENOENT missing, -EBADMSG corrupt or truncated,
 * -EPROTO foreign magic or version, -EFBIG over the cap) and writes a one-line reason to why.
 */
int profile_load(const char *path, struct cids_engine **ret_e, struct cids_provenance *ret_p,
		 char *why, size_t whylen);

/*
 * The text form (profiles/profile_text.c; cids profile export --text / import): every field of
 * the file, one per line, windows one per line as syscall names, sorted. profile_text_decode of
 * profile_text_encode's output gives an engine that profile_encode writes byte for byte as the
 * original file (files written by this version: entries in key order). The decoded engine has
 * passed every check of profile_decode. flags: PROFILE_TEXT_NO_PROVENANCE leaves out key, source,
 * times and sessions (what a content digest covers). ret_buf is malloc'ed.
 */
#define PROFILE_TEXT_NO_PROVENANCE 1u
int profile_text_encode(const struct cids_engine *e, const struct cids_provenance *p,
			unsigned flags, char **ret_buf, size_t *ret_len);
int profile_text_decode(const char *text, size_t len, struct cids_engine **ret_e,
			struct cids_provenance *ret_p, char *why, size_t whylen);

#endif
