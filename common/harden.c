/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Self-defence of a long-running cids process once it is set up (the ptrace monitor, cidsd):
 * keep only the capabilities it still uses, set no_new_privs, and install a seccomp allow-list
 * of the calls it makes; anything else fails with EPERM (execve, mount, socket other than
 * AF_UNIX for syslog, ...).
 */
#include <errno.h>
#include <linux/prctl.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "cids/harden.h"
#include "cids/macro.h"
#include "cids/util.h"

/* What every hardened process may call: files, memory, time, signals, its own ids, kill. */
static const char *const base_allowed[] = {
	"read",
	"write",
	"writev",
	"pread64",
	"open",
	"openat",
	"close",
	"close_range",
	"flock", /* the alerts file's rotation (common/alert.c) */
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

/*
 * A sanitizer build (make debug) checks for leaks at exit: LeakSanitizer stops the world by
 * cloning a thread that ptraces the others and reads /proc/self/task. Those calls are allowed
 * in such builds only; a release build never has them.
 */
#if defined(__SANITIZE_ADDRESS__)
static const char *const sanitizer_allowed[] = {
	"clone",     "ptrace",	  "wait4", "prctl", "sigaltstack", "sched_getaffinity",
	"getrlimit", "setrlimit", "pipe",  "pipe2", "getdents",
};
#endif

static int drop_caps(const cap_value_t *keep, size_t nkeep, char *why, size_t whylen)
{
	cap_t caps = cap_init();
	int r = 0;

	if (!caps)
		return -errno;
	if (cap_set_flag(caps, CAP_PERMITTED, (int)nkeep, keep, CAP_SET) < 0 ||
	    cap_set_flag(caps, CAP_EFFECTIVE, (int)nkeep, keep, CAP_SET) < 0 ||
	    cap_set_proc(caps) < 0) {
		r = why_err(why, whylen, -errno, "cannot drop capabilities: %s", strerror(errno));
	}
	cap_free(caps);
	/* no ambient or inheritable capabilities survive an exec (there is none, but still) */
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return r;
}

static int allow_all(scmp_filter_ctx ctx, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		int r;

		if (nr == __NR_SCMP_ERROR)
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

static int install_filter(const char *const *extra, size_t nextra, const unsigned long *req,
			  size_t nreq, char *why, size_t whylen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int r;

	if (!ctx)
		return why_err(why, whylen, -ENOMEM, "seccomp_init failed");
	r = allow_all(ctx, base_allowed, ARRAY_SIZE(base_allowed));
	if (r >= 0)
		r = allow_all(ctx, extra, nextra);
#if defined(__SANITIZE_ADDRESS__)
	if (r >= 0)
		r = allow_all(ctx, sanitizer_allowed, ARRAY_SIZE(sanitizer_allowed));
#endif
	/* syslog(3) needs an AF_UNIX socket; nothing else */
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				     SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	for (size_t i = 0; i < nreq && r >= 0; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_EQ, req[i]));
	if (r >= 0)
		r = seccomp_load(ctx);
	if (r < 0)
		r = why_err(why, whylen, r, "cannot install the seccomp filter: %s", strerror(-r));
	seccomp_release(ctx);
	return r;
}

int harden_self_ioctl(const cap_value_t *keep, size_t nkeep, const char *const *extra,
		      size_t nextra, const unsigned long *req, size_t nreq, char *why,
		      size_t whylen)
{
	int r;

	r = drop_caps(keep, nkeep, why, whylen);
	if (r < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		r = -errno;
		return why_err(why, whylen, r, "cannot set no_new_privs: %s", strerror(errno));
	}
	return install_filter(extra, nextra, req, nreq, why, whylen);
}

int harden_self(const cap_value_t *keep, size_t nkeep, const char *const *extra, size_t nextra,
		char *why, size_t whylen)
{
	return harden_self_ioctl(keep, nkeep, extra, nextra, NULL, 0, why, whylen);
}
