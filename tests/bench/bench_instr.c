/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Instructions per call of the engine's and the session's hot paths, for callgrind: one phase per
 * run, only the measured loop instrumented (CALLGRIND_START_INSTRUMENTATION around it), so the
 * count is the same whatever the machine's load. scripts/bench_instr.sh runs every phase under
 * `valgrind --tool=callgrind --instr-atstart=no`, here and on an older revision, and prints the
 * instructions per call side by side.
 *
 *   bench_instr PHASE [calls]   (scripts/bench_instr.sh builds it and runs every phase)
 *   PHASE: engine-{learn,learn-many,detect,detect-many}-{stide,bosc}-K (K = 3..6): one
 *          database, the engine micro-benchmark's set-up (bench_engine.c), measured after one
 *          untimed pass (every window known: the steady cost of a call);
 *          session-learn, session-detect: session_syscall_ctx with the live defaults
 *          (config_default: 8 databases), what cids-hook and cids-notify call for each call.
 *   Without callgrind the phase runs uninstrumented (a smoke test of the driver).
 *
 * The trace: the ADFA-LD training traces concatenated (CIDS_SHARED_DATA), or a synthetic stream.
 * This file builds against older revisions too (scripts/bench_instr.sh): it uses only the
 * engine, profile and session calls those have.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <valgrind/callgrind.h>

#include "cids/config.h"
#include "cids/log.h"
#include "cids/profile.h"
#include "cids/session.h"
#include "cids/util.h"
#include "bench_trace.h"

#define CHUNK 1024 /* calls per batch, as bench_engine.c */

/* The engine seeds each table's hash from getrandom() (profiles/table.c): probe lengths, and so
 * the counts, would differ from run to run. This definition takes the place of libc's for the
 * engine linked into this program: the seeds come from BENCH_INSTR_SEED (default 1), the same
 * stream of seeds in every run. */
ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
	static uint64_t x;
	unsigned char *p = buf;

	if (!x) {
		const char *s = getenv("BENCH_INSTR_SEED");
		x = (s && *s ? strtoull(s, NULL, 0) : 1) * 0x9e3779b97f4a7c15ull | 1;
	}
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		p[i] = (unsigned char)(x >> 24);
	}
	return (ssize_t)len;
}

/* Raw numbers (the session maps them itself); calls without an x86_64 name are left out, so
 * that every revision learns the same stream. */
static long x86_64_only(long nr)
{
	return nr >= 0 && nr < 512 && cids_sys_name(CIDS_ARCH_X86_64, (int)nr) ? nr : -1;
}

static void measure_begin(void)
{
	CALLGRIND_START_INSTRUMENTATION;
}

static void measure_end(void)
{
	CALLGRIND_STOP_INSTRUMENTATION;
}

/* The mapped trace the engine phases replay (cids_sym, as a backend maps a call). */
static uint16_t *syms_of(const struct trace *t)
{
	uint16_t *s = malloc(t->n * sizeof(*s));

	if (!s)
		exit(1);
	for (size_t i = 0; i < t->n; i++)
		s[i] = (uint16_t)cids_sym(t->v[i]);
	return s;
}

static void learn_pass(struct cids_engine *e, const uint16_t *s, size_t n, uint64_t stream)
{
	for (size_t i = 0; i < n; i += CHUNK)
		engine_learn_many(e, stream, s + i, n - i < CHUNK ? n - i : CHUNK, NULL);
}

static int engine_phase(const char *op, enum cids_algo algo, unsigned k, const struct trace *t,
			uint64_t calls)
{
	struct cids_engine *e = bench_engine_new(algo, k, CIDS_ARCH_X86_64);
	struct cids_detector d = {
		.algo = (uint8_t)algo, .k = (uint8_t)k, .frame = 20, .threshold = 1};
	struct cids_alarm a;
	uint16_t *s = syms_of(t);
	double now;
	uint64_t done = 0, alarms = 0;

	learn_pass(e, s, t->n, 1); /* untimed: every window known */
	now = engine_elapsed(e);
	measure_begin();
	while (done < calls) {
		size_t n = calls - done < t->n ? (size_t)(calls - done) : t->n;
		if (!strcmp(op, "learn")) {
			for (size_t i = 0; i < n; i++)
				engine_learn(e, 1, s[i], ++now);
		} else if (!strcmp(op, "learn-many")) {
			learn_pass(e, s, n, 1);
		} else if (!strcmp(op, "detect")) {
			for (size_t i = 0; i < n; i++)
				alarms += engine_detect(e, 2, s[i], &d, &a) == 1;
		} else {
			for (size_t i = 0; i < n; i += CHUNK) {
				int r = engine_detect_many(
					e, 3, s + i, n - i < CHUNK ? n - i : CHUNK, &d, NULL, NULL);
				alarms += r > 0 ? (uint64_t)r : 0;
			}
		}
		done += n;
	}
	measure_end();
	printf("%s %s k=%u: %llu calls, %llu entries, %llu alarms\n", op, cids_algo_name(algo), k,
	       (unsigned long long)done, (unsigned long long)engine_db_size(e, 0),
	       (unsigned long long)alarms);
	free(s);
	engine_free(e);
	return 0;
}

