/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The notify monitor's self-defence once it listens (common/harden.c, as the ptrace monitor's
 * and cidsd's): only the capabilities it uses, no_new_privs, and a seccomp allow-list of the
 * calls it makes beyond the shared base, ioctl only for the listeners' requests; anything else
 * fails with EPERM (execve, ptrace, socket other than AF_UNIX for syslog, mount, other ioctls
 * ...).
 */
#include <sys/capability.h>
#include <sys/ioctl.h>

#include "cids/harden.h"
#include "cids/macro.h"
#include "notify.h"

static const cap_value_t keep_caps[] = {
	CAP_KILL,	     /* kill verdicts across user namespaces */
	CAP_DAC_OVERRIDE,    /* profile next to a bundle owned by someone else */
	CAP_DAC_READ_SEARCH, /* /proc of the container's users */
	CAP_FOWNER,	     /* rename over a profile we do not own */
};

/* beyond common/harden.c's base list: the listeners and the registration socket */
static const char *const extra[] = {
	"epoll_wait", "epoll_pwait", "epoll_ctl",  "accept4",	"recvmsg",
	"recvfrom",   "getsockopt",  "setsockopt", "getrusage", /* its CPU time in the end line */
	"kcmp", /* LXC: which filter a proxy message's listener is (KCMP_FILE, own fds only) */
};

/* the listeners' own requests and no other ioctl: receive, answer, is-it-still-pending, and the
 * wake-up flag of a listener that arrives later (SYNC_WAKE_UP, set as it is armed) */
static const unsigned long ioctls[] = {
	SECCOMP_IOCTL_NOTIF_RECV,
	SECCOMP_IOCTL_NOTIF_SEND,
	SECCOMP_IOCTL_NOTIF_ID_VALID,
	SECCOMP_IOCTL_NOTIF_SET_FLAGS,
};

int notify_harden(char *why, size_t whylen)
{
	return harden_self_ioctl(keep_caps, ARRAY_SIZE(keep_caps), extra, ARRAY_SIZE(extra), ioctls,
				 ARRAY_SIZE(ioctls), why, whylen);
}
