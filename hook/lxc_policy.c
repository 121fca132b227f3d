/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The lxc.seccomp.profile of the seccomp backend (`cids-hook --lxc-seccomp-policy[=FILE]`), and
 * what cids-hook reads back at start-host: which policy the container loads and which of its
 * calls the container's own policy denied.
 *
 * LXC loads one policy per container: cids's replaces the container's own. Merged instead
 * (--lxc-seccomp-policy=FILE, LXC's policy format 2, a denylist whose default allows): an
 * unconditional "NAME errno N" rule for every architecture becomes "NAME notify", and its errno
 * travels in the policy as "# cids-denied NR:ERRNO,..." to cids-notify (--denied), which judges the
 * call and answers it with that errno whatever the verdict, as cids-runtime's does for runc
 * (shim/denied.c); every other rule of the container (conditions, kill, trap, an arch section,
 * reject_force_umount) is kept verbatim, its call then not notified (one action per call).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <dirent.h>
#include <seccomp.h>

#include "cids/macro.h"
#include "cids/notify_proto.h"
#include "cids/util.h"
#include "entry.h"

#define POLICY_MAX  (1 << 20)
#define CONF_DEPTH  8
#define MARKER	    "# cids-lxc-policy 1"
#define MERGED_FROM "# cids-merged-from "
#define DENIED_LINE "# cids-denied "

/*
 * Not notified, beside what cids-runtime exempts for runc (write, futex, sched_yield,
 * nanosleep, exit, exit_group, rt_sigreturn, restart_syscall): the calls LXC itself makes after
 * loading the filter and before anyone can serve it (LXC 5.0 src/lxc/start.c do_start,
 * attach.c): fcntl (the listener made blocking), close and setsid (the init, before the sync
 * write that lets start-host run), and sendmsg (lxc-attach hands its listener to its parent
 * with it). Notified, each would wait for ever.
 */
static const char *const lxc_exempt[] = {
	"write",	"futex",	   "sched_yield", "nanosleep", "exit",	 "exit_group",
	"rt_sigreturn", "restart_syscall", "fcntl",	  "close",     "setsid", "sendmsg",
};

struct merge {
	struct notify_denied denied; /* converted: notified, answered with this errno */
	bool keep[NOTIFY_NR_MAX];    /* named by a kept rule: not notified */
	char *kept;		     /* the kept lines, with their sections */
	size_t nkept;
};

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int keep_line(struct merge *mg, const char *section, const char *line)
{
	size_t need = strlen(section) + strlen(line) + 3;
	char *p = realloc(mg->kept, mg->nkept + need + 1);

	if (!p)
		return -ENOMEM;
	mg->kept = p;
	mg->nkept += (size_t)sprintf(p + mg->nkept, "%s\n%s\n", section, line);
	return 0;
}

/* One rule line of the container's policy in section (NULL: before any section, or [all]). */
static int merge_rule(struct merge *mg, const char *section, char *line, char *why, size_t whylen)
{
	char name[128], action[32];
	int nr, e = 0, n = 0;

	if (strncmp(line, "reject_force_umount", 19) == 0) {
		nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, "umount2");
		if (nr >= 0 && nr < NOTIFY_NR_MAX)
			mg->keep[nr] = true;
		return keep_line(mg, section ? section : "[all]", line);
	}
	if (sscanf(line, "%127s %31s %d%n", name, action, &e, &n) == 3 && !section &&
	    strcmp(action, "errno") == 0 && !strchr(line, '[') && !line[n] && e > 0 &&
	    e <= NOTIFY_ERRNO_MAX) {
		nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name);
		if (nr >= 0 && nr < NOTIFY_NR_MAX && !mg->keep[nr] &&
		    (!mg->denied.err[nr] || mg->denied.err[nr] == e)) {
			mg->denied.err[nr] = (uint16_t)e;
			return 0;
		}
	}
	if (sscanf(line, "%127s", name) != 1)
		return why_err(why, whylen, -EINVAL, "unreadable rule \"%.100s\"", line);
	nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name);
	if (nr >= 0 && nr < NOTIFY_NR_MAX) {
		mg->keep[nr] = true;
		mg->denied.err[nr] = 0; /* one action per call: the kept rule decides */
	}
	return keep_line(mg, section ? section : "[all]", line);
}

static int merge_read(const char *path, struct merge *mg, char *why, size_t whylen)
{
	_cleanup_free_ char *buf = NULL;
	char *save = NULL, *line, *l;
	const char *section = NULL;
	int r, no = 0;

	r = read_full_file(path, POLICY_MAX, &buf, NULL);
	if (r < 0)
		return why_err(why, whylen, r, "cannot read \"%.200s\": %s", path, strerror(-r));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		l = trim(line);
		no++;
		if (no == 1) {
			if (strcmp(l, "2") != 0)
				return why_err(why, whylen, -EINVAL,
					       "\"%.200s\" is not LXC policy format 2 (first line "
					       "\"2\"): only a version 2 denylist can be merged",
					       path);
			continue;
		}
		if (no == 2) {
			if ((strncmp(l, "denylist", 8) != 0 && strncmp(l, "blacklist", 9) != 0) ||
			    (strchr(l, ' ') && strcmp(trim(strchr(l, ' ')), "allow") != 0))
				return why_err(
					why, whylen, -EINVAL,
					"\"%.200s\" is not a denylist whose default allows (line 2 "
					"\"%.60s\"): cids's policy notifies every call the "
					"container "
					"may make, an allowlist or a denying default cannot be "
					"merged "
					"into it; write the container's denials as a denylist, or "
					"keep "
					"its policy with the ptrace or ebpf backend (both see "
					"denied "
					"calls)",
					path, l);
			continue;
		}
		if (strncmp(l, MARKER, strlen(MARKER)) == 0)
			return why_err(why, whylen, -EINVAL,
				       "\"%.200s\" is a cids policy already: merge the container's "
				       "own policy",
				       path);
		if (!l[0] || l[0] == '#')
			continue;
		if (l[0] == '[') {
			section = strcmp(l, "[all]") == 0 || strcmp(l, "[ALL]") == 0 ? NULL : l;
			continue;
		}
		r = merge_rule(mg, section, l, why, whylen);
		if (r < 0)
			return r;
	}
	if (no < 2)
		return why_err(why, whylen, -EINVAL, "\"%.200s\" is empty", path);
	return 0;
}

