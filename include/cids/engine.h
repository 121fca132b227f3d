/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The learning engine: syscall alphabet, per-stream sliding windows, STIDE and BoSC databases,
 * the learning steady-state test and the detection rules. Pure: no process control, no logging
 * above debug, no I/O except profile files (include/cids/profile.h).
 *
 * Windows are cut per stream. A stream is whatever the caller says it is (a thread, a process,
 * the whole container, one trace file); windows never cross stream boundaries.
 *
 * Symbols: a syscall number 0..CIDS_SYM_START-1; anything larger (or negative) maps to
 * CIDS_SYM_OTHER. CIDS_SYM_START is no call: with start_pad, every stream begins as if
 * CIDS_MAX_K start symbols came before its first call, so its first calls form windows
 * ([start, start, a], [start, a, b], ...) that are learned and judged like any other. Windows of up
 * to CIDS_MAX_K symbols are packed, 9 bits per symbol, into a 128-bit key: STIDE packs the k-gram
 * in order, BoSC packs the sorted multiset (the bag), so both databases are exact sets that can be
 * listed again as syscall names.
 */
#ifndef CIDS_ENGINE_H
#define CIDS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cids/macro.h"

#define CIDS_NSYM	 512
#define CIDS_SYM_OTHER	 511
#define CIDS_SYM_START	 510 /* start of a stream (start_pad); no syscall has this number */
#define CIDS_MAX_K	 14
#define CIDS_MAX_DBS	 16
#define CIDS_MAX_ENTRIES (1u << 22) /* hard cap per database */
#define CIDS_MAX_STREAMS (1u << 16) /* hard cap on live streams */
#define CIDS_MAX_GROWTH	 100000	    /* growth-curve points kept per database */

enum cids_arch {
	CIDS_ARCH_X86_64 = 0, /* live tracing on this host */
	CIDS_ARCH_I386 = 1,   /* ADFA-LD */
	CIDS_ARCH_NONE = 2,   /* numbers without names (UNM's SunOS sets) */
};

enum cids_algo {
	CIDS_ALGO_STIDE = 0,
	CIDS_ALGO_BOSC = 1,
};

enum cids_seq {
	CIDS_SEQ_THREAD = 0,
	CIDS_SEQ_PROCESS = 1,
	CIDS_SEQ_CONTAINER = 2,
};

/* Clock of the steady-state test: wall seconds (live, LID-DS, strace -ttt) or syscall count. */
enum cids_clock {
	CIDS_CLOCK_SECONDS = 0,
	CIDS_CLOCK_CALLS = 1,
};

/* --- alphabet (profiles/alphabet.c, names through libseccomp) --- */

/* Name of syscall nr on arch, or NULL when unknown (caller prints "sys_<nr>"). */
const char *cids_sys_name(enum cids_arch arch, int nr);
/* Number of a syscall name on arch, or -ENOENT. Accepts "sys_<nr>" as well. */
int cids_sys_number(enum cids_arch arch, const char *name);
const char *cids_arch_name(enum cids_arch arch);
int cids_arch_from_name(const char *s); /* "x86_64", "i386", "none"; -EINVAL otherwise */
/* One name table per enum (config files, profiles, the CLI): index = enum value. */
#define CIDS_ALGO_NAMES                                                                            \
	{                                                                                          \
		"stide", "bosc"                                                                    \
	}
#define CIDS_SEQ_NAMES                                                                             \
	{                                                                                          \
		"thread", "process", "container"                                                   \
	}
const char *cids_algo_name(enum cids_algo a); /* "stide", "bosc"; NULL if unknown */
int cids_algo_from_name(const char *s);	      /* -EINVAL if unknown */
const char *cids_seq_name(enum cids_seq s);   /* "thread", "process", "container"; NULL */
int cids_seq_from_name(const char *s);

static inline unsigned cids_sym(long nr)
{
	return (nr < 0 || nr >= CIDS_SYM_START) ? CIDS_SYM_OTHER : (unsigned)nr;
}

/* --- engine --- */

