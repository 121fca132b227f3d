/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Alerts: one Falco-shaped JSON object per line, appended to the alerts file, and the same line
 * to syslog. Every string is escaped with json_escape and capped, so a tenant who names a
 * process "\"}\n{\"rule\":..." cannot forge a second alert line.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cids/alert.h"
#include "cids/macro.h"
#include "cids/util.h"

#define ALERT_LINE_MAX	 16384
#define ALERT_FIELD_MAX	 1024 /* escaped size cap per string field */
#define ALERT_WINDOW_MAX 16   /* names listed from a window */

struct buf {
	char *p;
	size_t len, cap;
	bool overflow;
};

static void _printf_(2, 3) buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->overflow = true;
		return;
	}
	b->len += (size_t)n;
}

/* "key":"escaped" */
static void buf_str(struct buf *b, const char *key, const char *val)
{
	char esc[ALERT_FIELD_MAX];

	json_escape(val ? val : "", esc, sizeof(esc));
	buf_printf(b, "\"%s\":\"%s\"", key, esc);
}

static void format_time(char *out, size_t outlen)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

static bool is_window_alert(const struct cids_alert *a)
{
	return a->syscall != NULL;
}

/* The human "output" line; the escaping happens when it is written as a JSON string. */
static void format_output(const struct cids_alert *a, char *out, size_t outlen)
{
	size_t len = 0;
	int n;

	if (!is_window_alert(a)) {
		snprintf(out, outlen, "cids: %s (container=%.64s profile=%.128s)",
			 a->message ? a->message : "monitor event",
			 a->container_id ? a->container_id : "",
			 a->profile_key ? a->profile_key : "");
		return;
	}
	n = snprintf(out, outlen,
		     "Anomalous syscall window (container=%.64s profile=%.128s proc=%.64s pid=%d "
		     "tid=%d exe=%.256s syscall=%s window=[",
		     a->container_id ? a->container_id : "", a->profile_key ? a->profile_key : "",
		     a->comm ? a->comm : "", (int)a->pid, (int)a->tid, a->exe ? a->exe : "",
		     a->syscall);
	if (n < 0 || (size_t)n >= outlen)
		return;
	len = (size_t)n;
	for (unsigned i = 0; i < a->nwindow && i < ALERT_WINDOW_MAX; i++) {
		n = snprintf(out + len, outlen - len, "%s%.32s", i ? " " : "",
			     a->window[i] ? a->window[i] : "?");
		if (n < 0 || (size_t)n >= outlen - len)
			return;
		len += (size_t)n;
	}
	snprintf(out + len, outlen - len, "] algorithm=%s k=%u score=%u action=%s)%s%.200s",
		 a->algorithm ? a->algorithm : "", a->k, a->score, a->action ? a->action : "alert",
		 a->message ? ": " : "", a->message ? a->message : "");
}

