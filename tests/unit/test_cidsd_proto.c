/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon/proto.c: the checks a registration passes before cidsd acts on it (from the socket or
 * from a <inum>.reg record after a restart): a valid message is accepted, each invalid field is
 * refused with its error and a reason, and so is every length but the exact one.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* The unit build links only the libraries; the check is one self-contained file. */
#include <stdio.h>

#include "cids/config.h"
#include "proto.h"

static struct cidsd_reg valid(void)
{
	struct cidsd_reg m;

	memset(&m, 0, sizeof(m));
	m.magic = CIDSD_PROTO_MAGIC;
	m.version = CIDSD_PROTO_VERSION;
	m.init_pid = 4242;
	m.mode = CIDS_MODE_DETECT;
	snprintf(m.id, sizeof(m.id), "9f3c2a7d1e4b");
	snprintf(m.key, sizeof(m.key), "w-0123456789abcdef");
	return m;
}

/* Refused with err, and the reason contains want. */
static void refused(const struct cidsd_reg *m, int err, const char *want)
{
	char why[512] = "";
	int r = cidsd_reg_check(m, sizeof(*m), why, sizeof(why));

	cr_expect_eq(r, err, "got %d (%s), want %d", r, why, err);
	cr_expect(strstr(why, want), "reason \"%s\" lacks \"%s\"", why, want);
}

Test(cidsd_proto, valid_accepted)
{
	struct cidsd_reg m = valid(), copy;
	char why[64] = "";

	copy = m;
	cr_assert_eq(cidsd_reg_check(&m, sizeof(m), why, sizeof(why)), 0, "%s", why);
	cr_expect_str_empty(why);
	cr_expect_eq(memcmp(&m, &copy, sizeof(m)), 0, "the input was modified");
}

Test(cidsd_proto, valid_variants_accepted)
{
	static const char *const keys[] = {"a", "redis-7.2_prod", "A.b-c_d"};
	struct cidsd_reg m;
	char why[512];

	for (unsigned mode = CIDS_MODE_LEARN; mode <= CIDS_MODE_ENFORCE; mode++) {
		m = valid();
		m.mode = mode;
		cr_expect_eq(cidsd_reg_check(&m, sizeof(m), why, sizeof(why)), 0, "mode %u", mode);
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		m = valid();
		snprintf(m.key, sizeof(m.key), "%s", keys[i]);
		cr_expect_eq(cidsd_reg_check(&m, sizeof(m), why, sizeof(why)), 0, "key %s",
			     keys[i]);
	}
	/* fields filled to their last byte but one */
	m = valid();
	memset(m.id, 'i', sizeof(m.id) - 1);
	memset(m.key, 'k', 128);
	m.key[128] = '\0';
	m.bundle_profile[0] = '/';
	memset(m.bundle_profile + 1, 'b', sizeof(m.bundle_profile) - 2);
	m.bundle_profile[sizeof(m.bundle_profile) - 1] = '\0';
	m.init_pid = INT32_MAX;
	cr_expect_eq(cidsd_reg_check(&m, sizeof(m), why, sizeof(why)), 0, "%s", why);
	m.init_pid = 2;
	cr_expect_eq(cidsd_reg_check(&m, sizeof(m), why, sizeof(why)), 0, "%s", why);
}

Test(cidsd_proto, unaligned_accepted)
{
	struct cidsd_reg m = valid();
	unsigned char *buf = malloc(sizeof(m) + 1);
	char why[512];

	cr_assert_not_null(buf);
	memcpy(buf + 1, &m, sizeof(m));
	cr_expect_eq(cidsd_reg_check(buf + 1, sizeof(m), why, sizeof(why)), 0, "%s", why);
	free(buf);
}

Test(cidsd_proto, bad_protocol_refused)
{
	struct cidsd_reg m = valid();

	m.magic = 0x73646963u;
	refused(&m, -EPROTO, "protocol mismatch (magic 0x73646963 version 1, want version 1)");
	m = valid();
	m.version = 2;
	refused(&m, -EPROTO, "version 2, want version 1");
	m.version = 0;
	refused(&m, -EPROTO, "protocol mismatch");
}

Test(cidsd_proto, unterminated_fields_refused)
{
	struct cidsd_reg m = valid();

	memset(m.id, 'i', sizeof(m.id));
	refused(&m, -EBADMSG, "unterminated string field");
	m = valid();
	memset(m.key, 'k', sizeof(m.key));
	refused(&m, -EBADMSG, "unterminated string field");
	m = valid();
	m.bundle_profile[0] = '/';
	memset(m.bundle_profile + 1, 'b', sizeof(m.bundle_profile) - 1);
	refused(&m, -EBADMSG, "unterminated string field");
}

