/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Makes the calls named on its command line, one each, and prints "NAME rc=R errno=E" after each
 * (errno 0 on success): calls a container's seccomp profile may deny, to compare what a
 * container sees with and without cids.
 *   denied_probe NAME...
 * unshare (unshare(CLONE_NEWUSER)), mount (tmpfs on /mnt), keyctl (KEYCTL_GET_KEYRING_ID of the
 * session keyring, no create), clone3 (an empty struct: EINVAL where it runs, ENOSYS where a
 * profile denies it), clone_newuser (clone(CLONE_NEWUSER | SIGCHLD): allowed by Docker's
 * profile only without namespace flags; a child that runs exits at once), personality
 * (personality(0x12345): Docker allows five values only), getpid. Static, no threads; exits 0,
 * or 2 on an unknown name (before making any call).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long make(const char *name)
{
	long r;

	if (strcmp(name, "unshare") == 0)
		return syscall(SYS_unshare, CLONE_NEWUSER);
	if (strcmp(name, "mount") == 0)
		return syscall(SYS_mount, "none", "/mnt", "tmpfs", 0L, NULL);
	if (strcmp(name, "keyctl") == 0)
		return syscall(SYS_keyctl, 0L /* KEYCTL_GET_KEYRING_ID */, -3L /* session */, 0L);
	if (strcmp(name, "clone3") == 0)
		return syscall(SYS_clone3, NULL, 0L);
	if (strcmp(name, "clone_newuser") == 0) {
		r = syscall(SYS_clone, (long)(CLONE_NEWUSER | SIGCHLD), NULL, NULL, NULL, 0L);
		if (r == 0)
			_exit(0);
		if (r > 0)
			(void)waitpid((pid_t)r, NULL, 0);
		return r;
	}
	if (strcmp(name, "personality") == 0)
		return syscall(SYS_personality, 0x12345L);
	if (strcmp(name, "getpid") == 0)
		return syscall(SYS_getpid);
	return -2;
}

int main(int argc, char **argv)
{
	static const char *const known[] = {"unshare",	     "mount",	    "keyctl", "clone3",
					    "clone_newuser", "personality", "getpid"};

	for (int i = 1; i < argc; i++) {
		size_t k = 0;

		while (k < sizeof(known) / sizeof(known[0]) && strcmp(argv[i], known[k]) != 0)
			k++;
		if (k == sizeof(known) / sizeof(known[0])) {
			fprintf(stderr, "unknown call \"%s\"\n", argv[i]);
			return 2;
		}
	}
	for (int i = 1; i < argc; i++) {
		long r;

		errno = 0;
		r = make(argv[i]);
		printf("%s rc=%ld errno=%d\n", argv[i], r < 0 ? -1L : (r > 0 ? 1L : 0L),
		       r < 0 ? errno : 0);
		fflush(stdout);
	}
	return 0;
}
