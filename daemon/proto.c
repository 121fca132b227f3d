/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Validation of a registration message or record (see proto.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cids/config.h"
#include "cids/util.h"
#include "proto.h"

static bool field_ok(const char *f, size_t n)
{
	return memchr(f, '\0', n) != NULL;
}

int cidsd_reg_check(const void *buf, size_t n, char *why, size_t whylen)
{
	struct cidsd_reg m;

	if (!buf || n != sizeof(m))
		return why_err(why, whylen, -EMSGSIZE,
			       "malformed registration (%zu bytes, want %zu)", n, sizeof(m));
	/* A copy: the bytes may come unaligned (a fuzzer, a record read at an offset). */
	memcpy(&m, buf, sizeof(m));

	if (m.magic != CIDSD_PROTO_MAGIC || m.version != CIDSD_PROTO_VERSION)
		return why_err(why, whylen, -EPROTO,
			       "protocol mismatch (magic %#x version %u, want version %u)", m.magic,
			       m.version, CIDSD_PROTO_VERSION);
	if (!field_ok(m.id, sizeof(m.id)) || !field_ok(m.key, sizeof(m.key)) ||
	    !field_ok(m.bundle_profile, sizeof(m.bundle_profile)))
		return why_err(why, whylen, -EBADMSG, "unterminated string field");
	if (m.id[0] == '\0')
		return why_err(why, whylen, -EINVAL, "empty container id");
	if (!key_is_valid(m.key))
		return why_err(why, whylen, -EINVAL, "invalid profile key");
	if (m.mode > CIDS_MODE_ENFORCE)
		return why_err(why, whylen, -EINVAL, "invalid mode %u", m.mode);
	if (m.bundle_profile[0] && m.bundle_profile[0] != '/')
		return why_err(why, whylen, -EINVAL, "bundle profile path must be absolute");
	if (m.init_pid <= 1)
		return why_err(why, whylen, -EINVAL, "invalid container pid %d", (int)m.init_pid);
	return 0;
}
