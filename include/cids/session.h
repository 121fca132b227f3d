/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One monitored container, whatever backend feeds it (ptrace monitor in hook/, eBPF daemon in
 * daemon/): resolves the profile (store, bundle), learns or detects, moves from learn to
 * detect/enforce on steady, rate-limits kills, writes alerts, checkpoints the profile atomically
 * and keeps the status file under <run_dir>/monitors/<id>.json that `cids status` reads.
 * The session/ library (libcids-session.a): every backend links it and nothing of another
 * backend.
 */
#ifndef CIDS_SESSION_H
#define CIDS_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "cids/config.h"

struct session_info {
	char id[1024]; /* container id (OCI id, LXC name) */
	char key[129]; /* profile key, already validated (key_is_valid) */
	/* "<bundle>/cids.profile" or LXC's "<dir>/cids.profile"; "" none */
	char bundle_profile[4096];
	enum cids_mode mode; /* resolved mode for this container */
	/* "ptrace" | "ptrace1" (one stop per call: ptrace.one_stop) | "ebpf" | "seccomp" */
	const char *backend;
	pid_t init_pid; /* container init in the host pid namespace */
};

enum session_verdict {
	SESSION_ALLOW = 0,	/* let the call run */
	SESSION_BLOCK,		/* skip the call, return -EPERM */
	SESSION_KILL,		/* SIGKILL the process (thread group) before the call runs */
	SESSION_KILL_CONTAINER, /* SIGKILL the container's init (and so the container) */
};

struct cids_session;

/* Loads the profile (store copy first, then the bundle copy) and refuses a corrupt one with a
 * reason in why (-EBADMSG/-EPROTO/-EFBIG as profile_load; -EPROTO also for a store copy that
 * holds another key); the caller applies on_error. A bundle copy of another key (a reused
 * bundle) is neither loaded nor overwritten: the session starts fresh and alerts once. */
int session_new(const struct cids_config *cfg, const struct session_info *info,
		struct cids_session **ret, char *why, size_t whylen);
/* Raise the warnings found by session_new (log + alert) and write the first status file; the
 * first session_tick does it if the backend did not. */
void session_start(struct cids_session *s);
/* Final checkpoint, status file removed. NULL is a no-op. */
void session_free(struct cids_session *s);
/* No final checkpoint at session_free (nothing was learned: the profile files stay as they are). */
void session_skip_final_save(struct cids_session *s);
/* The pid the status file reports as the monitor's (default: the caller's getpid()). */
void session_set_monitor_pid(struct cids_session *s, pid_t pid);
/* <run_dir>/monitors/<id>.json, "" when the path does not fit. */
const char *session_status_path(const struct cids_session *s);

/* One syscall entry of thread tid (thread group tgid) at monotonic time now. Learns or detects;
 * writes alerts; returns the action the backend must carry out (after the kill rate limit). */
enum session_verdict session_syscall(struct cids_session *s, pid_t tid, pid_t tgid, long nr,
				     double now);
/* Same, for a call made inside a signal handler at nesting depth ctx (0 = the thread's normal
 * flow, 1..SESSION_MAX_CTX-1 = handlers): each depth is its own stream, so asynchronous signals
 * do not scramble the windows of the interrupted flow. session_syscall(...) is ctx 0. */
#define SESSION_MAX_CTX 8
enum session_verdict session_syscall_ctx(struct cids_session *s, pid_t tid, pid_t tgid,
					 unsigned ctx, long nr, double now);
/* A thread exited (its windows are dropped). */
void session_thread_exit(struct cids_session *s, pid_t tid);
/* The backend lost n events of thread tid (0 = unknown thread): windows restart, counted. */
void session_lost(struct cids_session *s, pid_t tid, uint64_t n);
/* Timers: steady-state sampling while idle, checkpoints every checkpoint_s, status file. */
void session_tick(struct cids_session *s, double now);
/* Save the profile now (store and bundle copies). */
int session_checkpoint(struct cids_session *s);
/* Raise an operational alert (monitor degraded, tracer lost, profile full...). */
void session_alert_event(struct cids_session *s, const char *rule, const char *msg);
enum cids_mode session_mode(const struct cids_session *s);

/*
 * Judging in the backend (cidsd's kernel program): possible when the session detects (not
 * learn) with a STIDE database of k <= max_k, a locality frame <= max_frame and streams per
 * thread. Then *d is the detector and *db its database (for engine_db_foreach).
 */
struct cids_detector;
struct cids_engine;
/* The detector part of that question (also for cids-hook --check-config): STIDE, k and frame
 * within the limits, streams per thread. */
bool detector_external_ok(const struct cids_detector *det, enum cids_seq seq, unsigned max_k,
			  unsigned max_frame);
bool session_external_detect(const struct cids_session *s, unsigned max_k, unsigned max_frame,
			     struct cids_detector *d, int *db);
