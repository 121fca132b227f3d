/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OCI state (hook stdin) and bundle config.json: just what cids needs, with caps. */
#ifndef CIDS_OCI_H
#define CIDS_OCI_H

#include <stddef.h>
#include <sys/types.h>
#include "cids/config.h"

#define OCI_STATE_MAX  (1u << 20)  /* hook stdin cap */
#define OCI_CONFIG_MAX (16u << 20) /* bundle config.json cap */
#define OCI_ID_MAX     1024

struct oci_state {
	char id[OCI_ID_MAX];
	char status[32];
	pid_t pid;
	char bundle[CIDS_PATH_MAX];
	char ann_mode[32];     /* io.cids.mode, "" if absent */
	char ann_profile[256]; /* io.cids.profile, "" if absent */
};

int oci_state_parse(const char *text, size_t len, struct oci_state *s, char *why, size_t whylen);

/* What the bundle's config.json says about the workload (for the profile key and overrides). */
struct oci_workload {
	/* For a derived key: image identity (image annotation, or Docker's image id found through
	 * its /etc/hostname mount), process.args, cwd, env without the per-container HOSTNAME and
	 * TERM and without CIDS_*, user. Length-prefixed fields; over 8 KiB: head + hash. */
	char key_material[8192];
	char env_mode[32];     /* CIDS_MODE from process.env */
	char env_profile[256]; /* CIDS_PROFILE from process.env */
	char ann_mode[32];     /* io.cids.mode */
	char ann_profile[256]; /* io.cids.profile */
	char image[512]; /* org.opencontainers.image.ref.name / io.kubernetes.cri... / docker image
			    annotation if any */
	/* Kubernetes pods (CRI annotations): "k8s.<namespace>.<container>" (each cut to 40
	 * characters) or "k8s-sandbox"; the derived key is then "<prefix>.<16 hex>" and the
	 * environment is left out of key_material. "" for other containers. */
	char key_prefix[96];
	/* linux.seccomp traces every call it lets run but exit and exit_group (SCMP_ACT_TRACE):
	 * the ptrace monitor may stop once per call (common/oci_trace.c) */
	bool all_traced;
};
/* The key a workload derives when it names none: "w-<16 hex>" of key_material, or
 * "<key_prefix>.<16 hex>" for a Kubernetes pod's container. outlen >= 129. */
void oci_workload_key(const struct oci_workload *w, char *out, size_t outlen);
int oci_bundle_workload(const char *bundle, struct oci_workload *w, char *why, size_t whylen);
/* The same from config.json text already in memory (what oci_bundle_workload calls; fuzzed). */
int oci_workload_parse(const char *text, size_t len, struct oci_workload *w, char *why,
		       size_t whylen);

/* One-stop mode (common/oci_trace.c): calls left outside SCMP_ACT_TRACE (exit, exit_group), and
 * whether config.json's linux.seccomp (root: the parsed config.json) lets no other call run
 * without a trace stop (no ALLOW, LOG or NOTIFY rule naming another call, no such default, no
 * listener) and traces at least one. */
struct json_object;
/* SCMP_ACT_TRACE data of a call the container's profile denies (shim/trace.c): the monitor judges
 * it, then fails it with errno (data & OCI_TRACE_ERRNO). Plain TRACE rules carry 0 or EPERM (runc
 * gives TRACE EPERM when errnoRet is unset). */
#define OCI_TRACE_DENY	0x4000
#define OCI_TRACE_ERRNO 0x0fff
bool oci_trace_exempt(const char *name);
bool oci_seccomp_all_traced(struct json_object *root);

#endif
