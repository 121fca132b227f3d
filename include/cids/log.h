/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Diagnostics. Only front-ends and the monitor loop log errors; library code returns -errno.
 * Diagnostics and alerts are separate streams: alerts are JSON lines written by common/alert.c.
 */
#ifndef CIDS_LOG_H
#define CIDS_LOG_H

#include <errno.h>
#include "cids/macro.h"

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

enum log_format { LOG_FMT_TEXT, LOG_FMT_JSON };

/* Program name prefix for text output ("cids-hook"). */
void log_set_ident(const char *ident);
void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
/* Send diagnostics to fd instead of stderr (fd stays owned by caller). JSON format writes
 * one object per line {"level":..,"msg":..,"time":..} as runc's --log-format=json expects. */
void log_set_fd(int fd, enum log_format fmt);
/* Also send error/warn lines to syslog (LOG_DAEMON). */
void log_set_syslog(int on);

/* Returns -abs(err) when err != 0, so "return log_error_errno(r, ...)" logs and fails in one line.
 * With err != 0 ": <strerror>" is appended. */
int log_internal(enum log_level lvl, int err, const char *fmt, ...) _printf_(3, 4);

#define log_error(...)		  log_internal(LOG_LVL_ERROR, 0, __VA_ARGS__)
#define log_warn(...)		  log_internal(LOG_LVL_WARN, 0, __VA_ARGS__)
#define log_info(...)		  log_internal(LOG_LVL_INFO, 0, __VA_ARGS__)
#define log_debug(...)		  log_internal(LOG_LVL_DEBUG, 0, __VA_ARGS__)
#define log_error_errno(err, ...) log_internal(LOG_LVL_ERROR, (err), __VA_ARGS__)
#define log_warn_errno(err, ...)  log_internal(LOG_LVL_WARN, (err), __VA_ARGS__)

#endif