struct cids_db_id {
	uint8_t algo; /* enum cids_algo */
	uint8_t k;    /* 1..CIDS_MAX_K */
};

struct cids_engine_config {
	enum cids_arch arch;
	enum cids_seq seq; /* recorded in the profile; the caller cuts streams accordingly */
	enum cids_clock clock;
	unsigned ndbs;
	struct cids_db_id dbs[CIDS_MAX_DBS];
	double interval;      /* seconds or calls between growth samples (paper: 100 s), <= 1e9 */
	double sigma;	      /* steady when 0 <= slope <= sigma (paper: 0.15 entries/s) */
	unsigned consecutive; /* ... this many samples in a row (paper: 5), 1..10000 */
	uint32_t max_entries; /* per database, 0 = CIDS_MAX_ENTRIES */
	uint32_t max_streams; /* 0 = CIDS_MAX_STREAMS */
	/* Streams start with CIDS_MAX_K start symbols (recorded in the profile): the first k-1
	 * calls of a stream are learned and judged too. Live sessions set it; offline train/scan
	 * leave it off by default (the paper's windows). */
	bool start_pad;
	/* Memory cap of all databases' tables together, bytes, 0 = none. Not recorded in the
	 * profile: host policy, set again after a load (engine_set_max_bytes). A database that
	 * cannot grow within it is full, exactly as at max_entries. */
	uint64_t max_bytes;
	/* also needed for steady: this many calls learned since the database last grew (0 = the
	 * paper's rule alone). Not stored in profiles: the live configuration sets it. */
	uint64_t quiet_calls;
};

/* Defaults of DESIGN.md: stide 3..6, bosc 3..6 and 10, interval 100, sigma 0.15, 5 in a row. */
void engine_config_default(struct cids_engine_config *c);

struct cids_growth_point {
	double t;      /* learning time (seconds or calls) */
	uint64_t size; /* entries in the database */
	double slope;  /* (size - prev size) / (t - prev t), entries per second (or per call) */
	bool below;    /* 0 <= slope <= sigma */
};

struct cids_steady {
	bool steady;
	double t_max;  /* learning time when steady was reached (valid if steady) */
	uint64_t size; /* database size at t_max */
	unsigned run;  /* current run of samples below sigma */
	bool full;     /* hit max_entries: "profile full", learning of this db stopped */
};

/* An engine is used by one thread at a time (no locks inside); the alphabet functions above
 * may be called from any thread. */
struct cids_engine;

int engine_new(const struct cids_engine_config *c, struct cids_engine **ret);
void engine_free(struct cids_engine *e);
DEFINE_TRIVIAL_CLEANUP(struct cids_engine *, engine_free)
const struct cids_engine_config *engine_config(const struct cids_engine *e);

/* Index of database (algo, k) or -ENOENT. */
int engine_db_index(const struct cids_engine *e, enum cids_algo algo, unsigned k);
uint64_t engine_db_size(const struct cids_engine *e, unsigned db);
const struct cids_steady *engine_db_steady(const struct cids_engine *e, unsigned db);
/* Growth curve of db: *ret_n points, oldest first. */
const struct cids_growth_point *engine_db_growth(const struct cids_engine *e, unsigned db,
						 size_t *ret_n);
/* Set quiet_calls (see cids_engine_config) and restart each database's count of calls since it
 * last grew. */
void engine_set_quiet_calls(struct cids_engine *e, uint64_t n);
/* True when every listed database is steady (n == 0: all of them). */
bool engine_steady(const struct cids_engine *e, const struct cids_db_id *which, unsigned n);

/* Totals for the paper's Table I: calls seen per symbol while learning. */
uint64_t engine_total_calls(const struct cids_engine *e);
const uint64_t *engine_sym_counts(const struct cids_engine *e); /* CIDS_NSYM entries */
unsigned engine_distinct_syms(const struct cids_engine *e);
/* Learning time of the last sample fed (a continued profile keeps counting from here). */
double engine_elapsed(const struct cids_engine *e);

