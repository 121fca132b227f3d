/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The seccomp backend's rendezvous (shim/ -> notify/ <- hook/). cids-runtime starts one
 * cids-notify monitor per container listening on notify_socket_path(run_dir, bundle) and writes
 * that path into config.json as linux.seccomp.listenerPath; the runtime connects there with each
 * listener fd (OCI "container process state" + SCM_RIGHTS), and cids-hook with one struct
 * cidsd_reg (cids/cidsd_proto.h: the record cidsd takes), after which it shuts down its
 * sending side and reads one NUL-terminated answer, "ok" or "error: <reason>".
 */
#ifndef CIDS_NOTIFY_PROTO_H
#define CIDS_NOTIFY_PROTO_H

#include <errno.h>
#include <linux/audit.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "cids/kabi.h"
#include "cids/util.h"

#define NOTIFY_SOCK_MAX 108 /* sun_path */

/* <run_dir>/notify/<64-bit hash of the bundle's real path>.sock; -ENAMETOOLONG when it does not
 * fit a unix socket address. bundle must be the resolved (realpath) bundle directory. */
static inline int notify_socket_path(const char *run_dir, const char *bundle, char *out,
				     size_t outlen)
{
	int n = snprintf(out, outlen, "%s/notify/%016llx.sock", run_dir,
			 (unsigned long long)hash64(bundle, strlen(bundle)));

	if (n < 0 || (size_t)n >= outlen || n >= NOTIFY_SOCK_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* LXC (cids-notify --lxc, started by cids-hook at lxc.hook.start-host): the container's
 * lxc.seccomp.notify.proxy must be unix:<run_dir>/notify/lxc-<NAME>.sock. -EINVAL for a name with
 * other characters than A-Za-z0-9._- (or starting with '.'), -ENAMETOOLONG when it does not fit. */
static inline int notify_lxc_socket_path(const char *run_dir, const char *name, char *out,
					 size_t outlen)
{
	int n;

	if (!name[0] || name[0] == '.')
		return -EINVAL;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return -EINVAL;
	n = snprintf(out, outlen, "%s/notify/lxc-%s.sock", run_dir, name);
	if (n < 0 || (size_t)n >= outlen || n >= NOTIFY_SOCK_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* Start cids-notify (exe) listening on sock (--denied denied when non-empty, --lxc), detached
 * (own session, stdio on log_path), and wait up to timeout_s for its "OK" (common/notify_spawn.c).
 */
int notify_spawn(const char *exe, const char *config_path, const char *sock, const char *denied,
		 bool lxc, const char *log_path, double timeout_s, char *why, size_t whylen);

/*
 * The calls the container's own seccomp profile denies with an errno and that cids-runtime made
 * SCMP_ACT_NOTIFY so that cids sees them: the monitor judges each and answers it with that errno
 * (never CONTINUE), so the container sees what it saw without cids. Indexed by x86_64 syscall
 * number; err[nr] == 0: not in the set. Travels from cids-runtime to cids-notify as
 * `--denied NR:ERRNO,NR:ERRNO,...` (common/notify_denied.c).
 */
#define NOTIFY_NR_MAX	 1024
#define NOTIFY_ERRNO_MAX 4095 /* the kernel's MAX_ERRNO */
struct notify_denied {
	uint16_t err[NOTIFY_NR_MAX];
};

/* The errno a notified call nr must fail with, 0 when it is not a denied one. */
static inline int notify_denied_errno(const struct notify_denied *d, long nr)
{
	return d && nr >= 0 && nr < NOTIFY_NR_MAX ? d->err[nr] : 0;
}
/* The errno a notified call of ABI arch (AUDIT_ARCH_*) fails with whatever is decided: the
 * profile's for an x86_64 call in d, ENOSYS for another ABI (i386, x32), which is never let
 * through: a taken-over denial is notified for every architecture of the profile, and a CONTINUE
 * (runtime set-up, pass-through, the watchdog) must not run it. 0: the call may run. */
static inline int notify_call_denied(const struct notify_denied *d, uint32_t arch, uint64_t nr)
{
	if (arch != AUDIT_ARCH_X86_64 || (nr & CIDS_X32_SYSCALL_BIT))
		return ENOSYS;
	return notify_denied_errno(d, (long)nr);
}
/* "NR:ERRNO,..." in number order ("" for an empty set); -ENOSPC when out is too small. */
int notify_denied_format(const struct notify_denied *d, char *out, size_t outlen);
/* Strict: numbers in range, no duplicate, nothing else; -EINVAL and d untouched otherwise. */
int notify_denied_parse(const char *s, struct notify_denied *d);

#endif
