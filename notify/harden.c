/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The notify monitor's self-defence once it listens (common/harden.c, as the ptrace monitor's
 * and cidsd's): only the capabilities it uses, no_new_privs, and a seccomp allow-list of the
 * calls it makes beyond the shared base; anything else fails with EPERM (execve, ptrace, socket
 * other than AF_UNIX for syslog, mount, ...).
 */
#include <sys/capability.h>

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
	"ioctl", /* SECCOMP_IOCTL_NOTIF_* */
	"epoll_wait", "epoll_pwait", "epoll_ctl",  "accept4",	"recvmsg",
	"recvfrom",   "getsockopt",  "setsockopt", "getrusage", /* its CPU time in the end line */
	"kcmp", /* LXC: which filter a proxy message's listener is (KCMP_FILE, own fds only) */
};

int notify_harden(char *why, size_t whylen)
{
	return harden_self(keep_caps, ARRAY_SIZE(keep_caps), extra, ARRAY_SIZE(extra), why, whylen);
}
