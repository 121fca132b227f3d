/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids profile export-seccomp: the learned syscall set as an OCI/Docker seccomp profile. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cids/log.h"
#include "cids/profile.h"
#include "cids/runtime_calls.h"
#include "cids/util.h"
#include "cli.h"
#include "profile_tools.h"

static const char *const archs_x86_64[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
static const char *const archs_i386[] = {"SCMP_ARCH_X86"};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int seccomp_export(const struct cids_engine *e, enum seccomp_default act, bool extras,
		   json_object **ret, char *why, size_t whylen)
{
	const struct cids_engine_config *c = engine_config(e);
	const uint64_t *counts = engine_sym_counts(e);
	const char *names[CIDS_NSYM + CIDS_RUNTIME_CALLS_MAX];
	size_t n = 0;

	if (c->arch == CIDS_ARCH_NONE)
		return why_err(why, whylen, -EINVAL,
			       "the profile's syscalls are numbers without an architecture "
			       "(UNM data); they have no seccomp names");
	for (unsigned s = 0; s < CIDS_SYM_OTHER; s++) {
		if (!counts[s])
			continue;
		const char *name = cids_sys_name(c->arch, (int)s);
		if (!name) {
			log_warn(
				"Syscall %u has no name on %s; it cannot be allowed by name and is "
				"left out.",
				s, cids_arch_name(c->arch));
			continue;
		}
		names[n++] = name;
	}
	if (counts[CIDS_SYM_OTHER])
		log_warn("%llu calls with numbers >= %u were learned as \"other\"; they cannot be "
			 "allowed by name and are left out.",
			 (unsigned long long)counts[CIDS_SYM_OTHER], CIDS_SYM_OTHER);
	if (n == 0)
		return why_err(why, whylen, -ENODATA, "the profile holds no syscalls");
	/* the runtime's own calls under the filter, for a process with noNewPrivileges false too
	 * (Docker's default: the runtime drops privileges under the filter) */
	for (size_t i = 0; extras && i < cids_nruntime_calls; i++)
		names[n++] = cids_runtime_calls[i].name;
	qsort(names, n, sizeof(names[0]), name_cmp);

	json_object *o = json_object_new_object(), *arch = json_object_new_array(),
		    *list = json_object_new_array(), *rule = json_object_new_object(),
		    *rules = json_object_new_array();
	static const char *const acts[] = {"SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS",
					   "SCMP_ACT_LOG"};
	json_object_object_add(o, "defaultAction", json_object_new_string(acts[act]));
	if (act == SECCOMP_DEFAULT_ERRNO)
		json_object_object_add(o, "defaultErrnoRet", json_object_new_int(EPERM));
	const char *const *a = c->arch == CIDS_ARCH_I386 ? archs_i386 : archs_x86_64;
	size_t na = c->arch == CIDS_ARCH_I386 ? ARRAY_SIZE(archs_i386) : ARRAY_SIZE(archs_x86_64);
	for (size_t i = 0; i < na; i++)
		json_object_array_add(arch, json_object_new_string(a[i]));
	json_object_object_add(o, "architectures", arch);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(names[i], names[i - 1]) != 0)
			json_object_array_add(list, json_object_new_string(names[i]));
	json_object_object_add(rule, "names", list);
	json_object_object_add(rule, "action", json_object_new_string("SCMP_ACT_ALLOW"));
	json_object_array_add(rules, rule);
	json_object_object_add(o, "syscalls", rules);
	*ret = o;
	return 0;
}

