/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The checks a registration passes before cidsd acts on it, whether it arrives on the socket or
 * is re-read from <state_dir>/<inum>.reg after a restart. Pure: no I/O, no allocation, no global
 * state, so the unit tests and the fuzz harness (tests/fuzz/fuzz_cidsd_reg.c) call it directly.
 */
#ifndef CIDSD_PROTO_H
#define CIDSD_PROTO_H

#include <stddef.h>

#include "cids/cidsd_proto.h"

/*
 * Does buf[0..n) hold exactly one valid struct cidsd_reg? 0 if so (buf may then be read as one,
 * if suitably aligned), else -errno with the reason in why:
 *   -EMSGSIZE  n is not sizeof(struct cidsd_reg) (short, oversized, or buf NULL)
 *   -EPROTO    wrong magic or version
 *   -EBADMSG   a string field is not NUL-terminated inside its array
 *   -EINVAL    empty id, invalid profile key, mode out of range, relative bundle profile path,
 *              init_pid <= 1
 * buf needs no alignment. why is left alone on success.
 */
int cidsd_reg_check(const void *buf, size_t n, char *why, size_t whylen);

#endif
