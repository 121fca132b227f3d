/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The calls runc and crun make under the container's seccomp filter before the workload's
 * execve. Found by tracing `runc run` (1.1.5) and `crun run` (1.8.1) with `strace -f` on a
 * bundle whose filter allowed only the workload's calls, and with a SCMP_ACT_LOG filter (the
 * kernel's audit records name every call and its task):
 *  - noNewPrivileges true (the default of `runc spec`): runc installs the filter just before
 *    execve; its init then signals the exec fifo, checks that /proc/self/fd is procfs and
 *    closes its descriptors; the Go runtime's other threads share the filter (TSYNC) and may
 *    run until execve replaces the process. crun: execve and close.
 *  - noNewPrivileges false (Docker's default): both load the filter before dropping
 *    privileges, so capabilities, groups and ids are set under it, and crun resets every
 *    signal's action there. See tests/integration/t_export_seccomp.sh and t_ebpf_engines.sh.
 */
#include "cids/macro.h"
#include "cids/runtime_calls.h"

static const char *const calls[] = {
	/* runc init after the filter: the exec fifo, /proc/self/fd, closing fds, execve */
	"openat",
	"close",
	"write",
	"read",
	"getpid",
	"fstatfs",
	"fstat",
	"newfstatat",
	"getdents64",
	"fcntl",
	"epoll_ctl",
	"execve",
	/* the Go runtime's threads of runc init until the execve replaces them */
	"futex",
	"nanosleep",
	"sched_yield",
	"epoll_pwait",
	"rt_sigreturn",
	"rt_sigprocmask",
	"sigaltstack",
	"tgkill",
	"gettid",
	"madvise",
	"mmap",
	"munmap",
	"exit",
	"exit_group",
	"restart_syscall",
};

/* noNewPrivileges false: dropping privileges, crun's reset of signal actions */
static const char *const privileged_calls[] = {
	"capget",    "capset", "prctl",	 "setgroups", "setuid",	    "setgid",	    "setresuid",
	"setresgid", "chdir",  "getcwd", "getppid",   "faccessat2", "rt_sigaction",
};

size_t cids_runtime_calls(bool privileged, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(calls); i++, n++)
		if (n < max)
			out[n] = calls[i];
	for (size_t i = 0; privileged && i < ARRAY_SIZE(privileged_calls); i++, n++)
		if (n < max)
			out[n] = privileged_calls[i];
	return n;
}
