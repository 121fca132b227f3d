/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pid namespaces: is a host pid inside a container's namespace (or one nested in it)? */
#include <fcntl.h>
#include <linux/nsfs.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"

/* Does the namespace behind nsfd equal inum, or have it as an ancestor? Consumes nsfd. */
static bool ns_within(int nsfd, uint32_t inum)
{
	for (unsigned depth = 0; nsfd >= 0 && depth < 40; depth++) {
		struct stat st;
		int parent;

		if (fstat(nsfd, &st) < 0)
			break;
		if ((uint32_t)st.st_ino == inum) {
			close(nsfd);
			return true;
		}
		parent = ioctl(nsfd, NS_GET_PARENT);
		close(nsfd);
		nsfd = parent;
	}
	if (nsfd >= 0)
		close(nsfd);
	return false;
}

bool pidns_owns_pid(uint32_t inum, pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	return ns_within(open(path, O_RDONLY | O_CLOEXEC), inum);
}
