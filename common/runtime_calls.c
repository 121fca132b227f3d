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

const struct cids_runtime_call cids_runtime_calls[] = {
	/* runc init after the filter: the exec fifo, /proc/self/fd, closing fds, execve */
	{"openat", false},
	{"close", false},
	{"write", false},
	{"read", false},
	{"getpid", false},
	{"fstatfs", false},
	{"fstat", false},
	{"newfstatat", false},
	{"getdents64", false},
	{"fcntl", false},
	{"epoll_ctl", false},
	{"execve", false},
	/* the Go runtime's threads of runc init until the execve replaces them */
	{"futex", false},
	{"nanosleep", false},
	{"sched_yield", false},
	{"epoll_pwait", false},
	{"rt_sigreturn", false},
	{"rt_sigprocmask", false},
	{"sigaltstack", false},
	{"tgkill", false},
	{"gettid", false},
	{"madvise", false},
	{"mmap", false},
	{"munmap", false},
	{"exit", false},
	{"exit_group", false},
	{"restart_syscall", false},
	/* noNewPrivileges false: dropping privileges, crun's reset of signal actions */
	{"capget", true},
	{"capset", true},
	{"prctl", true},
	{"setgroups", true},
	{"setuid", true},
	{"setgid", true},
	{"setresuid", true},
	{"setresgid", true},
	{"chdir", true},
	{"getcwd", true},
	{"getppid", true},
	{"faccessat2", true},
	{"rt_sigaction", true},
};
const size_t cids_nruntime_calls = ARRAY_SIZE(cids_runtime_calls);
_Static_assert(ARRAY_SIZE(cids_runtime_calls) <= CIDS_RUNTIME_CALLS_MAX, "CIDS_RUNTIME_CALLS_MAX");
