/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Diagnostics: "ident: message" lines to stderr (or a caller's fd), or one JSON object per line
 * in the shape runc writes with --log-format=json ({"level":..,"msg":..,"time":..}), so a
 * runtime wrapper can share the runtime's log file. Errors and warnings optionally to syslog.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cids/log.h"
#include "cids/util.h"

#define LOG_LINE_MAX 4096

static const char *log_ident = "cids";
static enum log_level log_level = LOG_LVL_INFO;
static int log_fd = -1; /* -1: stderr */
static enum log_format log_fmt = LOG_FMT_TEXT;
static int log_syslog_on;

void log_set_ident(const char *ident)
{
	log_ident = ident && *ident ? ident : "cids";
	if (log_syslog_on) {
		closelog();
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	}
}

void log_set_level(enum log_level lvl)
{
	if (lvl > LOG_LVL_DEBUG)
		lvl = LOG_LVL_DEBUG;
	log_level = lvl;
}

enum log_level log_get_level(void)
{
	return log_level;
}

void log_set_fd(int fd, enum log_format fmt)
{
	log_fd = fd;
	log_fmt = fmt;
}

void log_set_syslog(int on)
{
	if (on && !log_syslog_on)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!on && log_syslog_on)
		closelog();
	log_syslog_on = !!on;
}

/* logrus level names: runc and containerd read them back. */
static const char *level_json(enum log_level lvl)
{
	switch (lvl) {
	case LOG_LVL_ERROR:
		return "error";
	case LOG_LVL_WARN:
		return "warning";
	case LOG_LVL_INFO:
		return "info";
	default:
		return "debug";
	}
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

int log_internal(enum log_level lvl, int err, const char *fmt, ...)
{
	int saved = errno;
	int ret = err == 0 ? 0 : -(err < 0 ? -err : err);
	char msg[LOG_LINE_MAX];
	char line[LOG_LINE_MAX * 6 + 128];
	va_list ap;
	int n;

	if (lvl > log_level) {
		errno = saved;
		return ret;
	}

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		snprintf(msg, sizeof(msg), "(unformattable message)");
	if (err != 0) {
		size_t l = strlen(msg);
		char eb[128];
		const char *es = strerror_r(ret < 0 ? -ret : ret, eb, sizeof(eb));
		snprintf(msg + l, sizeof(msg) - l, ": %s", es);
	}

	if (log_fmt == LOG_FMT_JSON) {
		char esc[sizeof(line) - 128];
		char ts[64];
		struct timespec tsp;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &tsp);
		gmtime_r(&tsp.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_escape(msg, esc, sizeof(esc));
		n = snprintf(line, sizeof(line),
			     "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n", level_json(lvl),
			     esc, ts);
	} else {
		/* Text output still must not let a hostile string forge extra lines. */
		size_t o = 0;
		for (const char *p = msg; *p && o + 5 < sizeof(msg); p++)
			msg[o++] = (*p == '\n' || *p == '\r') ? ' ' : *p;
		msg[o] = 0;
		n = snprintf(line, sizeof(line), "%s: %s\n", log_ident, msg);
	}
	if (n > 0)
		write_all(log_fd >= 0 ? log_fd : STDERR_FILENO, line,
			  MIN((size_t)n, sizeof(line) - 1));

	if (log_syslog_on && lvl <= LOG_LVL_WARN)
		syslog(lvl == LOG_LVL_ERROR ? LOG_ERR : LOG_WARNING, "%s", msg);

	errno = saved;
	return ret;
}