/*
 * Learn one call of stream `stream` at learning time `now` (seconds or call count, monotonic).
 * Adds the windows ending at this call to every database, then runs the steady-state sampler.
 * Returns 0, 1 when a database became full with this call (the caller alerts "profile full"
 * once), or -ENOSPC when the stream table is at max_streams (the call is not learned), -ENOMEM.
 * A `now` earlier than the last one (or NaN, or infinite) counts as the last one. A full
 * database stops learning (counts too) and is never declared steady (see profiles/steady.c).
 */
int engine_learn(struct cids_engine *e, uint64_t stream, unsigned sym, double now);
/* Memory the databases' tables hold now, bytes. */
uint64_t engine_db_bytes(const struct cids_engine *e);
/* Set the memory cap (0 = none). Databases already past it are marked full. */
void engine_set_max_bytes(struct cids_engine *e, uint64_t max_bytes);
/* Forget a stream's window (thread exited, trace ended, events were lost). */
void engine_end_stream(struct cids_engine *e, uint64_t stream);
/* Drop every stream (end of a trace file set). */
void engine_reset_streams(struct cids_engine *e);
/* Run the steady-state sampler up to `now` without a call (idle containers still level off). */
void engine_tick(struct cids_engine *e, double now);

/* Insert / test one window directly (profile merge, tests). syms has k entries, oldest first
 * (any order for BoSC). insert: 1 new, 0 already there (count + 1), -ENOSPC full, -EINVAL when
 * db or k do not match. */
int engine_db_insert(struct cids_engine *e, unsigned db, const uint16_t *syms, unsigned k);
bool engine_db_contains(const struct cids_engine *e, unsigned db, const uint16_t *syms, unsigned k);
/* Visit every entry of db: syms is the window (STIDE: in order; BoSC: sorted), count is how
 * often it was seen while learning. Stop early when cb returns non-zero (returned). */
typedef int (*engine_entry_cb)(const uint16_t *syms, unsigned k, uint32_t count, void *ud);
int engine_db_foreach(const struct cids_engine *e, unsigned db, engine_entry_cb cb, void *ud);

/* --- detection --- */

#define CIDS_MAX_FRAME 4096 /* largest detector frame (engine_detect: -EINVAL above) */

/* cids_detector.flags: a call whose syscall was never learned (its Table I count is 0) is
 * anomalous whatever the count over the frame: an unseen call is far stronger evidence than a
 * new ordering of known ones. */
#define CIDS_DET_UNSEEN_CALLS 0x1
/* cids_detector.flags (STIDE): a near mismatching window counts 1/2 in the locality frame count,
 * not 1: its set of calls is in the BoSC database of the same k (a new ordering of calls learned
 * together: thread timing, batching). */
#define CIDS_DET_NEAR_WINDOWS 0x2
/* cids_detector.flags, with CIDS_DET_NEAR_WINDOWS: near windows count 0, and so do windows that
 * differ from a learned window in one call at one place (`recvfrom,mprotect,futex,sendto` where
 * `recvfrom,mprotect,mprotect,sendto` was learned): the session's start-up grace,
 * detection.startup_grace_s, warm-up of arenas, caches and thread pools. */
#define CIDS_DET_NEAR_FREE 0x4
/* cids_detector.flags, with CIDS_DET_UNSEEN_CALLS: a never-learned call of the low-risk class
 * (cids_sym_low_risk) is not an anomaly at once: its window counts in the frame as any other. */
#define CIDS_DET_LOW_RISK_UNSEEN 0x8
/* cids_detector.flags, with CIDS_DET_NEAR_WINDOWS: a near window adds to the frame count but raises
 * the alarm itself only at twice the threshold; a far one (or an unseen call) at the threshold. */
#define CIDS_DET_NEAR_QUIET 0x10
/* cids_detector.flags (STIDE): a mismatching window equal to one of the stream's last 16
 * mismatching windows counts 0 (a loop of one new window, a server writing a large reply to a
 * slow client: `epoll_ctl,writev,epoll_ctl,writev` 142 times in a second, is one novelty) */
#define CIDS_DET_REPEATS_ONCE 0x20