Test(cidsd_proto, empty_id_refused)
{
	struct cidsd_reg m = valid();

	m.id[0] = '\0';
	refused(&m, -EINVAL, "empty container id");
}

Test(cidsd_proto, bad_keys_refused)
{
	static const char *const keys[] = {"",	  "..",	 "../x", "a/b",	  ".hidden",
					   "-rf", "a b", "a\nb", "$(id)", "a..b"};
	struct cidsd_reg m;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		m = valid();
		snprintf(m.key, sizeof(m.key), "%s", keys[i]);
		refused(&m, -EINVAL, "invalid profile key");
	}
	/* 129 characters would not be terminated; 128 is the longest key. Nothing longer fits. */
	m = valid();
	memset(m.key, 'k', 128);
	m.key[128] = '\0';
	cr_expect_eq(cidsd_reg_check(&m, sizeof(m), NULL, 0), 0);
}

Test(cidsd_proto, bad_mode_refused)
{
	struct cidsd_reg m = valid();

	m.mode = CIDS_MODE_ENFORCE + 1;
	refused(&m, -EINVAL, "invalid mode 3");
	m.mode = UINT32_MAX;
	refused(&m, -EINVAL, "invalid mode 4294967295");
}

Test(cidsd_proto, relative_bundle_refused)
{
	struct cidsd_reg m = valid();

	snprintf(m.bundle_profile, sizeof(m.bundle_profile), "profile.json");
	refused(&m, -EINVAL, "bundle profile path must be absolute");
	snprintf(m.bundle_profile, sizeof(m.bundle_profile), "./x");
	refused(&m, -EINVAL, "bundle profile path must be absolute");
}

Test(cidsd_proto, bad_pid_refused)
{
	static const int32_t pids[] = {1, 0, -1, INT32_MIN};
	struct cidsd_reg m;
	char want[64];

	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		m = valid();
		m.init_pid = pids[i];
		snprintf(want, sizeof(want), "invalid container pid %d", (int)pids[i]);
		refused(&m, -EINVAL, want);
	}
}

Test(cidsd_proto, every_wrong_length_refused)
{
	size_t n = sizeof(struct cidsd_reg);
	unsigned char *buf = calloc(1, 2 * n + 1);
	struct cidsd_reg m = valid();
	char why[512], want[96];

	cr_assert_not_null(buf);
	memcpy(buf, &m, n);
	/* every truncation of a valid message, and records one byte and a whole record too long */
	for (size_t len = 0; len <= 2 * n + 1; len++) {
		if (len == n)
			continue;
		if (len == n + 2)
			len = 2 *
			      n; /* lengths past one byte over all go the same way; test the ends */
		why[0] = '\0';
		cr_assert_eq(cidsd_reg_check(buf, len, why, sizeof(why)), -EMSGSIZE, "length %zu",
			     len);
		snprintf(want, sizeof(want), "malformed registration (%zu bytes, want %zu)", len,
			 n);
		cr_assert_str_eq(why, want);
	}
	cr_expect_eq(cidsd_reg_check(buf, n, why, sizeof(why)), 0, "%s", why);
	cr_expect_eq(cidsd_reg_check(NULL, 0, why, sizeof(why)), -EMSGSIZE);
	cr_expect_eq(cidsd_reg_check(NULL, n, why, sizeof(why)), -EMSGSIZE);
	free(buf);
}

Test(cidsd_proto, first_fault_reported)
{
	struct cidsd_reg m = valid();

	/* everything wrong: the protocol is checked first, then termination, then the fields */
	m.id[0] = '\0';
	m.mode = 9;
	m.init_pid = 0;
	memset(m.key, 'k', sizeof(m.key));
	m.version = 7;
	refused(&m, -EPROTO, "protocol mismatch");
	m.version = CIDSD_PROTO_VERSION;
	refused(&m, -EBADMSG, "unterminated");
	m.key[0] = '\0';
	refused(&m, -EINVAL, "empty container id");
	snprintf(m.id, sizeof(m.id), "c");
	refused(&m, -EINVAL, "invalid profile key");
}

Test(cidsd_proto, short_reason_buffer)
{
	struct cidsd_reg m = valid();
	char why[9];

	memset(why, 'x', sizeof(why));
	m.mode = 77;
	cr_expect_eq(cidsd_reg_check(&m, sizeof(m), why, 8), -EINVAL);
	cr_expect_str_eq(why, "invalid");
	cr_expect_eq(why[8], 'x', "wrote past whylen");
}
