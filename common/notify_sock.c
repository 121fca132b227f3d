/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The listening socket of a notify monitor (cids/notify_proto.h notify_sock_listen). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cids/log.h"
#include "cids/macro.h"
#include "cids/notify_proto.h"
#include "cids/util.h"

/* The directory of our socket: made 0700 if missing; a directory of root's that nobody else can
 * write (no symlink, nothing a container could have planted), else -EPERM. */
static int sock_dir_check(const char *dir)
{
	struct stat st;
	int r = mkdir_p(dir, 0700);

	if (r < 0)
		return r;
	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 0022))
		return -EPERM;
	return 0;
}

/* A file already at path: a socket of root's that nobody answers on (a monitor that died
 * without cleaning up) is removed; one a live monitor still answers on gets up to 3 s to go (the
 * same container restarted while its last monitor ends), then -EADDRINUSE (wait_live: LXC,
 * whose socket path is the container's for its whole life; cids-runtime's bundle socket is
 * replaced, as a failed create's orphan monitor may still listen there); anything else
 * (symlink, regular file, another owner's socket) is left alone: -EEXIST. unlink never follows
 * a symlink, and bind would not replace one. */
static int stale_remove(const char *path, int type, bool wait_live)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;

	memcpy(sa.sun_path, path, strlen(path) + 1);
	for (int i = 0; i < 30; i++) {
		_cleanup_close_ int fd = -EBADF;

		if (lstat(path, &st) < 0)
			return errno == ENOENT ? 0 : -errno;
		if (!S_ISSOCK(st.st_mode) || st.st_uid != 0)
			return -EEXIST;
		if (!wait_live)
			return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
		fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			if (errno != ECONNREFUSED)
				return -errno;
			log_info("Removing the stale socket \"%s\"", path);
			return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
		}
		(void)usleep(100 * 1000);
	}
	return -EADDRINUSE;
}

int notify_sock_listen(const char *path, int type, int *ret, struct stat *ret_st)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *dir = strdup(path);
	char *slash;
	int r;

	if (!dir)
		return -ENOMEM;
	if (strlen(path) >= sizeof(sa.sun_path) || path[0] != '/')
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	*slash = '\0';
	if (dir[0]) {
		r = sock_dir_check(dir);
		if (r < 0)
			return r;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = stale_remove(path, type, type == SOCK_SEQPACKET);
	if (r < 0)
		return r;
	{
		mode_t old = umask(0177);

		r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
		umask(old);
	}
	if (r < 0 || listen(fd, 64) < 0)
		return -errno;
	if (lstat(path, ret_st) < 0)
		return -errno;
	*ret = TAKE_FD(fd);
	return 0;
}
