/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The `cids` command's subcommands. Each takes argc/argv starting at its own name and returns
 * a process exit status (0 ok, 1 finding/alarm where documented, 2 usage or runtime error). */
#ifndef CIDS_CLI_H
#define CIDS_CLI_H

/* offline learning and evaluation (cli/train.c, cli/scan.c, cli/eval.c) */
int cmd_train(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_eval(int argc, char **argv);

/* profile tools: show (cli/profile_show.c); diff, merge, install, export-seccomp
 * (cli/profile_tools.c) */
int cmd_profile_show(int argc, char **argv);
int cmd_profile_diff(int argc, char **argv);
int cmd_profile_merge(int argc, char **argv);
int cmd_profile_install(int argc, char **argv);
int cmd_profile_export_seccomp(int argc, char **argv);
/* cli/profile_text.c */
int cmd_profile_export(int argc, char **argv);
int cmd_profile_import(int argc, char **argv);

/* operator tools (cli/report.c, cli/status.c, cli/alerts.c) */
int cmd_report(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_alerts(int argc, char **argv);

struct cids_config;
/* Load --config PATH (NULL: $CIDS_CONFIG or the default) into a malloc'ed config; logs why not. */
int cli_config_load(const char *path, struct cids_config **ret);

#endif