static int alert_format(const struct cids_alert *a, char *line, size_t cap, size_t *ret_len)
{
	struct buf b = {.p = line, .cap = cap};
	char when[64], host[HOST_NAME_MAX + 1] = "", output[2048];

	format_time(when, sizeof(when));
	if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	format_output(a, output, sizeof(output));

	buf_printf(&b, "{");
	buf_str(&b, "time", when);
	buf_printf(&b, ",");
	buf_str(&b, "rule", a->rule ? a->rule : "cids_monitor");
	buf_printf(&b, ",");
	buf_str(&b, "priority", a->priority ? a->priority : "Warning");
	buf_printf(&b, ",\"source\":\"cids\",");
	buf_str(&b, "hostname", host);
	buf_printf(&b, ",");
	buf_str(&b, "output", output);
	buf_printf(&b, ",\"output_fields\":{");
	buf_str(&b, "container.id", a->container_id);
	buf_printf(&b, ",");
	buf_str(&b, "cids.profile", a->profile_key);
	if (a->mode) {
		buf_printf(&b, ",");
		buf_str(&b, "cids.mode", a->mode);
	}
	if (is_window_alert(a)) {
		buf_printf(&b, ",\"proc.pid\":%d,\"thread.tid\":%d,", (int)a->pid, (int)a->tid);
		buf_str(&b, "proc.name", a->comm);
		buf_printf(&b, ",");
		buf_str(&b, "proc.exepath", a->exe);
		buf_printf(&b, ",");
		buf_str(&b, "evt.type", a->syscall);
		buf_printf(&b, ",\"cids.window\":[");
		for (unsigned i = 0; i < a->nwindow && i < ALERT_WINDOW_MAX; i++) {
			char esc[128];

			json_escape(a->window[i] ? a->window[i] : "?", esc, sizeof(esc));
			buf_printf(&b, "%s\"%s\"", i ? "," : "", esc);
		}
		buf_printf(&b, "],");
		buf_str(&b, "cids.algorithm", a->algorithm);
		buf_printf(&b, ",\"cids.k\":%u,\"cids.score\":%u,", a->k, a->score);
		buf_str(&b, "cids.action", a->action ? a->action : "alert");
		if (a->reason) {
			buf_printf(&b, ",");
			buf_str(&b, "cids.reason", a->reason);
		}
		if (a->message) {
			buf_printf(&b, ",");
			buf_str(&b, "cids.message", a->message);
		}
	} else {
		if (a->action) {
			buf_printf(&b, ",");
			buf_str(&b, "cids.action", a->action);
		}
		buf_printf(&b, ",");
		buf_str(&b, "cids.message", a->message);
	}
	buf_printf(&b, "}}\n");
	if (b.overflow)
		return -E2BIG;
	*ret_len = b.len;
	return 0;
}

static int ensure_parent_dir(const char *path)
{
	char dir[4096];
	char *slash;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	return mkdir_p(dir, 0750);
}

/* path -> path.1 -> ... -> path.keep (dropped), with the file we hold locked. */
static void rotate(int fd, const char *path, unsigned keep)
{
	struct stat ours, cur;
	char from[4200], to[4200];

	if (keep == 0 || flock(fd, LOCK_EX) < 0)
		return;
	/* another writer rotated it first: path is a new file now */
	if (fstat(fd, &ours) < 0 || stat(path, &cur) < 0 || ours.st_ino != cur.st_ino ||
	    ours.st_dev != cur.st_dev)
		goto out;
	for (unsigned i = keep; i > 1; i--) {
		snprintf(from, sizeof(from), "%s.%u", path, i - 1);
		snprintf(to, sizeof(to), "%s.%u", path, i);
		(void)rename(from, to);
	}
	snprintf(to, sizeof(to), "%s.1", path);
	(void)rename(path, to);
out:
	(void)flock(fd, LOCK_UN);
}

int alert_emit(const char *path, int to_syslog, const struct cids_alert *a)
{
	return alert_emit_rotate(path, to_syslog, a, 0, 0);
}

int alert_emit_rotate(const char *path, int to_syslog, const struct cids_alert *a,
		      uint64_t max_bytes, unsigned keep)
{
	struct stat st;
	_cleanup_free_ char *line = NULL;
	_cleanup_close_ int fd = -EBADF;
	size_t len = 0;
	ssize_t n;
	int r;

	if (!a)
		return -EINVAL;
	line = malloc(ALERT_LINE_MAX);
	if (!line)
		return -ENOMEM;
	r = alert_format(a, line, ALERT_LINE_MAX, &len);
	if (r < 0)
		return r;

	if (to_syslog)
		/* line ends with '\n'; syslog adds its own framing */
		syslog(LOG_AUTHPRIV | LOG_WARNING, "%.*s", (int)(len - 1), line);

	if (!path || !*path)
		return 0;
	r = ensure_parent_dir(path);
	if (r < 0)
		return r;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return -errno;
	/* One write with O_APPEND: concurrent monitors never interleave within a line. */
	n = write(fd, line, len);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	if (max_bytes && fstat(fd, &st) == 0 && (uint64_t)st.st_size > max_bytes)
		rotate(fd, path, keep);
	return 0;
}
