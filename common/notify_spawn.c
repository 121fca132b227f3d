/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Start one cids-notify monitor (cids-runtime for OCI bundles, cids-hook for LXC). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cids/macro.h"
#include "cids/notify_proto.h"
#include "cids/util.h"

int notify_spawn(const char *exe, const char *config_path, const char *sock, const char *denied,
		 bool lxc, const char *log_path, double timeout_s, char *why, size_t whylen)
{
	int p[2], r;
	char line[1100] = "";
	size_t off = 0;
	double deadline = now_mono() + (timeout_s > 0 ? timeout_s : 5);

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	r = fork_detached(true);
	if (r < 0) {
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (r == 0) {
		char fdbuf[16];
		const char *argv[12];
		int n = 0, fd;

		close(p[0]);
		/* the monitor outlives us and our caller: it holds none of their fds */
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd >= 0)
			(void)dup2(fd, STDIN_FILENO);
		if (log_path && log_path[0]) {
			_cleanup_free_ char *dir = strdup(log_path);
			char *s = dir ? strrchr(dir, '/') : NULL;

			if (s && s != dir) {
				*s = '\0';
				(void)mkdir_p(dir, 0755);
			}
			fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		}
		if (fd >= 0) {
			(void)dup2(fd, STDOUT_FILENO);
			(void)dup2(fd, STDERR_FILENO);
		}
		for (int i = 3; i < 1024; i++)
			if (i != p[1])
				(void)close(i);
		(void)fcntl(p[1], F_SETFD, 0);
		snprintf(fdbuf, sizeof(fdbuf), "%d", p[1]);
		argv[n++] = "cids-notify";
		if (config_path) {
			argv[n++] = "--config";
			argv[n++] = config_path;
		}
		argv[n++] = "--socket";
		argv[n++] = sock;
		if (denied && denied[0]) {
			argv[n++] = "--denied";
			argv[n++] = denied;
		}
		if (lxc)
			argv[n++] = "--lxc";
		argv[n++] = "--report-fd";
		argv[n++] = fdbuf;
		argv[n] = NULL;
		execv(exe, (char **)argv);
		dprintf(p[1], "ERR cannot execute %s: %s\n", exe, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	(void)fcntl(p[0], F_SETFL, O_NONBLOCK);
	while (off < sizeof(line) - 1 && !strchr(line, '\n')) {
		ssize_t n = read(p[0], line + off, sizeof(line) - 1 - off);

		if (n > 0) {
			off += (size_t)n;
			line[off] = '\0';
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR) || now_mono() > deadline)
			break;
		usleep(2000);
	}
	close(p[0]);
	if (strncmp(line, "OK", 2) == 0)
		return 0;
	line[strcspn(line, "\n")] = '\0';
	return why_err(why, whylen, -EIO, "cids-notify did not start: %s",
		       off ? (strncmp(line, "ERR ", 4) == 0 ? line + 4 : line) : "no answer");
}
