/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which runtime cids-runtime hands over to. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* An executable regular file that is not ourselves. */
static bool usable(const char *path, dev_t self_dev, ino_t self_ino)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, X_OK) < 0)
		return false;
	if ((self_dev || self_ino) && st.st_dev == self_dev && st.st_ino == self_ino)
		return false;
	return true;
}

int shim_find_runtime(const struct cids_config *c, const char *path_env, dev_t self_dev,
		      ino_t self_ino, char *out, size_t outlen)
{
	const char *path = path_env && *path_env ? path_env : DEFAULT_PATH;

	for (unsigned i = 0; i < c->nruntimes && i < CIDS_MAX_RUNTIMES; i++) {
		const char *rt = c->runtimes[i];

		if (!rt[0])
			continue;
		if (rt[0] == '/') {
			if (usable(rt, self_dev, self_ino)) {
				if (snprintf(out, outlen, "%s", rt) >= (int)outlen)
					return -ENAMETOOLONG;
				return 0;
			}
			continue;
		}
		if (strchr(rt, '/'))
			continue;
		for (const char *p = path;;) {
			const char *colon = strchr(p, ':');
			size_t dl = colon ? (size_t)(colon - p) : strlen(p);
			char cand[CIDS_PATH_MAX];

			/* Empty PATH elements (".") are not searched: no runtime from the cwd. */
			if (dl > 0 && p[0] == '/' &&
			    snprintf(cand, sizeof(cand), "%.*s/%s", (int)dl, p, rt) <
				    (int)sizeof(cand) &&
			    usable(cand, self_dev, self_ino)) {
				if (snprintf(out, outlen, "%s", cand) >= (int)outlen)
					return -ENAMETOOLONG;
				return 0;
			}
			if (!colon)
				break;
			p = colon + 1;
		}
	}
	return -ENOENT;
}
