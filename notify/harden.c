/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The notify monitor's self-defence once it listens, as the ptrace monitor's (hook/harden.c):
 * only the capabilities it uses (kill across user namespaces, profiles in bundles and /proc of
 * other users), no_new_privs, and a seccomp allow-list of the calls it makes; anything else
 * fails with EPERM (execve, ptrace, socket other than AF_UNIX for syslog, mount, ...).
 */
#include <errno.h>
#include <linux/prctl.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "cids/macro.h"
#include "notify.h"

static const cap_value_t keep_caps[] = {
	CAP_KILL,	     /* kill verdicts across user namespaces */
	CAP_DAC_OVERRIDE,    /* profile next to a bundle owned by someone else */
	CAP_DAC_READ_SEARCH, /* /proc of the container's users */
	CAP_FOWNER,	     /* rename over a profile we do not own */
};

static const char *const allowed[] = {
	"ioctl", /* SECCOMP_IOCTL_NOTIF_* */
	"epoll_wait",
	"epoll_pwait",
	"epoll_ctl",
	"accept4",
	"recvmsg",
	"recvfrom",
	"getsockopt",
	"setsockopt",
	"read",
	"write",
	"writev",
	"pread64",
	"open",
	"openat",
	"close",
	"close_range",
	"fstat",
	"newfstatat",
	"stat",
	"lstat",
	"statx",
	"lseek",
	"mmap",
	"munmap",
	"mremap",
	"mprotect",
	"brk",
	"madvise",
	"kill",
	"tgkill",
	"tkill",
	"getpid",
	"gettid",
	"getppid",
	"getuid",
	"geteuid",
	"getgid",
	"getegid",
	"poll",
	"ppoll",
	"select",
	"pselect6",
	"rt_sigprocmask",
	"rt_sigaction",
	"rt_sigreturn",
	"signalfd4",
	"getdents64",
	"readlink",
	"readlinkat",
	"rename",
	"renameat",
	"renameat2",
	"fsync",
	"fdatasync",
	"mkdir",
	"mkdirat",
	"unlink",
	"unlinkat",
	"clock_gettime",
	"clock_nanosleep",
	"nanosleep",
	"gettimeofday",
	"time",
	"exit",
	"exit_group",
	"uname",
	"fcntl",
	"getrandom",
	"futex",
	"fchmod",
	"fchmodat",
	"fchown",
	"ftruncate",
	"dup",
	"dup2",
	"dup3",
	"umask",
	"access",
	"faccessat",
	"faccessat2",
	"restart_syscall",
	"sendto",
	"sendmsg",
	"connect",
	"pidfd_send_signal",
	"pidfd_open",
	"sched_yield",
	"getcwd",
	"prlimit64",
	"sysinfo",
	"link",
	"linkat",
	"symlink",
	"symlinkat",
	"chmod",
	"setitimer",
	"getitimer",
	"alarm",
};
static int drop_caps(char *why, size_t whylen)
{
	cap_t caps = cap_init();
	int r = 0;

	if (!caps)
		return -errno;
	if (cap_set_flag(caps, CAP_PERMITTED, ARRAY_SIZE(keep_caps), keep_caps, CAP_SET) < 0 ||
	    cap_set_flag(caps, CAP_EFFECTIVE, ARRAY_SIZE(keep_caps), keep_caps, CAP_SET) < 0 ||
	    cap_set_proc(caps) < 0) {
		r = -errno;
		snprintf(why, whylen, "cannot drop capabilities: %s", strerror(errno));
	}
	cap_free(caps);
	/* no ambient or inheritable capabilities survive an exec (there is none, but still) */
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return r;
}

static int install_filter(char *why, size_t whylen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int r;

	if (!ctx) {
		snprintf(why, whylen, "seccomp_init failed");
		return -ENOMEM;
	}
	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);

		if (nr == __NR_SCMP_ERROR)
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (r < 0)
			goto out;
	}
	/* syslog(3) needs an AF_UNIX socket; nothing else */
	r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
			     SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	if (r < 0)
		goto out;
	r = seccomp_load(ctx);
out:
	if (r < 0)
		snprintf(why, whylen, "cannot install the monitor's seccomp filter: %s",
			 strerror(-r));
	seccomp_release(ctx);
	return r;
}

int notify_harden(char *why, size_t whylen)
{
	int r;

	r = drop_caps(why, whylen);
	if (r < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(why, whylen, "cannot set no_new_privs: %s", strerror(errno));
		return -errno;
	}
	return install_filter(why, whylen);
}
