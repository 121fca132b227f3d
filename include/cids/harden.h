/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hardening of a long-running cids process after set-up (common/harden.c). */
#ifndef CIDS_HARDEN_H
#define CIDS_HARDEN_H

#include <stddef.h>
#include <sys/capability.h>

/*
 * Keep only the nkeep capabilities in keep (permitted and effective; no inheritable, no
 * ambient), set no_new_privs, and allow only the base calls (files, memory, time, signals,
 * kill, AF_UNIX sockets) plus extra[]: anything else fails with EPERM. -errno with why filled.
 */
int harden_self(const cap_value_t *keep, size_t nkeep, const char *const *extra, size_t nextra,
		char *why, size_t whylen);
/* The same, also allowing ioctl with one of the nreq requests in req (and no other ioctl). */
int harden_self_ioctl(const cap_value_t *keep, size_t nkeep, const char *const *extra,
		      size_t nextra, const unsigned long *req, size_t nreq, char *why,
		      size_t whylen);

#endif
