/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The monitor's self-defence once it is attached: it keeps only the capabilities it uses
 * (ptrace and kill of processes in other user namespaces, reading /proc of other users, writing
 * profiles into bundles it does not own), sets no_new_privs and installs a seccomp allow-list
 * of the syscalls it makes; anything else fails with EPERM (execve, socket other than AF_UNIX
 * for syslog, mount, ...).
 */
#include <linux/nsfs.h>

#include "cids/harden.h"
#include "cids/macro.h"
#include "tracer.h"

static const cap_value_t keep_caps[] = {
	CAP_SYS_PTRACE,	     /* seize processes joining the container */
	CAP_KILL,	     /* kill verdicts across user namespaces */
	CAP_DAC_OVERRIDE,    /* profile next to a bundle owned by someone else */
	CAP_DAC_READ_SEARCH, /* /proc of the container's users */
	CAP_FOWNER,	     /* rename over a profile we do not own */
};

/* The calls of the tracer on top of common/harden.c's base list. */
static const char *const monitor_allowed[] = {
	"ptrace",
	"wait4",
	"waitid",
};

/* common/pidfd.c's pidns_owns_pid walks up the pid namespaces (a joiner's kill or SIGCONT is
 * sent only while its pid is still in the container's); no other ioctl. */
static const unsigned long monitor_ioctls[] = {NS_GET_PARENT};

int monitor_harden(char *why, size_t whylen)
{
	return harden_self_ioctl(keep_caps, ARRAY_SIZE(keep_caps), monitor_allowed,
				 ARRAY_SIZE(monitor_allowed), monitor_ioctls,
				 ARRAY_SIZE(monitor_ioctls), why, whylen);
}
