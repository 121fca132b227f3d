/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids-hook side of the seccomp backend: register the container with its cids-notify monitor. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cids/cidsd_proto.h"
#include "cids/macro.h"
#include "cids/notify_proto.h"
#include "cids/pidfd.h"
#include "cids/util.h"
#include "entry.h"

/* A connected socket of type to path, with the hook's timeouts. */
static int connect_monitor(const struct cids_config *cfg, const char *path, int type, int *ret)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -EBADF;
	double timeout = cfg->hook_timeout_s > 0 ? cfg->hook_timeout_s : 5;
	struct timeval tv;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	tv.tv_sec = (time_t)timeout;
	tv.tv_usec = (suseconds_t)((timeout - (double)tv.tv_sec) * 1e6);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	*ret = TAKE_FD(fd);
	return 0;
}

/* Register info with the monitor listening on path (a socket of type). */
static int register_at(const struct cids_config *cfg, const struct session_info *info,
		       const char *path, int type, char *why, size_t whylen)
{
	struct cidsd_reg msg = {.magic = CIDSD_PROTO_MAGIC, .version = CIDSD_PROTO_VERSION};
	_cleanup_close_ int fd = -EBADF;
	char reply[CIDSD_REPLY_MAX + 1];
	size_t off = 0;
	ssize_t n;
	int r;

	msg.init_pid = info->init_pid;
	msg.mode = (uint32_t)info->mode;
	if (strlen(info->id) >= sizeof(msg.id) || strlen(info->key) >= sizeof(msg.key) ||
	    strlen(info->bundle_profile) >= sizeof(msg.bundle_profile))
		return why_err(why, whylen, -ENAMETOOLONG, "container id, key or path too long");
	strcpy(msg.id, info->id);
	strcpy(msg.key, info->key);
	strcpy(msg.bundle_profile, info->bundle_profile);

	r = connect_monitor(cfg, path, type, &fd);
	if (r < 0)
		return why_err(why, whylen, r,
			       "no cids-notify monitor at \"%s\" (%s): the seccomp backend needs "
			       "the container started through cids-runtime (OCI) or cids-hook at "
			       "lxc.hook.start-host (LXC)",
			       path, strerror(-r));
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

int notify_register(const struct cids_config *cfg, const struct session_info *info,
		    const char *bundle, char *why, size_t whylen)
{
	char real[PATH_MAX], path[NOTIFY_SOCK_MAX];
	int r;

	if (!bundle || !bundle[0] || !realpath(bundle, real))
		return why_err(why, whylen, -ENOENT,
			       "the seccomp backend needs the bundle (\"%.200s\"): %s",
			       bundle ? bundle : "", strerror(errno ? errno : ENOENT));
	r = notify_socket_path(cfg->run_dir, real, path, sizeof(path));
	if (r < 0)
		return why_err(why, whylen, r, "run_dir \"%.200s\" is too long for a socket",
			       cfg->run_dir);
	return register_at(cfg, info, path, SOCK_STREAM, why, whylen);
}

static int grab_from(DIR *d, pid_t pid, int pidfd, int *ret)
{
	char path[64], link[64];
	struct dirent *de;
	int found = -ENOENT;

	while ((de = readdir(d))) {
		char *end;
		long fdn = strtol(de->d_name, &end, 10);
		ssize_t n;
		int fd;

		if (de->d_name[0] < '0' || de->d_name[0] > '9' || *end || fdn < 0 || fdn > INT_MAX)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%ld", (int)pid, fdn);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, "anon_inode:seccomp notify") != 0)
			continue;
		if (found >= 0) {
			close(found);
			return -EEXIST; /* LXC loads one filter: one listener */
		}
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, (int)fdn, 0);
		if (fd < 0) {
			int e = -errno;

			if (found >= 0)
				close(found);
			return e;
		}
		found = fd;
	}
	if (found < 0)
		return found;
	*ret = found;
	return 0;
}

