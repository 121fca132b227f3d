/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runc's command line, read the way runc (urfave/cli on Go's flag package) and crun read it. */
#include <errno.h>
#include <string.h>

#include "shim.h"

/* Global flags of runc and crun that take a value. */
static const char *const global_value_flags[] = {
	"root", "log", "log-format", "criu", "rootless", "log-level", "cgroup-manager",
};

/* Flags of create/run that take a value (so their value is not mistaken for a flag or the id). */
static const char *const create_value_flags[] = {
	"bundle", "b", "console-socket", "pid-file", "preserve-fds",
};

/*
 * "-x", "--x", "-x=v", "--x=v": returns the name (without dashes) in name/namelen and the "=v"
 * value or NULL. Not a flag (no dash, "-", "--"): returns false.
 */
static bool split_flag(const char *a, const char **name, size_t *namelen, const char **value)
{
	const char *eq;

	if (a[0] != '-' || a[1] == 0)
		return false;
	a += a[1] == '-' ? 2 : 1;
	if (*a == 0 || *a == '-' || *a == '=')
		return false;
	eq = strchr(a, '=');
	*name = a;
	*namelen = eq ? (size_t)(eq - a) : strlen(a);
	*value = eq ? eq + 1 : NULL;
	return true;
}

static bool name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(name, want, len) == 0;
}

static bool in_list(const char *name, size_t len, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (name_is(name, len, list[i]))
			return true;
	return false;
}

bool shim_cmd_adds_hook(const char *cmd)
{
	return cmd && (strcmp(cmd, "create") == 0 || strcmp(cmd, "run") == 0);
}

int shim_parse_args(int argc, char **argv, struct shim_args *ret)
{
	struct shim_args a = {.cmd_index = -1, .log_fmt = LOG_FMT_TEXT};
	int i;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *name, *val;
		size_t nl;

		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (!split_flag(arg, &name, &nl, &val))
			break; /* the subcommand */
		if (name_is(name, nl, "cids-config")) {
			a.config_argi = i;
			a.config_argn = val ? 1 : 2;
			if (!val) {
				if (i + 1 >= argc)
					return -EINVAL;
				val = argv[++i];
			}
			a.config = val;
			continue;
		}
		if (name_is(name, nl, "cids-print-key")) {
			if (!val) {
				if (i + 1 >= argc)
					return -EINVAL;
				val = argv[++i];
			}
			a.print_key = val;
			continue;
		}
		if (in_list(name, nl, global_value_flags, ARRAY_SIZE(global_value_flags))) {
			if (!val) {
				if (i + 1 >= argc)
					return -EINVAL;
				val = argv[++i];
			}
			if (name_is(name, nl, "log"))
				a.log_path = val;
			else if (name_is(name, nl, "log-format"))
				a.log_fmt = strcmp(val, "json") == 0 ? LOG_FMT_JSON : LOG_FMT_TEXT;
			else if (name_is(name, nl, "root"))
				a.root = val;
			continue;
		}
		if (name_is(name, nl, "debug"))
			a.debug = !val || strcmp(val, "false") != 0;
		/* Booleans (--systemd-cgroup, --debug) and flags we do not know: the real
		 * runtime judges them. --help / --version end up here too and pass through. */
	}
	if (i < argc) {
		a.cmd_index = i;
		a.cmd = argv[i];
	}

	if (shim_cmd_adds_hook(a.cmd)) {
		for (i = a.cmd_index + 1; i < argc; i++) {
			const char *name, *val;
			size_t nl;

			if (strcmp(argv[i], "--") == 0)
				break;
			if (!split_flag(argv[i], &name, &nl, &val))
				break; /* the container id: Go's flag parsing (runc) stops here */
			if (!in_list(name, nl, create_value_flags, ARRAY_SIZE(create_value_flags)))
				continue;
			if (!val) {
				if (i + 1 >= argc)
					return -EINVAL;
				val = argv[++i];
			}
			if (name_is(name, nl, "bundle") || name_is(name, nl, "b"))
				a.bundle = val; /* the last one wins, as in Go's flag package */
		}
	}
	*ret = a;
	return 0;
}
