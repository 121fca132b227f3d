/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cidsd's registration: one struct cidsd_reg as a root client sends it on the socket, or as the
 * daemon re-reads it from <state_dir>/<inum>.reg after a restart (daemon/proto.c). Seeds are
 * written by tests/fuzz/gen_cidsd_reg_seeds.c.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/proto.h"
#include "cids/config.h"
#include "cids/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[512] = "", small[8];
	struct cidsd_reg m;
	unsigned char *shifted;
	int r, r2;

	r = cidsd_reg_check(data, size, why, sizeof(why));
	/* A refusal says why, with one of the documented errors. */
	if (r < 0 && (!why[0] || strnlen(why, sizeof(why)) == sizeof(why) ||
		      (r != -EMSGSIZE && r != -EPROTO && r != -EBADMSG && r != -EINVAL)))
		abort();
	if (r > 0)
		abort();

	/* Same answer from an unaligned copy and with a reason buffer too small for it. */
	shifted = malloc(size + 1);
	if (!shifted)
		return 0;
	if (size)
		memcpy(shifted + 1, data, size);
	r2 = cidsd_reg_check(shifted + 1, size, small, sizeof(small));
	free(shifted);
	if (r2 != r || (r < 0 && strnlen(small, sizeof(small)) == sizeof(small)))
		abort();

	if (r < 0)
		return 0;
	/* What an accepted registration promises do_register(). */
	if (size != sizeof(m))
		abort();
	memcpy(&m, data, sizeof(m));
	if (m.magic != CIDSD_PROTO_MAGIC || m.version != CIDSD_PROTO_VERSION ||
	    strnlen(m.id, sizeof(m.id)) == sizeof(m.id) || !m.id[0] ||
	    strnlen(m.key, sizeof(m.key)) == sizeof(m.key) || !key_is_valid(m.key) ||
	    strnlen(m.bundle_profile, sizeof(m.bundle_profile)) == sizeof(m.bundle_profile) ||
	    (m.bundle_profile[0] && m.bundle_profile[0] != '/') || m.mode > CIDS_MODE_ENFORCE ||
	    m.init_pid <= 1)
		abort();
	return 0;
}