/* The seccomp listener LXC's init holds at start-host (its filter is loaded, the fd not yet
 * handed to LXC's monitor): a copy through pidfd_getfd, -ENOENT when it has none. */
static int grab_listener(pid_t pid, int *ret)
{
	DIR *d;
	int r;

	r = (int)syscall(SYS_pidfd_open, pid, 0);
	if (r < 0)
		return -errno;
	{
		_cleanup_close_ int pidfd = r;
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
		d = opendir(path);
		if (!d)
			return -errno;
		r = grab_from(d, pid, pidfd, ret);
		closedir(d);
	}
	return r;
}

/* Hand the init's listener to the monitor: its "container process state" and the fd. */
static int send_listener(const struct cids_config *cfg, const char *path,
			 const struct session_info *info, int lfd)
{
	_cleanup_close_ int fd = -EBADF;
	char state[1400], id[2 * sizeof(info->id)];
	size_t o = 0;
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cm = {};
	struct iovec iov;
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cm.b,
			    .msg_controllen = sizeof(cm.b)};
	struct cmsghdr *h;
	int n, r;

	/* the name has no control characters (hook/lxc.c name_ok); quote and backslash escaped */
	for (const char *p = info->id; *p && o + 2 < sizeof(id); p++) {
		if (*p == '"' || *p == '\\')
			id[o++] = '\\';
		id[o++] = *p;
	}
	id[o] = '\0';
	n = snprintf(state, sizeof(state),
		     "{\"ociVersion\":\"1.0.2\",\"fds\":[\"seccompFd\"],\"pid\":%d,"
		     "\"state\":{\"ociVersion\":\"1.0.2\",\"id\":\"%s\",\"status\":"
		     "\"creating\",\"pid\":%d,\"bundle\":\"/\"}}",
		     (int)info->init_pid, id, (int)info->init_pid);
	if (n < 0 || (size_t)n >= sizeof(state))
		return -ENAMETOOLONG;
	r = connect_monitor(cfg, path, SOCK_SEQPACKET, &fd);
	if (r < 0)
		return r;
	iov = (struct iovec){.iov_base = state, .iov_len = (size_t)n};
	h = CMSG_FIRSTHDR(&mh);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &lfd, sizeof(int));
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) != n)
		return -errno ? -errno : -EIO;
	return 0;
}

int lxc_proxy_path(const char *run_dir, const char *conf, char *out, size_t outlen, char *why,
		   size_t whylen)
{
	char real[PATH_MAX], dir[PATH_MAX];
	char *slash;
	int r;

	if (!conf || conf[0] != '/' || !realpath(conf, real))
		return why_err(why, whylen, conf && conf[0] == '/' ? -errno : -EINVAL,
			       "the container's LXC config file \"%.200s\" (LXC_CONFIG_FILE) is "
			       "not an absolute path to an existing file",
			       conf ? conf : "");
	snprintf(dir, sizeof(dir), "%s", real);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	r = notify_lxc_socket_path(run_dir, dir, out, outlen);
	if (r < 0)
		return why_err(why, whylen, r, "run_dir \"%.200s\" is too long for a socket",
			       run_dir);
	return 0;
}

/* cids-notify could not start and on_error is allow: serve LXC's proxy from a detached child of
 * ours instead (common/notify_lxc_pass.c), every call let through unobserved, the init's own
 * listener (lfd) until LXC's monitor takes over; without it nobody would answer the container's
 * notified calls and it could not start at all. */