/* Low-risk calls (x86_64 numbers): they read the caller's own state (its socket's addresses,
 * its resource usage, its scheduling, clocks) or flush its own files to disk, and change
 * nothing an attacker is after. Servers make them on rare paths (a client's address logged,
 * an incremental fsync of a large snapshot) that learning may not have seen. */
bool cids_sym_low_risk(unsigned sym);

struct cids_detector {
	uint8_t algo; /* enum cids_algo */
	uint8_t k;
	uint16_t frame;	    /* STIDE: locality frame (windows); BoSC: epoch (calls) */
	uint16_t threshold; /* anomalous when the count over the frame reaches this */
	uint8_t flags;	    /* CIDS_DET_* */
};

struct cids_alarm {
	uint8_t algo, k;
	uint8_t unseen; /* the call's syscall was never learned */
	uint16_t score; /* LFC (STIDE) or mismatches in the epoch (BoSC) */
	uint16_t nwin;
	uint16_t window[CIDS_MAX_K]; /* the offending window as calls, oldest first */
};

/*
 * Judge one call of a stream against database d->algo/d->k (which must exist). Windows that
 * are not yet full (first k-1 calls of a stream) are never anomalous. Returns 1 and fills
 * *ret when the window ending at this call is anomalous by the detector's rule, 0 when normal,
 * -ENOENT when the engine has no such database, -ENOSPC at max_streams, -EINVAL when frame is
 * 0 or above CIDS_MAX_FRAME. Threshold 0 counts as 1.
 *
 * The alarm rule: the window ending at this call is anomalous when it is not in the database
 * AND the count over the frame (including it) has reached the threshold, or (with
 * CIDS_DET_UNSEEN_CALLS) the call's syscall was never learned. So threshold 1 alarms on exactly
 * the mismatching windows, and a match is never an alarm (nothing to block). ret->unseen says
 * whether the call itself was never learned (a window holding an unseen call cannot match).
 * STIDE's count is the mismatching windows among the stream's last `frame` windows (locality
 * frame count); BoSC's is the mismatching bags in the current epoch of `frame` calls, the epoch
 * restarting every `frame` calls of the stream.
 *
 * Each (stream, database) pair keeps its own detection window, started from the stream's
 * learning window the first time (so a stream can switch from engine_learn to engine_detect
 * without a gap). Several detectors on different databases may judge the same call; feed a
 * call once per database (two detectors on one database would push it twice). A detector with
 * another frame or threshold on the same stream and database restarts the frame count.
 */
int engine_detect(struct cids_engine *e, uint64_t stream, unsigned sym,
		  const struct cids_detector *d, struct cids_alarm *ret);
/* Take back the last call engine_detect pushed on (stream, d's database): a call the backend
 * blocked did not happen, so the next call is judged against the window before it (no restart
 * of the stream, no free prefix). The frame count keeps the mismatch. 0, or -ENOENT when there
 * is nothing to take back (only the last call can be taken back, once) or when the call before
 * it was blocked too: only the first of consecutive blocked calls is taken back, so a thread
 * whose next calls are blocked as well is judged on the calls it makes (its error path), not
 * held on one window where every next call is new (which blocked every call it made after). */
int engine_detect_undo(struct cids_engine *e, uint64_t stream, const struct cids_detector *d);
/*
 * A mismatching STIDE window that a backend found itself (cidsd's kernel program: it counts
 * every mismatch 1 and reports each one with nmis, the mismatches in its frame of d->frame
 * windows, this one included): weighed as engine_detect weighs a mismatch (d's flags: near
 * windows, one call away, repeats of recent ones), its count the weights of the stream's last
 * nmis reported mismatches (at most CIDS_REPORTED_MAX of them), and judged by d's alarm rule.
 * The windows between them matched, so that is the weighted frame count engine_detect would
 * have. 1 with *ret (may be NULL) when anomalous, 0 when not, -errno (-EINVAL: not STIDE, k
 * not d's, or nmis 0).
 */
#define CIDS_REPORTED_MAX 64
/* Does call sym count as never learned for detector d (no window of the profile holds it; not a
 * low-risk one under CIDS_DET_LOW_RISK_UNSEEN)? The rule engine_detect's alarms use. */
