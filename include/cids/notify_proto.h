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
#include <stdio.h>
#include <string.h>
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

#endif
