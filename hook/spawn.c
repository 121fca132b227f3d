/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Start the monitor, detached from the runtime (fork_detached: setsid() and a second fork, so
 * the monitor is nobody's child the runtime waits for): the grandchild puts its stdio on
 * the monitor log (runc waits until the hook's stdout/stderr pipes close: the monitor must not
 * hold them) and becomes the monitor. The hook waits on a pipe for "PID n", then "OK ..." or
 * "ERR reason", for at most limits.hook_timeout_s; on timeout it SIGKILLs the monitor through a
 * pidfd (no pid-reuse race), which without EXITKILL leaves the container untraced.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cids/log.h"
#include "cids/macro.h"
#include "cids/util.h"
#include "hook.h"
#include "tracer.h"

/*
 * The log must not be able to stall the monitor's start (a FIFO, a hung network filesystem):
 * open it non-blocking and take only a regular file; anything else means /dev/null.
 */
static int open_log(const char *path)
{
	char dir[CIDS_PATH_MAX];
	struct stat st;
	char *slash;
	int fd, fl;

	if (path && *path) {
		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			(void)mkdir_p(dir, 0750);
		}
		fd = open(path,
			  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY |
				  O_NONBLOCK,
			  0600);
		if (fd >= 0) {
			fl = fcntl(fd, F_GETFL);
			if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && fl >= 0 &&
			    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == 0)
				return fd;
			close(fd);
		}
	}
	return open("/dev/null", O_WRONLY | O_CLOEXEC);
}

_Noreturn static void become_monitor(const struct cids_config *cfg, const struct session_info *info,
				     int report_fd)
{
	int nul, logfd;

	/*
	 * Report our pid first, so the hook can kill us at its deadline whatever happens next, and
	 * let go of the runtime's pipes at once: runc waits for EOF on the hook's stdout/stderr.
	 */
	{
		char line[32];
		int n = snprintf(line, sizeof(line), "PID %d\n", (int)getpid());

		(void)!write(report_fd, line, (size_t)n);
	}
	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nul < 0 || dup2(nul, STDIN_FILENO) < 0 || dup2(nul, STDOUT_FILENO) < 0 ||
	    dup2(nul, STDERR_FILENO) < 0) {
		(void)!write(report_fd, "ERR cannot set up the monitor's stdio\n", 38);
		_exit(1);
	}
	logfd = open_log(cfg->log);
	if (logfd < 0 || dup2(logfd, STDOUT_FILENO) < 0 || dup2(logfd, STDERR_FILENO) < 0) {
		(void)!write(report_fd, "ERR cannot open the monitor log\n", 32);
		_exit(1);
	}
	/* the report pipe becomes fd 3, everything else inherited is closed */
	if (report_fd != 3) {
		if (dup3(report_fd, 3, O_CLOEXEC) < 0)
			_exit(1);
		report_fd = 3;
	}
	syscall(SYS_close_range, 4, ~0U, 0);
	log_set_fd(STDERR_FILENO, LOG_FMT_TEXT);
	if (chdir("/") < 0)
		log_debug("chdir /: %m");
	monitor_main(cfg, info, report_fd);
}

int hook_spawn_monitor(const struct cids_config *cfg, const struct session_info *info, char *why,
		       size_t whylen)
{
	_cleanup_close_ int rd = -EBADF, pidfd = -EBADF;
	int p[2], r;
	char buf[1400];
	size_t len = 0;
	double deadline = now_mono() + (cfg->hook_timeout_s > 0 ? cfg->hook_timeout_s : 5);
	pid_t monitor = 0;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	r = fork_detached(true);
	if (r < 0) {
		close(p[0]);
		close(p[1]);
		return why_err(why, whylen, r, "fork failed: %s", strerror(-r));
	}
	if (r == 0) {
		close(p[0]);
		become_monitor(cfg, info, p[1]);
	}
	close(p[1]);
	rd = p[0];

	for (;;) {
		char *nl, *line;
		double left = deadline - now_mono();
		struct pollfd pfd = {.fd = rd, .events = POLLIN};
		ssize_t n;

		/* complete lines first */
		while ((nl = memchr(buf, '\n', len))) {
			*nl = '\0';
			line = buf;
			if (strncmp(line, "PID ", 4) == 0) {
				monitor = (pid_t)strtol(line + 4, NULL, 10);
				if (monitor > 0)
					pidfd = (int)syscall(SYS_pidfd_open, monitor, 0);
			} else if (strncmp(line, "OK", 2) == 0) {
				return 0;
			} else if (strncmp(line, "ERR ", 4) == 0) {
				return why_err(why, whylen, -EIO, "%s", line + 4);
			} else if (strncmp(line, "DENY ", 5) == 0) {
				return why_err(why, whylen, -EACCES, "%s", line + 5);
			}
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
		if (left <= 0) {
			if (pidfd >= 0)
				(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
			return why_err(why, whylen, -ETIMEDOUT,
				       "the monitor did not attach within %.1f s",
				       cfg->hook_timeout_s);
		}
		if (poll(&pfd, 1, (int)(left * 1000) + 1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (len >= sizeof(buf) - 1)
			return why_err(why, whylen, -EIO, "garbled report from the monitor");
		n = read(rd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return why_err(why, whylen, -ECHILD,
				       "the monitor exited before attaching (see %s)", cfg->log);
		len += (size_t)n;
	}
}
