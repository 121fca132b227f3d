/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Registration of a container with cidsd (hook/ebpf_client.c -> daemon/registry.c).
 *
 * One SOCK_SEQPACKET connection per registration on the daemon's socket (config `socket`, mode
 * 0600, peer must be uid 0): the client sends one struct cidsd_reg, the daemon answers with one
 * NUL-terminated string, "ok" or "error: <reason>", and closes. Every string field must be
 * NUL-terminated inside its array; the daemon computes the container's pid namespace from
 * /proc/<init_pid>/ns/pid itself and never trusts the client for it.
 */
#ifndef CIDS_CIDSD_PROTO_H
#define CIDS_CIDSD_PROTO_H

#include <stdint.h>

#define CIDSD_PROTO_MAGIC   0x63696473u /* "cids" */
#define CIDSD_PROTO_VERSION 1u
#define CIDSD_REPLY_MAX	    512

/* Detectors cidsd can run in the kernel (daemon/cidsd.h has the same as CIDSD_KD_MAX_*). */
#define CIDS_EBPF_KD_MAX_K     7u
#define CIDS_EBPF_KD_MAX_FRAME 64u

struct cidsd_reg {
	uint32_t magic;
	uint32_t version;
	int32_t init_pid; /* container init, host pid namespace */
	uint32_t mode;	  /* enum cids_mode */
	char id[1024];
	char key[129];
	char bundle_profile[4096];
};

#endif
