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
#include <linux/seccomp.h>
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
 * lxc.seccomp.notify.proxy must be unix:<run_dir>/notify/lxc-<16 hex>.sock, the first 64 bits of
 * SHA-256 of the container's directory (the resolved directory of LXC_CONFIG_FILE,
 * <lxcpath>/<name>): two containers of one name under different lxcpaths get different sockets.
 * `cids-hook --lxc-proxy CONFIG` prints it. -EINVAL for a dir that is not absolute,
 * -ENAMETOOLONG when it does not fit. */
static inline int notify_lxc_socket_path(const char *run_dir, const char *dir, char *out,
					 size_t outlen)
{
	uint8_t d[32];
	int n;

	if (!dir || dir[0] != '/')
		return -EINVAL;
	cids_sha256(dir, strlen(dir), d);
	n = snprintf(out, outlen, "%s/notify/lxc-%02x%02x%02x%02x%02x%02x%02x%02x.sock", run_dir,
		     d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]);
	if (n < 0 || (size_t)n >= outlen || n >= NOTIFY_SOCK_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* LXC (--lxc): what LXC's monitor forwards on its proxy connection (lxc.seccomp.notify.proxy),
 * as LXC 5.0 src/lxc/lxcseccomp.h lays it out: this header, the struct seccomp_notif, the struct
 * seccomp_notif_resp (sizes as in the header), cookie_len bytes of cookie; with three fds, the
 * caller's /proc/<pid> directory, its /proc/<pid>/mem (never read here) and LXC's listener. The
 * answer is the same header, notif and resp, without the cookie. */
struct lxc_proxy_msg {
	uint64_t reserved;
	int32_t monitor_pid, init_pid;
	struct seccomp_notif_sizes sizes;
	uint64_t cookie_len;
};
#define LXC_COOKIE_MAX 4096

/* Listen on path (a unix socket of type, mode 0600) safely (common/notify_sock.c): its directory
 * made 0700 and required to be root's alone (-EPERM), a stale socket of root's that nobody answers
 * on removed, anything else there refused (-EEXIST; a symlink is never followed), and for
 * SOCK_SEQPACKET (LXC) a socket a live monitor still answers on waited for up to 3 s, then
 * -EADDRINUSE. *ret_st: what was bound, for removing it later only while it is still ours. */
struct stat;
int notify_sock_listen(const char *path, int type, int *ret, struct stat *ret_st);

/* Serve LXC's proxy socket lfd without judging until pidfd (the container's init) is readable:
 * deny false answers every call CONTINUE (a call denied answers its errno: notify_call_denied),
 * deny true answers -EPERM (the caller has killed the init: every process that LXC forwards
 * dies with its pid namespace). Only uid 0 peers. listener >= 0: the init's own listener, served
 * the same way until LXC's first proxy message (LXC's monitor serves it from then on). What a
 * dead monitor's watchdog runs for LXC, and cids-hook when cids-notify cannot start under
 * on_error allow (on_error, common/notify_lxc_pass.c). */
struct notify_denied;
int notify_lxc_pass(int lfd, int pidfd, int listener, const struct notify_denied *denied,
		    bool deny);

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
