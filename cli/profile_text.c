/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Profiles as reviewable artifacts: cids profile export --text, cids profile import, the content
 * digest shown by cids profile show, and cids profile install --from (a new key started from an
 * old profile).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cids/config.h"
#include "cids/log.h"
#include "cids/profile.h"
#include "cids/util.h"
#include "cli.h"
#include "profile_text.h"

#define TEXT_MAX_INPUT (1ull << 30) /* text profiles read by import */

int profile_digest(const struct cids_engine *e, char *hex, size_t hexlen)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	uint8_t d[32];
	int r;

	if (hexlen < 65)
		return -ENOBUFS;
	r = profile_text_encode(e, NULL, PROFILE_TEXT_NO_PROVENANCE, &text, &len);
	if (r < 0)
		return r;
	cids_sha256(text, len, d);
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return 0;
}

/* --- export --text --- */

static void export_usage(FILE *f)
{
	fprintf(f,
		"Usage: cids profile export --text PROFILE [-o OUT]\n"
		"\n"
		"Writes PROFILE as text: every setting and counter on its own line, then per\n"
		"database one window per line as syscall names followed by how often it was seen,\n"
		"sorted, then the growth curve. Two versions of a profile diff well (git diff,\n"
		"diff -u); `cids profile import` turns the text back into the same profile file,\n"
		"byte for byte.\n"
		"\n"
		"  --text         the text form (the only export format; seccomp profiles are\n"
		"                 `cids profile export-seccomp`)\n"
		"  -o, --output OUT  write to OUT (atomically) instead of standard output\n"
		"\n"
		"Example:\n"
		"  cids profile export --text /var/lib/cids/profiles/web.profile -o web.cids.txt\n"
		"  git diff web.cids.txt\n");
}

int cmd_profile_export(int argc, char **argv)
{
	static const struct option opts[] = {{"text", no_argument, NULL, 't'},
					     {"output", required_argument, NULL, 'o'},
					     {"help", no_argument, NULL, 'h'},
					     {}};
	const char *out = NULL;
	bool text = false;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			text = true;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			export_usage(stdout);
			return 0;
		default:
			export_usage(stderr);
			return 2;
		}
	}
	if (!text || argc - optind != 1) {
		export_usage(stderr);
		return 2;
	}
	_cleanup_(engine_freep) struct cids_engine *e = NULL;
	_cleanup_free_ char *buf = NULL;
	struct cids_provenance p;
	char why[256] = "";
	size_t len = 0;
	int r = profile_load(argv[optind], &e, &p, why, sizeof(why));
	if (r < 0) {
		log_error("Cannot load \"%s\": %s", argv[optind], why[0] ? why : strerror(-r));
		return 2;
	}
	r = profile_text_encode(e, &p, 0, &buf, &len);
	if (r < 0) {
		log_error_errno(r, "Cannot write \"%s\" as text", argv[optind]);
		return 2;
	}
	if (out) {
		r = write_file_atomic(out, buf, len, 0644);
		if (r < 0) {
			log_error_errno(r, "Cannot write \"%s\"", out);
			return 2;
		}
		return 0;
	}
	if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
		log_error("Cannot write to standard output.");
		return 2;
	}
	return 0;
}

/* --- import --- */

static void import_usage(FILE *f)
{
	fprintf(f,
		"Usage: cids profile import TEXT -o OUT [--force]\n"
		"\n"
		"Reads a profile's text form (`cids profile export --text`; \"-\" for standard\n"
		"input) and writes it as a profile file (mode 0600, atomically). The result is\n"
		"checked as any profile cids loads; an exported and imported profile is byte for\n"
		"byte the file it came from. A reviewed text can be imported on the production\n"
		"side and installed with `cids profile install`.\n"
		"\n"
		"  -o, --output OUT  the profile to write (refused if it exists, unless --force)\n"
		"      --force       replace an existing OUT\n"
		"\n"
		"Example:\n"
		"  cids profile import web.cids.txt -o web.profile\n");
}