const struct cids_engine *session_engine(const struct cids_session *s);
/* What the backend did already about a call it reports (session_window, session_foreign_abi). */
enum session_done {
	SESSION_DONE_KILLED = 1u << 0,	/* killed the process, within session_kills_left() */
	SESSION_DONE_BLOCKED = 1u << 1, /* denied the call before it ran (eBPF: a BPF LSM hook) */
};
/* May a backend that judges by itself also kill or deny by itself (every window it reports is
 * one that enforce acts on)? Not with the tolerant model: the backend then reports every
 * mismatch and the session decides (session_window's verdict). */
bool session_backend_may_kill(const struct cids_session *s);
/* When it may not: the calls the session acts on at once whatever their window's count (never
 * learned; not a low-risk one under detection.low_risk_unseen; detection.unseen_calls), less
 * those never blocked and io_uring's (limits.io_uring), as bits (calls[nr / 64] bit nr % 64, nr <
 * nbits; calls NULL: only whether there are such calls). A backend that judges by itself may kill
 * on those alone. False (calls untouched) when the model has none. */
bool session_unseen_calls(const struct cids_session *s, uint64_t *calls, unsigned nbits);
/* A window the backend judged anomalous (win: k calls, oldest first; score: mismatches in the
 * frame, this one included). Checked again against the database (a window found there is not
 * anomalous); then alerts and verdict exactly as session_syscall, except for what the backend
 * did already (done, SESSION_DONE_*): a kill is recorded and alerted as a kill; a call blocked
 * (and not killed) is alerted as a block in enforce, whatever enforce.action says. */
enum session_verdict session_window(struct cids_session *s, pid_t tid, pid_t tgid,
				    const uint16_t *win, unsigned k, unsigned score, unsigned done,
				    double now);
/* The same for the stream of signal-handler depth ctx (session_syscall_ctx). With the tolerant
 * model (detection near_windows, repeats_once) the backend's count, which weighs every mismatch
 * 1, is weighed again (engine_detect_reported). */
enum session_verdict session_window_ctx(struct cids_session *s, pid_t tid, pid_t tgid, unsigned ctx,
					const uint16_t *win, unsigned k, unsigned score,
					unsigned done, double now);
/* Calls that blocking cannot stop (x86_64 numbers); futex: its only effect is on the process's
 * own memory, and glibc aborts the whole process when it fails unexpectedly, so blocking it is a
 * kill of every thread (a server taken down for one thread's anomaly); and the flushes (fsync,
 * fdatasync, sync_file_range, syncfs, msync, sync): they only make durable what the process
 * wrote already, so refusing one prevents nothing, and a database takes a failed flush for a
 * failed disk and stops (InnoDB aborted on a blocked fdatasync). Enforce never blocks them (it
 * alerts; kill still kills); the eBPF guard's filter lets them run (shim/guard.c). */
static inline bool session_never_blocked(long nr)
{
	switch (nr) {
	case 60:  /* exit */
	case 231: /* exit_group */
	case 15:  /* rt_sigreturn */
	case 219: /* restart_syscall */
	case 202: /* futex */
	case 74:  /* fsync */
	case 75:  /* fdatasync */
	case 277: /* sync_file_range */
	case 306: /* syncfs */
	case 26:  /* msync */
	case 162: /* sync */
		return true;
	default:
		return false;
	}
}
/* A call of another ABI (nr: its i386 number) by the workload: never learned, an alert (rule
 * cids_foreign_abi) in every mode, and in enforce the verdict of an anomalous call (done as
 * above). */
enum session_verdict session_foreign_abi(struct cids_session *s, pid_t tid, pid_t tgid, long nr,
					 unsigned done, double now);
/* How many kills the backend may carry out by itself now (enforce with kill or kill-container,
 * within enforce.max_kills_per_minute; 0 otherwise). */
unsigned session_kills_left(const struct cids_session *s, double now);
/* The name of the task whose call comes next, as the backend saw it when the call was made
 * (alerts use it instead of /proc/<tid>/comm, which a short-lived process no longer has); NULL
 * or "" to read /proc again. The string must live until the next call of this function. */
void session_set_comm(struct cids_session *s, const char *comm);
/* Called once a call's verdict is SESSION_KILL or SESSION_KILL_CONTAINER, before its alert is
 * read or written (no I/O between the call's arrival and this): a backend that can prove who the
 * caller is only while the call waits (seccomp notify: its pidfd, checked with NOTIF_ID_VALID)
 * does it here, so nothing is paid on calls that are not killed. */
typedef void (*session_kill_fn)(void *ud, pid_t tid, pid_t tgid);
void session_set_kill_hook(struct cids_session *s, session_kill_fn fn, void *ud);
/* n calls the backend judged normal without telling us each one (for the counters). */
void session_add_calls(struct cids_session *s, uint64_t n);

#endif
