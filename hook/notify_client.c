/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids-hook side of the seccomp backend: register the container with its cids-notify monitor. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "cids/cidsd_proto.h"
#include "cids/macro.h"
#include "cids/notify_proto.h"
#include "cids/util.h"
#include "entry.h"

int notify_register(const struct cids_config *cfg, const struct session_info *info,
		    const char *bundle, char *why, size_t whylen)
{
	struct cidsd_reg msg = {.magic = CIDSD_PROTO_MAGIC, .version = CIDSD_PROTO_VERSION};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -EBADF;
	double timeout = cfg->hook_timeout_s > 0 ? cfg->hook_timeout_s : 5;
	char real[PATH_MAX], reply[CIDSD_REPLY_MAX + 1];
	struct timeval tv;
	size_t off = 0;
	ssize_t n;
	int r;

	if (!bundle || !bundle[0] || !realpath(bundle, real))
		return why_err(why, whylen, -ENOENT,
			       "the seccomp backend needs the bundle (\"%.200s\"): %s",
			       bundle ? bundle : "", strerror(errno ? errno : ENOENT));
	r = notify_socket_path(cfg->run_dir, real, sa.sun_path, sizeof(sa.sun_path));
	if (r < 0)
		return why_err(why, whylen, r, "run_dir \"%.200s\" is too long for a socket",
			       cfg->run_dir);
	msg.init_pid = info->init_pid;
	msg.mode = (uint32_t)info->mode;
	if (strlen(info->id) >= sizeof(msg.id) || strlen(info->key) >= sizeof(msg.key) ||
	    strlen(info->bundle_profile) >= sizeof(msg.bundle_profile))
		return why_err(why, whylen, -ENAMETOOLONG, "container id, key or path too long");
	strcpy(msg.id, info->id);
	strcpy(msg.key, info->key);
	strcpy(msg.bundle_profile, info->bundle_profile);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	tv.tv_sec = (time_t)timeout;
	tv.tv_usec = (suseconds_t)((timeout - (double)tv.tv_sec) * 1e6);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		return why_err(why, whylen, r,
			       "no cids-notify monitor at \"%s\" (%s): the seccomp backend needs "
			       "the container started through cids-runtime",
			       sa.sun_path, strerror(-r));
	}
	while (off < sizeof(msg)) {
		n = send(fd, (char *)&msg + off, sizeof(msg) - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return why_err(why, whylen, n < 0 ? -errno : -EIO,
				       "sending to the notify monitor: %s",
				       n < 0 ? strerror(errno) : "short write");
		off += (size_t)n;
	}
	(void)shutdown(fd, SHUT_WR);
	do
		n = recv(fd, reply, CIDSD_REPLY_MAX, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return why_err(why, whylen, n < 0 ? -errno : -ECONNRESET,
			       "no answer from the notify monitor: %s",
			       n < 0 ? strerror(errno) : "connection closed");
	reply[n] = '\0';
	if (strcmp(reply, "ok") == 0)
		return 0;
	if (strncmp(reply, "refused: ", 9) == 0) /* the host's policy: denied whatever on_error */
		return why_err(why, whylen, -EACCES, "%s", reply + 9);
	return why_err(why, whylen, -EPERM, "the notify monitor refused the container: %s",
		       strncmp(reply, "error: ", 7) == 0 ? reply + 7 : reply);
}