int cmd_profile_import(int argc, char **argv)
{
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
					     {"force", no_argument, NULL, 'F'},
					     {"help", no_argument, NULL, 'h'},
					     {}};
	const char *out = NULL;
	bool force = false;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'F':
			force = true;
			break;
		case 'h':
			import_usage(stdout);
			return 0;
		default:
			import_usage(stderr);
			return 2;
		}
	}
	if (!out || argc - optind != 1) {
		import_usage(stderr);
		return 2;
	}
	const char *in = argv[optind];
	struct stat sb;
	if (!force && lstat(out, &sb) == 0) {
		log_error("\"%s\" exists; use --force to replace it.", out);
		return 2;
	}
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = strcmp(in, "-") == 0 ? read_full_fd(STDIN_FILENO, TEXT_MAX_INPUT, &text, &len)
				     : read_full_file(in, TEXT_MAX_INPUT, &text, &len);
	if (r < 0) {
		log_error("Cannot read \"%s\": %s", in,
			  r == -E2BIG ? "larger than 1 GiB" : strerror(-r));
		return 2;
	}
	_cleanup_(engine_freep) struct cids_engine *e = NULL;
	struct cids_provenance p;
	char why[256] = "";
	r = profile_text_decode(text, len, &e, &p, why, sizeof(why));
	if (r < 0) {
		log_error("Cannot import \"%s\": %s", in, why[0] ? why : strerror(-r));
		return 2;
	}
	r = profile_save(e, &p, out);
	if (r < 0) {
		log_error_errno(r, "Cannot write \"%s\"", out);
		return 2;
	}
	char hex[65];
	if (profile_digest(e, hex, sizeof(hex)) >= 0)
		printf("Imported %s as %s (digest sha256:%s)\n", in, out, hex);
	return 0;
}

/* --- install --from --- */

int profile_install_from(const char *old, const char *key, const char *store, bool force,
			 char *dest, size_t destlen, char *why, size_t whylen)
{
	_cleanup_(engine_freep) struct cids_engine *e = NULL;
	_cleanup_free_ void *buf = NULL;
	struct cids_provenance p, np = {};
	char src[CIDS_PATH_MAX + 160], tmp[CIDS_PATH_MAX + 200];
	size_t len = 0;
	struct stat sb;
	int r;

	/* OLD: a key in the store, or a profile file */
	if (key_is_valid(old) && !strchr(old, '/') &&
	    snprintf(src, sizeof(src), "%s/%s.profile", store, old) > 0 && stat(src, &sb) == 0)
		;
	else
		snprintf(src, sizeof(src), "%s", old);
	r = profile_load(src, &e, &p, why, whylen);
	if (r < 0)
		return r;
	engine_restart_steady(e);
	snprintf(np.key, sizeof(np.key), "%s", key);
	snprintf(np.source, sizeof(np.source), "from %.*s", (int)sizeof(np.source) - 6,
		 p.key[0] ? p.key : old);
	np.created = np.updated = (int64_t)time(NULL);
	np.sessions = 0;
	r = profile_encode(e, &np, &buf, &len);
	if (r < 0)
		return why_err(why, whylen, r, "cannot encode: %s", strerror(-r));
	/* through a file, so that profile_install checks and places exactly these bytes */
	r = mkdir_p(store, 0700);
	if (r < 0)
		return why_err(why, whylen, r, "cannot create store \"%s\": %s", store,
			       strerror(-r));
	snprintf(tmp, sizeof(tmp), "%s/.from-%s.%d.tmp", store, key, (int)getpid());
	r = write_file_atomic(tmp, buf, len, 0600);
	if (r < 0)
		return why_err(why, whylen, r, "cannot write \"%s\": %s", tmp, strerror(-r));
	r = profile_install(tmp, key, store, force, dest, destlen, why, whylen);
	unlink(tmp);
	return r;
}
