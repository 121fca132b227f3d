/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Readers for recorded system-call traces: ADFA-LD, UNM, `strace -f -ttt` and LID-DS 2021 (the
 * traces/ library, libcids-traces.a; one file per format).
 *
 * A reader streams one file as events: a call of a stream (stream id, symbol, time) or the end
 * of a stream (process exited). The file itself is the outer trace boundary: streams never
 * continue across files, nor across the members of a tar archive (.tar, .tar.gz, .tgz; members
 * and whole files ending in .gz are gunzipped, see traces/trace_src.h). Every quantity the file
 * controls is capped: line length, calls per file, streams tracked per file. Bad input is
 * reported as "file:line: reason".
 */
#ifndef CIDS_TRACE_H
#define CIDS_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cids/engine.h"

#define TRACE_MAX_LINE	  (64u << 10)	 /* bytes per line (and per ADFA token run) */
#define TRACE_MAX_CALLS	  (100000000ull) /* calls per file, default cap */
#define TRACE_MAX_FILES	  (1u << 20)	 /* files per run, default cap */
#define TRACE_MAX_TRACKED (1u << 16)	 /* threads tracked per file (strace, lid) */
#define TRACE_MAX_DEPTH	  32		 /* directory recursion */

enum trace_format {
	TRACE_ADFA = 0,
	TRACE_UNM = 1,
	TRACE_STRACE = 2,
	TRACE_LID = 3,
};

int trace_format_from_name(const char *s); /* -EINVAL when unknown */
const char *trace_format_name(enum trace_format f);
/* Architecture of the format's symbols: i386 (adfa), none (unm), x86_64 (strace, lid). */
enum cids_arch trace_format_arch(enum trace_format f);
/* Natural clock: calls for adfa/unm, seconds for strace/lid. */
enum cids_clock trace_format_clock(enum trace_format f);

enum trace_ev_kind {
	TRACE_EV_CALL = 0,
	TRACE_EV_END = 1,   /* the stream ended (process/thread exited): forget its window */
	TRACE_EV_RESET = 2, /* an archive member ended: every stream ends, the next member begins */
};

struct trace_event {
	uint8_t kind;	    /* enum trace_ev_kind */
	uint64_t stream;    /* per file: pid, tid, 0 for one-stream files */
	unsigned sym;	    /* 0..CIDS_SYM_OTHER */
	double time;	    /* seconds (strace, lid); NAN when the line had no time */
	unsigned long line; /* line of the file the event came from (1-based) */
};

struct trace_opts {
	enum trace_format format;
	enum cids_seq seq;  /* how streams are cut (strace, lid; unm: pid, adfa: file) */
	bool skip_bad;	    /* warn and continue on a bad line instead of failing */
	uint64_t max_calls; /* per file; 0 = TRACE_MAX_CALLS */
	void (*warn)(void *ud, const char *msg); /* gets skipped bad lines (skip_bad) */
	void *warn_ud;
};

struct trace_stats {
	uint64_t calls;		/* call events emitted */
	uint64_t bad_lines;	/* skipped with skip_bad */
	uint64_t unknown;	/* calls whose name had no number (mapped to CIDS_SYM_OTHER) */
	uint64_t skipped;	/* lines that are not calls: signals, exits, resumed halves */
	uint64_t truncated;	/* strace/lid lines longer than TRACE_MAX_LINE, read up to it */
	char first_unknown[64]; /* first unknown syscall name, for the report */
};

struct trace_reader;

/* Open a file (O_CLOEXEC, regular files only). */
int trace_reader_open(const char *path, const struct trace_opts *o, struct trace_reader **ret);
/* Read from memory (tests, fuzzers); name is used in messages. buf must outlive the reader. */
int trace_reader_open_mem(const void *buf, size_t len, const char *name, const struct trace_opts *o,
			  struct trace_reader **ret);
void trace_reader_free(struct trace_reader *r);
/*
 * Next event: 1 and *ev filled, 0 at end of file, -errno on error (-EBADMSG bad line or corrupt
 * container, -E2BIG a cap was hit, -EIO read error); trace_reader_error() then says
 * "file:line: reason". With skip_bad, each bad line is counted in the stats and passed to
 * o->warn (if set) as "file:line: reason (skipped)".
 */
int trace_reader_next(struct trace_reader *r, struct trace_event *ev);
const char *trace_reader_error(const struct trace_reader *r);
const struct trace_stats *trace_reader_stats(const struct trace_reader *r);

/* --- file sets --- */

struct trace_files {
	char **paths;
	size_t n;
	size_t skipped; /* files in directories not taken (other extensions, archives) */
};

/*
 * Expand paths: a regular file is taken as given; a directory is walked recursively in
 * byte-wise sorted order (symlinks to directories are not followed), taking the files the
 * format reads (lid: *.sc; others: all but archives, metadata and hidden files).
 * -E2BIG beyond max_files (0 = TRACE_MAX_FILES). why gets the reason on failure.
 */
int trace_files_collect(char *const *paths, size_t npaths, enum trace_format fmt, size_t max_files,
			struct trace_files *ret, char *why, size_t whylen);
void trace_files_done(struct trace_files *f);

#endif
