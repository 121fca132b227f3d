/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The seccomp backend's table of profile-denied calls, as it crosses cids-runtime's command line
 * to cids-notify (cids/notify_proto.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cids/notify_proto.h"

int notify_denied_format(const struct notify_denied *d, char *out, size_t outlen)
{
	size_t off = 0;

	if (!outlen)
		return -ENOSPC;
	out[0] = '\0';
	for (int nr = 0; nr < NOTIFY_NR_MAX; nr++) {
		int n;

		if (!d->err[nr])
			continue;
		n = snprintf(out + off, outlen - off, "%s%d:%u", off ? "," : "", nr,
			     (unsigned)d->err[nr]);
		if (n < 0 || (size_t)n >= outlen - off)
			return -ENOSPC;
		off += (size_t)n;
	}
	return 0;
}

static int parse_num(const char **s, long max, long *ret)
{
	char *end;
	long v;

	if (**s < '0' || **s > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(*s, &end, 10);
	if (errno || v > max || end - *s > 5)
		return -EINVAL;
	*s = end;
	*ret = v;
	return 0;
}

int notify_denied_parse(const char *s, struct notify_denied *d)
{
	struct notify_denied t = {};

	while (*s) {
		long nr, err;

		if (parse_num(&s, NOTIFY_NR_MAX - 1, &nr) < 0 || *s++ != ':' ||
		    parse_num(&s, NOTIFY_ERRNO_MAX, &err) < 0 || err == 0 || t.err[nr])
			return -EINVAL;
		t.err[nr] = (uint16_t)err;
		if (*s == ',' && s[1])
			s++;
		else if (*s)
			return -EINVAL;
	}
	*d = t;
	return 0;
}