/* The thread of the trace's call i: four threads taking turns every 64 calls. The session's
 * streams are threads (learning.seq "thread", stream = tid): the profile learns the same. */
static pid_t tid_of(size_t i)
{
	return 100 + (pid_t)((i >> 6) & 3);
}

/* A steady profile of the trace for key in cfg->store, learned as the live session learns. */
static void steady_profile(const struct cids_config *cfg, const char *key, const struct trace *t)
{
	struct cids_provenance p = {.sessions = 100};
	struct cids_engine *e;
	char path[8192];

	if (engine_new(&cfg->learning, &e) < 0)
		exit(1);
	for (size_t i = 0; i < t->n; i++)
		engine_learn(e, (uint64_t)tid_of(i), cids_sym(t->v[i]), (double)i * 1e-3);
	for (unsigned db = 0; db < cfg->learning.ndbs; db++) {
		struct cids_steady st = *engine_db_steady(e, db);
		st.steady = true;
		st.t_max = engine_elapsed(e);
		st.size = engine_db_size(e, db);
		engine_db_set_steady(e, db, &st);
	}
	snprintf(p.key, sizeof(p.key), "%s", key);
	snprintf(path, sizeof(path), "%s/%s.profile", cfg->store, key);
	if (profile_save(e, &p, path) < 0)
		exit(1);
	engine_free(e);
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

static int session_phase(bool detect, const struct trace *t, uint64_t calls)
{
	char dir[] = "/tmp/cids-bench-session.XXXXXX", why[256] = "";
	struct session_info info = {.mode = CIDS_MODE_LEARN, .backend = "ptrace", .init_pid = 1};
	struct cids_session *s;
	struct cids_config cfg;
	double t0;
	uint64_t done = 0, acts = 0;
	int r;

	if (!mkdtemp(dir))
		return -errno;
	config_default(&cfg);
	snprintf(cfg.store, sizeof(cfg.store), "%s", dir);
	snprintf(cfg.run_dir, sizeof(cfg.run_dir), "%s", dir);
	snprintf(cfg.alerts, sizeof(cfg.alerts), "%s/alerts.jsonl", dir);
	cfg.syslog = false;
	snprintf(info.id, sizeof(info.id), "bench");
	snprintf(info.key, sizeof(info.key), "c-bench");
	if (detect) {
		steady_profile(&cfg, info.key, t);
		info.mode = CIDS_MODE_DETECT;
	}
	r = session_new(&cfg, &info, &s, why, sizeof(why));
	if (r < 0) {
		fprintf(stderr, "session_new: %s (%d)\n", why, r);
		return r;
	}
	t0 = now_mono();
	measure_begin();
	/* one call a microsecond */
	while (done < calls) {
		size_t n = calls - done < t->n ? (size_t)(calls - done) : t->n;
		for (size_t i = 0; i < n; i++) {
			acts += session_syscall_ctx(s, tid_of(i), 100, 0, t->v[i],
						    t0 + (double)(done + i) * 1e-6) !=
				SESSION_ALLOW;
		}
		done += n;
	}
	measure_end();
	printf("session %s: %llu calls, mode %s at the end, %llu not allowed\n",
	       detect ? "detect" : "learn", (unsigned long long)done,
	       cids_mode_name(session_mode(s)), (unsigned long long)acts);
	session_free(s);
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 ? -errno : 0;
}

/* "engine-OP-ALGO-K" (OP itself may hold a dash: learn-many): 0, or -EINVAL. */
static int parse_engine_phase(const char *phase, char *op, size_t oplen, enum cids_algo *algo,
			      unsigned *k)
{
	const char *dash = strrchr(phase, '-'), *a;
	size_t len;

	if (strncmp(phase, "engine-", 7) || !dash || sscanf(dash + 1, "%u", k) != 1 || *k < 1 ||
	    *k > CIDS_MAX_K)
		return -EINVAL;
	len = (size_t)(dash - phase) - 7;
	a = memrchr(phase + 7, '-', len);
	if (!a || (size_t)(a - phase) - 7 >= oplen)
		return -EINVAL;
	snprintf(op, oplen, "%.*s", (int)(a - phase) - 7, phase + 7);
	if (!strncmp(a + 1, "stide-", 6))
		*algo = CIDS_ALGO_STIDE;
	else if (!strncmp(a + 1, "bosc-", 5))
		*algo = CIDS_ALGO_BOSC;
	else
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t calls = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000ull;
	struct trace t = {};
	enum cids_algo algo;
	char op[32];
	unsigned k;

	if (argc < 2) {
		fprintf(stderr, "usage: %s PHASE [calls]\n", argv[0]);
		return 2;
	}
	log_set_level(LOG_LVL_WARN);
	if (!trace_load_adfa(&t, x86_64_only))
		fprintf(stderr, "bench_instr: %s\n", trace_synthesize(&t));
	if (!strcmp(argv[1], "session-learn") || !strcmp(argv[1], "session-detect"))
		return session_phase(!strcmp(argv[1], "session-detect"), &t, calls) < 0;
	if (parse_engine_phase(argv[1], op, sizeof(op), &algo, &k) == 0)
		return engine_phase(op, algo, k, &t, calls);
	fprintf(stderr, "bench_instr: unknown phase \"%s\"\n", argv[1]);
	return 2;
}
