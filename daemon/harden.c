/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cidsd's self-defence once its programs are loaded and its socket listens (as the ptrace
 * monitor's, common/harden.c): it keeps the capabilities that attaching and feeding its BPF
 * programs, reading other processes' namespaces, killing and writing profiles need, and drops
 * the rest (CAP_SYS_ADMIN, CAP_NET_*, CAP_SYS_MODULE, CAP_SETUID, CAP_CHOWN, ...); then
 * no_new_privs and a seccomp allow-list.
 */
#include <linux/nsfs.h>

#include "cids/harden.h"
#include "cids/macro.h"
#include "daemon.h"

static const cap_value_t keep_caps[] = {
	CAP_BPF,	  /* map updates, links attached and destroyed as containers come and go */
	CAP_PERFMON,	  /* tracing programs' links (tp_btf) */
	CAP_MAC_ADMIN,	  /* the BPF LSM programs' links */
	CAP_SYS_PTRACE,	  /* /proc/<pid>/ns/pid and /proc/<pid>/exe of any process */
	CAP_KILL,	  /* kill verdicts across user namespaces */
	CAP_DAC_OVERRIDE, /* profile next to a bundle owned by someone else */
	CAP_DAC_READ_SEARCH, /* /proc of the containers' users */
	CAP_FOWNER,	     /* rename over a profile we do not own */
};

/* The calls of the event loop and the registration socket on top of the base list. */
static const char *const cidsd_allowed[] = {
	"bpf",	    "epoll_wait",  "epoll_pwait", "epoll_pwait2", "epoll_ctl",	"epoll_create1",
	"accept4",  "accept",	   "recvfrom",	  "recvmsg",	  "getsockopt", "setsockopt",
	"shutdown", "getsockname", "statfs",	  "fstatfs",	  "rseq",	"membarrier",
};

/* common/pidfd.c's pidns_owns_pid walks up the pid namespaces; no other ioctl. */
static const unsigned long cidsd_ioctls[] = {NS_GET_PARENT};

int cidsd_harden(char *why, size_t whylen)
{
	return harden_self_ioctl(keep_caps, ARRAY_SIZE(keep_caps), cidsd_allowed,
				 ARRAY_SIZE(cidsd_allowed), cidsd_ioctls, ARRAY_SIZE(cidsd_ioctls),
				 why, whylen);
}