static void export_usage(FILE *f)
{
	fprintf(f,
		"Usage: cids profile export-seccomp PROFILE -o seccomp.json [--action "
		"errno|kill|log]\n"
		"                                   [--no-runtime-extras]\n"
		"\n"
		"Writes the syscalls the workload used (those with a non-zero count in PROFILE) as "
		"an\n"
		"OCI/Docker seccomp profile: every learned call is allowed, anything else gets "
		"the\n"
		"default action. Architectures: x86_64 with x86 and x32 as Docker does (i386 "
		"profiles:\n"
		"x86 only). Use it with `docker run --security-opt seccomp=seccomp.json`, "
		"podman's\n"
		"same option, or as \"linux.seccomp\" of an OCI config.json.\n"
		"\n"
		"The runtime runs a few calls of its own after it installs the filter and before "
		"the\n"
		"workload starts (execve, and for runc the Go runtime's futex, nanosleep, ... "
		"until the\n"
		"exec; without noNewPrivileges, as under Docker, also capset, setgroups, "
		"setuid...);\n"
		"they are added unless --no-runtime-extras. A workload that did something\n"
		"while learning only rarely may need more: learn longer or add the names by hand.\n"
		"\n"
		"  -o, --output FILE      where to write (\"-\": standard output)\n"
		"  -a, --action ACT       default action for calls not learned: errno (EPERM, the\n"
		"                         default), kill (the whole process) or log (allow and "
		"log)\n"
		"      --no-runtime-extras  only the learned calls\n"
		"\n"
		"Example:\n"
		"  cids profile export-seccomp /var/lib/cids/profiles/web.profile -o "
		"web-seccomp.json\n"
		"  docker run --security-opt seccomp=web-seccomp.json web:1.2\n");
}

int cmd_profile_export_seccomp(int argc, char **argv)
{
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
					     {"action", required_argument, NULL, 'a'},
					     {"no-runtime-extras", no_argument, NULL, 'N'},
					     {"help", no_argument, NULL, 'h'},
					     {}};
	const char *out = NULL;
	enum seccomp_default act = SECCOMP_DEFAULT_ERRNO;
	bool extras = true;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "o:a:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'a':
			if (strcmp(optarg, "errno") == 0)
				act = SECCOMP_DEFAULT_ERRNO;
			else if (strcmp(optarg, "kill") == 0)
				act = SECCOMP_DEFAULT_KILL;
			else if (strcmp(optarg, "log") == 0)
				act = SECCOMP_DEFAULT_LOG;
			else {
				log_error("--action: expected errno, kill or log, got \"%s\".",
					  optarg);
				return 2;
			}
			break;
		case 'N':
			extras = false;
			break;
		case 'h':
			export_usage(stdout);
			return 0;
		default:
			export_usage(stderr);
			return 2;
		}
	}
	if (!out || argc - optind != 1) {
		export_usage(stderr);
		return 2;
	}
	_cleanup_(engine_freep) struct cids_engine *e = NULL;
	struct cids_provenance p;
	char why[256] = "";
	r = profile_load(argv[optind], &e, &p, why, sizeof(why));
	if (r < 0) {
		log_error("Cannot load profile \"%s\": %s", argv[optind],
			  why[0] ? why : strerror(-r));
		return 2;
	}
	_cleanup_(json_object_putp) json_object *o = NULL;
	r = seccomp_export(e, act, extras, &o, why, sizeof(why));
	if (r < 0) {
		log_error("Cannot export \"%s\": %s.", argv[optind], why[0] ? why : strerror(-r));
		return 2;
	}
	const char *text = json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (strcmp(out, "-") == 0) {
		printf("%s\n", text);
		return 0;
	}
	_cleanup_free_ char *buf = NULL;
	if (asprintf(&buf, "%s\n", text) < 0)
		return 2;
	r = write_file_atomic(out, buf, strlen(buf), 0644);
	if (r < 0) {
		log_error_errno(r, "Cannot write \"%s\"", out);
		return 2;
	}
	json_object *names = json_object_array_get_idx(json_object_object_get(o, "syscalls"), 0);
	names = json_object_object_get(names, "names");
	fprintf(stderr, "Wrote %s: %zu syscalls allowed%s.\n", out, json_object_array_length(names),
		extras ? " (learned set plus the runtime's own calls)" : "");
	return 0;
}
