/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared pieces of the offline commands (train, scan, eval): options, progress, learning from
 * trace files and loading traces into memory. */
#ifndef CIDS_CLI_OFFLINE_H
#define CIDS_CLI_OFFLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cids/engine.h"
#include "cids/log.h"
#include "cids/trace.h"

/* Log an error and give the command's exit status 2 in one expression. */
#define exit_error(...)		 (log_error(__VA_ARGS__), 2)
#define exit_error_errno(r, ...) (log_error_errno((r), __VA_ARGS__), 2)

/* "3,4,5,6" or "3-6" into out[] (sorted, unique), each in [min, max]. -EINVAL on bad input. */
int parse_k_list(const char *s, unsigned min, unsigned max, uint8_t *out, unsigned cap,
		 unsigned *ret_n);
/* Whole decimal number / floating number with range check. */
int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *ret);
int parse_double(const char *s, double min, double max, double *ret);
int parse_seq(const char *s); /* thread | process | container */
/* "stide", "bosc" or "stide,bosc". */
int parse_algorithms(const char *s, bool *stide, bool *bosc);
const char *seq_name(enum cids_seq s);

/* Progress on stderr, only when stderr is a terminal. */
struct progress {
	bool on;
	double start, last;
	size_t total;
	const char *what;
};
void progress_init(struct progress *p, const char *what, size_t total);
void progress_update(struct progress *p, size_t done, uint64_t calls);
void progress_done(struct progress *p);

struct learn_stats {
	uint64_t calls;
	uint64_t unknown;
	uint64_t bad_lines;
	uint64_t full_events; /* databases that became full */
	size_t files;
	char first_unknown[64];
};

/* Learn every file into e: streams per file as the reader cuts them, engine_reset_streams
 * between files, time continuing from engine_elapsed(). Logs errors with file:line. */
int learn_files(struct cids_engine *e, const struct trace_files *f, const struct trace_opts *o,
		enum cids_clock clock, struct learn_stats *st);

/* One trace = one stream of one file or archive member (until its END event). */
struct trace_rec {
	size_t file;	 /* index into the trace_files it was loaded from */
	unsigned member; /* archive member (0-based) within the file */
	uint64_t stream;
	uint16_t *syms;
	size_t n, cap;
};

struct trace_set {
	struct trace_rec *t;
	size_t n, cap;
	uint64_t calls;
	uint64_t unknown, bad_lines;
};

#define TRACE_SET_MAX_TRACES (1u << 22)
#define TRACE_SET_MAX_CALLS  (1ull << 29) /* 1 GiB of symbols in memory */

/* Load every file's streams into memory (eval, scan). Logs errors with file:line. */
int trace_set_load(const struct trace_files *f, const struct trace_opts *o, const char *what,
		   struct trace_set *ret);
void trace_set_done(struct trace_set *s);
/* Learn traces of a set on a call-count clock continuing from engine_elapsed(); only those with
 * pick[i] (all when pick is NULL). Each trace is its own stream, ended after its last call. */
int learn_set(struct cids_engine *e, const struct trace_set *s, const bool *pick);

/* Profile files are never silently replaced: -EEXIST unless force. */
int check_output_path(const char *path, bool force);

#endif
