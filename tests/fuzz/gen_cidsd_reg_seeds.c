/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes the seed corpus of fuzz_cidsd_reg (struct cidsd_reg as cids-hook sends it and cidsd
 * records it), from the header so the layout cannot drift:
 *   cc -std=gnu17 -Iinclude tests/fuzz/gen_cidsd_reg_seeds.c -o /tmp/gen && \
 *	/tmp/gen tests/fuzz/corpus/cidsd_reg
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cids/cidsd_proto.h"

static const char *dir;

static void put(const char *name, const void *buf, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wbe");
	if (!f || fwrite(buf, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static struct cidsd_reg valid(void)
{
	struct cidsd_reg m;

	memset(&m, 0, sizeof(m)); /* padding too: the seeds are reproducible */
	m.magic = CIDSD_PROTO_MAGIC;
	m.version = CIDSD_PROTO_VERSION;
	m.init_pid = 4242;
	m.mode = 1; /* detect */
	snprintf(m.id, sizeof(m.id), "%s",
		 "9f3c2a7d1e4b5a6c8d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e");
	snprintf(m.key, sizeof(m.key), "w-0123456789abcdef");
	return m;
}

int main(int argc, char **argv)
{
	unsigned char big[sizeof(struct cidsd_reg) + 1];
	struct cidsd_reg m;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];

	m = valid();
	put("valid_detect", &m, sizeof(m));
	m = valid();
	m.mode = 2;
	snprintf(m.key, sizeof(m.key), "redis-7.2_prod");
	snprintf(m.bundle_profile, sizeof(m.bundle_profile), "/run/bundles/redis/cids-profile");
	put("valid_enforce_bundle", &m, sizeof(m));
	m = valid();
	m.magic = 0x73646963u; /* byte-swapped */
	put("bad_magic", &m, sizeof(m));
	m = valid();
	m.version = 2;
	put("bad_version", &m, sizeof(m));
	m = valid();
	memset(m.key, 'k', sizeof(m.key));
	put("unterminated_key", &m, sizeof(m));
	m = valid();
	memset(m.bundle_profile, '/', sizeof(m.bundle_profile));
	put("unterminated_bundle", &m, sizeof(m));
	m = valid();
	snprintf(m.key, sizeof(m.key), "../../etc/passwd");
	put("bad_key", &m, sizeof(m));
	m = valid();
	m.id[0] = '\0';
	put("empty_id", &m, sizeof(m));
	m = valid();
	m.mode = 3;
	put("bad_mode", &m, sizeof(m));
	m = valid();
	snprintf(m.bundle_profile, sizeof(m.bundle_profile), "profile.json");
	put("relative_bundle", &m, sizeof(m));
	m = valid();
	m.init_pid = 1;
	put("pid_1", &m, sizeof(m));
	m = valid();
	put("truncated", &m, offsetof(struct cidsd_reg, key) + 5);
	m = valid();
	memcpy(big, &m, sizeof(m));
	big[sizeof(m)] = 'x';
	put("oversized", big, sizeof(big));
	return 0;
}