int lxc_print_seccomp_policy(FILE *f, const char *merge, char *why, size_t whylen)
{
	struct merge mg = {};
	char denied[NOTIFY_NR_MAX * 8];
	int r;

	if (merge) {
		r = merge_read(merge, &mg, why, whylen);
		if (r < 0)
			goto out;
	}
	r = notify_denied_format(&mg.denied, denied, sizeof(denied));
	if (r < 0)
		goto out;
	fprintf(f,
		"2\ndenylist\n%s (cids-hook --lxc-seccomp-policy: every call notified to "
		"cids-notify)\n",
		MARKER);
	if (merge)
		fprintf(f, "%s%s\n%s%s\n", MERGED_FROM, merge, DENIED_LINE, denied);
	for (int nr = 0; nr < NOTIFY_NR_MAX; nr++) {
		_cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
		bool skip = !name || mg.keep[nr];

		for (size_t i = 0; name && i < ARRAY_SIZE(lxc_exempt); i++)
			if (strcmp(name, lxc_exempt[i]) == 0)
				skip = true;
		if (!skip)
			fprintf(f, "%s notify\n", name);
	}
	if (mg.kept)
		fprintf(f, "# the container's own rules, kept as they are\n%s", mg.kept);
	r = fflush(f) == 0 ? 0 : -EIO;
out:
	free(mg.kept);
	return r;
}

/* lxc.seccomp.profile as LXC reads path (lxc.include of files and directories followed, the
 * last assignment wins): into last; the assignment it replaced into prev. */
static int conf_scan(const char *path, int depth, char *last, char *prev, size_t len)
{
	_cleanup_free_ char *buf = NULL;
	char *save = NULL, *line;
	struct stat st;
	int r;

	if (depth > CONF_DEPTH)
		return -ELOOP;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		struct dirent **ents = NULL;
		int n = scandir(path, &ents, NULL, alphasort);

		for (int i = 0; i < n; i++) {
			size_t l = strlen(ents[i]->d_name);
			char sub[4096];

			if (l > 5 && strcmp(ents[i]->d_name + l - 5, ".conf") == 0 &&
			    (size_t)snprintf(sub, sizeof(sub), "%s/%s", path, ents[i]->d_name) <
				    sizeof(sub))
				(void)conf_scan(sub, depth + 1, last, prev, len);
			free(ents[i]);
		}
		free(ents);
		return n < 0 ? -errno : 0;
	}
	r = read_full_file(path, POLICY_MAX, &buf, NULL);
	if (r < 0)
		return r;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *key = trim(line), *eq = strchr(key, '='), *val;

		if (key[0] == '#' || !eq)
			continue;
		*eq = '\0';
		val = trim(eq + 1);
		key = trim(key);
		if (strcmp(key, "lxc.include") == 0) {
			(void)conf_scan(val, depth + 1, last, prev, len);
		} else if (strcmp(key, "lxc.seccomp.profile") == 0 ||
			   strcmp(key, "lxc.seccomp") == 0) {
			if (last[0] && strcmp(last, val) != 0)
				snprintf(prev, len, "%s", last);
			snprintf(last, len, "%s", val);
		}
	}
	return 0;
}

int lxc_policy_denied(const char *conf, char *denied, size_t len, char *why, size_t whylen)
{
	char last[4096] = "", prev[4096] = "";
	_cleanup_free_ char *buf = NULL;
	const char *from = NULL, *d = NULL;
	char *save = NULL, *line;
	bool cids = false;
	int r;

	denied[0] = '\0';
	if (!conf)
		return 0;
	r = conf_scan(conf, 0, last, prev, sizeof(last));
	if (r < 0 || !last[0])
		return 0; /* no profile: grab_listener says what is missing */
	r = read_full_file(last, POLICY_MAX, &buf, NULL);
	if (r < 0)
		return why_err(why, whylen, r, "cannot read lxc.seccomp.profile \"%.200s\": %s",
			       last, strerror(-r));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, MARKER, strlen(MARKER)) == 0)
			cids = true;
		else if (strncmp(line, MERGED_FROM, strlen(MERGED_FROM)) == 0)
			from = trim(line + strlen(MERGED_FROM));
		else if (strncmp(line, DENIED_LINE, strlen(DENIED_LINE)) == 0)
			d = trim(line + strlen(DENIED_LINE));
	}
	if (cids && prev[0] && (!from || strcmp(from, prev) != 0))
		return why_err(why, whylen, -EACCES,
			       "the container's own lxc.seccomp.profile \"%.200s\" is replaced by "
			       "cids's \"%.200s\": its denials would be lost. Merge them: "
			       "`cids-hook --lxc-seccomp-policy=%.200s > %.200s`",
			       prev, last, prev, last);
	if (d && strlen(d) < len) {
		struct notify_denied t;

		if (notify_denied_parse(d, &t) < 0)
			return why_err(why, whylen, -EINVAL,
				       "malformed \"%s\" line in \"%.200s\": generate it again",
				       DENIED_LINE, last);
		snprintf(denied, len, "%s", d);
	}
	return 0;
}
