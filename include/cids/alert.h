/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Alerts: one JSON object per line in the alerts file (and a line to syslog), in Falco's JSON
 * output shape so that existing forwarders carry them:
 *   {"time":"2026-11-26T15:04:05.123456789Z","rule":"cids_anomalous_window","priority":"Warning",
 *    "source":"cids","hostname":"h","output":"<one human line>",
 *    "output_fields":{"container.id":..,"cids.profile":..,"proc.pid":..,"thread.tid":..,
 *      "proc.name":..,"proc.exepath":..,"evt.type":"unshare","cids.window":["read","mmap",..],
 *      "cids.algorithm":"stide","cids.k":4,"cids.score":1,"cids.action":"block","cids.mode":..}}
 * Operational alerts (rule "cids_monitor") carry container.id, cids.profile and a message.
 * Every string from a container is escaped (json_escape) and length-capped.
 */
#ifndef CIDS_ALERT_H
#define CIDS_ALERT_H

#include <stdint.h>
#include <sys/types.h>

struct cids_alert {
	const char *rule; /* "cids_anomalous_window", "cids_monitor", "cids_kill_rate_limited" */
	const char *priority; /* "Warning", "Critical", "Notice" */
	const char *container_id;
	const char *profile_key;
	const char *mode;
	pid_t pid, tid;
	const char *comm, *exe; /* tenant-controlled: escaped on output */
	const char *syscall;
	const char *const *window; /* nwindow syscall names */
	unsigned nwindow;
	const char *algorithm;
	unsigned k, score;
	const char *action; /* "alert" "block" "kill" "kill-container" "rate-limited" */
	/* why the window is anomalous: "unseen_syscall" (a call never learned) or "frame_count"
	 * (new orderings of known calls reached the threshold); NULL: not written */
	const char *reason;
	const char *message; /* free text for operational alerts */
};

/* Append one line to path (O_APPEND, 0600, created with its directory 0750) and, when
 * to_syslog, to syslog(LOG_AUTHPRIV|LOG_WARNING). */
int alert_emit(const char *path, int to_syslog, const struct cids_alert *a);
/* The same, and once the file is past max_bytes (0: never) it is rotated: path.N-1 -> path.N
 * ... path -> path.1, keep files kept beside it (the oldest dropped). Concurrent writers
 * (several monitors) rotate once: under an flock of the file, and only if path is still the
 * file they wrote to. */
int alert_emit_rotate(const char *path, int to_syslog, const struct cids_alert *a,
		      uint64_t max_bytes, unsigned keep);

#endif
