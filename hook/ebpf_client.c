/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids-hook side of the eBPF backend: hand the container to cidsd and wait for its answer. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/time.h>

#include "cids/cidsd_proto.h"
#include "cids/macro.h"
#include "cids/util.h"
#include "entry.h"

static int copy_field(char *dst, size_t dstlen, const char *src)
{
	size_t n = strnlen(src, dstlen);

	if (n >= dstlen)
		return -ENAMETOOLONG;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

int ebpf_register(const struct cids_config *cfg, const struct session_info *info, char *why,
		  size_t whylen)
{
	struct cidsd_reg msg = {};
	_cleanup_close_ int fd = -EBADF;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv;
	char reply[CIDSD_REPLY_MAX + 1];
	double timeout = cfg->hook_timeout_s > 0 ? cfg->hook_timeout_s : 5;
	double deadline = now_mono() + timeout;
	ssize_t n;
	int r;

	if (why && whylen)
		why[0] = '\0';
	if (strlen(cfg->socket) >= sizeof(sa.sun_path))
		return why_err(why, whylen, -ENAMETOOLONG, "socket path \"%s\" is too long",
			       cfg->socket);
	memcpy(sa.sun_path, cfg->socket, strlen(cfg->socket) + 1);
	if (info->init_pid <= 0)
		return why_err(why, whylen, -EINVAL, "invalid container pid %d",
			       (int)info->init_pid);

	msg.magic = CIDSD_PROTO_MAGIC;
	msg.version = CIDSD_PROTO_VERSION;
	msg.init_pid = info->init_pid;
	msg.mode = (uint32_t)info->mode;
	if (copy_field(msg.id, sizeof(msg.id), info->id) < 0 ||
	    copy_field(msg.key, sizeof(msg.key), info->key) < 0 ||
	    copy_field(msg.bundle_profile, sizeof(msg.bundle_profile), info->bundle_profile) < 0)
		return why_err(why, whylen, -ENAMETOOLONG,
			       "container id, key or bundle path too long");

	/* Blocking socket with send/receive timeouts: AF_UNIX connect() honours SO_SNDTIMEO
	 * when the daemon's backlog is full. */
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	tv.tv_sec = (time_t)timeout;
	tv.tv_usec = (suseconds_t)((timeout - (double)tv.tv_sec) * 1e6);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		/* -EACCES is kept for a refusal by policy */
		r = errno == EAGAIN || errno == EINPROGRESS ? -ETIMEDOUT
		    : errno == EACCES			    ? -EPERM
							    : -errno;
		return why_err(why, whylen, r, "cannot reach cidsd at \"%s\": %s", cfg->socket,
			       strerror(-r));
	}
	do
		n = send(fd, &msg, sizeof(msg), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		r = errno == EAGAIN ? -ETIMEDOUT : -errno;
		return why_err(why, whylen, r, "sending to cidsd: %s", strerror(-r));
	}
	if ((size_t)n != sizeof(msg))
		return why_err(why, whylen, -EIO, "short send to cidsd");
	do
		n = recv(fd, reply, CIDSD_REPLY_MAX, 0);
	while (n < 0 && errno == EINTR && now_mono() < deadline);
	if (n < 0) {
		r = errno == EAGAIN ? -ETIMEDOUT : -errno;
		return why_err(why, whylen, r, "no answer from cidsd in %.1f s: %s", timeout,
			       strerror(-r));
	}
	reply[n] = '\0';
	if (n == 0)
		return why_err(why, whylen, -ECONNRESET,
			       "cidsd closed the connection without an answer");
	if (strcmp(reply, "ok") == 0)
		return 0;
	if (strncmp(reply, "refused: ", 9) == 0)
		return why_err(why, whylen, -EACCES, "%s", reply + 9);
	return why_err(why, whylen, -EPERM, "cidsd refused the container: %s",
		       strncmp(reply, "error: ", 7) == 0 ? reply + 7 : reply);
}