static int lxc_pass_fallback(const char *path, int lfd, const char *denied_s, pid_t init_pid)
{
	struct notify_denied d = {};
	_cleanup_close_ int sfd = -EBADF, pidfd = -EBADF;
	struct stat st;
	int r;

	if (denied_s && denied_s[0] && notify_denied_parse(denied_s, &d) < 0)
		return -EINVAL;
	r = notify_sock_listen(path, SOCK_SEQPACKET, &sfd, &st);
	if (r < 0)
		return r;
	pidfd = pidfd_open_pid(init_pid);
	if (pidfd < 0)
		return pidfd;
	r = fork_detached(true);
	if (r < 0)
		return r;
	if (r == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		/* LXC reads the hook's output until every holder closes it */
		for (int i = 0; i < 3 && null >= 0; i++)
			(void)dup2(null, i);
		for (int i = 3; i < 1024; i++)
			if (i != sfd && i != lfd && i != pidfd)
				(void)close(i);
		(void)notify_lxc_pass(sfd, pidfd, lfd, &d, false);
		{
			struct stat now;

			if (lstat(path, &now) == 0 && now.st_dev == st.st_dev &&
			    now.st_ino == st.st_ino)
				(void)unlink(path);
		}
		_exit(0);
	}
	return 0;
}

int notify_lxc_start(const struct cids_config *cfg, const char *config_path,
		     const struct session_info *info, const char *conf, char *why, size_t whylen)
{
	char path[NOTIFY_SOCK_MAX], exe[PATH_MAX], denied[NOTIFY_NR_MAX * 8];
	_cleanup_close_ int lfd = -EBADF;
	ssize_t n;
	char *slash;
	int r;

	r = lxc_proxy_path(cfg->run_dir, conf, path, sizeof(path), why, whylen);
	if (r < 0)
		return r;
	/* the calls the container's own policy denies (a merged policy): answered with their errno
	 */
	r = lxc_policy_denied(conf, denied, sizeof(denied), why, whylen);
	if (r < 0)
		return r;
	r = grab_listener(info->init_pid, &lfd);
	if (r < 0)
		return why_err(why, whylen, r,
			       "no seccomp listener in the container's init %d (%s): the container "
			       "needs lxc.seccomp.profile with notify rules and "
			       "lxc.seccomp.notify.proxy = unix:%s (cids-hook --lxc-proxy "
			       "CONFIG)",
			       (int)info->init_pid, strerror(-r), path);
	/* cids-notify sits beside cids-hook */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return why_err(why, whylen, -errno, "cannot find cids-notify: %s", strerror(errno));
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash || (size_t)(slash - exe) + sizeof("/cids-notify") > sizeof(exe))
		return why_err(why, whylen, -ENAMETOOLONG, "cannot find cids-notify");
	strcpy(slash, "/cids-notify");
	r = notify_spawn(exe, config_path, path, denied[0] ? denied : NULL, true, cfg->log,
			 cfg->hook_timeout_s, why, whylen);
	if (r < 0 && cfg->on_error == CIDS_ONERR_ALLOW) {
		int f = lxc_pass_fallback(path, lfd, denied, info->init_pid);

		if (f < 0)
			return why_err(
				why, whylen, f,
				"cids-notify cannot start, and neither can a pass-through on "
				"\"%s\" (%s): nobody answers the container's calls",
				path, strerror(-f));
		return r; /* fail_r: the alert, the start goes on (untraced) */
	}
	if (r < 0)
		return r;
	r = register_at(cfg, info, path, SOCK_SEQPACKET, why, whylen);
	if (r == -EPERM && cfg->on_error == CIDS_ONERR_ALLOW) {
		/* "error:" (no session) under on_error allow: the monitor lets the container's
		 * calls through, the init's included, which wait in its listener until then */
		char first[512];

		snprintf(first, sizeof(first), "%s", why);
		if (send_listener(cfg, path, info, lfd) < 0)
			return why_err(why, whylen, r,
				       "%s; and the init's listener could not be handed over",
				       first);
		return r;
	}
	if (r < 0)
		return r;
	r = send_listener(cfg, path, info, lfd);
	if (r < 0)
		return why_err(why, whylen, r, "cannot hand the listener to cids-notify: %s",
			       strerror(-r));
	return 0;
}