bool engine_sym_unseen(const struct cids_engine *e, const struct cids_detector *d, unsigned sym);
int engine_detect_reported(struct cids_engine *e, uint64_t stream, const uint16_t *win, unsigned k,
			   unsigned nmis, const struct cids_detector *d, struct cids_alarm *ret);

/*
 * Batches: the same as n engine_learn / engine_detect calls on one stream, faster (the
 * databases are walked one after the other and table slots are prefetched ahead).
 * engine_learn_many: times[i] is call i's learning time; times == NULL is the call clock (each
 * call one later than the last: engine_elapsed() + 1, + 2, ...). Returns as engine_learn.
 * engine_detect_many: cb (may be NULL) gets every anomalous call, with its index in syms.
 * Returns the number of anomalous calls (capped at INT_MAX) or -errno as engine_detect.
 */
int engine_learn_many(struct cids_engine *e, uint64_t stream, const uint16_t *syms, size_t n,
		      const double *times);
typedef void (*engine_alarm_cb)(size_t i, const struct cids_alarm *a, void *ud);
int engine_detect_many(struct cids_engine *e, uint64_t stream, const uint16_t *syms, size_t n,
		       const struct cids_detector *d, engine_alarm_cb cb, void *ud);

/* Offline scores of one whole trace (a stream given as an array), for scan and eval. */
struct cids_score {
	uint64_t windows;    /* full windows judged */
	uint64_t mismatches; /* windows not in the database */
	unsigned max_lfc;    /* STIDE: max mismatches in any `frame` consecutive windows */
	unsigned max_epoch;  /* BoSC: max mismatches in any epoch of `frame` calls */
	double rate;	     /* mismatches / windows (0 when no window) */
	double rarity;	     /* frequency-aware score: mean of -log2(p) of the trace's windows */
};
/* frame > 0 (-EINVAL otherwise) is used for both max_lfc and max_epoch, whatever the algorithm.
 * rarity uses p = (count + 1) / (total + distinct + 1), count = how often the window was seen
 * while learning, total = all windows learned, distinct = database size: unseen windows score
 * the most. Pure: no stream is touched. */
int engine_score_trace(const struct cids_engine *e, unsigned db, const uint16_t *syms, size_t n,
		       unsigned frame, struct cids_score *ret);

/* --- merging (profiles/merge.c; cids profile merge) --- */

/* Add src into dst: every database's entries with their counts (a union), Table I counts and
 * the call total. Both must have the same arch and the same set of (algorithm, k); otherwise
 * -EINVAL with the reason in why. Entries that do not fit a full database are counted in
 * *ret_lost (may be NULL) and mark it full. dst's growth curves and steady state are left as
 * they are: the caller decides what the merged steady state is (engine_db_set_steady). */
int engine_merge(struct cids_engine *dst, const struct cids_engine *src, uint64_t *ret_lost,
		 char *why, size_t whylen);
/* Start every database's steady-state test again, keeping its windows (a new workload key
 * started from an old profile): not steady, no run, the growth curve emptied, the next sample's
 * growth counted from the current size. A full database stays full. */
void engine_restart_steady(struct cids_engine *e);
/*
 * The steady state of m, just merged from in[0..n) (engine_merge), so that nothing the replicas
 * knew is lost: a database is steady when it was steady in every input (T_max the largest, the
 * size the merged size); otherwise its run of samples below sigma is the shortest of the inputs'
 * (a steady input counting as `consecutive`), so learning on the merged profile finishes what
 * the least advanced replica still needed. Full in any input: full, never steady. Each
 * database's next growth sample counts from the merged size, and learning time continues from
 * the longest input's. Growth curves are not merged (the hosts' times do not line up).
 */
void engine_merge_steady(struct cids_engine *m, struct cids_engine *const *in, size_t n);
/* Overwrite the steady-state record of db (merged profiles). */
int engine_db_set_steady(struct cids_engine *e, unsigned db, const struct cids_steady *st);

#endif
