/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids: offline train/scan/eval on recorded traces, profile tools, reports, live status. */
#include <stdio.h>
#include <string.h>

#include "cids/log.h"
#include "cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command profile_commands[] = {
	{"show", cmd_profile_show, "what a profile holds: syscalls, databases, steady state"},
	{"diff", cmd_profile_diff, "windows in one profile and not the other"},
	{"merge", cmd_profile_merge, "combine profiles of one workload"},
	{"install", cmd_profile_install, "put a profile into a host's store under a key"},
	{"export-seccomp", cmd_profile_export_seccomp, "the learned syscalls as a seccomp profile"},
	{"export", cmd_profile_export, "a profile as text (--text) that diffs well, for review"},
	{"import", cmd_profile_import, "a profile's text form back into a profile file"},
};

static const struct command commands[] = {
	{"train", cmd_train, "learn a profile from recorded traces"},
	{"scan", cmd_scan, "score traces against a profile"},
	{"eval", cmd_eval, "train, then measure detection on normal and attack traces"},
	{"profile", NULL,
	 "profile tools: show, diff, merge, install, export, import, export-seccomp"},
	{"report", cmd_report, "steady-state table and growth-curve plot of a profile"},
	{"status", cmd_status, "live monitors on this host"},
	{"alerts", cmd_alerts, "read the alerts file"},
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: cids COMMAND [OPTIONS]\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-16s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nProfile tools (cids profile SUBCOMMAND):\n");
	for (size_t i = 0; i < ARRAY_SIZE(profile_commands); i++)
		fprintf(f, "  %-16s %s\n", profile_commands[i].name, profile_commands[i].summary);
	fprintf(f, "\nEvery command takes --help. Example:\n"
		   "  cids train --format adfa -o adfa.profile ADFA-LD/Training_Data_Master\n");
}

static int dispatch(const struct command *tab, size_t n, const char *what, int argc, char **argv)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(argv[0], tab[i].name) == 0)
			return tab[i].run(argc, argv);
	log_error("Unknown %s \"%s\"; see \"cids --help\".", what, argv[0]);
	return 2;
}

int main(int argc, char **argv)
{
	log_set_ident("cids");
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("cids %s\n", CIDS_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "profile") == 0) {
		if (argc < 3 || strcmp(argv[2], "--help") == 0) {
			usage(argc < 3 ? stderr : stdout);
			return argc < 3 ? 2 : 0;
		}
		return dispatch(profile_commands, ARRAY_SIZE(profile_commands), "profile command",
				argc - 2, argv + 2);
	}
	return dispatch(commands, ARRAY_SIZE(commands), "command", argc - 1, argv + 1);
}
